using CableHub.Core.Persistence;
using CableHub.Core.Ports;
using Dapper;
using Npgsql;

namespace CableHub.Inventory;

/// <summary>
/// Inventory's part of an erasure request: devices and their history stay (serials, statuses, who moved them, when), the
/// text staff typed about the person goes — the reasons of the person's device returns, and the reasons of the movements and
/// pairing changes of every device while the person held it (<c>hub.device_custody</c>: a technician's "swap: …" note, a
/// clerk's return note) become <see cref="DataSubjectErasure.ErasedText"/>. The texts never left the database
/// (<see cref="InventoryModule.StreamedColumns"/>). One transaction, as the officer; idempotent.
/// </summary>
internal sealed class DeviceErasure(NpgsqlDataSource dataSource) : IDataSubjectEraser
{
    public async Task<DataSubjectErasure> EraseAsync(Guid customerId, string actor, CancellationToken ct)
    {
        var texts = await AuditActor.RunAsAsync(dataSource, actor, (conn, tx) => conn.QuerySingleAsync<(long Returns, long Movements, long Pairings)>(new CommandDefinition(
            """
            WITH held AS (SELECT device_id, held_from, held_to FROM hub.device_custody WHERE customer_id = @customerId),
            r AS (UPDATE hub.device_return SET reason = @erased WHERE customer_id = @customerId AND reason <> @erased RETURNING 1),
            m AS (UPDATE hub.stock_movement m SET reason = @erased
                  WHERE m.reason <> @erased AND EXISTS (SELECT 1 FROM held h WHERE h.device_id = m.device_id
                                                          AND m.at >= h.held_from AND (h.held_to IS NULL OR m.at <= h.held_to))
                  RETURNING 1),
            p AS (UPDATE hub.device_pairing p SET reason = @erased
                  WHERE p.reason <> @erased AND EXISTS (SELECT 1 FROM held h WHERE h.device_id IN (p.stb_id, p.card_id)
                                                          AND p.at >= h.held_from AND (h.held_to IS NULL OR p.at <= h.held_to))
                  RETURNING 1)
            SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM m), (SELECT count(*) FROM p)
            """, new { customerId, erased = DataSubjectErasure.ErasedText }, tx, cancellationToken: ct)), ct).ConfigureAwait(false);
        return new DataSubjectErasure("inventory",
        [
            $"{texts.Returns} device return reason(s), {texts.Movements} device movement reason(s) and {texts.Pairings} pairing reason(s) overwritten",
            "kept: the devices and their movements (serials, statuses, actors, times) and the custody history (pseudonymous customer id)",
        ]);
    }
}
