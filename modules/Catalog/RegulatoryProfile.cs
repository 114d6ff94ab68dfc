namespace CableHub.Catalog;

/// <summary>
/// The catalog rules of one regulator, as data: which checks apply and with which numbers. Chosen by
/// configuration (<c>Catalog:RegulatoryProfile</c> = IN / US / EU); every rule code starts with <see cref="Code"/>.
/// </summary>
public sealed record RegulatoryProfile
{
    /// <summary>"IN", "US", "EU": the prefix of the profile's rule codes.</summary>
    public required string Code { get; init; }

    public required string Name { get; init; }

    /// <summary>Currency of catalog prices (channels, bouquets, NCF).</summary>
    public required string Currency { get; init; }

    /// <summary>
    /// A distributor bouquet must cost at least this share of the sum of its pay channels' à-la-carte prices
    /// (India: 0.85). Null: no floor.
    /// </summary>
    public decimal? DistributorBouquetMinimumShare { get; init; }

    /// <summary>
    /// A broadcaster bouquet must cost at least this share of its channels' à-la-carte sum (India NTO 2.0: 2/3,
    /// i.e. a discount of at most 33 %). Null: no floor.
    /// </summary>
    public decimal? BroadcasterBouquetMinimumShare { get; init; }

    /// <summary>A bouquet may not hold the SD and the HD (or UHD) version of the same channel.</summary>
    public bool ForbidSdAndHdOfSameChannel { get; init; }

    /// <summary>Pay channels priced above this à la carte may not be part of any bouquet (India NTO 2017: 19 INR). Null: no cap.</summary>
    public decimal? BouquetChannelPriceCap { get; init; }

    /// <summary>Every pay channel in a bouquet must also be offered à la carte (have a price).</summary>
    public bool PayChannelsMustBeOfferedAlaCarte { get; init; }

    /// <summary>A broadcaster bouquet holds only that broadcaster's channels.</summary>
    public bool BroadcasterBouquetSingleBroadcaster { get; init; }

    /// <summary>A pay bouquet may not mix free-to-air and pay channels.</summary>
    public bool ForbidFreeToAirInPayBouquet { get; init; }

    /// <summary>Network capacity fee slabs; null when the regulator has none.</summary>
    public NetworkCapacityFeeSchedule? NetworkCapacityFee { get; init; }

    /// <summary>How long before it takes effect a price change must be announced to subscribers.</summary>
    public required TimeSpan PriceChangeNotice { get; init; }

    /// <summary>Price decreases may take effect without notice (they cannot hurt the subscriber).</summary>
    public bool PriceDecreasesWithoutNotice { get; init; } = true;

    /// <summary>Where the numbers come from (shown in reports and error messages).</summary>
    public string Source { get; init; } = "";

    /// <summary>
    /// India, TRAI New Regulatory Framework (Tariff Order and Interconnection Regulations 2017): NCF 130 INR for the
    /// first 100 SD channels and 20 INR per further 25 (HD = 2 SD), distributor bouquets ≥ 85 % of their channels'
    /// à-la-carte sum, no SD and HD of one channel in a bouquet, channels above 19 INR only à la carte, 30 days' notice.
    /// </summary>
    public static RegulatoryProfile India { get; } = new()
    {
        Code = "IN",
        Name = "India (TRAI NTO 2017)",
        Currency = "INR",
        DistributorBouquetMinimumShare = 0.85m,
        ForbidSdAndHdOfSameChannel = true,
        BouquetChannelPriceCap = 19.00m,
        PayChannelsMustBeOfferedAlaCarte = true,
        BroadcasterBouquetSingleBroadcaster = true,
        ForbidFreeToAirInPayBouquet = true,
        NetworkCapacityFee = new NetworkCapacityFeeSchedule(130.00m, 100, 20.00m, 25, 2, "INR"),
        PriceChangeNotice = TimeSpan.FromDays(30),
        Source = "TRAI Telecommunication (Broadcasting and Cable) Services (Eighth) (Addressable Systems) Tariff Order 2017",
    };

    /// <summary>United States: 30 days' written notice of rate changes (47 CFR 76.1603(b)); no bouquet price rules.</summary>
    public static RegulatoryProfile UnitedStates { get; } = new()
    {
        Code = "US",
        Name = "United States (FCC)",
        Currency = "USD",
        BroadcasterBouquetSingleBroadcaster = true,
        PriceChangeNotice = TimeSpan.FromDays(30),
        Source = "47 CFR 76.1603",
    };

    /// <summary>European Union: contract changes notified at least one month ahead (EECC Art. 105(4)).</summary>
    public static RegulatoryProfile EuropeanUnion { get; } = new()
    {
        Code = "EU",
        Name = "European Union (EECC)",
        Currency = "EUR",
        BroadcasterBouquetSingleBroadcaster = true,
        PriceChangeNotice = TimeSpan.FromDays(30),
        PriceDecreasesWithoutNotice = true,
        Source = "Directive (EU) 2018/1972 Art. 105(4)",
    };

    public static IReadOnlyList<RegulatoryProfile> All { get; } = [India, UnitedStates, EuropeanUnion];

    /// <summary>The profile for "IN" / "US" / "EU" (case-insensitive).</summary>
    public static RegulatoryProfile FromCode(string code) =>
        All.FirstOrDefault(p => string.Equals(p.Code, code?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown regulatory profile '{code}' (expected one of {string.Join(", ", All.Select(p => p.Code))})", nameof(code));

    /// <summary>A rule code of this profile: <c>IN-BOUQUET-85</c>.</summary>
    public string Rule(string name) => $"{Code}-{name}";
}

/// <summary>
/// Network capacity fee: <see cref="BaseFee"/> covers the first <see cref="BaseSdChannels"/> SD channels, each
/// further <see cref="SlabSdChannels"/> (or part) costs <see cref="SlabFee"/>; an HD channel counts as
/// <see cref="HdWeight"/> SD channels.
/// </summary>
public sealed record NetworkCapacityFeeSchedule(decimal BaseFee, int BaseSdChannels, decimal SlabFee, int SlabSdChannels, int HdWeight, string Currency)
{
    public NetworkCapacityFee Calculate(int sdChannels, int hdChannels)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sdChannels);
        ArgumentOutOfRangeException.ThrowIfNegative(hdChannels);
        var sdEquivalents = sdChannels + (hdChannels * HdWeight);
        var beyond = Math.Max(0, sdEquivalents - BaseSdChannels);
        var slabs = (beyond + SlabSdChannels - 1) / SlabSdChannels;
        var fee = BaseFee + (slabs * SlabFee);
        var ci = System.Globalization.CultureInfo.InvariantCulture;
        var further = slabs > 0 ? string.Create(ci, $" + {slabs} × {SlabFee:0.00} per further {SlabSdChannels}") : "";
        return new NetworkCapacityFee(sdChannels, hdChannels, sdEquivalents, slabs, new Money(fee, Currency),
            string.Create(ci, $"{sdChannels} SD + {hdChannels} HD × {HdWeight} = {sdEquivalents} SD equivalents: base {BaseFee:0.00} for the first {BaseSdChannels}{further} = {fee:0.00} {Currency}"));
    }
}

/// <summary>The NCF for a channel count, with the arithmetic spelled out.</summary>
public sealed record NetworkCapacityFee(int SdChannels, int HdChannels, int SdEquivalents, int AdditionalSlabs, Money Fee, string Explanation);
