using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CableHub.Warehouse.Ddl;
using CableHub.Warehouse.Sql;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Microsoft.Extensions.Logging;

namespace CableHub.Warehouse.Migrations;

/// <summary>One warehouse migration: a <c>.sql</c> file embedded from <c>warehouse/CableHub.Warehouse/Migrations/</c>.</summary>
/// <param name="Name">File name without extension, e.g. <c>0001_databases</c>; migrations run in ordinal order of it.</param>
/// <param name="Sql">The script: statements separated by semicolons.</param>
/// <param name="Checksum">SHA-256 of the script (hex), recorded when applied.</param>
public sealed record WarehouseMigration(string Name, string Sql, string Checksum);

/// <summary>
/// Applies the embedded warehouse migrations once each, in order, through ClickHouse.Driver (so the same
/// code migrates the embedded engine and a ClickHouse server), recording them in
/// <c>default._warehouse_migrations</c>. ClickHouse DDL is not transactional: write statements that can
/// run again (<c>IF NOT EXISTS</c>, <c>CREATE OR REPLACE VIEW</c>) so a migration that failed half-way can
/// simply be retried. Never edit an applied migration; add a new one.
/// </summary>
public static partial class WarehouseMigrator
{
    /// <summary>Where applied migrations are recorded.</summary>
    public const string HistoryTable = "default._warehouse_migrations";

    private const string ResourcePrefix = "CableHub.Warehouse.Migrations.";

    private const string CreateHistory = $"""
        CREATE TABLE IF NOT EXISTS {HistoryTable}
        (
            name String COMMENT 'migration file name without .sql',
            checksum String COMMENT 'SHA-256 of the script when it was applied',
            applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
        )
        ENGINE = MergeTree
        ORDER BY name
        COMMENT 'Warehouse migrations applied by CableHub.Warehouse.Migrations.WarehouseMigrator'
        """;

    private const string SelectApplied = $"SELECT name, any(checksum) FROM {HistoryTable} GROUP BY name";

    private const string RecordApplied = $"INSERT INTO {HistoryTable} (name, checksum) SELECT {{name:String}}, {{checksum:String}}";

    /// <summary>The embedded migrations, in the order they apply.</summary>
    public static IReadOnlyList<WarehouseMigration> Migrations()
    {
        var assembly = typeof(WarehouseMigrator).Assembly;
        return [.. assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => Load(assembly, n))
            .OrderBy(m => m.Name, StringComparer.Ordinal)];
    }

    /// <summary>Applies the migrations not applied yet; returns the names applied by this call.</summary>
    /// <exception cref="InvalidOperationException">
    /// A statement failed (the message names the migration, statement and line), or an applied
    /// migration's file was changed afterwards.
    /// </exception>
    public static Task<IReadOnlyList<string>> MigrateAsync(string clickHouseConnectionString, ILogger logger, CancellationToken ct = default) =>
        MigrateAsync(clickHouseConnectionString, ClickHouseTopology.SingleNode, logger, ct);

    /// <inheritdoc cref="MigrateAsync(string,ILogger,CancellationToken)"/>
    /// <param name="topology">Single node, or a cluster: every statement goes through <see cref="ClickHouseTopology.Expand"/>.</param>
    public static async Task<IReadOnlyList<string>> MigrateAsync(string clickHouseConnectionString, ClickHouseTopology topology, ILogger logger, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentException.ThrowIfNullOrWhiteSpace(clickHouseConnectionString);
        ArgumentNullException.ThrowIfNull(logger);
        var migrations = Migrations();
        using var client = new ClickHouseClient(clickHouseConnectionString);
        foreach (var statement in topology.Expand(CreateHistory))
        {
            await client.ExecuteNonQueryAsync(statement, cancellationToken: ct).ConfigureAwait(false);
        }

        var applied = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var reader = await client.ExecuteReaderAsync(SelectApplied, cancellationToken: ct).ConfigureAwait(false))
        {
            while (reader.Read())
            {
                applied[reader.GetString(0)] = reader.GetString(1);
            }
        }

        foreach (var name in applied.Keys.Except(migrations.Select(m => m.Name)))
        {
            logger.LogWarning("Warehouse migration {Migration} is recorded in {Table} but unknown to this build (applied by a newer version?)", name, HistoryTable);
        }

        var done = new List<string>();
        foreach (var migration in migrations)
        {
            if (applied.TryGetValue(migration.Name, out var checksum))
            {
                if (!string.Equals(checksum, migration.Checksum, StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidOperationException(
                        $"Warehouse migration {migration.Name} was changed after it was applied (checksum {checksum} recorded, {migration.Checksum} now). " +
                        "Restore it and put the change in a new migration.");
                }

                continue;
            }

            await ApplyAsync(client, topology, migration, ct).ConfigureAwait(false);
            var parameters = new ClickHouseParameterCollection();
            parameters.AddParameter("name", migration.Name);
            parameters.AddParameter("checksum", migration.Checksum);
            await client.ExecuteNonQueryAsync(RecordApplied, parameters, cancellationToken: ct).ConfigureAwait(false);
            logger.LogInformation("Applied warehouse migration {Migration}", migration.Name);
            done.Add(migration.Name);
        }

        return done;
    }

    private static async Task ApplyAsync(ClickHouseClient client, ClickHouseTopology topology, WarehouseMigration migration, CancellationToken ct)
    {
        IReadOnlyList<SqlStatement> statements;
        try
        {
            statements = ClickHouseSqlScanner.SplitStatements(migration.Sql);
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"Warehouse migration {migration.Name}: {e.Message}", e);
        }

        for (var i = 0; i < statements.Count; i++)
        {
            try
            {
                foreach (var statement in topology.Expand(statements[i].Text))
                {
#pragma warning disable CA2100 // migration scripts are reviewed SQL embedded in the assembly
                    await client.ExecuteNonQueryAsync(statement, cancellationToken: ct).ConfigureAwait(false);
#pragma warning restore CA2100
                }
            }
            catch (ClickHouseServerException e)
            {
                throw new InvalidOperationException(
                    $"Warehouse migration {migration.Name}, statement {i + 1} of {statements.Count} (line {statements[i].Line}) failed: {e.Message}", e);
            }
        }
    }

    private static WarehouseMigration Load(Assembly assembly, string resource)
    {
        var name = resource[ResourcePrefix.Length..^".sql".Length];
        if (!MigrationName().IsMatch(name))
        {
            throw new InvalidOperationException($"Warehouse migration file '{name}.sql' must be named <number>_<description>.sql, e.g. 0002_raw_customer.sql");
        }

        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var text = new StreamReader(stream, Encoding.UTF8);
        var sql = text.ReadToEnd();
        var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));
        return new WarehouseMigration(name, sql, checksum);
    }

    [GeneratedRegex("^[0-9]+_[A-Za-z0-9_]+$")]
    private static partial Regex MigrationName();
}
