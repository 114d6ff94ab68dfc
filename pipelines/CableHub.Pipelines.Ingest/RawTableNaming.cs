using CableHub.Warehouse.Ddl;

namespace CableHub.Pipelines.Ingest;

/// <summary>Where the ingester puts things in ClickHouse (names from docs/ARCHITECTURE.md).</summary>
public sealed record RawTableNaming
{
    /// <summary>Database of the raw CDC tables <c>&lt;schema&gt;_&lt;table&gt;</c> and of the dead-letter/truncation tables.</summary>
    public string RawDatabase { get; init; } = "raw";

    /// <summary>Database of the current-state views (<c>SELECT … FROM raw.… FINAL WHERE _is_deleted = 0</c>).</summary>
    public string ViewDatabase { get; init; } = "hub";

    /// <summary>Source schema whose tables get views named after the table alone (<c>hub.customer</c>); tables of other schemas get <c>hub.&lt;schema&gt;_&lt;table&gt;</c>.</summary>
    public string PrimarySourceSchema { get; init; } = "hub";

    /// <summary>Table in <see cref="RawDatabase"/> holding events that could not be ingested.</summary>
    public string DeadLetterTable { get; init; } = "_dead_letter";

    /// <summary>Table in <see cref="RawDatabase"/> recording truncations (table, version), so late older rows stay deleted.</summary>
    public string TruncationsTable { get; init; } = "_truncations";

    /// <summary>Single node, or ReplicatedReplacingMergeTree + Distributed on a cluster: every DDL statement goes through it.</summary>
    public ClickHouseTopology Topology { get; init; } = ClickHouseTopology.SingleNode;

    public string RawTableName(string sourceSchema, string sourceTable) => $"{sourceSchema}_{sourceTable}";

    public string ViewName(string sourceSchema, string sourceTable) =>
        string.Equals(sourceSchema, PrimarySourceSchema, StringComparison.Ordinal) ? sourceTable : $"{sourceSchema}_{sourceTable}";
}
