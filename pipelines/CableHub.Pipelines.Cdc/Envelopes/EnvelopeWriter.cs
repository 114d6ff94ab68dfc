using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using CableHub.Pipelines.Cdc.Schema;
using Microsoft.Extensions.Logging;

namespace CableHub.Pipelines.Cdc.Envelopes;

/// <summary>
/// Writes Debezium PostgreSQL change events in Kafka Connect's JSON converter format, for values and keys: with the
/// schema inlined (<c>{"schema":…,"payload":…}</c>, <c>schemas.enable=true</c>) or as the bare payload
/// (<c>schemas.enable=false</c>) whose schema is published once per table version (<see cref="SchemaMode.Published"/>).
/// A value the codec cannot encode as its schema says is written as its PostgreSQL text (a string) and logged: a dead
/// value never stops the stream.
/// </summary>
internal sealed partial class EnvelopeWriter
{
    /// <summary>What <c>source.version</c> says: this reader, not a Debezium release.</summary>
    public const string Version = "cablehub-cdc-1.0";

    private readonly string _serverName;
    private readonly string _database;
    private readonly ILogger _logger;
    private readonly ArrayBufferWriter<byte> _buffer = new(8192);
    private readonly Utf8JsonWriter _writer;
    private readonly ConcurrentDictionary<string, long> _badValues = new(StringComparer.Ordinal);

    private readonly bool _inlineSchemas;

    public EnvelopeWriter(string serverName, string database, ILogger logger, bool inlineSchemas = true)
    {
        _inlineSchemas = inlineSchemas;
        _serverName = serverName;
        _database = database;
        _logger = logger;
        _writer = new Utf8JsonWriter(_buffer, ColumnCodec.WriterOptions);
    }

    /// <summary>Values written as text because they did not fit their schema.</summary>
    public long BadValues => _badValues.Values.Sum();

    /// <summary>The message key <c>{"schema":…,"payload":{pk…}}</c>, or null when the table has no primary key.</summary>
    public byte[]? Key(TableSchema table, RowImage row)
    {
        if (table.KeySchemaJson is null)
        {
            return null;
        }

        Reset();
        var w = _writer;
        if (_inlineSchemas)
        {
            w.WriteStartObject();
            w.WritePropertyName("schema");
            w.WriteRawValue(table.KeySchemaJson, skipInputValidation: true);
            w.WritePropertyName("payload");
        }

        w.WriteStartObject();
        foreach (var i in table.KeyIndexes)
        {
            WriteColumn(table, i, row, null);
        }

        w.WriteEndObject();
        if (_inlineSchemas)
        {
            w.WriteEndObject();
        }

        return Finish();
    }

    /// <summary>The change event value.</summary>
    public byte[] Value(TableSchema table, string op, RowImage? before, RowImage? after, in ChangeSource source, DateTime now)
    {
        Reset();
        var w = _writer;
        if (_inlineSchemas)
        {
            w.WriteStartObject();
            w.WritePropertyName("schema");
            w.WriteRawValue(table.EnvelopeSchemaJson, skipInputValidation: true);
            w.WritePropertyName("payload");
        }

        w.WriteStartObject();
        WriteRow(table, "before", before, null);
        WriteRow(table, "after", after, before);
        WriteSource(table, source);
        if (source.TransactionId is { } xid)
        {
            w.WriteStartObject("transaction"u8);
            Span<char> id = stackalloc char[48];
            id.TryWrite(CultureInfo.InvariantCulture, $"{xid}:{source.CommitLsn}", out var idLength);
            w.WriteString("id"u8, id[..idLength]);
            w.WriteNumber("total_order"u8, source.Ordinal);
            w.WriteNumber("data_collection_order"u8, source.TableOrdinal);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("transaction"u8);
        }

        w.WriteString("op"u8, op);
        var ticks = now.Ticks - DateTime.UnixEpoch.Ticks;
        w.WriteNumber("ts_ms"u8, ticks / TimeSpan.TicksPerMillisecond);
        w.WriteNumber("ts_us"u8, ticks / TimeSpan.TicksPerMicrosecond);
        w.WriteNumber("ts_ns"u8, ticks * 100);
        w.WriteEndObject();
        if (_inlineSchemas)
        {
            w.WriteEndObject();
        }

        return Finish();
    }

    private void WriteSource(TableSchema table, in ChangeSource source)
    {
        var w = _writer;
        var ticks = source.Timestamp.Ticks - DateTime.UnixEpoch.Ticks;
        w.WriteStartObject("source"u8);
        w.WriteString("version"u8, Version);
        w.WriteString("connector"u8, "postgresql");
        w.WriteString("name"u8, _serverName);
        w.WriteNumber("ts_ms"u8, ticks / TimeSpan.TicksPerMillisecond);
        w.WriteString("snapshot"u8, source.Snapshot);
        w.WriteString("db"u8, _database);
        Span<char> sequence = stackalloc char[64];
        sequence.TryWrite(CultureInfo.InvariantCulture, $"[\"{source.CommitLsn}\",\"{source.Lsn}\"]", out var sequenceLength);
        w.WriteString("sequence"u8, sequence[..sequenceLength]);
        w.WriteNumber("ts_us"u8, ticks / TimeSpan.TicksPerMicrosecond);
        w.WriteNumber("ts_ns"u8, ticks * 100);
        w.WriteString("schema"u8, table.Schema);
        w.WriteString("table"u8, table.Table);
        if (source.TransactionId is { } xid)
        {
            w.WriteNumber("txId"u8, xid);
        }
        else
        {
            w.WriteNull("txId"u8);
        }

        w.WriteNumber("lsn"u8, source.Lsn);
        w.WriteNull("xmin"u8);
        w.WriteEndObject();
    }

    private void WriteRow(TableSchema table, string field, RowImage? row, RowImage? before)
    {
        if (row is null)
        {
            _writer.WriteNull(field);
            return;
        }

        _writer.WriteStartObject(field);
        for (var i = 0; i < table.Columns.Count; i++)
        {
            if (!table.Columns[i].Excluded)
            {
                WriteColumn(table, i, row, before);
            }
        }

        _writer.WriteEndObject();
    }

    private void WriteColumn(TableSchema table, int index, RowImage row, RowImage? before)
    {
        var column = table.Columns[index];
        var w = _writer;
        w.WritePropertyName(column.JsonName);
        if (index >= row.Count)
        {
            w.WriteNullValue();
            return;
        }

        if (row.Unchanged[index])
        {
            column.Codec.WriteUnavailable(w);
            return;
        }

        var text = row.Values[index];
        if (text is null)
        {
            w.WriteNullValue();
            return;
        }

        if (!column.Codec.TryWrite(w, text))
        {
            w.WriteStringValue(text);
            var key = table.QualifiedName + "." + column.Name;
            var count = _badValues.AddOrUpdate(key, 1, (_, n) => n + 1);
            if (count <= 10 || count % 10_000 == 0)
            {
                LogBadValue(key, column.TypeName, column.Codec.SemanticName ?? column.Codec.ConnectType, text.Length > 80 ? text[..80] + "…" : text, count);
            }
        }
    }

    private void Reset()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
    }

    private byte[] Finish()
    {
        _writer.Flush();
        return _buffer.WrittenSpan.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "CDC: column {Column} ({PgType}) value \"{Value}\" cannot be encoded as {ConnectType}; sent as its text instead ({Count} so far)")]
    private partial void LogBadValue(string column, string pgType, string connectType, string value, long count);
}
