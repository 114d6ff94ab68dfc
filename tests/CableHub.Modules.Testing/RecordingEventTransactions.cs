using System.Collections.Concurrent;
using CableHub.Core.Messaging;
using Npgsql;

namespace CableHub.Modules.Testing;

/// <summary>
/// TEST DOUBLE of the outbox: a plain transaction whose published events are recorded when (and only when) it commits,
/// so tests assert what a module published without the messaging layer. Production always uses the durable outbox.
/// </summary>
public sealed class RecordingEventTransactions(NpgsqlDataSource dataSource) : IEventTransactions
{
    private readonly ConcurrentQueue<object> _published = new();

    /// <summary>Events of committed transactions, in commit order.</summary>
    public IReadOnlyList<object> Published => _published.ToArray();

    public async Task<IEventTransaction> BeginAsync(string? correlationId, CancellationToken ct)
    {
        var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        try
        {
            var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
            await CableHub.Core.Persistence.AuditActor.ApplyAsync(conn, tx, ct).ConfigureAwait(false); // as the outbox does: the audit log's actor
            return new Recording(this, conn, tx);
        }
        catch
        {
            await conn.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private sealed class Recording(RecordingEventTransactions owner, NpgsqlConnection conn, NpgsqlTransaction tx) : IEventTransaction
    {
        private readonly List<object> _pending = [];

        public NpgsqlConnection Connection => conn;

        public NpgsqlTransaction Transaction => tx;

        public ValueTask PublishAsync(object message)
        {
            _pending.Add(message);
            return ValueTask.CompletedTask;
        }

        public async Task CommitAsync(CancellationToken ct)
        {
            await tx.CommitAsync(ct).ConfigureAwait(false);
            foreach (var e in _pending)
            {
                owner._published.Enqueue(e);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await tx.DisposeAsync().ConfigureAwait(false);
            await conn.DisposeAsync().ConfigureAwait(false);
        }
    }
}
