using System.Globalization;
using CableHub.Testing;
using CableHub.Warehouse.Ddl;
using CableHub.Warehouse.Marts;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Microsoft.Extensions.Logging.Abstractions;

namespace CableHub.Compliance.Tests;

/// <summary>
/// One warehouse with a hand-made November 2026 (Asia/Kolkata; snapshots at 21:00 local on the 7th, 14th, 21st, 28th),
/// written as raw CDC rows and built by the mart refresher as the hub would:
/// <list type="bullet">
/// <item>broadcasters STAR (CH1 SD, CH2 HD, bouquet STARPACK = CH1+CH2) and ZEE (CH3 SD, CH4 SD sold à la carte);
/// distributor bouquet BASE = CH1+CH3; plan FAMILY = STARPACK+BASE, plan BASIC = BASE;</item>
/// <item>D1 (FAMILY) all month — CH1 through two bouquets, counted once;</item>
/// <item>D2 (BASIC) joins on the 15th at 10:00;</item>
/// <item>D3 (FAMILY) suspended over the 21st: entitlements end on the 20th at 12:00, new ones from the 23rd at 09:00;</item>
/// <item>D4 (BASIC) all month, plus CH4 à la carte from the 10th;</item>
/// <item>D5 (BASIC) leaves on the 18th at 18:00.</item>
/// </list>
/// </summary>
public sealed class ComplianceWarehouse : IAsyncLifetime
{
    public const string Zone = "Asia/Kolkata";
    public static readonly TimeZoneInfo Ist = TimeZoneInfo.FindSystemTimeZoneById(Zone);

    public static readonly Guid StarId = G(1), ZeeId = G(2), Ch1 = G(11), Ch2 = G(12), Ch3 = G(13), Ch4 = G(14), StarPack = G(21), Base = G(22),
        Family = G(31), Basic = G(32), Lco = G(41);

    private readonly PostgresFixture _postgres = new();
    private ulong _version;

    public ClickHouseFixture ClickHouse { get; } = new();

    /// <summary>2026-12-01 09:00 UTC: November is over.</summary>
    public ManualClock Clock { get; } = new(DateTimeOffset.Parse("2026-12-01T09:00:00Z", CultureInfo.InvariantCulture));

