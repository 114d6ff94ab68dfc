using System.Globalization;
using CableHub.Warehouse.Marts;
using ClickHouse.Driver;
using Microsoft.Extensions.Logging;

namespace CableHub.Compliance.Reports;

/// <summary>
/// The monthly subscription report per broadcaster (TRAI addressable-systems practice): for every channel of the
/// broadcaster (boxes receiving it by any route, and boxes taking it à la carte) and every bouquet holding one of its
/// channels, the active subscribers (boxes) counted at the configured snapshot days (7th, 14th, 21st, 28th) at the
/// configured local evening time, and their average. Counted from <c>marts.fact_entitlement_snapshot</c> through the
/// per-snapshot counts <c>marts.fact_entitlement_snapshot_count</c> built when each snapshot is taken (built here for a
/// snapshot that lacks them). A snapshot day that was never taken is an error, never a silent zero.
/// </summary>
public sealed class MonthlySubscriptionReport(string connectionString, ComplianceOptions options, TimeProvider time, ILogger logger)
{
    private static readonly string[] SubjectOrder = ["channel", "a_la_carte", "bouquet"];

    /// <summary>One document per broadcaster, ordered by broadcaster code.</summary>
    public async Task<IReadOnlyList<ReportDocument>> BuildAsync(ReportPeriod month, IProgress<string>? progress = null, CancellationToken ct = default)
    {
        var tz = options.ReportingTimeZone;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(tz);
        var days = options.SnapshotDays.Where(d => d <= DateTime.DaysInMonth(month.Year, month.Month)).Order().Select(d => new DateOnly(month.Year, month.Month, d)).ToList();
        using var client = new ClickHouseClient(connectionString);
        var range = ReportSql.Parameters(("from", ReportSql.Date(month.First)), ("to", ReportSql.Date(month.Last)));

        progress?.Report("checking the month's snapshots");
        var instants = await SnapshotInstantsAsync(client, month, days, zone, range, ct).ConfigureAwait(false);

        progress?.Report("reading subscriber counts");
        var counts = await ReportSql.QueryAsync(client, ReportSql.Load("msr_counts", tz), range, r => new CountRow(
            ReportSql.Str(r, 0), ReportSql.Str(r, 1), ReportSql.Str(r, 2), ReportSql.Str(r, 3), ReportSql.Str(r, 4), ReportSql.Str(r, 5),
            ReportSql.Str(r, 6), DateOnly.ParseExact(ReportSql.Str(r, 7), "yyyy-MM-dd", CultureInfo.InvariantCulture), ReportSql.Long(r, 8)), ct).ConfigureAwait(false);
        var channels = await ReportSql.QueryAsync(client, ReportSql.Load("msr_channels", tz), ReportSql.Parameters(), r => new ChannelRow(
            ReportSql.Str(r, 0), ReportSql.Str(r, 1), ReportSql.Str(r, 2), ReportSql.Str(r, 3), ReportSql.Str(r, 4), ReportSql.Str(r, 5), ReportSql.Str(r, 6)), ct).ConfigureAwait(false);
        var bouquets = await ReportSql.QueryAsync(client, ReportSql.Load("msr_bouquets", tz), ReportSql.Parameters(), r => new BouquetRow(
            ReportSql.Str(r, 0), ReportSql.Str(r, 1), ReportSql.Str(r, 2), ReportSql.Str(r, 3), ReportSql.Str(r, 4)), ct).ConfigureAwait(false);

        progress?.Report("averaging");
        return Compose(month, days, instants, counts, channels, bouquets, zone);
    }

