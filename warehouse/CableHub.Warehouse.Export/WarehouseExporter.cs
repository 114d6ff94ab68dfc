using System.Globalization;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using ClickHouse.Driver;
using CsvHelper;
using Parquet;
using Parquet.Schema;

namespace CableHub.Warehouse.Export;

/// <summary>File formats of <see cref="WarehouseExporter"/>.</summary>
public enum ExportFormat
{
    /// <summary>Apache Parquet (Parquet.Net), one row group per block; time zones in the file's key-value metadata.</summary>
    Parquet,

    /// <summary>Arrow IPC file (Feather v2, Apache.Arrow): ClickHouse's Arrow types as they come.</summary>
    Arrow,

    /// <summary>RFC 4180 CSV with a header (CsvHelper): NULL is an empty field, an empty string is <c>""</c>.</summary>
    Csv,
}

/// <summary>Rows and bytes written so far.</summary>
public readonly record struct ExportProgress(long Rows, long Bytes);

/// <summary>What an export wrote.</summary>
public sealed record ExportSummary(long Rows, long Bytes, IReadOnlyList<(string Name, string ClickHouseType)> Columns);

/// <summary>
/// Streams a warehouse query into a file: ClickHouse's <c>RowBinaryWithNamesAndTypes</c> output over the HTTP interface,
/// turned into Arrow record batches of 65,536 rows (<see cref="RowBinaryArrowReader"/>) and each written before the
/// next is read, so memory stays at about one batch whatever the row count (RowBinary streams on a ClickHouse server and
/// on the embedded engine alike; the embedded engine builds an <c>ArrowStream</c> result whole first). Types: integers,
/// floats, Bool, String/LowCardinality/FixedString, Decimal up to 38 digits, Date/Date32 (as dates), DateTime/DateTime64
/// (instants; the column's zone kept in Arrow, in Parquet metadata, as the offset in CSV), Nullable of these. Every other
/// type (UUID, Enum, 128/256-bit integers, wider decimals, IP addresses, maps, tuples, JSON, ...) goes out as its
/// ClickHouse text; arrays of the types above stay lists in Arrow and are written as their ClickHouse text in Parquet and CSV.
/// </summary>
public static class WarehouseExporter
{
    /// <summary>Rows per record batch (and per Parquet row group).</summary>
    private const int BatchRows = 65_536;

    /// <summary>The query a mart is exported with: <c>FINAL</c> for the versioned mart tables, their bookkeeping columns left out.</summary>
    public static string MartQuery(string mart, bool versioned) =>
        versioned
            ? $"SELECT * EXCEPT (_version, _is_deleted) FROM marts.`{mart}` FINAL"
            : $"SELECT * FROM marts.`{mart}`";

    public static async Task<ExportSummary> ExportAsync(string connectionString, string query, ExportFormat format, Stream output,
        IProgress<ExportProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        ArgumentNullException.ThrowIfNull(output);
        var trimmed = query.Trim().TrimEnd(';');
        using var client = new ClickHouseClient(connectionString);
        var columns = await DescribeAsync(client, trimmed, ct).ConfigureAwait(false);
        var sql = Normalise(trimmed, columns, nested: format == ExportFormat.Arrow);
        var serverTimeZone = await client.ExecuteScalarAsync("SELECT timezone()", cancellationToken: ct).ConfigureAwait(false) as string ?? "UTC";
        // The body is read as it arrives: ClickHouse.Driver's raw result reads the whole response into memory first,
        // so the request goes out on HttpClient with the driver's connection settings and ResponseHeadersRead.
        using var response = await ClickHouseHttp.PostAsync(connectionString, sql + "\nFORMAT RowBinaryWithNamesAndTypes", new Dictionary<string, string>(), ct).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var reader = await RowBinaryArrowReader.OpenAsync(body, serverTimeZone, BatchRows, ct).ConfigureAwait(false);
        var counting = new CountingStream(output);
        long rows = 0;
        ISink sink = format switch
        {
            ExportFormat.Parquet => new ParquetSink(counting),
            ExportFormat.Arrow => new ArrowSink(counting),
            ExportFormat.Csv => new CsvSink(counting),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
        await using (sink.ConfigureAwait(false))
        {
            while (await reader.ReadNextRecordBatchAsync(ct).ConfigureAwait(false) is { } batch)
            {
                using (batch)
                {
                    await sink.WriteAsync(batch, ct).ConfigureAwait(false);
                    rows += batch.Length;
                }

                progress?.Report(new ExportProgress(rows, counting.Written));
            }

            await sink.CompleteAsync(reader.Schema, ct).ConfigureAwait(false);
        }

        await output.FlushAsync(ct).ConfigureAwait(false);
        progress?.Report(new ExportProgress(rows, counting.Written));
        return new ExportSummary(rows, counting.Written, columns);
    }

    private static async Task<List<(string Name, string Type)>> DescribeAsync(ClickHouseClient client, string query, CancellationToken ct)
    {
        var columns = new List<(string, string)>();
#pragma warning disable CA2100 // the operator's own query is what this exports
        using var reader = await client.ExecuteReaderAsync($"DESCRIBE TABLE ({query})", null, null, ct).ConfigureAwait(false);
#pragma warning restore CA2100
        while (reader.Read())
        {
            columns.Add((reader.GetString(0), reader.GetString(1)));
        }

        return columns;
    }

    /// <summary>Wraps the query so every column has a type the writers take (see the class summary).</summary>
    internal static string Normalise(string query, IReadOnlyList<(string Name, string Type)> columns, bool nested)
    {
        var select = new StringBuilder("SELECT ");
        for (var i = 0; i < columns.Count; i++)
        {
            var (name, type) = columns[i];
            var q = "`" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal) + "`";
            var inner = Unwrap(type);
            var expr = inner switch
            {
                "Date" => $"toDate32({q})",
                _ when inner.StartsWith("DateTime(", StringComparison.Ordinal) || inner == "DateTime" => $"toDateTime64({q}, 0{ZoneArgument(inner)})",
                _ when Decodable(inner, nested) => q,
                _ => $"toString({q})",
            };
            select.Append(i == 0 ? "" : ", ").Append(expr).Append(" AS ").Append(q);
        }

        return select.Append(" FROM (").Append(query).Append(')').ToString();
    }

