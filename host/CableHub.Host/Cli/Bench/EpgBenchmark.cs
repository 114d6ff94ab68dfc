using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CableHub.Connectors.Xmltv;
using CableHub.Demo;
using CableHub.Epg;
using CableHub.Core.Persistence;
using CableHub.Modules;
using CableHub.Epg.Api;
using Npgsql;

namespace CableHub.Host.Cli.Bench;

/// <summary>
/// <c>bench epg --programmes N</c>: XMLTV import throughput into PostgreSQL. Generates an N-programme file (not timed), then
/// imports it with the production importer — parse and normalise on one thread, map and binary COPY on another, one
/// transaction, window replacement, commit — into a throwaway database on the hub's cluster (dropped afterwards). The
/// first run loads an empty window (after an untimed warm-up import elsewhere in time), later runs replace that window
/// (delete + insert). Prints each run with client and
/// server CPU, then <c>RESULT epg_programmes_per_s</c> (the best run) last.
/// </summary>
public static class EpgBenchmark
{
    public static Command Build()
    {
        var programmes = new Option<int>("--programmes") { Description = "programmes in the generated file", DefaultValueFactory = _ => 1_000_000 };
        var channels = new Option<int>("--channels") { Description = "channels they are spread over", DefaultValueFactory = _ => 100 };
        var runs = new Option<int>("--runs") { Description = "imports of the file (first into an empty guide, then replacing it); the best is reported", DefaultValueFactory = _ => 3 };
        var details = new Option<bool>("--details") { Description = "realistic programmes (descriptions, credits, categories, episode numbers, ratings) instead of lean listings (times and a title)" };
        var keep = new Option<bool>("--keep-database") { Description = "keep the benchmark database (cablehub_bench_*) for inspection" };
        var command = new Command("epg", "XMLTV import into PostgreSQL: programmes per second") { programmes, channels, runs, details, keep };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(programmes);
            var c = parse.GetValue(channels);
            var r = parse.GetValue(runs);
            if (n < 1 || c < 1 || c > n || r < 1)
            {
                await Console.Error.WriteLineAsync("--programmes, --channels and --runs must be at least 1, and channels at most programmes").ConfigureAwait(false);
                return 2;
            }

            await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
            return await RunAsync(db.Infrastructure.PostgresConnectionString, n, c, r, parse.GetValue(details), parse.GetValue(keep), db.Settings, db.Configuration, db.Loggers, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(string clusterConnectionString, int programmes, int channels, int runs, bool details, bool keep,
        Configuration.HubSettings settings, IConfiguration configuration, ILoggerFactory loggers, CancellationToken ct)
    {
        var ci = CultureInfo.InvariantCulture;
        var database = await BenchDatabase.CreateAsync(clusterConnectionString, ct).ConfigureAwait(false);
        var connectionString = new NpgsqlConnectionStringBuilder(clusterConnectionString) { Database = database }.ConnectionString;
        var file = Path.Combine(Path.GetTempPath(), $"{database}.xml");
        try
        {
            await HubModules.MigrateAsync(connectionString, loggers.CreateLogger("Migrations"), ct).ConfigureAwait(false);
            await using var dataSource = OperationalStore.CreateDataSource(connectionString);
            await BenchmarkData.SeedChannelsAsync(dataSource, channels, ct).ConfigureAwait(false);

            var watch = Stopwatch.StartNew();
            var generated = XmltvGenerator.WriteFile(file, new XmltvGeneratorOptions
            {
                Channels = channels,
                ProgrammesPerChannel = (programmes + channels - 1) / channels,
                Details = details,
                Indent = false,
                Start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            });
            Console.WriteLine(string.Create(ci,
                $"Generated {generated.Programmes:N0} {(details ? "detailed" : "lean")} programmes on {channels} channels: {generated.Bytes / 1e6:N1} MB in {watch.Elapsed.TotalSeconds:N1} s (not timed)"));

            await using var services = Composition.HubComposition.CliServices(dataSource, settings, configuration, loggers);
            var importer = services.GetRequiredService<XmltvGuideImporter>();

            // Warm-up (not timed): a small file a year earlier, so the timed runs measure compiled code, not the JIT.
            var warmUp = file + ".warmup";
            XmltvGenerator.WriteFile(warmUp, new XmltvGeneratorOptions { Channels = channels, ProgrammesPerChannel = Math.Max(1, 200_000 / channels), Details = details, Indent = false });
            await importer.ImportFileAsync(warmUp, ct: ct).ConfigureAwait(false);
            File.Delete(warmUp);

            var best = 0.0;
            for (var run = 1; run <= runs; run++)
            {
                var clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
                var serverCpu = PostgresCpu();
                watch.Restart();
                var outcome = await importer.ImportFileAsync(file, ct: ct).ConfigureAwait(false);
                var seconds = watch.Elapsed.TotalSeconds;
                var result = outcome.Result;
                if (!result.Succeeded)
                {
                    await Console.Error.WriteLineAsync($"import failed: {result.Error}").ConfigureAwait(false);
                    return 1;
                }

                var rate = result.Inserted / seconds;
                best = Math.Max(best, rate);
                var client = (Process.GetCurrentProcess().TotalProcessorTime - clientCpu).TotalSeconds;
                var server = PostgresCpu() is { } after && serverCpu is { } before ? (after - before).TotalSeconds : double.NaN;
                Console.WriteLine(string.Create(ci,
                    $"Run {run} ({(run == 1 ? "empty guide" : "replacing the window")}): {result.Inserted:N0} programmes in {seconds:N2} s = {rate:N0} programmes/s; " +
                    $"replaced {result.Replaced:N0}; CPU client {client:N1} s ({client * 1e6 / result.Inserted:N1} µs/programme), PostgreSQL {server:N1} s"));
            }

            Console.WriteLine(string.Create(ci, $"Machine: {Environment.ProcessorCount} cores, load average {BenchScratch.LoadAverage()} (other work shares these cores)"));
            Console.WriteLine(string.Create(ci, $"RESULT epg_programmes_per_s {best:0} programmes/s"));
            return 0;
        }
        finally
        {
            File.Delete(file);
            await BenchDatabase.DropAsync(clusterConnectionString, database, keep).ConfigureAwait(false);
        }
    }

    /// <summary>CPU time of the local postgres processes (an embedded cluster; null when none is visible, e.g. external).</summary>
    private static TimeSpan? PostgresCpu()
    {
        long ticks = 0;
        var found = false;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (!File.ReadAllText(Path.Combine(dir, "comm")).StartsWith("postgres", StringComparison.Ordinal))
                {
                    continue;
                }

                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture); // utime + stime, clock ticks
                found = true;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while we looked.
            }
        }

        return found ? TimeSpan.FromSeconds(ticks / 100.0) : null;
    }
}
