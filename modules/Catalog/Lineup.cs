namespace CableHub.Catalog;

/// <summary>A channel of the line-up (hub.channel).</summary>
/// <param name="HdOfChannelId">For an HD/UHD channel: the SD channel it is the HD version of.</param>
/// <param name="AlaCartePrice">The à-la-carte price in force now (null: not sold alone, e.g. free-to-air).</param>
public sealed record Channel(
    Guid Id,
    string Code,
    string Name,
    Guid BroadcasterId,
    string BroadcasterCode,
    string Genre,
    string Language,
    string Definition,
    Guid? HdOfChannelId,
    int Lcn,
    string CasProductId,
    Money? AlaCartePrice,
    bool FreeToAir,
    string Status,
    DateTimeOffset? ValidFrom,
    DateTimeOffset? ValidTo)
{
    public bool IsHd => Definition is ChannelDefinition.Hd or ChannelDefinition.Uhd;

    /// <summary>The SD channel this one is a version of, or itself: SD and HD of "the same channel" share it.</summary>
    public Guid ProgrammeGroup => HdOfChannelId ?? Id;
}

public static class ChannelDefinition
{
    public const string Sd = "SD";
    public const string Hd = "HD";
    public const string Uhd = "UHD";

    public static IReadOnlyList<string> All { get; } = [Sd, Hd, Uhd];
}

public static class ChannelStatus
{
    public const string Active = "active";
    public const string Retired = "retired";
}

/// <summary>A package of channels (hub.package): base pack, broadcaster bouquet, distributor bouquet or add-on.</summary>
/// <param name="Price">The price in force now per <paramref name="BillingPeriod"/> (null: no price of its own).</param>
public sealed record Bouquet(
    Guid Id,
    string Code,
    string Name,
    string Description,
    string Kind,
    Guid? BroadcasterId,
    Money? Price,
    string BillingPeriod,
    string Status,
    DateTimeOffset? ValidFrom,
    DateTimeOffset? ValidTo,
    IReadOnlyList<Guid> ChannelIds);

public static class BouquetKind
{
    public const string Base = "base";
    public const string BroadcasterBouquet = "broadcaster_bouquet";
    public const string DistributorBouquet = "distributor_bouquet";
    public const string AddOn = "add_on";

    public static IReadOnlyList<string> All { get; } = [Base, BroadcasterBouquet, DistributorBouquet, AddOn];

    /// <summary>Packs the distributor (the operator) forms and prices: distributor bouquets and add-ons.</summary>
    public static bool IsDistributorFormed(string kind) => kind is DistributorBouquet or AddOn;
}

public static class BouquetStatus
{
    public const string Draft = "draft";
    public const string Active = "active";
    public const string Retired = "retired";

    public static IReadOnlyList<string> All { get; } = [Draft, Active, Retired];
}

/// <summary>A channel to add to the line-up. The price is its initial à-la-carte price (no notice needed).</summary>
public sealed record NewChannel(
    string Code,
    string Name,
    string BroadcasterCode,
    string Genre,
    string Language,
    string Definition,
    int Lcn,
    string CasProductId,
    Money? AlaCartePrice,
    bool FreeToAir = false,
    string? HdOfChannelCode = null,
    DateTimeOffset? ValidFrom = null,
    DateTimeOffset? ValidTo = null);

/// <summary>A bouquet to create, its channels by code.</summary>
public sealed record NewBouquet(
    string Code,
    string Name,
    string Kind,
    IReadOnlyList<string> ChannelCodes,
    Money? Price,
    string? BroadcasterCode = null,
    string Description = "",
    string BillingPeriod = Catalog.BillingPeriod.Monthly,
    string Status = BouquetStatus.Active,
    DateTimeOffset? ValidFrom = null,
    DateTimeOffset? ValidTo = null);

/// <summary>Changes to a bouquet; null members stay as they are. A price change goes through <see cref="CatalogPricing"/>.</summary>
public sealed record BouquetChange(
    string? Name = null,
    string? Description = null,
    string? Status = null,
    IReadOnlyList<string>? ChannelCodes = null,
    DateTimeOffset? ValidFrom = null,
    DateTimeOffset? ValidTo = null);

/// <summary>Changes to a channel; null members stay as they are. A price change goes through <see cref="CatalogPricing"/>.</summary>
public sealed record ChannelChange(
    string? Name = null,
    string? Genre = null,
    string? Language = null,
    string? Status = null,
    string? HdOfChannelCode = null,
    DateTimeOffset? ValidFrom = null,
    DateTimeOffset? ValidTo = null);
