using System.IO.Compression;
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
        using var written = new MemoryStream();
        written.SaveAs(sheets, printHeader: true, excelType: ExcelType.XLSX);
        Repack(written, output, document.AsOf);
    }

    /// <summary>
    /// The same package with every entry stamped with the as-of instant (MiniExcel stamps them with the time of writing):
    /// the same document gives the same bytes, so an export is reproducible for its as-of time.
    /// </summary>
    internal static void Repack(MemoryStream written, Stream output, DateTimeOffset asOf)
    {
        written.Position = 0;
        // ZIP times are local wall-clock fields from 1980 on, 2-second resolution: the as-of instant's UTC wall clock.
        var stamp = new DateTimeOffset(DateTime.SpecifyKind(asOf.UtcDateTime < new DateTime(1980, 1, 2) ? new DateTime(1980, 1, 2) : asOf.UtcDateTime, DateTimeKind.Unspecified), TimeSpan.Zero);
        using var source = new ZipArchive(written, ZipArchiveMode.Read, leaveOpen: true);
        using var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in source.Entries)
        {
            var copy = target.CreateEntry(entry.FullName, CompressionLevel.Optimal);
            copy.LastWriteTime = stamp;
            using var from = entry.Open();
            using var to = copy.Open();
            if (entry.FullName.EndsWith(".xml", StringComparison.Ordinal) || entry.FullName.EndsWith(".rels", StringComparison.Ordinal))
            {
                // Relationship ids MiniExcel draws at random (R + 32 hex digits): numbered in order of appearance instead.
                using var reader = new StreamReader(from, new System.Text.UTF8Encoding(false), detectEncodingFromByteOrderMarks: false);
                var text = System.Text.RegularExpressions.Regex.Replace(reader.ReadToEnd(), "\\bR[0-9a-f]{32}\\b",
                    m => ids.TryGetValue(m.Value, out var id) ? id : ids[m.Value] = "rIdCh" + (ids.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                var bytes = new System.Text.UTF8Encoding(false).GetBytes(text);
                to.Write(bytes);
            }
            else
            {
                from.CopyTo(to);
            }
        }
    }

    private static Dictionary<string, object?> Line(string key, string value) => new(StringComparer.Ordinal) { ["item"] = key, ["value"] = value };
}
