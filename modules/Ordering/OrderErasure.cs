using CableHub.Core.Persistence;
using CableHub.Core.Ports;
using Dapper;
using Npgsql;

namespace CableHub.Ordering;

/// <summary>
/// Ordering's part of an erasure request: the orders stay (ids, states, items, dates: what billing and the registers refer
/// to), the text people typed on them goes — the order's state reason (a requester's cancellation reason), the items' reasons
/// and the state history's reasons become <see cref="DataSubjectErasure.ErasedText"/>. The texts never left the database
/// (<see cref="OrderingModule.StreamedColumns"/>, the audit log's free-text columns). One transaction, audited as the officer; idempotent.
/// </summary>
internal sealed class OrderErasure(NpgsqlDataSource dataSource) : IDataSubjectEraser
{
    public async Task<DataSubjectErasure> EraseAsync(Guid customerId, string actor, CancellationToken ct)
    {
        var texts = await AuditActor.RunAsAsync(dataSource, actor, (conn, tx) => conn.QuerySingleAsync<(long Orders, long Items, long History)>(new CommandDefinition(
            """
            WITH orders AS (SELECT id FROM hub.product_order WHERE customer_id = @customerId),
            o AS (UPDATE hub.product_order SET state_reason = @erased
                  WHERE customer_id = @customerId AND state_reason IS NOT NULL AND state_reason <> @erased RETURNING 1),
            i AS (UPDATE hub.product_order_item SET reason = @erased
                  WHERE order_id IN (SELECT id FROM orders) AND reason IS NOT NULL AND reason <> @erased RETURNING 1),
            h AS (UPDATE hub.product_order_state_change SET reason = @erased
                  WHERE order_id IN (SELECT id FROM orders) AND reason IS NOT NULL AND reason <> @erased RETURNING 1)
            SELECT (SELECT count(*) FROM o), (SELECT count(*) FROM i), (SELECT count(*) FROM h)
            """, new { customerId, erased = DataSubjectErasure.ErasedText }, tx, cancellationToken: ct)), ct).ConfigureAwait(false);
        return new DataSubjectErasure("ordering",
        [
            $"{texts.Orders} order state reason(s), {texts.Items} order item reason(s) and {texts.History} state history reason(s) overwritten",
            "kept: the orders (ids, states, items, dates; pseudonymous customer id)",
        ]);
    }
}
