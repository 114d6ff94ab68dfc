using CableHub.Core;
using CableHub.Core.Persistence;

namespace CableHub.Subscriptions.Contracts;

// The subscriber lifecycle as other modules and the sagas see it: a subscription's products, changing them, suspension,
// restore, disconnect, box swap, the entitlements the CAS must hold, and the integration events billing prorates from.

/// <summary>An add-on the subscription holds beside its plan.</summary>
public sealed record SubscriptionAddOn(string Kind, Guid OfferingId, Money? Price, DateTimeOffset ValidFrom, DateTimeOffset? ValidTo);

/// <summary>A subscription with its add-ons (TMF637 product with its sub-products).</summary>
public sealed record SubscriptionDetail(
    Guid Id,
    Guid CustomerId,
    Guid BillingAccountId,
    Guid PlanId,
    Guid? OrderId,
    Guid? DeviceId,
    string Status,
    DateTimeOffset? StartAt,
    DateTimeOffset? EndAt,
    DateTimeOffset? SuspendedAt,
    string? SuspensionReason,
    IReadOnlyList<SubscriptionAddOn> AddOns);

public static class SubscriptionChangeKind
{
    public const string PlanChange = "plan_change";
    public const string AddOnAdd = "addon_add";
    public const string AddOnRemove = "addon_remove";
    public const string Suspend = "suspend";
    public const string Restore = "restore";
    public const string Disconnect = "disconnect";
    public const string DeviceSwap = "device_swap";
}

public static class SuspensionReason
{
    public const string Vacation = "vacation";
    public const string Dunning = "dunning";
    public const string Operator = "operator";

    public static bool IsKnown(string? reason) => reason is Vacation or Dunning or Operator;
}

/// <summary>
/// Apply a change of products: the plan becomes <paramref name="PlanId"/>, the add-on (if any) is added or removed, and the
/// entitlements of the subscription's box become exactly <paramref name="ChannelIds"/> from <paramref name="At"/> (channels
/// no longer given end at <paramref name="At"/>, new ones start then). Idempotent per <paramref name="ChangeId"/>.
/// </summary>
public sealed record ChangeSubscriptionProducts(
    Guid ChangeId,
    Guid SubscriptionId,
    Guid? OrderId,
    string Kind,
    Guid PlanId,
    SubscriptionAddOnChange? AddOn,
    IReadOnlyList<Guid> ChannelIds,
    DateTimeOffset At);

/// <param name="Add">true: add the add-on; false: remove it</param>
public sealed record SubscriptionAddOnChange(string Kind, Guid OfferingId, Money? Price, bool Add);

/// <summary>What a change did: channels that started and ended (empty when the change id was applied before).</summary>
public sealed record SubscriptionProductsChanged(bool AppliedNow, IReadOnlyList<Guid> ChannelsAdded, IReadOnlyList<Guid> ChannelsRemoved);

/// <summary>A change of status (suspend, restore, disconnect), idempotent per <paramref name="ChangeId"/>.</summary>
public sealed record ChangeSubscriptionStatus(Guid ChangeId, Guid SubscriptionId, Guid? OrderId, string Kind, string? Reason, DateTimeOffset At);

/// <summary>Move the subscription and its live entitlements from one box to another (STB swap), idempotent per <paramref name="ChangeId"/>.</summary>
public sealed record MoveSubscriptionDevice(Guid ChangeId, Guid SubscriptionId, Guid FromDeviceId, Guid ToDeviceId, DateTimeOffset At);

/// <summary>What the CAS must hold for a box: the channels of its live entitlements, with their end (null: open-ended).</summary>
public sealed record DeviceEntitlements(Guid DeviceId, IReadOnlyList<ChannelEntitlement> Channels, DateTimeOffset LastChangedAt);

public sealed record ChannelEntitlement(Guid ChannelId, DateTimeOffset ValidFrom, DateTimeOffset? ValidTo);

/// <summary>The Subscriptions module's lifecycle commands and queries (the sagas' way in).</summary>
public interface ISubscriptionLifecycle
{
    Task<SubscriptionDetail?> GetAsync(Guid subscriptionId, CancellationToken ct);

    /// <summary>The subscription, its row locked (FOR UPDATE) until the session's transaction ends.</summary>
    Task<SubscriptionDetail?> LockAsync(Guid subscriptionId, DbSession session, CancellationToken ct);

    /// <summary>Every subscription of the customer (TMF637 list), newest first.</summary>
    Task<IReadOnlyList<SubscriptionDetail>> ForCustomerAsync(Guid customerId, CancellationToken ct);

    /// <summary>The live subscription (active or suspended) that uses the box, if any.</summary>
    Task<SubscriptionDetail?> ForDeviceAsync(Guid deviceId, CancellationToken ct);

    /// <summary>The channels of the subscription's live (open-ended) entitlements, whatever its status (a suspended subscription keeps them for its restore).</summary>
    Task<IReadOnlyList<Guid>> EntitledChannelsAsync(Guid subscriptionId, DbSession? session, CancellationToken ct);

    Task<SubscriptionProductsChanged> ChangeProductsAsync(ChangeSubscriptionProducts command, DbSession session, CancellationToken ct);

    /// <summary>Suspend (active → suspended), restore (suspended → active) or disconnect (→ terminated, entitlements end). False when nothing changed.</summary>
    Task<bool> ChangeStatusAsync(ChangeSubscriptionStatus command, DbSession session, CancellationToken ct);

    Task<bool> MoveDeviceAsync(MoveSubscriptionDevice command, DbSession session, CancellationToken ct);

    /// <summary>Whether a change with this id was applied (it is in the change history).</summary>
    Task<bool> ChangeRecordedAsync(Guid changeId, DbSession session, CancellationToken ct);

