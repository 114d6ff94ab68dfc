using System.Globalization;

namespace CableHub.Catalog;

/// <summary>The facts about a channel that bouquet rules look at, with its price at the instant checked.</summary>
public sealed record ChannelFacts(Guid Id, string Code, string Name, Guid BroadcasterId, string Definition, Guid? HdOfChannelId, Money? Price, bool FreeToAir, string Status)
{
    public static ChannelFacts From(Channel c, Money? priceAt = null)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new(c.Id, c.Code, c.Name, c.BroadcasterId, c.Definition, c.HdOfChannelId, priceAt ?? c.AlaCartePrice, c.FreeToAir, c.Status);
    }

    public Guid ProgrammeGroup => HdOfChannelId ?? Id;
}

/// <summary>A bouquet as it would be at the instant checked: its price then and its channels with their prices then.</summary>
public sealed record BouquetFacts(string Code, string Name, string Kind, Guid? BroadcasterId, string? BroadcasterCode, Money? Price, string Status, IReadOnlyList<ChannelFacts> Channels);

/// <summary>
/// The catalog rules of a <see cref="RegulatoryProfile"/> as pure functions: facts in, violations out (empty when
/// the facts comply). Stores gather the facts (prices at the effective instant included) and refuse the change
/// when anything comes back.
/// </summary>
public static class CatalogRules
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    /// <summary>
    /// Checks one bouquet. <paramref name="at"/> only words the messages ("on 2026-01-10") when the check is about
    /// a future instant (a scheduled price change).
    /// </summary>
    public static IReadOnlyList<CatalogRuleViolation> CheckBouquet(BouquetFacts bouquet, RegulatoryProfile profile, DateTimeOffset? at = null)
    {
        ArgumentNullException.ThrowIfNull(bouquet);
        ArgumentNullException.ThrowIfNull(profile);
        var violations = new List<CatalogRuleViolation>();
        if (bouquet.Status == BouquetStatus.Retired)
        {
            return violations;
        }

        var when = at is { } t ? $" on {t.UtcDateTime:yyyy-MM-dd HH:mm} UTC" : "";
        var label = $"{KindName(bouquet.Kind)} {bouquet.Code}";
        if (bouquet.Channels.Count == 0)
        {
            violations.Add(new(CatalogRuleCodes.BouquetEmpty, $"{label} has no channels", "channels"));
        }

        if (bouquet.Price is null && bouquet.Kind != BouquetKind.Base && bouquet.Status == BouquetStatus.Active)
        {
            violations.Add(new(CatalogRuleCodes.BouquetPriceMissing, $"{label} is active but has no price", "price"));
        }

        if (bouquet.Price is { } own && !SameCurrency(own.Currency, profile.Currency))
        {
            violations.Add(new(CatalogRuleCodes.Currency, $"{label} is priced in {own.Currency}; the {profile.Name} catalog is in {profile.Currency}", "price"));
        }

        foreach (var c in bouquet.Channels.Where(c => c.Status == ChannelStatus.Retired))
        {
            violations.Add(new(CatalogRuleCodes.ChannelRetired, $"{label} holds channel {c.Code}, which is retired", "channels"));
        }

        if (profile.ForbidSdAndHdOfSameChannel)
        {
            foreach (var group in bouquet.Channels.GroupBy(c => c.ProgrammeGroup).Where(g => g.Count() > 1))
            {
                var versions = string.Join(" and ", group.OrderBy(c => ChannelDefinitionOrder(c.Definition)).ThenBy(c => c.Code, StringComparer.Ordinal).Select(c => $"{c.Code} ({c.Definition})"));
                violations.Add(new(profile.Rule("BOUQUET-SD-HD"),
                    $"{label} holds {versions}: SD and HD versions of the same channel may not be in one bouquet", "channels"));
            }
        }

        var pay = bouquet.Channels.Where(c => !c.FreeToAir).ToList();
        if (profile.PayChannelsMustBeOfferedAlaCarte)
        {
            foreach (var c in pay.Where(c => c.Price is null))
            {
                violations.Add(new(profile.Rule("ALACARTE-REQUIRED"),
                    $"pay channel {c.Code} in {label} has no à-la-carte price{when}; every pay channel must also be offered à la carte", "channels"));
            }
        }

        if (profile.BouquetChannelPriceCap is { } cap)
        {
            foreach (var c in pay.Where(c => c.Price is { } p && p.Amount > cap))
            {
                violations.Add(new(profile.Rule("BOUQUET-PRICE-CAP"),
                    string.Create(Ci, $"pay channel {c.Code} costs {c.Price!.Value.Amount:0.00} {c.Price.Value.Currency} à la carte{when}, above the {cap:0.00} {profile.Currency} cap for channels in a bouquet ({label})"),
                    "channels"));
            }
        }

        if (profile.ForbidFreeToAirInPayBouquet && bouquet.Kind != BouquetKind.Base && pay.Count > 0)
        {
            foreach (var c in bouquet.Channels.Where(c => c.FreeToAir))
            {
                violations.Add(new(profile.Rule("BOUQUET-FTA-MIX"),
                    $"{label} mixes free-to-air channel {c.Code} with pay channels", "channels"));
            }
        }

        if (bouquet.Kind == BouquetKind.BroadcasterBouquet && profile.BroadcasterBouquetSingleBroadcaster)
        {
            if (bouquet.BroadcasterId is null)
            {
                violations.Add(new(profile.Rule("BROADCASTER-BOUQUET-OWNER"), $"{label} names no broadcaster", "broadcaster"));
            }
            else
            {
                foreach (var c in bouquet.Channels.Where(c => c.BroadcasterId != bouquet.BroadcasterId))
                {
                    violations.Add(new(profile.Rule("BROADCASTER-BOUQUET-OWNER"),
                        $"{label} of broadcaster {bouquet.BroadcasterCode} holds channel {c.Code} of another broadcaster", "channels"));
                }
            }
        }

        var share = BouquetKind.IsDistributorFormed(bouquet.Kind) ? profile.DistributorBouquetMinimumShare
            : bouquet.Kind == BouquetKind.BroadcasterBouquet ? profile.BroadcasterBouquetMinimumShare
            : null;
        if (share is { } minimumShare && bouquet.Price is { } price)
        {
            var priced = pay.Where(c => c.Price is not null).ToList();
            var sum = priced.Sum(c => c.Price!.Value.Amount);
            var minimum = sum * minimumShare;
            if (price.Amount < minimum)
            {
                var percent = (minimumShare * 100m).ToString("0.##", Ci);
                var rule = bouquet.Kind == BouquetKind.BroadcasterBouquet ? "BROADCASTER-BOUQUET-" : "BOUQUET-";
                violations.Add(new(profile.Rule(rule + percent.Replace(".", "_", StringComparison.Ordinal)),
                    string.Create(Ci,
                        $"{label} costs {price.Amount:0.00} {price.Currency}{when}, less than {percent}% of the sum of its {priced.Count} pay channels' à-la-carte prices " +
                        $"({sum:0.00} × {minimumShare:0.####} = {Math.Ceiling(minimum * 100m) / 100m:0.00} {profile.Currency})"),
                    "price"));
            }
        }

        return violations;
    }

    /// <summary>Checks a channel's own facts: currency, price sign, the HD pairing.</summary>
    public static IReadOnlyList<CatalogRuleViolation> CheckChannel(ChannelFacts channel, ChannelFacts? sdVersion, RegulatoryProfile profile)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(profile);
        var violations = new List<CatalogRuleViolation>();
        if (channel.Price is { } p)
        {
            if (!SameCurrency(p.Currency, profile.Currency))
            {
                violations.Add(new(CatalogRuleCodes.Currency, $"channel {channel.Code} is priced in {p.Currency}; the {profile.Name} catalog is in {profile.Currency}", "price"));
            }

            if (p.Amount < 0)
            {
                violations.Add(new("CAT-PRICE-NEGATIVE", string.Create(Ci, $"channel {channel.Code} has a negative price {p.Amount:0.00}"), "price"));
            }
        }

        if (channel.HdOfChannelId is not null)
        {
            if (channel.Definition == ChannelDefinition.Sd)
            {
                violations.Add(new(CatalogRuleCodes.HdPairing, $"channel {channel.Code} is SD; only an HD or UHD channel can be the HD version of another", "hdOfChannel"));
            }

            if (sdVersion is null)
            {
                violations.Add(new(CatalogRuleCodes.HdPairing, $"the SD channel that {channel.Code} is said to be the HD version of does not exist", "hdOfChannel"));
            }
            else if (sdVersion.Definition != ChannelDefinition.Sd || sdVersion.HdOfChannelId is not null)
            {
                violations.Add(new(CatalogRuleCodes.HdPairing, $"{channel.Code} can only be the HD version of an SD channel; {sdVersion.Code} is {sdVersion.Definition}", "hdOfChannel"));
            }
        }

        return violations;
    }

    /// <summary>
    /// Checks the announcement of a price change: not in the past, not the price already in force, and announced
    /// the profile's notice period ahead when it is an increase (any change when decreases also need notice).
    /// </summary>
    public static IReadOnlyList<CatalogRuleViolation> CheckPriceChange(
        string itemLabel, Money? priceBefore, Money newPrice, DateTimeOffset effectiveFrom, DateTimeOffset announcedAt, RegulatoryProfile profile, string field = "validFor.startDateTime")
    {
        ArgumentNullException.ThrowIfNull(profile);
        var violations = new List<CatalogRuleViolation>();
        if (!SameCurrency(newPrice.Currency, profile.Currency))
        {
            violations.Add(new(CatalogRuleCodes.Currency, $"{itemLabel}: price in {newPrice.Currency}; the {profile.Name} catalog is in {profile.Currency}", "price.unit"));
        }

        if (newPrice.Amount < 0)
        {
            violations.Add(new("CAT-PRICE-NEGATIVE", string.Create(Ci, $"{itemLabel}: negative price {newPrice.Amount:0.00}"), "price.value"));
        }

        if (effectiveFrom < announcedAt.AddMinutes(-1))
        {
            violations.Add(new(CatalogRuleCodes.PriceInPast, $"{itemLabel}: a price change cannot take effect in the past ({Format(effectiveFrom)}; now {Format(announcedAt)})", field));
            return violations;
        }

        if (priceBefore is { } before && before.Amount == newPrice.Amount && SameCurrency(before.Currency, newPrice.Currency))
        {
            violations.Add(new(CatalogRuleCodes.PriceUnchanged, string.Create(Ci, $"{itemLabel} already costs {before.Amount:0.00} {before.Currency} on {Format(effectiveFrom)}"), "price.value"));
            return violations;
        }

        var needsNotice = priceBefore is { } b && (newPrice.Amount > b.Amount || !profile.PriceDecreasesWithoutNotice);
        var earliest = announcedAt + profile.PriceChangeNotice;
        if (needsNotice && effectiveFrom < earliest.AddMinutes(-1))
        {
            violations.Add(new(profile.Rule("PRICE-NOTICE"),
                string.Create(Ci,
                    $"{itemLabel}: the change from {priceBefore!.Value.Amount:0.00} to {newPrice.Amount:0.00} {newPrice.Currency} must be announced {profile.PriceChangeNotice.TotalDays:0} days before it takes effect; " +
                    $"announced {Format(announcedAt)}, effective {Format(effectiveFrom)} (earliest {Format(earliest)})"),
                field));
        }

        return violations;
    }

    private static int ChannelDefinitionOrder(string definition) => definition switch
    {
        ChannelDefinition.Sd => 0,
        ChannelDefinition.Hd => 1,
        _ => 2,
    };

    private static bool SameCurrency(string a, string b) => string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);

    private static string Format(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", Ci);

    private static string KindName(string kind) => kind switch
    {
        BouquetKind.DistributorBouquet => "distributor bouquet",
        BouquetKind.BroadcasterBouquet => "broadcaster bouquet",
        BouquetKind.AddOn => "add-on pack",
        BouquetKind.Base => "base pack",
        _ => "bouquet",
    };
}
