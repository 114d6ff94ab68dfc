using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace CableHub.Pipelines.Ingest.Envelopes;

/// <summary>
/// Parses Kafka messages holding Debezium change events, JSON converter with or without schemas
/// (<c>{"schema":…,"payload":{…}}</c> or the bare payload). Errors are <see cref="InvalidEnvelopeException"/>s naming
/// the member and the reason. Parsed Connect schemas are cached by their exact JSON bytes, so a schema repeated in
/// every message is parsed once.
/// </summary>
internal sealed class ChangeEnvelopeParser
{
    private const int MaxCachedSchemas = 4096;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 128 };

    private readonly Dictionary<byte[], ConnectSchema?> _schemas = new(ByteArrayComparer.Instance);
    private readonly IPublishedSchemas? _published;

    public ChangeEnvelopeParser(IPublishedSchemas? published = null) => _published = published;

    /// <summary>
    /// Parses one message. The returned envelope references <paramref name="value"/>'s memory: keep it alive until disposed.
    /// <paramref name="schemaId"/> (header <c>cablehub.schema_id</c>) names the published schema of a schemaless event.
    /// </summary>
    public ParseOutcome Parse(ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value, string? schemaId = null)
    {
        if (value is null || value.Value.Length == 0)
        {
            return ParseOutcome.Tombstone;
        }

        var document = ParseJson(value.Value, "value");
        try
        {
            var outcome = ParseValue(document, key, schemaId);
            if (outcome.Kind != ParseOutcomeKind.Change)
            {
                document.Dispose();
            }

            return outcome;
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    private ParseOutcome ParseValue(JsonDocument document, ReadOnlyMemory<byte>? key, string? schemaId)
    {
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Null)
        {
            return ParseOutcome.Tombstone;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidEnvelopeException($"value: a change event must be a JSON object, found {root.ValueKind}");
        }

        JsonElement payload;
        ConnectSchema? envelopeSchema = null;
        string payloadPath;
        if (root.TryGetProperty("payload", out var wrappedPayload) && root.TryGetProperty("schema", out var schemaElement))
        {
            if (wrappedPayload.ValueKind == JsonValueKind.Null)
            {
                return ParseOutcome.Tombstone;
            }

            payload = wrappedPayload;
            payloadPath = "payload";
            envelopeSchema = schemaElement.ValueKind == JsonValueKind.Object ? CachedSchema(schemaElement, "schema") : null;
        }
        else
        {
            payload = root;
            payloadPath = "value";
        }

        ConnectSchema? publishedKeySchema = null;
        if (envelopeSchema is null && schemaId is not null && _published?.Find(schemaId) is { } published)
        {
            envelopeSchema = published.Envelope;
            publishedKeySchema = published.Key;
        }

        if (payload.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidEnvelopeException($"{payloadPath}: the change event payload must be a JSON object, found {payload.ValueKind}");
        }

        if (!payload.TryGetProperty("op", out var opElement))
        {
            if (payload.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String && payload.TryGetProperty("id", out _))
            {
                return new ParseOutcome(ParseOutcomeKind.Ignored, null); // transaction metadata BEGIN/END
            }

            throw new InvalidEnvelopeException($"{payloadPath}.op: missing (not a Debezium change event)");
        }

        var op = opElement.ValueKind == JsonValueKind.String
            ? OpCode(opElement)
            : throw new InvalidEnvelopeException($"{payloadPath}.op: expected a string, found {opElement.ValueKind}");

        var source = payload.TryGetProperty("source", out var s) && s.ValueKind == JsonValueKind.Object
            ? s
            : throw new InvalidEnvelopeException($"{payloadPath}.source: missing or not an object");
        var position = ReadPosition(source, payloadPath);

        ChangeOperation operation;
        switch (op)
        {
            case "c": operation = ChangeOperation.Create; break;
            case "u": operation = ChangeOperation.Update; break;
            case "d": operation = ChangeOperation.Delete; break;
            case "r": operation = ChangeOperation.Read; break;
            case "t": operation = ChangeOperation.Truncate; break;
            case "m": return new ParseOutcome(ParseOutcomeKind.Ignored, null, position.CommitLsn);
            default: throw new InvalidEnvelopeException($"{payloadPath}.op: unknown operation \"{op}\" (expected c, u, d, r, t or m)");
        }

        var sourceSchema = ReadName(source, "schema"u8) ?? ReadName(source, "db"u8);
        if (string.IsNullOrEmpty(sourceSchema))
        {
            throw new InvalidEnvelopeException($"{payloadPath}.source.schema: missing or empty");
        }

        var sourceTable = ReadName(source, "table"u8);
        if (string.IsNullOrEmpty(sourceTable))
        {
            throw new InvalidEnvelopeException($"{payloadPath}.source.table: missing or empty");
        }

        var before = ReadImage(payload, "before", payloadPath);
        var after = ReadImage(payload, "after", payloadPath);

        ConnectSchema? rowSchema = null;
        if (envelopeSchema is not null)
        {
            rowSchema = envelopeSchema.FindField("after")?.Schema ?? envelopeSchema.FindField("before")?.Schema;
            if (rowSchema is not null && !rowSchema.IsStruct)
            {
                throw new InvalidEnvelopeException($"schema.after: the row schema must be a struct, found {rowSchema.Type}");
            }
        }

        var timestampMs = ReadUInt64(source, "ts_ms", payloadPath, "source.ts_ms")
                          ?? ReadUInt64(payload, "ts_ms", payloadPath, "ts_ms")
                          ?? 0UL;
        if (timestampMs > 253402300799999UL)
        {
            throw new InvalidEnvelopeException($"{payloadPath}.source.ts_ms: {timestampMs} is not a plausible epoch-milliseconds timestamp");
        }

        var envelope = new ChangeEnvelope(document, this, key)
        {
            Operation = operation,
            Op = op,
            SourceSchema = sourceSchema,
            SourceTable = sourceTable,
            Before = before,
            After = after,
            RowSchema = rowSchema,
            PublishedKeySchema = publishedKeySchema is { IsStruct: true } ? publishedKeySchema : null,
            Lsn = position.Lsn,
            CommitLsn = position.CommitLsn,
            Version = position.Version,
            TxId = ReadUInt64(source, "txId", payloadPath, "source.txId"),
            SourceTimestamp = DateTimeOffset.FromUnixTimeMilliseconds((long)timestampMs),
        };
        return new ParseOutcome(ParseOutcomeKind.Change, envelope, position.CommitLsn);
    }

    /// <summary>Parses a message key (Debezium: the primary key struct, with or without schema); the document must be disposed by the caller.</summary>
    internal (JsonDocument Document, JsonElement? Payload, ConnectSchema? Schema) ParseKey(ReadOnlyMemory<byte> key)
    {
        var document = ParseJson(key, "key");
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (document, null, null); // a scalar or null key carries no named key fields
        }

        if (root.TryGetProperty("payload", out var payload) && root.TryGetProperty("schema", out var schema))
        {
            var keySchema = schema.ValueKind == JsonValueKind.Object ? CachedSchema(schema, "key.schema") : null;
            return (document, payload.ValueKind == JsonValueKind.Object ? payload : null, keySchema is { IsStruct: true } ? keySchema : null);
        }

        return (document, root, null);
    }

    private static JsonElement? ReadImage(JsonElement payload, string name, string payloadPath)
    {
        if (!payload.TryGetProperty(name, out var image) || image.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return image.ValueKind == JsonValueKind.Object
            ? image
            : throw new InvalidEnvelopeException($"{payloadPath}.{name}: expected an object or null, found {image.ValueKind}");
    }

    private readonly record struct SourcePosition(ulong Lsn, ulong CommitLsn, UInt128 Version);

    private static SourcePosition ReadPosition(JsonElement source, string payloadPath)
    {
        var lsn = ReadUInt64(source, "lsn", payloadPath, "source.lsn");
        ulong? sequenceCommit = null;
        ulong? sequenceChange = null;
        if (source.TryGetProperty("sequence", out var sequence) && sequence.ValueKind != JsonValueKind.Null)
        {
            (sequenceCommit, sequenceChange) = ReadSequence(sequence, payloadPath);
        }

        var changeLsn = lsn ?? sequenceChange
            ?? throw new InvalidEnvelopeException($"{payloadPath}.source: neither lsn nor sequence is present; the version of the change cannot be derived");
        var commitPart = sequenceCommit ?? changeLsn;
        var changePart = sequenceChange ?? 0UL;
        return new SourcePosition(changeLsn, commitPart, EventVersion.Compose(commitPart, changePart));
    }

    /// <summary>Reads <c>sequence</c>: a JSON array, or (Debezium) a string holding one; elements are decimal strings, numbers or null.</summary>
    private static (ulong? Commit, ulong? Change) ReadSequence(JsonElement sequence, string payloadPath)
    {
        if (sequence.ValueKind == JsonValueKind.String)
        {
            if (TryReadSequenceText(JsonMarshal.GetRawUtf8Value(sequence), out var commit, out var change))
            {
                return (commit, change);
            }

            var text = sequence.GetString()!;
            try
            {
                using var inner = JsonDocument.Parse(text);
                return ReadSequenceArray(inner.RootElement, payloadPath);
            }
            catch (JsonException e)
            {
                throw new InvalidEnvelopeException($"{payloadPath}.source.sequence: \"{Truncate(text, 80)}\" is not a JSON array: {e.Message}", e);
            }
        }

        return ReadSequenceArray(sequence, payloadPath);
    }

    private static (ulong? Commit, ulong? Change) ReadSequenceArray(JsonElement array, string payloadPath)
    {
        if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() != 2)
        {
            throw new InvalidEnvelopeException($"{payloadPath}.source.sequence: expected a two-element array [commit LSN, change LSN], found {array.ValueKind}{(array.ValueKind == JsonValueKind.Array ? $" of {array.GetArrayLength()}" : "")}");
        }

        return (ReadUInt64Value(array[0], payloadPath, "source.sequence[0]"), ReadUInt64Value(array[1], payloadPath, "source.sequence[1]"));
    }

    /// <summary>
    /// The common shape of Debezium's string <c>sequence</c>, as it stands in the message (raw, with the quotes
    /// escaped): <c>"[\"123\",\"456\"]"</c> (or with <c>null</c> elements). Anything else: false, and the general path parses it.
    /// </summary>
    private static bool TryReadSequenceText(ReadOnlySpan<byte> raw, out ulong? commit, out ulong? change)
    {
        commit = change = null;
        if (raw.Length < 2 || raw[0] != (byte)'"' || raw[^1] != (byte)'"')
        {
            return false;
        }

        var s = raw[1..^1];
        if (s.Length < 2 || s[0] != (byte)'[' || s[^1] != (byte)']')
        {
            return false;
        }

        s = s[1..^1];
        var comma = s.IndexOf((byte)',');
        return comma > 0 && TryElement(s[..comma], out commit) && TryElement(s[(comma + 1)..], out change);

        static bool TryElement(ReadOnlySpan<byte> e, out ulong? value)
        {
            value = null;
            if (e.SequenceEqual("null"u8))
            {
                return true;
            }

            if (e.Length >= 4 && e.StartsWith("\\\""u8) && e.EndsWith("\\\""u8))
            {
                e = e[2..^2];
            }

            if (e.Length == 0 || e.Length > 20 || !System.Buffers.Text.Utf8Parser.TryParse(e, out ulong n, out var consumed) || consumed != e.Length)
            {
                return false;
            }

            value = n;
            return true;
        }
    }

    private static string OpCode(JsonElement op) =>
        op.ValueEquals("c"u8) ? "c" : op.ValueEquals("u"u8) ? "u" : op.ValueEquals("d"u8) ? "d" : op.ValueEquals("r"u8) ? "r" : op.ValueEquals("t"u8) ? "t" : op.GetString()!;

    private readonly Dictionary<byte[], string> _names = new(ByteArrayComparer.Instance);

    /// <summary>A schema/table name; the string is shared by every event naming it (fewer allocations per event).</summary>
    private string? ReadName(JsonElement obj, ReadOnlySpan<byte> name)
    {
        if (!obj.TryGetProperty(name, out var e) || e.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        if (_names.Count > 10_000 || JsonMarshal.GetRawUtf8Value(e).Contains((byte)'\\'))
        {
            return e.GetString();
        }

        var raw = JsonMarshal.GetRawUtf8Value(e);
        var lookup = _names.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (lookup.TryGetValue(raw[1..^1], out var known))
        {
            return known;
        }

        var text = e.GetString()!;
        _names[raw[1..^1].ToArray()] = text;
        return text;
    }

    /// <summary>Reads an optional unsigned integer member; the place (<paramref name="prefix"/>.<paramref name="member"/>) is only composed for the error.</summary>
    private static ulong? ReadUInt64(JsonElement obj, string name, string prefix, string member) =>
        obj.TryGetProperty(name, out var e) ? ReadUInt64Value(e, prefix, member) : null;

    private static ulong? ReadUInt64Value(JsonElement e, string prefix, string member)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.Number when e.TryGetUInt64(out var n):
                return n;
            case JsonValueKind.String when ulong.TryParse(e.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n):
                return n;
            default:
                throw new InvalidEnvelopeException($"{prefix}.{member}: expected an unsigned 64-bit integer, found {e.ValueKind} {Truncate(e.GetRawText(), 40)}");
        }
    }

    private ConnectSchema? CachedSchema(JsonElement schema, string path)
    {
        var raw = JsonMarshal.GetRawUtf8Value(schema);
        var lookup = _schemas.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (lookup.TryGetValue(raw, out var cached))
        {
            return cached;
        }

        var parsed = ConnectSchema.Parse(schema, path);
        if (_schemas.Count >= MaxCachedSchemas)
        {
            _schemas.Clear();
        }

        _schemas[raw.ToArray()] = parsed;
        return parsed;
    }

    private static JsonDocument ParseJson(ReadOnlyMemory<byte> bytes, string what)
    {
        try
        {
            return JsonDocument.Parse(bytes, DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidEnvelopeException(
                $"{what}: malformed JSON at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}: {e.Message}", e);
        }
    }

    internal static string Truncate(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = default(HashCode);
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
