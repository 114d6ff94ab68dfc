using System.Text.Json;
using CableHub.Pipelines.Cdc;
using CableHub.Pipelines.Ingest.Schema;
using CableHub.Testing;
using CableHub.Warehouse.Marts;
using CableHub.Warehouse.Migrations;
using Microsoft.Extensions.Logging.Abstractions;

namespace CableHub.Warehouse.Tests;

/// <summary>
/// The warehouse as the host builds it: PostgreSQL migrated, every published table's raw table and hub view created by
/// the ingester's RawTableManager, warehouse migrations, marts. Tests then write raw CDC rows directly.
/// </summary>
internal static class WarehouseSchema
{
    public static async Task BuildAsync(PostgresFixture postgres, ClickHouseFixture clickHouse, string reportingTimeZone = "Asia/Kolkata", CancellationToken ct = default)
    {
        using var client = clickHouse.CreateClient();
        foreach (var db in new[] { "marts", "hub", "raw" })
        {
            await client.ExecuteNonQueryAsync($"DROP DATABASE IF EXISTS {db} SYNC", cancellationToken: ct);
        }

        await client.ExecuteNonQueryAsync($"DROP TABLE IF EXISTS {WarehouseMigrator.HistoryTable}", cancellationToken: ct);
        // The hub's schema on a database of its own (a copy of the migrated template on the shared cluster).
        var hubDatabase = await postgres.CreateMigratedDatabaseAsync();
        await WarehouseMigrator.MigrateAsync(clickHouse.ConnectionString, NullLogger.Instance, ct);
        var tables = new RawTableManager(client);
        // The schemas the host captures by default (Cdc:Schemas): the modules' tables and the sagas' (CAS command log, reconciliation).
        var published = new CdcReaderOptions { ConnectionString = hubDatabase, BootstrapServers = "unused:9092" };
        published.Schemas.Add("sagas");
        foreach (var t in await PublishedTables.DescribeAsync(published, ct))
        {
            using var envelope = JsonDocument.Parse(t.EnvelopeSchemaJson);
            var after = envelope.RootElement.GetProperty("fields").EnumerateArray().First(f => f.GetProperty("field").GetString() == "after");
            await tables.EnsureTableAsync(t.Schema, t.Table, after.GetRawText(), t.KeyColumns, ct);
        }

        await MartInstaller.InstallAsync(clickHouse.ConnectionString, reportingTimeZone, NullLogger.Instance, ct);
    }
}

/// <summary>A clock the test sets.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
