using CableHub.Core.Ports;
using CableHub.Inventory.Contracts;
using CableHub.Ordering.Contracts;

namespace CableHub.Sagas.Onboarding;

/// <summary>What an onboarding step does before its vendor call.</summary>
public enum StepAction
{
    /// <summary>Nothing to do (the order moved on, or a compensation won): just acknowledge the message.</summary>
    Skip,

    /// <summary>Another step's CAS call for the same box may still be running: retry the message later.</summary>
    Wait,

    /// <summary>Call the CAS (outside any transaction), then record the outcome.</summary>
    CallCas,

    /// <summary>No CAS call needed: record the result.</summary>
    Proceed,

    /// <summary>The order completed meanwhile: nothing to undo.</summary>
    AlreadyCompleted,
}

/// <summary>
/// The decisions of the onboarding steps as pure functions: given what the step read (box, order state, CAS calls so far,
/// now) they say what to do and which messages follow. The handlers only read, apply through the modules' contracts and
/// publish; these functions are tested without infrastructure.
/// </summary>
public static class OnboardingSteps
{
    public const string NoStockReason = "no set-top box in stock";

    /// <summary>After the reservation attempt: the box, or the order fails for want of stock.</summary>
    public static IReadOnlyList<object> AfterReservation(Guid orderId, StbReservation? box, DateTimeOffset now) => box is null
        ? [new ProductOrderFailed(orderId, NoStockReason, now), new StbReservationFailed(orderId, NoStockReason)]
        : [new StbReserved(orderId, box.DeviceId, box.CasDeviceId, box.SmartCardCasId)];

    /// <summary>
    /// Before activating: skip unless the box is still reserved for the order, the order is not final and no deactivation
    /// of the box for this order has started (a compensation won); wait while another delivery's activation call runs;
    /// else call.
    /// </summary>
    public static (StepAction Action, string Why) BeforeActivation(ActivateStb command, StbState? box, string? orderState, IReadOnlyList<CasCall> calls, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(calls);
        if (box is null || !box.IsReservedFor(command.OrderId))
        {
            return (StepAction.Skip, $"box {command.DeviceId} is {box?.Status ?? "missing"}, not reserved for the order");
        }

        if (orderState is null || ProductOrderState.IsFinal(orderState))
        {
            return (StepAction.Skip, $"the order is {orderState ?? "missing"}");
        }

        if (calls.Any(c => c.Kind == CasCall.Deactivate))
        {
            return (StepAction.Skip, "a deactivation of the box for this order has started");
        }

        return calls.Any(c => c.Kind == CasCall.Activate && c.InFlight(now))
            ? (StepAction.Wait, "an activation call for the box is still running")
            : (StepAction.CallCas, "activate");
    }

    /// <summary>The CAS's answer as the saga's reply.</summary>
    public static object AfterActivation(ActivateStb command, CasCommandResult result)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(result);
        return result.Accepted
            ? new StbActivated(command.OrderId, command.DeviceId, result.VendorReference ?? "")
            : new StbActivationRejected(command.OrderId, command.DeviceId, result.RejectionReason ?? "refused by the CAS");
    }

    /// <summary>
    /// Before compensating: nothing to undo once the order completed; wait while any CAS call for the box runs (a deactivation
    /// must come after an activation; compensations of one order take turns); call the CAS when the box may be active and no
    /// deactivation was answered yet; else proceed to fail the order and release the box.
    /// </summary>
    public static (StepAction Action, string Why) BeforeCompensation(
        CompensateOnboarding command, bool ownsBox, string? casDeviceId, string? orderState, IReadOnlyList<CasCall> calls, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(calls);
        if (orderState == ProductOrderState.Completed)
        {
            return (StepAction.AlreadyCompleted, "the order completed before it could be compensated");
        }

        // One step at a time per box: whatever CAS call for it runs (an activation, another delivery's deactivation),
        // this compensation goes after it.
        if (calls.FirstOrDefault(c => c.InFlight(now)) is { } running)
        {
            return (StepAction.Wait, $"a{(running.Kind == CasCall.Activate ? "n" : "")} {running.Kind} call for the box is still running");
        }

        return !ownsBox || !command.DeactivateOnCas || casDeviceId is null || calls.Any(c => c.Kind == CasCall.Deactivate && c.Answered)
            ? (StepAction.Proceed, "no deactivation needed")
            : (StepAction.CallCas, "deactivate");
    }

    /// <summary>The compensation's replies: the order's failure (when this delivery failed it) and the saga's answer.</summary>
    public static IReadOnlyList<object> AfterCompensation(Guid orderId, string reason, bool failedNow, DateTimeOffset now) => failedNow
        ? [new ProductOrderFailed(orderId, reason, now), new OnboardingCompensated(orderId)]
        : [new OnboardingCompensated(orderId)];

    /// <summary>
    /// Completion waits while a deactivation of the box for this order runs or was answered and the order is not final yet
    /// (the compensation is about to fail it): a box being deactivated must not be installed.
    /// </summary>
    public static bool CompletionMustWait(string? orderState, IReadOnlyList<CasCall> calls, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(calls);
        return orderState is not null && !ProductOrderState.IsFinal(orderState)
            && calls.Any(c => c.Kind == CasCall.Deactivate && (c.InFlight(now) || c.Answered));
    }

    /// <summary>The completion's replies: completed (with the subscription), or what became of the order instead.</summary>
    public static IReadOnlyList<object> AfterCompletion(CompleteOnboarding command, bool completedNow, Guid? subscriptionId, string? orderState, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (completedNow)
        {
            return [new ProductOrderCompleted(command.OrderId, subscriptionId!.Value, command.DeviceId, now), new OnboardingCompleted(command.OrderId)];
        }

        return orderState == ProductOrderState.Completed
            ? [new OnboardingCompleted(command.OrderId)]
            : [new OnboardingAbandoned(command.OrderId, orderState ?? "missing")];
    }
}
