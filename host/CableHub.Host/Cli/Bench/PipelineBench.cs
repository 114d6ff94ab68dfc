using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CableHub.Core.Persistence;
using CableHub.Modules;
using CableHub.Host.Configuration;
using CableHub.Demo;
using CableHub.Host.Infrastructure;
using CableHub.Warehouse.Migrations;
using Spectre.Console;

namespace CableHub.Host.Cli.Bench;

/// <summary>
/// <c>bench pipeline --subscribers N</c>: on throwaway embedded servers (temp folder, free ports), seeds N subscribers
/// and measures the seed rate, then the CDC reader and warehouse ingester moving every change into ClickHouse
/// (snapshot of the seed, then a streamed batch of updates). Prints <c>RESULT</c> lines last.
/// </summary>
public static class PipelineBench
{
    public static Command Build()
    {
        var subscribers = new Option<int>("--subscribers") { Description = "subscribers to seed", DefaultValueFactory = _ => 10_000 };
        var command = new Command("pipeline", "Seed rate and PostgreSQL → CDC → Kafka → ClickHouse throughput on throwaway embedded servers") { subscribers };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(subscribers);
            if (n < 1)
            {
                await Console.Error.WriteLineAsync("--subscribers must be at least 1").ConfigureAwait(false);
                return 2;
            }

            var configuration = HubCli.Configuration(parse);
            using var serilog = Logging.CreateLogger(new ConfigurationBuilder().AddConfiguration(configuration)
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:Level"] = "Warning" }).Build());
            using var loggers = new Serilog.Extensions.Logging.SerilogLoggerFactory(serilog);
            var root = Path.Combine(Path.GetTempPath(), "cablehub-bench-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(root);
            File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
            var settings = new HubSettings { DataDirectory = root, Demo = { Subscribers = n } };
            settings.Postgres.Embedded.Port = FreePort();
            settings.Postgres.Embedded.Durable = false;
            settings.Kafka.Embedded.Port = FreePort();
            settings.ClickHouse.Embedded.Port = FreePort();
            try
            {
                await using var infra = await HubInfrastructure.StartAsync(settings, loggers, postgres: true, kafka: true, clickHouse: true, ct).ConfigureAwait(false);
                await HubModules.MigrateAsync(infra.PostgresConnectionString, loggers.CreateLogger("Migrations"), ct).ConfigureAwait(false);
                await WarehouseMigrator.MigrateAsync(infra.ClickHouseConnectionString, loggers.CreateLogger("WarehouseMigrations"), ct).ConfigureAwait(false);
                await using var dataSource = OperationalStore.CreateDataSource(infra.PostgresConnectionString);
                var generator = new DemoDataGenerator(dataSource, DataKeys.CreateEncryptor(settings, loggers.CreateLogger("Keys")));

                var seedClock = Stopwatch.StartNew();
                await generator.SeedAsync(new DemoDataSize(n), null, ct).ConfigureAwait(false);
                var seedSeconds = seedClock.Elapsed.TotalSeconds;
                AnsiConsole.MarkupLineInterpolated($"seeded {n:N0} subscribers in {seedSeconds:0.0} s");

                var roles = new PipelineRoles(settings, infra, loggers);
                await roles.PrepareAsync(ct).ConfigureAwait(false);
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var clock = Stopwatch.StartNew();
                var running = Task.WhenAll(roles.Cdc!.RunAsync(stop.Token), roles.Ingester!.RunAsync(stop.Token));

                // 1. The snapshot of everything seeded.
                var snapshotEvents = await WaitForWarehouseAsync(roles, minimumEvents: 1, ct).ConfigureAwait(false);
                var snapshotSeconds = clock.Elapsed.TotalSeconds;
                AnsiConsole.MarkupLineInterpolated($"snapshot: {snapshotEvents:N0} change events in the warehouse after {snapshotSeconds:0.0} s");

                // 2. Streamed changes: one update per subscription, in transactions of 1,000.
                var before = roles.Ingester.Stats.EventsIngested;
                clock.Restart();
                await BenchmarkData.TouchEverySubscriptionAsync(dataSource, ct).ConfigureAwait(false);

                var streamed = await WaitForWarehouseAsync(roles, before + n, ct).ConfigureAwait(false) - before;
                var streamSeconds = clock.Elapsed.TotalSeconds;
                AnsiConsole.MarkupLineInterpolated($"streaming: {streamed:N0} updates from the WAL in the warehouse after {streamSeconds:0.0} s");

                await stop.CancelAsync().ConfigureAwait(false);
                await running.ConfigureAwait(false);
                await roles.Ingester.DisposeAsync().ConfigureAwait(false);
                var peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0;
                Console.WriteLine(Result("seed_subscribers_per_s", n / seedSeconds, "subscribers/s"));
                Console.WriteLine(Result("pipeline_snapshot_events_per_s", snapshotEvents / snapshotSeconds, "events/s"));
                Console.WriteLine(Result("pipeline_streaming_events_per_s", streamed / streamSeconds, "events/s"));
                Console.WriteLine(Result("pipeline_peak_working_set", peakMb, "MB"));
                return 0;
            }
            finally
            {
                await DevServers.Postgres.EmbeddedPostgres.StopLeftoverAsync(Path.Combine(root, "postgres"), CancellationToken.None).ConfigureAwait(false);
                Directory.Delete(root, recursive: true);
            }
        });
        return command;
    }

    /// <summary>Waits until the ingester has everything the reader produced (and at least <paramref name="minimumEvents"/>).</summary>
    private static async Task<long> WaitForWarehouseAsync(PipelineRoles roles, long minimumEvents, CancellationToken ct)
    {
        var lastProgress = Stopwatch.StartNew();
        var last = -1L;
        while (true)
        {
            var produced = roles.Cdc!.Stats.Events;
            var ingested = roles.Ingester!.Stats.EventsIngested;
            if (ingested >= minimumEvents && ingested >= produced && roles.Cdc.Streaming.IsCompleted)
            {
                return ingested;
            }

            if (ingested != last)
            {
                last = ingested;
                lastProgress.Restart();
            }
            else if (lastProgress.Elapsed > TimeSpan.FromSeconds(120))
            {
                throw new TimeoutException($"the pipeline stalled: {produced:N0} events produced, {ingested:N0} in the warehouse, no progress for 2 minutes");
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    private static string Result(string name, double value, string unit) =>
        string.Create(CultureInfo.InvariantCulture, $"RESULT {name} {value:0.##} {unit}");

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
