using System.Globalization;
using System.Numerics;
using System.Text;
using CableHub.Pipelines.Ingest.Envelopes;
using CableHub.Pipelines.Ingest.Writing;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace CableHub.Pipelines.Ingest.Schema;

/// <summary>
/// Creates and evolves the raw CDC tables (<c>raw.&lt;schema&gt;_&lt;table&gt;</c>, <c>ReplacingMergeTree(_version, _is_deleted)</c>
/// ordered by the source primary key) and their current-state views (<c>hub.&lt;table&gt;</c>), plus the ingester's own
/// tables (<c>raw._dead_letter</c>, <c>raw._truncations</c>). All DDL is idempotent (<c>IF NOT EXISTS</c>,
/// <c>CREATE OR REPLACE VIEW</c>), so several ingesters and the host may run it concurrently.
/// <para>The host calls <see cref="EnsureTableAsync(string,string,ConnectSchema,IReadOnlyList{string},CancellationToken)"/>
/// at start-up to create tables before any event arrives (so mart views referencing them can be created).</para>
/// </summary>
public sealed class RawTableManager
{
    private readonly ClickHouseClient _client;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _retry;
    private readonly SemaphoreSlim _ddl = new(1, 1);
    private readonly Dictionary<(string Schema, string Table), RawTable> _tables = [];
    private bool _infrastructureReady;

    public RawTableManager(ClickHouseClient client, RawTableNaming? naming = null, RetrySettings? retry = null, ILogger<RawTableManager>? logger = null)
        : this(client, naming ?? new RawTableNaming(), retry ?? new RetrySettings(), logger ?? (ILogger)NullLogger.Instance, new IngestStats())
    {
    }

