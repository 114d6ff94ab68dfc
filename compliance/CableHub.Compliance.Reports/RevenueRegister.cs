using System.Globalization;
using ClickHouse.Driver;

namespace CableHub.Compliance.Reports;

/// <summary>
/// The revenue register of a month from the billing facts: revenue billed per currency, plan and tax rate
/// (<c>marts.fact_revenue_monthly</c>: issue month in the reporting time zone, credit notes negative), with the month's
/// invoices billed, credited, settled and still open (<c>marts.fact_invoice</c>) in the notes. Figures are those of the
/// marts' last refresh.
/// </summary>
public sealed class RevenueRegister(string connectionString, ComplianceOptions options)
{
    public async Task<ReportDocument> BuildAsync(ReportPeriod month, DateTimeOffset asOf, CancellationToken ct = default)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(options.ReportingTimeZone);
        using var client = new ClickHouseClient(connectionString);
        var parameters = ReportSql.Parameters(("month", month.First.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        var rows = await ReportSql.QueryAsync(client, ReportSql.Load("revenue_register", options.ReportingTimeZone), parameters, r => new object?[]
        {
            ReportSql.Str(r, 0), ReportSql.Str(r, 1), Dec(ReportSql.Str(r, 2)), ReportSql.Long(r, 3), Dec(ReportSql.Str(r, 4)), Dec(ReportSql.Str(r, 5)),
            Dec(ReportSql.Str(r, 6)), Dec(ReportSql.Str(r, 7)),
        }, ct).ConfigureAwait(false);
        var totals = await ReportSql.QueryAsync(client, ReportSql.Load("revenue_register_totals", options.ReportingTimeZone), parameters, r =>
            $"{ReportSql.Str(r, 0)}: {ReportSql.Long(r, 1)} invoices billed {ReportSql.Str(r, 2)}, credited {ReportSql.Str(r, 3)}, settled {ReportSql.Str(r, 4)}, outstanding {ReportSql.Str(r, 5)}.",
            ct).ConfigureAwait(false);

        return new ReportDocument
        {
            Report = ReportKind.Revenue,
            FileStem = $"revenue-{month}",
            Title = $"Revenue register {month}",
            Notes =
            [
                $"Revenue billed in {month} (issue dates in {options.ReportingTimeZone}) per currency, plan and tax rate; credit notes reduce it; informational lines (US all-in price) are not counted.",
                "plan_code (none) = not tied to a plan (one-time charges, taxes). Figures as of the warehouse's last mart refresh.",
                .. totals.Count == 0 ? ["No invoice was issued in the month."] : totals,
            ],
            Columns =
            [
                new("currency", ColumnKind.Text), new("plan_code", ColumnKind.Text), new("tax_rate", ColumnKind.Decimal), new("invoices", ColumnKind.Integer),
                new("net_amount", ColumnKind.Decimal), new("tax_amount", ColumnKind.Decimal), new("gross_amount", ColumnKind.Decimal), new("credited_amount", ColumnKind.Decimal),
            ],
            Rows = rows,
            AsOf = asOf,
            Parameters = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["report"] = "revenue",
                ["month"] = month.ToString(),
                ["as_of_utc"] = asOf.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                ["reporting_time_zone"] = options.ReportingTimeZone,
                ["profile"] = options.Profile.ToString(),
            },
        };
    }

    private static decimal Dec(string s) => s.Length == 0 ? 0m : decimal.Parse(s, NumberStyles.Number, CultureInfo.InvariantCulture);
}
