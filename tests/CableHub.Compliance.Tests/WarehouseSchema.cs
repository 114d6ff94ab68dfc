using System.Text.Json;
using CableHub.Pipelines.Cdc;
using CableHub.Pipelines.Ingest.Schema;
using CableHub.Testing;
using CableHub.Warehouse.Marts;
using CableHub.Warehouse.Migrations;
using Microsoft.Extensions.Logging.Abstractions;

namespace CableHub.Compliance.Tests;

/// <summary>
/// The warehouse as the host builds it: PostgreSQL migrated, every published table's raw table and hub view created by
/// the ingester's RawTableManager, warehouse migrations, marts. Tests then write raw CDC rows directly.
/// </summary>
internal static class WarehouseSchema
{
    public static async Task BuildAsync(PostgresFixture postgres, ClickHouseFixture clickHouse, string reportingTimeZone, CancellationToken ct)
    {
        using var client = clickHouse.CreateClient();
        foreach (var db in new[] { "marts", "hub", "raw" })
        {
            await client.ExecuteNonQueryAsync($"DROP DATABASE IF EXISTS {db} SYNC", cancellationToken: ct);
        }

        await client.ExecuteNonQueryAsync($"DROP TABLE IF EXISTS {WarehouseMigrator.HistoryTable}", cancellationToken: ct);
        await CableHub.Modules.HubModules.MigrateAsync(postgres.ConnectionString, NullLogger.Instance, ct);
        await WarehouseMigrator.MigrateAsync(clickHouse.ConnectionString, NullLogger.Instance, ct);
        var tables = new RawTableManager(client);
        // The schemas the host captures (hub, sagas); every column (the fixtures write raw rows of their own).
        var published = new CdcReaderOptions { ConnectionString = postgres.ConnectionString, BootstrapServers = "unused:9092" };
        published.Schemas.Clear();
        foreach (var schema in new Host.Configuration.HubSettings().Cdc.SchemaList)
        {
            published.Schemas.Add(schema);
        }

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
public sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>Collects what would go to the audit log.</summary>
internal sealed class RecordingAuditSink : Core.Ports.IExportAuditSink
{
    public List<Core.Ports.ExportAuditRecord> Records { get; } = [];

    public Task RecordAsync(Core.Ports.ExportAuditRecord record, CancellationToken ct)
    {
        Records.Add(record);
        return Task.CompletedTask;
    }
}
