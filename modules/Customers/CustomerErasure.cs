using CableHub.Core.Ports;
using Dapper;
using Npgsql;

namespace CableHub.Customers;

/// <summary>
/// Erasure of a customer's personal data (data-subject erasure request) by crypto-shredding: their data key is destroyed,
/// so the ciphertext of their names, birth date and contact values is unreadable wherever a copy went (Kafka history,
/// warehouse parts, backups); in PostgreSQL the fields are also overwritten (empty = erased) and the blind indexes and
/// postal code cleared. The customer row stays (number, status, LCO, coarse location) so that invoices, payments and
/// subscriptions kept by law remain whole, pointing at a pseudonymous id. One transaction; idempotent; audited.
/// </summary>
public sealed class CustomerErasure(NpgsqlDataSource dataSource, TimeProvider clock) : IDataSubjectEraser
{
    public async Task<DataSubjectErasure> EraseAsync(Guid customerId, string actor, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition("SELECT set_config('cablehub.actor', @actor, true)", new { actor }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var customer = await conn.QuerySingleOrDefaultAsync<(string Number, DateTimeOffset? ErasedAt)>(new CommandDefinition(
            "SELECT customer_number, erased_at FROM hub.customer WHERE id = @customerId FOR UPDATE", new { customerId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (customer.Number is null)
        {
            throw new NotFoundException($"customer {customerId}", "customerId");
        }

        var shredded = await CustomerKeys.ShredAsync(customerId, conn, tx, now, ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.customer SET given_name_enc = '\x', family_name_enc = '\x', birth_date_enc = NULL,
                   erased_at = coalesce(erased_at, @now), updated_at = @now
            WHERE id = @customerId
            """, new { customerId, now }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var media = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.contact_medium SET value_enc = '\x', value_hash = '\x', postal_code = NULL
            WHERE customer_id = @customerId AND (value_enc <> '\x' OR value_hash <> '\x' OR postal_code IS NOT NULL)
            """, new { customerId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return new DataSubjectErasure("customers", customer.ErasedAt is { } before
            ? [$"customer {customer.Number} was already erased at {before.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}"]
            :
            [
                shredded ? $"customer {customer.Number}: data key destroyed (every copy of the encrypted names, birth date and contacts is unreadable)" : $"customer {customer.Number}: had no live data key",
                $"names and birth date overwritten; {media} contact media overwritten (value, blind index, postal code)",
                "kept: customer number, status, LCO, city/region/country, billing accounts (pseudonymous, for invoices kept by law)",
            ]);
    }
}
