using CableHub.Core.Persistence;
using CableHub.Core.Ports;
using Dapper;
using Npgsql;

namespace CableHub.Subscriptions;

/// <summary>
/// Subscriptions' part of an erasure request: subscriptions, entitlements and the change history stay (the regulator's
/// registers and billing refer to them); a change's reason that is text a person typed (reason code <c>other</c>, e.g. a
/// disconnect order's reason) becomes <see cref="DataSubjectErasure.ErasedText"/>; coded reasons (vacation, dunning, …) stay.
/// The text never left the database (<see cref="SubscriptionsModule.StreamedColumns"/>, the audit log's free-text columns).
/// One transaction, audited as the officer; idempotent.
/// </summary>
internal sealed class SubscriptionErasure(NpgsqlDataSource dataSource) : IDataSubjectEraser
{
    public async Task<DataSubjectErasure> EraseAsync(Guid customerId, string actor, CancellationToken ct)
    {
        var reasons = await AuditActor.RunAsAsync(dataSource, actor, (conn, tx) => conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.subscription_change SET reason = @erased
            WHERE subscription_id IN (SELECT id FROM hub.subscription WHERE customer_id = @customerId)
              AND reason_code = 'other' AND reason <> @erased
            """, new { customerId, erased = DataSubjectErasure.ErasedText }, tx, cancellationToken: ct)), ct).ConfigureAwait(false);
        return new DataSubjectErasure("subscriptions",
        [
            $"{reasons} typed subscription change reason(s) overwritten",
            "kept: subscriptions, entitlements and the change history with coded reasons (pseudonymous customer id)",
        ]);
    }
}
