using CableHub.Core.Api.Access;
using System.Net;
using CableHub.Modules.Testing;
using CableHub.Testing;
using CableHub.Vod.Contracts;

namespace CableHub.Vod.Tests;

/// <summary>The VOD HTTP API over a real server: titles, rights, offers (also as TMF620 offerings, by id and by code), purchases.</summary>
public sealed class ApiTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Offerings = "/tmf-api/productCatalogManagement/v4/productOffering";

    [Fact]
    public async Task Vod_titles_rights_offers_and_purchases_work_over_http()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var now = api.Db.Clock.GetUtcNow();
        (await api.SendAsync(HttpMethod.Post, "/api/v1/vod/titles", new { code = "LAAPATA", kind = "movie", title = "Laapataa Ladies", durationMinutes = 124, rating = "U", ratingSystem = "CBFC" })).Status.ShouldBe(HttpStatusCode.Created);
        (await api.SendAsync(HttpMethod.Post, "/api/v1/vod/titles/LAAPATA/rights", new { territory = "IN", availableFrom = now.AddDays(-1), availableTo = now.AddDays(30) })).Status.ShouldBe(HttpStatusCode.Created);
        var (_, offer) = await api.SendAsync(HttpMethod.Post, "/api/v1/vod/titles/LAAPATA/offers", new { model = "rental", price = new { unit = "INR", value = 49m }, rentalHours = 48 });
        var offerId = offer.GetProperty("id").GetString();
        (await api.SendAsync(HttpMethod.Get, $"{Offerings}/{offerId}", role: null)).Body.GetProperty("@type").GetString().ShouldBe("VodOffering");
        (await api.SendAsync(HttpMethod.Get, "/api/v1/vod/titles/LAAPATA/availability?territory=GB", role: null)).Body.GetProperty("available").GetBoolean().ShouldBeFalse();

        var subscriber = await api.Identity.SubscriberTokenAsync(api.Db.ActiveCustomers[0]);
        var other = await api.Identity.SubscriberTokenAsync(api.Db.ActiveCustomers[1]);
        (await api.SendAsync(HttpMethod.Post, "/api/v1/vod/purchases", new { customerId = api.Db.ActiveCustomers[0], offerId }, role: null)).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.SendWithTokenAsync(HttpMethod.Post, "/api/v1/vod/purchases", other, new { customerId = api.Db.ActiveCustomers[0], offerId })).Status.ShouldBe(HttpStatusCode.NotFound);
        var (abroad, refused) = await api.SendWithTokenAsync(HttpMethod.Post, "/api/v1/vod/purchases", subscriber, new { customerId = api.Db.ActiveCustomers[0], offerId, territory = "GB" });
        abroad.ShouldBe(HttpStatusCode.UnprocessableEntity);
        refused.GetProperty("violations")[0].GetProperty("code").GetString().ShouldBe(VodRuleCodes.RightsWindow);

        var (created, purchase) = await api.SendWithTokenAsync(HttpMethod.Post, "/api/v1/vod/purchases", subscriber, new { customerId = api.Db.ActiveCustomers[0], offerId, externalId = "web-1" });
        created.ShouldBe(HttpStatusCode.Created);
        purchase.GetProperty("charge").GetProperty("amount").GetProperty("amount").GetDecimal().ShouldBe(49m);
        (await api.SendAsync(HttpMethod.Post, "/api/v1/vod/purchases", new { customerId = api.Db.ActiveCustomers[0], offerId, externalId = "web-1" }, role: StaffRoles.CustomerService)).Status.ShouldBe(HttpStatusCode.OK);
        api.Events.OfType<OneTimeChargeCreated>().Single().Amount.Amount.ShouldBe(49m);
        var (_, charges) = await api.SendWithTokenAsync(HttpMethod.Get, $"/api/v1/vod/billing-accounts/{api.Db.Id("account:1")}/charges?status=unbilled", subscriber);
        charges.GetArrayLength().ShouldBe(1);
        (await api.SendWithTokenAsync(HttpMethod.Get, $"/api/v1/vod/billing-accounts/{api.Db.Id("account:1")}/charges?status=unbilled", other)).Status.ShouldBe(HttpStatusCode.NotFound);

        (await api.SendAsync(HttpMethod.Post, "/api/v1/vod/purchases", new { offerId }, role: StaffRoles.Cashier)).Body.GetProperty("errors").TryGetProperty("customerId", out _).ShouldBeTrue();
        (await api.SendAsync(HttpMethod.Post, "/api/v1/vod/titles", new { code = "X" }, role: null)).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.SendWithTokenAsync(HttpMethod.Post, "/api/v1/vod/titles", subscriber, new { code = "X" })).Status.ShouldBe(HttpStatusCode.Forbidden);
    }
}
