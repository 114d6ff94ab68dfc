using CableHub.Core.Contracts;
using CableHub.Core.Devices;
using CableHub.Core.Orders;
using CableHub.Sagas.Messaging;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using Wolverine;

namespace CableHub.Sagas.Onboarding;

/// <summary>
/// Step 1: in one transaction, order → inProgress and a box from stock reserved for it (or, with no box in
/// stock, order → failed). Idempotent: a redelivered command finds the same box reserved for the order.
/// </summary>
public static class ReserveStbHandler
{
    public const string NoStockReason = "no set-top box in stock";

    public static async Task Handle(ReserveStb command, IMessageContext context, NpgsqlDataSource dataSource, ILogger<OnboardingSaga> logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        await using var tx = await OutboxTransaction.BeginAsync(dataSource, context, ct).ConfigureAwait(false);
        var state = await tx.Connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            OnboardingSql.LockOrder, new { orderId = command.OrderId }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"product order {command.OrderId} does not exist");

        if (ProductOrderState.IsFinal(state))
        {
            await tx.PublishAsync(new OnboardingAbandoned(command.OrderId, state)).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return;
        }

        await ProductOrderStore.SetStateAsync(command.OrderId, ProductOrderState.InProgress, null, tx.Connection, tx.Transaction, ct).ConfigureAwait(false);
        await tx.Connection.ExecuteAsync(new CommandDefinition(
            OnboardingSql.StockMovementContext, new { reason = "reserved for product order", reference = command.OrderId.ToString() }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        var box = await DeviceStore.ReserveStbAsync(command.OrderId, command.CustomerId, tx.Connection, tx.Transaction, ct).ConfigureAwait(false);
        if (box is null)
        {
            await ProductOrderStore.SetStateAsync(command.OrderId, ProductOrderState.Failed, NoStockReason, tx.Connection, tx.Transaction, ct).ConfigureAwait(false);
            await tx.PublishAsync(new ProductOrderFailed(command.OrderId, NoStockReason, DateTimeOffset.UtcNow)).ConfigureAwait(false);
            await tx.PublishAsync(new StbReservationFailed(command.OrderId, NoStockReason)).ConfigureAwait(false);
            logger.LogWarning("Order {OrderId} failed: {Reason}", command.OrderId, NoStockReason);
        }
        else
        {
            var card = await DeviceStore.PairedCardAsync(box.Id, tx.Connection, tx.Transaction, ct).ConfigureAwait(false);
            await tx.PublishAsync(new StbReserved(command.OrderId, box.Id, CasIdOf(box), card is null ? null : CasIdOf(card))).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The id the CAS knows a device by: its CA id, else its serial number.</summary>
    internal static string CasIdOf(Device device) => device.CasId ?? device.SerialNumber;
}
