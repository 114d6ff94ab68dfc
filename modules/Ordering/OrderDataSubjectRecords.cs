using CableHub.Core.Ports;
using Dapper;
using Npgsql;

namespace CableHub.Ordering;

/// <summary>What the Ordering module holds on a customer (access export): product orders and their items.</summary>
internal sealed class OrderDataSubjectRecords(NpgsqlDataSource dataSource) : IDataSubjectRecords
{
    public int Order => 20;

    public async Task<DataSubjectSection> CollectAsync(Guid customerId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        using var grid = await conn.QueryMultipleAsync(new CommandDefinition(
            """
            SELECT id, external_id, state, state_reason, channel, requested_at, completed_at FROM hub.product_order WHERE customer_id = @customerId ORDER BY requested_at, id;
            SELECT i.order_id, i.item_id, i.action, i.plan_id, i.quantity, i.state FROM hub.product_order_item i JOIN hub.product_order o ON o.id = i.order_id
            WHERE o.customer_id = @customerId ORDER BY o.requested_at, i.order_id, i.item_id;
            """, new { customerId }, cancellationToken: ct)).ConfigureAwait(false);
        var orders = await grid.ReadAsync().ConfigureAwait(false);
        var items = await grid.ReadAsync().ConfigureAwait(false);
        return new DataSubjectSection("Orders", "ordering", "orders placed (GDPR art. 6(1)(b))",
            [DataSubjectTable.From("product orders", orders), DataSubjectTable.From("order items", items)]);
    }
}
