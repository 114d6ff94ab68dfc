using CableHub.Core.Messaging;
using Npgsql;

namespace CableHub.Sagas.Messaging;

/// <summary>
/// The hub's <see cref="IEventTransactions"/>: Wolverine's durable outbox on the hub database (<see cref="HubOutbox"/>).
/// Events are stored with the changes and sent after the commit, routed by their own type. There is no variant without
/// messaging: an event is never dropped.
/// </summary>
public sealed class OutboxEventTransactions(HubOutbox outbox) : IEventTransactions
{
    public async Task<IEventTransaction> BeginAsync(string? correlationId, CancellationToken ct)
    {
        var tx = await outbox.BeginAsync(correlationId, ct).ConfigureAwait(false);
        try
        {
            await CableHub.Core.Persistence.AuditActor.ApplyAsync(tx.Connection, tx.Transaction, ct).ConfigureAwait(false); // the audit log's actor
        }
        catch
        {
            await tx.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new OutboxEventTransaction(tx);
    }

    private sealed class OutboxEventTransaction(OutboxTransaction tx) : IEventTransaction
    {
        public NpgsqlConnection Connection => tx.Connection;

        public NpgsqlTransaction Transaction => tx.Transaction;

        // Wolverine routes by the message's runtime type (not the static type argument).
        public ValueTask PublishAsync(object message) => tx.PublishAsync(message);

        public Task CommitAsync(CancellationToken ct) => tx.CommitAsync(ct);

        public ValueTask DisposeAsync() => tx.DisposeAsync();
    }
}
