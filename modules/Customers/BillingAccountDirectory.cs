using CableHub.Customers.Contracts;
using Dapper;
using Npgsql;

namespace CableHub.Customers;

/// <summary><see cref="IBillingAccountDirectory"/>: one query for any number of accounts.</summary>
internal sealed class BillingAccountDirectory(NpgsqlDataSource dataSource) : IBillingAccountDirectory
{
    public async Task<IReadOnlyList<BillingAccountTerms>> TermsAsync(IReadOnlyCollection<Guid> billingAccountIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(billingAccountIds);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<BillingAccountTerms>(new CommandDefinition(
            """
            SELECT ba.id, ba.account_number AS accountnumber, ba.customer_id AS customerid, c.customer_number AS customernumber, trim(ba.currency) AS currency,
                   ba.status, ba.bill_cycle_day::int AS billcycleday, ba.payment_method AS paymentmethod,
                   (SELECT trim(m.country) FROM hub.contact_medium m WHERE m.customer_id = c.id AND m.medium_type = 'postal_address' AND m.country IS NOT NULL
                    ORDER BY m.preferred DESC, m.valid_from DESC LIMIT 1) AS country
            FROM hub.billing_account ba JOIN hub.customer c ON c.id = ba.customer_id
            WHERE ba.id = ANY(@ids)
            """, new { ids = billingAccountIds.ToArray() }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.AsList();
    }
}
