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

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = _hub.KafkaBootstrapServers,
            GroupId = "e2e-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = 6000,
        }).Build();
        consumer.Subscribe("cablehub.events.productOrder");
        JsonElement? found = null;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (found is null && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromSeconds(1));
            if (result?.Message.Key == orderId)
            {
                found = JsonSerializer.Deserialize<JsonElement>(result.Message.Value);
            }
        }

        found.ShouldNotBeNull("no event for the order on cablehub.events.productOrder");
        var evt = found.Value;
        evt.GetProperty("eventType").GetString().ShouldBe("ProductOrderStateChangeEvent");
        evt.GetProperty("correlationId").GetString().ShouldBe("e2e-corr-42");
        evt.GetProperty("event").GetProperty("productOrder").GetProperty("id").GetString().ShouldBe(orderId);
        evt.GetProperty("event").GetProperty("productOrder").GetProperty("state").GetString().ShouldBe("completed");
        (await _hub.ScalarAsync<string>("SELECT correlation_id FROM hub.product_order WHERE id = @id", ("id", Guid.Parse(orderId)))).ShouldBe("e2e-corr-42");
    }
}
