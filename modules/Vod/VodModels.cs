using CableHub.Vod.Contracts;

namespace CableHub.Vod;

public static class VodKind
{
    public const string Movie = "movie";
    public const string Series = "series";
    public const string Season = "season";
    public const string Episode = "episode";

    public static IReadOnlyList<string> All { get; } = [Movie, Series, Season, Episode];
}

public static class VodModel
{
    /// <summary>Access for <see cref="VodOffer.RentalHours"/> after the purchase (never beyond the rights window).</summary>
    public const string Rental = "rental";

    /// <summary>Electronic sell-through: the customer keeps access.</summary>
    public const string Purchase = "purchase";

    /// <summary>No charge for subscribers of the offer's plan.</summary>
    public const string Included = "included";

    public static IReadOnlyList<string> All { get; } = [Rental, Purchase, Included];
}

public static class VodTitleStatus
{
    public const string Draft = "draft";
    public const string Published = "published";
    public const string Withdrawn = "withdrawn";

    public static IReadOnlyList<string> All { get; } = [Draft, Published, Withdrawn];
}

/// <summary>A VOD title: a movie, a series, a season of a series, or an episode (of a season or directly of a series).</summary>
public sealed record VodTitle(
    Guid Id,
    string Code,
    string Kind,
    Guid? ParentId,
    string Title,
    string Synopsis,
    int? SeasonNumber,
    int? EpisodeNumber,
    int? ReleaseYear,
    int? DurationMinutes,
    string? Rating,
    string? RatingSystem,
    IReadOnlyList<string> Genres,
    IReadOnlyList<string> Languages,
    string Status);

/// <summary>A title to add; <see cref="ParentCode"/> names the series (for a season or an episode) or the season (for an episode).</summary>
public sealed record NewVodTitle(
    string Code,
    string Kind,
    string Title,
    string? ParentCode = null,
    string Synopsis = "",
    int? SeasonNumber = null,
    int? EpisodeNumber = null,
    int? ReleaseYear = null,
    int? DurationMinutes = null,
    string? Rating = null,
    string? RatingSystem = null,
    IReadOnlyList<string>? Genres = null,
    IReadOnlyList<string>? Languages = null,
    string Status = VodTitleStatus.Published);

/// <summary>Licensed availability of a title in a territory (ISO 3166-1 alpha-2, or WW for everywhere), [from, to).</summary>
public sealed record VodRightsWindow(Guid Id, Guid TitleId, string Territory, DateTimeOffset AvailableFrom, DateTimeOffset AvailableTo, string? Licensor);

/// <summary>How a title is sold.</summary>
public sealed record VodOffer(
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
    DateTimeOffset? ValidTo);

/// <summary>An offer to add: rental (price and hours), purchase (price) or included (the plan's code).</summary>
public sealed record NewVodOffer(string Model, Money? Price = null, int? RentalHours = null, string? PlanCode = null, DateTimeOffset? ValidFrom = null, DateTimeOffset? ValidTo = null);

/// <summary>A title with its parts, windows and offers, as the catalogue and portal show it.</summary>
public sealed record VodTitleDetails(VodTitle Title, IReadOnlyList<VodTitle> Children, IReadOnlyList<VodRightsWindow> RightsWindows, IReadOnlyList<VodOffer> Offers, bool RightsInherited);

/// <summary>A customer buys or rents an offer. <see cref="Territory"/> defaults to the country of their postal address.</summary>
public sealed record VodPurchaseRequest(Guid CustomerId, Guid OfferId, string? Territory = null, string? ExternalId = null);

/// <summary>A recorded purchase, rental or included access (hub.vod_purchase).</summary>
public sealed record VodPurchase(
    Guid Id,
    string? ExternalId,
    Guid CustomerId,
    Guid BillingAccountId,
    Guid TitleId,
    Guid OfferId,
    string Model,
    Money Price,
    string Territory,
    DateTimeOffset PurchasedAt,
    DateTimeOffset AccessFrom,
    DateTimeOffset? AccessUntil,
    string Status);

/// <summary>A one-time charge as VOD sold it (hub.one_time_charge: the sale's record; Status unbilled → billed with InvoiceId when Billing reports the bill through <see cref="Contracts.IOneTimeChargeBilling"/>; Billing's hub.billing_charge has source_id = Id).</summary>
public sealed record OneTimeCharge(
    Guid Id,
    Guid BillingAccountId,
    Guid CustomerId,
    string Kind,
    Guid SourceId,
    string Description,
    Money Amount,
    DateTimeOffset ChargedAt,
    string Status);

public static class OneTimeChargeKind
{
    public const string VodRental = "vod_rental";
    public const string VodPurchase = "vod_purchase";
}

/// <summary>The outcome of a purchase: the purchase, its charge (none when included or free), and the events to publish.</summary>
public sealed record VodPurchaseResult(VodPurchase Purchase, OneTimeCharge? Charge, IReadOnlyList<object> Events, bool AlreadyExisted);

/// <summary>VOD rule codes (errors name them).</summary>
public static class VodRuleCodes
{
    public const string NotFound = "VOD-NOT-FOUND";
    public const string Invalid = "VOD-INVALID";
    public const string CodeTaken = "VOD-CODE-TAKEN";
    public const string Hierarchy = "VOD-HIERARCHY";
    public const string OfferInactive = "VOD-OFFER-INACTIVE";
    public const string TitleUnavailable = "VOD-TITLE-UNAVAILABLE";
    public const string RightsWindow = "VOD-RIGHTS-WINDOW";
    public const string NoAccount = "VOD-NO-ACCOUNT";
    public const string Currency = "VOD-CURRENCY";
    public const string AlreadyOwned = "VOD-ALREADY-OWNED";
    public const string NotInPlan = "VOD-NOT-IN-PLAN";
    public const string Territory = "VOD-TERRITORY";
}