    /// <summary>
    /// What the CAS must hold, box by box, for every box that has or had an entitlement (keyset pages by device id): the live
    /// entitlements of active subscriptions; an empty list for boxes whose subscriptions are suspended or ended.
    /// </summary>
    Task<IReadOnlyList<DeviceEntitlements>> DesiredEntitlementsAsync(Guid? afterDeviceId, int limit, CancellationToken ct);
}

/// <summary>
/// Billing's answer to "until when has this subscription been paid?" and "when does its next cycle start?". A port declared
/// here and implemented by the Billing module (<c>BillingPeriods</c>: the profile's cycle alignment, paid invoices), which the host
/// composes in place of this module's placeholder <c>UnknownBillingPeriods</c> (paid-through unknown, next cycle = the next monthly
/// anniversary of the subscription's start; what a composition without Billing gets).
/// </summary>
public interface IBillingPeriods
{
    /// <summary>The end of what the subscriber paid for, or null when unknown.</summary>
    Task<DateTimeOffset?> PaidThroughAsync(Guid subscriptionId, CancellationToken ct);

    /// <summary>The start of the next billing cycle after <paramref name="after"/>.</summary>
    Task<DateTimeOffset> NextCycleStartAsync(Guid subscriptionId, DateTimeOffset after, CancellationToken ct);
}

// Integration events (past tense), published through the outbox in the transaction that made the change; produced to
// cablehub.events.subscription keyed by subscription id. Billing prorates from them; nothing here calls billing.

/// <summary>
/// A subscription's products changed (plan upgrade/downgrade, add-on added or removed) from <paramref name="EffectiveAt"/>.
/// Carries what billing needs to prorate: old and new plan with their prices, the add-on and its price.
/// </summary>
public sealed record SubscriptionChanged(
    Guid ChangeId,
    Guid SubscriptionId,
    Guid CustomerId,
    Guid BillingAccountId,
    Guid? OrderId,
    string Kind,
    Guid OldPlanId,
    Money OldPlanPrice,
    Guid NewPlanId,
    Money NewPlanPrice,
    string? AddOnKind,
    Guid? AddOnId,
    Money? AddOnPrice,
    bool AddOnAdded,
    DateTimeOffset EffectiveAt,
    DateTimeOffset RecordedAt,
    int ChannelsAdded,
    int ChannelsRemoved);

/// <summary>Service suspended from <paramref name="EffectiveAt"/> (no charge accrues while suspended, billing decides).</summary>
public sealed record SubscriptionSuspended(Guid ChangeId, Guid SubscriptionId, Guid CustomerId, Guid BillingAccountId, string Reason, DateTimeOffset EffectiveAt,
    DateTimeOffset? PaidThrough, DateTimeOffset RecordedAt);

/// <summary>Service restored at <paramref name="EffectiveAt"/>.</summary>
public sealed record SubscriptionRestored(Guid ChangeId, Guid SubscriptionId, Guid CustomerId, Guid BillingAccountId, DateTimeOffset SuspendedAt, DateTimeOffset EffectiveAt,
    DateTimeOffset RecordedAt);

/// <summary>
/// Disconnected at <paramref name="EffectiveAt"/>: entitlements ended, box deactivated and marked for return. The final-bill
/// event: billing closes the account's charges for the subscription up to <paramref name="EffectiveAt"/> (plan price given for proration).
/// </summary>
public sealed record SubscriptionDisconnected(Guid ChangeId, Guid SubscriptionId, Guid CustomerId, Guid BillingAccountId, Guid? OrderId, Guid PlanId, Money PlanPrice,
    IReadOnlyList<SubscriptionAddOn> AddOns, Guid? DeviceId, string Reason, DateTimeOffset EffectiveAt, DateTimeOffset RecordedAt);

/// <summary>
/// The subscription moved to another box (the old one was faulty): the replacement is installed and holds the entitlements on the
/// CAS, the faulty box is deactivated and marked for return (<paramref name="Reason"/>).
/// </summary>
public sealed record SubscriptionDeviceSwapped(Guid ChangeId, Guid SubscriptionId, Guid CustomerId, Guid BillingAccountId, Guid FromDeviceId, Guid ToDeviceId, string Reason,
    DateTimeOffset EffectiveAt, DateTimeOffset RecordedAt);

/// <summary>
/// A request for the lifecycle saga (from the technician / customer-service route, which may not call the sagas): replace the faulty
/// box <paramref name="FaultyDeviceId"/> of the subscription by a box from stock. Published through the outbox; idempotent per
/// <paramref name="RequestId"/> (the swap's change id).
/// </summary>
public sealed record SubscriptionDeviceSwapRequested(Guid RequestId, Guid SubscriptionId, Guid FaultyDeviceId, string Reason, string RequestedBy, DateTimeOffset RequestedAt);

/// <summary>
/// A command for the lifecycle sagas from modules that may not call them (billing's dunning, later): suspend or restore one
/// subscription. Published through the outbox; the suspension saga handles it.
/// </summary>
public sealed record SubscriptionSuspensionRequested(Guid RequestId, Guid SubscriptionId, string Reason, bool Restore, DateTimeOffset RequestedAt);

/// <summary>
/// A command for the lifecycle saga from modules that may not call it (billing's dunning after a write-off): disconnect one
/// subscription now (box deactivated on the CAS, entitlements and add-ons ended, box return opened). Published through the outbox;
/// idempotent per <paramref name="RequestId"/>.
/// </summary>
public sealed record SubscriptionDisconnectRequested(Guid RequestId, Guid SubscriptionId, string Reason, DateTimeOffset RequestedAt);
