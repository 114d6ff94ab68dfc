using System.Globalization;
using CableHub.Testing;
using CableHub.Warehouse.Ddl;
using CableHub.Warehouse.Marts;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Microsoft.Extensions.Logging.Abstractions;

namespace CableHub.Warehouse.Tests;

/// <summary>
/// The incrementally built marts over real raw tables (created by the ingester's code from the migrated PostgreSQL
/// schema): full build, changed keys only afterwards, deletions, the daily subscription counts and the point-in-time
/// entitlement snapshot with its bouquet routes.
/// </summary>
[Collection(ClickHouseCollection.Name)]
public sealed class MartRefreshTests : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private const string Zone = "Asia/Kolkata";
    private static readonly TimeZoneInfo Ist = TimeZoneInfo.FindSystemTimeZoneById(Zone);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly ManualClock _clock = new(DateTimeOffset.Parse("2026-11-20T09:00:00Z", CultureInfo.InvariantCulture));
    private readonly PostgresFixture _postgres;
    private readonly ClickHouseFixture clickHouse;
    private ClickHouseClient _client = null!;
    private MartRefresher _refresher = null!;
    private ulong _version;

    // ids
    private static readonly Guid Lco1 = G(1), Lco2 = G(2), C1 = G(11), C2 = G(12), C3 = G(13), Bc = G(21), Ch1 = G(31), Ch2 = G(32), Ch3 = G(33),
        Pkg = G(41), Plan = G(51), D1 = G(61), D2 = G(62), S1 = G(71), S2 = G(72), S3 = G(73);

    public MartRefreshTests(ClickHouseFixture clickHouse, PostgresFixture postgres)
    {
        this.clickHouse = clickHouse;
        _postgres = postgres;
    }

    public async ValueTask InitializeAsync()
    {
        await WarehouseSchema.BuildAsync(_postgres, clickHouse, Zone, Ct);
        _client = clickHouse.CreateClient();
        _refresher = new MartRefresher(clickHouse.ConnectionString, new MartOptions { ReportingTimeZone = Zone, WatermarkOverlap = TimeSpan.Zero },
            ClickHouseTopology.SingleNode, _clock, NullLogger.Instance);
    }

    public ValueTask DisposeAsync()
    {
        _client?.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Dimensions_build_in_full_then_only_changed_keys_with_deletions()
    {
        await CatalogAsync();
        await RawAsync("lco", "id, code, name, region", $"SELECT '{Lco1}', 'LCO1', 'North Cable', 'North' UNION ALL SELECT '{Lco2}', 'LCO2', 'South Cable', 'South'");
        await RawAsync("customer", "id, customer_number, status, given_name_enc, family_name_enc, preferred_language, lco_id, created_at",
            $"SELECT '{C1}', 'C0000001', 'active', 'secret-1', 'secret-2', 'hi', '{Lco1}', toDateTime64('2026-01-31 20:00:00', 6, 'UTC') " +
            $"UNION ALL SELECT '{C2}', 'C0000002', 'active', 'secret-3', 'secret-4', 'en', '{Lco2}', toDateTime64('2026-02-01 01:00:00', 6, 'UTC')");
        await RawAsync("contact_medium", "id, customer_id, medium_type, value_enc, value_hash, city, state_or_province, country, valid_from",
            $"SELECT '{G(91)}', '{C1}', 'postal_address', 'enc', 'hash', 'Pune', 'Maharashtra', 'IN', toDateTime64('2026-01-31 20:00:00', 6, 'UTC')");
        await RawAsync("billing_account", "id, account_number, customer_id, status, currency, bill_cycle_day, payment_method, prepaid, created_at",
            $"SELECT '{G(92)}', 'A1', '{C1}', 'active', 'INR', 5, 'online', true, now64(6)");

        var first = await RefreshAsync();
        first["dim_customer"].Mode.ShouldBe("full");
        (await RowsAsync("SELECT customer_number, lco_code, lco_region, city, country, billing_accounts, prepaid, toString(created_date) FROM marts.dim_customer FINAL ORDER BY customer_number"))
            .ShouldBe(["C0000001|LCO1|North|Pune|IN|1|true|2026-02-01", "C0000002|LCO2|South|||0|false|2026-02-01"]);
        (await RowsAsync("SELECT plan_code, bouquets, channels, pay_channels, toString(price) FROM marts.dim_plan FINAL")).ShouldBe(["FAMILY-M|1|2|1|349"]);
        (await RowsAsync("SELECT bouquet_code, kind, channels, pay_channels, toString(a_la_carte_sum), broadcaster_code FROM marts.dim_bouquet FINAL")).ShouldBe(["BASE|base|2|1|19|"]);
        (await RowsAsync("SELECT channel_code, broadcaster_code, free_to_air FROM marts.dim_channel FINAL ORDER BY channel_code"))
            .ShouldBe(["CH1|STAR|false", "CH2|STAR|true", "CH3|STAR|false"]);

        // Nothing changed: nothing written.
        var idle = await RefreshAsync();
        idle["dim_customer"].Mode.ShouldBe("incremental");
        idle["dim_customer"].Rows.ShouldBe(0);

        // C2 moves to LCO1; C1 is deleted; the LCO is renamed (every customer of it changes).
        await RawAsync("customer", "id, customer_number, status, preferred_language, lco_id, created_at",
            $"SELECT '{C2}', 'C0000002', 'suspended', 'en', '{Lco1}', toDateTime64('2026-02-01 01:00:00', 6, 'UTC')");
        await RawAsync("customer", "id, customer_number, status, lco_id", $"SELECT '{C1}', 'C0000001', 'active', '{Lco1}'", deleted: true);
        var second = await RefreshAsync();
        second["dim_customer"].Rows.ShouldBe(2); // one new version, one deleted marker
        second["dim_plan"].Rows.ShouldBe(0);
        (await RowsAsync("SELECT customer_number, status, lco_code FROM marts.dim_customer FINAL")).ShouldBe(["C0000002|suspended|LCO1"]);

        await RawAsync("lco", "id, code, name, region", $"SELECT '{Lco1}', 'LCO1', 'North Cable Networks', 'North-East'");
        var third = await RefreshAsync();
        third["dim_customer"].Rows.ShouldBe(1);
        (await RowsAsync("SELECT lco_name, lco_region FROM marts.dim_customer FINAL")).ShouldBe(["North Cable Networks|North-East"]);

        // No personal data, every column commented.
        (await RowsAsync("SELECT table || '.' || name FROM system.columns WHERE database = 'marts' AND (name LIKE '%\\_enc' OR name LIKE '%\\_hash' OR name LIKE '%name%' AND table = 'dim_customer' AND name NOT LIKE 'lco%')")).ShouldBeEmpty();
        (await RowsAsync("SELECT table || '.' || name FROM system.columns WHERE database = 'marts' AND table IN ('" + string.Join("', '", MartCatalog.Names) + "') AND comment = ''")).ShouldBeEmpty();
        (await RowsAsync("SELECT count() FROM marts.dim_customer WHERE customer_number = 'secret-1' OR city = 'secret-1'")).ShouldBe(["0"]);
    }

    [Fact]
    public async Task Daily_subscription_counts_follow_start_and_end_dates_and_only_differences_are_written()
    {
        await CatalogAsync();
        await RawAsync("lco", "id, code, name, region", $"SELECT '{Lco1}', 'LCO1', 'North', 'N' UNION ALL SELECT '{Lco2}', 'LCO2', 'South', 'S'");
        await RawAsync("customer", "id, customer_number, status, lco_id",
            $"SELECT '{C1}', 'C1', 'active', '{Lco1}' UNION ALL SELECT '{C2}', 'C2', 'active', '{Lco1}' UNION ALL SELECT '{C3}', 'C3', 'active', '{Lco2}'");
        var today = LocalToday();
        await RawAsync("subscription", "id, customer_id, billing_account_id, plan_id, status, start_at, end_at",
            $"SELECT '{S1}', '{C1}', '{G(99)}', '{Plan}', 'active', {Noon(today, -5)}, NULL " +
            $"UNION ALL SELECT '{S2}', '{C2}', '{G(99)}', '{Plan}', 'terminated', {Noon(today, -3)}, {Noon(today, -1)} " +
            $"UNION ALL SELECT '{S3}', '{C3}', '{G(99)}', '{Plan}', 'active', {Noon(today, -2)}, NULL");

        (await RefreshAsync())["fact_subscription_daily"].Mode.ShouldBe("full");
        var expected = new List<string>
        {
            Day(today, -5, "LCO1", 1, 1, 0), Day(today, -4, "LCO1", 1, 0, 0), Day(today, -3, "LCO1", 2, 1, 0), Day(today, -2, "LCO1", 2, 0, 0),
            Day(today, -1, "LCO1", 1, 0, 1), Day(today, 0, "LCO1", 1, 0, 0),
            Day(today, -2, "LCO2", 1, 1, 0), Day(today, -1, "LCO2", 1, 0, 0), Day(today, 0, "LCO2", 1, 0, 0),
        };
        (await DailyAsync()).ShouldBe(expected.Order(StringComparer.Ordinal));

        var idle = await RefreshAsync();
        idle["fact_subscription_daily"].Mode.ShouldBe("unchanged");
        idle["fact_subscription_daily"].Rows.ShouldBe(0);

        // S1 ends today: only today's LCO1 row changes.
        await RawAsync("subscription", "id, customer_id, billing_account_id, plan_id, status, start_at, end_at",
            $"SELECT '{S1}', '{C1}', '{G(99)}', '{Plan}', 'terminated', {Noon(today, -5)}, {Noon(today, 0)}");
        var changed = await RefreshAsync();
        changed["fact_subscription_daily"].Rows.ShouldBe(1);
        expected[5] = Day(today, 0, "LCO1", 0, 0, 1);
        (await DailyAsync()).ShouldBe(expected.Order(StringComparer.Ordinal));

        // S3 removed: its rows vanish (deleted markers).
        await RawAsync("subscription", "id, customer_id, billing_account_id, plan_id, status", $"SELECT '{S3}', '{C3}', '{G(99)}', '{Plan}', 'active'", deleted: true);
        (await RefreshAsync())["fact_subscription_daily"].Rows.ShouldBe(3);
        (await DailyAsync()).ShouldBe(expected.Where(e => !e.Contains("LCO2", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The refresh reports rows written; this counts what is physically stored (no FINAL, which would hide duplicates):
    /// refreshing again without a change must not add a second copy of the daily rows, and a change adds only its rows.
    /// </summary>
    [Fact]
    public async Task Refreshing_twice_stores_the_daily_rows_once()
    {
        await CatalogAsync();
        await RawAsync("lco", "id, code, name, region", $"SELECT '{Lco1}', 'LCO1', 'North', 'N'");
        await RawAsync("customer", "id, customer_number, status, lco_id", $"SELECT '{C1}', 'C1', 'active', '{Lco1}' UNION ALL SELECT '{C2}', 'C2', 'active', '{Lco1}'");
        var today = LocalToday();
        await RawAsync("subscription", "id, customer_id, billing_account_id, plan_id, status, start_at, end_at",
            $"SELECT '{S1}', '{C1}', '{G(99)}', '{Plan}', 'active', {Noon(today, -20)}, NULL " +
            $"UNION ALL SELECT '{S2}', '{C2}', '{G(99)}', '{Plan}', 'active', {Noon(today, -10)}, NULL");

        var first = (await RefreshAsync())["fact_subscription_daily"];
        var stored = await StoredDailyRowsAsync();
        stored.ShouldBe(21L); // today-20 … today, one LCO and plan
        ((long)first.Rows).ShouldBe(stored);

        for (var i = 0; i < 2; i++)
        {
            (await RefreshAsync())["fact_subscription_daily"].Rows.ShouldBe(0);
            (await StoredDailyRowsAsync()).ShouldBe(stored, $"refresh {i + 2} without a change stored rows again");
        }

        // S2 ends today: today's row gets a new version; nothing else is written.
        await RawAsync("subscription", "id, customer_id, billing_account_id, plan_id, status, start_at, end_at",
            $"SELECT '{S2}', '{C2}', '{G(99)}', '{Plan}', 'terminated', {Noon(today, -10)}, {Noon(today, 0)}");
        (await RefreshAsync())["fact_subscription_daily"].Rows.ShouldBe(1);
        (await StoredDailyRowsAsync()).ShouldBeLessThanOrEqualTo(stored + 1); // a merge may already have collapsed the old version
        (await RowsAsync("SELECT count() FROM marts.fact_subscription_daily FINAL")).ShouldBe(["21"]);
        (await RefreshAsync())["fact_subscription_daily"].Rows.ShouldBe(0);
        (await StoredDailyRowsAsync()).ShouldBeLessThanOrEqualTo(stored + 1);
    }

    private async Task<long> StoredDailyRowsAsync() =>
        long.Parse((await RowsAsync("SELECT count() FROM marts.fact_subscription_daily"))[0], CultureInfo.InvariantCulture);

    [Fact]
    public async Task Entitlement_snapshot_counts_what_was_valid_at_the_instant_with_its_bouquet_route()
    {
        await CatalogAsync();
        await RawAsync("lco", "id, code, name, region", $"SELECT '{Lco1}', 'LCO1', 'North', 'N'");
        await RawAsync("customer", "id, customer_number, status, lco_id", $"SELECT '{C1}', 'C1', 'active', '{Lco1}' UNION ALL SELECT '{C2}', 'C2', 'active', '{Lco1}'");
        var today = LocalToday();
        await RawAsync("subscription", "id, customer_id, billing_account_id, plan_id, status, start_at",
            $"SELECT '{S1}', '{C1}', '{G(99)}', '{Plan}', 'active', {Noon(today, -10)} UNION ALL SELECT '{S2}', '{C2}', '{G(99)}', '{Plan}', 'active', {Noon(today, -10)}");
        await RawAsync("entitlement", "id, device_id, channel_id, subscription_id, valid_from, valid_to",
            $"SELECT '{G(101)}', '{D1}', '{Ch1}', '{S1}', {Noon(today, -10)}, NULL " +
            $"UNION ALL SELECT '{G(102)}', '{D1}', '{Ch2}', '{S1}', {Noon(today, -10)}, NULL " +
            $"UNION ALL SELECT '{G(103)}', '{D1}', '{Ch3}', '{S1}', {Noon(today, -10)}, {Noon(today, 0)} " +
            $"UNION ALL SELECT '{G(104)}', '{D2}', '{Ch1}', '{S2}', {Noon(today, -10)}, NULL " +
            $"UNION ALL SELECT '{G(105)}', '{D2}', '{Ch2}', '{S2}', {Noon(today, -10)}, {Noon(today, -1)}");
        // The scheduled refresh takes the snapshots due in the last 35 days (the 14th of the month among them).
        var scheduled = (await _refresher.RefreshAsync(ct: Ct)).Where(r => r.SnapshotAt is not null).ToList();
        scheduled.Select(r => TimeZoneInfo.ConvertTime(r.SnapshotAt!.Value, Ist).ToString("dd HH:mm", CultureInfo.InvariantCulture)).ShouldBe(["21 21:00", "28 21:00", "07 21:00", "14 21:00"]);
        scheduled[^1].Rows.ShouldBe(5);
        (await _refresher.RefreshAsync(ct: Ct)).ShouldNotContain(r => r.SnapshotAt != null);

        // Yesterday 21:00 local: CH3 (à la carte, ends today noon) still valid for D1; D2's CH2 ended yesterday noon.
        var at = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(today.AddDays(-1).ToDateTime(new TimeOnly(21, 0)), Ist), TimeSpan.Zero);
        (await _refresher.TakeSnapshotAsync(at, Ct)).Rows.ShouldBe(4);
        (await _refresher.TakeSnapshotAsync(at, Ct)).Rows.ShouldBe(4); // a retake replaces the partition
        (await RowsAsync($"SELECT toString(snapshot_at), channel_code, entitled_via, bouquet_code, lco_code, broadcaster_code FROM marts.fact_entitlement_snapshot WHERE snapshot_date = '{today.AddDays(-1):yyyy-MM-dd}' ORDER BY device_id, channel_code"))
            .ShouldBe([
                $"{today.AddDays(-1):yyyy-MM-dd} 21:00:00|CH1|bouquet|BASE|LCO1|STAR",
                $"{today.AddDays(-1):yyyy-MM-dd} 21:00:00|CH2|bouquet|BASE|LCO1|STAR",
                $"{today.AddDays(-1):yyyy-MM-dd} 21:00:00|CH3|a_la_carte||LCO1|STAR",
                $"{today.AddDays(-1):yyyy-MM-dd} 21:00:00|CH1|bouquet|BASE|LCO1|STAR",
            ]);
        // The month's figure averages the 14th (D1, D2 on CH1 and CH2) and the 19th (D2 lost CH2).
        (await RowsAsync("SELECT channel_code, snapshots, average_subscribers FROM marts.report_channel_subscribers_monthly WHERE month = '2026-11-01' ORDER BY channel_code"))
            .ShouldBe(["CH1|2|2", "CH2|2|2", "CH3|2|1"]);
        (await RowsAsync("SELECT bouquet_code, average_subscribers FROM marts.report_bouquet_subscribers_monthly WHERE month = '2026-11-01'")).ShouldBe(["BASE|2"]);
    }

    [Fact]
    public void Snapshots_fall_on_the_configured_days_at_the_local_time()
    {
        var refresher = new MartRefresher("Host=unused", new MartOptions { ReportingTimeZone = Zone }, ClickHouseTopology.SingleNode, _clock, NullLogger.Instance);
        var due = refresher.ScheduledSnapshots(DateTimeOffset.Parse("2026-02-01T00:00:00Z", CultureInfo.InvariantCulture), DateTimeOffset.Parse("2026-03-08T00:00:00Z", CultureInfo.InvariantCulture));
        due.Select(d => d.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)).ShouldBe(
            ["2026-02-07 15:30", "2026-02-14 15:30", "2026-02-21 15:30", "2026-02-28 15:30", "2026-03-07 15:30"]);
        Should.Throw<ArgumentException>(() => new MartOptions { SnapshotTime = new TimeOnly(18, 0) }.Validate()).Message.ShouldContain("19:00–23:00");
    }

    private async Task CatalogAsync()
    {
        await RawAsync("broadcaster", "id, code, name", $"SELECT '{Bc}', 'STAR', 'Star India'");
        await RawAsync("channel", "id, code, name, broadcaster_id, genre, language, definition, lcn, cas_product_id, a_la_carte_price, currency, free_to_air, status",
            $"SELECT '{Ch1}', 'CH1', 'One', '{Bc}', 'GEC', 'hi', 'SD', 101, 'P1', toDecimal128(19, 2), 'INR', false, 'active' " +
            $"UNION ALL SELECT '{Ch2}', 'CH2', 'Two', '{Bc}', 'News', 'hi', 'SD', 102, 'P2', NULL, 'INR', true, 'active' " +
            $"UNION ALL SELECT '{Ch3}', 'CH3', 'Three', '{Bc}', 'Sports', 'en', 'HD', 103, 'P3', toDecimal128(25, 2), 'INR', false, 'active'");
        await RawAsync("package", "id, code, name, kind, billing_period, status", $"SELECT '{Pkg}', 'BASE', 'Base pack', 'base', 'monthly', 'active'");
        await RawAsync("package_channel", "package_id, channel_id", $"SELECT '{Pkg}', '{Ch1}' UNION ALL SELECT '{Pkg}', '{Ch2}'");
        await RawAsync("plan", "id, code, name, price, currency, billing_period, status", $"SELECT '{Plan}', 'FAMILY-M', 'Family', toDecimal128(349, 2), 'INR', 'monthly', 'active'");
        await RawAsync("plan_package", "plan_id, package_id", $"SELECT '{Plan}', '{Pkg}'");
    }

    /// <summary>Writes raw CDC rows as the ingester would (a new version each call), stamped with the test clock.</summary>
    private async Task RawAsync(string table, string columns, string select, bool deleted = false)
    {
        _version++;
        _clock.Now = _clock.Now.AddSeconds(1);
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("at", _clock.Now.UtcDateTime);
        await _client.ExecuteNonQueryAsync(
            $"INSERT INTO raw.hub_{table} ({columns}, _version, _is_deleted, _op, _ingested_at) " +
            $"SELECT *, toUInt128({_version}), {(deleted ? 1 : 0)}, '{(deleted ? "d" : "c")}', {{at:DateTime64(3, 'UTC')}} FROM ({select})", parameters, cancellationToken: Ct);
    }

    private async Task<Dictionary<string, MartRefreshResult>> RefreshAsync()
    {
        _clock.Now = _clock.Now.AddSeconds(1);
        var results = await _refresher.RefreshAsync(ct: Ct);
        return results.Where(r => r.SnapshotAt is null).ToDictionary(r => r.Mart);
    }

    private async Task<List<string>> DailyAsync() =>
        (await RowsAsync("SELECT toString(f.snapshot_date), c.lco_code, f.active_subscriptions, f.started, f.ended FROM marts.fact_subscription_daily AS f FINAL " +
                         "INNER JOIN (SELECT DISTINCT lco_id, lco_code FROM marts.dim_customer FINAL) AS c ON c.lco_id = f.lco_id")).Order(StringComparer.Ordinal).ToList();

    private static string Day(DateOnly today, int offset, string lco, int active, int started, int ended) =>
        $"{today.AddDays(offset):yyyy-MM-dd}|{lco}|{active}|{started}|{ended}";

    private DateOnly LocalToday() => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(_clock.Now, Ist).DateTime);

    /// <summary>Noon local time of today + offset days, as a ClickHouse UTC literal expression.</summary>
    private static string Noon(DateOnly today, int offset)
    {
        var utc = TimeZoneInfo.ConvertTimeToUtc(today.AddDays(offset).ToDateTime(new TimeOnly(12, 0)), Ist);
        return $"toDateTime64('{utc:yyyy-MM-dd HH:mm:ss}', 6, 'UTC')";
    }

    private async Task<List<string>> RowsAsync(string sql)
    {
        var rows = new List<string>();
        using var reader = await _client.ExecuteReaderAsync(sql, cancellationToken: Ct);
        while (reader.Read())
        {
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i) switch
            {
                null or DBNull => "",
                bool b => b ? "true" : "false",
                var v => Convert.ToString(v, CultureInfo.InvariantCulture),
            })));
        }

        return rows;
    }

    private static Guid G(int n) => Guid.Parse($"00000000-0000-0000-0000-{n:D12}");
}
