using System.Text.Json;

namespace CableHub.Pipelines.Ingest.Envelopes;

/// <summary>Debezium operation codes.</summary>
internal enum ChangeOperation
{
    Create,
    Update,
    Delete,
    Read,
    Truncate,
}

/// <summary>
/// One parsed Debezium change event. The JSON elements point into the consumed message bytes; dispose after the row
/// was built.
/// </summary>
internal sealed class ChangeEnvelope : IDisposable
{
    private readonly JsonDocument _value;
    private readonly ChangeEnvelopeParser _parser;
    private readonly ReadOnlyMemory<byte>? _rawKey;
    private JsonDocument? _key;
    private bool _keyRead;
    private JsonElement? _keyPayload;
    private ConnectSchema? _keySchema;

    internal ChangeEnvelope(JsonDocument value, ChangeEnvelopeParser parser, ReadOnlyMemory<byte>? rawKey)
    {
        _value = value;
        _parser = parser;
        _rawKey = rawKey;
    }

    public required ChangeOperation Operation { get; init; }

    /// <summary>The op code as written (<c>c</c>, <c>u</c>, <c>d</c>, <c>r</c>, <c>t</c>).</summary>
    public required string Op { get; init; }

    public required string SourceSchema { get; init; }

    public required string SourceTable { get; init; }

    /// <summary><c>payload.before</c> when it is an object.</summary>
    public JsonElement? Before { get; init; }

    /// <summary><c>payload.after</c> when it is an object.</summary>
    public JsonElement? After { get; init; }

    /// <summary>The row struct schema (the envelope schema's <c>after</c>/<c>before</c> field) when the event carries a schema.</summary>
    public ConnectSchema? RowSchema { get; init; }

    /// <summary>The Kafka message key's fields (Debezium puts the primary key there), when the key is a JSON object. Parsed on first use.</summary>
    public JsonElement? Key
    {
        get
        {
            ReadKey();
            return _keyPayload;
        }
    }

    /// <summary>The key struct schema when the key carries one, else the published one.</summary>
    public ConnectSchema? KeySchema
    {
        get
        {
            ReadKey();
            return _keySchema ?? PublishedKeySchema;
        }
    }

    /// <summary>The key schema published with the event's schema id (schemaless events of the hub's CDC reader).</summary>
    public ConnectSchema? PublishedKeySchema { get; init; }

    private void ReadKey()
    {
        if (_keyRead)
        {
            return;
        }

        _keyRead = true;
        if (_rawKey is { Length: > 0 } raw)
        {
            (_key, _keyPayload, _keySchema) = _parser.ParseKey(raw);
        }
    }

    /// <summary><c>source.lsn</c> (or <c>sequence[1]</c> when lsn is absent).</summary>
    public required ulong Lsn { get; init; }

    /// <summary>The LSN reported to the acknowledgement hook: <c>sequence[0]</c> when present, else <c>source.lsn</c>.</summary>
    public required ulong CommitLsn { get; init; }

    public required UInt128 Version { get; init; }

    public ulong? TxId { get; init; }

    /// <summary><c>source.ts_ms</c>: when the change happened in the source database.</summary>
    public required DateTimeOffset SourceTimestamp { get; init; }

    public void Dispose()
    {
        _value.Dispose();
        _key?.Dispose();
    }
}

/// <summary>What a consumed message turned out to be.</summary>
internal enum ParseOutcomeKind
{
    Change,

    /// <summary>A Kafka tombstone (null value, or <c>{"schema":null,"payload":null}</c>): log compaction's delete marker, nothing to write.</summary>
    Tombstone,

    /// <summary>A valid message that carries no row change (logical decoding message op <c>m</c>, transaction BEGIN/END marker).</summary>
    Ignored,
}

internal readonly record struct ParseOutcome(ParseOutcomeKind Kind, ChangeEnvelope? Envelope, ulong? CommitLsn = null)
{
    public static readonly ParseOutcome Tombstone = new(ParseOutcomeKind.Tombstone, null);
}
