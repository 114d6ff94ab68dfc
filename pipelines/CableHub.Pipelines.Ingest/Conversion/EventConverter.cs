using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json;
using CableHub.Pipelines.Ingest.Envelopes;
using CableHub.Pipelines.Ingest.Schema;

namespace CableHub.Pipelines.Ingest.Conversion;

/// <summary>
/// Turns a parsed change event into a raw row (or a truncate), creating the raw table on first sight and adding
/// columns for fields it has not seen (ALTER TABLE … ADD COLUMN).
/// <list type="bullet">
/// <item>c / u / r: the <c>after</c> image; every key column must be present and not null.</item>
/// <item>d: the <c>before</c> image (often only the key) overlaid with the Kafka message key, <c>_is_deleted = 1</c>;
/// columns without a value get NULL or the type's default.</item>
/// <item>t: a <see cref="PendingTruncate"/>.</item>
/// </list>
/// Column types come from the Connect schema when the event has one; without a schema, a new column's type is inferred
/// from its first non-null JSON value (string → String, integer → Int64, other number → Float64, boolean → Bool,
/// object/array → String holding JSON) and it is Nullable. A null value of an unknown field adds no column yet.
/// </summary>
internal sealed class EventConverter
{
    private readonly RawTableManager _tables;
    private readonly IReadOnlyDictionary<string, IReadOnlyList<string>> _configuredKeys;
    private readonly Dictionary<(RawTable Table, ConnectSchema Schema), (RawTableShape Shape, ConnectSchema?[] Fields)> _fieldSchemas = [];
    private readonly SharedBoxes _boxes = new();
    private string? _lastSchema;
    private string? _lastTableName;
    private RawTable? _lastTable;
    private (RawTable Table, ConnectSchema Schema, RawTableShape Shape, ConnectSchema?[] Fields)? _lastFields;

    public EventConverter(RawTableManager tables, IReadOnlyDictionary<string, IReadOnlyList<string>>? configuredKeys = null)
    {
        _tables = tables;
        _configuredKeys = configuredKeys ?? new Dictionary<string, IReadOnlyList<string>>();
    }

