using CableHub.Core.Persistence;

namespace CableHub.Subscriptions.Contracts;

// What other modules may use of Subscriptions (owner of hub.subscription and hub.entitlement; TMF637 later).

public static class SubscriptionStatus
{
    public const string Created = "created";
    public const string PendingActive = "pending_active";
    public const string Active = "active";
    public const string Suspended = "suspended";
    public const string Terminated = "terminated";
    public const string Cancelled = "cancelled";
}

public sealed record SubscriptionSummary(Guid Id, Guid CustomerId, Guid BillingAccountId, Guid PlanId, Guid? OrderId, Guid? DeviceId, string Status, DateTimeOffset? StartAt, DateTimeOffset? EndAt);

/// <summary>
/// Create the active subscription of an order and entitle the device to <paramref name="ChannelIds"/> (the plan's channels,
/// as the catalog says) from <paramref name="At"/>.
/// </summary>
public sealed record CreateActiveSubscription(Guid OrderId, Guid CustomerId, Guid BillingAccountId, Guid PlanId, Guid DeviceId, IReadOnlyList<Guid> ChannelIds, DateTimeOffset At);

/// <summary>Whose entitlements: a customer's (all their boxes) or some devices'.</summary>
public sealed record EntitlementQuery(Guid? CustomerId, IReadOnlyList<Guid>? DeviceIds, DateTimeOffset At, IReadOnlyList<string> SubscriptionStatuses);

/// <summary>The Subscriptions module's command and query handlers for other modules.</summary>
public interface ISubscriptions
{
    /// <summary>Idempotent per order: a second call returns the existing subscription's id.</summary>
    Task<Guid> CreateActiveAsync(CreateActiveSubscription command, DbSession session, CancellationToken ct);

    Task<SubscriptionSummary?> GetByOrderAsync(Guid orderId, CancellationToken ct);

    /// <summary>Whether the customer has an active subscription to the plan.</summary>
    Task<bool> HasActiveSubscriptionAsync(Guid customerId, Guid planId, DbSession session, CancellationToken ct);

    /// <summary>The distinct channels the customer's (or device's) subscriptions in the given statuses entitle to at the instant.</summary>
    Task<IReadOnlyList<Guid>> EntitledChannelIdsAsync(EntitlementQuery query, CancellationToken ct);

    /// <summary>How many customers have an active, pending or suspended subscription to one of the plans.</summary>
    Task<int> CountCustomersOnPlansAsync(IReadOnlyList<Guid> planIds, DbSession session, CancellationToken ct);

    /// <summary>Those customers, streamed (there may be millions).</summary>
    IAsyncEnumerable<Guid> CustomersOnPlansAsync(IReadOnlyList<Guid> planIds, CancellationToken ct);
}

/// <summary>A subscription as billing rates it (any status: billing decides what a status means for the bill).</summary>
public sealed record BillableSubscription(Guid Id, Guid BillingAccountId, Guid CustomerId, Guid PlanId, string Status, DateTimeOffset? StartAt, DateTimeOffset? EndAt);

/// <summary>
/// An add-on (bouquet or à-la-carte channel) of a subscription as billing rates it: which offering, live from <see cref="ValidFrom"/>
/// until <see cref="ValidTo"/> (exclusive; null: still live). Billing prices it from the catalog.
/// </summary>
public sealed record BillableAddOn(Guid SubscriptionId, Guid BillingAccountId, string Kind, Guid OfferingId, DateTimeOffset ValidFrom, DateTimeOffset? ValidTo);

/// <summary>Bulk reads for billing: one query for a whole chunk of billing accounts (a bill run reads thousands at once).</summary>
public interface IBillableSubscriptions
{
    /// <summary>Every subscription of the billing accounts, except those cancelled before they started, ordered by account.</summary>
    Task<IReadOnlyList<BillableSubscription>> ForAccountsAsync(IReadOnlyCollection<Guid> billingAccountIds, CancellationToken ct);

    /// <summary>The subscription of an order, if it exists.</summary>
    Task<BillableSubscription?> ForOrderAsync(Guid orderId, CancellationToken ct);

    /// <summary>
    /// The add-ons of the billing accounts' subscriptions that were still live at or after <paramref name="liveAfter"/> (ended ones
    /// before it are history), one query for the chunk, ordered by account and start.
    /// </summary>
    Task<IReadOnlyList<BillableAddOn>> AddOnsForAccountsAsync(IReadOnlyCollection<Guid> billingAccountIds, DateTimeOffset liveAfter, CancellationToken ct);
}
