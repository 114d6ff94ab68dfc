using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CableHub.Compliance.Reports;
using CableHub.Compliance.Reports.Signing;
using CableHub.Core.Ports;
using CableHub.Host.Configuration;
using CableHub.Host.Infrastructure;
using CableHub.Warehouse.Ddl;
using CableHub.Warehouse.Marts;
using CableHub.Warehouse.Migrations;
using ClickHouse.Driver;
using ClickHouse.Driver.Utility;
using Spectre.Console;

namespace CableHub.Host.Cli.Bench;

/// <summary>
/// <c>bench msr --rows N</c>: on a throwaway embedded warehouse, N rows of <c>marts.fact_entitlement_snapshot</c> over the
/// four snapshots of November 2026 (boxes × channels × route, made inside the engine from numbers()), then: the
/// per-snapshot counts as the mart refresher builds them when it takes a snapshot (paid once per snapshot), the same
/// figures computed straight from the snapshot rows (what a report without the counts would pay), and the monthly
/// subscription report as <c>report msr</c> makes it — snapshot checks, counts read, one file per broadcaster written
/// and signed (median of 3 after a warm-up).
/// </summary>
public static class MsrBench
{
    private static readonly ReportPeriod Month = new(2026, 11);

    public static Command Build()
    {
        var rows = new Option<long>("--rows") { Description = "snapshot rows in the month (four snapshots)", DefaultValueFactory = _ => 100_000_000 };
        var perBox = new Option<int>("--channels-per-box") { Description = "entitled channels per box", DefaultValueFactory = _ => 40 };
        var format = new Option<string>("--format") { Description = "export format(s) of the timed report", DefaultValueFactory = _ => "csv" };
        var direct = new Option<bool>("--direct") { Description = "also time the report's counts computed straight from the snapshot rows", DefaultValueFactory = _ => true };
        var command = new Command("msr", "Monthly subscription report time over N entitlement snapshot rows") { rows, perBox, format, direct };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(rows);
            var k = parse.GetValue(perBox);
            if (n < 10_000 || k is < 1 or > 300)
            {
                await Console.Error.WriteLineAsync("--rows must be at least 10000 and --channels-per-box 1–300").ConfigureAwait(false);
                return 2;
            }

            var formats = ComplianceReporter.ParseFormats(parse.GetValue(format)!);
            var configuration = HubCli.Configuration(parse);
            using var serilog = Logging.CreateLogger(new ConfigurationBuilder().AddConfiguration(configuration)
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:Level"] = "Warning" }).Build());
            using var loggers = new Serilog.Extensions.Logging.SerilogLoggerFactory(serilog);
            var hub = HubConfiguration.Bind(configuration);
            var root = Path.Combine(Path.GetTempPath(), "cablehub-bench-msr-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(root);
            var settings = new HubSettings { DataDirectory = root, ReportingTimeZone = hub.ReportingTimeZone };
            settings.ClickHouse.Embedded.Port = 0;
            try
            {
                await using var infra = await HubInfrastructure.StartAsync(settings, loggers, postgres: false, kafka: false, clickHouse: true, ct).ConfigureAwait(false);
                var cs = infra.ClickHouseConnectionString;
                await WarehouseMigrator.MigrateAsync(cs, loggers.CreateLogger("WarehouseMigrations"), ct).ConfigureAwait(false);
                using var client = new ClickHouseClient(cs);
                await client.ExecuteNonQueryAsync(MartInstaller.CreateLog, null, null, ct).ConfigureAwait(false);
                foreach (var mart in MartCatalog.Load(settings.ReportingTimeZone).Where(m => m.Name is "dim_channel" or "dim_bouquet" or "fact_entitlement_snapshot"))
                {
                    await client.ExecuteNonQueryAsync(mart.TableSql, null, null, ct).ConfigureAwait(false);
                    if (mart.CountTableSql is not null)
                    {
                        await client.ExecuteNonQueryAsync(mart.CountTableSql, null, null, ct).ConfigureAwait(false);
                    }
                }

                var options = new ComplianceOptions { ReportingTimeZone = settings.ReportingTimeZone, SigningKeyPath = Path.Combine(root, "keys", "report-signing.key") };
                var zone = TimeZoneInfo.FindSystemTimeZoneById(options.ReportingTimeZone);
                var days = options.SnapshotDays.Select(d => new DateOnly(Month.Year, Month.Month, d)).ToList();

                var clock = Stopwatch.StartNew();
                await Generate(client, n, k, days, options, ct).ConfigureAwait(false);
                var snapshotRows = Convert.ToInt64(await client.ExecuteScalarAsync(
                    "SELECT sum(rows) FROM system.parts WHERE database = 'marts' AND table = 'fact_entitlement_snapshot' AND active", null, null, ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
                AnsiConsole.MarkupLineInterpolated($"{snapshotRows:N0} snapshot rows ({days.Count} snapshots, {k} channels per box) generated in {clock.Elapsed.TotalSeconds:0.0} s");

                // What the mart refresher does right after taking each snapshot.
                var refresher = new MartRefresher(cs, options.MartOptions(), ClickHouseTopology.SingleNode, TimeProvider.System, loggers.CreateLogger("Marts"));
                var countSeconds = new List<double>();
                foreach (var day in days)
                {
                    clock.Restart();
                    await refresher.CountSnapshotAsync(day, ct).ConfigureAwait(false);
                    countSeconds.Add(clock.Elapsed.TotalSeconds);
                    AnsiConsole.MarkupLineInterpolated($"counts of the {day:yyyy-MM-dd} snapshot built in {countSeconds[^1]:0.00} s");
                }

                double? directSeconds = null;
                if (parse.GetValue(direct))
                {
                    clock.Restart();
                    await client.ExecuteScalarAsync(
                        "SELECT count() FROM (SELECT snapshot_date, broadcaster_id, channel_id, uniqExact(device_id) FROM marts.fact_entitlement_snapshot " +
                        $"WHERE snapshot_date >= '{Month.First:yyyy-MM-dd}' AND snapshot_date <= '{Month.Last:yyyy-MM-dd}' GROUP BY ALL)", null, null, ct).ConfigureAwait(false);
                    directSeconds = clock.Elapsed.TotalSeconds;
                    AnsiConsole.MarkupLineInterpolated($"per-channel counts straight from the snapshot rows (no count table): {directSeconds:0.00} s");
                }

                var signer = new ExportSigner(options.SigningKeyPath);
                var reporter = new ComplianceReporter(cs, options, signer, new LoggingExportAuditSink(loggers.CreateLogger<LoggingExportAuditSink>()), TimeProvider.System, loggers.CreateLogger("Reports"));
                var runs = new List<double>();
                var files = 0;
                for (var i = 0; i < 4; i++)
                {
                    clock.Restart();
                    var documents = await reporter.BuildAsync(ReportKind.Msr, Month, ct: ct).ConfigureAwait(false);
                    files = (await reporter.ExportAsync(documents, formats, Path.Combine(root, "out"), "bench", ct: ct).ConfigureAwait(false)).Count;
                    if (i > 0)
                    {
                        runs.Add(clock.Elapsed.TotalSeconds); // the first run warms the caches
                    }
                }

                runs.Sort();
                AnsiConsole.MarkupLineInterpolated($"report msr {Month}: {files} files, median {runs[1]:0.000} s, max {runs[^1]:0.000} s");
                var load = File.ReadAllText("/proc/loadavg").Split(' ');
                AnsiConsole.MarkupLineInterpolated($"load average: {load[0]} {load[1]} {load[2]} ({Environment.ProcessorCount} cores)");

                Console.WriteLine(Result("msr_snapshot_rows", snapshotRows, "rows"));
                Console.WriteLine(Result("msr_load_average_1m", double.Parse(load[0], CultureInfo.InvariantCulture), "load"));
                Console.WriteLine(Result("msr_count_build_seconds_per_snapshot", countSeconds.Average(), "s"));
                if (directSeconds is { } d)
                {
                    Console.WriteLine(Result("msr_direct_count_seconds", d, "s"));
                }

                Console.WriteLine(Result("msr_seconds", runs[1], "s"));
                return 0;
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        });
        return command;
    }

    /// <summary>Synthetic snapshot rows, made inside the engine: boxes × channels, 20 broadcasters, 300 channels, 24 bouquets; some boxes missing per day.</summary>
    private static async Task Generate(ClickHouseClient client, long n, int perBox, List<DateOnly> days, ComplianceOptions options, CancellationToken ct)
    {
        const int channels = 300, broadcasters = 20, bouquets = 24;
        var tz = options.ReportingTimeZone;
        await client.ExecuteNonQueryAsync(
            "INSERT INTO marts.dim_channel (channel_id, channel_code, channel_name, broadcaster_id, broadcaster_code, broadcaster_name, genre, language, definition, lcn, currency, free_to_air, status, _version, _is_deleted, _refreshed_at) " +
            $"SELECT {U(4, "number")}, 'CH' || toString(number), 'Channel ' || toString(number), {U(3, $"number % {broadcasters}")}, 'B' || toString(number % {broadcasters}), " +
            $"'Broadcaster ' || toString(number % {broadcasters}), 'GEC', 'hi', if(number % 4 = 0, 'HD', 'SD'), 100 + number, 'INR', number % 10 = 0, 'active', 1, 0, now64(3) FROM numbers({channels})",
            null, null, ct).ConfigureAwait(false);
        await client.ExecuteNonQueryAsync(
            "INSERT INTO marts.dim_bouquet (bouquet_id, bouquet_code, bouquet_name, kind, broadcaster_id, broadcaster_code, currency, billing_period, status, channels, pay_channels, a_la_carte_sum, _version, _is_deleted, _refreshed_at) " +
            $"SELECT {U(5, "number")}, 'PK' || toString(number), 'Bouquet ' || toString(number), if(number % 2 = 0, 'broadcaster_bouquet', 'distributor_bouquet'), " +
            $"if(number % 2 = 0, toNullable({U(3, $"number % {broadcasters}")}), NULL), if(number % 2 = 0, 'B' || toString(number % {broadcasters}), ''), 'INR', 'monthly', 'active', 15, 14, 0, 1, 0, now64(3) FROM numbers({bouquets})",
            null, null, ct).ConfigureAwait(false);

        var perDay = n / days.Count;
        const long chunk = 5_000_000;
        await AnsiConsole.Progress().AutoClear(false).StartAsync(async progress =>
        {
            var task = progress.AddTask($"snapshot rows ({n:N0})", maxValue: n);
            for (var j = 0; j < days.Count; j++)
            {
                var at = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(days[j].ToDateTime(options.SnapshotTime), TimeZoneInfo.FindSystemTimeZoneById(tz)), TimeSpan.Zero);
                for (long offset = 0; offset < perDay; offset += chunk)
                {
                    var count = Math.Min(chunk, perDay - offset);
                    // x = row number in the day; d = box, c = channel (distinct per box), route: a bouquet for most, à la carte for the last 8 channels of a box.
                    var sql =
                        "INSERT INTO marts.fact_entitlement_snapshot (snapshot_date, snapshot_at, device_id, customer_id, lco_id, lco_code, subscription_id, plan_id, channel_id, channel_code, definition, free_to_air, broadcaster_id, broadcaster_code, entitled_via, bouquet_id, bouquet_code, bouquet_kind, _refresh_version, _refreshed_at) " +
                        $"SELECT toDate('{days[j]:yyyy-MM-dd}'), toDateTime('{at.UtcDateTime:yyyy-MM-dd HH:mm:ss}', 'UTC'), {U(14, "d")}, {U(10, "d")}, {U(2, "d % 200")}, 'LCO' || toString(d % 200), {U(13, "d")}, {U(6, "d % 12")}, " +
                        $"{U(4, "c")}, 'CH' || toString(c), if(c % 4 = 0, 'HD', 'SD'), c % 10 = 0, {U(3, $"c % {broadcasters}")}, 'B' || toString(c % {broadcasters}), " +
                        $"if(r < {perBox - 8}, 'bouquet', 'a_la_carte'), if(r < {perBox - 8}, {U(5, $"c % {bouquets}")}, toUUID('00000000-0000-0000-0000-000000000000')), " +
                        $"if(r < {perBox - 8}, 'PK' || toString(c % {bouquets}), ''), if(r < {perBox - 8}, if(c % {bouquets} % 2 = 0, 'broadcaster_bouquet', 'distributor_bouquet'), ''), 1, now64(3) " +
                        $"FROM (SELECT intDiv(x, {perBox}) + if(intDiv(x, {perBox}) % 50 = {j}, 1000000000, 0) AS d, x % {perBox} AS r, (intDiv(x, {perBox}) * 13 + (x % {perBox}) * 7) % {channels} AS c " +
                        $"FROM (SELECT number + {offset} AS x FROM numbers({count})))";
                    await client.ExecuteNonQueryAsync(sql, null, null, ct).ConfigureAwait(false);
                    task.Increment(count);
                }
            }
        }).ConfigureAwait(false);
    }

    /// <summary>A deterministic UUID for entity kind <paramref name="kind"/> and number expression <paramref name="n"/> (as bench marts makes them).</summary>
    private static string U(int kind, string n) =>
        $"toUUID(concat('{kind:x8}', '-0000-4000-8000-', leftPad(lower(hex(toUInt64({n}))), 12, '0')))";

    private static string Result(string name, double value, string unit) =>
        string.Create(CultureInfo.InvariantCulture, $"RESULT {name} {value:0.###} {unit}");
}
