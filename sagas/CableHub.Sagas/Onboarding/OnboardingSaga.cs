using CableHub.Ordering.Contracts;
using Microsoft.Extensions.Logging;
using Wolverine;
using Wolverine.Persistence.Sagas;

namespace CableHub.Sagas.Onboarding;

/// <summary>
/// Onboarding of a new subscriber: from an acknowledged product order to an active box and subscription.
/// Started by <see cref="ProductOrderAcknowledged"/>, correlated by the order id.
/// <code>
/// Reserving   ReserveStb → StbReserved | StbReservationFailed (order failed: no box in stock)
/// Activating  ActivateStb → StbActivated | StbActivationRejected (→ compensate with the CAS reason)
/// Completing  CompleteOnboarding → OnboardingCompleted (one transaction: box, subscription, order completed)
/// Compensating CompensateOnboarding → OnboardingCompensated (order failed, box deactivated and back in stock)
/// </code>
/// Every step is guarded by an <see cref="OnboardingStepTimedOut"/>; a step that does not finish in time is
/// compensated. The saga only orchestrates: the work is done by idempotent step handlers, and the saga
/// ignores replies that do not belong to its current step (redelivery, late answers after a timeout).
/// </summary>
/// <remarks>
/// A plain class: every handler returns the messages to send, so the logic is testable without
/// infrastructure. Public settable properties are the persisted state (JSON in <c>wolverine.onboarding_saga</c>).
/// </remarks>
public sealed class OnboardingSaga : Saga
{
    /// <summary>The order id.</summary>
    public Guid Id { get; set; }

    public Guid CustomerId { get; set; }

    public Guid BillingAccountId { get; set; }

    public Guid PlanId { get; set; }

    public DateTimeOffset AcknowledgedAt { get; set; }

    public OnboardingStage Stage { get; set; }

    /// <summary>Number of the current step; a timeout only counts for the step it was scheduled with.</summary>
    public int Step { get; set; }

    public Guid? DeviceId { get; set; }

    public string? CasDeviceId { get; set; }

    public string? SmartCardNumber { get; set; }

    public string? CasVendorReference { get; set; }

    public string? FailureReason { get; set; }

    public int CompensationAttempts { get; set; }

    /// <summary>Whether the compensation must deactivate the box on the CAS (it may have been activated).</summary>
    public bool DeactivateOnCompensation { get; set; }

    /// <summary>Start: reserve a box (the step handler also moves the order to inProgress).</summary>
    /// <remarks>
    /// An instance method: Wolverine creates the saga, calls this, then inserts it (with a static Start that
    /// returns a new saga, Wolverine 6.62 inserts its own empty instance when the message also has a Handle).
    /// </remarks>
    public (ReserveStb, OnboardingStepTimedOut) Start(
        [SagaIdentityFrom(nameof(ProductOrderAcknowledged.OrderId))] ProductOrderAcknowledged acknowledged,
        OnboardingOptions options,
        ILogger<OnboardingSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(acknowledged);
        ArgumentNullException.ThrowIfNull(options);
        Id = acknowledged.OrderId;
        CustomerId = acknowledged.CustomerId;
        BillingAccountId = acknowledged.BillingAccountId;
        PlanId = acknowledged.PlanId;
        AcknowledgedAt = acknowledged.At;
        Stage = OnboardingStage.Reserving;
        Step = 1;
        logger.LogInformation("Onboarding of order {OrderId} started", acknowledged.OrderId);
        return (new ReserveStb(Id, CustomerId), Timeout(options));
    }

    /// <summary>The same order acknowledged again (redelivery, a retried publish): one saga per order, nothing to do.</summary>
    public void Handle([SagaIdentityFrom(nameof(ProductOrderAcknowledged.OrderId))] ProductOrderAcknowledged acknowledged, ILogger<OnboardingSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(acknowledged);
        logger.LogInformation("Order {OrderId} acknowledged again while onboarding is at {Stage}; ignored", acknowledged.OrderId, Stage);
    }

