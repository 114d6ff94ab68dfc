using CableHub.Customers.Contracts;
using CableHub.Ordering.Contracts;

namespace CableHub.Ordering;

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
    string Channel = "api",
    string? PlacedBy = null);

public sealed record PlacedProductOrder(Guid OrderId, Guid CustomerId, Guid BillingAccountId, bool AlreadyExisted);

public sealed record ProductOrderItem(string ItemId, string Action, Guid? PlanId, int Quantity, string State)
{
    public Guid? SubscriptionId { get; init; }

    public string? OfferingKind { get; init; }

    public Guid? OfferingId { get; init; }

    public string? TargetStatus { get; init; }

    public string? Reason { get; init; }
}

/// <summary>
/// A change order for an existing subscription: one item, the TMF622 action (<c>modify</c> / <c>add</c> / <c>delete</c>), what
/// it asks (<see cref="Contracts.SubscriptionChangeAction"/>), and when.
/// </summary>
public sealed record PlaceChangeOrder(
    string? ExternalId,
    Guid CustomerId,
    Guid BillingAccountId,
    Guid SubscriptionId,
    string ItemId,
    string TmfAction,
    string ChangeAction,
    string? OfferingKind,
    Guid? OfferingId,
    Guid? PlanId,
    string? TargetStatus,
    string? Reason,
    bool AtNextCycle,
    DateTimeOffset? RequestedStartAt,
    string CorrelationId,
    string Channel = "api");

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
    IReadOnlyList<ProductOrderStateChange> History)
{
    public string Kind { get; init; } = "new";

    public DateTimeOffset? RequestedStartAt { get; init; }
}

/// <summary>Which orders a list returns: states (any of), order date bounds (exclusive), the customer, the external id, the page.</summary>
public sealed record ProductOrderQuery(
    IReadOnlyList<string>? States,
    DateTimeOffset? OrderDateGt,
    DateTimeOffset? OrderDateLt,
    Guid? CustomerId,
    string? ExternalId,
    CableHub.Core.Api.PageRequest Page);
