using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace CableHub.EndToEnd.Tests;

/// <summary>TMF622 productOrder requests and polling, as a client of the hub would do it.</summary>
public static class Orders
{
    public const string Path = "/tmf-api/productOrderingManagement/v4/productOrder";

    public static string NewCustomerOrder(string planCode, string? externalId = null) => JsonSerializer.Serialize(new
    {
        externalId = externalId ?? "e2e-" + Guid.NewGuid().ToString("N")[..12],
        channel = new[] { new { name = "web" } },
        relatedParty = new[]
        {
            new Dictionary<string, object>
            {
                ["role"] = "Customer",
                ["@type"] = "Individual",
                ["givenName"] = "Meera",
                ["familyName"] = "Iyer",
                ["birthDate"] = "1991-07-21",
                ["contactMedium"] = new object[]
                {
                    new { mediumType = "email", characteristic = new { emailAddress = "meera.iyer@example.in" } },
                    new { mediumType = "postalAddress", characteristic = new { street1 = "7 Lake View", city = "Chennai", postCode = "600001", country = "IN" } },
                },
            },
        },
        productOrderItem = new[] { new { id = "1", action = "add", productOffering = new { id = planCode } } },
    });

    public static async Task<HttpResponseMessage> PostAsync(HubProcess hub, string json) =>
        await hub.Http.PostAsync(new Uri(hub.Api, Path), new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>Polls the order until it reaches a final state or <paramref name="timeout"/> passes; returns the last resource.</summary>
    public static async Task<JsonElement> WaitForFinalStateAsync(HubProcess hub, string id, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement order;
        do
        {
            order = await hub.Http.GetFromJsonAsync<JsonElement>(new Uri(hub.Api, $"{Path}/{id}"));
            if (order.GetProperty("state").GetString() is "completed" or "failed" or "cancelled" or "rejected")
            {
                return order;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);
        return order;
    }
}
