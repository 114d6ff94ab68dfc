using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;

namespace CableHub.EndToEnd.Tests;

/// <summary>Back-office systems hear about orders on Kafka (TMF622 ProductOrderStateChangeEvent).</summary>
[Collection(SharedHub.Name)]
public sealed class IntegrationEventTests(HubFixture fixture)
{
    private readonly HubProcess _hub = fixture.Hub;

    [Fact]
    public async Task A_completed_order_is_announced_on_the_product_order_topic_with_its_correlation_id()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_hub.Api, Orders.Path))
        {
            Content = new StringContent(Orders.NewCustomerOrder("BASIC-Q"), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Correlation-Id", "e2e-corr-42");
        using var response = await _hub.Http.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var orderId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        (await Orders.WaitForFinalStateAsync(_hub, orderId, TimeSpan.FromSeconds(60))).GetProperty("state").GetString().ShouldBe("completed");

        var evt = ConsumeFor("cablehub.events.productOrder", orderId);
        evt.GetProperty("eventType").GetString().ShouldBe("ProductOrderStateChangeEvent");
        evt.GetProperty("correlationId").GetString().ShouldBe("e2e-corr-42");
        evt.GetProperty("event").GetProperty("productOrder").GetProperty("id").GetString().ShouldBe(orderId);
        evt.GetProperty("event").GetProperty("productOrder").GetProperty("state").GetString().ShouldBe("completed");
        (await _hub.ScalarAsync<string>("SELECT correlation_id FROM hub.product_order WHERE id = @id", ("id", Guid.Parse(orderId)))).ShouldBe("e2e-corr-42");
        (await _hub.ScalarAsync<string>("SELECT placed_by FROM hub.product_order WHERE id = @id", ("id", Guid.Parse(orderId)))).ShouldBe("client:demo-backoffice");
    }

    [Fact]
    public async Task An_announced_channel_price_change_reaches_the_catalog_topic_for_the_notification_side()
    {
        var channels = await _hub.Http.GetFromJsonAsync<JsonElement>(new Uri(_hub.Api, "/tmf-api/productCatalogManagement/v4/productOffering?@type=ChannelOffering"));
        var channel = channels.EnumerateArray().First(c =>
            c.GetProperty("productOfferingPrice")[0].GetProperty("price").GetProperty("value").GetDecimal() is > 1m and <= 18m);
        var channelId = channel.GetProperty("id").GetString()!;
        var newPrice = channel.GetProperty("productOfferingPrice")[0].GetProperty("price").GetProperty("value").GetDecimal() + 0.50m;

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_hub.Api, "/tmf-api/productCatalogManagement/v4/productOfferingPrice"))
        {
            Content = JsonContent.Create(new
            {
                productOffering = new { id = channelId },
                price = new { unit = "INR", value = newPrice },
                validFor = new { startDateTime = DateTimeOffset.UtcNow.AddDays(31) },
                name = "e2e price change",
            }),
        };
        using var response = await _hub.Http.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());

        var evt = ConsumeFor("cablehub.events.catalog", channelId);
        evt.GetProperty("eventType").GetString().ShouldBe("ChannelPriceChangeAnnounced");
        evt.GetProperty("event").GetProperty("newPrice").GetProperty("amount").GetDecimal().ShouldBe(newPrice);
        evt.GetProperty("event").GetProperty("newPrice").GetProperty("currency").GetString().ShouldBe("INR");
    }

    private JsonElement ConsumeFor(string topic, string key)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = _hub.KafkaBootstrapServers,
            GroupId = "e2e-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = 6000,
        }).Build();
        consumer.Subscribe(topic);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromSeconds(1));
            if (result?.Message.Key == key)
            {
                return JsonSerializer.Deserialize<JsonElement>(result.Message.Value);
            }
        }

        throw new ShouldAssertException($"no event with key {key} on {topic} within 60 s");
    }
}
