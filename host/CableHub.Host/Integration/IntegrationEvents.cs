using System.Text.Json;
using System.Text.Json.Serialization;
using CableHub.Catalog.Contracts;
using CableHub.Ordering.Contracts;
using CableHub.Subscriptions.Contracts;
using CableHub.Vod.Contracts;
using CableHub.Pipelines.Kafka;
using Confluent.Kafka;
using Wolverine;

namespace CableHub.Host.Integration;

/// <summary>
/// Integration events for back-office systems, on Kafka topics <c>&lt;prefix&gt;.events.&lt;stream&gt;</c>: the domain's events
/// (published through the outbox in the transaction that caused them) are handled from Wolverine's durable local queues
/// and produced with an idempotent, acks=all producer — at least once, retried on failure. <c>eventId</c> is the message
/// envelope id, stable across redeliveries, so consumers de-duplicate on it.
/// </summary>
public sealed class IntegrationEventProducer : IDisposable
{
    /// <summary>The event streams (topic suffixes) the hub publishes.</summary>
    public static readonly IReadOnlyList<string> Streams = ["productOrder", "catalog", "vod", "billing", "subscription"];

    private readonly IProducer<string, string> _producer;
    private readonly string _topicPrefix;

    public IntegrationEventProducer(string bootstrapServers, string topicPrefix)
    {
        _topicPrefix = topicPrefix;
        _producer = new ProducerBuilder<string, string>(KafkaClientSettings.ReliableProducer(bootstrapServers, "cablehub-integration-events")).Build();
    }

    public static string Topic(string topicPrefix, string stream) => $"{topicPrefix}.events.{stream}";

    /// <summary>Produces the event keyed by <paramref name="key"/> (all events of one entity in one partition, in order).</summary>
    public async Task PublishAsync<T>(string stream, string key, Envelope envelope, string eventType, DateTimeOffset at, T payload, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var evt = new IntegrationEvent<T>(envelope.Id.ToString(), at, eventType, envelope.CorrelationId, payload);
        var message = new Message<string, string> { Key = key, Value = JsonSerializer.Serialize(evt, JsonSerializerOptions.Web) };
        await _producer.ProduceAsync(Topic(_topicPrefix, stream), message, ct).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
    }
}

/// <summary>The envelope of every integration event (TM Forum event shape: eventId, eventTime, eventType, event).</summary>
public sealed record IntegrationEvent<T>(
    string EventId,
    DateTimeOffset EventTime,
    string EventType,
    string? CorrelationId,
    [property: JsonPropertyName("event")] T Event);

/// <summary>
/// Wolverine handlers producing the modules' integration event contracts to their topics (the payloads are the modules'
/// own contract records: <c>*.Contracts</c>; order outcomes become TMF622 <see cref="ProductOrderStateChangeEvent"/>s).
/// </summary>
public static class IntegrationEventHandler
{
    public static Task Handle(ProductOrderCompleted e, IntegrationEventProducer producer, Envelope envelope, CancellationToken ct) =>
        producer.PublishAsync("productOrder", e.OrderId.ToString(), envelope, ProductOrderStateChangeEvent.EventType, e.At, ProductOrderStateChangeEvent.Of(e.OrderId, ProductOrderState.Completed, null), ct);

    public static Task Handle(ProductOrderFailed e, IntegrationEventProducer producer, Envelope envelope, CancellationToken ct) =>
        producer.PublishAsync("productOrder", e.OrderId.ToString(), envelope, ProductOrderStateChangeEvent.EventType, e.At, ProductOrderStateChangeEvent.Of(e.OrderId, ProductOrderState.Failed, e.Reason), ct);

    public static Task Handle(ProductOrderCancelled e, IntegrationEventProducer producer, Envelope envelope, CancellationToken ct) =>
        producer.PublishAsync("productOrder", e.OrderId.ToString(), envelope, ProductOrderStateChangeEvent.EventType, e.At, ProductOrderStateChangeEvent.Of(e.OrderId, ProductOrderState.Cancelled, e.Reason), ct);

    /// <summary>For billing (proration): old and new plan with prices, add-on and its price, effective time.</summary>
    public static Task Handle(SubscriptionChanged e, IntegrationEventProducer producer, Envelope envelope, CancellationToken ct) =>
        producer.PublishAsync("subscription", e.SubscriptionId.ToString(), envelope, nameof(SubscriptionChanged), e.RecordedAt, e, ct);

    public static Task Handle(SubscriptionSuspended e, IntegrationEventProducer producer, Envelope envelope, CancellationToken ct) =>
        producer.PublishAsync("subscription", e.SubscriptionId.ToString(), envelope, nameof(SubscriptionSuspended), e.RecordedAt, e, ct);

    public static Task Handle(SubscriptionRestored e, IntegrationEventProducer producer, Envelope envelope, CancellationToken ct) =>
        producer.PublishAsync("subscription", e.SubscriptionId.ToString(), envelope, nameof(SubscriptionRestored), e.RecordedAt, e, ct);

    /// <summary>The final-bill event: billing closes the subscription's charges up to the disconnect.</summary>
    public static Task Handle(SubscriptionDisconnected e, IntegrationEventProducer producer, Envelope envelope, CancellationToken ct) =>
        producer.PublishAsync("subscription", e.SubscriptionId.ToString(), envelope, nameof(SubscriptionDisconnected), e.RecordedAt, e, ct);

    /// <summary>A faulty box replaced: the replacement holds the entitlements, the old one is to come back.</summary>
    public static Task Handle(SubscriptionDeviceSwapped e, IntegrationEventProducer producer, Envelope envelope, CancellationToken ct) =>
        producer.PublishAsync("subscription", e.SubscriptionId.ToString(), envelope, nameof(SubscriptionDeviceSwapped), e.RecordedAt, e, ct);

    /// <summary>For the notification side: subscribers of the channel are to be told of the new price (notice period of the profile).</summary>
    public static Task Handle(ChannelPriceChangeAnnounced e, IntegrationEventProducer producer, Envelope envelope, CancellationToken ct) =>
        producer.PublishAsync("catalog", e.ChannelId.ToString(), envelope, nameof(ChannelPriceChangeAnnounced), e.AnnouncedAt, e, ct);

    public static Task Handle(BouquetPriceChangeAnnounced e, IntegrationEventProducer producer, Envelope envelope, CancellationToken ct) =>
        producer.PublishAsync("catalog", e.BouquetId.ToString(), envelope, nameof(BouquetPriceChangeAnnounced), e.AnnouncedAt, e, ct);

    public static Task Handle(VodTitlePurchased e, IntegrationEventProducer producer, Envelope envelope, CancellationToken ct) =>
        producer.PublishAsync("vod", e.CustomerId.ToString(), envelope, nameof(VodTitlePurchased), e.AccessFrom, e, ct);

    /// <summary>For billing: a one-time charge (e.g. a VOD purchase) to put on the account's next bill.</summary>
    public static Task Handle(OneTimeChargeCreated e, IntegrationEventProducer producer, Envelope envelope, CancellationToken ct) =>
        producer.PublishAsync("billing", e.BillingAccountId.ToString(), envelope, nameof(OneTimeChargeCreated), e.At, e, ct);
}
