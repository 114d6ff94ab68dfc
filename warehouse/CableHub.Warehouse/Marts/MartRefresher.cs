using System.Diagnostics;
using System.Globalization;
using CableHub.Warehouse.Ddl;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Microsoft.Extensions.Logging;

namespace CableHub.Warehouse.Marts;

/// <summary>How the marts are refreshed (host setting section <c>Marts</c>).</summary>
public sealed class MartOptions
{
    /// <summary>IANA zone of every local date and time in the marts (host setting <c>ReportingTimeZone</c>).</summary>
    public string ReportingTimeZone { get; set; } = "Asia/Kolkata";

    /// <summary>
    /// Changes are looked for from the previous watermark minus this: the ingester stamps <c>_ingested_at</c> when it
    /// converts a batch, and a slow or retried insert becomes visible later. Re-reading a change is harmless.
    /// </summary>
    public TimeSpan WatermarkOverlap { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Days of the month the entitlement snapshot is taken (the regulator's 7th, 14th, 21st, 28th).</summary>
    public IReadOnlyList<int> SnapshotDays { get; set; } = [7, 14, 21, 28];

    /// <summary>Local time of day (reporting zone) of the snapshot; the regulator asks for 19:00–23:00.</summary>
    public TimeOnly SnapshotTime { get; set; } = new(21, 0);

    /// <summary>Snapshots due within this many days before now are taken if missing (after downtime, on first start).</summary>
    public int SnapshotBackfillDays { get; set; } = 35;

    /// <summary>Throws with the setting's name when a value is out of range.</summary>
    public void Validate()
    {
        MartCatalog.CheckTimeZone(ReportingTimeZone);
        if (SnapshotDays.Count == 0 || SnapshotDays.Any(d => d is < 1 or > 31))
        {
            throw new ArgumentException($"Marts:SnapshotDays must be days of the month 1–31, found [{string.Join(", ", SnapshotDays)}]");
        }

        if (SnapshotTime < new TimeOnly(19, 0) || SnapshotTime > new TimeOnly(23, 0))
        {
            throw new ArgumentException($"Marts:SnapshotTime {SnapshotTime:HH\\:mm} is outside 19:00–23:00 (the regulator's window for subscriber counts)");
        }

        if (WatermarkOverlap < TimeSpan.Zero)
        {
            throw new ArgumentException("Marts:WatermarkOverlapMinutes must not be negative");
        }
    }
}

/// <summary>What one refresh of one mart did.</summary>
public sealed record MartRefreshResult(string Mart, string Mode, long Rows, TimeSpan Duration, DateTimeOffset? SnapshotAt = null);

/// <summary>
/// Keeps the mart tables (<see cref="MartCatalog"/>) up to date with INSERT … SELECT inside ClickHouse, driven by the
/// hub's scheduler: entity marts recompute only keys changed since the watermark; the daily subscription fact is
/// recomputed when its sources changed and writes only differing rows; entitlement snapshots are taken once per due
/// instant. Every run is recorded in <c>marts._refresh_log</c> (version, watermark, rows, duration) — the version of
/// the rows it wrote, so <c>FINAL</c> keeps the newest. One refresher at a time (the host's <c>marts</c> role).
/// </summary>
public sealed class MartRefresher
{
    public const string LogTable = "marts._refresh_log";

    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    private readonly string _connectionString;
    private readonly MartOptions _options;
    private readonly ClickHouseTopology _topology;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeZoneInfo _zone;
    private readonly IReadOnlyList<MartDefinition> _marts;

    public MartRefresher(string connectionString, MartOptions options, ClickHouseTopology topology, TimeProvider time, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _connectionString = connectionString;
        _options = options;
        _topology = topology ?? ClickHouseTopology.SingleNode;
        _time = time ?? TimeProvider.System;
        _logger = logger;
        _zone = TimeZoneInfo.FindSystemTimeZoneById(options.ReportingTimeZone);
        _marts = MartCatalog.Load(options.ReportingTimeZone);
    }

    public IReadOnlyList<MartDefinition> Marts => _marts;

    /// <summary>Refreshes every mart once, in order; snapshots that are due are taken. <paramref name="full"/> rebuilds from scratch.</summary>
    public async Task<IReadOnlyList<MartRefreshResult>> RefreshAsync(bool full = false, CancellationToken ct = default)
    {
        using var client = new ClickHouseClient(_connectionString);
        var results = new List<MartRefreshResult>();
        foreach (var mart in _marts)
        {
            if (mart.Kind == MartKind.Snapshot)
            {
                foreach (var at in await MissingSnapshotsAsync(client, mart, ct).ConfigureAwait(false))
                {
                    results.Add(await SnapshotAsync(client, mart, at, ct).ConfigureAwait(false));
                }

                continue;
            }

            results.Add(await RefreshAsync(client, mart, full, ct).ConfigureAwait(false));
        }

        return results;
    }

    /// <summary>Takes (or retakes) the entitlement snapshot at <paramref name="at"/>, whatever the schedule says.</summary>
    public async Task<MartRefreshResult> TakeSnapshotAsync(DateTimeOffset at, CancellationToken ct = default)
    {
        using var client = new ClickHouseClient(_connectionString);
        return await SnapshotAsync(client, _marts.Single(m => m.Kind == MartKind.Snapshot), at, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The snapshot instants (UTC) of the configured days and local time in the reporting zone that fall in
    /// (<paramref name="from"/>, <paramref name="to"/>], oldest first. Days a month lacks (the 31st) are skipped.
    /// </summary>
    public IReadOnlyList<DateTimeOffset> ScheduledSnapshots(DateTimeOffset from, DateTimeOffset to)
    {
        var list = new List<DateTimeOffset>();
        var localFrom = TimeZoneInfo.ConvertTime(from, _zone);
        var month = new DateOnly(localFrom.Year, localFrom.Month, 1);
        var localTo = TimeZoneInfo.ConvertTime(to, _zone);
        for (; month <= DateOnly.FromDateTime(localTo.DateTime); month = month.AddMonths(1))
        {
            foreach (var day in _options.SnapshotDays.Order())
            {
                if (day > DateTime.DaysInMonth(month.Year, month.Month))
                {
                    continue;
                }

                var local = new DateTime(month.Year, month.Month, day, _options.SnapshotTime.Hour, _options.SnapshotTime.Minute, 0, DateTimeKind.Unspecified);
                var utc = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, _zone), TimeSpan.Zero);
                if (utc > from && utc <= to)
                {
                    list.Add(utc);
                }
            }
        }

        return list;
    }

    private async Task<MartRefreshResult> RefreshAsync(ClickHouseClient client, MartDefinition mart, bool full, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var now = _time.GetUtcNow();
        var version = await NextVersionAsync(client, now, ct).ConfigureAwait(false);
        var last = full ? null : await LastAsync(client, mart, ct).ConfigureAwait(false);
        var since = last is null ? Epoch : last.Value.Watermark - _options.WatermarkOverlap;
        var mode = last is null ? "full" : "incremental";
        long rows = 0;

        var parameters = Parameters(version, now, since);
        if (mart.Kind == MartKind.Entity)
        {
            var changed = last is null ? null : mart.ChangedSql;
            await ExecuteAsync(client, MartCatalog.Scope(mart.RefreshSql, changed), parameters, ct).ConfigureAwait(false);
            await ExecuteAsync(client, TombstoneSql(mart, changed), parameters, ct).ConfigureAwait(false);
            rows = await WrittenAsync(client, mart, "_version", version, ct).ConfigureAwait(false);
        }
        else
        {
            var rolledOver = last is not null && LocalDate(last.Value.RefreshedAt) != LocalDate(now);
            if (last is not null && !rolledOver && !await AnyAsync(client, mart.ChangedSql!, parameters, ct).ConfigureAwait(false))
            {
                mode = "unchanged";
            }
            else
            {
                await ExecuteAsync(client, mart.RefreshSql, parameters, ct).ConfigureAwait(false);
                rows = await WrittenAsync(client, mart, "_version", version, ct).ConfigureAwait(false);
            }
        }

        clock.Stop();
        await RecordAsync(client, mart, version, mode, now, null, rows, clock.Elapsed, now, ct).ConfigureAwait(false);
        _logger.LogDebug("Mart {Mart}: {Mode} refresh, {Rows} rows written in {Ms} ms", mart.Name, mode, rows, clock.ElapsedMilliseconds);
        return new MartRefreshResult(mart.Name, mode, rows, clock.Elapsed);
    }

    private async Task<MartRefreshResult> SnapshotAsync(ClickHouseClient client, MartDefinition mart, DateTimeOffset at, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var now = _time.GetUtcNow();
        var version = await NextVersionAsync(client, now, ct).ConfigureAwait(false);
        var day = LocalDate(at);
        // One partition per snapshot day: a retake (or a crashed take) replaces it whole.
        await ExecuteDdlAsync(client, $"ALTER TABLE {mart.QualifiedName} DROP PARTITION ID '{day:yyyyMMdd}'", ct).ConfigureAwait(false);
        var parameters = Parameters(version, now, Epoch);
        parameters.AddParameter("snapshot_at", Utc(at));
        await ExecuteAsync(client, mart.RefreshSql, parameters, ct).ConfigureAwait(false);
        var rows = await WrittenAsync(client, mart, "_refresh_version", version, ct).ConfigureAwait(false);
        await CountSnapshotAsync(client, mart, day, version, ct).ConfigureAwait(false);
        clock.Stop();
        await RecordAsync(client, mart, version, "snapshot", now, at, rows, clock.Elapsed, now, ct).ConfigureAwait(false);
        _logger.LogInformation("Entitlement snapshot at {At:o} ({Day} in {Zone}): {Rows} rows in {Ms} ms", at, day, _options.ReportingTimeZone, rows, clock.ElapsedMilliseconds);
        return new MartRefreshResult(mart.Name, "snapshot", rows, clock.Elapsed, at);
    }

    /// <summary>
    /// (Re)builds the per-snapshot counts of the snapshot day <paramref name="day"/> from its partition (the monthly
    /// subscription report reads them). Called after every take; also by reports for a snapshot taken before the count
    /// table existed.
    /// </summary>
    public async Task CountSnapshotAsync(DateOnly day, CancellationToken ct = default)
    {
        using var client = new ClickHouseClient(_connectionString);
        var mart = _marts.Single(m => m.Kind == MartKind.Snapshot);
        var version = await NextVersionAsync(client, _time.GetUtcNow(), ct).ConfigureAwait(false);
        await CountSnapshotAsync(client, mart, day, version, ct).ConfigureAwait(false);
    }

    private async Task CountSnapshotAsync(ClickHouseClient client, MartDefinition mart, DateOnly day, ulong version, CancellationToken ct)
    {
        if (mart.CountRefreshSql is null)
        {
            return;
        }

        await ExecuteDdlAsync(client, $"ALTER TABLE {mart.CountQualifiedName} DROP PARTITION ID '{day:yyyyMMdd}'", ct).ConfigureAwait(false);
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("snapshot_date", day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        parameters.AddParameter("version", version);
        await ExecuteAsync(client, mart.CountRefreshSql, parameters, ct).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<DateTimeOffset>> MissingSnapshotsAsync(ClickHouseClient client, MartDefinition mart, CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var due = ScheduledSnapshots(now.AddDays(-_options.SnapshotBackfillDays), now);
        if (due.Count == 0)
        {
            return due;
        }

        var taken = new HashSet<DateTimeOffset>();
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("mart", mart.Name);
        parameters.AddParameter("definition", mart.Checksum);
        using (var reader = await client.ExecuteReaderAsync(
                   $"SELECT toUnixTimestamp64Milli(assumeNotNull(snapshot_at)) FROM {LogTable} WHERE mart = {{mart:String}} AND definition = {{definition:String}} AND snapshot_at IS NOT NULL",
                   parameters, null, ct).ConfigureAwait(false))
        {
            while (reader.Read())
            {
                taken.Add(DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture)));
            }
        }

        return [.. due.Where(d => !taken.Contains(d))];
    }

    private static string TombstoneSql(MartDefinition mart, string? changedKeysSql)
    {
        var keys = string.Join(", ", mart.KeyColumns);
        var scope = changedKeysSql is null ? string.Empty : $" AND {mart.ScopeColumn} IN ({changedKeysSql})";
        return $"INSERT INTO {mart.QualifiedName} ({keys}, _version, _is_deleted, _refreshed_at) " +
               $"SELECT {keys}, {{version:UInt64}}, 1, {{refreshed_at:DateTime64(3, 'UTC')}} FROM {mart.QualifiedName} FINAL " +
               $"WHERE _version < {{version:UInt64}}{scope}";
    }

    private DateOnly LocalDate(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, _zone).DateTime);

    private static ClickHouseParameterCollection Parameters(ulong version, DateTimeOffset now, DateTimeOffset since)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("version", version);
        parameters.AddParameter("refreshed_at", Utc(now));
        parameters.AddParameter("since", Utc(since < Epoch ? Epoch : since));
        return parameters;
    }