    /// <summary>Returns a <see cref="PendingRow"/> or a <see cref="PendingTruncate"/>; throws <see cref="InvalidEnvelopeException"/> for bad events.</summary>
    public async ValueTask<object> ConvertAsync(ChangeEnvelope envelope, MessageOrigin origin, CancellationToken cancellationToken)
    {
        // Consecutive events mostly belong to one table, and the parser shares the name strings: skip the lookup then.
        var table = ReferenceEquals(envelope.SourceSchema, _lastSchema) && ReferenceEquals(envelope.SourceTable, _lastTableName) && _lastTable is not null
            ? _lastTable
            : await _tables.FindAsync(envelope.SourceSchema, envelope.SourceTable, cancellationToken).ConfigureAwait(false);
        if (table is not null)
        {
            (_lastSchema, _lastTableName, _lastTable) = (envelope.SourceSchema, envelope.SourceTable, table);
        }

        if (envelope.Operation == ChangeOperation.Truncate)
        {
            return new PendingTruncate
            {
                SourceSchema = envelope.SourceSchema,
                SourceTable = envelope.SourceTable,
                Table = table,
                Version = envelope.Version,
                SourceTimestamp = envelope.SourceTimestamp,
                Lsn = envelope.Lsn,
                TxId = envelope.TxId,
                Origin = origin,
                CommitLsn = envelope.CommitLsn,
            };
        }

        var isDelete = envelope.Operation == ChangeOperation.Delete;
        var imageName = isDelete ? "before" : "after";
        var image = isDelete ? envelope.Before : envelope.After;
        if (!isDelete && image is null)
        {
            throw new InvalidEnvelopeException($"payload.after: missing or null for op \"{envelope.Op}\"");
        }

        if (isDelete && image is null && envelope.Key is null)
        {
            throw new InvalidEnvelopeException("payload.before is null and the message has no key: the deleted row cannot be identified");
        }

        table ??= await CreateTableAsync(envelope, image, cancellationToken).ConfigureAwait(false);

        if (!table.TruncationsLoaded)
        {
            table.RaiseTruncatedBelow(await _tables.LoadTruncatedBelowAsync(table, cancellationToken).ConfigureAwait(false));
            table.TruncationsLoaded = true;
        }

        // Build; when the event has fields the table lacks, add them and build again.
        for (var attempt = 0; ; attempt++)
        {
            var shape = table.Shape;
            List<RawColumn>? missing = null;
            List<int>? unavailable = null;
            var values = BuildValues(envelope, table, shape, image, imageName, isDelete, ref missing, ref unavailable);
            if (missing is null)
            {
                values[MetadataColumns.Version] = (BigInteger)envelope.Version;
                values[MetadataColumns.IsDeleted] = isDelete ? BoxedOne : BoxedZero;
                values[MetadataColumns.Op] = OpCode(envelope.Operation);
                values[MetadataColumns.SourceTimestamp] = _boxes.Timestamp(envelope.SourceTimestamp);
                values[MetadataColumns.Lsn] = envelope.Lsn;
                values[MetadataColumns.TxId] = _boxes.TxId(envelope.TxId);
                values[MetadataColumns.Topic] = _boxes.Topic(origin.Topic);
                values[MetadataColumns.Partition] = _boxes.Partition(origin.Partition);
                values[MetadataColumns.Offset] = origin.Offset;
                return new PendingRow
                {
                    Table = table,
                    Values = values,
                    Shape = shape,
                    Version = envelope.Version,
                    Origin = origin with { Key = null, Value = null }, // the message bytes are not kept (GC cost); refetched if ClickHouse refuses the row
                    CommitLsn = envelope.CommitLsn,
                    Unavailable = unavailable?.ToArray(),
                };
            }

            if (attempt > 0)
            {
                throw new InvalidEnvelopeException($"{table}: columns {string.Join(", ", missing.Select(c => c.Name))} are still missing after ALTER TABLE ADD COLUMN");
            }

            await _tables.AddColumnsAsync(table, missing, cancellationToken).ConfigureAwait(false);
        }
    }

    private static readonly object BoxedZero = (byte)0;
    private static readonly object BoxedOne = (byte)1;

    private object?[] BuildValues(ChangeEnvelope envelope, RawTable table, RawTableShape shape, JsonElement? image, string imageName, bool isDelete, ref List<RawColumn>? missing, ref List<int>? unavailable)
    {
        const int m = MetadataColumns.Count;
        var columns = shape.Columns;
        var values = (object?[])shape.DefaultRow.Clone();

        var fieldSchemas = envelope.RowSchema is null ? null : FieldSchemas(table, shape, envelope.RowSchema);
        Span<bool> provided = columns.Count <= 512 ? stackalloc bool[columns.Count] : new bool[columns.Count];

        if (image is { } row)
        {
            var hint = 0;
            foreach (var property in row.EnumerateObject())
            {
                var index = shape.IndexOf(property, hint);
                if (index < 0)
                {
                    AddMissing(envelope.RowSchema, property, imageName, ref missing);
                    continue;
                }

                hint = index + 1;
                if (missing is not null || (isDelete && property.Value.ValueKind == JsonValueKind.Null))
                {
                    continue; // the row is rebuilt after ALTER anyway / a partial delete image: keep the default
                }

                if (IsUnavailable(property.Value))
                {
                    // An unchanged TOASTed value the stream did not carry: the writer takes the column's previous value.
                    if (!isDelete)
                    {
                        (unavailable ??= []).Add(index);
                    }

                    continue;
                }

                values[m + index] = Convert(property.Value, columns[index], fieldSchemas?[index], imageName);
                provided[index] = true;
            }
        }

        if (missing is not null)
        {
            return values;
        }

        foreach (var key in table.KeyColumns)
        {
            var index = shape.IndexOf(key);
            if (index < 0 || (provided[index] && values[m + index] is not null))
            {
                continue;
            }

            if (envelope.Key is { } messageKey && messageKey.TryGetProperty(key, out var keyValue) && keyValue.ValueKind != JsonValueKind.Null)
            {
                values[m + index] = Convert(keyValue, columns[index], envelope.KeySchema?.FindField(key)?.Schema, "key");
                continue;
            }

            throw new InvalidEnvelopeException(isDelete
                ? $"payload.before.{key}: the delete carries no value for key column \"{key}\" (neither in before nor in the message key)"
                : $"payload.{imageName}.{key}: key column \"{key}\" is missing or null");
        }

