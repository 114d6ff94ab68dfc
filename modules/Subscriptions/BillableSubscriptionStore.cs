using CableHub.Subscriptions.Contracts;
using Dapper;
using Npgsql;

namespace CableHub.Subscriptions;

/// <summary><see cref="IBillableSubscriptions"/>: set-based reads by billing account (index <c>subscription_billing_account_idx</c>).</summary>
internal sealed class BillableSubscriptionStore(NpgsqlDataSource dataSource) : IBillableSubscriptions
{
    private const string Select =
        "SELECT id, billing_account_id AS billingaccountid, customer_id AS customerid, plan_id AS planid, status, start_at AS startat, end_at AS endat FROM hub.subscription";

    public async Task<IReadOnlyList<BillableSubscription>> ForAccountsAsync(IReadOnlyCollection<Guid> billingAccountIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(billingAccountIds);
        if (billingAccountIds.Count == 0)
        {
            return [];
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<BillableSubscription>(new CommandDefinition(
            Select + " WHERE billing_account_id = ANY(@ids) AND status <> 'cancelled' ORDER BY billing_account_id, start_at, id",
            new { ids = billingAccountIds as Guid[] ?? billingAccountIds.ToArray() }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.AsList();
    }

    public async Task<BillableSubscription?> ForOrderAsync(Guid orderId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleOrDefaultAsync<BillableSubscription>(new CommandDefinition(
            Select + " WHERE order_id = @orderId", new { orderId }, cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<BillableAddOn>> AddOnsForAccountsAsync(IReadOnlyCollection<Guid> billingAccountIds, DateTimeOffset liveAfter, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(billingAccountIds);
        if (billingAccountIds.Count == 0)
        {
            return [];
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<BillableAddOn>(new CommandDefinition(
            """
            SELECT a.subscription_id AS subscriptionid, s.billing_account_id AS billingaccountid, a.kind, a.offering_id AS offeringid, a.valid_from AS validfrom, a.valid_to AS validto
            FROM hub.subscription s JOIN hub.subscription_addon a ON a.subscription_id = s.id
            WHERE s.billing_account_id = ANY(@ids) AND s.status <> 'cancelled' AND (a.valid_to IS NULL OR (a.valid_to >= @liveAfter AND a.valid_to > a.valid_from))
            ORDER BY s.billing_account_id, a.valid_from, a.id
            """,
            new { ids = billingAccountIds as Guid[] ?? billingAccountIds.ToArray(), liveAfter }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.AsList();
    }
}
