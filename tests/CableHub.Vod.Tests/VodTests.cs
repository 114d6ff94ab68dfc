using CableHub.Core;
using CableHub.Vod.Contracts;
using CableHub.Modules.Testing;
using CableHub.Testing;

namespace CableHub.Vod.Tests;

/// <summary>VOD: the title hierarchy, rights windows per territory, purchases and the one-time charges they create.</summary>
public sealed class VodTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static Money Inr(decimal amount) => new(amount, "INR");

    private static VodCatalog Catalog(CatalogDatabase db) => db.Get<VodCatalog>();

    private static VodPurchases Purchases(CatalogDatabase db) => db.Get<VodPurchases>();

    [Fact]
    public async Task Titles_form_series_season_episode_hierarchies_and_bad_parents_are_refused()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var vod = Catalog(db);

        var series = await vod.CreateTitleAsync(new NewVodTitle("PANCHAYAT", VodKind.Series, "Panchayat", Genres: ["comedy"], Languages: ["hi"], Rating: "U/A 13+", RatingSystem: "CBFC"));
        var season = await vod.CreateTitleAsync(new NewVodTitle("PANCHAYAT-S1", VodKind.Season, "Panchayat season 1", "PANCHAYAT", SeasonNumber: 1));
        var e1 = await vod.CreateTitleAsync(new NewVodTitle("PANCHAYAT-S1E1", VodKind.Episode, "Gram Panchayat Phulera", "PANCHAYAT-S1", SeasonNumber: 1, EpisodeNumber: 1, DurationMinutes: 32));
        await vod.CreateTitleAsync(new NewVodTitle("PANCHAYAT-S1E2", VodKind.Episode, "Aa Gaya Sachiv", "PANCHAYAT-S1", SeasonNumber: 1, EpisodeNumber: 2, DurationMinutes: 30));
        var movie = await vod.CreateTitleAsync(new NewVodTitle("LAAPATA", VodKind.Movie, "Laapataa Ladies", ReleaseYear: 2024, DurationMinutes: 124));

        season.ParentId.ShouldBe(series.Id);
        e1.ParentId.ShouldBe(season.Id);
        series.Genres.ShouldBe(["comedy"]);
        var details = (await vod.GetDetailsAsync(season.Id)).ShouldNotBeNull();
        details.Children.Select(c => c.EpisodeNumber).ShouldBe([1, 2]);
        (await vod.ListTitlesAsync()).Select(t => t.Code).ShouldBe(["LAAPATA", "PANCHAYAT"], ignoreOrder: true);

        (await Should.ThrowAsync<VodRuleException>(() => vod.CreateTitleAsync(new NewVodTitle("X1", VodKind.Episode, "Orphan"))))
            .Errors.Single().Code.ShouldBe(VodRuleCodes.Hierarchy);
        (await Should.ThrowAsync<VodRuleException>(() => vod.CreateTitleAsync(new NewVodTitle("X2", VodKind.Episode, "Under a movie", movie.Code))))
            .Errors.Single().Code.ShouldBe(VodRuleCodes.Hierarchy);
        (await Should.ThrowAsync<VodRuleException>(() => vod.CreateTitleAsync(new NewVodTitle("X3", VodKind.Season, "Season of a season", "PANCHAYAT-S1"))))
            .Errors.Single().Code.ShouldBe(VodRuleCodes.Hierarchy);
        var taken = await Should.ThrowAsync<VodRuleException>(() => vod.CreateTitleAsync(new NewVodTitle("LAAPATA", "trailer", "")));
        taken.Errors.Select(v => v.Field).ShouldBe(["title", "kind"], ignoreOrder: true);
    }

    [Fact]
    public async Task Rights_windows_decide_availability_per_territory_and_episodes_inherit_the_series_windows()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var vod = Catalog(db);
        var now = db.Clock.GetUtcNow();
        var series = await vod.CreateTitleAsync(new NewVodTitle("PANCHAYAT", VodKind.Series, "Panchayat"));
        var episode = await vod.CreateTitleAsync(new NewVodTitle("PANCHAYAT-E1", VodKind.Episode, "Episode 1", "PANCHAYAT", EpisodeNumber: 1));
        await vod.AddRightsWindowAsync(series.Id, "in", now.AddDays(-10), now.AddDays(20), "TVF");
        await vod.AddRightsWindowAsync(series.Id, "GB", now.AddDays(30), now.AddDays(60), "TVF");

        (await vod.AvailabilityAsync(episode.Id, "IN")).ShouldNotBeNull().Licensor.ShouldBe("TVF");
        (await vod.AvailabilityAsync(episode.Id, "GB")).ShouldBeNull();
        (await vod.AvailabilityAsync(episode.Id, "GB", now.AddDays(31))).ShouldNotBeNull();
        (await vod.AvailabilityAsync(episode.Id, "IN", now.AddDays(20))).ShouldBeNull();
        (await vod.GetDetailsAsync(episode.Id))!.RightsInherited.ShouldBeTrue();
        (await vod.ListTitlesAsync(territory: "IN")).Select(t => t.Code).ShouldBe(["PANCHAYAT"]);
        (await vod.ListTitlesAsync(territory: "US")).ShouldBeEmpty();

        // A window of the episode's own replaces the inherited ones.
        await vod.AddRightsWindowAsync(episode.Id, "WW", now.AddDays(100), now.AddDays(200));
        (await vod.AvailabilityAsync(episode.Id, "IN")).ShouldBeNull();
        (await vod.AvailabilityAsync(episode.Id, "US", now.AddDays(150))).ShouldNotBeNull();

        (await Should.ThrowAsync<VodRuleException>(() => vod.AddRightsWindowAsync(series.Id, "India", now, now.AddDays(1)))).Errors.Single().Code.ShouldBe(VodRuleCodes.Territory);
        (await Should.ThrowAsync<VodRuleException>(() => vod.AddRightsWindowAsync(series.Id, "IN", now, now))).Errors.Single().Field.ShouldBe("availableTo");
    }

    [Fact]
    public async Task A_rental_records_the_purchase_a_one_time_charge_and_both_events()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var (movie, rental, _) = await MovieAsync(db);
        var customer = db.ActiveCustomers[0];

        var result = await Purchases(db).PurchaseAsync(new VodPurchaseRequest(customer, rental.Id));

        var now = db.Clock.GetUtcNow();
        result.AlreadyExisted.ShouldBeFalse();
        result.Purchase.Territory.ShouldBe("IN");
        result.Purchase.Price.ShouldBe(Inr(49m));
        result.Purchase.AccessUntil.ShouldBe(now.AddHours(48));
        result.Purchase.BillingAccountId.ShouldBe(db.Id("account:1"));
        var charge = result.Charge.ShouldNotBeNull();
        charge.Kind.ShouldBe(OneTimeChargeKind.VodRental);
        charge.Amount.ShouldBe(Inr(49m));
        charge.Description.ShouldBe("VOD rental: Laapataa Ladies (48 h)");
        result.Events.OfType<VodTitlePurchased>().Single().TitleCode.ShouldBe(movie.Code);
        result.Events.OfType<OneTimeChargeCreated>().Single().ChargeId.ShouldBe(charge.Id);

        var unbilled = await Purchases(db).ListChargesAsync(db.Id("account:1"), "unbilled");
        unbilled.Single().SourceId.ShouldBe(result.Purchase.Id);
        (await Purchases(db).AccessAsync(customer, movie.Id)).ShouldNotBeNull().Id.ShouldBe(result.Purchase.Id);
        (await Purchases(db).AccessAsync(customer, movie.Id, now.AddHours(49))).ShouldBeNull();
    }

    [Fact]
    public async Task Outside_the_rights_window_or_territory_a_purchase_is_refused_and_nothing_is_charged()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var (_, rental, _) = await MovieAsync(db);
        var customer = db.ActiveCustomers[0];

        var abroad = await Should.ThrowAsync<VodRuleException>(() => Purchases(db).PurchaseAsync(new VodPurchaseRequest(customer, rental.Id, "US")));
        abroad.Errors.Single().Code.ShouldBe(VodRuleCodes.RightsWindow);
        abroad.Errors.Single().Message.ShouldContain("no rights window for that territory");

        db.Clock.Advance(TimeSpan.FromDays(40));
        var late = await Should.ThrowAsync<VodRuleException>(() => Purchases(db).PurchaseAsync(new VodPurchaseRequest(customer, rental.Id)));
        late.Errors.Single().Message.ShouldContain("rights windows there are 2025-12-26..2026-01-25");

        (await Purchases(db).ListChargesAsync(db.Id("account:1"))).ShouldBeEmpty();
        (await Purchases(db).ListPurchasesAsync(customer)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_rental_ends_with_the_rights_window_when_that_comes_first()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var (_, rental, _) = await MovieAsync(db);
        db.Clock.SetUtcNow(new DateTimeOffset(2026, 1, 24, 12, 0, 0, TimeSpan.Zero));

        var result = await Purchases(db).PurchaseAsync(new VodPurchaseRequest(db.ActiveCustomers[0], rental.Id));

        result.Purchase.AccessUntil.ShouldBe(new DateTimeOffset(2026, 1, 25, 10, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public async Task Renting_again_while_the_rental_runs_is_refused_and_an_external_id_makes_the_request_idempotent()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var (_, rental, purchase) = await MovieAsync(db);
        var customer = db.ActiveCustomers[0];
        var first = await Purchases(db).PurchaseAsync(new VodPurchaseRequest(customer, rental.Id, ExternalId: "portal-123"));

        var replay = await Purchases(db).PurchaseAsync(new VodPurchaseRequest(customer, rental.Id, ExternalId: "portal-123"));
        replay.AlreadyExisted.ShouldBeTrue();
        replay.Purchase.Id.ShouldBe(first.Purchase.Id);
        replay.Charge!.Id.ShouldBe(first.Charge!.Id);
        replay.Events.ShouldBeEmpty();

        var again = await Should.ThrowAsync<VodRuleException>(() => Purchases(db).PurchaseAsync(new VodPurchaseRequest(customer, purchase.Id)));
        again.Errors.Single().Code.ShouldBe(VodRuleCodes.AlreadyOwned);
        again.Errors.Single().Message.ShouldContain("until 2026-01-07 10:00 UTC (rental)");

        db.Clock.Advance(TimeSpan.FromHours(49));
        (await Purchases(db).PurchaseAsync(new VodPurchaseRequest(customer, purchase.Id))).Purchase.AccessUntil.ShouldBeNull();
        (await Purchases(db).ListChargesAsync(db.Id("account:1"))).Select(c => c.Amount.Amount).ShouldBe([49m, 199m]);
    }

    [Fact]
    public async Task A_season_purchase_opens_its_episodes_and_included_offers_need_the_plan()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var vod = Catalog(db);
        var now = db.Clock.GetUtcNow();
        var series = await vod.CreateTitleAsync(new NewVodTitle("PANCHAYAT", VodKind.Series, "Panchayat"));
        var season = await vod.CreateTitleAsync(new NewVodTitle("PANCHAYAT-S1", VodKind.Season, "Season 1", "PANCHAYAT", SeasonNumber: 1));
        var episode = await vod.CreateTitleAsync(new NewVodTitle("PANCHAYAT-S1E1", VodKind.Episode, "Episode 1", "PANCHAYAT-S1", EpisodeNumber: 1));
        await vod.AddRightsWindowAsync(series.Id, "IN", now.AddDays(-1), now.AddDays(365));
        var seasonPass = await vod.AddOfferAsync(season.Id, new NewVodOffer(VodModel.Purchase, Inr(299m)));
        var episodeRental = await vod.AddOfferAsync(episode.Id, new NewVodOffer(VodModel.Rental, Inr(25m), 24));
        var included = await vod.AddOfferAsync(series.Id, new NewVodOffer(VodModel.Included, PlanCode: "FAMILY-M"));

        await Purchases(db).PurchaseAsync(new VodPurchaseRequest(db.ActiveCustomers[0], seasonPass.Id));
        (await Purchases(db).AccessAsync(db.ActiveCustomers[0], episode.Id)).ShouldNotBeNull().TitleId.ShouldBe(season.Id);
        (await Should.ThrowAsync<VodRuleException>(() => Purchases(db).PurchaseAsync(new VodPurchaseRequest(db.ActiveCustomers[0], episodeRental.Id))))
            .Errors.Single().Code.ShouldBe(VodRuleCodes.AlreadyOwned);

        var free = await Purchases(db).PurchaseAsync(new VodPurchaseRequest(db.ActiveCustomers[1], included.Id));
        free.Charge.ShouldBeNull();
        free.Purchase.Price.ShouldBe(Inr(0m));
        free.Events.ShouldHaveSingleItem().ShouldBeOfType<VodTitlePurchased>();
        (await Purchases(db).ListChargesAsync(db.Id("account:2"))).ShouldBeEmpty();
        (await Should.ThrowAsync<VodRuleException>(() => Purchases(db).PurchaseAsync(new VodPurchaseRequest(db.TerminatedCustomer, included.Id))))
            .Errors.Single().Code.ShouldBe(VodRuleCodes.NotInPlan);
    }

    [Fact]
    public async Task Offers_must_have_the_shape_of_their_model_and_the_customers_currency()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var (movie, _, _) = await MovieAsync(db);
        var vod = Catalog(db);

        (await Should.ThrowAsync<VodRuleException>(() => vod.AddOfferAsync(movie.Id, new NewVodOffer(VodModel.Rental, Inr(10m)))))
            .Errors.Single().Field.ShouldBe("rentalHours");
        (await Should.ThrowAsync<VodRuleException>(() => vod.AddOfferAsync(movie.Id, new NewVodOffer(VodModel.Included, PlanCode: "NOPE"))))
            .Errors.Single().Code.ShouldBe(VodRuleCodes.NotFound);
        var dollars = await vod.AddOfferAsync(movie.Id, new NewVodOffer(VodModel.Purchase, new Money(4.99m, "USD")));
        (await Should.ThrowAsync<VodRuleException>(() => Purchases(db).PurchaseAsync(new VodPurchaseRequest(db.ActiveCustomers[0], dollars.Id))))
            .Errors.Single().Code.ShouldBe(VodRuleCodes.Currency);
    }

    /// <summary>A movie available in India from 2025-12-26 to 2026-01-25 (10:00 UTC) with a 48-hour rental at 49 INR and a purchase at 199 INR.</summary>
    private static async Task<(VodTitle Movie, VodOffer Rental, VodOffer Purchase)> MovieAsync(CatalogDatabase db)
    {
        var vod = Catalog(db);
        var now = db.Clock.GetUtcNow();
        var movie = await vod.CreateTitleAsync(new NewVodTitle("LAAPATA", VodKind.Movie, "Laapataa Ladies", ReleaseYear: 2024, DurationMinutes: 124, Rating: "U", RatingSystem: "CBFC"));
        await vod.AddRightsWindowAsync(movie.Id, "IN", now.AddDays(-10), now.AddDays(20), "Aamir Khan Productions");
        var rental = await vod.AddOfferAsync(movie.Id, new NewVodOffer(VodModel.Rental, Inr(49m), 48));
        var purchase = await vod.AddOfferAsync(movie.Id, new NewVodOffer(VodModel.Purchase, Inr(199m)));
        return (movie, rental, purchase);
    }
}
