using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace CableHub.EndToEnd.Tests;

/// <summary>Bad order bodies: 400 with a problem document naming the field; nothing written.</summary>
[Collection(SharedHub.Name)]
public sealed class OrderApiBadInputTests(HubFixture fixture)
{
    private readonly HubProcess _hub = fixture.Hub;

    public static TheoryData<string, string, string> BadBodies => new()
    {
        { "missing plan", Orders.NewCustomerOrder("X").Replace("\"productOffering\":{\"id\":\"X\"}", "\"productOffering\":{}", StringComparison.Ordinal), "productOrderItem[0].productOffering.id" },
        { "unknown plan", Orders.NewCustomerOrder("NO-SUCH-PLAN"), "productOrderItem[0].productOffering.id" },
        { "no items", Orders.NewCustomerOrder("BASIC-M").Replace("\"productOrderItem\":[{\"id\":\"1\",\"action\":\"add\",\"productOffering\":{\"id\":\"BASIC-M\"}}]", "\"productOrderItem\":[]", StringComparison.Ordinal), "productOrderItem" },
        { "bad e-mail", Orders.NewCustomerOrder("BASIC-M").Replace("meera.iyer@example.in", "not-an-address", StringComparison.Ordinal), "relatedParty[0].contactMedium[0].characteristic.emailAddress" },
        { "malformed JSON", "{\"externalId\": \"x\", \"productOrderItem\": [ {\"id\": 1, ]}", "$.productOrderItem[0].id" },
        { "truncated JSON", "{\"externalId\": \"x\", \"relatedParty\": [", "$.relatedParty[0]" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_body_is_refused_with_the_field_named_and_nothing_written(string why, string body, string field)
    {
        var ordersBefore = await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.product_order");
        var customersBefore = await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.customer");

        using var response = await _hub.Http.PostAsync(new Uri(_hub.Api, Orders.Path), new StringContent(body, Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, why);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("status").GetInt32().ShouldBe(400);
        var errors = problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();
        errors.ShouldContain(field, $"{why}: {problem}");
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.product_order")).ShouldBe(ordersBefore);
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.customer")).ShouldBe(customersBefore);
    }

    [Fact]
    public async Task Unknown_order_is_404_problem()
    {
        using var response = await _hub.Http.GetAsync(new Uri(_hub.Api, $"{Orders.Path}/{Guid.NewGuid()}"));
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }
}