    public OutgoingMessages Handle(StbReserved reserved, OnboardingOptions options, ILogger<OnboardingSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(reserved);
        if (!IsAt(OnboardingStage.Reserving, reserved, logger))
        {
            return [];
        }

        DeviceId = reserved.DeviceId;
        CasDeviceId = reserved.CasDeviceId;
        SmartCardNumber = reserved.SmartCardNumber;
        var timeout = MoveTo(OnboardingStage.Activating, options);
        logger.LogInformation("Order {OrderId}: box {DeviceId} reserved, activating on the CAS as {CasDeviceId}", Id, DeviceId, CasDeviceId);
        return [new ActivateStb(Id, reserved.DeviceId, reserved.CasDeviceId, reserved.SmartCardNumber, PlanId, AcknowledgedAt), timeout];
    }

    public void Handle(StbReservationFailed failed, ILogger<OnboardingSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(failed);
        if (!IsAt(OnboardingStage.Reserving, failed, logger))
        {
            return;
        }

        FailureReason = failed.Reason;
        Finish(logger, $"failed: {failed.Reason}");
    }

    public OutgoingMessages Handle(StbActivated activated, OnboardingOptions options, ILogger<OnboardingSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(activated);
        if (!IsAt(OnboardingStage.Activating, activated, logger))
        {
            return [];
        }

        CasVendorReference = activated.VendorReference;
        var timeout = MoveTo(OnboardingStage.Completing, options);
        return [new CompleteOnboarding(Id, CustomerId, BillingAccountId, PlanId, activated.DeviceId), timeout];
    }

    public OutgoingMessages Handle(StbActivationRejected rejected, OnboardingOptions options, ILogger<OnboardingSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        if (!IsAt(OnboardingStage.Activating, rejected, logger))
        {
            return [];
        }

        logger.LogWarning("Order {OrderId}: the CAS refused to activate {CasDeviceId}: {Reason}", Id, CasDeviceId, rejected.Reason);

        // A refusal means nothing took effect on the CAS: only the reservation needs undoing.
        return Compensate(rejected.Reason, deactivateOnCas: false, options);
    }

    public void Handle(OnboardingCompleted completed, ILogger<OnboardingSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(completed);
        if (Stage is OnboardingStage.Finished)
        {
            return;
        }

        // Also accepted while compensating: the order completed before the compensation could fail it.
        Finish(logger, "completed");
    }

    public void Handle(OnboardingCompensated compensated, ILogger<OnboardingSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(compensated);
        if (!IsAt(OnboardingStage.Compensating, compensated, logger))
        {
            return;
        }

        Finish(logger, $"failed and compensated: {FailureReason}");
    }

    public void Handle(OnboardingAbandoned abandoned, ILogger<OnboardingSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(abandoned);
        Finish(logger, $"abandoned, the order was already {abandoned.OrderState}");
    }

