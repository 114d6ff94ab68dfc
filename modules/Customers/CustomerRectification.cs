using System.Globalization;
using CableHub.Core.Ports;
using CableHub.Core.Security;
using Dapper;
using Npgsql;

namespace CableHub.Customers;

/// <summary>
/// Rectification of a customer's personal data (data-subject rectification request): names, birth date, e-mail address
/// and phone number, encrypted under the customer's own data key (a customer still under the master key gets one), blind
/// indexes recomputed so sign-in and search find the corrected e-mail. One transaction as the officer; the audit
/// triggers record before/after with every encrypted field and blind index redacted, so the log holds no plaintext.
/// An erased customer cannot be rectified (409).
/// </summary>
public sealed class CustomerRectification(NpgsqlDataSource dataSource, FieldEncryptor master, CustomerKeys keys, TimeProvider clock) : IDataSubjectRectifier
{
    public const string GivenName = "givenName";
    public const string FamilyName = "familyName";
    public const string BirthDate = "birthDate";
    public const string Email = "email";
    public const string Phone = "phone";

    public IReadOnlyList<string> Fields { get; } = [GivenName, FamilyName, BirthDate, Email, Phone];

    public async Task<DataSubjectRectification> RectifyAsync(Guid customerId, IReadOnlyDictionary<string, string> corrections, string actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(corrections);
        var mine = corrections.Where(c => Fields.Contains(c.Key)).ToDictionary(c => c.Key, c => Validate(c.Key, c.Value), StringComparer.Ordinal);
        if (mine.Count == 0)
        {
            return new DataSubjectRectification("customers", []);
        }

        var now = clock.GetUtcNow();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition("SELECT set_config('cablehub.actor', @actor, true)", new { actor }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var erasedAt = await conn.QuerySingleOrDefaultAsync<(Guid Id, DateTimeOffset? ErasedAt)>(new CommandDefinition(
            "SELECT id, erased_at FROM hub.customer WHERE id = @customerId FOR UPDATE", new { customerId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (erasedAt.Id == Guid.Empty)
        {
            throw new NotFoundException($"customer {customerId}", "customerId");
        }

        if (erasedAt.ErasedAt is not null)
        {
            throw new StateConflictException("DSR-ERASED", $"customer {customerId} was erased: there is nothing left to rectify", "customerId");
        }

        var key = (await keys.ReaderAsync([customerId], conn, tx, ct).ConfigureAwait(false)).KeyOf(customerId);
        if (key is null)
        {
            key = SubjectKeyCipher.NewDataKey(); // written under the master key before customer keys: the corrected fields get a key of their own
            await keys.StoreAsync(customerId, key, conn, tx, ct).ConfigureAwait(false);
        }

        var changed = new List<string>();
        foreach (var (field, column) in new[] { (GivenName, "given_name_enc"), (FamilyName, "family_name_enc"), (BirthDate, "birth_date_enc") })
        {
            if (mine.TryGetValue(field, out var value))
            {
#pragma warning disable CA2100 // the column is one of three constants
                await conn.ExecuteAsync(new CommandDefinition($"UPDATE hub.customer SET {column} = @value, updated_at = @now WHERE id = @customerId",
                    new { value = SubjectKeyCipher.Encrypt(key, value), now, customerId }, tx, cancellationToken: ct)).ConfigureAwait(false);
#pragma warning restore CA2100
                changed.Add(field);
            }
        }

        foreach (var (field, type) in new[] { (Email, "email"), (Phone, "phone") })
        {
            if (!mine.TryGetValue(field, out var value))
            {
                continue;
            }

            var updated = await conn.ExecuteAsync(new CommandDefinition(
                """
                UPDATE hub.contact_medium SET value_enc = @enc, value_hash = @hash
                WHERE id = (SELECT id FROM hub.contact_medium WHERE customer_id = @customerId AND medium_type = @type AND valid_to IS NULL
                            ORDER BY preferred DESC, valid_from DESC LIMIT 1)
                """, new { enc = SubjectKeyCipher.Encrypt(key, value), hash = master.BlindIndex(value), customerId, type }, tx, cancellationToken: ct)).ConfigureAwait(false);
            if (updated == 0)
            {
                await conn.ExecuteAsync(new CommandDefinition(
                    """
                    INSERT INTO hub.contact_medium (id, customer_id, medium_type, preferred, value_enc, value_hash)
                    VALUES (@id, @customerId, @type, true, @enc, @hash)
                    """, new { id = Guid.CreateVersion7(), customerId, type, enc = SubjectKeyCipher.Encrypt(key, value), hash = master.BlindIndex(value) }, tx, cancellationToken: ct)).ConfigureAwait(false);
            }

            changed.Add(field);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
        return new DataSubjectRectification("customers", changed);
    }

    private static string Validate(string field, string? value)
    {
        var v = value?.Trim() ?? "";
        var ok = field switch
        {
            GivenName or FamilyName => v.Length is > 0 and <= 200,
            BirthDate => DateOnly.TryParseExact(v, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) && d.Year >= 1900,
            Email => v.Length <= 320 && v.IndexOf('@', StringComparison.Ordinal) > 0 && v.LastIndexOf('.') > v.IndexOf('@', StringComparison.Ordinal),
            Phone => v.Length is >= 6 and <= 32 && v.All(c => char.IsDigit(c) || c is '+' or ' ' or '-' or '(' or ')'),
            _ => false,
        };
        return ok ? v : throw new RequestInvalidException("corrections." + field, field switch
        {
            BirthDate => "a birth date as YYYY-MM-DD",
            Email => "an e-mail address",
            Phone => "a phone number (digits, +, spaces, dashes)",
            _ => "1 to 200 characters",
        });
    }
}
