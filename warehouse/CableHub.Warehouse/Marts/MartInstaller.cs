using System.Globalization;
using System.Reflection;
using CableHub.Warehouse.Ddl;
using CableHub.Warehouse.Sql;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Microsoft.Extensions.Logging;

namespace CableHub.Warehouse.Marts;

/// <summary>
/// Creates the analyst marts on every start: the refresh log, the mart tables of <see cref="MartCatalog"/> (a table whose
/// definition changed since its last refresh is dropped and rebuilt by the next refresh — marts are derived data), then
/// the live views of <c>Marts/Live/*.sql</c> (<c>CREATE OR REPLACE VIEW</c>, file-name order). All DDL goes through the
/// <see cref="ClickHouseTopology"/>, so a cluster gets replicated tables with Distributed tables over them. The live
/// views read the <c>hub.*</c> current-state views, which must exist first (the host creates the raw tables of every
/// published table before); a script naming optional sources on its first line (<c>-- requires: …</c>) is skipped, logged,
/// where one is missing.
/// </summary>
public static class MartInstaller
{
    private const string LivePrefix = "CableHub.Warehouse.Marts.Live.";

    /// <summary>DDL of the refresh log (<see cref="MartRefresher.LogTable"/>).</summary>
    public const string CreateLog = $"""
        CREATE TABLE IF NOT EXISTS {MartRefresher.LogTable}
        (
            mart          LowCardinality(String)           COMMENT 'Mart table in database marts',
            version       UInt64                           COMMENT 'Version of the rows the refresh wrote (microseconds since 1970, strictly increasing)',
            definition    String                           COMMENT 'SHA-256 of the mart definition (DDL + refresh SQL); a new one rebuilds the mart',
            mode          LowCardinality(String)           COMMENT 'full | incremental | unchanged | snapshot',
            watermark     DateTime64(3, 'UTC')             COMMENT 'Changes ingested before this are in the mart (minus Marts:WatermarkOverlapMinutes)',
            snapshot_at   Nullable(DateTime64(3, 'UTC'))   COMMENT 'For snapshot marts: the instant the snapshot counts',
            rows_written  UInt64                           COMMENT 'Rows the refresh inserted (new versions and deleted markers)',
            duration_ms   UInt64                           COMMENT 'Wall time of the refresh',
            refreshed_at  DateTime64(3, 'UTC')             COMMENT 'When the refresh ran'
        )
        ENGINE = MergeTree
        ORDER BY (mart, version)
        COMMENT 'One row per mart refresh (CableHub.Warehouse.Marts.MartRefresher)'
        """;

    /// <summary>Creates the mart tables and live views; returns the number of statements run.</summary>
    /// <param name="reportingTimeZone">IANA zone reports use (e.g. <c>Asia/Kolkata</c>); storage stays UTC.</param>
    public static Task<int> InstallAsync(string connectionString, string reportingTimeZone, ILogger logger, CancellationToken ct = default) =>
        InstallAsync(connectionString, reportingTimeZone, ClickHouseTopology.SingleNode, logger, ct);

    /// <inheritdoc cref="InstallAsync(string,string,ILogger,CancellationToken)"/>
    public static async Task<int> InstallAsync(string connectionString, string reportingTimeZone, ClickHouseTopology topology, ILogger logger, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(topology);
        var marts = MartCatalog.Load(reportingTimeZone);
        using var client = new ClickHouseClient(connectionString);
        var count = await ExecuteAsync(client, topology, CreateLog, ct).ConfigureAwait(false);
        foreach (var mart in marts)
        {
            var engine = await EngineAsync(client, mart.Name, ct).ConfigureAwait(false);
            if (engine == "View")
            {
                // Earlier versions had live views under some of these names.
                count += await ExecuteAsync(client, topology, $"DROP VIEW IF EXISTS {mart.QualifiedName}", ct).ConfigureAwait(false);
            }
            else if (engine is not null && await LastDefinitionAsync(client, mart.Name, ct).ConfigureAwait(false) != mart.Checksum)
            {
                logger.LogInformation("Mart {Mart} has a new definition: dropping it; the next refresh rebuilds it", mart.Name);
                count += await ExecuteAsync(client, topology, $"DROP TABLE IF EXISTS {mart.QualifiedName}", ct).ConfigureAwait(false);
                if (mart.CountTableSql is not null)
                {
                    count += await ExecuteAsync(client, topology, $"DROP TABLE IF EXISTS {mart.CountQualifiedName}", ct).ConfigureAwait(false);
                }
            }

            count += await ExecuteAsync(client, topology, mart.TableSql, ct).ConfigureAwait(false);
            if (mart.CountTableSql is not null)
            {
                count += await ExecuteAsync(client, topology, mart.CountTableSql, ct).ConfigureAwait(false);
            }
        }

        foreach (var (name, sql) in LiveScripts())
        {
            var missing = await MissingAsync(client, Requires(sql), ct).ConfigureAwait(false);
            if (missing.Count > 0)
            {
                logger.LogWarning("Warehouse live views from {Script} not installed: {Missing} not in the warehouse (not captured by the change stream?)", name, string.Join(", ", missing));
                continue;
            }

            foreach (var statement in ClickHouseSqlScanner.SplitStatements(MartCatalog.Substitute(sql, reportingTimeZone)))
            {
                count += await ExecuteAsync(client, topology, statement.Text, ct).ConfigureAwait(false);
            }

            logger.LogInformation("Installed warehouse live views from {Script}", name);
        }

        return count;
    }

