using CableHub.Core.Ports;
using Dapper;
using Npgsql;

namespace CableHub.Subscriptions;

/// <summary>What the Subscriptions module holds on a customer (access export): subscriptions, add-ons, changes.</summary>
internal sealed class SubscriptionDataSubjectRecords(NpgsqlDataSource dataSource) : IDataSubjectRecords
{
    public int Order => 30;

    public async Task<DataSubjectSection> CollectAsync(Guid customerId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        using var grid = await conn.QueryMultipleAsync(new CommandDefinition(
            """
            SELECT id, plan_id, device_id, status, start_at, end_at, created_at FROM hub.subscription WHERE customer_id = @customerId ORDER BY created_at, id;
            SELECT a.* FROM hub.subscription_addon a JOIN hub.subscription s ON s.id = a.subscription_id WHERE s.customer_id = @customerId ORDER BY a.subscription_id;
            SELECT c.* FROM hub.subscription_change c JOIN hub.subscription s ON s.id = c.subscription_id WHERE s.customer_id = @customerId ORDER BY c.subscription_id;
            """, new { customerId }, cancellationToken: ct)).ConfigureAwait(false);
        var subscriptions = await grid.ReadAsync().ConfigureAwait(false);
        var addons = await grid.ReadAsync().ConfigureAwait(false);
        var changes = await grid.ReadAsync().ConfigureAwait(false);
        return new DataSubjectSection("Subscriptions", "subscriptions", "the service contracted (GDPR art. 6(1)(b))",
            [DataSubjectTable.From("subscriptions", subscriptions), DataSubjectTable.From("add-ons", addons), DataSubjectTable.From("subscription changes", changes)]);
    }
}
