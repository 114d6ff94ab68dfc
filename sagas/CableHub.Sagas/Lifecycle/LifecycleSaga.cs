using CableHub.Ordering.Contracts;
using CableHub.Subscriptions.Contracts;
using Microsoft.Extensions.Logging;
using Wolverine;
using Wolverine.Persistence.Sagas;

namespace CableHub.Sagas.Lifecycle;

/// <summary>
/// A change to a live subscription: plan change (upgrade, downgrade), add-on added or removed (bouquet, à-la-carte channel),
/// suspension (vacation hold, dunning), restore, disconnect, box swap. Started by a TMF622 change order (<see cref="SubscriptionChangeOrdered"/>)
/// or by another module's request (<see cref="SubscriptionSuspensionRequested"/> and <see cref="SubscriptionDisconnectRequested"/>, e.g. dunning; <see cref="SubscriptionDeviceSwapRequested"/>, the
/// technician's route); correlated by the change id.
/// <code>
/// Scheduling   ScheduleLifecycleChange → LifecycleChangeScheduled (effective now, at the next cycle, or after the paid-through date)
/// Waiting      LifecycleChangeDue at the effective time (the order may be cancelled meanwhile: the apply step then abandons)
/// Applying     ApplyLifecycleChange → LifecycleChangeApplied | LifecycleCasRejected (→ compensate) | LifecycleChangeAbandoned
/// Compensating CompensateLifecycleChange → LifecycleChangeCompensated (CAS commands reversed, order failed with the reason)
/// </code>
/// Every step has a timeout; replies that do not belong to the current stage are ignored (redelivery, late answers).
/// </summary>
public sealed class LifecycleSaga : Saga
{
    public Guid Id { get; set; }

    public LifecycleChange Change { get; set; } = null!;

    public DateTimeOffset? EffectiveAt { get; set; }

    public LifecycleStage Stage { get; set; }

    public int Step { get; set; }

    public string? FailureReason { get; set; }

    public int CompensationAttempts { get; set; }

    public string? Outcome { get; set; }

    public (ScheduleLifecycleChange, LifecycleStepTimedOut) Start(
        [SagaIdentityFrom(nameof(SubscriptionChangeOrdered.OrderId))] SubscriptionChangeOrdered ordered, LifecycleOptions options, ILogger<LifecycleSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(ordered);
        ArgumentNullException.ThrowIfNull(options);
        Id = ordered.OrderId;
        Change = new LifecycleChange(ordered.OrderId, ordered.OrderId, ordered.SubscriptionId, ordered.Action, ordered.OfferingKind, ordered.OfferingId, ordered.Reason, ordered.At);
        logger.LogInformation("Lifecycle change {ChangeId} ({Action}) of subscription {SubscriptionId} started", Id, Change.Action, Change.SubscriptionId);
        return (new ScheduleLifecycleChange(Id, Change, ordered.AtNextCycle, ordered.RequestedStartAt), Begin(LifecycleStage.Scheduling, options));
    }

    public (ScheduleLifecycleChange, LifecycleStepTimedOut) Start(
        [SagaIdentityFrom(nameof(SubscriptionSuspensionRequested.RequestId))] SubscriptionSuspensionRequested requested, LifecycleOptions options, ILogger<LifecycleSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(options);
        Id = requested.RequestId;
        Change = new LifecycleChange(requested.RequestId, null, requested.SubscriptionId,
            requested.Restore ? SubscriptionChangeAction.Restore : SubscriptionChangeAction.Suspend, null, null, requested.Reason, requested.RequestedAt);
        logger.LogInformation("Lifecycle change {ChangeId} ({Action}, {Reason}) of subscription {SubscriptionId} requested", Id, Change.Action, requested.Reason, Change.SubscriptionId);
        return (new ScheduleLifecycleChange(Id, Change, false, null), Begin(LifecycleStage.Scheduling, options));
    }

    public (ScheduleLifecycleChange, LifecycleStepTimedOut) Start(
        [SagaIdentityFrom(nameof(SubscriptionDisconnectRequested.RequestId))] SubscriptionDisconnectRequested requested, LifecycleOptions options, ILogger<LifecycleSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(options);
        Id = requested.RequestId;
        Change = new LifecycleChange(requested.RequestId, null, requested.SubscriptionId, SubscriptionChangeAction.Disconnect, null, null, requested.Reason, requested.RequestedAt);
        logger.LogInformation("Lifecycle change {ChangeId} (disconnect, {Reason}) of subscription {SubscriptionId} requested", Id, requested.Reason, Change.SubscriptionId);
        return (new ScheduleLifecycleChange(Id, Change, false, null), Begin(LifecycleStage.Scheduling, options));
    }

