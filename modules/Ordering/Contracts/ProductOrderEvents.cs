using CableHub.Core.Persistence;

namespace CableHub.Ordering.Contracts;

// What other modules and the sagas may use of Ordering (owner of hub.product_order, product_order_item,
// product_order_state_change): the TMF622 states, the order's messages, the lifecycle commands, and the TMF622
// integration event shape.

/// <summary>TMF622 productOrder states.</summary>
public static class ProductOrderState
{
    public const string Acknowledged = "acknowledged";
    public const string Rejected = "rejected";
    public const string Pending = "pending";
    public const string Held = "held";
    public const string InProgress = "inProgress";
    public const string Cancelled = "cancelled";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Partial = "partial";

    /// <summary>Every TMF622 order state the hub uses.</summary>
    public static IReadOnlyList<string> All { get; } = [Acknowledged, Rejected, Pending, Held, InProgress, Cancelled, Completed, Failed, Partial];

    /// <summary>States an order never leaves.</summary>
    public static bool IsFinal(string state) => state is Rejected or Cancelled or Completed or Failed or Partial;
}

/// <summary>The order lifecycle commands onboarding needs; every change is conditional (final states are final) and recorded.</summary>
public interface IProductOrderLifecycle
{
    /// <summary>The order's state, its row locked (FOR UPDATE) until the session's transaction ends; null when unknown.</summary>
    Task<string?> LockStateAsync(Guid orderId, DbSession session, CancellationToken ct);

    /// <summary>The order's state without a lock; null when unknown.</summary>
    Task<string?> StateAsync(Guid orderId, DbSession session, CancellationToken ct);

    /// <summary>
    /// Moves the order (and its items) to <paramref name="state"/> and records the change. False, and nothing changed, when
    /// the order is already in that state or in a final one (idempotent under redelivery).
    /// </summary>
    Task<bool> SetStateAsync(Guid orderId, string state, string? reason, DbSession session, CancellationToken ct);
}

/// <summary>A product order was accepted and recorded (TMF622 state <c>acknowledged</c>); onboarding may start.</summary>
public sealed record ProductOrderAcknowledged(Guid OrderId, Guid CustomerId, Guid BillingAccountId, Guid PlanId, DateTimeOffset At);

/// <summary>The order reached <c>completed</c>: subscription active, box activated.</summary>
public sealed record ProductOrderCompleted(Guid OrderId, Guid SubscriptionId, Guid DeviceId, DateTimeOffset At);

/// <summary>The order reached <c>failed</c>; <paramref name="Reason"/> says why.</summary>
public sealed record ProductOrderFailed(Guid OrderId, string Reason, DateTimeOffset At);

/// <summary>
/// The integration event for back-office systems: TMF622 <c>ProductOrderStateChangeEvent</c>, its own contract (built from
/// <see cref="ProductOrderCompleted"/> / <see cref="ProductOrderFailed"/>, never the domain order), produced to
/// <c>cablehub.events.productOrder</c> keyed by order id.
/// </summary>
public sealed record ProductOrderStateChangeEvent(ProductOrderRef ProductOrder)
{
    public const string EventType = "ProductOrderStateChangeEvent";

    public const string BasePath = "/tmf-api/productOrderingManagement/v4/productOrder";

    public static ProductOrderStateChangeEvent Of(Guid orderId, string state, string? reason) =>
        new(new ProductOrderRef(orderId.ToString(), $"{BasePath}/{orderId}", state, reason));
}

public sealed record ProductOrderRef(string Id, string Href, string State, string? StateReason);

/// <summary>What a change order asks of an existing subscription.</summary>
public static class SubscriptionChangeAction
{
    /// <summary>Move to another plan (upgrade or downgrade).</summary>
    public const string ChangePlan = "changePlan";

    /// <summary>Add a bouquet or an à-la-carte channel.</summary>
    public const string AddOffering = "addOffering";

    /// <summary>Remove a bouquet or an à-la-carte channel.</summary>
    public const string RemoveOffering = "removeOffering";

    public const string Suspend = "suspend";

    public const string Restore = "restore";

    /// <summary>Disconnect: end the subscription, deactivate the box and ask for it back.</summary>
    public const string Disconnect = "disconnect";
}

/// <summary>
/// A change order for an existing subscription was accepted (state <c>acknowledged</c>): the lifecycle saga applies it at
/// <paramref name="EffectiveAt"/> (null: now; a time: that time, e.g. the next billing cycle). Published through the outbox
/// in the transaction that stored the order.
/// </summary>
public sealed record SubscriptionChangeOrdered(
    Guid OrderId,
    Guid CustomerId,
    Guid SubscriptionId,
    string Action,
    string? OfferingKind,
    Guid? OfferingId,
    string? Reason,
    bool AtNextCycle,
    DateTimeOffset? RequestedStartAt,
    DateTimeOffset At);

/// <summary>The order was cancelled before it was carried out (TMF622 cancelProductOrder).</summary>
public sealed record ProductOrderCancelled(Guid OrderId, string? Reason, DateTimeOffset At);
