using Wolverine;
using Wolverine.Persistence.Sagas;

namespace CableHub.Sagas.Onboarding;

// Messages of the onboarding saga. Commands are imperative and go to one step handler; events are past
// tense and come back to the saga. Every message names the order: the saga is correlated by order id.

/// <summary>Mark the order in progress and reserve a set-top box from stock.</summary>
public sealed record ReserveStb([property: SagaIdentity] Guid OrderId, Guid CustomerId);

/// <summary>A box is reserved for the order.</summary>
public sealed record StbReserved([property: SagaIdentity] Guid OrderId, Guid DeviceId, string CasDeviceId, string? SmartCardNumber);

/// <summary>No box could be reserved; the order was failed in the same transaction.</summary>
public sealed record StbReservationFailed([property: SagaIdentity] Guid OrderId, string Reason);

/// <summary>Activate the reserved box on the CAS with the plan's products.</summary>
public sealed record ActivateStb(
    [property: SagaIdentity] Guid OrderId,
    Guid DeviceId,
    string CasDeviceId,
    string? SmartCardNumber,
    Guid PlanId,
    DateTimeOffset ValidFrom);

/// <summary>The CAS accepted the activation.</summary>
public sealed record StbActivated([property: SagaIdentity] Guid OrderId, Guid DeviceId, string VendorReference);

/// <summary>The CAS refused the activation (a definitive answer).</summary>
public sealed record StbActivationRejected([property: SagaIdentity] Guid OrderId, Guid DeviceId, string Reason);

/// <summary>In one transaction: box installed and active, subscription with entitlements, order completed.</summary>
public sealed record CompleteOnboarding(
    [property: SagaIdentity] Guid OrderId,
    Guid CustomerId,
    Guid BillingAccountId,
    Guid PlanId,
    Guid DeviceId);

/// <summary>The order is completed.</summary>
public sealed record OnboardingCompleted([property: SagaIdentity] Guid OrderId);

/// <summary>
/// Undo what onboarding did and fail the order: deactivate the box on the CAS when it may have been
/// activated, put the box back in stock. With <paramref name="KeepDevice"/> the box stays reserved
/// (used when the CAS could not confirm the deactivation: the box must not go to another customer).
/// </summary>
public sealed record CompensateOnboarding(
    [property: SagaIdentity] Guid OrderId,
    Guid? DeviceId,
    string? CasDeviceId,
    string Reason,
    bool DeactivateOnCas,
    bool KeepDevice = false);

/// <summary>The order is failed and what onboarding did is undone.</summary>
public sealed record OnboardingCompensated([property: SagaIdentity] Guid OrderId);

/// <summary>The order was already in a final state when a step ran; nothing was done.</summary>
public sealed record OnboardingAbandoned([property: SagaIdentity] Guid OrderId, string OrderState);

/// <summary>A step did not finish in time. <paramref name="Step"/> is the step number the timeout guards.</summary>
public sealed record OnboardingStepTimedOut([property: SagaIdentity] Guid OrderId, OnboardingStage Stage, int Step, TimeSpan After)
    : TimeoutMessage(After);

/// <summary>Where an onboarding saga stands.</summary>
public enum OnboardingStage
{
    Reserving = 1,
    Activating = 2,
    Completing = 3,
    Compensating = 4,
    Finished = 5,
}
