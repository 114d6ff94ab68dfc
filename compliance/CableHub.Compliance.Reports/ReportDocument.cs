using System.Globalization;

namespace CableHub.Compliance.Reports;

/// <summary>How a column's values are typed (CSV text form, XLSX cell type, PDF alignment).</summary>
public enum ColumnKind
{
    Text,
    Integer,
    Decimal,
    /// <summary>An instant, shown in the reporting time zone (values are <see cref="DateTimeOffset"/> with that zone's offset).</summary>
    Instant,
    Boolean,
}

public sealed record ReportColumn(string Name, ColumnKind Kind);

/// <summary>A bar chart for the PDF (where a person would rather look than read).</summary>
public sealed record ReportChart(string Title, string ValueLabel, IReadOnlyList<string> Labels, IReadOnlyList<double> Values);

/// <summary>
/// One report file's content, format-neutral: title lines, typed columns and rows, an optional chart. Everything in it
/// comes from the data and the parameters — never the time it is made — so the same inputs give the same bytes.
/// </summary>
public sealed class ReportDocument
{
    public required ReportKind Report { get; init; }

    /// <summary>File name without extension, e.g. <c>msr-2026-11-STAR</c>.</summary>
    public required string FileStem { get; init; }

    public required string Title { get; init; }

    /// <summary>Lines under the title (period, zone, snapshot instants, profile, what a column means).</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    public required IReadOnlyList<ReportColumn> Columns { get; init; }

    public required IReadOnlyList<object?[]> Rows { get; init; }

    public ReportChart? Chart { get; init; }

    /// <summary>The instant the data is as of: the report is reproducible for it.</summary>
    public required DateTimeOffset AsOf { get; init; }

    /// <summary>The query parameters, recorded in the signed manifest.</summary>
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }

    /// <summary>A value as text (CSV, PDF): invariant culture, instants ISO 8601 with the zone's offset, decimals with 2 places.</summary>
    public static string Text(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        bool b => b ? "yes" : "no",
        decimal d => d.ToString("0.00", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}

/// <summary>A calendar month in the reporting time zone, with its UTC bounds.</summary>
public readonly record struct ReportPeriod(int Year, int Month)
{
    public DateOnly First => new(Year, Month, 1);

    public DateOnly Last => First.AddMonths(1).AddDays(-1);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Year:0000}-{Month:00}");

    /// <summary>Parses <c>YYYY-MM</c>; throws naming the value otherwise.</summary>
    public static ReportPeriod Parse(string value)
    {
        if (DateOnly.TryParseExact(value + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            return new ReportPeriod(d.Year, d.Month);
        }

        throw new ArgumentException($"--month '{value}' is not a month as YYYY-MM (e.g. 2026-11)");
    }

    /// <summary>Start of the month (inclusive) in UTC.</summary>
    public DateTimeOffset StartUtc(TimeZoneInfo zone) => Utc(First, zone);

    /// <summary>Start of the next month (exclusive) in UTC.</summary>
    public DateTimeOffset EndUtc(TimeZoneInfo zone) => Utc(First.AddMonths(1), zone);

    private static DateTimeOffset Utc(DateOnly day, TimeZoneInfo zone) =>
        new(TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified), zone), TimeSpan.Zero);
}
