using CableHub.Core.Persistence;
using Npgsql;

namespace CableHub.Core.Messaging;

/// <summary>
/// The outbox: a database transaction whose published messages leave if and only if it commits (stored in the same
/// PostgreSQL transaction, sent after the commit). The messaging layer (sagas/, Wolverine) implements it; there is no
/// implementation that drops messages.
/// </summary>
public interface IEventTransaction : IAsyncDisposable
{
    NpgsqlConnection Connection { get; }

    NpgsqlTransaction Transaction { get; }

    /// <summary>The unit of work, for module command handlers that take part in it.</summary>
    DbSession Session => new(Connection, Transaction);

    /// <summary>Publishes <paramref name="message"/> (routed by its runtime type) when the transaction commits.</summary>
    ValueTask PublishAsync(object message);

    Task CommitAsync(CancellationToken ct);
}

/// <summary>Opens <see cref="IEventTransaction"/>s; the correlation id travels on every message published through it.</summary>
public interface IEventTransactions
{
    Task<IEventTransaction> BeginAsync(string? correlationId, CancellationToken ct);
}
