using CableHub.Catalog.Contracts;
using CableHub.Core.Persistence;
using CableHub.Customers.Contracts;
using CableHub.Inventory.Contracts;
using CableHub.Ordering.Contracts;
using CableHub.Sagas.Messaging;
using CableHub.Subscriptions.Contracts;
using Microsoft.Extensions.Logging;
using Npgsql;
using Wolverine;

namespace CableHub.Sagas.Onboarding;

/// <summary>
/// Step 3, one PostgreSQL transaction through the modules' contracts: order → completed (Ordering), box installed and active
/// (Inventory), active subscription with the plan's channels as entitlements (Subscriptions, channels from Catalog), customer
/// active (Customers), <see cref="ProductOrderCompleted"/> and the welcome message (<c>welcome:{order}</c>) in the outbox. The order's state decides: when it is already final
/// (completed by an earlier delivery, or failed by a compensation) nothing changes. While a compensation is deactivating
/// the box the message waits (retried) until the order is final.
/// </summary>
public static class CompleteOnboardingHandler
{
    public static async Task Handle(CompleteOnboarding command, IMessageContext context, NpgsqlDataSource dataSource, IProductOrderLifecycle orders, IStbReservations stbs,
        IPlanCatalog plans, ISubscriptions subscriptions, ICustomerRegistry customers, TimeProvider clock, ILogger<OnboardingSaga> logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(stbs);
        ArgumentNullException.ThrowIfNull(plans);
        ArgumentNullException.ThrowIfNull(subscriptions);
        ArgumentNullException.ThrowIfNull(customers);
        await using var tx = await OutboxTransaction.BeginAsync(dataSource, context, ct, clock).ConfigureAwait(false);
        var session = new DbSession(tx.Connection, tx.Transaction);
        await stbs.LockAsync(command.DeviceId, session, ct).ConfigureAwait(false);
        var calls = await CasCallLog.ForAsync(command.OrderId, command.DeviceId, session, ct).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        if (OnboardingSteps.CompletionMustWait(await orders.StateAsync(command.OrderId, session, ct).ConfigureAwait(false), calls, now))
        {
            throw new CasCallInFlightException($"order {command.OrderId}: the box is being deactivated by a compensation; retrying later");
        }

        Guid? subscriptionId = null;
        var completedNow = await orders.SetStateAsync(command.OrderId, ProductOrderState.Completed, null, session, ct).ConfigureAwait(false);
        if (completedNow)
        {
            await stbs.InstallAsync(new InstallStb(command.DeviceId, command.CustomerId,
                new MovementContext("onboarding", "installed for product order", command.OrderId.ToString())), session, ct).ConfigureAwait(false);
            var channels = await plans.ChannelIdsForPlanAsync(command.PlanId, session, ct).ConfigureAwait(false);
            subscriptionId = await subscriptions.CreateActiveAsync(new CreateActiveSubscription(command.OrderId, command.CustomerId, command.BillingAccountId, command.PlanId,
                command.DeviceId, channels, now), session, ct).ConfigureAwait(false);
            await customers.ActivateAsync(new ActivateCustomer(command.CustomerId), session, ct).ConfigureAwait(false);
            logger.LogInformation("Order {OrderId} completed: subscription {SubscriptionId} on box {DeviceId}", command.OrderId, subscriptionId, command.DeviceId);
            await tx.PublishAsync(new Notifications.NotifySubscriber($"welcome:{command.OrderId}", command.CustomerId, Notifications.SubscriberTemplates.Welcome, now,
                command.PlanId)).ConfigureAwait(false);
        }

        var state = completedNow ? ProductOrderState.Completed : await orders.StateAsync(command.OrderId, session, ct).ConfigureAwait(false);
        foreach (var message in OnboardingSteps.AfterCompletion(command, completedNow, subscriptionId, state, now))
        {
            await tx.PublishAsync(message).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
    }
}
