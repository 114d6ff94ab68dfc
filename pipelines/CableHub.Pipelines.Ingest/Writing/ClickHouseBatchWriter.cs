using System.Numerics;
using CableHub.Pipelines.Ingest.Conversion;
using CableHub.Pipelines.Ingest.Schema;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Copy;
using ClickHouse.Driver.Utility;
using Microsoft.Extensions.Logging;
using Polly;

namespace CableHub.Pipelines.Ingest.Writing;

/// <summary>
/// Writes an <see cref="IngestBatch"/> to ClickHouse: one binary insert (RowBinary through ClickHouse.Driver, no data
/// in query text) per raw table, then the truncates, then the dead letters. Transient and unknown failures are retried
/// with back-off; rows ClickHouse refuses for their data are isolated by bisection and become dead letters. Replaying a
/// batch is harmless: rows collapse by (<c>ORDER BY</c> key, <c>_version</c>) in <c>FINAL</c>.
/// </summary>
internal sealed class ClickHouseBatchWriter
{
    private readonly ClickHouseClient _client;
    private readonly RawTableManager _tables;
    private readonly ResiliencePipeline _retry;
    private readonly bool _compress;
    private readonly ILogger _logger;
    private readonly OriginalMessageReader? _originals;
    private readonly TimeProvider _time;

    public ClickHouseBatchWriter(ClickHouseClient client, RawTableManager tables, ResiliencePipeline retry, bool compress, ILogger logger, OriginalMessageReader? originals = null, TimeProvider? time = null)
    {
        _originals = originals;
        _time = time ?? TimeProvider.System;
        _client = client;
        _tables = tables;
        _retry = retry;
        _compress = compress;
        _logger = logger;
    }

