using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CableHub.Host.Configuration;
using CableHub.Modules;
using CableHub.Host.Infrastructure;
using CableHub.Pipelines.Cdc;
using CableHub.Pipelines.Ingest.Schema;
using CableHub.Warehouse.Ddl;
using CableHub.Warehouse.Marts;
using CableHub.Warehouse.Migrations;
using ClickHouse.Driver;
using Spectre.Console;

namespace CableHub.Host.Cli.Bench;

/// <summary>
/// <c>bench marts --subscribers N</c>: on a throwaway embedded warehouse, raw tables exactly as the ingester creates them
/// (from the migrated PostgreSQL schema), filled with synthetic CDC rows inside the engine (INSERT … SELECT from
/// numbers()); then the marts' full build, an incremental refresh after 1% of customers and subscriptions changed, an
/// entitlement snapshot, and the latency of typical dashboard queries (median of 5, over ClickHouse's HTTP interface).
/// </summary>
public static class MartsBench
{
    public static Command Build()
    {
        var subscribers = new Option<int>("--subscribers") { Description = "customers, boxes, subscriptions and orders", DefaultValueFactory = _ => 1_000_000 };
        var snapshotBoxes = new Option<int>("--snapshot-boxes") { Description = "boxes with entitlements (0 = all subscribers)", DefaultValueFactory = _ => 1_000_000 };
        var channelsPerBox = new Option<int>("--channels-per-box") { Description = "entitled channels per box", DefaultValueFactory = _ => 40 };
        var command = new Command("marts", "Mart refresh time and dashboard query latency on synthetic warehouse data") { subscribers, snapshotBoxes, channelsPerBox };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(subscribers);
            var boxes = parse.GetValue(snapshotBoxes) is var b && b > 0 ? Math.Min(b, n) : n;
            var perBox = parse.GetValue(channelsPerBox);
            if (n < 1000 || perBox is < 1 or > 300)
            {
                await Console.Error.WriteLineAsync("--subscribers must be at least 1000 and --channels-per-box 1–300").ConfigureAwait(false);
                return 2;
            }

            var configuration = HubCli.Configuration(parse);
            using var serilog = Logging.CreateLogger(new ConfigurationBuilder().AddConfiguration(configuration)
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:Level"] = "Warning" }).Build());
            using var loggers = new Serilog.Extensions.Logging.SerilogLoggerFactory(serilog);
            var hubSettings = HubConfiguration.Bind(configuration);
            var root = Path.Combine(Path.GetTempPath(), "cablehub-bench-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(root);
            File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
            var settings = new HubSettings { DataDirectory = root, ReportingTimeZone = hubSettings.ReportingTimeZone };
            settings.Postgres.Embedded.Port = FreePort();
            settings.Postgres.Embedded.Durable = false;
            settings.ClickHouse.Embedded.Port = FreePort();
            var exit = 1;
            try
            {
                exit = await RunAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // said here, before the cleanup: a failing cleanup must not hide why the run failed
                AnsiConsole.MarkupLineInterpolated($"[red]bench marts failed: {e}[/]");
                exit = 1;
            }
            finally
            {
                exit = BenchScratch.ExitCode(exit, await BenchScratch.RemoveAsync(root).ConfigureAwait(false));
            }

            return exit;

            async Task<int> RunAsync()
            {
                await using var infra = await HubInfrastructure.StartAsync(settings, loggers, postgres: true, kafka: false, clickHouse: true, ct).ConfigureAwait(false);
                var cs = infra.ClickHouseConnectionString;
                await HubModules.MigrateAsync(infra.PostgresConnectionString, loggers.CreateLogger("Migrations"), ct).ConfigureAwait(false);
                await WarehouseMigrator.MigrateAsync(cs, loggers.CreateLogger("WarehouseMigrations"), ct).ConfigureAwait(false);
                using var client = new ClickHouseClient(cs);
                var tables = new RawTableManager(client);
                var published = new CdcReaderOptions { ConnectionString = infra.PostgresConnectionString, BootstrapServers = "unused:9092" };
                settings.Cdc.ApplyTo(published);
                foreach (var t in await PublishedTables.DescribeAsync(published, ct).ConfigureAwait(false))
                {
                    using var envelope = JsonDocument.Parse(t.EnvelopeSchemaJson);
                    var after = envelope.RootElement.GetProperty("fields").EnumerateArray().First(f => f.GetProperty("field").GetString() == "after");
                    await tables.EnsureTableAsync(t.Schema, t.Table, after.GetRawText(), t.KeyColumns, ct).ConfigureAwait(false);
                }

                await MartInstaller.InstallAsync(cs, settings.ReportingTimeZone, loggers.CreateLogger("Marts"), ct).ConfigureAwait(false);

                var clock = Stopwatch.StartNew();
                var rawRows = await AnsiConsole.Progress().AutoClear(false).StartAsync(async progress =>
                {
                    var steps = SyntheticData(n, boxes, perBox);
                    var task = progress.AddTask($"synthetic raw CDC rows ({n:N0} subscribers)", maxValue: steps.Count);
                    foreach (var (_, sql) in steps)
                    {
                        await client.ExecuteNonQueryAsync(sql, null, null, ct).ConfigureAwait(false);
                        task.Increment(1);
                    }

                    return Convert.ToInt64(await client.ExecuteScalarAsync("SELECT sum(rows) FROM system.parts WHERE database = 'raw' AND active", null, null, ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
                }).ConfigureAwait(false);
                AnsiConsole.MarkupLineInterpolated($"{rawRows:N0} raw rows generated in {clock.Elapsed.TotalSeconds:0.0} s");

                var options = PipelineRoles.MartOptions(settings);
                options.SnapshotBackfillDays = 0; // the snapshot is timed on its own below
                var refresher = new MartRefresher(cs, options, ClickHouseTopology.SingleNode, TimeProvider.System, loggers.CreateLogger("Marts"));
                clock.Restart();
                var full = await refresher.RefreshAsync(full: true, ct: ct).ConfigureAwait(false);
                var fullSeconds = clock.Elapsed.TotalSeconds;
                Print("full build", full);

                // 1% of customers change LCO and 1% of subscriptions end: new raw versions, as the ingester would write them.
                var changed = n / 100;
                await client.ExecuteNonQueryAsync(
                    $"INSERT INTO raw.hub_customer SELECT * REPLACE (_version + 1 AS _version, now64(3) AS _ingested_at, {U(2, "(cityHash64(id) + 3) % 200")} AS lco_id) FROM raw.hub_customer WHERE id IN (SELECT {U(10, "number * 97 % " + n)} FROM numbers({changed}))",
                    null, null, ct).ConfigureAwait(false);
                await client.ExecuteNonQueryAsync(
                    $"INSERT INTO raw.hub_subscription SELECT * REPLACE (_version + 1 AS _version, now64(3) AS _ingested_at, 'terminated' AS status, toNullable(now64(6)) AS end_at) FROM raw.hub_subscription WHERE id IN (SELECT {U(13, "number * 89 % " + n)} FROM numbers({changed}))",
                    null, null, ct).ConfigureAwait(false);
                clock.Restart();
                var incremental = await refresher.RefreshAsync(ct: ct).ConfigureAwait(false);
                var incrementalSeconds = clock.Elapsed.TotalSeconds;
                Print($"incremental after {changed:N0} customers and {changed:N0} subscriptions changed", incremental);

                clock.Restart();
                var snapshot = await refresher.TakeSnapshotAsync(TimeProvider.System.GetUtcNow().AddMinutes(-1), ct).ConfigureAwait(false);
                var snapshotSeconds = clock.Elapsed.TotalSeconds;
                AnsiConsole.MarkupLineInterpolated($"entitlement snapshot: {snapshot.Rows:N0} rows in {snapshotSeconds:0.0} s");

                var dashboards = new (string Name, string Sql)[]
                {
                    ("subscribers_trend", "SELECT f.snapshot_date, p.plan_code, sum(f.active_subscriptions), sum(f.started), sum(f.ended) FROM marts.fact_subscription_daily AS f FINAL INNER JOIN (SELECT plan_id, plan_code FROM marts.dim_plan FINAL) AS p ON p.plan_id = f.plan_id WHERE f.snapshot_date >= today() - 90 GROUP BY ALL ORDER BY ALL"),
                    ("customers_by_region", "SELECT lco_region, status, count() FROM marts.dim_customer FINAL GROUP BY ALL ORDER BY ALL"),
                    ("orders_per_day", "SELECT requested_date, state, count(), avg(seconds_to_complete), sum(recurring_amount) FROM marts.fact_order FINAL WHERE requested_date >= today() - 30 GROUP BY ALL ORDER BY ALL"),
                    ("regulator_channels", "SELECT broadcaster_code, channel_code, average_subscribers FROM marts.report_channel_subscribers_monthly WHERE month = toStartOfMonth(today()) ORDER BY ALL"),
                };
                var latencies = new List<(string, double)>();
                foreach (var (name, sql) in dashboards)
                {
                    var runs = new List<double>();
                    for (var i = 0; i < 6; i++)
                    {
                        var q = Stopwatch.StartNew();
                        using var reader = await client.ExecuteReaderAsync(sql, null, null, ct).ConfigureAwait(false);
                        while (reader.Read())
                        {
                        }

                        if (i > 0)
                        {
                            runs.Add(q.Elapsed.TotalMilliseconds); // the first run warms the caches
                        }
                    }

                    runs.Sort();
                    latencies.Add((name, runs[runs.Count / 2]));
                    AnsiConsole.MarkupLineInterpolated($"dashboard {name}: median {runs[runs.Count / 2]:0} ms, max {runs[^1]:0} ms");
                }

                Console.WriteLine(Result("marts_raw_rows", rawRows, "rows"));
                Console.WriteLine(Result("marts_full_refresh_s", fullSeconds, "s"));
                Console.WriteLine(Result("marts_incremental_refresh_s", incrementalSeconds, "s"));
                Console.WriteLine(Result("marts_snapshot_rows_per_s", snapshot.Rows / Math.Max(snapshotSeconds, 1e-6), "rows/s"));
                foreach (var (name, ms) in latencies)
                {
                    Console.WriteLine(Result($"dashboard_{name}_ms", ms, "ms"));
                }

                Console.WriteLine(Result("dashboard_slowest_ms", latencies.Max(l => l.Item2), "ms"));
                return 0;
            }
        });
        return command;
    }

    private static void Print(string title, IReadOnlyList<MartRefreshResult> results)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(title).AddColumns("mart", "mode", "rows", "seconds");
        foreach (var r in results)
        {
            table.AddRow(r.Mart, r.Mode, r.Rows.ToString("N0", CultureInfo.InvariantCulture), r.Duration.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
    }

    /// <summary>A deterministic UUID for entity kind <paramref name="kind"/> and number expression <paramref name="n"/>.</summary>
    private static string U(int kind, string n) =>
        $"toUUID(concat('{kind:x8}', '-0000-4000-8000-', leftPad(lower(hex(toUInt64({n}))), 12, '0')))";

    // Ingested an hour ago: older than the refresh's watermark overlap, so the incremental run sees only the 1% changed.
    private const string Meta = "toUInt128(1) AS _version, 0 AS _is_deleted, 'r' AS _op, now64(3) - toIntervalHour(1) AS _ingested_at";

    /// <summary>The INSERT … SELECT statements of the synthetic catalog, subscribers, boxes, orders and entitlements.</summary>
    private static List<(string Name, string Sql)> SyntheticData(int n, int boxes, int perBox)
    {
        const int lcos = 200, broadcasters = 20, channels = 300, packages = 24, plans = 12;
        var now = "now64(6)";
        var list = new List<(string, string)>
        {
            ("lco", $"INSERT INTO raw.hub_lco (id, code, name, region, created_at, _version, _is_deleted, _op, _ingested_at) SELECT {U(2, "number")}, 'LCO' || toString(number), 'Cable ' || toString(number), ['North', 'South', 'East', 'West', 'Central'][number % 5 + 1], {now}, {Meta} FROM numbers({lcos})"),
            ("broadcaster", $"INSERT INTO raw.hub_broadcaster (id, code, name, _version, _is_deleted, _op, _ingested_at) SELECT {U(3, "number")}, 'B' || toString(number), 'Broadcaster ' || toString(number), {Meta} FROM numbers({broadcasters})"),
            ("channel", $"INSERT INTO raw.hub_channel (id, code, name, broadcaster_id, genre, language, definition, lcn, cas_product_id, a_la_carte_price, currency, free_to_air, created_at, status, updated_at, _version, _is_deleted, _op, _ingested_at) SELECT {U(4, "number")}, 'CH' || toString(number), 'Channel ' || toString(number), {U(3, $"number % {broadcasters}")}, ['GEC', 'News', 'Sports', 'Movies', 'Kids'][number % 5 + 1], ['hi', 'en', 'ta', 'te', 'bn'][number % 5 + 1], if(number % 4 = 0, 'HD', 'SD'), 100 + number, 'CAS' || toString(number), if(number % 10 = 0, NULL, toDecimal128(1 + number % 19, 2)), 'INR', number % 10 = 0, {now}, 'active', {now}, {Meta} FROM numbers({channels})"),
            ("package", $"INSERT INTO raw.hub_package (id, code, name, kind, created_at, description, billing_period, status, updated_at, _version, _is_deleted, _op, _ingested_at) SELECT {U(5, "number")}, 'PK' || toString(number), 'Bouquet ' || toString(number), ['base', 'broadcaster_bouquet', 'distributor_bouquet', 'add_on'][number % 4 + 1], {now}, '', 'monthly', 'active', {now}, {Meta} FROM numbers({packages})"),
            ("package_channel", $"INSERT INTO raw.hub_package_channel (package_id, channel_id, _version, _is_deleted, _op, _ingested_at) SELECT DISTINCT {U(5, "intDiv(number, 15)")}, {U(4, $"(intDiv(number, 15) * 11 + number % 15 * 7) % {channels}")}, {Meta} FROM numbers({packages * 15})"),
            ("plan", $"INSERT INTO raw.hub_plan (id, code, name, description, price, currency, billing_period, status, created_at, _version, _is_deleted, _op, _ingested_at) SELECT {U(6, "number")}, 'PLAN-' || toString(number), 'Plan ' || toString(number), '', toDecimal128(199 + 50 * number, 2), 'INR', 'monthly', 'active', {now}, {Meta} FROM numbers({plans})"),
            ("plan_package", $"INSERT INTO raw.hub_plan_package (plan_id, package_id, _version, _is_deleted, _op, _ingested_at) SELECT DISTINCT {U(6, "intDiv(number, 4)")}, {U(5, $"(intDiv(number, 4) * 2 + number % 4 * 5) % {packages}")}, {Meta} FROM numbers({plans * 4})"),
            ("equipment_model", $"INSERT INTO raw.hub_equipment_model (code, kind, name, manufacturer, serialized, unit_price, currency, unit, created_at, _version, _is_deleted, _op, _ingested_at) SELECT 'STB-' || toString(number), 'stb', 'Box ' || toString(number), 'Maker', true, toDecimal128(1500, 2), 'INR', 'each', {now}, {Meta} FROM numbers(4)"),
            ("customer", $"INSERT INTO raw.hub_customer (id, customer_number, status, given_name_enc, family_name_enc, preferred_language, lco_id, created_at, updated_at, _version, _is_deleted, _op, _ingested_at) SELECT {U(10, "number")}, 'C' || leftPad(toString(number), 9, '0'), ['active', 'active', 'active', 'suspended', 'terminated'][number % 5 + 1], 'enc', 'enc', 'hi', {U(2, $"number % {lcos}")}, {now} - toIntervalDay(number % 1500), {now}, {Meta} FROM numbers({n})"),
            ("contact_medium", $"INSERT INTO raw.hub_contact_medium (id, customer_id, medium_type, preferred, value_enc, value_hash, city, state_or_province, country, valid_from, _version, _is_deleted, _op, _ingested_at) SELECT {U(11, "number")}, {U(10, "number")}, 'postal_address', true, 'enc', 'hash', ['Pune', 'Mumbai', 'Delhi', 'Chennai', 'Kolkata', 'Jaipur'][number % 6 + 1], ['MH', 'MH', 'DL', 'TN', 'WB', 'RJ'][number % 6 + 1], 'IN', {now}, {Meta} FROM numbers({n})"),
            ("billing_account", $"INSERT INTO raw.hub_billing_account (id, account_number, customer_id, status, currency, bill_cycle_day, payment_method, prepaid, created_at, updated_at, _version, _is_deleted, _op, _ingested_at) SELECT {U(12, "number")}, 'A' || toString(number), {U(10, "number")}, 'active', 'INR', 1 + number % 28, ['online', 'cash', 'card'][number % 3 + 1], number % 3 = 0, {now}, {now}, {Meta} FROM numbers({n})"),
            ("device", $"INSERT INTO raw.hub_device (id, serial_number, kind, model_code, cas_id, status, activation_state, customer_id, created_at, updated_at, _version, _is_deleted, _op, _ingested_at) SELECT {U(14, "number")}, 'SN' || toString(number), 'stb', 'STB-' || toString(number % 4), 'CAS' || toString(number), 'installed', 'active', {U(10, "number")}, {now}, {now}, {Meta} FROM numbers({n})"),
            ("subscription", $"INSERT INTO raw.hub_subscription (id, customer_id, billing_account_id, plan_id, order_id, device_id, status, start_at, end_at, created_at, updated_at, _version, _is_deleted, _op, _ingested_at) SELECT {U(13, "number")}, {U(10, "number")}, {U(12, "number")}, {U(6, $"number % {plans}")}, {U(15, "number")}, {U(14, "number")}, if(number % 10 = 0, 'terminated', 'active'), {now} - toIntervalDay(number % 1000) - toIntervalHour(1), if(number % 10 = 0, {now} - toIntervalDay(number % 1000 / 2), NULL), {now}, {now}, {Meta} FROM numbers({n})"),
            ("product_order", $"INSERT INTO raw.hub_product_order (id, state, customer_id, channel, correlation_id, requested_at, completed_at, updated_at, _version, _is_deleted, _op, _ingested_at) SELECT {U(15, "number")}, if(number % 50 = 0, 'failed', 'completed'), {U(10, "number")}, ['api', 'portal', 'lco'][number % 3 + 1], 'c', {now} - toIntervalDay(number % 1000) - toIntervalHour(2), {now} - toIntervalDay(number % 1000) - toIntervalHour(2) + toIntervalSecond(2 + number % 40), {now}, {Meta} FROM numbers({n})"),
            ("product_order_item", $"INSERT INTO raw.hub_product_order_item (order_id, item_id, action, plan_id, quantity, state, _version, _is_deleted, _op, _ingested_at) SELECT {U(15, "number")}, '1', 'add', {U(6, $"number % {plans}")}, 1, 'completed', {Meta} FROM numbers({n})"),
            ("entitlement", $"INSERT INTO raw.hub_entitlement (id, device_id, channel_id, subscription_id, valid_from, valid_to, _version, _is_deleted, _op, _ingested_at) SELECT {U(16, "number")}, {U(14, $"intDiv(number, {perBox})")}, {U(4, $"(intDiv(number, {perBox}) * 13 + number % {perBox} * 7) % {channels}")}, {U(13, $"intDiv(number, {perBox})")}, {now} - toIntervalDay(intDiv(number, {perBox}) % 1000) - toIntervalHour(1), NULL, {Meta} FROM numbers({(long)boxes * perBox})"),
        };
        return list;
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
