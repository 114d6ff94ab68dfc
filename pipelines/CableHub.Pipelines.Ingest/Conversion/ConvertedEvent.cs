using CableHub.Pipelines.Ingest.Schema;

namespace CableHub.Pipelines.Ingest.Conversion;

/// <summary>Where a consumed message came from.</summary>
internal readonly record struct MessageOrigin(string Topic, int Partition, long Offset, byte[]? Key, byte[]? Value);

/// <summary>A raw row ready for insert: <c>[metadata…, source columns…]</c> in the layout of <see cref="Shape"/>.</summary>
internal sealed class PendingRow
{
    public required RawTable Table { get; init; }

    public required object?[] Values { get; init; }

    public required RawTableShape Shape { get; init; }

    public required UInt128 Version { get; init; }

    public required MessageOrigin Origin { get; init; }

    public required ulong CommitLsn { get; init; }

    /// <summary>Source columns (indices in <see cref="Shape"/>) whose value was Debezium's unchanged-TOAST placeholder: filled from the previous version when written.</summary>
    public int[]? Unavailable { get; init; }
}

/// <summary>A TRUNCATE of a source table.</summary>
internal sealed class PendingTruncate
{
    public required string SourceSchema { get; init; }

    public required string SourceTable { get; init; }

    /// <summary>The raw table when it exists (nothing to mark otherwise; the truncation is still recorded).</summary>
    public RawTable? Table { get; init; }

    public required UInt128 Version { get; init; }

    public required DateTimeOffset SourceTimestamp { get; init; }

    public required ulong Lsn { get; init; }

    public ulong? TxId { get; init; }

    public required MessageOrigin Origin { get; init; }

    public required ulong CommitLsn { get; init; }
}
