using System.Security.Cryptography;
using CableHub.Core.Security;
using Dapper;
using Npgsql;

namespace CableHub.Customers;

/// <summary>What <see cref="CustomerRekey.RunAsync"/> did.</summary>
public sealed record RekeyResult(int Customers, int ContactMedia, IReadOnlyList<Guid> Unreadable);

/// <summary>
/// Moves customers written before customer data keys (fields under the master key, format 1; demo seeds before 2026-12-06 wrote so too)
/// under a data key of their own: each gets a key, every personal field is decrypted with the master key and encrypted
/// with theirs, in one transaction per batch. Customers whose fields cannot be decrypted are left as they are and named.
/// Idempotent: a customer with a key is never touched again.
/// </summary>
public sealed class CustomerRekey(NpgsqlDataSource dataSource, FieldEncryptor master, CustomerKeys keys)
{
    public async Task<RekeyResult> RunAsync(int batchSize = 500, IProgress<int>? progress = null, CancellationToken ct = default)
    {
        var unreadable = new List<Guid>();
        int customers = 0, mediaCount = 0;
        while (true)
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
            await conn.ExecuteAsync(new CommandDefinition("SELECT set_config('cablehub.actor', 'system:rekey', true)", transaction: tx, cancellationToken: ct)).ConfigureAwait(false);
            var rows = (await conn.QueryAsync<(Guid Id, byte[] Given, byte[] Family, byte[]? Birth)>(new CommandDefinition(
                """
                SELECT c.id, c.given_name_enc, c.family_name_enc, c.birth_date_enc FROM hub.customer c
                WHERE c.erased_at IS NULL AND NOT EXISTS (SELECT 1 FROM keyring.customer_key k WHERE k.customer_id = c.id) AND NOT (c.id = ANY(@skip))
                ORDER BY c.id LIMIT @batchSize FOR UPDATE OF c SKIP LOCKED
                """, new { skip = unreadable.ToArray(), batchSize }, tx, cancellationToken: ct)).ConfigureAwait(false)).ToList();
            if (rows.Count == 0)
            {
                return new RekeyResult(customers, mediaCount, unreadable);
            }

            var media = (await conn.QueryAsync<(Guid Id, Guid CustomerId, byte[] Value)>(new CommandDefinition(
                "SELECT id, customer_id, value_enc FROM hub.contact_medium WHERE customer_id = ANY(@ids)",
                new { ids = rows.Select(r => r.Id).ToArray() }, tx, cancellationToken: ct)).ConfigureAwait(false)).ToLookup(m => m.CustomerId);
            foreach (var row in rows)
            {
                string? Plain(byte[]? value) => value is null || value.Length == 0 ? null : SubjectKeyCipher.IsSubjectCiphertext(value) ? throw new CryptographicException("already under a data key") : master.Decrypt(value);
                string? given, family, birth;
                List<(Guid Id, string? Value)> values;
                try
                {
                    given = Plain(row.Given);
                    family = Plain(row.Family);
                    birth = Plain(row.Birth);
                    values = [.. media[row.Id].Select(m => (m.Id, Plain(m.Value)))];
                }
                catch (CryptographicException)
                {
                    unreadable.Add(row.Id);
                    continue;
                }

                var key = SubjectKeyCipher.NewDataKey();
                await keys.StoreAsync(row.Id, key, conn, tx, ct).ConfigureAwait(false);
                byte[]? Seal(string? value) => value is null ? null : SubjectKeyCipher.Encrypt(key, value);
                await conn.ExecuteAsync(new CommandDefinition(
                    "UPDATE hub.customer SET given_name_enc = coalesce(@given, given_name_enc), family_name_enc = coalesce(@family, family_name_enc), birth_date_enc = @birth WHERE id = @id",
                    new { id = row.Id, given = Seal(given), family = Seal(family), birth = Seal(birth) }, tx, cancellationToken: ct)).ConfigureAwait(false);
                foreach (var (id, value) in values.Where(v => v.Value is not null))
                {
                    await conn.ExecuteAsync(new CommandDefinition("UPDATE hub.contact_medium SET value_enc = @value WHERE id = @id",
                        new { id, value = Seal(value) }, tx, cancellationToken: ct)).ConfigureAwait(false);
                    mediaCount++;
                }

                customers++;
            }

            await tx.CommitAsync(ct).ConfigureAwait(false);
            progress?.Report(customers);
        }
    }
}
