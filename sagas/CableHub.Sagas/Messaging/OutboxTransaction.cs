using Npgsql;
using Wolverine;
using Wolverine.RDBMS;
using Wolverine.Runtime;

namespace CableHub.Sagas.Messaging;

/// <summary>
/// A transaction on the hub database that Wolverine's outbox takes part in: messages published through
/// it are stored in the same PostgreSQL transaction as the domain changes (schema <c>wolverine</c>, same
/// database as schema <c>hub</c>) and sent only after the commit. Inside a handler of a durable queue the
/// incoming message is also marked handled in that transaction, so a crash after the commit does not
/// redeliver it.
/// </summary>
/// <example>
/// <code>
/// await using var tx = await OutboxTransaction.BeginAsync(dataSource, context, ct);
/// await ProductOrderStore.SetStateAsync(orderId, "failed", reason, tx.Connection, tx.Transaction, ct);
/// await tx.PublishAsync(new ProductOrderFailed(orderId, reason, now));
/// await tx.CommitAsync(ct);
/// </code>
/// </example>
public sealed class OutboxTransaction : IAsyncDisposable
{
    private readonly MessageContext _context;
    private readonly IMessageDatabase _database;
    private readonly TimeProvider _clock;
    private bool _committed;

    private OutboxTransaction(MessageContext context, IMessageDatabase database, NpgsqlConnection connection, NpgsqlTransaction transaction, TimeProvider clock)
    {
        _context = context;
        _database = database;
        _clock = clock;
        Connection = connection;
        Transaction = transaction;
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    /// <summary>Opens a connection on <paramref name="dataSource"/>, begins a transaction and enlists the outbox of <paramref name="context"/> in it.</summary>
    public static async Task<OutboxTransaction> BeginAsync(NpgsqlDataSource dataSource, IMessageContext context, CancellationToken ct, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var messageContext = context as MessageContext
            ?? throw new ArgumentException($"expected Wolverine's MessageContext, got {context?.GetType().Name ?? "null"}", nameof(context));
        if (!messageContext.TryFindMessageDatabase(out var database) || database is null)
        {
            throw new InvalidOperationException("Wolverine has no database message store; configure it with ConfigureCableHubMessaging");
        }

        AssertSameDatabase(dataSource, database);
        var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        try
        {
            var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await messageContext.EnlistInOutboxAsync(new DatabaseEnvelopeTransaction(database, transaction)).ConfigureAwait(false);
            return new OutboxTransaction(messageContext, database, connection, transaction, clock ?? TimeProvider.System);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Publishes a message; it is stored in this transaction and sent after <see cref="CommitAsync"/>.</summary>
    public ValueTask PublishAsync<T>(T message) => _context.PublishAsync(message);

    /// <summary>Marks the message being handled (if any) as handled, commits, then sends the published messages.</summary>
    public async Task CommitAsync(CancellationToken ct)
    {
        var envelope = _context.Envelope;
        var markHandled = envelope is { WasPersistedInInbox: true };
        if (markHandled)
        {
            var keepUntil = _clock.GetUtcNow().Add(_context.Runtime.Options.Durability.KeepAfterMessageHandling);
            await _database.MarkIncomingEnvelopeAsHandledInTransactionAsync(Connection, Transaction, envelope!, keepUntil, ct).ConfigureAwait(false);
        }

        await Transaction.CommitAsync(ct).ConfigureAwait(false);
        _committed = true;
        if (markHandled)
        {
            envelope!.Status = EnvelopeStatus.Handled;
        }

        await _context.FlushOutgoingMessagesAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_committed)
        {
            // Nothing published here may leave: the domain changes did not happen.
            await _context.ClearAllAsync().ConfigureAwait(false);
        }

        await Transaction.DisposeAsync().ConfigureAwait(false);
        await Connection.DisposeAsync().ConfigureAwait(false);
    }

    private static void AssertSameDatabase(NpgsqlDataSource dataSource, IMessageDatabase database)
    {
        var hub = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        var wolverine = new NpgsqlConnectionStringBuilder(database.DataSource.ConnectionString);
        if (!string.Equals(hub.Host, wolverine.Host, StringComparison.OrdinalIgnoreCase) || hub.Port != wolverine.Port
            || !string.Equals(hub.Database, wolverine.Database, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"the hub database ({hub.Host}:{hub.Port}/{hub.Database}) and Wolverine's message store ({wolverine.Host}:{wolverine.Port}/{wolverine.Database}) " +
                "must be the same PostgreSQL database for the outbox to share the transaction");
        }
    }
}
