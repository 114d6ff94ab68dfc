using CableHub.Catalog.Contracts;
using CableHub.Core;
using CableHub.Core.Persistence;
using CableHub.Core.Ports;
using CableHub.Inventory.Contracts;
using CableHub.Ordering.Contracts;
using CableHub.Sagas.Messaging;
using CableHub.Subscriptions.Contracts;
using Microsoft.Extensions.Logging;
using Npgsql;
using Wolverine;

namespace CableHub.Sagas.Lifecycle;

/// <summary>
/// When a change takes effect: at the next billing cycle (<see cref="IBillingPeriods.NextCycleStartAsync"/>), at a requested start
/// date, or now. A suspension never takes effect before the end of what was paid for (<see cref="IBillingPeriods.PaidThroughAsync"/>,
/// Billing's paid invoices); when billing knows of nothing paid ahead, it takes effect at once, and the note says so. A later change
/// moves the order to <c>pending</c> (still cancellable).
/// </summary>
public static class ScheduleLifecycleChangeHandler
{
    public static async Task Handle(ScheduleLifecycleChange command, IMessageContext context, NpgsqlDataSource dataSource, IBillingPeriods periods,
        IProductOrderLifecycle orders, TimeProvider clock, ILogger<LifecycleSaga> logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(periods);
        ArgumentNullException.ThrowIfNull(orders);
        var change = command.Change;
        var now = clock.GetUtcNow();
        var (effective, note) = command.AtNextCycle
            ? (await periods.NextCycleStartAsync(change.SubscriptionId, now, ct).ConfigureAwait(false), "at the next billing cycle")
            : command.RequestedStartAt is { } start && start > now ? (start, "at the requested start date") : (now, (string?)null);
        if (change.Action == SubscriptionChangeAction.Suspend)
        {
            var paidThrough = await periods.PaidThroughAsync(change.SubscriptionId, ct).ConfigureAwait(false);
            (effective, note) = paidThrough switch
            {
                { } paid when paid > effective => (paid, $"paid through {paid:u}: what was paid for is not suspended"),
                null => (effective, (note is null ? "" : note + "; ") + "nothing paid ahead known to billing: suspended without waiting"),
                _ => (effective, note),
            };
        }

        await using var tx = await OutboxTransaction.BeginAsync(dataSource, context, ct, clock).ConfigureAwait(false);
        if (change.OrderId is { } orderId && effective > now)
        {
            await orders.SetStateAsync(orderId, ProductOrderState.Pending, $"scheduled for {effective:u}", new DbSession(tx.Connection, tx.Transaction), ct).ConfigureAwait(false);
        }

        logger.LogInformation("Change {ChangeId} takes effect at {EffectiveAt} {Note}", change.ChangeId, effective, note);
        await tx.PublishAsync(new LifecycleChangeScheduled(change.ChangeId, effective, note)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }
}

/// <summary>
/// Carries a change out, the vendor calls OUTSIDE any transaction: (1) a short transaction locks order and subscription, refuses
/// what the state no longer allows (order failed, saga told), takes the subscription's lease, moves the order in progress, works out
/// the entitlement delta (<see cref="LifecyclePlanner"/>) and records the CAS commands; (2) only the delta goes to the CAS, each
/// command with its idempotency key; (3) one transaction applies the change through the modules' contracts (subscription, box),
/// completes the order and puts the integration events (<see cref="SubscriptionChanged"/>, <see cref="SubscriptionSuspended"/>,
/// <see cref="SubscriptionRestored"/>, <see cref="SubscriptionDisconnected"/>, <see cref="ProductOrderCompleted"/>) in the outbox.
/// </summary>
public static class ApplyLifecycleChangeHandler
{
    public static async Task Handle(ApplyLifecycleChange command, IMessageContext context, NpgsqlDataSource dataSource, IConditionalAccessSystem cas,
        ICatalogOfferings offerings, ISubscriptionLifecycle subscriptions, IDeviceLifecycle devices, IStbReservations stbs, IBillingPeriods periods,
        IProductOrderLifecycle orders, LifecycleOptions options, TimeProvider clock, ILogger<LifecycleSaga> logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(options);
        var change = command.Change;
        var id = change.ChangeId;
        IReadOnlyList<LifecycleCasOp> ops;
        SubscriptionDetail sub;
        LifecyclePlan plan;

        // (1) Check, lease, plan — a plain transaction: committing through the outbox would mark the message handled, and a
        // later CAS outage could then not retry it. Paths that end here publish through the outbox in (1b).
        object? end = null;
        string? refusal = null;
        StbReservation? replacement = null;
        await using (var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false))
        await using (var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false))
        {
            var session = new DbSession(conn, tx);
            var now = clock.GetUtcNow();
            var orderState = change.OrderId is { } o ? await orders.LockStateAsync(o, session, ct).ConfigureAwait(false) : ProductOrderState.InProgress;
            sub = await subscriptions.LockAsync(change.SubscriptionId, session, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"subscription {change.SubscriptionId} does not exist");
            if (await subscriptions.ChangeRecordedAsync(id, session, ct).ConfigureAwait(false))
            {
                end = new LifecycleChangeApplied(id);
            }
            else if (await LifecycleOpLog.CompensatedAsync(id, session, ct).ConfigureAwait(false))
            {
                end = new LifecycleChangeAbandoned(id, "the change was compensated before (a late retry)");
            }
            else if (orderState is null || ProductOrderState.IsFinal(orderState))
            {
                end = new LifecycleChangeAbandoned(id, $"the order is {orderState ?? "missing"}");
            }
            else if (LifecyclePlanner.Refusal(change.Action, sub, change.OfferingKind, change.OfferingId) is { } notAllowed)
            {
                refusal = notAllowed;
                end = new LifecycleChangeAbandoned(id, notAllowed);
            }
            else if (change.Action == LifecycleAction.SwapDevice && sub.DeviceId != change.DeviceId)
            {
                refusal = $"box {change.DeviceId} is no longer the subscription's box ({sub.DeviceId})";
                end = new LifecycleChangeAbandoned(id, refusal);
            }
            else if (change.Action == LifecycleAction.SwapDevice
                && (replacement = await stbs.ReserveAsync(new ReserveStbForOrder(id, sub.CustomerId, new MovementContext("lifecycle", "swap: replacement", id.ToString())), session, ct)
                    .ConfigureAwait(false)) is null)
            {
                refusal = "no set-top box in stock for the replacement";
                end = new LifecycleChangeAbandoned(id, refusal);
            }

            if (end is not null)
            {
                await tx.RollbackAsync(ct).ConfigureAwait(false);
                ops = [];
                plan = null!;
            }
            else
            {
                if (!await LifecycleOpLog.AcquireLeaseAsync(sub.Id, id, now, now + options.LeaseDuration, session, ct).ConfigureAwait(false))
                {
                    throw new LifecycleBusyException($"another change is working on subscription {sub.Id}");
                }

                if (change.OrderId is { } orderId)
                {
                    await orders.SetStateAsync(orderId, ProductOrderState.InProgress, null, session, ct).ConfigureAwait(false);
                }

                var box = await devices.GetAsync(sub.DeviceId!.Value, session, ct).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"box {sub.DeviceId} of subscription {sub.Id} does not exist");
                plan = replacement is { } fresh
                    ? await PlanSwapAsync(id, sub, box, fresh, subscriptions, offerings, session, ct).ConfigureAwait(false)
                    : await PlanChangeAsync(change, sub, box, subscriptions, offerings, session, ct).ConfigureAwait(false);
                await LifecycleOpLog.PlanAsync(plan.Ops, now, session, ct).ConfigureAwait(false);
                ops = await LifecycleOpLog.ForAsync(id, false, session, ct).ConfigureAwait(false);
                await tx.CommitAsync(ct).ConfigureAwait(false);
            }
        }

        // (1b) Nothing to do: tell the saga (and fail the order when the subscription no longer allows the change).
        if (end is not null)
        {
            await using var tx = await OutboxTransaction.BeginAsync(dataSource, context, ct, clock).ConfigureAwait(false);
            if (refusal is not null)
            {
                logger.LogWarning("Change {ChangeId} refused: {Refusal}", id, refusal);
                await FailOrderAsync(tx, orders, change.OrderId, refusal, clock.GetUtcNow(), ct).ConfigureAwait(false);
            }

            await tx.PublishAsync(end).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return;
        }

        // (2) The CAS, only the delta, no transaction open.
        var refused = await LifecycleCas.RunAsync(ops, cas, dataSource, command.EffectiveAt, options, clock, stopOnRefusal: true, ct).ConfigureAwait(false);
        if (refused is { } r)
        {
            await using var tx = await OutboxTransaction.BeginAsync(dataSource, context, ct, clock).ConfigureAwait(false);
            await tx.PublishAsync(new LifecycleCasRejected(id, r.Reason)).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return;
        }

        // (3) The hub, in one transaction with the events.
        await using (var tx = await OutboxTransaction.BeginAsync(dataSource, context, ct, clock).ConfigureAwait(false))
        {
            var session = new DbSession(tx.Connection, tx.Transaction);
            var now = clock.GetUtcNow();
            sub = await subscriptions.LockAsync(change.SubscriptionId, session, ct).ConfigureAwait(false) ?? sub;
            if (!await subscriptions.ChangeRecordedAsync(id, session, ct).ConfigureAwait(false))
            {
                foreach (var e in await RecordAsync(change, command.EffectiveAt, sub, plan, session, offerings, subscriptions, devices, stbs, periods, options, now, ct)
                    .ConfigureAwait(false))
                {
                    if (e is not RecordLifecycleCharges { Changes.Count: 0 })
                    {
                        await tx.PublishAsync(e).ConfigureAwait(false);
                    }
                }

                var newPlanId = change.Action == SubscriptionChangeAction.ChangePlan ? change.OfferingId ?? sub.PlanId : sub.PlanId;
                if (Notifications.SubscriberTemplates.ForLifecycleChange(change, sub.CustomerId, sub.PlanId, newPlanId, command.EffectiveAt) is { } message)
                {
                    await tx.PublishAsync(message).ConfigureAwait(false);
                }

                if (change.OrderId is { } orderId && await orders.SetStateAsync(orderId, ProductOrderState.Completed, null, session, ct).ConfigureAwait(false))
                {
                    await tx.PublishAsync(new ProductOrderCompleted(orderId, sub.Id, sub.DeviceId!.Value, now)).ConfigureAwait(false);
                }
            }

            await LifecycleOpLog.ReleaseLeaseAsync(sub.Id, id, session, ct).ConfigureAwait(false);
            await tx.PublishAsync(new LifecycleChangeApplied(id)).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }

        logger.LogInformation("Change {ChangeId} ({Action}) applied to subscription {SubscriptionId}: {Ops} CAS command(s)", id, change.Action, sub.Id, ops.Count);
    }

    private static async Task<LifecyclePlan> PlanChangeAsync(LifecycleChange change, SubscriptionDetail sub, DeviceInfo box, ISubscriptionLifecycle subscriptions,
        ICatalogOfferings offerings, DbSession session, CancellationToken ct)
    {
        var newPlanId = change.Action == SubscriptionChangeAction.ChangePlan ? change.OfferingId!.Value : sub.PlanId;
        var current = await subscriptions.EntitledChannelsAsync(sub.Id, session, ct).ConfigureAwait(false);
        var planChannels = (await offerings.GetOfferingAsync(OfferingKind.Plan, newPlanId, ct).ConfigureAwait(false))?.ChannelIds ?? [];
        var addOnChannels = new List<IReadOnlyCollection<Guid>>();
        foreach (var addOn in AddOnsAfter(sub, change))
        {
            addOnChannels.Add((await offerings.GetOfferingAsync(addOn.Kind, addOn.OfferingId, ct).ConfigureAwait(false))?.ChannelIds ?? []);
        }

        var products = await offerings.CasProductIdsAsync(current.Concat(planChannels).Concat(addOnChannels.SelectMany(c => c)).Distinct().ToList(), ct).ConfigureAwait(false);
        return LifecyclePlanner.Plan(change.ChangeId, change.Action, box.DeviceId, box.CasDeviceId, newPlanId, current, planChannels, addOnChannels, products);
    }

    /// <summary>A swap: the faulty box's live entitlements move to the replacement reserved for the change.</summary>
    private static async Task<LifecyclePlan> PlanSwapAsync(Guid changeId, SubscriptionDetail sub, DeviceInfo faulty, StbReservation replacement,
        ISubscriptionLifecycle subscriptions, ICatalogOfferings offerings, DbSession session, CancellationToken ct)
    {
        var held = await subscriptions.EntitledChannelsAsync(sub.Id, session, ct).ConfigureAwait(false);
        return LifecyclePlanner.PlanSwap(changeId, sub.PlanId, new SwapBox(faulty.DeviceId, faulty.CasDeviceId, faulty.SmartCardCasId),
            new SwapBox(replacement.DeviceId, replacement.CasDeviceId, replacement.SmartCardCasId), held, await offerings.CasProductIdsAsync(held, ct).ConfigureAwait(false));
    }

    /// <summary>The add-ons the subscription holds after the change.</summary>
    internal static IEnumerable<SubscriptionAddOn> AddOnsAfter(SubscriptionDetail sub, LifecycleChange change)
    {
        var live = sub.AddOns.Where(a => a.ValidTo is null);
        return change.Action switch
        {
            SubscriptionChangeAction.AddOffering => live.Append(new SubscriptionAddOn(change.OfferingKind!, change.OfferingId!.Value, null, change.RequestedAt, null)),
            SubscriptionChangeAction.RemoveOffering => live.Where(a => !(a.Kind == change.OfferingKind && a.OfferingId == change.OfferingId)),
            _ => live,
        };
    }

    private static async Task<IReadOnlyList<object>> RecordAsync(LifecycleChange change, DateTimeOffset effectiveAt, SubscriptionDetail sub, LifecyclePlan plan, DbSession session,
        ICatalogOfferings offerings, ISubscriptionLifecycle subscriptions, IDeviceLifecycle devices, IStbReservations stbs, IBillingPeriods periods, LifecycleOptions options,
        DateTimeOffset now, CancellationToken ct)
    {
        var id = change.ChangeId;
        RecordLifecycleCharges Charges(Guid newPlanId, Money? oldPrice = null, Money? newPrice = null, OfferingSummary? addOn = null) =>
            new(id, LifecycleCharges.For(change, sub, newPlanId, oldPrice, newPrice, addOn, effectiveAt, options.ReportingTimeZone));
        var device = sub.DeviceId!.Value;
        var context = new MovementContext("lifecycle", change.Action, id.ToString());
        switch (change.Action)
        {
            case SubscriptionChangeAction.Suspend:
                await subscriptions.ChangeStatusAsync(new ChangeSubscriptionStatus(id, sub.Id, change.OrderId, SubscriptionChangeKind.Suspend, change.Reason ?? SuspensionReason.Vacation,
                    effectiveAt), session, ct).ConfigureAwait(false);
                await devices.SetActivationAsync(device, "suspended", context, session, ct).ConfigureAwait(false);
                var paidThrough = await periods.PaidThroughAsync(sub.Id, ct).ConfigureAwait(false);
                return [new SubscriptionSuspended(id, sub.Id, sub.CustomerId, sub.BillingAccountId, change.Reason ?? SuspensionReason.Vacation, effectiveAt, paidThrough, now),
                    Charges(sub.PlanId)];
            case LifecycleAction.SwapDevice:
                var replacement = plan.Ops.First(o => o.Op == LifecycleCasOp.Activate && !o.Compensation).DeviceId;
                var reason = change.Reason ?? "faulty";
                await subscriptions.MoveDeviceAsync(new MoveSubscriptionDevice(id, sub.Id, device, replacement, effectiveAt), session, ct).ConfigureAwait(false);
                await stbs.InstallAsync(new InstallStb(replacement, sub.CustomerId, context with { Reason = "swap: replacement installed" }), session, ct).ConfigureAwait(false);
                await devices.RequestReturnAsync(new RequestDeviceReturn(device, reason, context with { Reason = "swap: " + reason }), session, ct).ConfigureAwait(false);
                return [new SubscriptionDeviceSwapped(id, sub.Id, sub.CustomerId, sub.BillingAccountId, device, replacement, reason, effectiveAt, now)];
            case SubscriptionChangeAction.Restore:
                await subscriptions.ChangeStatusAsync(new ChangeSubscriptionStatus(id, sub.Id, change.OrderId, SubscriptionChangeKind.Restore, null, effectiveAt), session, ct)
                    .ConfigureAwait(false);
                await devices.SetActivationAsync(device, "active", context, session, ct).ConfigureAwait(false);
                return [new SubscriptionRestored(id, sub.Id, sub.CustomerId, sub.BillingAccountId, sub.SuspendedAt ?? effectiveAt, effectiveAt, now), Charges(sub.PlanId)];
            case SubscriptionChangeAction.Disconnect:
                await subscriptions.ChangeStatusAsync(new ChangeSubscriptionStatus(id, sub.Id, change.OrderId, SubscriptionChangeKind.Disconnect, change.Reason ?? "disconnect ordered",
                    effectiveAt), session, ct).ConfigureAwait(false);
                await devices.RequestReturnAsync(new RequestDeviceReturn(device, "disconnected", context), session, ct).ConfigureAwait(false);
                var planPrice = (await offerings.GetOfferingAsync(OfferingKind.Plan, sub.PlanId, ct).ConfigureAwait(false))?.Price ?? default;
                return [new SubscriptionDisconnected(id, sub.Id, sub.CustomerId, sub.BillingAccountId, change.OrderId, sub.PlanId, planPrice,
                    sub.AddOns.Where(a => a.ValidTo is null).ToList(), device, change.Reason ?? "disconnect ordered", effectiveAt, now), Charges(sub.PlanId)];
        }

        var oldPlan = await offerings.GetOfferingAsync(OfferingKind.Plan, sub.PlanId, ct).ConfigureAwait(false);
        var newPlan = plan.NewPlanId == sub.PlanId ? oldPlan : await offerings.GetOfferingAsync(OfferingKind.Plan, plan.NewPlanId, ct).ConfigureAwait(false);
        OfferingSummary? addOn = change.OfferingKind is OfferingKind.Bouquet or OfferingKind.Channel
            ? await offerings.GetOfferingAsync(change.OfferingKind, change.OfferingId!.Value, ct).ConfigureAwait(false)
            : null;
        var kind = change.Action switch
        {
            SubscriptionChangeAction.AddOffering => SubscriptionChangeKind.AddOnAdd,
            SubscriptionChangeAction.RemoveOffering => SubscriptionChangeKind.AddOnRemove,
            _ => SubscriptionChangeKind.PlanChange,
        };
        var addOnChange = addOn is null ? null : new SubscriptionAddOnChange(addOn.Kind, addOn.Id, addOn.Price, change.Action == SubscriptionChangeAction.AddOffering);
        var changed = await subscriptions.ChangeProductsAsync(new ChangeSubscriptionProducts(id, sub.Id, change.OrderId, kind, plan.NewPlanId, addOnChange, plan.DesiredChannels,
            effectiveAt), session, ct).ConfigureAwait(false);
        return [new SubscriptionChanged(id, sub.Id, sub.CustomerId, sub.BillingAccountId, change.OrderId, kind, sub.PlanId, oldPlan?.Price ?? default, plan.NewPlanId,
            newPlan?.Price ?? default, addOn?.Kind, addOn?.Id, addOn?.Price, addOnChange?.Add ?? false, effectiveAt, now, changed.ChannelsAdded.Count, changed.ChannelsRemoved.Count),
            Charges(plan.NewPlanId, oldPlan?.Price, newPlan?.Price, addOn)];
    }

    internal static async Task FailOrderAsync(OutboxTransaction tx, IProductOrderLifecycle orders, Guid? orderId, string reason, DateTimeOffset now, CancellationToken ct)
    {
        if (orderId is { } o && await orders.SetStateAsync(o, ProductOrderState.Failed, reason, new DbSession(tx.Connection, tx.Transaction), ct).ConfigureAwait(false))
        {
            await tx.PublishAsync(new ProductOrderFailed(o, reason, now)).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// Undoes a change that could not finish: waits for any of its CAS commands still running, reverses every command that may have
/// taken effect (<see cref="LifecyclePlanner.Reverse"/>: added products removed, removed products added back, a deactivated box
/// re-activated, a swap's replacement deactivated), then fails the order with the reason, puts a swap's replacement box back in stock and
/// releases the subscription. Nothing to undo once the hub recorded the change.
/// </summary>
public static class CompensateLifecycleChangeHandler
{
    public static async Task Handle(CompensateLifecycleChange command, IMessageContext context, NpgsqlDataSource dataSource, IConditionalAccessSystem cas,
        ISubscriptionLifecycle subscriptions, IStbReservations stbs, IProductOrderLifecycle orders, LifecycleOptions options, TimeProvider clock, ILogger<LifecycleSaga> logger,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        IReadOnlyList<LifecycleCasOp> undo;
        await using (var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false))
        {
            var session = new DbSession(conn, null);
            if (await subscriptions.ChangeRecordedAsync(command.ChangeId, session, ct).ConfigureAwait(false))
            {
                await using var done = await OutboxTransaction.BeginAsync(dataSource, context, ct, clock).ConfigureAwait(false);
                await done.PublishAsync(new LifecycleChangeApplied(command.ChangeId)).ConfigureAwait(false);
                await done.CommitAsync(ct).ConfigureAwait(false);
                return;
            }

            var ops = await LifecycleOpLog.ForAsync(command.ChangeId, false, session, ct).ConfigureAwait(false);
            if (ops.FirstOrDefault(o => o.InFlight(clock.GetUtcNow())) is { } running)
            {
                throw new LifecycleBusyException($"CAS command {running.IdempotencyKey} is still running; compensating after it");
            }

            await LifecycleOpLog.PlanAsync(LifecyclePlanner.Reverse(command.ChangeId, ops), clock.GetUtcNow(), session, ct).ConfigureAwait(false);
            undo = await LifecycleOpLog.ForAsync(command.ChangeId, true, session, ct).ConfigureAwait(false);
        }

        await LifecycleCas.RunAsync(undo.OrderByDescending(o => o.Seq).ToList(), cas, dataSource, command.EffectiveAt, options, clock, stopOnRefusal: false, ct).ConfigureAwait(false);

        await using var tx = await OutboxTransaction.BeginAsync(dataSource, context, ct, clock).ConfigureAwait(false);
        await ApplyLifecycleChangeHandler.FailOrderAsync(tx, orders, command.OrderId, command.Reason, clock.GetUtcNow(), ct).ConfigureAwait(false);
        var outboxSession = new DbSession(tx.Connection, tx.Transaction);
        if (await stbs.ReservedForOrderAsync(command.ChangeId, outboxSession, ct).ConfigureAwait(false) is { } reserved)
        {
            // A swap's replacement goes back to stock (its activation, if any took effect, was reversed above).
            await stbs.ReleaseAsync(new ReleaseStbReservation(reserved.DeviceId, command.ChangeId, new MovementContext("lifecycle", "swap compensated", command.ChangeId.ToString())),
                outboxSession, ct).ConfigureAwait(false);
        }

        await LifecycleOpLog.MarkCompensatedAsync(command.ChangeId, command.Reason, clock.GetUtcNow(), outboxSession, ct).ConfigureAwait(false);
        await LifecycleOpLog.ReleaseLeaseAsync(command.SubscriptionId, command.ChangeId, outboxSession, ct).ConfigureAwait(false);
        await tx.PublishAsync(new LifecycleChangeCompensated(command.ChangeId)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        logger.LogWarning("Change {ChangeId} compensated ({Undone} CAS command(s) reversed): {Reason}", command.ChangeId, undo.Count, command.Reason);
    }
}
