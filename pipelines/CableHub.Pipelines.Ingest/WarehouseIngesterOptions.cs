namespace CableHub.Pipelines.Ingest;

/// <summary>Settings of a <see cref="WarehouseIngester"/>; the host binds them from configuration.</summary>
public sealed class WarehouseIngesterOptions
{
    /// <summary>Kafka bootstrap servers, e.g. <c>127.0.0.1:9092</c>.</summary>
    public required string BootstrapServers { get; set; }

    /// <summary>ClickHouse.Driver connection string, e.g. <c>Host=127.0.0.1;Port=8123</c>.</summary>
    public required string ClickHouseConnectionString { get; set; }

    /// <summary>Consumer group; every ingester process of one warehouse uses the same group.</summary>
    public string GroupId { get; set; } = "cablehub-warehouse-ingest";

    /// <summary>Topics to ingest, as a regular expression (librdkafka syntax; starts with <c>^</c>).</summary>
    public string TopicPattern { get; set; } = @"^cablehub\.hub\..+";

    /// <summary>Flush when this many messages are buffered…</summary>
    public int BatchSize { get; set; } = 50_000;

    /// <summary>
    /// …or when the oldest buffered message is this old and no write is in flight (ClickHouse prefers about one insert
    /// per table per second; while a write is in flight the next batch keeps filling up to <see cref="BatchSize"/>).
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Batches being written at once (each its own inserts); offsets are committed oldest batch first. 1 = the next batch
    /// waits for the previous write (the old behaviour).
    /// </summary>
    public int MaxWritesInFlight { get; set; } = 2;

    /// <summary>
    /// Topic where the hub's CDC reader publishes each table version's schemas (<c>&lt;prefix&gt;._schemas</c>); events
    /// without an inline schema name theirs in the <c>cablehub.schema_id</c> header. Null or empty: not read.
    /// </summary>
    public string? SchemaTopic { get; set; } = "cablehub._schemas";

    /// <summary>Kafka topic receiving messages that cannot be ingested (besides <c>raw._dead_letter</c>); null or empty: ClickHouse only.</summary>
    public string? DeadLetterTopic { get; set; } = "cablehub.dlq.ingest";

    public RawTableNaming Naming { get; set; } = new();

    public RetrySettings Retry { get; set; } = new();

    /// <summary>How often the consumer re-reads topic metadata, i.e. how soon a new topic matching <see cref="TopicPattern"/> is consumed.</summary>
    public TimeSpan TopicRefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Compress insert bodies (zstd). Worth it to a remote server; off saves CPU on loopback.</summary>
    public bool CompressInserts { get; set; } = true;

    /// <summary>How often the consumer lag is measured (<see cref="IngestStats.Lag"/>) and logged.</summary>
    public TimeSpan LagInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan LagLogInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Clock of the lag measurements and the ingested-at column.</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>How long a stopping ingester may spend writing its last batch (else the batch is replayed on the next start).</summary>
    public TimeSpan ShutdownFlushTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Primary-key columns per source table (<c>"schema.table"</c>), for tables whose messages carry no key. Debezium and
    /// the hub's CDC reader put the key in the message key, so this is rarely needed.
    /// </summary>
    public IDictionary<string, IReadOnlyList<string>> KeyColumns { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);

    /// <summary>Extra librdkafka consumer properties (e.g. <c>session.timeout.ms</c>, security settings); they win over the ingester's.</summary>
    public IDictionary<string, string> ConsumerProperties { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Extra librdkafka producer properties for the dead-letter producer.</summary>
    public IDictionary<string, string> ProducerProperties { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