        return values;
    }

    private static object? Convert(JsonElement value, RawColumn column, ConnectSchema? schema, string imageName)
    {
        try
        {
            return ValueConverter.Convert(value, column.Type, schema, column.Name);
        }
        catch (InvalidEnvelopeException e)
        {
            throw new InvalidEnvelopeException($"payload.{imageName}.{e.Message}", e);
        }
    }

    private static void AddMissing(ConnectSchema? rowSchema, JsonProperty property, string imageName, ref List<RawColumn>? missing)
    {
        RawTableManager.CheckColumnName(property.Name, $"payload.{imageName}");
        if (rowSchema?.FindField(property.Name) is { } field)
        {
            (missing ??= []).Add(new RawColumn(property.Name, ConnectTypeMapping.Map(field.Schema, $"schema.{imageName}.{property.Name}")));
        }
        else if (Infer(property.Value) is { } inferred)
        {
            (missing ??= []).Add(new RawColumn(property.Name, inferred.AsNullable()));
        }
    }

    /// <summary>The Connect schema of each column of <paramref name="shape"/> in this event's row schema (null where absent).</summary>
    private ConnectSchema?[] FieldSchemas(RawTable table, RawTableShape shape, ConnectSchema rowSchema)
    {
        if (_lastFields is { } last && ReferenceEquals(last.Table, table) && ReferenceEquals(last.Schema, rowSchema) && ReferenceEquals(last.Shape, shape))
        {
            return last.Fields;
        }

        if (_fieldSchemas.TryGetValue((table, rowSchema), out var cached) && ReferenceEquals(cached.Shape, shape))
        {
            _lastFields = (table, rowSchema, shape, cached.Fields);
            return cached.Fields;
        }

        var fields = new ConnectSchema?[shape.Columns.Count];
        for (var i = 0; i < fields.Length; i++)
        {
            fields[i] = rowSchema.FindField(shape.Columns[i].Name)?.Schema;
        }

        if (_fieldSchemas.Count > 10_000)
        {
            _fieldSchemas.Clear();
        }

        _fieldSchemas[(table, rowSchema)] = (shape, fields);
        _lastFields = (table, rowSchema, shape, fields);
        return fields;
    }