    public async Task WriteAsync(IngestBatch batch, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        foreach (var (table, rows) in batch.Rows.ToList())
        {
            if (rows.Count > 0)
            {
                await InsertTableAsync(table, rows, batch, now, cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var truncate in batch.Truncates)
        {
            await ApplyTruncateAsync(truncate, now, cancellationToken).ConfigureAwait(false);
        }

        if (batch.DeadLetters.Count > 0)
        {
            if (_originals is not null)
            {
                foreach (var deadLetter in batch.DeadLetters.Where(d => d.BytesDropped))
                {
                    var origin = deadLetter.Origin;
                    (byte[]? Key, byte[]? Value)? ReadOriginal()
                    {
                        lock (_originals) // one consumer, and writes may run concurrently
                        {
                            return _originals.Read(origin.Topic, origin.Partition, origin.Offset);
                        }
                    }

                    if (await Task.Run(ReadOriginal, cancellationToken).ConfigureAwait(false) is { } original)
                    {
                        deadLetter.Origin = origin with { Key = original.Key, Value = original.Value };
                    }
                }
            }

            await InsertDeadLettersAsync(batch.DeadLetters, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task InsertTableAsync(RawTable table, List<PendingRow> rows, IngestBatch batch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Rows older than a truncation (recorded, or in this batch) are written as deleted.
        var truncatedBelow = table.TruncatedBelow;
        foreach (var truncate in batch.Truncates)
        {
            if (truncate.SourceSchema == table.SourceSchema && truncate.SourceTable == table.SourceTable && truncate.Version > truncatedBelow)
            {
                truncatedBelow = truncate.Version;
            }
        }

        var shape = table.Shape;
        var items = new List<(PendingRow Row, object?[] Values)>(rows.Count);
        foreach (var row in rows)
        {
            var values = ReferenceEquals(row.Shape, shape) ? row.Values : Remap(row, shape);
            values[MetadataColumns.IngestedAt] = now;
            if (row.Version < truncatedBelow)
            {
                values[MetadataColumns.IsDeleted] = (byte)1;
            }

            items.Add((row, values));
        }

        await FillUnavailableAsync(table, shape, items, cancellationToken).ConfigureAwait(false);
        await InsertAsync(table, shape, items, batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Columns that arrived as Debezium's unchanged-TOAST placeholder take the row's previous value: from an earlier row
    /// of this batch with the same key, else from the table's current state (<c>FINAL</c>). Without either they stay
    /// NULL / default (logged).
    /// </summary>
    private async Task FillUnavailableAsync(RawTable table, RawTableShape shape, List<(PendingRow Row, object?[] Values)> items, CancellationToken cancellationToken)
    {
        if (!items.Exists(i => i.Row.Unavailable is not null))
        {
            return;
        }

        const int m = MetadataColumns.Count;
        var keyIndexes = table.KeyColumns.Select(shape.IndexOf).ToArray();
        var latest = new Dictionary<string, object?[]>(StringComparer.Ordinal);
        foreach (var (row, values) in items)
        {
            var key = string.Join('\u0001', keyIndexes.Select(k => k < 0 ? string.Empty : System.Convert.ToString(values[m + k], System.Globalization.CultureInfo.InvariantCulture)));
            if (row.Unavailable is { } unavailable)
            {
                var columns = unavailable.Select(i => shape.IndexOf(row.Shape.Columns[i].Name)).Where(i => i >= 0).ToArray();
                var previous = latest.GetValueOrDefault(key) ?? await LoadCurrentAsync(table, shape, keyIndexes, values, columns, cancellationToken).ConfigureAwait(false);
                if (previous is null)
                {
                    _logger.LogWarning(
                        "{Table}: {Topic}/{Partition}@{Offset} has unchanged TOAST columns ({Columns}) and no earlier version to take them from; they stay NULL/default",
                        table,
                        row.Origin.Topic,
                        row.Origin.Partition,
                        row.Origin.Offset,
                        string.Join(", ", columns.Select(c => shape.Columns[c].Name)));
                }

                foreach (var column in columns)
                {
                    values[m + column] = previous is null ? ValueConverter.DefaultFor(shape.Columns[column].Type) : previous[m + column];
                }
            }

            latest[key] = values;
        }
    }

    /// <summary>The current values of <paramref name="columns"/> for the row with the key in <paramref name="values"/>, as a row in <paramref name="shape"/>'s layout; null when there is none.</summary>
    private async Task<object?[]?> LoadCurrentAsync(RawTable table, RawTableShape shape, int[] keyIndexes, object?[] values, int[] columns, CancellationToken cancellationToken)
    {
        const int m = MetadataColumns.Count;
        if (keyIndexes.Any(k => k < 0))
        {
            return null;
        }

        var select = string.Join(", ", columns.Select(c => IsText(shape.Columns[c].Type) ? $"base64Encode({Sql.Quote(shape.Columns[c].Name)})" : Sql.Quote(shape.Columns[c].Name)));
        var where = string.Join(" AND ", keyIndexes.Select((k, i) => $"{Sql.Quote(shape.Columns[k].Name)} = {{k{i}:{shape.Columns[k].Type.ToSql()}}}"));
        var parameters = new ClickHouseParameterCollection();
        for (var i = 0; i < keyIndexes.Length; i++)
        {
            parameters.AddParameter($"k{i}", values[m + keyIndexes[i]]!);
        }

        try
        {
            return await _retry.ExecuteAsync(
                async ct =>
                {
                    using var reader = await _client.ExecuteReaderAsync($"SELECT {select} FROM {table.QualifiedName} FINAL WHERE {where} LIMIT 1", parameters, null, ct).ConfigureAwait(false);
                    if (!reader.Read())
                    {
                        return null;
                    }

                    var row = new object?[shape.RowWidth];
                    for (var i = 0; i < columns.Length; i++)
                    {
                        var type = shape.Columns[columns[i]].Type;
                        var value = reader.IsDBNull(i) ? null : reader.GetValue(i);
                        row[m + columns[i]] = value switch
                        {
                            string text when IsText(type) => System.Convert.FromBase64String(text),
                            DateTime dateTime => new DateTimeOffset(DateTime.SpecifyKind(dateTime, DateTimeKind.Utc)),
                            _ => value,
                        };
                    }

                    return row;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or NotSupportedException or InvalidCastException || ClickHouseErrors.IsDataError(e))
        {
            _logger.LogWarning(e, "{Table}: reading the previous value of unchanged TOAST columns failed", table);
            return null;
        }

        static bool IsText(ColumnType type) => type.Kind == ColumnKind.String;
    }

    private async Task InsertAsync(RawTable table, RawTableShape shape, List<(PendingRow Row, object?[] Values)> items, IngestBatch batch, CancellationToken cancellationToken)
    {
        for (var repairs = 0; ; repairs++)
        {
            try
            {
                await _retry.ExecuteAsync(
                    async ct => await _client.InsertBinaryAsync(table.QualifiedName, shape.InsertColumns, items.Select(i => i.Values), InsertOptions(shape, items.Count), ct).ConfigureAwait(false),
                    cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (ClickHouseErrors.IsSchemaDrift(e) && repairs < 3)
            {
                _logger.LogWarning(e, "Insert into {Table} failed because the table changed under the ingester", table);
                await _tables.RepairAsync(table, cancellationToken).ConfigureAwait(false);
            }
            catch (ClickHouseBulkCopySerializationException e) when (items.FindIndex(i => ReferenceEquals(i.Values, e.Row)) is var bad and >= 0)
            {
                var reason = Shorten($"{table}: ClickHouse.Driver could not serialize the row: {e.InnerException?.Message ?? e.Message}");
                _logger.LogWarning("Dead-lettering {Topic}/{Partition}@{Offset}: {Reason}", items[bad].Row.Origin.Topic, items[bad].Row.Origin.Partition, items[bad].Row.Origin.Offset, reason);
                batch.MoveToDeadLetters(table, items[bad].Row, reason);
                items.RemoveAt(bad);
                if (items.Count == 0)
                {
                    return;
                }
            }
            catch (Exception e) when (ClickHouseErrors.IsDataError(e))
            {
                if (items.Count == 1)
                {
                    var row = items[0].Row;
                    var reason = Shorten($"{table}: ClickHouse refused the row: {e.Message}");
                    _logger.LogWarning("Dead-lettering {Topic}/{Partition}@{Offset}: {Reason}", row.Origin.Topic, row.Origin.Partition, row.Origin.Offset, reason);
                    batch.MoveToDeadLetters(table, row, reason);
                    return;
                }

                // Bisect to isolate the refused rows; halves that succeed are written once.
                var half = items.Count / 2;
                await InsertAsync(table, shape, items[..half], batch, cancellationToken).ConfigureAwait(false);
                await InsertAsync(table, shape, items[half..], batch, cancellationToken).ConfigureAwait(false);
                return;
            }
        }
    }

    private static string Shorten(string reason) => reason.Length <= 2000 ? reason : string.Concat(reason.AsSpan(0, 2000), "…");

    private InsertOptions InsertOptions(RawTableShape shape, int rows) => new()
    {
        ColumnTypes = shape.InsertColumnTypes, // no schema probe per insert: the ingester knows the table
        BatchSize = Math.Max(rows, 1),         // one INSERT (one HTTP request) per table per batch
        MaxDegreeOfParallelism = 1,
        Compressor = _compress ? ClickHouse.Driver.Compression.ZstdCompressor.Default : null,
    };

    /// <summary>A row built before columns were added: place its values by name in the current layout.</summary>
    private static object?[] Remap(PendingRow row, RawTableShape shape)
    {
        const int m = MetadataColumns.Count;
        var values = new object?[shape.RowWidth];
        Array.Copy(row.Values, values, m);
        for (var i = 0; i < shape.Columns.Count; i++)
        {
            var old = row.Shape.IndexOf(shape.Columns[i].Name);
            values[m + i] = old >= 0 ? row.Values[m + old] : ValueConverter.DefaultFor(shape.Columns[i].Type);
        }

        return values;
    }

    /// <summary>
    /// Records the truncation, then marks every current row of the table older than the truncate as deleted, inside
    /// ClickHouse (<c>INSERT … SELECT … FINAL</c>, parameters only). Replays mark nothing new: the rows are deleted already.
    /// </summary>
    private async Task ApplyTruncateAsync(PendingTruncate truncate, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rawName = _tables.Naming.RawTableName(truncate.SourceSchema, truncate.SourceTable);
        await _tables.EnsureInfrastructureAsync(cancellationToken).ConfigureAwait(false);
        object?[] record = [rawName, (BigInteger)truncate.Version, truncate.Origin.Topic, truncate.Origin.Partition, truncate.Origin.Offset, now];
        await _retry.ExecuteAsync(
            async ct => await _client.InsertBinaryAsync(
                _tables.TruncationsTable,
                ["raw_table", "version", "topic", "partition", "offset", "at"],
                [record],
                new InsertOptions
                {
                    ColumnTypes = new Dictionary<string, string>
                    {
                        ["raw_table"] = "String",
                        ["version"] = "UInt128",
                        ["topic"] = "LowCardinality(String)",
                        ["partition"] = "Int32",
                        ["offset"] = "Int64",
                        ["at"] = "DateTime64(3, 'UTC')",
                    },
                },
                ct).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);

        var table = truncate.Table ?? await _tables.FindAsync(truncate.SourceSchema, truncate.SourceTable, cancellationToken).ConfigureAwait(false);
        if (table is null)
        {
            return;
        }

        var columns = string.Join(", ", table.Shape.Columns.Select(c => Sql.Quote(c.Name)));
        var sourceColumns = columns.Length == 0 ? string.Empty : columns + ", ";
        var sql =
            $"INSERT INTO {table.QualifiedName} ({sourceColumns}`_version`, `_is_deleted`, `_op`, `_source_ts`, `_lsn`, `_tx_id`, `_topic`, `_partition`, `_offset`, `_ingested_at`) " +
            $"SELECT {sourceColumns}{{version:UInt128}}, 1, 't', fromUnixTimestamp64Milli({{source_ts:Int64}}, 'UTC'), {{lsn:UInt64}}, " +
            "if({has_tx:UInt8} = 1, toNullable({tx:UInt64}), NULL), {topic:String}, {partition:Int32}, {offset:Int64}, now64(3, 'UTC') " +
            $"FROM {table.QualifiedName} FINAL WHERE `_is_deleted` = 0 AND `_version` < {{version:UInt128}}";
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("version", (BigInteger)truncate.Version);
        parameters.AddParameter("source_ts", truncate.SourceTimestamp.ToUnixTimeMilliseconds());
        parameters.AddParameter("lsn", truncate.Lsn);
        parameters.AddParameter("has_tx", truncate.TxId.HasValue ? (byte)1 : (byte)0);
        parameters.AddParameter("tx", truncate.TxId ?? 0UL);
        parameters.AddParameter("topic", truncate.Origin.Topic);
        parameters.AddParameter("partition", truncate.Origin.Partition);
        parameters.AddParameter("offset", truncate.Origin.Offset);
        await _retry.ExecuteAsync(async ct => await _client.ExecuteNonQueryAsync(sql, parameters, null, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        table.RaiseTruncatedBelow(truncate.Version);

        _logger.LogInformation("Applied TRUNCATE of {Schema}.{Table} at version {Version}", truncate.SourceSchema, truncate.SourceTable, truncate.Version);
    }

    private async Task InsertDeadLettersAsync(List<DeadLetter> deadLetters, CancellationToken cancellationToken)
    {
        await _tables.EnsureInfrastructureAsync(cancellationToken).ConfigureAwait(false);
        var rows = deadLetters.Select(d => new object?[] { d.Origin.Topic, d.Origin.Partition, d.Origin.Offset, d.Origin.Key, d.Origin.Value, d.Reason, d.At }).ToList();
        await _retry.ExecuteAsync(
            async ct => await _client.InsertBinaryAsync(
                _tables.DeadLetterTable,
                ["topic", "partition", "offset", "key", "value", "reason", "at"],
                rows,
                new InsertOptions
                {
                    BatchSize = Math.Max(rows.Count, 1),
                    ColumnTypes = new Dictionary<string, string>
                    {
                        ["topic"] = "LowCardinality(String)",
                        ["partition"] = "Int32",
                        ["offset"] = "Int64",
                        ["key"] = "Nullable(String)",
                        ["value"] = "Nullable(String)",
                        ["reason"] = "String",
                        ["at"] = "DateTime64(3, 'UTC')",
                    },
                },
                ct).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
    }
}