    public IReadOnlyList<MartRefreshResult> Snapshots { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        await _postgres.InitializeAsync();
        await ClickHouse.InitializeAsync();
        var ct = TestContext.Current.CancellationToken;
        await WarehouseSchema.BuildAsync(_postgres, ClickHouse, Zone, ct);
        using var client = ClickHouse.CreateClient();

        await RawAsync(client, "broadcaster", "id, code, name", $"SELECT '{StarId}', 'STAR', 'Star India' UNION ALL SELECT '{ZeeId}', 'ZEE', 'Zee Entertainment'");
        await RawAsync(client, "channel", "id, code, name, broadcaster_id, genre, language, definition, lcn, cas_product_id, a_la_carte_price, currency, free_to_air, status",
            $"SELECT '{Ch1}', 'CH1', 'Star One', '{StarId}', 'GEC', 'hi', 'SD', 101, 'P1', toDecimal128(19, 2), 'INR', false, 'active' " +
            $"UNION ALL SELECT '{Ch2}', 'CH2', 'Star Two HD', '{StarId}', 'Movies', 'hi', 'HD', 102, 'P2', toDecimal128(25, 2), 'INR', false, 'active' " +
            $"UNION ALL SELECT '{Ch3}', 'CH3', 'Zee Three', '{ZeeId}', 'News', 'hi', 'SD', 103, 'P3', toDecimal128(5, 2), 'INR', false, 'active' " +
            $"UNION ALL SELECT '{Ch4}', 'CH4', 'Zee Four', '{ZeeId}', 'Sports', 'en', 'SD', 104, 'P4', toDecimal128(12, 2), 'INR', false, 'active'");
        await RawAsync(client, "package", "id, code, name, kind, broadcaster_id, billing_period, status",
            $"SELECT '{StarPack}', 'STARPACK', 'Star pack', 'broadcaster_bouquet', toNullable(toUUID('{StarId}')), 'monthly', 'active' " +
            $"UNION ALL SELECT '{Base}', 'BASE', 'Base pack', 'distributor_bouquet', NULL, 'monthly', 'active'");
        await RawAsync(client, "package_channel", "package_id, channel_id",
            $"SELECT '{StarPack}', '{Ch1}' UNION ALL SELECT '{StarPack}', '{Ch2}' UNION ALL SELECT '{Base}', '{Ch1}' UNION ALL SELECT '{Base}', '{Ch3}'");
        await RawAsync(client, "plan", "id, code, name, price, currency, billing_period, status",
            $"SELECT '{Family}', 'FAMILY', 'Family', toDecimal128(349, 2), 'INR', 'monthly', 'active' UNION ALL SELECT '{Basic}', 'BASIC', 'Basic', toDecimal128(199, 2), 'INR', 'monthly', 'active'");
        await RawAsync(client, "plan_package", "plan_id, package_id",
            $"SELECT '{Family}', '{StarPack}' UNION ALL SELECT '{Family}', '{Base}' UNION ALL SELECT '{Basic}', '{Base}'");
        await RawAsync(client, "lco", "id, code, name, region", $"SELECT '{Lco}', 'LCO1', 'North Cable', 'North'");

        var subscribers = new (int N, Guid Plan, string Start, string? End)[]
        {
            (1, Family, "2026-10-01 10:00", null),
            (2, Basic, "2026-11-15 10:00", null),
            (3, Family, "2026-10-01 10:00", null),
            (4, Basic, "2026-10-01 10:00", null),
            (5, Basic, "2026-10-01 10:00", "2026-11-18 18:00"),
        };
        foreach (var (n, plan, start, end) in subscribers)
        {
            await RawAsync(client, "customer", "id, customer_number, status, given_name_enc, family_name_enc, lco_id, created_at",
                $"SELECT '{Customer(n)}', 'C000000{n}', 'active', 'enc', 'enc', '{Lco}', {Sql(start)}");
            await RawAsync(client, "contact_medium", "id, customer_id, medium_type, value_enc, value_hash, city, state_or_province, country, valid_from",
                $"SELECT '{G(500 + n)}', '{Customer(n)}', 'postal_address', 'enc', 'hash', 'Pune', 'MH', 'IN', {Sql(start)}");
            await RawAsync(client, "device", "id, serial_number, kind, model_code, cas_id, status, activation_state, customer_id",
                $"SELECT '{Device(n)}', 'SN-{n}', 'stb', 'STB-1', 'CAS-{n}', 'installed', 'active', '{Customer(n)}'");
            await RawAsync(client, "subscription", "id, customer_id, billing_account_id, plan_id, device_id, status, start_at, end_at",
                $"SELECT '{Subscription(n)}', '{Customer(n)}', '{G(600 + n)}', '{plan}', '{Device(n)}', '{(end is null ? "active" : "terminated")}', {Sql(start)}, {(end is null ? "NULL" : Sql(end))}");
        }

        var entitlements = new List<(int Device, Guid Channel, string From, string? To)>
        {
            (1, Ch1, "2026-10-01 10:00", null), (1, Ch2, "2026-10-01 10:00", null), (1, Ch3, "2026-10-01 10:00", null),
            (2, Ch1, "2026-11-15 10:00", null), (2, Ch3, "2026-11-15 10:00", null),
            (3, Ch1, "2026-10-01 10:00", "2026-11-20 12:00"), (3, Ch2, "2026-10-01 10:00", "2026-11-20 12:00"), (3, Ch3, "2026-10-01 10:00", "2026-11-20 12:00"),
            (3, Ch1, "2026-11-23 09:00", null), (3, Ch2, "2026-11-23 09:00", null), (3, Ch3, "2026-11-23 09:00", null),
            (4, Ch1, "2026-10-01 10:00", null), (4, Ch3, "2026-10-01 10:00", null), (4, Ch4, "2026-11-10 08:00", null),
            (5, Ch1, "2026-10-01 10:00", "2026-11-18 18:00"), (5, Ch3, "2026-10-01 10:00", "2026-11-18 18:00"),
        };
        var i = 0;
        await RawAsync(client, "entitlement", "id, device_id, channel_id, subscription_id, valid_from, valid_to",
            string.Join(" UNION ALL ", entitlements.Select(e =>
                $"SELECT '{G(1000 + i++)}', '{Device(e.Device)}', '{e.Channel}', '{Subscription(e.Device)}', {Sql(e.From)}, {(e.To is null ? "NULL" : $"toNullable({Sql(e.To)})")}")));

        // The scheduler's refresh on 1 December: dimensions, then the snapshots due in the last 35 days.
        var refresher = new MartRefresher(ClickHouse.ConnectionString, new MartOptions { ReportingTimeZone = Zone, WatermarkOverlap = TimeSpan.Zero },
            ClickHouseTopology.SingleNode, Clock, NullLogger.Instance);
        Snapshots = [.. (await refresher.RefreshAsync(ct: ct)).Where(r => r.SnapshotAt is not null)];
    }

    public async ValueTask DisposeAsync()
    {
        await ClickHouse.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    public static Guid Customer(int n) => G(100 + n);

    public static Guid Device(int n) => G(200 + n);

    public static Guid Subscription(int n) => G(300 + n);

    public static Guid G(int n) => Guid.Parse($"00000000-0000-4000-8000-{n:x12}");

    /// <summary>A local (Asia/Kolkata) wall-clock time as a ClickHouse UTC DateTime64 expression.</summary>
    public static string Sql(string local)
    {
        var utc = TimeZoneInfo.ConvertTimeToUtc(DateTime.ParseExact(local, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), Ist);
        return $"toDateTime64('{utc:yyyy-MM-dd HH:mm:ss}', 6, 'UTC')";
    }

    public static DateTimeOffset IstInstant(string local) =>
        new(TimeZoneInfo.ConvertTimeToUtc(DateTime.ParseExact(local, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), Ist), TimeSpan.Zero);

    private async Task RawAsync(ClickHouseClient client, string table, string columns, string select)
    {
        _version++;
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("at", Clock.Now.AddMinutes(-5).UtcDateTime);
        await client.ExecuteNonQueryAsync(
            $"INSERT INTO raw.hub_{table} ({columns}, _version, _is_deleted, _op, _ingested_at) " +
            $"SELECT *, toUInt128({_version}), 0, 'c', {{at:DateTime64(3, 'UTC')}} FROM ({select})", parameters, cancellationToken: TestContext.Current.CancellationToken);
    }
}

/// <summary>The report tests (files and API) share one hand-made warehouse.</summary>
[CollectionDefinition(Name)]
public sealed class ComplianceWarehouseCollection : ICollectionFixture<ComplianceWarehouse>
{
    public const string Name = "compliance warehouse";
}