    /// <summary>The snapshot instant of each day; counts built for a snapshot that has rows but no counts; a missing snapshot throws.</summary>
    private async Task<Dictionary<DateOnly, DateTimeOffset>> SnapshotInstantsAsync(ClickHouseClient client, ReportPeriod month, List<DateOnly> days,
        TimeZoneInfo zone, ClickHouse.Driver.ADO.Parameters.ClickHouseParameterCollection range, CancellationToken ct)
    {
        var tz = options.ReportingTimeZone;
        static DateOnly Day(string s) => DateOnly.ParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var counted = (await ReportSql.QueryAsync(client, ReportSql.Load("msr_count_days", tz), range, r => (Day(ReportSql.Str(r, 0)), ReportSql.Long(r, 1)), ct).ConfigureAwait(false))
            .ToDictionary(x => x.Item1, x => DateTimeOffset.FromUnixTimeSeconds(x.Item2));
        var rows = (await ReportSql.QueryAsync(client, ReportSql.Load("msr_snapshot_rows", tz), range, r => (Day(ReportSql.Str(r, 0)), ReportSql.Long(r, 1)), ct).ConfigureAwait(false))
            .ToDictionary(x => x.Item1, x => x.Item2);
        var logged = await ReportSql.QueryAsync(client, ReportSql.Load("msr_snapshot_log", tz),
            ReportSql.Parameters(("from_utc", month.StartUtc(zone).UtcDateTime), ("to_utc", month.EndUtc(zone).UtcDateTime)),
            r => DateTimeOffset.FromUnixTimeMilliseconds(ReportSql.Long(r, 0)), ct).ConfigureAwait(false);

        var instants = new Dictionary<DateOnly, DateTimeOffset>();
        var missing = new List<DateOnly>();
        foreach (var day in days)
        {
            if (rows.ContainsKey(day) && !counted.ContainsKey(day))
            {
                logger.LogInformation("Snapshot {Day} has no subscriber counts yet: counting it now", day);
                var refresher = new MartRefresher(connectionString, options.MartOptions(), options.Topology, time, logger);
                await refresher.CountSnapshotAsync(day, ct).ConfigureAwait(false);
                var again = await ReportSql.QueryAsync(client, ReportSql.Load("msr_count_days", tz), range, r => (Day(ReportSql.Str(r, 0)), ReportSql.Long(r, 1)), ct).ConfigureAwait(false);
                counted = again.ToDictionary(x => x.Item1, x => DateTimeOffset.FromUnixTimeSeconds(x.Item2));
            }

            if (counted.TryGetValue(day, out var at))
            {
                instants[day] = at;
            }
            else if (logged.FirstOrDefault(l => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(l, zone).DateTime) == day) is var taken && taken != default)
            {
                instants[day] = taken; // taken, and nobody was entitled to anything
            }
            else
            {
                missing.Add(day);
            }
        }

        if (missing.Count > 0)
        {
            throw new ReportException(
                $"monthly subscription report {month}: no entitlement snapshot for {string.Join(", ", missing.Select(ReportSql.Date))} " +
                $"(the mart scheduler takes them on days {string.Join(",", options.SnapshotDays)} at Marts:SnapshotTime {options.SnapshotTime:HH\\:mm} {options.ReportingTimeZone}; " +
                "a day still to come or missed while the hub was down within Marts:SnapshotBackfillDays is taken by the next refresh)");
        }

