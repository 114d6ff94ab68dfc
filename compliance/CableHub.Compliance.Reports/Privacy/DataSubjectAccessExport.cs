using System.Collections;
using System.Globalization;
using System.Text.Json;
using CableHub.Compliance.Reports.Signing;
using CableHub.Compliance.Reports.Writers;
using CableHub.Core.Ports;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace CableHub.Compliance.Reports.Privacy;

/// <summary>
/// The access export of a data-subject request (GDPR art. 15, India DPDP s. 11): asks every module's
/// <see cref="IDataSubjectRecords"/> what it holds on the customer (the modules read their own tables and decrypt their
/// own personal fields), writes it as JSON (machine-readable, every value) and as a readable PDF, signs each file
/// (<see cref="ExportSigner"/>, manifest beside it) and records each in the audit log (<see cref="IExportAuditSink"/>,
/// the row names the customer). Files go to <c>&lt;root&gt;/&lt;request id&gt;/</c>, written under a temporary name first.
/// </summary>
public sealed class DataSubjectAccessExport(IEnumerable<IDataSubjectRecords> holders, ExportSigner signer, IExportAuditSink audit, TimeProvider clock, string root)
    : IDataSubjectAccessExporter
{
    public const string Report = "dsr-access";

    public async Task<DataSubjectExport> ExportAsync(Guid requestId, Guid customerId, string actor, CancellationToken ct)
    {
        var generatedAt = clock.GetUtcNow();
        var sections = new List<DataSubjectSection>();
        foreach (var holder in holders.OrderBy(h => h.Order))
        {
            sections.Add(await holder.CollectAsync(customerId, ct).ConfigureAwait(false));
        }

        var directory = Path.Combine(root, requestId.ToString());
        Directory.CreateDirectory(directory);
        var stem = $"dsr-access-{requestId}";
        var parameters = new Dictionary<string, string>
        {
            ["requestId"] = requestId.ToString(),
            ["customerId"] = customerId.ToString(),
            ["sections"] = string.Join(",", sections.Select(s => s.Holder)),
        };
        var files = new List<DataSubjectExportFile>();
        foreach (var (format, write) in new (string, Action<Stream>)[]
                 {
                     ("json", s => WriteJson(s, requestId, customerId, generatedAt, sections)),
                     ("pdf", s => WritePdf(s, requestId, customerId, generatedAt, sections)),
                 })
        {
            var path = Path.Combine(directory, stem + "." + format);
            var partial = path + ".partial";
            try
            {
                await using (var stream = new FileStream(partial, FileMode.Create, FileAccess.ReadWrite, FileShare.None))
                {
                    write(stream);
                    await stream.FlushAsync(ct).ConfigureAwait(false);
                }

                File.Move(partial, path, overwrite: true);
            }
            finally
            {
                File.Delete(partial);
            }

            var manifest = signer.Sign(path, Report, format, generatedAt, parameters, actor, generatedAt);
            await audit.RecordAsync(new ExportAuditRecord(actor, Report, manifest.File, manifest.Sha256, manifest.Bytes, manifest.AsOf, manifest.Parameters,
                manifest.Signature, manifest.GeneratedAt), ct).ConfigureAwait(false);
            files.Add(new DataSubjectExportFile(manifest.File, path, manifest.Sha256, manifest.Bytes, path + ExportManifest.Suffix));
        }

        return new DataSubjectExport(requestId, customerId, generatedAt, sections.Count, sections.Sum(s => s.Tables.Sum(t => t.Rows.Count)), files);
    }

    public IReadOnlyList<DataSubjectExportFile> FilesOf(Guid requestId)
    {
        var directory = Path.Combine(root, requestId.ToString());
        if (!Directory.Exists(directory))
        {
            return [];
        }

        return [.. Directory.GetFiles(directory, "dsr-access-*")
            .Where(f => f.EndsWith(".json", StringComparison.Ordinal) && !f.EndsWith(ExportManifest.Suffix, StringComparison.Ordinal) || f.EndsWith(".pdf", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f =>
            {
                var (sha, bytes) = ExportSigner.Hash(f);
                return new DataSubjectExportFile(Path.GetFileName(f), f, sha, bytes, f + ExportManifest.Suffix);
            })];
    }

    /// <summary>The JSON file: request, customer, when, then every section's tables as arrays of records (column → value).</summary>
    public static void WriteJson(Stream output, Guid requestId, Guid customerId, DateTimeOffset generatedAt, IReadOnlyList<DataSubjectSection> sections)
    {
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("kind", "data-subject access export");
        w.WriteString("requestId", requestId);
        w.WriteString("customerId", customerId);
        w.WriteString("generatedAt", Text(generatedAt));
        w.WriteStartArray("sections");
        foreach (var section in sections)
        {
            w.WriteStartObject();
            w.WriteString("name", section.Name);
            w.WriteString("holder", section.Holder);
            w.WriteString("purpose", section.Purpose);
            w.WriteStartObject("tables");
            foreach (var table in section.Tables)
            {
                w.WriteStartArray(table.Name);
                foreach (var row in table.Rows)
                {
                    w.WriteStartObject();
                    for (var i = 0; i < table.Columns.Count; i++)
                    {
                        w.WritePropertyName(table.Columns[i]);
                        WriteValue(w, row[i]);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null or DBNull:
                w.WriteNullValue();
                break;
            case bool b:
                w.WriteBooleanValue(b);
                break;
            case decimal d:
                w.WriteNumberValue(d);
                break;
            case int or long or short or byte:
                w.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case double d:
                w.WriteNumberValue(d);
                break;
            case string s:
                w.WriteStringValue(s);
                break;
            case IEnumerable list and not byte[]:
                w.WriteStartArray();
                foreach (var item in list)
                {
                    WriteValue(w, item);
                }

                w.WriteEndArray();
                break;
            default:
                w.WriteStringValue(Text(value));
                break;
        }
    }

    /// <summary>A value as text: instants ISO 8601 UTC, dates ISO, decimals invariant, lists comma-separated.</summary>
    public static string Text(object? value) => value switch
    {
        null or DBNull => "",
        string s => s,
        bool b => b ? "yes" : "no",
        DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        DateTime t when t.Kind == DateTimeKind.Unspecified && t.TimeOfDay == TimeSpan.Zero => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        byte[] bytes => $"({bytes.Length} bytes)",
        IEnumerable list => string.Join(", ", list.Cast<object?>().Select(Text)),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>The PDF: A4 portrait, a title page header, then per section its purpose and every record as "field: value" lines.</summary>
    public static void WritePdf(Stream output, Guid requestId, Guid customerId, DateTimeOffset generatedAt, IReadOnlyList<DataSubjectSection> sections)
    {
        DejaVuFonts.Install();
        using var pdf = new PdfDocument();
        pdf.Info.Title = $"Personal data held on customer {customerId}";
        pdf.Info.Creator = "CableHub compliance";
        pdf.Info.CreationDate = generatedAt.UtcDateTime;
        pdf.Info.ModificationDate = generatedAt.UtcDateTime;
        const double margin = 40;
        var title = new XFont("DejaVu Sans", 14, XFontStyleEx.Bold);
        var heading = new XFont("DejaVu Sans", 11, XFontStyleEx.Bold);
        var sub = new XFont("DejaVu Sans", 9, XFontStyleEx.Bold);
        var body = new XFont("DejaVu Sans", 7.5, XFontStyleEx.Regular);
        var label = new XFont("DejaVu Sans", 7.5, XFontStyleEx.Bold);
        PdfPage page = null!;
        XGraphics gfx = null!;
        double y = 0, width = 0, bottom = 0;
        var pages = 0;
        void NewPage()
        {
            gfx?.Dispose();
            page = pdf.AddPage();
            page.Size = PdfSharp.PageSize.A4;
            gfx = XGraphics.FromPdfPage(page);
            width = page.Width.Point - (2 * margin);
            bottom = page.Height.Point - margin - 14;
            y = margin;
            pages++;
            gfx.DrawString($"Access export, request {requestId} — page {pages}", body, XBrushes.Gray,
                new XRect(margin, page.Height.Point - margin, width, 10), XStringFormats.TopLeft);
        }

        void Line(string text, XFont font, double height, double indent = 0)
        {
            foreach (var wrapped in Writers.PdfReportWriter.Wrap(gfx, text, font, width - indent))
            {
                if (y + height > bottom)
                {
                    NewPage();
                }

                gfx.DrawString(wrapped, font, XBrushes.Black, new XRect(margin + indent, y, width - indent, height), XStringFormats.TopLeft);
                y += height;
            }
        }

        NewPage();
        Line("Personal data held on you", title, 20);
        Line($"Customer {customerId}; data-subject request {requestId}; as held on {Text(generatedAt)} (UTC).", body, 11);
        Line("Every section below is what one part of the system holds, with why it is held. Instants are UTC. The JSON file of the same request carries the same data for machines.", body, 11);
        foreach (var section in sections)
        {
            y += 8;
            Line(section.Name, heading, 16);
            Line($"Held by: {section.Holder}. Purpose: {section.Purpose}.", body, 11);
            foreach (var table in section.Tables)
            {
                y += 4;
                Line($"{table.Name} ({table.Rows.Count.ToString(CultureInfo.InvariantCulture)})", sub, 13, 6);
                if (table.Rows.Count == 0)
                {
                    Line("none", body, 10, 12);
                }

                foreach (var row in table.Rows)
                {
                    for (var i = 0; i < table.Columns.Count; i++)
                    {
                        var value = Text(row[i]);
                        if (value.Length > 0)
                        {
                            Line($"{table.Columns[i]}: {value}", body, 10, 12);
                        }
                    }

                    if (y + 4 < bottom)
                    {
                        gfx.DrawLine(XPens.LightGray, margin + 12, y + 2, margin + width, y + 2);
                    }

                    y += 5;
                }
            }
        }

        gfx.Dispose();
        pdf.Save(output, closeStream: false);
    }
}
