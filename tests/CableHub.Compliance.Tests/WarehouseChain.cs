using System.Text.Json;
using CableHub.Pipelines.Cdc;
using CableHub.Pipelines.Ingest;
using CableHub.Testing;
using CableHub.Warehouse.Marts;
using CableHub.Warehouse.Migrations;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CableHub.Compliance.Tests;

/// <summary>
/// The hub's database → the change stream (the host's captured schemas and column allowlist) → Kafka → the ingester →
/// ClickHouse raw tables and views → marts, running, as the host prepares and runs it: warehouse migrations, every published
/// table's raw table and view, the marts and live views, then the CDC reader and the ingester. Disposing stops both and
/// drops the replication slot.
/// </summary>
internal sealed class WarehouseChain : IAsyncDisposable
{
    public const string Zone = "Asia/Kolkata";

    private readonly string _postgres;
    private readonly string _prefix;
    private readonly WarehouseIngester _ingester;
    private readonly CancellationTokenSource _stop = new();
    private Task _cdcRun = Task.CompletedTask;
    private Task _ingestRun = Task.CompletedTask;

    private WarehouseChain(string postgres, string prefix, WarehouseIngester ingester, ClickHouseClient client)
    {
        _postgres = postgres;
        _prefix = prefix;
        _ingester = ingester;
        Client = client;
    }

    public ClickHouseClient Client { get; }

    public static async Task<WarehouseChain> StartAsync(string postgres, KafkaFixture kafka, ClickHouseFixture clickHouse, CancellationToken ct)
    {
        var prefix = "w" + Guid.NewGuid().ToString("N")[..10];
        var settings = new Host.Configuration.HubSettings();
        var cdc = CdcOptions(postgres, kafka, prefix);

        var ingest = new WarehouseIngesterOptions
        {
            BootstrapServers = kafka.BootstrapServers,
            ClickHouseConnectionString = clickHouse.ConnectionString,
            GroupId = "ingest-" + prefix,
            TopicPattern = settings.Cdc.TopicPattern(prefix),
            DeadLetterTopic = $"{prefix}.dlq.ingest",
            SchemaTopic = $"{prefix}._schemas",
            FlushInterval = TimeSpan.FromMilliseconds(200),
            TopicRefreshInterval = TimeSpan.FromSeconds(1),
            CompressInserts = false,
        };
        kafka.EnsureTopic(ingest.DeadLetterTopic, 1);
        foreach (var (key, value) in kafka.Consumer())
        {
            if (key is "session.timeout.ms" or "heartbeat.interval.ms" or "max.poll.interval.ms")
            {
                ingest.ConsumerProperties[key] = value;
            }
        }

        await WarehouseMigrator.MigrateAsync(clickHouse.ConnectionString, NullLogger.Instance, ct);
        var ingester = new WarehouseIngester(ingest, TestLogging.Factory);
        foreach (var t in await PublishedTables.DescribeAsync(cdc, ct))
        {
            using var envelope = JsonDocument.Parse(t.EnvelopeSchemaJson);
            var after = envelope.RootElement.GetProperty("fields").EnumerateArray().First(f => f.GetProperty("field").GetString() == "after");
            await ingester.Tables.EnsureTableAsync(t.Schema, t.Table, after.GetRawText(), t.KeyColumns, ct);
        }

        await MartInstaller.InstallAsync(clickHouse.ConnectionString, Zone, NullLogger.Instance, ct);

        var chain = new WarehouseChain(postgres, prefix, ingester, clickHouse.CreateClient());
        var reader = new CdcReader(cdc, kafka.Topics, TestLogging.Factory.CreateLogger("cdc"));
        chain._cdcRun = Task.Run(() => reader.RunAsync(chain._stop.Token), ct);
        chain._ingestRun = Task.Run(() => ingester.RunAsync(chain._stop.Token), ct);
        (await Task.WhenAny(reader.Streaming, chain._cdcRun, Task.Delay(TimeSpan.FromSeconds(90), ct))).ShouldBe(reader.Streaming);
        return chain;
    }

    /// <summary>
    /// A change stream reader's options as the host sets them (captured schemas, column allowlist) on its own slot, publication
    /// and topic prefix, from now on (no snapshot), with short test intervals.
    /// </summary>
    public static CdcReaderOptions CdcOptions(string postgres, KafkaFixture kafka, string prefix)
    {
        var cdc = new CdcReaderOptions
        {
            ConnectionString = postgres,
            BootstrapServers = kafka.BootstrapServers,
            Slot = "s" + prefix,
            Publication = "pub_" + prefix,
            TopicPrefix = prefix,
            Snapshot = SnapshotMode.Never,
            StatusInterval = TimeSpan.FromMilliseconds(200),
            HeartbeatInterval = TimeSpan.FromSeconds(1),
            RetryDelay = TimeSpan.FromMilliseconds(200),
        };
        new Host.Configuration.HubSettings().Cdc.ApplyTo(cdc);
        return cdc;
    }

    /// <summary>Waits (at most 3 minutes) until <paramref name="condition"/> holds; a query on a table not there yet counts as not yet.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (ClickHouse.Driver.ClickHouseServerException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(500, ct);
        }
    }

    /// <summary>Rows as invariant strings ("" for NULL).</summary>
    public static async Task<List<string[]>> RowsAsync(ClickHouseClient client, string sql, ClickHouseParameterCollection? parameters, CancellationToken ct)
    {
        var rows = new List<string[]>();
#pragma warning disable CA2100 // test SQL, values are parameters
        using var reader = await client.ExecuteReaderAsync(sql, parameters ?? new ClickHouseParameterCollection(), null, ct);
#pragma warning restore CA2100
        while (await reader.ReadAsync(ct))
        {
            rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!)]);
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_cdcRun, _ingestRun).WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None)
            .ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        await _ingester.DisposeAsync();
        Client.Dispose();
        _stop.Dispose();
        await using var conn = new NpgsqlConnection(_postgres);
        await conn.OpenAsync(CancellationToken.None);
        await conn.ExecuteAsync($"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 's{_prefix}' AND NOT active");
    }
}
