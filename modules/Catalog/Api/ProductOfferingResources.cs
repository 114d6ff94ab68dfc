using System.Text.Json.Serialization;

namespace CableHub.Catalog.Api;

// TMF620 Product Catalog v4 resource shapes (the subset the hub serves) and the request bodies it accepts.

/// <summary>TMF620 productOffering; ChannelOffering / BouquetOffering / VodOffering add their attributes (null ones are left out).</summary>
public sealed record ProductOfferingResource
{
    public required string Id { get; init; }
    public required string Href { get; init; }
    public required string Code { get; init; }
    public required string Name { get; init; }
    public string Description { get; init; } = "";
    public bool IsSellable { get; init; }
    public bool IsBundle { get; init; }
    public required string LifecycleStatus { get; init; }
    public ValidFor? ValidFor { get; init; }
    public IReadOnlyList<ProductOfferingPrice> ProductOfferingPrice { get; init; } = [];
    public IReadOnlyList<OfferingRef>? BundledProductOffering { get; init; }

    // ChannelOffering
    public int? Lcn { get; init; }
    public string? Broadcaster { get; init; }
    public string? Genre { get; init; }
    public string? Language { get; init; }
    public string? Definition { get; init; }
    public OfferingRef? HdOfChannel { get; init; }
    public string? CasProductId { get; init; }
    public bool? FreeToAir { get; init; }

    // BouquetOffering
    public string? BouquetKind { get; init; }

    // VodOffering
    public string? VodModel { get; init; }
    public int? RentalHours { get; init; }
    public OfferingRef? VodTitle { get; init; }
    public OfferingRef? IncludedInPlan { get; init; }

    [JsonPropertyName("@type")]
    public required string Type { get; init; }

    [JsonPropertyName("@baseType")]
    public string? BaseType { get; init; }
}

/// <summary>TMF620 productOfferingPrice (inline in an offering: type, period and price; as a resource also id, validity and status).</summary>
public sealed record ProductOfferingPrice(string PriceType, string? RecurringChargePeriodType, PriceValue Price)
{
    public string? Id { get; init; }
    public string? Href { get; init; }
    public string? Name { get; init; }
    public ValidFor? ValidFor { get; init; }
    public string? LifecycleStatus { get; init; }
    public OfferingRef? ProductOffering { get; init; }

    /// <summary>Extension: the notice recorded when this price was announced.</summary>
    public NoticeRef? PriceChangeNotice { get; init; }

    [JsonPropertyName("@type")]
    public string? Type { get; init; }
}

public sealed record PriceValue(string Unit, decimal Value);

public sealed record ValidFor(DateTimeOffset? StartDateTime, DateTimeOffset? EndDateTime);

public sealed record OfferingRef(string Id, string Href, string? Name = null);

public sealed record NoticeRef(string Id, int AffectedSubscribers, int NoticeDays, string Status);

public sealed record ProductOfferingCreate(
    [property: JsonPropertyName("@type")] string? Type,
    string? Code,
    string? Name,
    string? Description,
    string? LifecycleStatus,
    ValidForBody? ValidFor,
    IReadOnlyList<PriceBody?>? ProductOfferingPrice,
    IReadOnlyList<OfferingRefBody?>? BundledProductOffering,
    string? Broadcaster,
    string? Genre,
    string? Language,
    string? Definition,
    int? Lcn,
    string? CasProductId,
    bool? FreeToAir,
    string? HdOfChannel,
    string? BouquetKind);

public sealed record ProductOfferingPatch(
    string? Name,
    string? Description,
    string? LifecycleStatus,
    ValidForBody? ValidFor,
    IReadOnlyList<PriceBody?>? ProductOfferingPrice,
    IReadOnlyList<OfferingRefBody?>? BundledProductOffering,
    string? Genre,
    string? Language,
    string? HdOfChannel);

public sealed record ProductOfferingPriceCreate(OfferingRefBody? ProductOffering, PriceValueBody? Price, ValidForBody? ValidFor, string? Name);

public sealed record PriceBody(string? PriceType, string? RecurringChargePeriodType, PriceValueBody? Price);

public sealed record PriceValueBody(string? Unit, decimal? Value);

public sealed record ValidForBody(DateTimeOffset? StartDateTime, DateTimeOffset? EndDateTime);

public sealed record OfferingRefBody(string? Id, string? Code);

/// <summary>Several price changes announced together (<c>POST /api/v1/catalog/price-changes</c>).</summary>
public sealed record PriceChangesBody(IReadOnlyList<PriceChangeBody?>? Changes);

public sealed record PriceChangeBody(string? Offering, PriceValueBody? Price, DateTimeOffset? EffectiveFrom, string? Reason);

/// <summary>The regulatory profile the catalog follows.</summary>
public sealed record ProfileResource(string Code, string Name, string Currency, decimal? DistributorBouquetMinimumShare, decimal? BroadcasterBouquetMinimumShare,
    bool ForbidSdAndHdOfSameChannel, decimal? BouquetChannelPriceCap, int PriceChangeNoticeDays, NetworkCapacityFeeSchedule? NetworkCapacityFee, string Source)
{
    public static ProfileResource From(RegulatoryProfile p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new(p.Code, p.Name, p.Currency, p.DistributorBouquetMinimumShare, p.BroadcasterBouquetMinimumShare,
            p.ForbidSdAndHdOfSameChannel, p.BouquetChannelPriceCap, (int)p.PriceChangeNotice.TotalDays, p.NetworkCapacityFee, p.Source);
    }
}

/// <summary>The result of announcing several price changes.</summary>
public sealed record PriceChangesResource(IReadOnlyList<ScheduledPrice> Prices, IReadOnlyList<PriceChangeNotice> Notices);

/// <summary>The rule check of the whole catalog.</summary>
public sealed record CatalogCheckResource(string Profile, bool Compliant, IReadOnlyList<CatalogRuleViolation> Violations);

/// <summary>A channel of the line-up as <c>GET /api/v1/catalog/channels</c> lists it.</summary>
public sealed record LineupChannelResource(Guid Id, string Code, string Name, int Lcn, string Broadcaster, string Genre, string Language, string Definition,
    string? HdOf, Money? AlaCartePrice, bool FreeToAir, string CasProductId, string Status);
