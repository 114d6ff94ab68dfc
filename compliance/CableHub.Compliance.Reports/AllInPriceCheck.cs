using System.Globalization;
using ClickHouse.Driver;

namespace CableHub.Compliance.Reports;

/// <summary>
/// The US profile's check that bills carry the all-in price line (FCC 2024 all-in pricing: the aggregate price of the
/// video service, first and prominent): every US bill issued in the month, read from the warehouse's copy of the invoice
/// lines, with <c>ok</c>, <c>missing</c> (no all-in line), <c>not_first</c> or <c>duplicated</c>. Bills issued after the
/// as-of instant are left out, so the same as-of gives the same file.
/// </summary>
public sealed class AllInPriceCheck(string connectionString, ComplianceOptions options)
{
    public const string Ok = "ok";
    public const string Missing = "missing";
    public const string NotFirst = "not_first";
    public const string Duplicated = "duplicated";

    public async Task<ReportDocument> BuildAsync(ReportPeriod month, DateTimeOffset asOf, CancellationToken ct = default)
    {
        using var client = new ClickHouseClient(connectionString);
        var parameters = ReportSql.Parameters(("period_first", ReportSql.Date(month.First)), ("period_last", ReportSql.Date(month.Last)), ("as_of", asOf.UtcDateTime));
        var rows = await ReportSql.QueryAsync(client, ReportSql.Load("all_in_price_check", options.ReportingTimeZone), parameters, r =>
        {
            var count = ReportSql.Long(r, 5);
            var status = count == 0 ? Missing : count > 1 ? Duplicated : ReportSql.Long(r, 6) != ReportSql.Long(r, 8) ? NotFirst : Ok;
            return new object?[]
            {
                ReportSql.Str(r, 0), ReportSql.Str(r, 1), ReportSql.Str(r, 2), ReportSql.Str(r, 3), Dec(ReportSql.Str(r, 4)),
                status, count == 0 ? null : ReportSql.Long(r, 6), count == 0 ? null : Dec(ReportSql.Str(r, 7)), ReportSql.Long(r, 9),
            };
        }, ct).ConfigureAwait(false);
        var failing = rows.Count(r => (string)r[5]! != Ok);
        return new ReportDocument
        {
            Report = ReportKind.AllIn,
            FileStem = $"all-in-price-check-{month}",
            Title = $"All-in price check of US bills {month}",
            Notes =
            [
                $"Every US bill (regulatory profile US) issued in {month}, as known at {asOf.UtcDateTime:yyyy-MM-dd HH:mm} UTC: {rows.Count} bills, {failing} without the all-in video price as their first line.",
                "status: ok = exactly one all-in video price line and it is line 1; missing = none; not_first = it is not line 1; duplicated = more than one.",
                failing == 0 ? "Result: every bill carries the all-in price line first." : "Result: FAILED — correct the bills listed with a status other than ok.",
            ],
            Columns =
            [
                new("invoice_number", ColumnKind.Text), new("issue_date", ColumnKind.Text), new("customer_id", ColumnKind.Text), new("currency", ColumnKind.Text),
                new("subtotal", ColumnKind.Decimal), new("status", ColumnKind.Text), new("all_in_line_no", ColumnKind.Integer), new("all_in_amount", ColumnKind.Decimal),
                new("lines", ColumnKind.Integer),
            ],
            Rows = rows,
            AsOf = asOf,
            Parameters = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["report"] = ComplianceOptions.Name(ReportKind.AllIn),
                ["month"] = month.ToString(),
                ["as_of_utc"] = asOf.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                ["profile"] = options.Profile.ToString(),
                ["bills"] = rows.Count.ToString(CultureInfo.InvariantCulture),
                ["failing"] = failing.ToString(CultureInfo.InvariantCulture),
            },
        };
    }

    private static decimal Dec(string s) => s.Length == 0 ? 0m : decimal.Parse(s, NumberStyles.Number, CultureInfo.InvariantCulture);
}
