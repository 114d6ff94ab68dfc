using CableHub.Core;
using CableHub.Core.Persistence;

namespace CableHub.Catalog.Contracts;

// What other modules may use of Catalog (owner of hub.broadcaster, channel, package, package_channel, plan,
// plan_package, catalog_price, price_change_notice): small read models and the queries that return them.

/// <summary>A plan as other modules see it (what ordering and onboarding need).</summary>
public sealed record PlanSummary(Guid Id, string Code, string Name, Money Price, string BillingPeriod, string Status)
{
    public bool IsSellable => Status == "active";
}

/// <summary>A channel of the line-up as other modules see it (EPG guides, exports).</summary>
public sealed record ChannelSummary(Guid Id, string Code, string Name, int Lcn, string Definition, string Language, string Genre, string Status);

/// <summary>Plans: lookups and what a plan gives (its channels, their CAS products).</summary>
public interface IPlanCatalog
{
    Task<PlanSummary?> GetPlanAsync(Guid id, CancellationToken ct);

    /// <summary>By id (a GUID) or code.</summary>
    Task<PlanSummary?> FindPlanAsync(string idOrCode, CancellationToken ct);

    /// <summary>The CAS product ids of every channel in the plan's packages (what a box on this plan may descramble).</summary>
    Task<IReadOnlyList<string>> CasProductIdsForPlanAsync(Guid planId, CancellationToken ct);

    /// <summary>The distinct channels of the plan's packages, read in the caller's unit of work.</summary>
    Task<IReadOnlyList<Guid>> ChannelIdsForPlanAsync(Guid planId, DbSession session, CancellationToken ct);
}

/// <summary>The line-up for modules that refer to channels (EPG).</summary>
public interface IChannelDirectory
{
    /// <summary>Channels in logical channel number order: all, or those with the given ids / codes, or the active ones.</summary>
    Task<IReadOnlyList<ChannelSummary>> ListAsync(ChannelSelection selection, CancellationToken ct);

    /// <summary>
    /// Of <paramref name="channelIds"/>, those that exist, share-locked in the caller's transaction (FOR KEY SHARE) so they
    /// cannot be deleted before it commits — what a foreign key would check, set-based.
    /// </summary>
    Task<IReadOnlySet<Guid>> LockExistingAsync(IReadOnlyCollection<Guid> channelIds, DbSession session, CancellationToken ct);
}

/// <summary>Which channels <see cref="IChannelDirectory.ListAsync"/> returns (null members do not filter).</summary>
public sealed record ChannelSelection(IReadOnlyCollection<Guid>? Ids = null, IReadOnlyCollection<string>? Codes = null, bool ActiveOnly = false)
{
    public static ChannelSelection All { get; } = new();
}

/// <summary>
/// VOD offers as TMF620 product offerings: the VOD module implements this so the catalog can list them beside plans,
/// channels and bouquets (counted and paged in SQL by the owner of the rows).
/// </summary>
public interface IVodOfferings
{
    /// <summary>How many offers have one of the statuses (null: any).</summary>
    Task<int> CountAsync(IReadOnlyCollection<string>? statuses, CancellationToken ct);

    /// <summary>A page of offers, in a stable order.</summary>
    Task<IReadOnlyList<VodOfferingSummary>> PageAsync(IReadOnlyCollection<string>? statuses, int offset, int limit, CancellationToken ct);

    /// <summary>By id, or by the offering code <c>{titleCode}-{model}</c>.</summary>
    Task<VodOfferingSummary?> FindAsync(string idOrCode, CancellationToken ct);
}

/// <summary>A VOD offer as a product offering (<c>@type</c> VodOffering); <see cref="Code"/> is <c>{TitleCode}-{Model}</c>.</summary>
public sealed record VodOfferingSummary(
    Guid Id,
    Guid TitleId,
    string TitleCode,
    string TitleName,
    string Model,
    Money? Price,
    int? RentalHours,
    Guid? PlanId,
    string Status,
    DateTimeOffset? ValidFrom,
    DateTimeOffset? ValidTo)
{
    public string Code => $"{TitleCode}-{Model}";
}

