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

/// <summary>Which orders a list returns: states (any of), order date bounds (exclusive), the customer, the external id, the page.</summary>
public sealed record ProductOrderQuery(
    IReadOnlyList<string>? States,
    DateTimeOffset? OrderDateGt,
    DateTimeOffset? OrderDateLt,
    Guid? CustomerId,
    string? ExternalId,
    CableHub.Core.Api.PageRequest Page);
