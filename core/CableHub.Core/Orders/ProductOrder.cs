using CableHub.Core.Customers;

namespace CableHub.Core.Orders;

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

    /// <summary>States an order never leaves.</summary>
    public static bool IsFinal(string state) => state is Rejected or Cancelled or Completed or Failed or Partial;
}

/// <summary>Place an order for a new customer and one plan.</summary>
public sealed record PlaceProductOrder(
    string? ExternalId,
    NewCustomer Customer,
    Guid PlanId,
    string ItemId,
    string Currency,
    string PaymentMethod,
    int BillCycleDay,
    string CorrelationId,
    string Channel = "api");

public sealed record PlacedProductOrder(Guid OrderId, Guid CustomerId, Guid BillingAccountId, bool AlreadyExisted);

public sealed record ProductOrderItem(string ItemId, string Action, Guid PlanId, int Quantity, string State);

public sealed record ProductOrderStateChange(string State, string? Reason, DateTimeOffset At);

public sealed record ProductOrder(
    Guid Id,
    string? ExternalId,
    string State,
    string? StateReason,
    Guid CustomerId,
    Guid? BillingAccountId,
    string Channel,
    string CorrelationId,
    DateTimeOffset RequestedAt,
    DateTimeOffset? CompletedAt,
    IReadOnlyList<ProductOrderItem> Items,
    IReadOnlyList<ProductOrderStateChange> History);