    private async Task<RawTable> CreateTableAsync(ChangeEnvelope envelope, JsonElement? image, CancellationToken cancellationToken)
    {
        var keys = KeyColumns(envelope);
        List<RawColumn> columns;
        if (envelope.RowSchema is { } rowSchema)
        {
            columns = RawTableManager.ColumnsFromSchema(rowSchema, keys, "schema.after");
        }
        else
        {
            columns = [];
            if (image is { } row)
            {
                foreach (var property in row.EnumerateObject())
                {
                    RawTableManager.CheckColumnName(property.Name, "payload");
                    if (Infer(property.Value) is { } type)
                    {
                        columns.Add(new RawColumn(property.Name, keys.Contains(property.Name) ? type : type.AsNullable()));
                    }
                }
            }
        }

        // Key columns the row image does not describe come from the key's schema or value.
        foreach (var key in keys)
        {
            if (columns.Any(c => c.Name == key))
            {
                continue;
            }

            ColumnType? type = null;
            if (envelope.KeySchema?.FindField(key) is { } keyField)
            {
                type = ConnectTypeMapping.Map(keyField.Schema, $"key.schema.{key}");
            }
            else if (envelope.Key is { } messageKey && messageKey.TryGetProperty(key, out var keyValue))
            {
                type = Infer(keyValue);
            }

            if (type is null)
            {
                throw new InvalidEnvelopeException($"{envelope.SourceSchema}.{envelope.SourceTable}: the type of key column \"{key}\" is unknown");
            }

            columns.Insert(0, new RawColumn(key, type));
        }

        for (var i = 0; i < columns.Count; i++)
        {
            if (keys.Contains(columns[i].Name))
            {
                columns[i] = new RawColumn(columns[i].Name, columns[i].Type.AsNotNullable());
            }
        }

        return await _tables.CreateAsync(envelope.SourceSchema, envelope.SourceTable, columns, keys, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Configured key columns, else the key schema's fields, else the key object's members.</summary>
    private List<string> KeyColumns(ChangeEnvelope envelope)
    {
        if (_configuredKeys.TryGetValue($"{envelope.SourceSchema}.{envelope.SourceTable}", out var configured) && configured.Count > 0)
        {
            return [.. configured];
        }

        if (envelope.KeySchema is { Fields.Count: > 0 } keySchema)
        {
            return [.. keySchema.Fields.Select(f => f.Name)];
        }

        return envelope.Key is { } key ? [.. key.EnumerateObject().Select(p => p.Name)] : [];
    }

    /// <summary>Debezium's placeholder for an unchanged TOASTed column (string, base64 bytes, or an array holding it).</summary>
    internal const string UnavailableValue = "__debezium_unavailable_value";

    private static readonly byte[] UnavailableUtf8 = "__debezium_unavailable_value"u8.ToArray();
    private static readonly byte[] UnavailableBase64 = System.Text.Encoding.ASCII.GetBytes(System.Convert.ToBase64String(UnavailableUtf8));

    internal static bool IsUnavailable(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => JsonMarshal.GetRawUtf8Value(value).Length is var n && (n == UnavailableUtf8.Length + 2 || n == UnavailableBase64.Length + 2)
                                && (value.ValueEquals(UnavailableUtf8) || value.ValueEquals(UnavailableBase64)),
        JsonValueKind.Array => value.GetArrayLength() == 1 && value[0].ValueKind == JsonValueKind.String && IsUnavailable(value[0]),
        _ => false,
    };

    internal static ColumnType? Infer(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String or JsonValueKind.Object or JsonValueKind.Array => ColumnType.String,
        JsonValueKind.True or JsonValueKind.False => ColumnType.Bool,
        JsonValueKind.Number => IsIntegerLiteral(value) ? ColumnType.Int64 : ColumnType.Float64,
        _ => null,
    };

    private static bool IsIntegerLiteral(JsonElement number)
    {
        var raw = number.GetRawText();
        return raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0 && number.TryGetInt64(out _);
    }

    private static string OpCode(ChangeOperation operation) => operation switch
    {
        ChangeOperation.Create => "c",
        ChangeOperation.Update => "u",
        ChangeOperation.Delete => "d",
        ChangeOperation.Read => "r",
        _ => "t",
    };

    /// <summary>
    /// Batched rows live until their flush; every object they hold is copied by the GC on its way to an older
    /// generation. Metadata values that repeat from row to row (topic, partition, transaction, timestamp) are shared.
    /// </summary>
    private sealed class SharedBoxes
    {
        private readonly object[] _partitions = Enumerable.Range(0, 64).Select(p => (object)p).ToArray();
        private readonly Dictionary<string, string> _topics = new(StringComparer.Ordinal);
        private ulong _txId;
        private object? _txIdBox;
        private DateTimeOffset _timestamp;
        private object? _timestampBox;

        public object Partition(int partition) => (uint)partition < (uint)_partitions.Length ? _partitions[partition] : partition;

        public string Topic(string topic)
        {
            if (_topics.TryGetValue(topic, out var shared))
            {
                return shared;
            }

            if (_topics.Count < 10_000)
            {
                _topics[topic] = topic;
            }

            return topic;
        }

        public object? TxId(ulong? txId)
        {
            if (txId is not { } id)
            {
                return null;
            }

            if (_txIdBox is null || _txId != id)
            {
                _txId = id;
                _txIdBox = id;
            }

            return _txIdBox;
        }

        public object Timestamp(DateTimeOffset timestamp)
        {
            if (_timestampBox is null || _timestamp != timestamp)
            {
                _timestamp = timestamp;
                _timestampBox = timestamp;
            }

            return _timestampBox;
        }
    }
}
