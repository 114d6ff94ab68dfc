using Npgsql;
using Wolverine.Runtime;

namespace CableHub.Sagas.Messaging;

/// <summary>
/// The outbox for code outside message handlers (HTTP endpoints, CLI verbs): changes to the hub database
/// and the messages they cause commit together. Register as a singleton; the HTTP layer passes the
/// request's correlation id so it flows into every saga message.
/// </summary>
/// <example>
/// <code>
/// await using var tx = await hubOutbox.BeginAsync(correlationId, ct);
/// var placed = await orders.PlaceAsync(order, tx.Connection, tx.Transaction, ct);
/// await tx.PublishAsync(new ProductOrderAcknowledged(placed.OrderId, ...));
/// await tx.CommitAsync(ct);
/// </code>
/// </example>
public sealed class HubOutbox(IWolverineRuntime runtime, NpgsqlDataSource dataSource, TimeProvider clock)
{
    public Task<OutboxTransaction> BeginAsync(string? correlationId, CancellationToken ct)
    {
        var context = new MessageContext(runtime);
        if (!string.IsNullOrWhiteSpace(correlationId))
        {
            context.CorrelationId = correlationId;
        }

        return OutboxTransaction.BeginAsync(dataSource, context, ct, clock);
    }
}