    public OutgoingMessages Handle(OnboardingStepTimedOut timedOut, OnboardingOptions options, ILogger<OnboardingSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(timedOut);
        ArgumentNullException.ThrowIfNull(options);
        if (timedOut.Step != Step || timedOut.Stage != Stage || Stage is OnboardingStage.Finished)
        {
            return []; // the step it guarded finished in time
        }

        logger.LogWarning("Order {OrderId}: step {Step} ({Stage}) timed out after {After}", Id, Step, Stage, timedOut.After);
        switch (Stage)
        {
            case OnboardingStage.Reserving:
                return Compensate("timed out waiting for a set-top box reservation", deactivateOnCas: false, options);
            case OnboardingStage.Activating:
                // The CAS may have applied the activation without our hearing of it.
                return Compensate("timed out waiting for the CAS to activate the set-top box", deactivateOnCas: true, options);
            case OnboardingStage.Completing:
                return Compensate("timed out waiting for the order to complete", deactivateOnCas: true, options);
            case OnboardingStage.Compensating when CompensationAttempts < options.MaxCompensationAttempts:
                return Compensate(FailureReason!, DeactivateOnCompensation, options);
            case OnboardingStage.Compensating when CompensationAttempts == options.MaxCompensationAttempts:
                // The CAS could not confirm the deactivation: fail the order but keep the box reserved (it
                // may still descramble) for an operator; the stuck messages are in the dead-letter queue.
                logger.LogError(
                    "Order {OrderId}: compensation did not finish after {Attempts} attempts; failing the order and keeping box {DeviceId} reserved for manual follow-up",
                    Id, CompensationAttempts, DeviceId);
                CompensationAttempts++;
                var timeout = NextStep(options);
                return [new CompensateOnboarding(Id, DeviceId, CasDeviceId, FailureReason + " (the set-top box could not be deactivated and stays reserved)",
                    DeactivateOnCas: false, KeepDevice: true), timeout];
            case OnboardingStage.Compensating:
                logger.LogCritical("Order {OrderId}: giving up; the order could not be failed in the database either. See the dead-letter queue", Id);
                Finish(logger, "gave up compensating");
                return [];
            default:
                return [];
        }
    }

    // Replies for a saga that no longer exists (finished, then a late or repeated answer): nothing to do.
    public static void NotFound(StbReserved message, ILogger<OnboardingSaga> logger) => LogNotFound(message, message.OrderId, logger);

    public static void NotFound(StbReservationFailed message, ILogger<OnboardingSaga> logger) => LogNotFound(message, message.OrderId, logger);

    public static void NotFound(StbActivated message, ILogger<OnboardingSaga> logger) => LogNotFound(message, message.OrderId, logger);

    public static void NotFound(StbActivationRejected message, ILogger<OnboardingSaga> logger) => LogNotFound(message, message.OrderId, logger);

    public static void NotFound(OnboardingCompleted message, ILogger<OnboardingSaga> logger) => LogNotFound(message, message.OrderId, logger);

    public static void NotFound(OnboardingCompensated message, ILogger<OnboardingSaga> logger) => LogNotFound(message, message.OrderId, logger);

    public static void NotFound(OnboardingAbandoned message, ILogger<OnboardingSaga> logger) => LogNotFound(message, message.OrderId, logger);

    private OutgoingMessages Compensate(string reason, bool deactivateOnCas, OnboardingOptions options)
    {
        FailureReason = reason;
        DeactivateOnCompensation = deactivateOnCas;
        CompensationAttempts++;
        var timeout = MoveTo(OnboardingStage.Compensating, options);
        return [new CompensateOnboarding(Id, DeviceId, CasDeviceId, reason, deactivateOnCas), timeout];
    }

    private OnboardingStepTimedOut MoveTo(OnboardingStage stage, OnboardingOptions options)
    {
        Stage = stage;
        return NextStep(options);
    }

    private OnboardingStepTimedOut NextStep(OnboardingOptions options)
    {
        Step++;
        return Timeout(options);
    }

    private OnboardingStepTimedOut Timeout(OnboardingOptions options) => new(Id, Stage, Step, options.StepTimeout);

    private bool IsAt(OnboardingStage expected, object reply, ILogger logger)
    {
        if (Stage == expected)
        {
            return true;
        }

        logger.LogInformation("Order {OrderId}: {Reply} ignored at stage {Stage}", Id, reply.GetType().Name, Stage);
        return false;
    }

    private void Finish(ILogger logger, string outcome)
    {
        Stage = OnboardingStage.Finished;
        logger.LogInformation("Onboarding of order {OrderId} finished: {Outcome}", Id, outcome);
        MarkCompleted();
    }

    private static void LogNotFound(object message, Guid orderId, ILogger logger) =>
        logger.LogInformation("{Message} for order {OrderId} arrived after onboarding finished; ignored", message.GetType().Name, orderId);
}
