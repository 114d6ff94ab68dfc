using CableHub.Core.Persistence;
using CableHub.Inventory.Contracts;
using CableHub.Ordering.Contracts;
using CableHub.Sagas.Messaging;
using Microsoft.Extensions.Logging;
using Npgsql;
using Wolverine;

namespace CableHub.Sagas.Onboarding;

/// <summary>
/// Step 1: in one transaction, order → inProgress (Ordering) and a box from stock reserved for it (Inventory), or, with no
/// box in stock, order → failed. Idempotent: a redelivered command finds the same box reserved for the order.
/// </summary>
public static class ReserveStbHandler
{
    public const string NoStockReason = OnboardingSteps.NoStockReason;

    public static async Task Handle(ReserveStb command, IMessageContext context, NpgsqlDataSource dataSource, IProductOrderLifecycle orders, IStbReservations stbs,
        TimeProvider clock, ILogger<OnboardingSaga> logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(stbs);
        await using var tx = await OutboxTransaction.BeginAsync(dataSource, context, ct, clock).ConfigureAwait(false);
        var session = new DbSession(tx.Connection, tx.Transaction);
        var state = await orders.LockStateAsync(command.OrderId, session, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"product order {command.OrderId} does not exist");
        if (ProductOrderState.IsFinal(state))
        {
            await tx.PublishAsync(new OnboardingAbandoned(command.OrderId, state)).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return;
        }

        await orders.SetStateAsync(command.OrderId, ProductOrderState.InProgress, null, session, ct).ConfigureAwait(false);
        var box = await stbs.ReserveAsync(new ReserveStbForOrder(command.OrderId, command.CustomerId,
            new MovementContext("onboarding", "reserved for product order", command.OrderId.ToString())), session, ct).ConfigureAwait(false);
        if (box is null)
        {
            await orders.SetStateAsync(command.OrderId, ProductOrderState.Failed, NoStockReason, session, ct).ConfigureAwait(false);
            logger.LogWarning("Order {OrderId} failed: {Reason}", command.OrderId, NoStockReason);
        }

        foreach (var message in OnboardingSteps.AfterReservation(command.OrderId, box, clock.GetUtcNow()))
        {
            await tx.PublishAsync(message).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
    }
}
