using CableHub.Pipelines.Cdc.Delivery;

namespace CableHub.Pipelines.Cdc;

/// <summary>Whether a newly created replication slot starts with a snapshot of the existing rows.</summary>
public enum SnapshotMode
{
    /// <summary>Read every published table inside the slot's exported snapshot (op <c>r</c>), then stream.</summary>
    Initial,

    /// <summary>Stream changes only.</summary>
    Never,
}

/// <summary>How change events carry their Kafka Connect schema.</summary>
public enum SchemaMode
{
    /// <summary>
    /// The bare payload (Kafka Connect's JSON converter with <c>schemas.enable=false</c>) plus the header
    /// <c>cablehub.schema_id</c>; each table version's key and envelope schemas are published once, before its first
    /// event, to <see cref="CdcReaderOptions.SchemaTopic"/> (key = the id). Messages are ~5× smaller.
    /// </summary>
    Published,

    /// <summary>Every key and value carries its schema (<c>{"schema":…,"payload":…}</c>, <c>schemas.enable=true</c>), as Debezium does by default.</summary>
    Inline,
}

/// <summary>Settings of a <see cref="CdcReader"/>; the host binds them from configuration.</summary>
public sealed class CdcReaderOptions
{
    /// <summary>PostgreSQL connection string (a role with REPLICATION; superuser for the replica-identity event trigger).</summary>
    public required string ConnectionString { get; set; }

    /// <summary>Kafka bootstrap servers.</summary>
    public required string BootstrapServers { get; set; }

    public string Publication { get; set; } = "cablehub_cdc";

    public string Slot { get; set; } = "cablehub_cdc";

    /// <summary>Schemas published (<c>FOR TABLES IN SCHEMA</c>): tables created later in them are captured too.</summary>
    public IList<string> Schemas { get; } = ["hub"];

    /// <summary>
    /// Per-table column allowlist (<c>schema.table</c> → the columns that may leave PostgreSQL): a listed table's events
    /// and schemas carry only those columns (and its primary key); tables not listed carry every column. How personal
    /// data stays in the database: the hub lists its tables with encrypted fields and blind indexes (host setting
    /// <c>Cdc:ColumnAllowlist</c>), so neither ciphertext nor hashes reach Kafka or the warehouse.
    /// </summary>
    public IDictionary<string, IReadOnlySet<string>> ColumnAllowlist { get; } = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);

    /// <summary>Topic prefix and <c>source.name</c>: topics are <c>&lt;prefix&gt;.&lt;schema&gt;.&lt;table&gt;</c>.</summary>
    public string TopicPrefix { get; set; } = "cablehub";

    /// <summary>Whether events inline their schema or reference one published to <see cref="SchemaTopic"/>.</summary>
    public SchemaMode SchemaMode { get; set; } = SchemaMode.Published;

    /// <summary>Topic of the published schemas (one partition, compacted on a real Kafka); default <c>&lt;TopicPrefix&gt;._schemas</c>.</summary>
    public string? SchemaTopic { get; set; }

    internal string EffectiveSchemaTopic => string.IsNullOrWhiteSpace(SchemaTopic) ? TopicPrefix + "._schemas" : SchemaTopic;

    /// <summary>Partitions of the change topics the reader creates.</summary>
    public int TopicPartitions { get; set; } = 3;

    public AcknowledgementMode Acknowledgement { get; set; } = AcknowledgementMode.Broker;

    /// <summary>
    /// Set <c>REPLICA IDENTITY FULL</c> on the published tables (complete <c>before</c> images), on start, through an
    /// event trigger for tables created later, and when a relation without it shows up in the stream.
    /// </summary>
    public bool EnsureReplicaIdentityFull { get; set; } = true;

    public SnapshotMode Snapshot { get; set; } = SnapshotMode.Initial;

    /// <summary>Schema of the reader's own state table (<c>&lt;StateSchema&gt;.slot_state</c>: snapshot progress). Not published.</summary>
    public string StateSchema { get; set; } = "cablehub_cdc";

    /// <summary>How often the confirmed position is reported to PostgreSQL.</summary>
    public TimeSpan StatusInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often an empty logical message is written to the WAL so the slot advances while the published tables are
    /// idle (other writes would otherwise pile up WAL behind the slot). Zero: never.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the slot's lag (bytes and seconds behind the WAL) is measured (<see cref="CdcReader.SlotLag"/>).</summary>
    public TimeSpan SlotLagInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the slot's lag is logged; a lag older than <see cref="SlotLagWarning"/> is logged as a warning.</summary>
    public TimeSpan SlotLagLogInterval { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan SlotLagWarning { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Clock of the lag measurements.</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>
    /// Most events produced but not yet settled (broker mode: delivered; sink mode: acknowledged by the sink). Keeps
    /// the embedded broker, which keeps only 5 MiB per partition, from dropping what the sink has not read.
    /// </summary>
    public int MaxInFlightEvents { get; set; } = 20_000;

    /// <summary>
    /// How many decoded messages may wait between the decoding stage (pgoutput → row text) and the emitting stage (envelope,
    /// produce, gate), which run on separate cores. Nothing waiting there is confirmed to the slot.
    /// </summary>
    public int DecodeAhead { get; set; } = 4_096;

    /// <summary>Sink mode: a transaction delivered but not acknowledged for this long restarts streaming from the slot (replay).</summary>
    public TimeSpan SinkAcknowledgementTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Back-off between reconnects (exponential up to <see cref="RetryMaxDelay"/>).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Extra librdkafka producer properties (security, compression…); they win over the reader's.</summary>
    public IDictionary<string, string> ProducerProperties { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("CdcReaderOptions.ConnectionString is required");
        }

        if (string.IsNullOrWhiteSpace(BootstrapServers))
        {
            throw new ArgumentException("CdcReaderOptions.BootstrapServers is required");
        }

        if (Schemas.Count == 0 || Schemas.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("CdcReaderOptions.Schemas must name at least one schema, none empty");
        }

        foreach (var (name, value) in new[] { ("Publication", Publication), ("Slot", Slot), ("TopicPrefix", TopicPrefix), ("StateSchema", StateSchema) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new ArgumentException($"CdcReaderOptions.{name} is required");
            }
        }

        if (Slot.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_')))
        {
            throw new ArgumentException($"CdcReaderOptions.Slot \"{Slot}\": a replication slot name may only hold lower-case letters, digits and underscores");
        }

        if (TopicPartitions < 1 || MaxInFlightEvents < 1 || DecodeAhead < 1)
        {
            throw new ArgumentException("CdcReaderOptions.TopicPartitions, MaxInFlightEvents and DecodeAhead must be at least 1");
        }
    }
}
