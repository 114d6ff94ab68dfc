using CableHub.Core;
using CableHub.Catalog;
using CableHub.Catalog.Contracts;

using CableHub.Modules.Testing;

namespace CableHub.Catalog.Tests;

/// <summary>The regulatory profiles' rules as pure functions.</summary>
public sealed class CatalogRuleTests
{
    private static readonly Guid Star = Guid.NewGuid();
    private static readonly Guid Sony = Guid.NewGuid();
    private static readonly Guid StarPlusId = Guid.NewGuid();

    private static ChannelFacts Pay(string code, decimal price, Guid? broadcaster = null, string definition = "SD", Guid? hdOf = null, Guid? id = null) =>
        new(id ?? Guid.NewGuid(), code, code, broadcaster ?? Star, definition, hdOf, new Money(price, "INR"), false, ChannelStatus.Active);

    private static BouquetFacts Distributor(decimal price, params ChannelFacts[] channels) =>
        new("HINDI-VALUE", "Hindi Value", BouquetKind.DistributorBouquet, null, null, new Money(price, "INR"), BouquetStatus.Active, channels);

    private static readonly ChannelFacts[] FiveChannels =
        [Pay("STARPLUS", 19m), Pay("STARGOLD", 10m), Pay("SONYSET", 19m, Sony), Pay("SONYMAX", 15m, Sony), Pay("ZEETV", 12m)];

    [Theory]
    [InlineData(0, 0, 0, 130.00)]
    [InlineData(100, 0, 0, 130.00)]
    [InlineData(101, 0, 1, 150.00)]
    [InlineData(125, 0, 1, 150.00)]
    [InlineData(126, 0, 2, 170.00)]
    [InlineData(80, 10, 0, 130.00)]
    [InlineData(80, 11, 1, 150.00)]
    [InlineData(150, 40, 6, 250.00)]
    public void India_network_capacity_fee_counts_hd_as_two_sd_and_charges_per_started_slab_of_25(int sd, int hd, int slabs, decimal fee)
    {
        var ncf = RegulatoryProfile.India.NetworkCapacityFee!.Calculate(sd, hd);

        ncf.SdEquivalents.ShouldBe(sd + (2 * hd));
        ncf.AdditionalSlabs.ShouldBe(slabs);
        ncf.Fee.ShouldBe(new Money(fee, "INR"));
        ncf.Explanation.ShouldContain($"= {fee:0.00} INR");
    }

    [Fact]
    public void Us_and_eu_profiles_have_no_network_capacity_fee_and_name_their_rules_by_prefix()
    {
        RegulatoryProfile.UnitedStates.NetworkCapacityFee.ShouldBeNull();
        RegulatoryProfile.EuropeanUnion.NetworkCapacityFee.ShouldBeNull();
        RegulatoryProfile.FromCode("eu").ShouldBeSameAs(RegulatoryProfile.EuropeanUnion);
        RegulatoryProfile.India.Rule("BOUQUET-85").ShouldBe("IN-BOUQUET-85");
        Should.Throw<ArgumentException>(() => RegulatoryProfile.FromCode("XX")).Message.ShouldContain("IN, US, EU");
    }

    [Fact]
    public void Distributor_bouquet_below_85_percent_of_its_channels_is_refused_with_the_numbers()
    {
        var violations = CatalogRules.CheckBouquet(Distributor(60m, FiveChannels), RegulatoryProfile.India);

        var v = violations.ShouldHaveSingleItem();
        v.Code.ShouldBe("IN-BOUQUET-85");
        v.Field.ShouldBe("price");
        v.Message.ShouldContain("60.00 INR");
        v.Message.ShouldContain("85%");
        v.Message.ShouldContain("5 pay channels");
        v.Message.ShouldContain("75.00 × 0.85 = 63.75 INR");
    }

    [Fact]
    public void Distributor_bouquet_at_exactly_85_percent_complies_and_free_to_air_channels_do_not_count()
    {
        CatalogRules.CheckBouquet(Distributor(63.75m, FiveChannels), RegulatoryProfile.India).ShouldBeEmpty();
        CatalogRules.CheckBouquet(Distributor(63.74m, FiveChannels), RegulatoryProfile.India).Single().Code.ShouldBe("IN-BOUQUET-85");

        var withFta = new BouquetFacts("B", "B", BouquetKind.Base, null, null, null, BouquetStatus.Active,
            [new ChannelFacts(Guid.NewGuid(), "DDNATIONAL", "DD National", Guid.NewGuid(), "SD", null, null, true, ChannelStatus.Active)]);
        CatalogRules.CheckBouquet(withFta, RegulatoryProfile.India).ShouldBeEmpty();
    }

    [Fact]
    public void Sd_and_hd_of_one_channel_in_a_bouquet_are_refused_in_india_but_not_in_the_us()
    {
        var sd = Pay("STARPLUS", 19m, id: StarPlusId);
        var hd = Pay("STARPLUSHD", 19m, definition: "HD", hdOf: StarPlusId);
        var bouquet = Distributor(40m, sd, hd);

        var v = CatalogRules.CheckBouquet(bouquet, RegulatoryProfile.India).ShouldHaveSingleItem();
        v.Code.ShouldBe("IN-BOUQUET-SD-HD");
        v.Message.ShouldContain("STARPLUS (SD) and STARPLUSHD (HD)");

        CatalogRules.CheckBouquet(bouquet with { Price = new Money(1m, "USD") }, RegulatoryProfile.UnitedStates).ShouldBeEmpty();
    }

