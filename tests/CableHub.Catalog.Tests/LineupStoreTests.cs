using CableHub.Core;
using CableHub.Catalog;
using CableHub.Catalog.Contracts;
using CableHub.Testing;
using Dapper;

using CableHub.Modules.Testing;

namespace CableHub.Catalog.Tests;

/// <summary>Channels and bouquets in PostgreSQL: rule-checked writes refuse with the rule named and write nothing.</summary>
public sealed class LineupStoreTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static Money Inr(decimal amount) => new(amount, "INR");

    [Fact]
    public async Task The_seeded_line_up_reads_back_in_lcn_order_with_its_hd_pairing_and_passes_the_catalog_check()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var lineup = db.Lineup();

        var channels = await lineup.ListChannelsAsync();
        channels.Select(c => c.Lcn).ShouldBeInOrder();
        channels.Count.ShouldBe(CatalogDatabase.Channels.Length);
        var hd = channels.Single(c => c.Code == "STARPLUSHD");
        hd.HdOfChannelId.ShouldBe(db.Channel("STARPLUS"));
        hd.ProgrammeGroup.ShouldBe(db.Channel("STARPLUS"));
        channels.Single(c => c.Code == "DDNATIONAL").AlaCartePrice.ShouldBeNull();
        (await lineup.ListChannelsAsync(new ChannelFilter(BroadcasterCode: "SONY"))).Select(c => c.Code).ShouldBe(["SONYSET", "SONYMAX", "SONYSAB"]);

        var hindi = (await lineup.GetBouquetByCodeAsync("HINDI-VALUE")).ShouldNotBeNull();
        hindi.Price.ShouldBe(Inr(70m));
        hindi.ChannelIds.Count.ShouldBe(5);
        (await lineup.CheckCatalogAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_distributor_bouquet_below_the_floor_is_refused_with_the_rule_named_and_nothing_is_written()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var lineup = db.Lineup();

        var ex = await Should.ThrowAsync<CatalogRuleException>(() => lineup.CreateBouquetAsync(
            new NewBouquet("CHEAP", "Cheap", BouquetKind.DistributorBouquet, ["STARPLUS", "SONYSET", "ZEETV"], Inr(40m))));

        var v = ex.Violations.ShouldHaveSingleItem();
        v.Code.ShouldBe("IN-BOUQUET-85");
        v.Message.ShouldContain("50.00 × 0.85 = 42.50 INR");
        ex.Message.ShouldStartWith("IN-BOUQUET-85: ");
        await using var conn = await db.DataSource.OpenConnectionAsync();
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.package WHERE code = 'CHEAP'")).ShouldBe(0);
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.catalog_price")).ShouldBe(0);
    }

    [Fact]
    public async Task A_bouquet_with_sd_and_hd_of_one_channel_is_refused_but_the_same_bouquet_is_fine_under_the_us_profile()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);

        var ex = await Should.ThrowAsync<CatalogRuleException>(() => db.Lineup().CreateBouquetAsync(
            new NewBouquet("STARPLUS-ALL", "Star Plus both", BouquetKind.DistributorBouquet, ["STARPLUS", "STARPLUSHD"], Inr(35m))));
        ex.Violations.Single().Code.ShouldBe("IN-BOUQUET-SD-HD");

        var us = RegulatoryProfile.India with { Code = "US", Name = "US test", ForbidSdAndHdOfSameChannel = false, DistributorBouquetMinimumShare = null };
        var created = await db.Lineup(us).CreateBouquetAsync(
            new NewBouquet("STARPLUS-ALL", "Star Plus both", BouquetKind.DistributorBouquet, ["STARPLUS", "STARPLUSHD"], Inr(35m)));
        created.ChannelIds.ShouldBe([db.Channel("STARPLUS"), db.Channel("STARPLUSHD")], ignoreOrder: true);
    }

    [Fact]
    public async Task A_valid_bouquet_is_stored_with_its_price_validity_and_initial_price_entry()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var validFrom = db.Clock.GetUtcNow();

        var bouquet = await db.Lineup().CreateBouquetAsync(new NewBouquet(
            "SONY-HAPPY", "Sony Happy India", BouquetKind.BroadcasterBouquet, ["SONYSET", "SONYMAX", "SONYSAB"], Inr(31m),
            BroadcasterCode: "SONY", ValidFrom: validFrom, ValidTo: validFrom.AddYears(1)), "tester");

        bouquet.Code.ShouldBe("SONY-HAPPY");
        bouquet.Price.ShouldBe(Inr(31m));
        bouquet.ValidTo.ShouldBe(validFrom.AddYears(1));
        bouquet.ChannelIds.Count.ShouldBe(3);
        var prices = await db.Pricing().ListPricesAsync(bouquet.Id);
        var initial = prices.ShouldHaveSingleItem();
        initial.Status.ShouldBe(ScheduledPriceStatus.InForce);
        initial.Price.ShouldBe(Inr(31m));
        initial.EffectiveTo.ShouldBeNull();
    }

    [Fact]
    public async Task A_broadcaster_bouquet_with_another_broadcasters_channel_and_unknown_codes_is_refused_with_every_reason()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);

        var unknown = await Should.ThrowAsync<CatalogRuleException>(() => db.Lineup().CreateBouquetAsync(new NewBouquet(
            "STAR-MIX", "Star mix", BouquetKind.BroadcasterBouquet, ["STARPLUS", "NOPE1", "NOPE2"], Inr(19m), BroadcasterCode: "STAR")));
        unknown.Violations.Single().Message.ShouldBe("unknown channel code(s): NOPE1, NOPE2");

        var foreign = await Should.ThrowAsync<CatalogRuleException>(() => db.Lineup().CreateBouquetAsync(new NewBouquet(
            "STAR-MIX", "Star mix", BouquetKind.BroadcasterBouquet, ["STARPLUS", "ZEETV"], Inr(31m), BroadcasterCode: "STAR")));
        foreign.Violations.Single().Code.ShouldBe("IN-BROADCASTER-BOUQUET-OWNER");
    }

    [Fact]
    public async Task Channels_are_created_with_their_hd_pairing_and_bad_pairings_or_taken_numbers_are_refused()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var lineup = db.Lineup();

        var zeeHd = await lineup.CreateChannelAsync(new NewChannel("ZEETVHD", "Zee TV HD", "ZEE", "GEC", "hi", "HD", 311, "CAS-ZEETVHD", Inr(19m), HdOfChannelCode: "ZEETV"));
        zeeHd.HdOfChannelId.ShouldBe(db.Channel("ZEETV"));
        zeeHd.AlaCartePrice.ShouldBe(Inr(19m));

        var pairedToHd = await Should.ThrowAsync<CatalogRuleException>(() => lineup.CreateChannelAsync(
            new NewChannel("ZEETV4K", "Zee TV 4K", "ZEE", "GEC", "hi", "UHD", 312, "CAS-ZEETV4K", Inr(19m), HdOfChannelCode: "ZEETVHD")));
        pairedToHd.Violations.Single().Code.ShouldBe(CatalogRuleCodes.HdPairing);

        var taken = await Should.ThrowAsync<CatalogRuleException>(() => lineup.CreateChannelAsync(
            new NewChannel("ZEETVHD", "Again", "NOBODY", "GEC", "hi", "HD", 101, "CAS-ZEETVHD", Inr(5m))));
        taken.Violations.Select(v => (v.Code, v.Field)).ShouldBe(
            [(CatalogRuleCodes.NotFound, "broadcaster"), (CatalogRuleCodes.CodeTaken, "code"), (CatalogRuleCodes.LcnTaken, "lcn"), (CatalogRuleCodes.CodeTaken, "casProductId")],
            ignoreOrder: true);

        var usd = await Should.ThrowAsync<CatalogRuleException>(() => lineup.CreateChannelAsync(
            new NewChannel("ZEEANMOL", "Zee Anmol", "ZEE", "GEC", "hi", "SD", 313, "CAS-ZEEANMOL", new Money(1m, "USD"))));
        usd.Violations.Single().Code.ShouldBe(CatalogRuleCodes.Currency);
    }

    [Fact]
    public async Task Pairing_a_channel_already_in_a_bouquet_with_its_sd_version_is_refused_and_so_is_adding_the_hd_version()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var lineup = db.Lineup();
        var zeeHd = await lineup.CreateChannelAsync(new NewChannel("ZEETVHD", "Zee TV HD", "ZEE", "GEC", "hi", "HD", 311, "CAS-ZEETVHD", Inr(5m)));

        // 75 + 5 = 80 à la carte, floor 68.00: the 70.00 bouquet stays above it. Adding the (not yet paired) HD channel is fine; pairing it afterwards would put SD and HD together.
        await lineup.UpdateBouquetAsync(db.HindiValueId, new BouquetChange(ChannelCodes: [.. CatalogDatabase.HindiValueChannels, "ZEETVHD"]));
        var pairing = await Should.ThrowAsync<CatalogRuleException>(() => lineup.UpdateChannelAsync(zeeHd.Id, new ChannelChange(HdOfChannelCode: "ZEETV")));
        pairing.Violations.Single().Code.ShouldBe("IN-BOUQUET-SD-HD");
        (await lineup.GetChannelAsync(zeeHd.Id))!.HdOfChannelId.ShouldBeNull();

        await lineup.UpdateBouquetAsync(db.HindiValueId, new BouquetChange(ChannelCodes: CatalogDatabase.HindiValueChannels));
        await lineup.UpdateChannelAsync(zeeHd.Id, new ChannelChange(HdOfChannelCode: "ZEETV"));
        var adding = await Should.ThrowAsync<CatalogRuleException>(() => lineup.UpdateBouquetAsync(db.HindiValueId,
            new BouquetChange(ChannelCodes: [.. CatalogDatabase.HindiValueChannels, "ZEETVHD"])));
        adding.Violations.Single().Message.ShouldContain("ZEETV (SD) and ZEETVHD (HD)");
        (await lineup.GetBouquetAsync(db.HindiValueId))!.ChannelIds.Count.ShouldBe(5);
    }

    [Fact]
    public async Task A_channel_in_a_bouquet_cannot_be_retired_until_it_leaves_the_bouquet()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var lineup = db.Lineup();

        var ex = await Should.ThrowAsync<CatalogRuleException>(() => lineup.UpdateChannelAsync(db.Channel("ZEETV"), new ChannelChange(Status: ChannelStatus.Retired)));
        ex.Violations.Single().Code.ShouldBe(CatalogRuleCodes.ChannelRetired);

        await lineup.UpdateBouquetAsync(db.HindiValueId, new BouquetChange(ChannelCodes: ["STARPLUS", "STARGOLD", "SONYSET", "SONYMAX"]));
        (await lineup.UpdateChannelAsync(db.Channel("ZEETV"), new ChannelChange(Status: ChannelStatus.Retired))).Status.ShouldBe(ChannelStatus.Retired);
    }

    [Fact]
    public async Task The_catalog_check_lists_violations_of_data_written_around_the_rules()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync(
                """
                INSERT INTO hub.package (id, code, name, kind, price, currency) VALUES ('11111111-1111-1111-1111-111111111111', 'LEGACY', 'Legacy', 'distributor_bouquet', 10.00, 'INR');
                INSERT INTO hub.package_channel (package_id, channel_id) SELECT '11111111-1111-1111-1111-111111111111', id FROM hub.channel WHERE code IN ('STARPLUS', 'STARPLUSHD');
                """);
        }

        var violations = await db.Lineup().CheckCatalogAsync();

        violations.Select(v => v.Code).ShouldBe(["IN-BOUQUET-SD-HD", "IN-BOUQUET-85"], ignoreOrder: true);
        violations.ShouldAllBe(v => v.Message.Contains("LEGACY"));
    }

    [Fact]
    public async Task A_subscribers_network_capacity_fee_counts_their_entitled_channels()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var lineup = db.Lineup();

        var ncf = (await lineup.NetworkCapacityFeeForCustomerAsync(db.ActiveCustomers[0])).ShouldNotBeNull();
        ncf.SdChannels.ShouldBe(6);
        ncf.HdChannels.ShouldBe(0);
        ncf.Fee.ShouldBe(Inr(130m));
        (await lineup.NetworkCapacityFeeForCustomerAsync(db.TerminatedCustomer))!.SdChannels.ShouldBe(0);
        (await db.Lineup(RegulatoryProfile.UnitedStates).NetworkCapacityFeeForCustomerAsync(db.ActiveCustomers[0])).ShouldBeNull();
    }
}
