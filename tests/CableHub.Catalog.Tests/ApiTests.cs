using CableHub.Core.Api.Access;
using System.Net;
using System.Text.Json;
using CableHub.Catalog;
using CableHub.Catalog.Contracts;
using CableHub.Modules.Testing;
using CableHub.Testing;

namespace CableHub.Catalog.Tests;

/// <summary>The HTTP API over a real server: TMF620 offerings and prices, rule violations as problem documents, EPG and VOD.</summary>
public sealed class ApiTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Offerings = "/tmf-api/productCatalogManagement/v4/productOffering";
    private const string Prices = "/tmf-api/productCatalogManagement/v4/productOfferingPrice";

    [Fact]
    public async Task Offerings_list_plans_channels_and_bouquets_and_filter_by_type()
    {
        await using var api = await ApiHost.StartAsync(postgres);

        var (status, all) = await api.SendAsync(HttpMethod.Get, Offerings, role: null);
        status.ShouldBe(HttpStatusCode.OK);
        var types = all.EnumerateArray().Select(o => o.GetProperty("@type").GetString()).ToList();
        types.Count(t => t == "ProductOffering").ShouldBe(1);
        types.Count(t => t == "ChannelOffering").ShouldBe(CatalogDatabase.Channels.Length);
        types.Count(t => t == "BouquetOffering").ShouldBe(2);

        var (_, channels) = await api.SendAsync(HttpMethod.Get, $"{Offerings}?@type=ChannelOffering&limit=3", role: null);
        channels.GetArrayLength().ShouldBe(3);
        channels.EnumerateArray().ShouldAllBe(c => c.GetProperty("@baseType").GetString() == "ProductOffering");

        var (_, hd) = await api.SendAsync(HttpMethod.Get, $"{Offerings}/STARPLUSHD", role: null);
        hd.GetProperty("lcn").GetInt32().ShouldBe(102);
        hd.GetProperty("definition").GetString().ShouldBe("HD");
        hd.GetProperty("hdOfChannel").GetProperty("id").GetString().ShouldBe(api.Db.Channel("STARPLUS").ToString());
        hd.GetProperty("productOfferingPrice")[0].GetProperty("price").GetProperty("value").GetDecimal().ShouldBe(19m);

        var (_, bouquet) = await api.SendAsync(HttpMethod.Get, $"{Offerings}/{api.Db.HindiValueId}", role: null);
        bouquet.GetProperty("isBundle").GetBoolean().ShouldBeTrue();
        bouquet.GetProperty("bundledProductOffering").GetArrayLength().ShouldBe(5);

        (await api.SendAsync(HttpMethod.Get, $"{Offerings}?@type=Gadget", role: null)).Body.GetProperty("errors").TryGetProperty("@type", out _).ShouldBeTrue();
        (await api.SendAsync(HttpMethod.Get, $"{Offerings}/NOPE", role: null)).Status.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Writes_need_catalog_write_and_bad_bodies_name_the_field()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var channel = new Dictionary<string, object?> { ["@type"] = "ChannelOffering", ["code"] = "ZEEANMOL", ["name"] = "Zee Anmol" };

        (await api.SendAsync(HttpMethod.Post, Offerings, channel, role: null)).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.SendAsync(HttpMethod.Post, Offerings, channel, role: StaffRoles.Analyst)).Status.ShouldBe(HttpStatusCode.Forbidden);

        var (bad, errors) = await api.SendAsync(HttpMethod.Post, Offerings, channel, role: StaffRoles.CatalogManager);
        bad.ShouldBe(HttpStatusCode.BadRequest);
        var fields = errors.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
        fields.ShouldBe(["broadcaster", "genre", "language", "definition", "casProductId", "lcn"], ignoreOrder: true);

        var (malformed, m) = await api.SendAsync(HttpMethod.Post, Offerings, """{"@type": "ChannelOffering", "lcn": "one"}""");
        malformed.ShouldBe(HttpStatusCode.BadRequest);
        m.GetProperty("errors").EnumerateObject().Single().Name.ShouldBe("$.lcn");
    }

    [Fact]
    public async Task A_bouquet_below_the_floor_is_refused_with_422_naming_the_rule_and_a_valid_one_is_created()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        object Bouquet(decimal price) => new Dictionary<string, object?>
        {
            ["@type"] = "BouquetOffering",
            ["code"] = "STAR-SONY",
            ["name"] = "Star and Sony",
            ["bouquetKind"] = "distributor_bouquet",
            ["bundledProductOffering"] = new[] { new { code = "STARPLUS" }, new { code = "SONYSET" } },
            ["productOfferingPrice"] = new[] { new { price = new { unit = "INR", value = price } } },
        };

        var (status, problem) = await api.SendAsync(HttpMethod.Post, Offerings, Bouquet(30m));
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem.GetProperty("type").GetString().ShouldBe("https://cablehub.dev/problems/catalog-rule");
        var violation = problem.GetProperty("violations").EnumerateArray().Single();
        violation.GetProperty("code").GetString().ShouldBe("IN-BOUQUET-85");
        violation.GetProperty("message").GetString()!.ShouldContain("38.00 × 0.85 = 32.30 INR");
        problem.GetProperty("errors").GetProperty("price")[0].GetString()!.ShouldStartWith("IN-BOUQUET-85: ");

        var (created, bouquet) = await api.SendAsync(HttpMethod.Post, Offerings, Bouquet(33m));
        created.ShouldBe(HttpStatusCode.Created);
        bouquet.GetProperty("bundledProductOffering").GetArrayLength().ShouldBe(2);
        var (_, patched) = await api.SendAsync(HttpMethod.Patch, $"{Offerings}/STAR-SONY", new { lifecycleStatus = "retired" });
        patched.GetProperty("lifecycleStatus").GetString().ShouldBe("retired");
    }

    [Fact]
    public async Task A_price_change_is_checked_for_notice_and_announced_with_a_notice_and_an_event()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var now = api.Db.Clock.GetUtcNow();
        object Change(int days) => new { productOffering = new { id = "SONYMAX" }, price = new { unit = "INR", value = 19m }, validFor = new { startDateTime = now.AddDays(days) }, name = "RIO 2026" };

        var (early, problem) = await api.SendAsync(HttpMethod.Post, Prices, Change(10));
        early.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem.GetProperty("violations")[0].GetProperty("code").GetString().ShouldBe("IN-PRICE-NOTICE");

        var (created, price) = await api.SendAsync(HttpMethod.Post, Prices, Change(31));
        created.ShouldBe(HttpStatusCode.Created);
        price.GetProperty("lifecycleStatus").GetString().ShouldBe("planned");
        price.GetProperty("priceChangeNotice").GetProperty("affectedSubscribers").GetInt32().ShouldBe(2);
        api.Events.OfType<ChannelPriceChangeAnnounced>().Single().ChannelCode.ShouldBe("SONYMAX");

        var (_, list) = await api.SendAsync(HttpMethod.Get, $"{Prices}?productOffering.id=SONYMAX", role: null);
        list.EnumerateArray().Single().GetProperty("validFor").GetProperty("startDateTime").GetDateTimeOffset().ShouldBe(now.AddDays(31));
        (await api.SendAsync(HttpMethod.Get, "/api/v1/catalog/price-change-notices?status=pending", role: null)).Status.ShouldBe(HttpStatusCode.Unauthorized);
        var (_, notices) = await api.SendAsync(HttpMethod.Get, "/api/v1/catalog/price-change-notices?status=pending", role: StaffRoles.CatalogManager);
        notices.GetArrayLength().ShouldBe(1);

        using var customersRequest = await api.RequestAsync(HttpMethod.Get, $"/api/v1/catalog/price-change-notices/{notices[0].GetProperty("id").GetString()}/customers", role: StaffRoles.CustomerService);
        using var customers = await api.Client.SendAsync(customersRequest);
        (await customers.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse).ShouldBe(api.Db.ActiveCustomers, ignoreOrder: true);

        (await api.SendAsync(HttpMethod.Delete, $"{Prices}/{price.GetProperty("id").GetString()}")).Status.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Catalog_extras_report_the_profile_the_ncf_and_the_rule_check()
    {
        await using var api = await ApiHost.StartAsync(postgres);

        (await api.SendAsync(HttpMethod.Get, "/api/v1/catalog/profile", role: null)).Body.GetProperty("priceChangeNoticeDays").GetInt32().ShouldBe(30);
        (await api.SendAsync(HttpMethod.Get, "/api/v1/catalog/ncf?sd=90&hd=6", role: null)).Body.GetProperty("fee").GetProperty("amount").GetDecimal().ShouldBe(150m);
        (await api.SendAsync(HttpMethod.Get, "/api/v1/catalog/ncf?sd=-1", role: null)).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await api.SendAsync(HttpMethod.Get, "/api/v1/catalog/check", role: StaffRoles.CatalogManager)).Body.GetProperty("compliant").GetBoolean().ShouldBeTrue();
        (await api.SendAsync(HttpMethod.Get, $"/api/v1/catalog/ncf/customers/{api.Db.ActiveCustomers[0]}", role: StaffRoles.CustomerService)).Body.GetProperty("sdChannels").GetInt32().ShouldBe(6);
        var own = await api.Identity.SubscriberTokenAsync(api.Db.ActiveCustomers[0]);
        (await api.SendWithTokenAsync(HttpMethod.Get, $"/api/v1/catalog/ncf/customers/{api.Db.ActiveCustomers[0]}", own)).Body.GetProperty("sdChannels").GetInt32().ShouldBe(6);
        (await api.SendWithTokenAsync(HttpMethod.Get, $"/api/v1/catalog/ncf/customers/{api.Db.ActiveCustomers[1]}", own)).Status.ShouldBe(HttpStatusCode.NotFound);
    }
}