    public (ScheduleLifecycleChange, LifecycleStepTimedOut) Start(
        [SagaIdentityFrom(nameof(SubscriptionDeviceSwapRequested.RequestId))] SubscriptionDeviceSwapRequested requested, LifecycleOptions options, ILogger<LifecycleSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(options);
        Id = requested.RequestId;
        Change = new LifecycleChange(requested.RequestId, null, requested.SubscriptionId, LifecycleAction.SwapDevice, null, null, requested.Reason, requested.RequestedAt,
            requested.FaultyDeviceId);
        logger.LogInformation("Lifecycle change {ChangeId} (box swap of {DeviceId}, {Reason}, by {Actor}) of subscription {SubscriptionId} requested", Id,
            requested.FaultyDeviceId, requested.Reason, requested.RequestedBy, Change.SubscriptionId);
        return (new ScheduleLifecycleChange(Id, Change, false, null), Begin(LifecycleStage.Scheduling, options));
    }

    /// <summary>The same order or request again (a redelivery): one saga per change.</summary>
    public void Handle([SagaIdentityFrom(nameof(SubscriptionChangeOrdered.OrderId))] SubscriptionChangeOrdered ordered, ILogger<LifecycleSaga> logger) =>
        logger.LogInformation("Change {ChangeId} ordered again at stage {Stage}; ignored", ordered?.OrderId, Stage);

    public void Handle([SagaIdentityFrom(nameof(SubscriptionSuspensionRequested.RequestId))] SubscriptionSuspensionRequested requested, ILogger<LifecycleSaga> logger) =>
        logger.LogInformation("Change {ChangeId} requested again at stage {Stage}; ignored", requested?.RequestId, Stage);

    public void Handle([SagaIdentityFrom(nameof(SubscriptionDisconnectRequested.RequestId))] SubscriptionDisconnectRequested requested, ILogger<LifecycleSaga> logger) =>
        logger.LogInformation("Change {ChangeId} requested again at stage {Stage}; ignored", requested?.RequestId, Stage);

    public void Handle([SagaIdentityFrom(nameof(SubscriptionDeviceSwapRequested.RequestId))] SubscriptionDeviceSwapRequested requested, ILogger<LifecycleSaga> logger) =>
        logger.LogInformation("Change {ChangeId} requested again at stage {Stage}; ignored", requested?.RequestId, Stage);

    public OutgoingMessages Handle(LifecycleChangeScheduled scheduled, LifecycleOptions options, TimeProvider clock, ILogger<LifecycleSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(scheduled);
        ArgumentNullException.ThrowIfNull(clock);
        if (!IsAt(LifecycleStage.Scheduling, scheduled, logger))
        {
            return [];
        }

        EffectiveAt = scheduled.EffectiveAt;
        if (scheduled.EffectiveAt > clock.GetUtcNow())
        {
            Stage = LifecycleStage.Waiting;
            Step++;
            logger.LogInformation("Change {ChangeId} waits until {EffectiveAt} ({Note})", Id, scheduled.EffectiveAt, scheduled.Note);
            return [new LifecycleChangeDue(Id).ScheduledAt(scheduled.EffectiveAt)];
        }

        return Apply(options);
    }

    public OutgoingMessages Handle(LifecycleChangeDue due, LifecycleOptions options, ILogger<LifecycleSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(due);
        return IsAt(LifecycleStage.Waiting, due, logger) ? Apply(options) : [];
    }

    public void Handle(LifecycleChangeApplied applied, ILogger<LifecycleSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(applied);
        if (Stage is LifecycleStage.Applying or LifecycleStage.Compensating)
        {
            // Also while compensating: the hub transaction committed before a timeout's compensation could start.
            Finish(logger, "applied");
        }
    }

    public OutgoingMessages Handle(LifecycleCasRejected rejected, LifecycleOptions options, ILogger<LifecycleSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        if (!IsAt(LifecycleStage.Applying, rejected, logger))
        {
            return [];
        }

        logger.LogWarning("Change {ChangeId}: the CAS refused a command: {Reason}", Id, rejected.Reason);
        return Compensate(rejected.Reason, options);
    }

