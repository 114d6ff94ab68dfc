namespace CableHub.Catalog;

/// <summary>SQL shared by the catalog stores. Prices "at an instant" come from hub.catalog_price, else the current column.</summary>
internal static class CatalogSql
{
    /// <summary>Serialises rule-checked catalog writes (they are rare; write skew between two bouquet changes is not).</summary>
    public const string LockCatalog = "SELECT pg_advisory_xact_lock(18965975918210919)"; // 0x436174616C6F67, "Catalog"

    /// <summary>Channel columns (+ price at <c>@at</c>) in <see cref="ChannelRow"/> order.</summary>
    public const string ChannelSelect =
        """
        SELECT c.id, c.code, c.name, c.broadcaster_id, b.code AS broadcaster_code, c.genre, c.language, c.definition,
               c.hd_of_channel_id, c.lcn, c.cas_product_id,
               COALESCE(h.amount, c.a_la_carte_price) AS price,
               CASE WHEN h.amount IS NOT NULL THEN h.currency ELSE c.currency END AS price_currency,
               c.free_to_air, c.status, c.valid_from, c.valid_to
        FROM hub.channel c
        JOIN hub.broadcaster b ON b.id = c.broadcaster_id
        LEFT JOIN LATERAL (
            SELECT cp.amount, cp.currency FROM hub.catalog_price cp
            WHERE cp.channel_id = c.id AND cp.status <> 'cancelled' AND cp.effective_from <= @at
            ORDER BY cp.effective_from DESC LIMIT 1) h ON true
        """;

    /// <summary>Package columns (+ price at <c>@at</c>) in <see cref="BouquetRow"/> order.</summary>
    public const string BouquetSelect =
        """
        SELECT p.id, p.code, p.name, p.description, p.kind, p.broadcaster_id, b.code AS broadcaster_code,
               COALESCE(h.amount, p.price) AS price,
               CASE WHEN h.amount IS NOT NULL THEN h.currency ELSE p.currency END AS price_currency,
               p.billing_period, p.status, p.valid_from, p.valid_to
        FROM hub.package p
        LEFT JOIN hub.broadcaster b ON b.id = p.broadcaster_id
        LEFT JOIN LATERAL (
            SELECT cp.amount, cp.currency FROM hub.catalog_price cp
            WHERE cp.package_id = p.id AND cp.status <> 'cancelled' AND cp.effective_from <= @at
            ORDER BY cp.effective_from DESC LIMIT 1) h ON true
        """;

    public const string MembersOf =
        "SELECT package_id, channel_id FROM hub.package_channel WHERE package_id = ANY(@ids) ORDER BY package_id, channel_id";

    internal static Money? ToMoney(decimal? amount, string? currency) =>
        amount is { } a && currency is not null ? new Money(a, currency.Trim()) : null;
}

internal sealed record ChannelRow(
    Guid Id, string Code, string Name, Guid BroadcasterId, string BroadcasterCode, string Genre, string Language, string Definition,
    Guid? HdOfChannelId, int Lcn, string CasProductId, decimal? Price, string? PriceCurrency, bool FreeToAir, string Status,
    DateTimeOffset? ValidFrom, DateTimeOffset? ValidTo)
{
    public Channel ToChannel() => new(Id, Code, Name, BroadcasterId, BroadcasterCode, Genre, Language, Definition, HdOfChannelId, Lcn, CasProductId,
        CatalogSql.ToMoney(Price, PriceCurrency), FreeToAir, Status, ValidFrom, ValidTo);
}

internal sealed record BouquetRow(
    Guid Id, string Code, string Name, string Description, string Kind, Guid? BroadcasterId, string? BroadcasterCode, decimal? Price, string? PriceCurrency,
    string BillingPeriod, string Status, DateTimeOffset? ValidFrom, DateTimeOffset? ValidTo)
{
    public Bouquet ToBouquet(IReadOnlyList<Guid> channels) => new(Id, Code, Name, Description, Kind, BroadcasterId,
        CatalogSql.ToMoney(Price, PriceCurrency), BillingPeriod, Status, ValidFrom, ValidTo, channels);
}
