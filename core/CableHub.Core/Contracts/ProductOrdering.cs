namespace CableHub.Core.Contracts;

/// <summary>A product order was accepted and recorded (TMF622 state <c>acknowledged</c>); onboarding may start.</summary>
public sealed record ProductOrderAcknowledged(Guid OrderId, Guid CustomerId, Guid BillingAccountId, Guid PlanId, DateTimeOffset At);

/// <summary>The order reached <c>completed</c>: subscription active, box activated.</summary>
public sealed record ProductOrderCompleted(Guid OrderId, Guid SubscriptionId, Guid DeviceId, DateTimeOffset At);

/// <summary>The order reached <c>failed</c>; <paramref name="Reason"/> says why.</summary>
public sealed record ProductOrderFailed(Guid OrderId, string Reason, DateTimeOffset At);
