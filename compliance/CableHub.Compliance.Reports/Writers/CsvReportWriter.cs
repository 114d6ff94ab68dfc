using CsvHelper;

namespace CableHub.Compliance.Reports.Writers;

/// <summary>
/// RFC 4180 CSV (CsvHelper), UTF-8 without BOM, a header row, then the rows in the document's order: nothing but the
/// data, so the same inputs give byte-identical files (title, notes and as-of are in the signed manifest).
/// NULL is an empty field; an empty string is <c>""</c>.
/// </summary>
public static class CsvReportWriter
{
    public static void Write(ReportDocument document, Stream output)
    {
        ArgumentNullException.ThrowIfNull(document);
        using var csv = CsvWriter.Create(output, CsvWriterOptions.Default, leaveOpen: true);
        csv.WriteRecord([.. document.Columns.Select(c => c.Name)]);
        foreach (var row in document.Rows)
        {
            foreach (var value in row)
            {
                if (value is null)
                {
                    csv.WriteField(string.Empty);
                }
                else if (value is string { Length: 0 })
                {
                    csv.WriteField(string.Empty, CsvQuoting.Always);
                }
                else
                {
                    csv.WriteField(ReportDocument.Text(value));
                }
            }

            csv.EndRecord();
        }

        csv.Flush();
    }
}