    private static DateTime Utc(DateTimeOffset instant) => instant.UtcDateTime;

    /// <summary>Microseconds since the epoch, or one more than the newest logged version (a crashed run's rows stay below).</summary>
    private static async Task<ulong> NextVersionAsync(ClickHouseClient client, DateTimeOffset now, CancellationToken ct)
    {
        var max = Convert.ToUInt64(await client.ExecuteScalarAsync($"SELECT max(version) FROM {LogTable}", null, null, ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
        var clock = (ulong)(now - Epoch).Ticks / 10;
        return Math.Max(max + 1, clock);
    }

    private static async Task<(DateTimeOffset Watermark, DateTimeOffset RefreshedAt)?> LastAsync(ClickHouseClient client, MartDefinition mart, CancellationToken ct)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("mart", mart.Name);
        parameters.AddParameter("definition", mart.Checksum);
        using var reader = await client.ExecuteReaderAsync(
            $"SELECT toUnixTimestamp64Milli(argMax(watermark, version)), toUnixTimestamp64Milli(argMax(refreshed_at, version)), count() " +
            $"FROM {LogTable} WHERE mart = {{mart:String}} AND definition = {{definition:String}} AND snapshot_at IS NULL",
            parameters, null, ct).ConfigureAwait(false);
        if (!reader.Read() || Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture) == 0)
        {
            return null;
        }

        return (DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture)),
                DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture)));
    }

    /// <summary>Rows this refresh wrote: those carrying its version (before any merge, which keeps the newest anyway).</summary>
    private static async Task<long> WrittenAsync(ClickHouseClient client, MartDefinition mart, string versionColumn, ulong version, CancellationToken ct)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("version", version);