    [Fact]
    public void Hd_and_uhd_versions_of_one_sd_channel_also_count_as_the_same_channel()
    {
        var hd = Pay("STARPLUSHD", 19m, definition: "HD", hdOf: StarPlusId);
        var uhd = Pay("STARPLUS4K", 19m, definition: "UHD", hdOf: StarPlusId);

        CatalogRules.CheckBouquet(Distributor(40m, hd, uhd), RegulatoryProfile.India).Single().Code.ShouldBe("IN-BOUQUET-SD-HD");
    }

    [Fact]
    public void Channels_above_the_cap_or_without_an_a_la_carte_price_cannot_be_in_an_indian_bouquet()
    {
        var premium = Pay("STARMOVIESSELECT", 25m, definition: "HD");
        var unpriced = new ChannelFacts(Guid.NewGuid(), "UNPRICED", "Unpriced", Star, "SD", null, null, false, ChannelStatus.Active);

        var codes = CatalogRules.CheckBouquet(Distributor(100m, premium, unpriced, Pay("STARGOLD", 10m)), RegulatoryProfile.India).Select(v => v.Code).ToList();

        codes.ShouldBe(["IN-ALACARTE-REQUIRED", "IN-BOUQUET-PRICE-CAP"], ignoreOrder: true);
    }

    [Fact]
    public void Broadcaster_bouquet_holds_only_its_broadcasters_pay_channels()
    {
        var fta = new ChannelFacts(Guid.NewGuid(), "STARUTSAV", "Star Utsav", Star, "SD", null, null, true, ChannelStatus.Active);
        var bouquet = new BouquetFacts("STAR-VALUE", "Star Value", BouquetKind.BroadcasterBouquet, Star, "STAR", new Money(30m, "INR"), BouquetStatus.Active,
            [Pay("STARPLUS", 19m), Pay("SONYSET", 19m, Sony), fta]);

        var violations = CatalogRules.CheckBouquet(bouquet, RegulatoryProfile.India);

        violations.Select(v => v.Code).ShouldBe(["IN-BOUQUET-FTA-MIX", "IN-BROADCASTER-BOUQUET-OWNER"], ignoreOrder: true);
        violations.Single(v => v.Code == "IN-BROADCASTER-BOUQUET-OWNER").Message.ShouldContain("SONYSET");
    }

    [Fact]
    public void Retired_channels_empty_bouquets_and_foreign_currencies_are_refused_everywhere()
    {
        var retired = Pay("OLD", 5m) with { Status = ChannelStatus.Retired };
        CatalogRules.CheckBouquet(Distributor(10m, retired), RegulatoryProfile.India).Select(v => v.Code).ShouldContain(CatalogRuleCodes.ChannelRetired);
        CatalogRules.CheckBouquet(Distributor(10m), RegulatoryProfile.India).Select(v => v.Code).ShouldContain(CatalogRuleCodes.BouquetEmpty);
        CatalogRules.CheckBouquet(Distributor(70m, FiveChannels) with { Price = new Money(70m, "USD") }, RegulatoryProfile.India)
            .Select(v => v.Code).ShouldContain(CatalogRuleCodes.Currency);
        CatalogRules.CheckBouquet(Distributor(1m, FiveChannels) with { Status = BouquetStatus.Retired }, RegulatoryProfile.India).ShouldBeEmpty();
    }

    [Fact]
    public void A_price_increase_needs_the_profiles_notice_a_decrease_does_not()
    {
        var now = new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero);
        var before = new Money(15m, "INR");

        var early = CatalogRules.CheckPriceChange("channel SONYMAX", before, new Money(19m, "INR"), now.AddDays(10), now, RegulatoryProfile.India).ShouldHaveSingleItem();
        early.Code.ShouldBe("IN-PRICE-NOTICE");
        early.Message.ShouldContain("30 days");
        early.Message.ShouldContain("earliest 2026-02-04 10:00 UTC");

        CatalogRules.CheckPriceChange("channel SONYMAX", before, new Money(19m, "INR"), now.AddDays(30), now, RegulatoryProfile.India).ShouldBeEmpty();
        CatalogRules.CheckPriceChange("channel SONYMAX", before, new Money(12m, "INR"), now, now, RegulatoryProfile.India).ShouldBeEmpty();
        CatalogRules.CheckPriceChange("channel SONYMAX", before, new Money(19m, "USD"), now.AddDays(20), now, RegulatoryProfile.UnitedStates)
            .Select(v => v.Code).ShouldBe(["US-PRICE-NOTICE"]);
        CatalogRules.CheckPriceChange("channel SONYMAX", before, new Money(12m, "INR"), now.AddDays(-1), now, RegulatoryProfile.India)
            .Single().Code.ShouldBe(CatalogRuleCodes.PriceInPast);
        CatalogRules.CheckPriceChange("channel SONYMAX", before, before, now.AddDays(40), now, RegulatoryProfile.India)
            .Single().Code.ShouldBe(CatalogRuleCodes.PriceUnchanged);
    }

    [Fact]
    public void Hd_pairing_must_point_from_an_hd_channel_to_an_sd_channel()
    {
        var sd = Pay("STARPLUS", 19m, id: StarPlusId);
        var hd = Pay("STARPLUSHD", 19m, definition: "HD", hdOf: StarPlusId);

        CatalogRules.CheckChannel(hd, sd, RegulatoryProfile.India).ShouldBeEmpty();
        CatalogRules.CheckChannel(sd with { HdOfChannelId = hd.Id }, hd, RegulatoryProfile.India).Select(v => v.Code).ShouldAllBe(c => c == CatalogRuleCodes.HdPairing);
        CatalogRules.CheckChannel(hd, null, RegulatoryProfile.India).Single().Message.ShouldContain("does not exist");
    }
}