    public void Handle(LifecycleChangeAbandoned abandoned, ILogger<LifecycleSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(abandoned);
        if (Stage is not LifecycleStage.Finished)
        {
            Finish(logger, $"abandoned: {abandoned.Why}");
        }
    }

    public void Handle(LifecycleChangeCompensated compensated, ILogger<LifecycleSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(compensated);
        if (IsAt(LifecycleStage.Compensating, compensated, logger))
        {
            Finish(logger, $"failed and compensated: {FailureReason}");
        }
    }

    public OutgoingMessages Handle(LifecycleStepTimedOut timedOut, LifecycleOptions options, ILogger<LifecycleSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(timedOut);
        ArgumentNullException.ThrowIfNull(options);
        if (timedOut.Step != Step || timedOut.Stage != Stage || Stage is LifecycleStage.Finished)
        {
            return [];
        }

        logger.LogWarning("Change {ChangeId}: step {Step} ({Stage}) timed out after {After}", Id, Step, Stage, timedOut.After);
        switch (Stage)
        {
            case LifecycleStage.Scheduling:
            case LifecycleStage.Applying:
                return Compensate($"timed out at {Stage.ToString().ToLowerInvariant()} (the CAS or the database did not answer in time)", options);
            case LifecycleStage.Compensating when CompensationAttempts < options.MaxCompensationAttempts:
                return Compensate(FailureReason!, options);
            case LifecycleStage.Compensating:
                logger.LogCritical("Change {ChangeId}: compensation did not finish after {Attempts} attempts; see the dead-letter queue", Id, CompensationAttempts);
                Finish(logger, "gave up compensating");
                return [];
            default:
                return [];
        }
    }

    public static void NotFound(LifecycleChangeScheduled m, ILogger<LifecycleSaga> logger) => Gone(m, m.ChangeId, logger);

    public static void NotFound(LifecycleChangeDue m, ILogger<LifecycleSaga> logger) => Gone(m, m.ChangeId, logger);

    public static void NotFound(LifecycleChangeApplied m, ILogger<LifecycleSaga> logger) => Gone(m, m.ChangeId, logger);

    public static void NotFound(LifecycleCasRejected m, ILogger<LifecycleSaga> logger) => Gone(m, m.ChangeId, logger);

    public static void NotFound(LifecycleChangeAbandoned m, ILogger<LifecycleSaga> logger) => Gone(m, m.ChangeId, logger);

    public static void NotFound(LifecycleChangeCompensated m, ILogger<LifecycleSaga> logger) => Gone(m, m.ChangeId, logger);

    private OutgoingMessages Apply(LifecycleOptions options)
    {
        var timeout = Begin(LifecycleStage.Applying, options);
        return [new ApplyLifecycleChange(Id, Change, EffectiveAt ?? Change.RequestedAt), timeout];
    }

    private OutgoingMessages Compensate(string reason, LifecycleOptions options)
    {
        FailureReason = reason;
        CompensationAttempts++;
        var timeout = Begin(LifecycleStage.Compensating, options);
        return [new CompensateLifecycleChange(Id, Change.OrderId, Change.SubscriptionId, reason, EffectiveAt ?? Change.RequestedAt), timeout];
    }

    private LifecycleStepTimedOut Begin(LifecycleStage stage, LifecycleOptions options)
    {
        Stage = stage;
        Step++;
        return new LifecycleStepTimedOut(Id, Stage, Step, options.StepTimeout);
    }

    private bool IsAt(LifecycleStage expected, object reply, ILogger logger)
    {
        if (Stage == expected)
        {
            return true;
        }

        logger.LogInformation("Change {ChangeId}: {Reply} ignored at stage {Stage}", Id, reply.GetType().Name, Stage);
        return false;
    }

    private void Finish(ILogger logger, string outcome)
    {
        Stage = LifecycleStage.Finished;
        Outcome = outcome;
        logger.LogInformation("Lifecycle change {ChangeId} finished: {Outcome}", Id, outcome);
        MarkCompleted();
    }

    private static void Gone(object message, Guid changeId, ILogger logger) =>
        logger.LogInformation("{Message} for change {ChangeId} arrived after the saga finished; ignored", message.GetType().Name, changeId);
}
