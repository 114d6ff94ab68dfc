using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CableHub.Host.Configuration;
using CableHub.Host.Infrastructure;
using CableHub.Warehouse.Export;
using Spectre.Console;

namespace CableHub.Host.Cli.Bench;

/// <summary>
/// <c>bench export --rows N</c>: exports N synthetic rows (ints, LowCardinality and nullable strings, decimals,
/// DateTime64 with a zone, dates) from a throwaway embedded warehouse to Parquet, Arrow and CSV, and prints rows/s and
/// the process's peak working set. Fails (exit 1) when the peak grew by more than <c>--max-growth-mb</c> over the
/// baseline: the export must stream, whatever N.
/// </summary>
public static class ExportBench
{
    public static Command Build()
    {
        var rows = new Option<long>("--rows") { Description = "rows to export per format", DefaultValueFactory = _ => 5_000_000 };
        var maxGrowth = new Option<int>("--max-growth-mb") { Description = "allowed peak working set growth", DefaultValueFactory = _ => 400 };
        var command = new Command("export", "Export throughput and bounded memory (Parquet, Arrow, CSV)") { rows, maxGrowth };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(rows);
            var configuration = HubCli.Configuration(parse);
            using var serilog = Logging.CreateLogger(new ConfigurationBuilder().AddConfiguration(configuration)
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:Level"] = "Warning" }).Build());
            using var loggers = new Serilog.Extensions.Logging.SerilogLoggerFactory(serilog);
            var root = Path.Combine(Path.GetTempPath(), "cablehub-bench-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(root);
            var settings = new HubSettings { DataDirectory = root };
            settings.ClickHouse.Embedded.Port = 0;
            try
            {
                await using var infra = await HubInfrastructure.StartAsync(settings, loggers, postgres: false, kafka: false, clickHouse: true, ct).ConfigureAwait(false);
                var query = $"""
                    SELECT number AS id, ['north', 'south', 'east', 'west'][number % 4 + 1]::LowCardinality(String) AS region,
                           if(number % 5 = 0, NULL, concat('customer note ', toString(number))) AS note,
                           toDecimal64(number % 100000 / 100, 2) AS amount,
                           toDateTime64('2026-01-01 00:00:00', 3, 'Asia/Kolkata') + toIntervalMillisecond(number) AS at,
                           toDate('2026-01-01') + number % 365 AS day
                    FROM numbers({n})
                    """;
                // Warm-up (JIT, engine caches) on a small export, then the baseline.
                await using (var warm = new FileStream(Path.Combine(root, "warm"), FileMode.Create))
                {
                    await WarehouseExporter.ExportAsync(infra.ClickHouseConnectionString, query.Replace($"numbers({n})", "numbers(100000)", StringComparison.Ordinal), ExportFormat.Parquet, warm, null, ct).ConfigureAwait(false);
                }

                GC.Collect();
                using var self = Process.GetCurrentProcess();
                self.Refresh();
                var baseline = self.WorkingSet64;
                var results = new List<string>();
                long peakGrowth = 0;
                foreach (var format in Enum.GetValues<ExportFormat>())
                {
                    var path = Path.Combine(root, "out." + format.ToString().ToLowerInvariant());
                    var clock = Stopwatch.StartNew();
                    var peak = 0L;
                    ExportSummary summary;
                    await using (var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                    {
                        summary = await AnsiConsole.Status().StartAsync($"{format}", async status =>
                            await WarehouseExporter.ExportAsync(infra.ClickHouseConnectionString, query, format, file, new Progress<ExportProgress>(p =>
                            {
                                self.Refresh();
                                peak = Math.Max(peak, self.WorkingSet64);
                                status.Status($"{format}: {p.Rows:N0} rows, {p.Bytes / 1048576.0:N0} MB");
                            }), ct).ConfigureAwait(false)).ConfigureAwait(false);
                    }

                    var seconds = clock.Elapsed.TotalSeconds;
                    var growth = (Math.Max(peak, self.WorkingSet64) - baseline) / 1048576;
                    peakGrowth = Math.Max(peakGrowth, growth);
                    AnsiConsole.MarkupLineInterpolated($"{format}: {summary.Rows:N0} rows, {summary.Bytes / 1048576.0:N0} MB in {seconds:0.0} s; working set +{growth:N0} MB over baseline");
                    results.Add(string.Create(CultureInfo.InvariantCulture, $"RESULT export_{format.ToString().ToLowerInvariant()}_rows_per_s {summary.Rows / seconds:0} rows/s"));
                    File.Delete(path);
                }

                results.Add(string.Create(CultureInfo.InvariantCulture, $"RESULT export_peak_working_set_growth {peakGrowth} MB"));
                foreach (var line in results)
                {
                    Console.WriteLine(line);
                }

                if (peakGrowth > parse.GetValue(maxGrowth))
                {
                    await Console.Error.WriteLineAsync($"the export did not stream: peak working set grew {peakGrowth} MB (allowed {parse.GetValue(maxGrowth)} MB) for {n:N0} rows").ConfigureAwait(false);
                    return 1;
                }

                return 0;
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        });
        return command;
    }
}