    /// <summary>
    /// Every statement the installer creates objects with, in order, single-node dialect (what
    /// <see cref="ClickHouseTopology.Expand"/> distributes): the refresh log, the mart tables, the live views.
    /// </summary>
    public static IReadOnlyList<string> Statements(string reportingTimeZone)
    {
        var statements = new List<string> { CreateLog };
        foreach (var mart in MartCatalog.Load(reportingTimeZone))
        {
            statements.Add(mart.TableSql);
            if (mart.CountTableSql is not null)
            {
                statements.Add(mart.CountTableSql);
            }
        }

        foreach (var (_, sql) in LiveScripts())
        {
            statements.AddRange(ClickHouseSqlScanner.SplitStatements(MartCatalog.Substitute(sql, reportingTimeZone)).Select(s => s.Text));
        }

        return statements;
    }

    /// <summary>The live view scripts, in the order they apply.</summary>
    public static IReadOnlyList<(string Name, string Sql)> LiveScripts()
    {
        var assembly = typeof(MartInstaller).Assembly;
        return [.. assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(LivePrefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => (n[LivePrefix.Length..^4], Read(assembly, n)))];
    }

    /// <summary>
    /// The tables a live script reads that may be missing, from its first line <c>-- requires: db.table, …</c> (none: it reads
    /// only what every hub warehouse has). A script whose sources are optional — the sagas' tables reach the warehouse only when
    /// the change stream captures schema <c>sagas</c> — is skipped, logged, where they are missing.
    /// </summary>
    public static IReadOnlyList<string> Requires(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        const string marker = "-- requires:";
        var first = sql.AsSpan().TrimStart();
        var end = first.IndexOf('\n');
        var line = (end < 0 ? first : first[..end]).Trim().ToString();
        return line.StartsWith(marker, StringComparison.Ordinal)
            ? line[marker.Length..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
    }

    private static async Task<IReadOnlyList<string>> MissingAsync(ClickHouseClient client, IReadOnlyList<string> tables, CancellationToken ct)
    {
        if (tables.Count == 0)
        {
            return [];
        }

        var present = new HashSet<string>(StringComparer.Ordinal);
        using (var reader = await client.ExecuteReaderAsync(
            "SELECT concat(database, '.', name) FROM system.tables WHERE database NOT IN ('system', 'information_schema', 'INFORMATION_SCHEMA')", null, null, ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                present.Add(reader.GetString(0));
            }
        }

        return [.. tables.Where(t => !present.Contains(t))];
    }

    private static async Task<int> ExecuteAsync(ClickHouseClient client, ClickHouseTopology topology, string sql, CancellationToken ct)
    {
        var statements = topology.Expand(sql);
        foreach (var statement in statements)
        {
#pragma warning disable CA2100 // mart DDL embedded in the assembly
            await client.ExecuteNonQueryAsync(statement, null, null, ct).ConfigureAwait(false);
#pragma warning restore CA2100
        }

        return statements.Count;
    }

    private static async Task<string?> EngineAsync(ClickHouseClient client, string table, CancellationToken ct)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("table", table);
        var engine = await client.ExecuteScalarAsync("SELECT any(engine) FROM system.tables WHERE database = 'marts' AND name = {table:String}", parameters, null, ct).ConfigureAwait(false);
        return engine is string s && s.Length > 0 ? s : null;
    }

    private static async Task<string?> LastDefinitionAsync(ClickHouseClient client, string mart, CancellationToken ct)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("mart", mart);
        var value = await client.ExecuteScalarAsync($"SELECT argMax(definition, version) FROM {MartRefresher.LogTable} WHERE mart = {{mart:String}}", parameters, null, ct).ConfigureAwait(false);
        var text = Convert.ToString(value, CultureInfo.InvariantCulture);
        return string.IsNullOrEmpty(text) ? null : text;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