#pragma warning disable CA2100 // names from the catalog
        var count = await client.ExecuteScalarAsync($"SELECT count() FROM {mart.QualifiedName} WHERE {versionColumn} = {{version:UInt64}}", parameters, null, ct).ConfigureAwait(false);
#pragma warning restore CA2100
        return Convert.ToInt64(count, CultureInfo.InvariantCulture);
    }

    private static async Task<bool> AnyAsync(ClickHouseClient client, string sql, ClickHouseParameterCollection parameters, CancellationToken ct)
    {
#pragma warning disable CA2100 // mart SQL embedded in the assembly; values are parameters
        var count = await client.ExecuteScalarAsync($"SELECT count() FROM ({sql}) LIMIT 1", parameters, null, ct).ConfigureAwait(false);
#pragma warning restore CA2100
        return Convert.ToInt64(count, CultureInfo.InvariantCulture) > 0;
    }

    private static async Task ExecuteAsync(ClickHouseClient client, string sql, ClickHouseParameterCollection parameters, CancellationToken ct)
    {
#pragma warning disable CA2100 // mart SQL embedded in the assembly; values are parameters
        await client.ExecuteNonQueryAsync(sql, parameters, null, ct).ConfigureAwait(false);
#pragma warning restore CA2100
    }

    private async Task ExecuteDdlAsync(ClickHouseClient client, string sql, CancellationToken ct)
    {
        foreach (var statement in _topology.Expand(sql))
        {
#pragma warning disable CA2100 // generated from the catalog and a formatted date
            await client.ExecuteNonQueryAsync(statement, null, null, ct).ConfigureAwait(false);
#pragma warning restore CA2100
        }
    }

    private static async Task RecordAsync(ClickHouseClient client, MartDefinition mart, ulong version, string mode, DateTimeOffset watermark,
        DateTimeOffset? snapshotAt, long rows, TimeSpan duration, DateTimeOffset now, CancellationToken ct)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("mart", mart.Name);
        parameters.AddParameter("version", version);
        parameters.AddParameter("definition", mart.Checksum);
        parameters.AddParameter("mode", mode);
        parameters.AddParameter("watermark", Utc(watermark));
        parameters.AddParameter("has_snapshot", snapshotAt.HasValue ? (byte)1 : (byte)0);
        parameters.AddParameter("snapshot_at", Utc(snapshotAt ?? Epoch));
        parameters.AddParameter("rows", (ulong)Math.Max(0, rows));
        parameters.AddParameter("ms", (ulong)duration.TotalMilliseconds);
        parameters.AddParameter("at", Utc(now));
        await client.ExecuteNonQueryAsync(
            $"INSERT INTO {LogTable} (mart, version, definition, mode, watermark, snapshot_at, rows_written, duration_ms, refreshed_at) " +
            "SELECT {mart:String}, {version:UInt64}, {definition:String}, {mode:String}, {watermark:DateTime64(3, 'UTC')}, " +
            "if({has_snapshot:UInt8} = 1, toNullable({snapshot_at:DateTime64(3, 'UTC')}), NULL), {rows:UInt64}, {ms:UInt64}, {at:DateTime64(3, 'UTC')}",
            parameters, null, ct).ConfigureAwait(false);
    }
}
