using Wolverine;
using Wolverine.Persistence.Sagas;

namespace CableHub.Sagas.Lifecycle;

// Messages of the lifecycle saga (plan change, add-on, suspension, restore, disconnect). The saga is correlated by the change
// id: the order id of a TMF622 change order, or the request id of a suspension asked by another module (dunning).

/// <summary>What a lifecycle change does (the saga's copy of the order's item).</summary>
/// <param name="DeviceId">the box the change is about (a swap: the faulty box)</param>
public sealed record LifecycleChange(
    Guid ChangeId,
    Guid? OrderId,
    Guid SubscriptionId,
    string Action,
    string? OfferingKind,
    Guid? OfferingId,
    string? Reason,
    DateTimeOffset RequestedAt,
    Guid? DeviceId = null);

/// <summary>Lifecycle actions that do not come from a TMF622 order (the order's actions are <c>SubscriptionChangeAction</c>).</summary>
public static class LifecycleAction
{
    /// <summary>Replace a faulty box: a box from stock takes over the entitlements, the old one is deactivated and marked for return.</summary>
    public const string SwapDevice = "swapDevice";
}

/// <summary>Work out when the change takes effect (next cycle, paid-through date) and, when later, mark the order pending.</summary>
public sealed record ScheduleLifecycleChange([property: SagaIdentity] Guid ChangeId, LifecycleChange Change, bool AtNextCycle, DateTimeOffset? RequestedStartAt);

/// <summary>The change takes effect at <paramref name="EffectiveAt"/> (now or later).</summary>
public sealed record LifecycleChangeScheduled([property: SagaIdentity] Guid ChangeId, DateTimeOffset EffectiveAt, string? Note);

/// <summary>The change's effective time has come (a scheduled message).</summary>
public sealed record LifecycleChangeDue([property: SagaIdentity] Guid ChangeId);

/// <summary>Carry the change out: CAS delta outside any transaction, then the hub in one transaction with the events.</summary>
public sealed record ApplyLifecycleChange([property: SagaIdentity] Guid ChangeId, LifecycleChange Change, DateTimeOffset EffectiveAt);

/// <summary>Done: the CAS holds the new state, the hub recorded it, the events are out.</summary>
public sealed record LifecycleChangeApplied([property: SagaIdentity] Guid ChangeId);

/// <summary>The CAS refused one of the change's commands (definitive).</summary>
public sealed record LifecycleCasRejected([property: SagaIdentity] Guid ChangeId, string Reason);

/// <summary>Nothing was done: the order was cancelled or final, or the subscription no longer allows the change (the order was failed with the reason).</summary>
public sealed record LifecycleChangeAbandoned([property: SagaIdentity] Guid ChangeId, string Why);

/// <summary>
/// Billing's prorations of an applied change (<c>IBillingCharges.RecordLifecycleChangeAsync</c>), put in the outbox in the transaction
/// that recorded the change; idempotent per change (billing keys each charge by its source, the change id).
/// </summary>
public sealed record RecordLifecycleCharges(Guid ChangeId, IReadOnlyList<CableHub.Billing.Contracts.LifecycleChange> Changes);

/// <summary>Undo every CAS command of the change that may have taken effect, then fail the order with the reason.</summary>
public sealed record CompensateLifecycleChange([property: SagaIdentity] Guid ChangeId, Guid? OrderId, Guid SubscriptionId, string Reason, DateTimeOffset EffectiveAt);

public sealed record LifecycleChangeCompensated([property: SagaIdentity] Guid ChangeId);

/// <summary>A step did not finish in time.</summary>
public sealed record LifecycleStepTimedOut([property: SagaIdentity] Guid ChangeId, LifecycleStage Stage, int Step, TimeSpan After) : TimeoutMessage(After);

public enum LifecycleStage
{
    Scheduling = 1,
    Waiting = 2,
    Applying = 3,
    Compensating = 4,
    Finished = 5,
}