    /// <summary>Types <see cref="RowBinaryArrowReader"/> decodes as they are (arrays only for Arrow files).</summary>
    private static bool Decodable(string inner, bool nested) => inner switch
    {
        "Bool" or "Int8" or "Int16" or "Int32" or "Int64" or "UInt8" or "UInt16" or "UInt32" or "UInt64" or "Float32" or "Float64"
            or "String" or "Date32" or "Nothing" => true,
        _ when inner.StartsWith("FixedString(", StringComparison.Ordinal) || inner.StartsWith("DateTime64(", StringComparison.Ordinal) => true,
        _ when inner.StartsWith("Decimal(", StringComparison.Ordinal) =>
            int.Parse(inner["Decimal(".Length..inner.IndexOf(',', StringComparison.Ordinal)], CultureInfo.InvariantCulture) <= 38,
        _ when nested && inner.StartsWith("Array(", StringComparison.Ordinal) => Decodable(Unwrap(inner["Array(".Length..^1]), nested),
        _ => false,
    };

    private static string Unwrap(string type)
    {
        foreach (var wrapper in new[] { "Nullable(", "LowCardinality(" })
        {
            while (type.StartsWith(wrapper, StringComparison.Ordinal) && type.EndsWith(')'))
            {
                type = type[wrapper.Length..^1];
            }
        }

        return type.StartsWith("Nullable(", StringComparison.Ordinal) ? Unwrap(type) : type;
    }

    private static string ZoneArgument(string dateTimeType)
    {
        var open = dateTimeType.IndexOf('(', StringComparison.Ordinal);
        return open < 0 ? string.Empty : ", " + dateTimeType[(open + 1)..^1];
    }

    private interface ISink : IAsyncDisposable
    {
        Task WriteAsync(RecordBatch batch, CancellationToken ct);

        Task CompleteAsync(Schema schema, CancellationToken ct);
    }

    private sealed class ArrowSink(Stream output) : ISink
    {
        private ArrowFileWriter? _writer;

        public async Task WriteAsync(RecordBatch batch, CancellationToken ct)
        {
            _writer ??= new ArrowFileWriter(output, batch.Schema, leaveOpen: true);
            await _writer.WriteRecordBatchAsync(batch, ct).ConfigureAwait(false);
        }

        public async Task CompleteAsync(Schema schema, CancellationToken ct)
        {
            _writer ??= new ArrowFileWriter(output, schema, leaveOpen: true);
            await _writer.WriteEndAsync(ct).ConfigureAwait(false);
        }

