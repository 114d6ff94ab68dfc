using System.Text.Json;
using System.Text.Json.Serialization;
using CableHub.Core.Contracts;
using CableHub.Pipelines.Kafka;
using Confluent.Kafka;
using Wolverine;

namespace CableHub.Host.Integration;

/// <summary>
/// Integration events for back-office systems: TMF622-style <c>ProductOrderStateChangeEvent</c>s on the Kafka topic
/// <c>&lt;prefix&gt;.events.productOrder</c>, keyed by order id (all events of one order in one partition, in order).
/// The saga publishes <see cref="ProductOrderCompleted"/> / <see cref="ProductOrderFailed"/> through its outbox; these
/// handlers run from Wolverine's durable local queue and produce with an idempotent, acks=all producer, so an event
/// leaves at least once and a failed produce is retried.
/// </summary>
public sealed class IntegrationEventProducer : IDisposable
{
    private readonly IProducer<string, string> _producer;

    public IntegrationEventProducer(string bootstrapServers, string topicPrefix)
    {
        Topic = $"{topicPrefix}.events.productOrder";
        _producer = new ProducerBuilder<string, string>(KafkaClientSettings.ReliableProducer(bootstrapServers, "cablehub-integration-events")).Build();
    }

    public string Topic { get; }

    public async Task PublishAsync(Guid orderId, ProductOrderStateChangeEvent evt, CancellationToken ct)
    {
        var message = new Message<string, string> { Key = orderId.ToString(), Value = JsonSerializer.Serialize(evt, JsonSerializerOptions.Web) };
        await _producer.ProduceAsync(Topic, message, ct).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
    }
}

/// <summary>TMF622 event envelope (eventId, eventTime, eventType, event.productOrder).</summary>
public sealed record ProductOrderStateChangeEvent(
    string EventId,
    DateTimeOffset EventTime,
    string EventType,
    string? CorrelationId,
    [property: JsonPropertyName("event")] ProductOrderEventPayload Event);

public sealed record ProductOrderEventPayload(ProductOrderRef ProductOrder);

public sealed record ProductOrderRef(string Id, string Href, string State, string? StateReason);

/// <summary>Wolverine handlers turning the saga's events into integration events.</summary>
public static class ProductOrderEventsHandler
{
    public static Task Handle(ProductOrderCompleted completed, IntegrationEventProducer producer, Envelope envelope, CancellationToken ct) =>
        producer.PublishAsync(completed.OrderId, Event(envelope, completed.OrderId, completed.At, "completed", null), ct);

    public static Task Handle(ProductOrderFailed failed, IntegrationEventProducer producer, Envelope envelope, CancellationToken ct) =>
        producer.PublishAsync(failed.OrderId, Event(envelope, failed.OrderId, failed.At, "failed", failed.Reason), ct);

    private static ProductOrderStateChangeEvent Event(Envelope envelope, Guid orderId, DateTimeOffset at, string state, string? reason) => new(
        // The envelope id is stable across redeliveries: consumers de-duplicate on eventId.
        envelope.Id.ToString(),
        at,
        "ProductOrderStateChangeEvent",
        envelope.CorrelationId,
        new ProductOrderEventPayload(new ProductOrderRef(orderId.ToString(), $"{Api.ProductOrdering.ProductOrderEndpoints.BasePath}/{orderId}", state, reason)));
}
