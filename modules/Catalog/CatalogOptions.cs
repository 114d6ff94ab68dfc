namespace CableHub.Catalog;

/// <summary>Options of the catalog (the host binds them from <c>Catalog:*</c>).</summary>
public sealed record CatalogOptions
{
    public static CatalogOptions Default { get; } = new();

    /// <summary>The regulator whose rules the catalog follows (India unless configured).</summary>
    public RegulatoryProfile Profile { get; init; } = RegulatoryProfile.India;

    /// <summary>How often the price scheduler puts due prices in force.</summary>
    public TimeSpan PriceSchedulerInterval { get; init; } = TimeSpan.FromSeconds(60);
}
