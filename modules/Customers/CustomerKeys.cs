using System.Security.Cryptography;
using CableHub.Core.Security;
using Dapper;
using Npgsql;

namespace CableHub.Customers;

/// <summary>
/// The customers' data keys (<c>keyring.customer_key</c>, envelope encryption, <see cref="SubjectKeyCipher"/>): a new
/// customer gets a random key wrapped by the master key; their personal fields are encrypted under it; erasure destroys
/// it (crypto-shredding). Reading decrypts format-2 fields with the customer's key, format-1 fields (written before
/// customer keys, until <see cref="CustomerRekey"/> moves them) with the master key; an erased field reads <see cref="Erased"/>.
/// </summary>
public sealed class CustomerKeys(NpgsqlDataSource dataSource, FieldEncryptor master)
{
    /// <summary>What an erased personal field reads as.</summary>
    public const string Erased = "[erased]";

    /// <summary>Stores the customer's new data key wrapped by the master key (in the caller's transaction, after the customer row).</summary>
    public async Task StoreAsync(Guid customerId, byte[] key, NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(conn);
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO keyring.customer_key (customer_id, wrapped_key) VALUES (@customerId, @wrapped)",
            new { customerId, wrapped = SubjectKeyCipher.Wrap(master, key) }, tx, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>A reader for the personal fields of <paramref name="customerIds"/> on a connection of its own.</summary>
    public async Task<CustomerFieldReader> ReaderAsync(IReadOnlyCollection<Guid> customerIds, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await ReaderAsync(customerIds, conn, null, ct).ConfigureAwait(false);
    }

    /// <summary>A reader for the personal fields of <paramref name="customerIds"/> (their keys read in one query).</summary>
    public async Task<CustomerFieldReader> ReaderAsync(IReadOnlyCollection<Guid> customerIds, NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(conn);
        var rows = await conn.QueryAsync<(Guid CustomerId, byte[]? Wrapped)>(new CommandDefinition(
            "SELECT customer_id, wrapped_key FROM keyring.customer_key WHERE customer_id = ANY(@ids)",
            new { ids = customerIds.Distinct().ToArray() }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return new CustomerFieldReader(master, rows.ToDictionary(r => r.CustomerId, r => r.Wrapped is null ? null : SubjectKeyCipher.Unwrap(master, r.Wrapped)));
    }

    /// <summary>Destroys the customer's data key (idempotent); returns whether a live key was destroyed.</summary>
    public static async Task<bool> ShredAsync(Guid customerId, NpgsqlConnection conn, NpgsqlTransaction? tx, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(conn);
        var changed = await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO keyring.customer_key AS k (customer_id, wrapped_key, created_at, shredded_at) VALUES (@customerId, NULL, @now, @now)
            ON CONFLICT (customer_id) DO UPDATE SET wrapped_key = NULL, shredded_at = @now WHERE k.shredded_at IS NULL
            """, new { customerId, now }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return changed > 0;
    }
}

/// <summary>Decrypts personal fields of a known set of customers (see <see cref="CustomerKeys.ReaderAsync"/>).</summary>
public sealed class CustomerFieldReader
{
    private readonly FieldEncryptor _master;
    private readonly Dictionary<Guid, byte[]?> _keys;

    internal CustomerFieldReader(FieldEncryptor master, Dictionary<Guid, byte[]?> keys)
    {
        _master = master;
        _keys = keys;
    }

    /// <summary>Whether the customer's key was destroyed (their data erased).</summary>
    public bool IsShredded(Guid customerId) => _keys.TryGetValue(customerId, out var key) && key is null;

    /// <summary>The customer's live data key, if they have one.</summary>
    public byte[]? KeyOf(Guid customerId) => _keys.GetValueOrDefault(customerId);

    public string? Read(Guid customerId, byte[]? ciphertext)
    {
        if (ciphertext is null)
        {
            return null;
        }

        if (ciphertext.Length == 0)
        {
            return CustomerKeys.Erased;
        }

        if (!SubjectKeyCipher.IsSubjectCiphertext(ciphertext))
        {
            return _master.Decrypt(ciphertext);
        }

        return _keys.GetValueOrDefault(customerId) is { } key
            ? SubjectKeyCipher.Decrypt(key, ciphertext)
            : IsShredded(customerId) ? CustomerKeys.Erased : throw new CryptographicException($"customer {customerId} has no data key");
    }

    public string Required(Guid customerId, byte[] ciphertext) => Read(customerId, ciphertext)!;
}
