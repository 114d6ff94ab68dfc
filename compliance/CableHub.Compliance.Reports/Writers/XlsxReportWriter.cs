using MiniExcelLibs;

namespace CableHub.Compliance.Reports.Writers;

/// <summary>
/// XLSX (MiniExcel): sheet <c>report</c> with typed cells (numbers, booleans, local date-times of the reporting zone),
/// sheet <c>about</c> with the title, notes, as-of instant and parameters.
/// </summary>
public static class XlsxReportWriter
{
    /// <summary>Rows in one sheet (the format's limit less the header).</summary>
    public const int MaxRows = 1_048_575;

    public static void Write(ReportDocument document, Stream output)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Rows.Count > MaxRows)
        {
            throw new ReportException($"{document.FileStem}: {document.Rows.Count:N0} rows do not fit one XLSX sheet (at most {MaxRows:N0}); export CSV instead");
        }

        var rows = document.Rows.Select(row =>
        {
            var cells = new Dictionary<string, object?>(document.Columns.Count, StringComparer.Ordinal);
            for (var i = 0; i < document.Columns.Count; i++)
            {
                cells[document.Columns[i].Name] = row[i] switch
                {
                    DateTimeOffset t => t.DateTime, // wall clock in the reporting zone (named in the about sheet)
                    var v => v,
                };
            }

            return cells;
        }).ToList();
        var about = new List<Dictionary<string, object?>> { Line("title", document.Title) };
        about.AddRange(document.Notes.Select(n => Line("note", n)));
        about.Add(Line("as_of_utc", document.AsOf.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)));
        about.AddRange(document.Parameters.Select(p => Line(p.Key, p.Value)));
        var sheets = new Dictionary<string, object> { ["report"] = rows, ["about"] = about };
        output.SaveAs(sheets, printHeader: true, excelType: ExcelType.XLSX);
    }

    private static Dictionary<string, object?> Line(string key, string value) => new(StringComparer.Ordinal) { ["item"] = key, ["value"] = value };
}