        public ValueTask DisposeAsync()
        {
            _writer?.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class CsvSink(Stream output) : ISink
    {
        private readonly CsvWriter _csv = CsvWriter.Create(output, CsvWriterOptions.Default, leaveOpen: true);
        private bool _header;

        public Task WriteAsync(RecordBatch batch, CancellationToken ct)
        {
            Header(batch.Schema);
            var formatters = batch.Schema.FieldsList.Select((f, i) => CsvFormat.For(f, batch.Column(i))).ToArray();
            for (var row = 0; row < batch.Length; row++)
            {
                foreach (var format in formatters)
                {
                    var text = format(row);
                    if (text is null)
                    {
                        _csv.WriteField(string.Empty);
                    }
                    else if (text.Length == 0)
                    {
                        _csv.WriteField(string.Empty, CsvQuoting.Always);
                    }
                    else
                    {
                        _csv.WriteField(text);
                    }
                }

                _csv.EndRecord();
            }

            return Task.CompletedTask;
        }

        public Task CompleteAsync(Schema schema, CancellationToken ct)
        {
            Header(schema);
            _csv.Flush();
            return Task.CompletedTask;
        }

        private void Header(Schema schema)
        {
            if (!_header)
            {
                _csv.WriteRecord(schema.FieldsList.Select(f => f.Name).ToArray());
                _header = true;
            }
        }

        public ValueTask DisposeAsync() => _csv.DisposeAsync();
    }

    private sealed class ParquetSink(Stream output) : ISink
    {
        private ParquetWriter? _writer;
        private DataField[] _fields = [];

        public async Task WriteAsync(RecordBatch batch, CancellationToken ct)
        {
            if (_writer is null)
            {
                await OpenAsync(batch.Schema, ct).ConfigureAwait(false);
            }

            using var group = _writer!.CreateRowGroup();
            for (var i = 0; i < _fields.Length; i++)
            {
                await ParquetColumns.WriteAsync(group, _fields[i], batch.Column(i), ct).ConfigureAwait(false);
            }

            group.CompleteValidate();
        }

        public async Task CompleteAsync(Schema schema, CancellationToken ct)
        {
            if (_writer is null)
            {
                await OpenAsync(schema, ct).ConfigureAwait(false);
            }
        }

        private async Task OpenAsync(Schema schema, CancellationToken ct)
        {
            _fields = [.. schema.FieldsList.Select(ParquetColumns.Field)];
            _writer = await ParquetWriter.CreateAsync(new ParquetSchema(_fields), output, new ParquetOptions(), append: false, ct).ConfigureAwait(false);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["cablehub.exporter"] = "CableHub.Warehouse.Export" };
            foreach (var field in schema.FieldsList)
            {
                if (field.DataType is TimestampType { Timezone: { Length: > 0 } zone })
                {
                    metadata["cablehub.timezone." + field.Name] = zone;
                }
            }

            _writer.CustomMetadata = metadata;
        }

        public async ValueTask DisposeAsync()
        {
            if (_writer is not null)
            {
                await _writer.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Counts the bytes written through it (progress), without buffering.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => inner.SetLength(value);

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Written += count;
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Written += buffer.Length;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            Written += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}

/// <summary>Arrow column → CSV text (invariant culture; null → null).</summary>
internal static class CsvFormat
{
    public static Func<int, string?> For(Apache.Arrow.Field field, IArrowArray array)
    {
        var c = CultureInfo.InvariantCulture;
        return array switch
        {
            StringArray a => i => a.GetString(i),
            BooleanArray a => i => a.GetValue(i) is { } v ? (v ? "true" : "false") : null,
            Int8Array a => i => a.GetValue(i)?.ToString(c),
            Int16Array a => i => a.GetValue(i)?.ToString(c),
            Int32Array a => i => a.GetValue(i)?.ToString(c),
            Int64Array a => i => a.GetValue(i)?.ToString(c),
            UInt8Array a => i => a.GetValue(i)?.ToString(c),
            UInt16Array a => i => a.GetValue(i)?.ToString(c),
            UInt32Array a => i => a.GetValue(i)?.ToString(c),
            UInt64Array a => i => a.GetValue(i)?.ToString(c),
            FloatArray a => i => a.GetValue(i)?.ToString("R", c),
            DoubleArray a => i => a.GetValue(i)?.ToString("R", c),
            Decimal128Array a => i => a.IsNull(i) ? null : a.GetSqlDecimal(i)?.ToString(),
            Date32Array a => i => a.GetDateOnly(i)?.ToString("yyyy-MM-dd", c),
            TimestampArray a when field.DataType is TimestampType t => Timestamp(a, t),
            BinaryArray a => i => a.IsNull(i) ? null : Convert.ToBase64String(a.GetBytes(i)),
            _ => throw new NotSupportedException($"column {field.Name}: Arrow type {field.DataType.Name} cannot be written as CSV"),
        };
    }

    private static Func<int, string?> Timestamp(TimestampArray array, TimestampType type)
    {
        var zone = string.IsNullOrEmpty(type.Timezone) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(type.Timezone);
        var format = type.Unit switch
        {
            TimeUnit.Second => "yyyy-MM-dd'T'HH:mm:sszzz",
            TimeUnit.Millisecond => "yyyy-MM-dd'T'HH:mm:ss.fffzzz",
            _ => "yyyy-MM-dd'T'HH:mm:ss.ffffffzzz",
        };
        return i => array.GetTimestamp(i) is { } instant ? TimeZoneInfo.ConvertTime(instant, zone).ToString(format, CultureInfo.InvariantCulture) : null;
    }
}
