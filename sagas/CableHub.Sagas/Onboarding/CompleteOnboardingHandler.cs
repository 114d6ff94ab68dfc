using CableHub.Core.Contracts;
using CableHub.Core.Devices;
using CableHub.Core.Orders;
using CableHub.Core.Subscriptions;
using CableHub.Sagas.Messaging;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using Wolverine;

namespace CableHub.Sagas.Onboarding;

/// <summary>
/// Step 3, one PostgreSQL transaction: order → completed, box installed and active, active subscription
/// with its entitlements, <see cref="ProductOrderCompleted"/> in the outbox. The order's state decides: when
/// it is already final (completed by an earlier delivery, or failed by a compensation) nothing changes.
/// </summary>
public static class CompleteOnboardingHandler
{
    public static async Task Handle(CompleteOnboarding command, IMessageContext context, NpgsqlDataSource dataSource, ILogger<OnboardingSaga> logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        await using var tx = await OutboxTransaction.BeginAsync(dataSource, context, ct).ConfigureAwait(false);
        await tx.Connection.ExecuteAsync(new CommandDefinition(
            OnboardingSql.LockDevice, new { deviceId = command.DeviceId }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);

        if (await ProductOrderStore.SetStateAsync(command.OrderId, ProductOrderState.Completed, null, tx.Connection, tx.Transaction, ct).ConfigureAwait(false))
        {
        await tx.Connection.ExecuteAsync(new CommandDefinition(
            OnboardingSql.StockMovementContext, new { reason = "installed for product order", reference = command.OrderId.ToString() }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
            var now = DateTimeOffset.UtcNow;
            await DeviceStore.MarkInstalledAndActiveAsync(command.DeviceId, command.CustomerId, tx.Connection, tx.Transaction, ct).ConfigureAwait(false);
            var subscriptionId = await SubscriptionStore.CreateActiveAsync(command.OrderId, command.CustomerId, command.BillingAccountId, command.PlanId,
                command.DeviceId, now, tx.Connection, tx.Transaction, ct).ConfigureAwait(false);
            await tx.PublishAsync(new ProductOrderCompleted(command.OrderId, subscriptionId, command.DeviceId, now)).ConfigureAwait(false);
            await tx.PublishAsync(new OnboardingCompleted(command.OrderId)).ConfigureAwait(false);
            logger.LogInformation("Order {OrderId} completed: subscription {SubscriptionId} on box {DeviceId}", command.OrderId, subscriptionId, command.DeviceId);
        }
        else
        {
            var state = await tx.Connection.ExecuteScalarAsync<string?>(new CommandDefinition(
                "SELECT state FROM hub.product_order WHERE id = @orderId", new { orderId = command.OrderId }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
            if (state == ProductOrderState.Completed)
            {
                await tx.PublishAsync(new OnboardingCompleted(command.OrderId)).ConfigureAwait(false);
            }
            else
            {
                await tx.PublishAsync(new OnboardingAbandoned(command.OrderId, state ?? "missing")).ConfigureAwait(false);
            }
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
    }
}
