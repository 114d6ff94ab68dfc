using CableHub.Core;
using CableHub.Catalog;
using CableHub.Catalog.Contracts;
using CableHub.Testing;
using Dapper;

using CableHub.Modules.Testing;

namespace CableHub.Catalog.Tests;

/// <summary>Effective-dated prices: notice periods, bouquet floors at the effective instant, notices and events.</summary>
public sealed class PricingTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static Money Inr(decimal amount) => new(amount, "INR");

    [Fact]
    public async Task An_increase_announced_too_late_is_refused_with_the_notice_rule()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var now = db.Clock.GetUtcNow();

        var ex = await Should.ThrowAsync<CatalogRuleException>(() => db.Pricing().AnnounceAsync(
            [new PriceChangeRequest(PricedItemKind.Channel, db.Channel("SONYMAX"), Inr(19m), now.AddDays(10))]));

        var v = ex.Violations.ShouldHaveSingleItem();
        v.Code.ShouldBe("IN-PRICE-NOTICE");
        v.Message.ShouldContain("channel SONYMAX: the change from 15.00 to 19.00 INR must be announced 30 days before it takes effect");
        await using var conn = await db.DataSource.OpenConnectionAsync();
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.catalog_price")).ShouldBe(0);
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.price_change_notice")).ShouldBe(0);
    }

    [Fact]
    public async Task An_announced_increase_records_a_notice_for_the_active_subscribers_and_takes_effect_on_its_day()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var now = db.Clock.GetUtcNow();
        var effective = now.AddDays(31);
        var pricing = db.Pricing();

        var announcement = await pricing.AnnounceAsync(
            [new PriceChangeRequest(PricedItemKind.Channel, db.Channel("SONYMAX"), Inr(19m), effective, "broadcaster RIO 2026")], "pm@example.in");

        var notice = announcement.Notices.ShouldHaveSingleItem();
        notice.ItemCode.ShouldBe("SONYMAX");
        notice.OldPrice.ShouldBe(Inr(15m));
        notice.NewPrice.ShouldBe(Inr(19m));
        notice.NoticeDays.ShouldBe(31);
        notice.AffectedSubscribers.ShouldBe(2);
        notice.RegulatoryProfile.ShouldBe("IN");
        var evt = announcement.Events.ShouldHaveSingleItem().ShouldBeOfType<ChannelPriceChangeAnnounced>();
        evt.NoticeId.ShouldBe(notice.Id);
        evt.AffectedSubscribers.ShouldBe(2);
        evt.EffectiveFrom.ShouldBe(effective);

        var notices = db.Get<PriceChangeNoticeStore>();
        (await notices.ListAsync(PriceChangeNoticeStatus.Pending)).Single().Id.ShouldBe(notice.Id);
        var customers = new List<Guid>();
        await foreach (var c in notices.AffectedCustomersAsync(notice.Id))
        {
            customers.Add(c);
        }

        customers.ShouldBe(db.ActiveCustomers, ignoreOrder: true);
        (await notices.MarkSentAsync(notice.Id, now)).ShouldBeTrue();
        (await notices.MarkSentAsync(notice.Id, now)).ShouldBeFalse();

        var lineup = db.Lineup();
        (await lineup.GetChannelAsync(db.Channel("SONYMAX")))!.AlaCartePrice.ShouldBe(Inr(15m));
        (await lineup.GetChannelAsync(db.Channel("SONYMAX"), effective))!.AlaCartePrice.ShouldBe(Inr(19m));
        (await pricing.ApplyDueAsync()).ShouldBe(0);

        db.Clock.SetUtcNow(effective.AddMinutes(1));
        (await pricing.ApplyDueAsync()).ShouldBe(1);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        (await conn.ExecuteScalarAsync<decimal>("SELECT a_la_carte_price FROM hub.channel WHERE code = 'SONYMAX'")).ShouldBe(19m);
        var timeline = await pricing.ListPricesAsync(db.Channel("SONYMAX"));
        timeline.Single().Status.ShouldBe(ScheduledPriceStatus.InForce);
    }

    [Fact]
    public async Task Channel_increases_that_push_a_bouquet_below_its_floor_are_refused_unless_the_bouquet_rises_with_them()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var effective = db.Clock.GetUtcNow().AddDays(36);
        PriceChangeRequest[] channels =
        [
            new(PricedItemKind.Channel, db.Channel("ZEETV"), Inr(19m), effective),
            new(PricedItemKind.Channel, db.Channel("SONYMAX"), Inr(19m), effective),
            new(PricedItemKind.Channel, db.Channel("STARGOLD"), Inr(19m), effective),
        ];

        var ex = await Should.ThrowAsync<CatalogRuleException>(() => db.Pricing().AnnounceAsync(channels));
        var v = ex.Violations.ShouldHaveSingleItem();
        v.Code.ShouldBe("IN-BOUQUET-85");
        v.Message.ShouldContain("distributor bouquet HINDI-VALUE costs 70.00 INR on 2026-02-10 10:00 UTC");
        v.Message.ShouldContain("95.00 × 0.85 = 80.75 INR");

        var announcement = await db.Pricing().AnnounceAsync([.. channels, new(PricedItemKind.Bouquet, db.HindiValueId, Inr(85m), effective)]);
        announcement.Notices.Count.ShouldBe(4);
        announcement.Events.OfType<ChannelPriceChangeAnnounced>().Count().ShouldBe(3);
        var bouquet = announcement.Events.OfType<BouquetPriceChangeAnnounced>().Single();
        bouquet.BouquetCode.ShouldBe("HINDI-VALUE");
        bouquet.OldPrice.ShouldBe(Inr(70m));
        bouquet.AffectedSubscribers.ShouldBe(2);
        (await db.Lineup().GetBouquetAsync(db.HindiValueId, effective))!.Price.ShouldBe(Inr(85m));
    }

    [Fact]
    public async Task A_change_is_checked_against_every_price_already_scheduled_after_it()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var now = db.Clock.GetUtcNow();
        var pricing = db.Pricing();

        // A bouquet decrease in 40 days to 64.00 complies (floor 63.75) …
        await pricing.AnnounceAsync([new PriceChangeRequest(PricedItemKind.Bouquet, db.HindiValueId, Inr(64m), now.AddDays(40))]);

        // … so a channel increase in 35 days, fine on its own day (floor 67.15 < 70.00), breaks it five days later.
        var ex = await Should.ThrowAsync<CatalogRuleException>(() => pricing.AnnounceAsync(
            [new PriceChangeRequest(PricedItemKind.Channel, db.Channel("SONYMAX"), Inr(19m), now.AddDays(35))]));
        ex.Violations.Single().Message.ShouldContain("costs 64.00 INR on 2026-02-14 10:00 UTC");
    }

    [Fact]
    public async Task A_decrease_may_take_effect_at_once_but_not_below_the_floor()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var now = db.Clock.GetUtcNow();
        var pricing = db.Pricing();

        (await Should.ThrowAsync<CatalogRuleException>(() => pricing.AnnounceAsync(
            [new PriceChangeRequest(PricedItemKind.Bouquet, db.HindiValueId, Inr(60m), now)]))).Violations.Single().Code.ShouldBe("IN-BOUQUET-85");

        var announcement = await pricing.AnnounceAsync([new PriceChangeRequest(PricedItemKind.Bouquet, db.HindiValueId, Inr(65m), now)]);

        announcement.Notices.Single().NoticeDays.ShouldBe(0);
        announcement.Prices.Single().Status.ShouldBe(ScheduledPriceStatus.InForce);
        (await db.Lineup().GetBouquetAsync(db.HindiValueId))!.Price.ShouldBe(Inr(65m));
        await using var conn = await db.DataSource.OpenConnectionAsync();
        (await conn.ExecuteScalarAsync<decimal>("SELECT price FROM hub.package WHERE code = 'HINDI-VALUE'")).ShouldBe(65m);
    }

    [Fact]
    public async Task Cancelling_the_bouquet_increase_that_keeps_a_channel_increase_legal_is_refused()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var effective = db.Clock.GetUtcNow().AddDays(45);
        var pricing = db.Pricing();
        var announcement = await pricing.AnnounceAsync(
        [
            new(PricedItemKind.Channel, db.Channel("ZEETV"), Inr(19m), effective),
            new(PricedItemKind.Channel, db.Channel("STARGOLD"), Inr(19m), effective),
            new(PricedItemKind.Bouquet, db.HindiValueId, Inr(80m), effective),
        ]);
        var bouquetPrice = announcement.Prices.Single(p => p.ItemKind == PricedItemKind.Bouquet);
        var zeePrice = announcement.Prices.Single(p => p.ItemCode == "ZEETV");

        (await Should.ThrowAsync<CatalogRuleException>(() => pricing.CancelAsync(bouquetPrice.Id))).Violations.Single().Code.ShouldBe("IN-BOUQUET-85");
        (await pricing.GetPriceAsync(bouquetPrice.Id))!.Status.ShouldBe(ScheduledPriceStatus.Scheduled);

        (await pricing.CancelAsync(zeePrice.Id)).ShouldBeTrue();
        (await pricing.CancelAsync(zeePrice.Id)).ShouldBeFalse();
        var notices = await db.Get<PriceChangeNoticeStore>().ListAsync();
        notices.Single(n => n.ItemCode == "ZEETV").Status.ShouldBe(PriceChangeNoticeStatus.Cancelled);
        (await pricing.ListPricesAsync(db.Channel("ZEETV"))).ShouldBeEmpty();
    }

    [Fact]
    public async Task Two_changes_of_one_item_at_the_same_instant_conflict()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var effective = db.Clock.GetUtcNow().AddDays(31);
        await db.Pricing().AnnounceAsync([new PriceChangeRequest(PricedItemKind.Channel, db.Channel("SONYSAB"), Inr(6m), effective)]);

        var ex = await Should.ThrowAsync<CatalogRuleException>(() => db.Pricing().AnnounceAsync(
            [new PriceChangeRequest(PricedItemKind.Channel, db.Channel("SONYSAB"), Inr(7m), effective)]));

        ex.Violations.Single().Code.ShouldBe("CAT-PRICE-CONFLICT");
    }

    [Fact]
    public async Task The_timeline_closes_each_price_where_the_next_begins()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var now = db.Clock.GetUtcNow();
        await db.Pricing().AnnounceAsync([new PriceChangeRequest(PricedItemKind.Channel, db.Channel("SONYSAB"), Inr(6m), now.AddDays(31))]);
        await db.Pricing().AnnounceAsync([new PriceChangeRequest(PricedItemKind.Channel, db.Channel("SONYSAB"), Inr(7m), now.AddDays(62))]);

        var timeline = await db.Pricing().ListPricesAsync(db.Channel("SONYSAB"));

        timeline.Select(p => p.Price.Amount).ShouldBe([6m, 7m]);
        timeline[0].EffectiveTo.ShouldBe(now.AddDays(62));
        timeline[1].EffectiveTo.ShouldBeNull();
        (await db.Lineup().GetChannelAsync(db.Channel("SONYSAB"), now.AddDays(45)))!.AlaCartePrice.ShouldBe(Inr(6m));
    }
}
