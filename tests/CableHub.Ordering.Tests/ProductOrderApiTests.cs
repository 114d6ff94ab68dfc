using System.Globalization;
using System.Net;
using System.Text.Json;
using CableHub.Core.Api.Access;
using CableHub.Modules.Testing;
using CableHub.Ordering.Contracts;
using CableHub.Testing;

namespace CableHub.Ordering.Tests;

/// <summary>TMF622 productOrder list over a real server: state and orderDate filters, paging in SQL with X-Total-Count / X-Result-Count, fields.</summary>
public sealed class ProductOrderApiTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Orders = "/tmf-api/productOrderingManagement/v4/productOrder";

    private static object NewOrder() => new Dictionary<string, object>
    {
        ["externalId"] = "list-" + Guid.NewGuid().ToString("N")[..10],
        ["relatedParty"] = new[]
        {
            new Dictionary<string, object>
            {
                ["role"] = "Customer",
                ["@type"] = "Individual",
                ["givenName"] = "Ravi",
                ["familyName"] = "Kumar",
                ["contactMedium"] = new object[] { new { mediumType = "email", characteristic = new { emailAddress = "ravi.kumar@example.in" } } },
            },
        },
        ["productOrderItem"] = new[] { new { id = "1", action = "add", productOffering = new { id = "FAMILY-M" } } },
    };

    private static async Task<(HttpStatusCode Status, JsonElement Body, long Total, int Count)> ListAsync(ApiHost api, string query, string? token = null)
    {
        using var request = await api.RequestAsync(HttpMethod.Get, Orders + query, role: token is null ? StaffRoles.CustomerService : null);
        if (token is not null)
        {
            TestIdentity.Authorize(request, token);
        }

        using var response = await api.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonDocument.Parse(text).RootElement.Clone();
        return response.IsSuccessStatusCode
            ? (response.StatusCode, body, long.Parse(response.Headers.GetValues("X-Total-Count").Single(), CultureInfo.InvariantCulture),
                int.Parse(response.Headers.GetValues("X-Result-Count").Single(), CultureInfo.InvariantCulture))
            : (response.StatusCode, body, -1, -1);
    }

    [Fact]
    public async Task Orders_list_filters_by_state_and_order_date_and_pages_with_tmf_headers()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (status, order) = await api.SendAsync(HttpMethod.Post, Orders, NewOrder(), role: StaffRoles.CustomerService);
            status.ShouldBe(HttpStatusCode.Created, order.ToString());
            ids.Add(order.GetProperty("id").GetString()!);
        }

        var orders = api.Db.Services.GetService(typeof(ProductOrderStore)) as ProductOrderStore;
        (await orders!.SetStateAsync(Guid.Parse(ids[0]), ProductOrderState.InProgress, null)).ShouldBeTrue();
        (await orders.SetStateAsync(Guid.Parse(ids[0]), ProductOrderState.Completed, null)).ShouldBeTrue();

        var (_, all, total, count) = await ListAsync(api, "");
        total.ShouldBe(3);
        count.ShouldBe(3);
        all.EnumerateArray().Select(o => o.GetProperty("@type").GetString()).ShouldAllBe(t => t == "ProductOrder");
        all.EnumerateArray().Select(o => o.GetProperty("id").GetString()).ShouldBe(ids, ignoreOrder: true);
        all[0].GetProperty("productOrderItem")[0].GetProperty("productOffering").GetProperty("href").GetString()!.ShouldStartWith("/tmf-api/productCatalogManagement/v4/productOffering/");

        var (_, completed, completedTotal, _) = await ListAsync(api, "?state=completed");
        completedTotal.ShouldBe(1);
        completed.EnumerateArray().Single().GetProperty("id").GetString().ShouldBe(ids[0]);
        (await ListAsync(api, "?state=acknowledged,completed")).Total.ShouldBe(3);

        var (_, page, pagedTotal, pageCount) = await ListAsync(api, "?limit=2&offset=2&fields=state");
        (pagedTotal, pageCount).ShouldBe((3L, 1));
        page[0].EnumerateObject().Select(p => p.Name).ShouldBe(["id", "href", "state", "@type"], ignoreOrder: true);

        var placedAt = all[0].GetProperty("orderDate").GetDateTimeOffset();
        var before = Uri.EscapeDataString(placedAt.AddMinutes(-1).ToString("O", CultureInfo.InvariantCulture));
        var after = Uri.EscapeDataString(placedAt.AddMinutes(1).ToString("O", CultureInfo.InvariantCulture));
        (await ListAsync(api, $"?orderDate.gt={before}")).Total.ShouldBe(3);
        (await ListAsync(api, $"?orderDate.gt={after}")).Total.ShouldBe(0);
        (await ListAsync(api, $"?orderDate.lt={after}&orderDate.gt={before}")).Total.ShouldBe(3);

        var (bad, problem, _, _) = await ListAsync(api, "?state=done&orderDate.gt=yesterday&limit=-1");
        bad.ShouldBe(HttpStatusCode.BadRequest);
        problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldBe(["limit"], ignoreOrder: true);
        var (bad2, problem2, _, _) = await ListAsync(api, "?state=done&orderDate.gt=yesterday");
        bad2.ShouldBe(HttpStatusCode.BadRequest);
        problem2.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldBe(["state", "orderDate.gt"], ignoreOrder: true);

        (await api.SendAsync(HttpMethod.Get, Orders, role: null)).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.SendAsync(HttpMethod.Get, Orders, role: StaffRoles.InventoryClerk)).Status.ShouldBe(HttpStatusCode.Forbidden);
        var reader = await api.Identity.ClientTokenAsync("orders-reader", ApiScopes.OrdersRead);
        (await ListAsync(api, "?state=completed", reader)).Total.ShouldBe(1);

        // A subscriber lists only their own orders, whatever customer they name.
        var owner = Guid.Parse(completed.EnumerateArray().Single().GetProperty("relatedParty")[0].GetProperty("id").GetString()!);
        var subscriber = await api.Identity.SubscriberTokenAsync(owner);
        var (_, mine, mineTotal, _) = await ListAsync(api, "", subscriber);
        mineTotal.ShouldBe(1);
        mine.EnumerateArray().Single().GetProperty("id").GetString().ShouldBe(ids[0]);
        var someoneElse = all.EnumerateArray().Select(o => o.GetProperty("relatedParty")[0].GetProperty("id").GetString()).First(c => c != owner.ToString());
        (await ListAsync(api, $"?relatedParty.id={someoneElse}", subscriber)).Total.ShouldBe(0);
    }
}
