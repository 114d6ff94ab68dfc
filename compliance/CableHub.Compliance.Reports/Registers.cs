using System.Globalization;
using ClickHouse.Driver;

namespace CableHub.Compliance.Reports;

/// <summary>
/// The subscriber register and the activation / deactivation register of a month, from the marts (and the
/// entitlement history in <c>hub.entitlement</c>). Only facts effective by the as-of instant are included and rows are
/// in a total order, so the same warehouse and parameters give the same file.
/// </summary>
public sealed class Registers(string connectionString, ComplianceOptions options)
{
    public async Task<ReportDocument> SubscribersAsync(ReportPeriod month, DateTimeOffset asOf, CancellationToken ct = default)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(options.ReportingTimeZone);
        var (start, end) = (month.StartUtc(zone), month.EndUtc(zone));
        using var client = new ClickHouseClient(connectionString);
        var rows = await ReportSql.QueryAsync(client, ReportSql.Load("subscriber_register", options.ReportingTimeZone), Parameters(start, end, asOf), r =>
        {
            var started = DateTimeOffset.FromUnixTimeMilliseconds(ReportSql.Long(r, 9));
            var endMs = ReportSql.Long(r, 10);
            DateTimeOffset? ended = endMs < 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(endMs);
            var activeAtEnd = ended is null || ended >= (end < asOf ? end : asOf);
            return new object?[]
            {
                ReportSql.Str(r, 0), ReportSql.Str(r, 1), ReportSql.Str(r, 2), ReportSql.Str(r, 3), ReportSql.Str(r, 4), ReportSql.Str(r, 5),
                ReportSql.Str(r, 6), ReportSql.Str(r, 7), ReportSql.Str(r, 8),
                Local(started, zone), ended is null ? null : Local(ended.Value, zone),
                started >= start, ended is not null && ended < end, activeAtEnd,
            };
        }, ct).ConfigureAwait(false);

        return new ReportDocument
        {
            Report = ReportKind.Subscribers,
            FileStem = $"subscribers-{month}",
            Title = $"Subscriber register {month}",
            Notes =
            [
                $"Every subscription active at some time in {month} ({options.ReportingTimeZone}), as known at {Local(asOf, zone):yyyy-MM-dd HH:mm} — {rows.Count} subscriptions.",
                "Customers by reference number, LCO and coarse location only: personal data stays encrypted in the operational store.",
                "active_at_end = still active at the end of the month (or at the as-of instant when that is earlier).",
            ],
            Columns =
            [
                new("customer_number", ColumnKind.Text), new("lco_code", ColumnKind.Text), new("city", ColumnKind.Text), new("state_or_province", ColumnKind.Text),
                new("country", ColumnKind.Text), new("subscription_id", ColumnKind.Text), new("plan_code", ColumnKind.Text), new("box_serial", ColumnKind.Text),
                new("cas_id", ColumnKind.Text), new("start", ColumnKind.Instant), new("end", ColumnKind.Instant), new("started_in_period", ColumnKind.Boolean),
                new("ended_in_period", ColumnKind.Boolean), new("active_at_end", ColumnKind.Boolean),
            ],
            Rows = rows,
            Chart = PlanChart(month, rows),
            AsOf = asOf,
            Parameters = Parameters("subscribers", month, asOf),
        };
    }

    public async Task<ReportDocument> ActivationsAsync(ReportPeriod month, DateTimeOffset asOf, CancellationToken ct = default)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(options.ReportingTimeZone);
        var (start, end) = (month.StartUtc(zone), month.EndUtc(zone));
        using var client = new ClickHouseClient(connectionString);
        var rows = await ReportSql.QueryAsync(client, ReportSql.Load("activation_register", options.ReportingTimeZone), Parameters(start, end, asOf), r => new object?[]
        {
            Local(DateTimeOffset.FromUnixTimeMilliseconds(ReportSql.Long(r, 0)), zone), ReportSql.Str(r, 1), ReportSql.Str(r, 2), ReportSql.Str(r, 3),
            ReportSql.Str(r, 4), ReportSql.Str(r, 5), ReportSql.Str(r, 6), ReportSql.Str(r, 7), ReportSql.Long(r, 8), ReportSql.Str(r, 9),
        }, ct).ConfigureAwait(false);

        var perDay = rows.GroupBy(r => ((DateTimeOffset)r[0]!).Day).ToDictionary(g => g.Key, g => (Act: g.Count(r => (string)r[1]! == "activation"), Deact: g.Count(r => (string)r[1]! == "deactivation")));
        var days = Enumerable.Range(1, DateTime.DaysInMonth(month.Year, month.Month)).ToList();
        return new ReportDocument
        {
            Report = ReportKind.Activations,
            FileStem = $"activations-{month}",
            Title = $"Activation and deactivation register {month}",
            Notes =
            [
                $"Every entitlement start (activation) and end (deactivation) in {month} ({options.ReportingTimeZone}), as known at {Local(asOf, zone):yyyy-MM-dd HH:mm}: " +
                $"{rows.Count(r => (string)r[1]! == "activation")} activations, {rows.Count(r => (string)r[1]! == "deactivation")} deactivations.",
                "One row per box, subscription, instant and event; channels = how many channels it covered, channel_codes = which.",
                "A suspension shows as a deactivation and its resumption as an activation of the same box.",
            ],
            Columns =
            [
                new("at", ColumnKind.Instant), new("event", ColumnKind.Text), new("device_id", ColumnKind.Text), new("box_serial", ColumnKind.Text),
                new("cas_id", ColumnKind.Text), new("customer_number", ColumnKind.Text), new("plan_code", ColumnKind.Text), new("subscription_id", ColumnKind.Text),
                new("channels", ColumnKind.Integer), new("channel_codes", ColumnKind.Text),
            ],
            Rows = rows,
            Chart = rows.Count == 0 ? null : new ReportChart($"Activations (+) and deactivations (−) per day, {month}", "events",
                [.. days.Select(d => d.ToString(CultureInfo.InvariantCulture))],
                [.. days.Select(d => perDay.TryGetValue(d, out var v) ? (double)(v.Act - v.Deact) : 0)]),
            AsOf = asOf,
            Parameters = Parameters("activations", month, asOf),
        };
    }

    private static ReportChart? PlanChart(ReportPeriod month, List<object?[]> rows)
    {
        var plans = rows.Where(r => (bool)r[13]!).GroupBy(r => (string)r[6]!).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Take(30).ToList();
        return plans.Count == 0 ? null : new ReportChart($"Subscriptions active at the end of {month} per plan", "subscriptions",
            [.. plans.Select(g => g.Key.Length == 0 ? "(unknown)" : g.Key)], [.. plans.Select(g => (double)g.Count())]);
    }

    private SortedDictionary<string, string> Parameters(string report, ReportPeriod month, DateTimeOffset asOf) => new(StringComparer.Ordinal)
    {
        ["report"] = report,
        ["month"] = month.ToString(),
        ["as_of_utc"] = asOf.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        ["reporting_time_zone"] = options.ReportingTimeZone,
        ["profile"] = options.Profile.ToString(),
    };

    private static ClickHouse.Driver.ADO.Parameters.ClickHouseParameterCollection Parameters(DateTimeOffset start, DateTimeOffset end, DateTimeOffset asOf) =>
        ReportSql.Parameters(("period_start", start.UtcDateTime), ("period_end", end.UtcDateTime), ("as_of", asOf.UtcDateTime));

    /// <summary>The instant in the reporting zone (whole seconds kept as stored, milliseconds included).</summary>
    internal static DateTimeOffset Local(DateTimeOffset instant, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(instant, zone);
}
