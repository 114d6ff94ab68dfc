namespace CableHub.Core.Catalog;

/// <summary>Options of the catalog stores (the host binds them from <c>Catalog:*</c>).</summary>
public sealed record CatalogOptions
{
    public static CatalogOptions Default { get; } = new();

    /// <summary>The regulator whose rules the catalog follows (India unless configured).</summary>
    public RegulatoryProfile Profile { get; init; } = RegulatoryProfile.India;
}