    internal RawTableManager(ClickHouseClient client, RawTableNaming naming, RetrySettings retry, ILogger logger, IngestStats stats)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        Naming = naming;
        _logger = logger;
        _retry = ClickHouseErrors.RetryPipeline(retry, logger, stats, "DDL");
    }

    public RawTableNaming Naming { get; }

    internal string DeadLetterTable => Sql.Qualified(Naming.RawDatabase, Naming.DeadLetterTable);

    internal string TruncationsTable => Sql.Qualified(Naming.RawDatabase, Naming.TruncationsTable);

    /// <summary>Creates the databases and the ingester's own tables (dead letters, truncations).</summary>
    public async Task EnsureInfrastructureAsync(CancellationToken cancellationToken = default)
    {
        if (_infrastructureReady)
        {
            return;
        }

        await ExecuteAsync($"CREATE DATABASE IF NOT EXISTS {Sql.Quote(Naming.RawDatabase)}", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync($"CREATE DATABASE IF NOT EXISTS {Sql.Quote(Naming.ViewDatabase)}", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(
            $"""
            CREATE TABLE IF NOT EXISTS {DeadLetterTable}
            (
                `topic` LowCardinality(String),
                `partition` Int32,
                `offset` Int64,
                `key` Nullable(String),
                `value` Nullable(String),
                `reason` String,
                `at` DateTime64(3, 'UTC')
            )
            ENGINE = ReplacingMergeTree
            ORDER BY (`topic`, `partition`, `offset`)
            COMMENT 'Kafka messages the warehouse ingester could not turn into raw rows; the offset moved on'
            """,
            cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(
            $"""
            CREATE TABLE IF NOT EXISTS {TruncationsTable}
            (
                `raw_table` String,
                `version` UInt128,
                `topic` LowCardinality(String),
                `partition` Int32,
                `offset` Int64,
                `at` DateTime64(3, 'UTC')
            )
            ENGINE = ReplacingMergeTree
            ORDER BY (`raw_table`, `version`)
            COMMENT 'TRUNCATEs seen by the warehouse ingester: rows of raw_table below version are deleted'
            """,
            cancellationToken).ConfigureAwait(false);
        _infrastructureReady = true;
    }

    /// <summary>
    /// Creates <c>raw.&lt;schema&gt;_&lt;table&gt;</c> from a Connect row schema (the struct of <c>before</c>/<c>after</c>) if it does
    /// not exist, adds columns the schema has and the table lacks, and (re)creates the view.
    /// </summary>
    /// <param name="keyColumns">The source primary key (the ORDER BY); ignored when the table exists already.</param>
    public async Task EnsureTableAsync(string sourceSchema, string sourceTable, ConnectSchema rowSchema, IReadOnlyList<string> keyColumns, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rowSchema);
        ArgumentNullException.ThrowIfNull(keyColumns);
        if (!rowSchema.IsStruct)
        {
            throw new ArgumentException($"the row schema must be a struct, found {rowSchema.Type}", nameof(rowSchema));
        }

        var columns = ColumnsFromSchema(rowSchema, keyColumns, "schema");
        var table = await FindAsync(sourceSchema, sourceTable, cancellationToken).ConfigureAwait(false)
                    ?? await CreateAsync(sourceSchema, sourceTable, columns, keyColumns, cancellationToken).ConfigureAwait(false);
        var missing = columns.Where(c => table.Shape.IndexOf(c.Name) < 0).ToList();
        if (missing.Count > 0)
        {
            await AddColumnsAsync(table, missing, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc cref="EnsureTableAsync(string,string,ConnectSchema,IReadOnlyList{string},CancellationToken)"/>
    public Task EnsureTableAsync(string sourceSchema, string sourceTable, string rowSchemaJson, IReadOnlyList<string> keyColumns, CancellationToken cancellationToken = default) =>
        EnsureTableAsync(sourceSchema, sourceTable, ConnectSchema.Parse(rowSchemaJson), keyColumns, cancellationToken);

    /// <summary>
    /// Drops the raw table's columns that the row schema no longer has (besides its key and the metadata columns), then
    /// re-creates its view: for tables whose change stream now leaves columns out (the CDC column allowlist), so a raw table
    /// created before keeps no copy of them (ALTER TABLE … DROP COLUMN rewrites every part without the column). Returns the
    /// dropped columns; none when the table does not exist.
    /// </summary>
    public async Task<IReadOnlyList<string>> DropColumnsNotInAsync(string sourceSchema, string sourceTable, string rowSchemaJson, IReadOnlyList<string> keyColumns, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keyColumns);
        var keep = ConnectSchema.Parse(rowSchemaJson).Fields.Select(f => f.Name).Concat(keyColumns).ToHashSet(StringComparer.Ordinal);
        var table = await FindAsync(sourceSchema, sourceTable, cancellationToken).ConfigureAwait(false);
        if (table is null)
        {
            return [];
        }

        var extra = table.Shape.Columns.Select(c => c.Name).Where(n => !keep.Contains(n) && !MetadataColumns.Names.Contains(n)).ToList();
        if (extra.Count == 0)
        {
            return [];
        }

        await _ddl.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync($"ALTER TABLE {table.QualifiedName} " + string.Join(", ", extra.Select(c => $"DROP COLUMN IF EXISTS {Sql.Quote(c)}")), cancellationToken).ConfigureAwait(false);
            _logger.LogWarning("Dropped columns the change stream no longer carries from {Table}: {Columns}", table, string.Join(", ", extra));
            await RefreshShapeAsync(table, cancellationToken).ConfigureAwait(false);
            await CreateViewAsync(table, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _ddl.Release();
        }

        return extra;
    }

    /// <summary>Maps a row schema's fields to columns; key columns are never Nullable.</summary>
    internal static List<RawColumn> ColumnsFromSchema(ConnectSchema rowSchema, IReadOnlyCollection<string> keyColumns, string path)
    {
        var columns = new List<RawColumn>(rowSchema.Fields.Count);
        foreach (var field in rowSchema.Fields)
        {
            CheckColumnName(field.Name, path);
            var type = ConnectTypeMapping.Map(field.Schema, $"{path}.{field.Name}");
            columns.Add(new RawColumn(field.Name, keyColumns.Contains(field.Name) ? type.AsNotNullable() : type));
        }

        return columns;
    }

    internal static void CheckColumnName(string name, string path)
    {
        if (MetadataColumns.Names.Contains(name))
        {
            throw new InvalidEnvelopeException($"{path}.{name}: the source column name collides with the raw table's metadata column {name}");
        }

        if (string.IsNullOrEmpty(name))
        {
            throw new InvalidEnvelopeException($"{path}: empty column name");
        }
    }

    /// <summary>The cached raw table, or the one found in ClickHouse, or null when it does not exist.</summary>
    internal async ValueTask<RawTable?> FindAsync(string sourceSchema, string sourceTable, CancellationToken cancellationToken)
    {
        lock (_tables)
        {
            if (_tables.TryGetValue((sourceSchema, sourceTable), out var cached))
            {
                return cached;
            }
        }

        await _ddl.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await LoadAsync(sourceSchema, sourceTable, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _ddl.Release();
        }
    }

    internal async Task<RawTable> CreateAsync(string sourceSchema, string sourceTable, IReadOnlyList<RawColumn> columns, IReadOnlyList<string> keyColumns, CancellationToken cancellationToken)
    {
        if (keyColumns.Count == 0)
        {
            throw new InvalidEnvelopeException($"{sourceSchema}.{sourceTable}: no primary key known (empty Kafka message key, no configured key columns); a raw table needs one for its ORDER BY");
        }

        foreach (var key in keyColumns)
        {
            var column = columns.FirstOrDefault(c => c.Name == key)
                         ?? throw new InvalidEnvelopeException($"{sourceSchema}.{sourceTable}: key column \"{key}\" is not among the row's fields");
            if (column.Type.Kind is ColumnKind.Array or ColumnKind.Other)
            {
                throw new InvalidEnvelopeException($"{sourceSchema}.{sourceTable}: key column \"{key}\" has type {column.Type}, which cannot be a sorting key");
            }
        }

        await EnsureInfrastructureAsync(cancellationToken).ConfigureAwait(false);
        await _ddl.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var existing = await LoadAsync(sourceSchema, sourceTable, cancellationToken).ConfigureAwait(false);
            if (existing is not null)
            {
                return existing;
            }

            var name = Naming.RawTableName(sourceSchema, sourceTable);
            await ExecuteAsync(CreateTableSql(Naming.RawDatabase, name, columns, keyColumns, $"CDC rows of {sourceSchema}.{sourceTable}"), cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Created raw table {Database}.{Table} (key {Key})", Naming.RawDatabase, name, string.Join(", ", keyColumns));
            var table = await LoadAsync(sourceSchema, sourceTable, cancellationToken).ConfigureAwait(false)
                        ?? throw new InvalidOperationException($"{Naming.RawDatabase}.{name} does not exist right after CREATE TABLE");
            await CreateViewAsync(table, cancellationToken).ConfigureAwait(false);
            return table;
        }
        finally
        {
            _ddl.Release();
        }
    }

    /// <summary>ALTER TABLE … ADD COLUMN IF NOT EXISTS, then re-read the table and re-create its view.</summary>
    internal async Task AddColumnsAsync(RawTable table, IReadOnlyList<RawColumn> columns, CancellationToken cancellationToken)
    {
        await _ddl.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sql = new StringBuilder($"ALTER TABLE {table.QualifiedName}");
            for (var i = 0; i < columns.Count; i++)
            {
                sql.Append(i == 0 ? " " : ", ").Append("ADD COLUMN IF NOT EXISTS ").Append(Sql.Quote(columns[i].Name)).Append(' ').Append(columns[i].Type.ToSql());
            }

            await ExecuteAsync(sql.ToString(), cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Added columns to {Table}: {Columns}", table, string.Join(", ", columns));
            await RefreshShapeAsync(table, cancellationToken).ConfigureAwait(false);
            await CreateViewAsync(table, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _ddl.Release();
        }
    }

    /// <summary>Re-creates a raw table (and its columns and view) that vanished or changed under the ingester.</summary>
    internal async Task RepairAsync(RawTable table, CancellationToken cancellationToken)
    {
        _logger.LogWarning("Raw table {Table} differs from the ingester's cache; re-creating what is missing", table);
        await EnsureInfrastructureAsync(cancellationToken).ConfigureAwait(false);
        await _ddl.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var shape = table.Shape;
            await ExecuteAsync(CreateTableSql(table.Database, table.Name, shape.Columns, table.KeyColumns, $"CDC rows of {table.SourceSchema}.{table.SourceTable}"), cancellationToken).ConfigureAwait(false);
            var sql = $"ALTER TABLE {table.QualifiedName} " + string.Join(", ", shape.Columns.Select(c => $"ADD COLUMN IF NOT EXISTS {Sql.Quote(c.Name)} {c.Type.ToSql()}"));
            await ExecuteAsync(sql, cancellationToken).ConfigureAwait(false);
            await RefreshShapeAsync(table, cancellationToken).ConfigureAwait(false);
            await CreateViewAsync(table, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _ddl.Release();
        }
    }

    /// <summary>The highest truncation version recorded for the table (0 when never truncated).</summary>
    internal async Task<UInt128> LoadTruncatedBelowAsync(RawTable table, CancellationToken cancellationToken)
    {
        await EnsureInfrastructureAsync(cancellationToken).ConfigureAwait(false);
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("raw_table", table.Name);
        var value = await _retry.ExecuteAsync(
            async ct => await _client.ExecuteScalarAsync($"SELECT max(`version`) FROM {TruncationsTable} WHERE `raw_table` = {{raw_table:String}}", parameters, null, ct).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        return value switch
        {
            BigInteger big => (UInt128)big,
            UInt128 u => u,
            null or DBNull => UInt128.Zero,
            _ => UInt128.Parse(Convert.ToString(value, CultureInfo.InvariantCulture)!, CultureInfo.InvariantCulture),
        };
    }

    internal static string CreateTableSql(string database, string name, IReadOnlyList<RawColumn> columns, IReadOnlyList<string> keyColumns, string comment)
    {
        var sql = new StringBuilder();
        sql.Append("CREATE TABLE IF NOT EXISTS ").Append(Sql.Qualified(database, name)).Append("\n(\n");
        foreach (var column in columns)
        {
            sql.Append("    ").Append(Sql.Quote(column.Name)).Append(' ').Append(column.Type.ToSql()).Append(",\n");
        }

        for (var i = 0; i < MetadataColumns.All.Length; i++)
        {
            var (columnName, type) = MetadataColumns.All[i];
            sql.Append("    ").Append(Sql.Quote(columnName)).Append(' ').Append(type).Append(i < MetadataColumns.All.Length - 1 ? ",\n" : "\n");
        }

        sql.Append(")\nENGINE = ReplacingMergeTree(`_version`, `_is_deleted`)\nORDER BY (")
            .AppendJoin(", ", keyColumns.Select(Sql.Quote))
            .Append(")\nCOMMENT ").Append(StringLiteral(comment));
        return sql.ToString();
    }

    internal static string CreateViewSql(RawTable table)
    {
        var columns = table.Shape.Columns.Count == 0 ? "*" : string.Join(", ", table.Shape.Columns.Select(c => Sql.Quote(c.Name)));
        return $"CREATE OR REPLACE VIEW {table.QualifiedViewName} AS SELECT {columns} FROM {table.QualifiedName} FINAL WHERE `_is_deleted` = 0";
    }

    private Task CreateViewAsync(RawTable table, CancellationToken cancellationToken) => ExecuteAsync(CreateViewSql(table), cancellationToken);

    private async Task RefreshShapeAsync(RawTable table, CancellationToken cancellationToken)
    {
        var (columns, _) = await ReadColumnsAsync(table.Database, table.Name, cancellationToken).ConfigureAwait(false);
        if (columns.Count > 0)
        {
            table.Shape = new RawTableShape(columns.Where(c => !MetadataColumns.Names.Contains(c.Name)).ToList());
        }
    }

    /// <summary>Reads the table from system.columns and caches it; null when it does not exist. Call under <see cref="_ddl"/>.</summary>
    private async Task<RawTable?> LoadAsync(string sourceSchema, string sourceTable, CancellationToken cancellationToken)
    {
        lock (_tables)
        {
            if (_tables.TryGetValue((sourceSchema, sourceTable), out var cached))
            {
                return cached;
            }
        }

        var name = Naming.RawTableName(sourceSchema, sourceTable);
        var (columns, keys) = await ReadColumnsAsync(Naming.RawDatabase, name, cancellationToken).ConfigureAwait(false);
        if (columns.Count == 0)
        {
            return null;
        }

        var missingMetadata = MetadataColumns.All.Select(c => c.Name).Where(n => columns.All(c => c.Name != n)).ToList();
        if (missingMetadata.Count > 0)
        {
            throw new InvalidEnvelopeException($"{Naming.RawDatabase}.{name} exists but is not a raw CDC table: it lacks {string.Join(", ", missingMetadata)}");
        }

        var table = new RawTable(
            sourceSchema,
            sourceTable,
            Naming.RawDatabase,
            name,
            Naming.ViewDatabase,
            Naming.ViewName(sourceSchema, sourceTable),
            keys,
            new RawTableShape(columns.Where(c => !MetadataColumns.Names.Contains(c.Name)).ToList()));

        // The view again, once per process: a process killed between CREATE TABLE (or ADD COLUMN) and its view left it
        // missing or without the new columns.
        await CreateViewAsync(table, cancellationToken).ConfigureAwait(false);
        lock (_tables)
        {
            _tables[(sourceSchema, sourceTable)] = table;
        }

        return table;
    }

    private async Task<(List<RawColumn> Columns, List<string> Keys)> ReadColumnsAsync(string database, string name, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("database", database);
        parameters.AddParameter("table", name);
        parameters.AddParameter("local", Naming.Topology.LocalName(name));
        return await _retry.ExecuteAsync(
            async ct =>
            {
                var columns = new List<RawColumn>();
                var keys = new List<string>();
                // On a cluster the sorting key is the replicated local table's; the Distributed table has none.
                using var reader = await _client.ExecuteReaderAsync(
                    "SELECT c.name, c.type, l.is_in_sorting_key FROM system.columns AS c " +
                    "LEFT JOIN (SELECT name, is_in_sorting_key FROM system.columns WHERE database = {database:String} AND table = {local:String}) AS l ON l.name = c.name " +
                    "WHERE c.database = {database:String} AND c.table = {table:String} ORDER BY c.position",
                    parameters,
                    null,
                    ct).ConfigureAwait(false);
                while (reader.Read())
                {
                    var columnName = reader.GetString(0);
                    columns.Add(new RawColumn(columnName, ColumnType.Parse(reader.GetString(1))));
                    if (Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture) != 0)
                    {
                        keys.Add(columnName);
                    }
                }

                return (columns, keys);
            },
            cancellationToken).ConfigureAwait(false);
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        foreach (var statement in Naming.Topology.Expand(sql))
        {
            await _retry.ExecuteAsync(async ct => await _client.ExecuteNonQueryAsync(statement, null, null, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
    }

    private static string StringLiteral(string text) => "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
}
