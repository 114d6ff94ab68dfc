using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using CableHub.Pipelines.Cdc.Schema;
using Microsoft.Extensions.Logging;

namespace CableHub.Pipelines.Cdc.Envelopes;

/// <summary>
/// Writes Debezium PostgreSQL change events in Kafka Connect's JSON converter format with schemas
/// (<c>{"schema":…,"payload":…}</c>) for values and keys. A value the codec cannot encode as its schema says is
/// written as its PostgreSQL text (a string) and logged: a dead value never stops the stream.
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

    public EnvelopeWriter(string serverName, string database, ILogger logger)
    {
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
        w.WriteStartObject();
        w.WritePropertyName("schema");
        w.WriteRawValue(table.KeySchemaJson, skipInputValidation: true);
        w.WriteStartObject("payload");
        foreach (var i in table.KeyIndexes)
        {
            WriteColumn(table, i, row, null);
        }

        w.WriteEndObject();
        w.WriteEndObject();
        return Finish();
    }

    /// <summary>The change event value.</summary>
    public byte[] Value(TableSchema table, string op, RowImage? before, RowImage? after, in ChangeSource source, DateTime now)
    {
        Reset();
        var w = _writer;
        w.WriteStartObject();
        w.WritePropertyName("schema");
        w.WriteRawValue(table.EnvelopeSchemaJson, skipInputValidation: true);
        w.WriteStartObject("payload");
        WriteRow(table, "before", before, null);
        WriteRow(table, "after", after, before);
        WriteSource(table, source);
        if (source.TransactionId is { } xid)
        {
            w.WriteStartObject("transaction");
            w.WriteString("id", string.Create(CultureInfo.InvariantCulture, $"{xid}:{source.CommitLsn}"));
            w.WriteNumber("total_order", source.Ordinal);
            w.WriteNumber("data_collection_order", source.TableOrdinal);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("transaction");
        }

        w.WriteString("op", op);
        var ticks = now.Ticks - DateTime.UnixEpoch.Ticks;
        w.WriteNumber("ts_ms", ticks / TimeSpan.TicksPerMillisecond);
        w.WriteNumber("ts_us", ticks / TimeSpan.TicksPerMicrosecond);
        w.WriteNumber("ts_ns", ticks * 100);
        w.WriteEndObject();
        w.WriteEndObject();
        return Finish();
    }

    private void WriteSource(TableSchema table, in ChangeSource source)
    {
        var w = _writer;
        var ticks = source.Timestamp.Ticks - DateTime.UnixEpoch.Ticks;
        w.WriteStartObject("source");
        w.WriteString("version", Version);
        w.WriteString("connector", "postgresql");
        w.WriteString("name", _serverName);
        w.WriteNumber("ts_ms", ticks / TimeSpan.TicksPerMillisecond);
        w.WriteString("snapshot", source.Snapshot);
        w.WriteString("db", _database);
        w.WriteString("sequence", string.Create(CultureInfo.InvariantCulture, $"[\"{source.CommitLsn}\",\"{source.Lsn}\"]"));
        w.WriteNumber("ts_us", ticks / TimeSpan.TicksPerMicrosecond);
        w.WriteNumber("ts_ns", ticks * 100);
        w.WriteString("schema", table.Schema);
        w.WriteString("table", table.Table);
        if (source.TransactionId is { } xid)
        {
            w.WriteNumber("txId", xid);
        }
        else
        {
            w.WriteNull("txId");
        }

        w.WriteNumber("lsn", source.Lsn);
        w.WriteNull("xmin");
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
            WriteColumn(table, i, row, before);
        }

        _writer.WriteEndObject();
    }

    private void WriteColumn(TableSchema table, int index, RowImage row, RowImage? before)
    {
        var column = table.Columns[index];
        var w = _writer;
        w.WritePropertyName(column.Name);
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