/// <summary>What a subscriber can add to or remove from a subscription: a plan, a bouquet or an à-la-carte channel.</summary>
public static class OfferingKind
{
    public const string Plan = "plan";
    public const string Bouquet = "bouquet";
    public const string Channel = "channel";
}

/// <summary>An offering with its price now (null: not sold on its own) and the channels it gives.</summary>
public sealed record OfferingSummary(Guid Id, string Kind, string Code, string Name, Money? Price, string Status, IReadOnlyList<Guid> ChannelIds);

/// <summary>Offerings of any kind and the CAS product of each channel (plan changes, add-ons, reconciliation).</summary>
public interface ICatalogOfferings
{
    /// <summary>A plan, bouquet or channel by id or code (plans first, then bouquets, then channels); null when none.</summary>
    Task<OfferingSummary?> FindOfferingAsync(string idOrCode, CancellationToken ct);

    /// <summary>One offering of a known kind by id.</summary>
    Task<OfferingSummary?> GetOfferingAsync(string kind, Guid id, CancellationToken ct);

    /// <summary>The CAS product id of each channel given (unknown channels are left out).</summary>
    Task<IReadOnlyDictionary<Guid, string>> CasProductIdsAsync(IReadOnlyCollection<Guid> channelIds, CancellationToken ct);
}

/// <summary>
/// What billing needs to rate plans: every plan with its recurring price and the SD / HD channel counts of its packages,
/// and the network capacity fee terms of the configured regulatory profile (India NCF slabs; null elsewhere).
/// </summary>
public interface IPlanRating
{
    /// <summary>Every plan (active and retired: old subscriptions are still billed), one read.</summary>
    Task<IReadOnlyList<PlanRatingFacts>> PlansAsync(CancellationToken ct);

    /// <summary>Every bouquet and à-la-carte channel with its price now (null: not sold on its own) and period, one read.</summary>
    Task<IReadOnlyList<AddOnRatingFacts>> AddOnsAsync(CancellationToken ct);

    /// <summary>The regulatory profile's code (IN / US / EU) and its NCF terms (null when it has none).</summary>
    RatingRules Rules { get; }
}

/// <summary>
/// An add-on as billing rates it: a bouquet (<see cref="OfferingKind.Bouquet"/>) or à-la-carte channel, its price per
/// <see cref="BillingPeriod"/> (channels: monthly) — null when it is not sold on its own.
/// </summary>
public sealed record AddOnRatingFacts(string Kind, Guid Id, string Code, string Name, Money? Price, string BillingPeriod = "monthly");

/// <summary>A plan as billing rates it: price per <see cref="BillingPeriod"/>; distinct channels by definition (HD and UHD counted as HD).</summary>
public sealed record PlanRatingFacts(Guid Id, string Code, string Name, Money Price, string BillingPeriod, int SdChannels, int HdChannels);

/// <summary>The catalog rules billing applies: which profile, and the network capacity fee per connection and month.</summary>
public sealed record RatingRules(string RegulatoryProfile, NetworkCapacityFeeTerms? NetworkCapacityFee);

/// <summary>
/// Network capacity fee per month: <see cref="BaseFee"/> for the first <see cref="BaseSdChannels"/> SD channels, each further
/// <see cref="SlabSdChannels"/> (or part) <see cref="SlabFee"/>; an HD channel counts as <see cref="HdWeight"/> SD channels.
/// </summary>
public sealed record NetworkCapacityFeeTerms(decimal BaseFee, int BaseSdChannels, decimal SlabFee, int SlabSdChannels, int HdWeight, string Currency)
{
    /// <summary>The monthly fee for a connection receiving <paramref name="sd"/> SD and <paramref name="hd"/> HD channels.</summary>
    public decimal MonthlyFee(int sd, int hd)
    {
        var equivalents = sd + (hd * HdWeight);
        var beyond = Math.Max(0, equivalents - BaseSdChannels);
        return BaseFee + (((beyond + SlabSdChannels - 1) / SlabSdChannels) * SlabFee);
    }
}
