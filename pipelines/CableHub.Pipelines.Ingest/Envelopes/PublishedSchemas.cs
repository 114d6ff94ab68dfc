using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace CableHub.Pipelines.Ingest.Envelopes;

/// <summary>A table version's schemas as the hub's CDC reader publishes them (key = <see cref="Id"/>).</summary>
/// <param name="Envelope">The envelope schema (what <c>{"schema":…}</c> would hold inline).</param>
/// <param name="Key">The key struct schema; null for a table without primary key.</param>
internal sealed record PublishedSchema(string Id, ConnectSchema Envelope, ConnectSchema? Key);

/// <summary>Finds published schemas by id (the header <c>cablehub.schema_id</c> of schemaless events).</summary>
internal interface IPublishedSchemas
{
    /// <summary>The schema with this id, or null when it cannot be found.</summary>
    PublishedSchema? Find(string id);
}

/// <summary>
/// Reads the schema topic (one partition; each record <c>{"id","topic","schema","table","key","value"}</c>) into a
/// cache. A miss reads what the topic gained since the last read (the reader publishes and waits for the broker's
/// acknowledgement before the first event of a table version, so a schema referenced by a consumed event is there).
/// Used on the consumer's thread only.
/// </summary>
internal sealed class PublishedSchemaReader(string bootstrapServers, string topic, IDictionary<string, string> consumerProperties, ILogger logger)
    : IPublishedSchemas, IDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MissRetry = TimeSpan.FromSeconds(2);

    private readonly Dictionary<string, PublishedSchema> _known = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _missedAt = new(StringComparer.Ordinal);
    private IConsumer<byte[]?, byte[]?>? _consumer;

    public int Count => _known.Count;

    public PublishedSchema? Find(string id)
    {
        if (_known.TryGetValue(id, out var known))
        {
            return known;
        }

        if (_missedAt.TryGetValue(id, out var at) && Stopwatch.GetElapsedTime(at) < MissRetry)
        {
            return null;
        }

        ReadNew();
        if (_known.TryGetValue(id, out known))
        {
            _missedAt.Remove(id);
            return known;
        }

        if (!_missedAt.ContainsKey(id))
        {
            logger.LogWarning("Schema {SchemaId} is not on {Topic}; its events are read as schemaless (column types from the raw table, new columns inferred)", id, topic);
        }

        _missedAt[id] = Stopwatch.GetTimestamp();
        return null;
    }

    /// <summary>Reads the topic from where the last read ended up to its high watermark.</summary>
    private void ReadNew()
    {
        try
        {
            var partition = new TopicPartition(topic, 0);
            _consumer ??= Build(partition);
            var high = _consumer.QueryWatermarkOffsets(partition, ReadTimeout).High.Value;
            var clock = Stopwatch.StartNew();
            while (Position(partition) < high && clock.Elapsed < ReadTimeout)
            {
                var result = _consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result?.Message?.Value is { } value && !result.IsPartitionEOF)
                {
                    Add(value, result.Offset.Value);
                }
            }
        }
        catch (KafkaException e)
        {
            logger.LogWarning(e, "Reading the schema topic {Topic} failed: {Reason}", topic, e.Error.Reason);
        }
    }

    private long Position(TopicPartition partition)
    {
        var position = _consumer!.Position(partition).Value;
        return position < 0 ? 0 : position;
    }

    private void Add(byte[] value, long offset)
    {
        try
        {
            using var document = JsonDocument.Parse(value);
            var root = document.RootElement;
            var id = root.GetProperty("id").GetString() ?? throw new InvalidEnvelopeException("id: null");
            var envelope = ConnectSchema.Parse(root.GetProperty("value"), $"{topic}@{offset}.value");
            var key = root.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.Object ? ConnectSchema.Parse(k, $"{topic}@{offset}.key") : null;
            _known[id] = new PublishedSchema(id, envelope, key);
        }
        catch (Exception e) when (e is JsonException or InvalidEnvelopeException or KeyNotFoundException or InvalidOperationException)
        {
            logger.LogWarning("Skipping {Topic}@{Offset}: not a published schema record ({Reason})", topic, offset, e.Message);
        }
    }

    private IConsumer<byte[]?, byte[]?> Build(TopicPartition partition)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "cablehub-schema-reader",
            ClientId = "cablehub-schema-reader",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        foreach (var (key, value) in consumerProperties)
        {
            if (!key.StartsWith("group.", StringComparison.Ordinal) && key is not ("session.timeout.ms" or "heartbeat.interval.ms" or "max.poll.interval.ms"))
            {
                config.Set(key, value);
            }
        }

        var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        return consumer;
    }

    public void Dispose()
    {
        _consumer?.Close();
        _consumer?.Dispose();
    }
}