        return instants;
    }

    private List<ReportDocument> Compose(ReportPeriod month, List<DateOnly> days, Dictionary<DateOnly, DateTimeOffset> instants, List<CountRow> counts,
        List<ChannelRow> channels, List<BouquetRow> bouquets, TimeZoneInfo zone)
    {
        var channelById = channels.ToDictionary(c => c.ChannelId);
        var bouquetById = bouquets.ToDictionary(b => b.BouquetId);
        var broadcasters = new SortedDictionary<string, (string Id, string Name)>(StringComparer.Ordinal);
        foreach (var c in channels)
        {
            broadcasters.TryAdd(c.BroadcasterCode, (c.BroadcasterId, c.BroadcasterName));
        }

        foreach (var c in counts)
        {
            broadcasters.TryAdd(c.BroadcasterCode, (c.BroadcasterId, c.BroadcasterCode));
        }

        var asOf = instants.Values.Max();
        var documents = new List<ReportDocument>();
        foreach (var (code, (id, name)) in broadcasters)
        {
            // (subject, subject id) → kind/definition, code, name, count per day
            var subjects = new Dictionary<(string Subject, string Id), (string Code, string Name, string Type, long[] PerDay)>();
            foreach (var c in channels.Where(c => c.BroadcasterId == id))
            {
                subjects[("channel", c.ChannelId)] = (c.ChannelCode, c.ChannelName, c.Definition, new long[days.Count]);
            }

            foreach (var b in bouquets.Where(b => b.BroadcasterId == id && b.Kind == "broadcaster_bouquet"))
            {
                subjects[("bouquet", b.BouquetId)] = (b.BouquetCode, b.BouquetName, b.Kind, new long[days.Count]);
            }

            foreach (var c in counts.Where(c => c.BroadcasterId == id))
            {
                var index = days.IndexOf(c.Day);
                if (index < 0)
                {
                    continue; // a snapshot on a day that is not configured (an ad-hoc take)
                }

                var key = (c.Subject, c.SubjectId);
                if (!subjects.TryGetValue(key, out var s))
                {
                    var subjectName = c.Subject == "bouquet"
                        ? bouquetById.TryGetValue(c.SubjectId, out var b) ? b.BouquetName : c.SubjectCode
                        : channelById.TryGetValue(c.SubjectId, out var ch) ? ch.ChannelName : c.SubjectCode;
                    s = (c.SubjectCode, subjectName, c.Subject == "bouquet" ? c.BouquetKind : c.Definition, new long[days.Count]);
                    subjects[key] = s;
                }

                s.PerDay[index] += c.Subscribers;
            }

            var columns = new List<ReportColumn>
            {
                new("broadcaster_code", ColumnKind.Text), new("type", ColumnKind.Text), new("code", ColumnKind.Text), new("name", ColumnKind.Text),
                new("definition_or_kind", ColumnKind.Text),
            };
            columns.AddRange(days.Select(d => new ReportColumn($"subscribers_{ReportSql.Date(d)}", ColumnKind.Integer)));
            columns.Add(new ReportColumn("average_subscribers", ColumnKind.Decimal));

            var rows = subjects
                .OrderBy(s => Array.IndexOf(SubjectOrder, s.Key.Subject)).ThenBy(s => s.Value.Code, StringComparer.Ordinal).ThenBy(s => s.Key.Id, StringComparer.Ordinal)
                .Select(s =>
                {
                    var row = new List<object?> { code, s.Key.Subject, s.Value.Code, s.Value.Name, s.Value.Type };
                    row.AddRange(s.Value.PerDay.Cast<object?>());
                    row.Add(Average(s.Value.PerDay));
                    return row.ToArray();
                }).ToList();

            var channelRows = rows.Where(r => (string)r[1]! == "channel").OrderByDescending(r => (decimal)r[^1]!).ThenBy(r => (string)r[2]!, StringComparer.Ordinal).Take(40).ToList();
            documents.Add(new ReportDocument
            {
                Report = ReportKind.Msr,
                FileStem = $"msr-{month}-{FileSafe(code)}",
                Title = $"Monthly subscription report {month} — {name} ({code})",
                Notes =
                [
                    $"Distributor's subscriber counts for broadcaster {name} ({code}), {month} — TRAI practice: the average of the counts on days {string.Join(", ", days.Select(d => d.Day))}.",
                    "Snapshots (" + options.ReportingTimeZone + "): " + string.Join(", ", days.Select(d => TimeZoneInfo.ConvertTime(instants[d], zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))),
                    "Subscribers are set-top boxes entitled at the snapshot instant. type: channel = by any route; a_la_carte = the channel taken alone; bouquet = boxes holding the bouquet.",
                    "average_subscribers = sum of the counts / " + days.Count + ", rounded to 2 decimals.",
                ],
                Columns = columns,
                Rows = rows,
                Chart = channelRows.Count == 0 ? null : new ReportChart(
                    $"Average subscribers per channel, {month} (top {channelRows.Count})", "boxes",
                    [.. channelRows.Select(r => (string)r[2]!)], [.. channelRows.Select(r => (double)(decimal)r[^1]!)]),
                AsOf = asOf,
                Parameters = new SortedDictionary<string, string>(StringComparer.Ordinal)
                {
                    ["report"] = "msr",
                    ["month"] = month.ToString(),
                    ["broadcaster"] = code,
                    ["snapshot_days"] = string.Join(",", days.Select(d => d.Day)),
                    ["snapshot_instants_utc"] = string.Join(",", days.Select(d => instants[d].UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))),
                    ["reporting_time_zone"] = options.ReportingTimeZone,
                    ["profile"] = options.Profile.ToString(),
                },
            });
        }

        return documents;
    }

    /// <summary>The month's figure: the mean of the snapshot counts, 2 decimals (away from zero).</summary>
    public static decimal Average(IReadOnlyCollection<long> perDay) =>
        perDay.Count == 0 ? 0m : Math.Round(perDay.Sum(x => (decimal)x) / perDay.Count, 2, MidpointRounding.AwayFromZero);

    internal static string FileSafe(string code)
    {
        var safe = new string([.. code.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);
        return safe.Length == 0 ? "_" : safe;
    }

    private sealed record CountRow(string BroadcasterId, string BroadcasterCode, string Subject, string SubjectId, string SubjectCode, string Definition,
        string BouquetKind, DateOnly Day, long Subscribers);

    private sealed record ChannelRow(string ChannelId, string ChannelCode, string ChannelName, string BroadcasterId, string BroadcasterCode, string BroadcasterName, string Definition);

    private sealed record BouquetRow(string BouquetId, string BouquetCode, string BouquetName, string Kind, string BroadcasterId);
}
