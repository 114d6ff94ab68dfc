using System.Globalization;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace CableHub.Compliance.Reports.Writers;

/// <summary>
/// PDF (PDFsharp): A4 landscape, title and notes, the chart (ScottPlot) where there is one, then the table across as
/// many pages as it needs (header repeated), at most <c>maxRows</c> rows (the CSV and XLSX carry all); a footer with
/// the page, the as-of instant and where the file's hash is. Fonts: DejaVu Sans (Debian's fonts-dejavu-core).
/// </summary>
public static class PdfReportWriter
{
    private const string Family = "DejaVu Sans";
    private const double Margin = 36;

    /// <summary>
    /// The trailer's file identifiers (and the XMP document id made from them) derived from what the document is, instead
    /// of random: with the dates set to the as-of instant, the same document gives the same bytes.
    /// </summary>
    internal static void FixIdentifiers(PdfDocument pdf, string seed)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(seed));
        pdf.Internals.FirstDocumentID = new string([.. hash.Take(16).Select(b => (char)b)]);
        pdf.Internals.SecondDocumentID = new string([.. hash.Skip(16).Take(16).Select(b => (char)b)]);
    }

    public static void Write(ReportDocument document, Stream output, int maxRows = 2000)
    {
        ArgumentNullException.ThrowIfNull(document);
        DejaVuFonts.Install();
        using var pdf = new PdfDocument();
        pdf.Info.Title = document.Title;
        pdf.Info.Creator = "CableHub compliance reports";
        pdf.Info.CreationDate = document.AsOf.UtcDateTime;
        pdf.Info.ModificationDate = document.AsOf.UtcDateTime;
        var seed = document.FileStem + "\n" + document.AsOf.UtcTicks.ToString(CultureInfo.InvariantCulture) + "\n" +
            string.Join("\n", document.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));
        FixIdentifiers(pdf, seed);

        var title = new XFont(Family, 14, XFontStyleEx.Bold);
        var note = new XFont(Family, 8, XFontStyleEx.Regular);
        var shown = document.Rows.Take(maxRows).ToList();
        var cut = document.Rows.Count - shown.Count;

        var (page, gfx) = NewPage(pdf);
        var width = page.Width.Point - (2 * Margin);
        var y = Margin;
        gfx.DrawString(document.Title, title, XBrushes.Black, new XRect(Margin, y, width, 18), XStringFormats.TopLeft);
        y += 22;
        var notes = document.Notes.ToList();
        notes.Add($"As of {document.AsOf.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC. " +
                  (cut > 0 ? $"This PDF shows the first {shown.Count:N0} of {document.Rows.Count:N0} rows; the CSV and XLSX exports carry all of them." : $"{document.Rows.Count:N0} rows."));
        foreach (var line in notes)
        {
            foreach (var wrapped in Wrap(gfx, line, note, width))
            {
                gfx.DrawString(wrapped, note, XBrushes.Black, new XRect(Margin, y, width, 11), XStringFormats.TopLeft);
                y += 11;
            }
        }

        y += 6;
        if (document.Chart is { } chart)
        {
            var png = ReportPlot.Png(chart);
            using var image = XImage.FromStream(new MemoryStream(png));
            var height = width * 600 / 1400;
            gfx.DrawImage(image, Margin, y, width, height);
            y += height + 10;
        }

        // Table: font size and column widths to fit the page width.
        var size = document.Columns.Count > 12 ? 6.0 : 7.0;
        var font = new XFont(Family, size, XFontStyleEx.Regular);
        var bold = new XFont(Family, size, XFontStyleEx.Bold);
        var texts = shown.Select(r => r.Select(ReportDocument.Text).ToArray()).ToList();
        var widths = document.Columns.Select((c, i) =>
            Math.Min(200, Math.Max(gfx.MeasureString(c.Name, bold).Width, texts.Take(300).Select(t => gfx.MeasureString(t[i], font).Width).DefaultIfEmpty(0).Max()) + 6)).ToArray();
        var total = widths.Sum();
        if (total > width)
        {
            widths = [.. widths.Select(w => w * width / total)];
        }

        var rowHeight = size * 1.6;
        var bottom = page.Height.Point - Margin - 14;
        void Header()
        {
            var x = Margin;
            gfx.DrawRectangle(XBrushes.LightGray, Margin, y, widths.Sum(), rowHeight);
            for (var i = 0; i < widths.Length; i++)
            {
                gfx.DrawString(Fit(gfx, document.Columns[i].Name, bold, widths[i] - 4), bold, XBrushes.Black, new XRect(x + 2, y, widths[i] - 4, rowHeight), XStringFormats.CenterLeft);
                x += widths[i];
            }

            y += rowHeight;
        }

        if (y + (3 * rowHeight) > bottom)
        {
            gfx.Dispose();
            (page, gfx) = NewPage(pdf);
            y = Margin;
        }

        Header();
        for (var r = 0; r < texts.Count; r++)
        {
            if (y + rowHeight > bottom)
            {
                gfx.Dispose();
                (page, gfx) = NewPage(pdf);
                y = Margin;
                Header();
            }

            if (r % 2 == 1)
            {
                gfx.DrawRectangle(new XSolidBrush(XColor.FromArgb(245, 245, 245)), Margin, y, widths.Sum(), rowHeight);
            }

            var x = Margin;
            for (var i = 0; i < widths.Length; i++)
            {
                var numeric = document.Columns[i].Kind is ColumnKind.Integer or ColumnKind.Decimal;
                gfx.DrawString(Fit(gfx, texts[r][i], font, widths[i] - 4), font, XBrushes.Black, new XRect(x + 2, y, widths[i] - 4, rowHeight),
                    numeric ? XStringFormats.CenterRight : XStringFormats.CenterLeft);
                x += widths[i];
            }

            y += rowHeight;
        }

        gfx.Dispose();
        var footer = new XFont(Family, 7, XFontStyleEx.Regular);
        for (var p = 0; p < pdf.PageCount; p++)
        {
            using var g = XGraphics.FromPdfPage(pdf.Pages[p], XGraphicsPdfPageOptions.Append);
            var text = string.Create(CultureInfo.InvariantCulture,
                $"{document.FileStem} — page {p + 1} of {pdf.PageCount} — as of {document.AsOf.UtcDateTime:yyyy-MM-dd HH:mm} UTC — SHA-256 and signature of this file: {document.FileStem}.pdf.manifest.json");
            g.DrawString(text, footer, XBrushes.Gray, new XRect(Margin, pdf.Pages[p].Height.Point - Margin, pdf.Pages[p].Width.Point - (2 * Margin), 10), XStringFormats.TopLeft);
        }

        using var written = new MemoryStream();
        pdf.Save(written, closeStream: false);
        var bytes = Reproducible(written.ToArray(), seed);
        output.Write(bytes);
    }

    /// <summary>
    /// What PDFsharp makes up at random, made from the document instead, with the same length (so every cross-reference
    /// offset stays right): the font subset tags (<c>/FontName/ABCDEF+…</c>, <c>/BaseFont/ABCDEF+…</c>) and the XMP
    /// document and instance ids. With <see cref="FixIdentifiers"/> and the dates at the as-of instant, the same document gives the same bytes.
    /// </summary>
    internal static byte[] Reproducible(byte[] pdf, string seed)
    {
        var text = System.Text.Encoding.Latin1.GetString(pdf);
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("pdf-ids\n" + seed));
        var tags = System.Text.RegularExpressions.Regex.Matches(text, "/(?:FontName|BaseFont)/([A-Z]{6})\\+").Select(m => m.Groups[1].Value).Distinct().ToList();
        for (var i = 0; i < tags.Count; i++)
        {
            var tag = new string([.. System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{seed}\nfont {i}")).Take(6).Select(b => (char)('A' + (b % 26)))]);
            text = text.Replace("/" + tags[i] + "+", "/" + tag + "+", StringComparison.Ordinal);
        }

        var instance = new Guid(hash.AsSpan(0, 16)).ToString("D");
        var documentId = new Guid(hash.AsSpan(16, 16)).ToString("D");
        text = System.Text.RegularExpressions.Regex.Replace(text, "(<xmpMM:(InstanceID|DocumentID)>uuid:)[0-9a-fA-F-]{36}",
            m => m.Groups[1].Value + (m.Groups[2].Value == "InstanceID" ? instance : documentId));
        return System.Text.Encoding.Latin1.GetBytes(text);
    }

    private static (PdfPage Page, XGraphics Graphics) NewPage(PdfDocument pdf)
    {
        var page = pdf.AddPage();
        page.Size = PdfSharp.PageSize.A4;
        page.Orientation = PdfSharp.PageOrientation.Landscape;
        return (page, XGraphics.FromPdfPage(page));
    }

    private static string Fit(XGraphics gfx, string text, XFont font, double width)
    {
        if (text.Length == 0 || gfx.MeasureString(text, font).Width <= width)
        {
            return text;
        }

        var lo = 0;
        var hi = text.Length;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (gfx.MeasureString(string.Concat(text.AsSpan(0, mid), "…"), font).Width <= width)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return string.Concat(text.AsSpan(0, lo), "…");
    }

    /// <summary>Words of <paramref name="text"/> in lines no wider than <paramref name="width"/> (a longer word stands alone).</summary>
    internal static IEnumerable<string> Wrap(XGraphics gfx, string text, XFont font, double width)
    {
        var line = string.Empty;
        foreach (var word in text.Split(' '))
        {
            var candidate = line.Length == 0 ? word : line + " " + word;
            if (line.Length > 0 && gfx.MeasureString(candidate, font).Width > width)
            {
                yield return line;
                line = word;
            }
            else
            {
                line = candidate;
            }
        }

        if (line.Length > 0)
        {
            yield return line;
        }
    }
}

/// <summary>PDFsharp's font source on Linux: DejaVu Sans from Debian's fonts-dejavu-core (the launcher installs it).</summary>
internal sealed class DejaVuFonts : IFontResolver
{
    private const string Directory = "/usr/share/fonts/truetype/dejavu";
    private static readonly Lock Gate = new();

    public static void Install()
    {
        lock (Gate)
        {
            foreach (var face in new[] { "DejaVuSans", "DejaVuSans-Bold" })
            {
                var path = Path.Combine(Directory, face + ".ttf");
                if (!File.Exists(path))
                {
                    throw new ReportException($"PDF export needs the DejaVu fonts: {path} is missing (Debian package fonts-dejavu-core; ./cablehub build installs it)");
                }
            }

            GlobalFontSettings.FontResolver ??= new DejaVuFonts();
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        new(bold ? "DejaVuSans-Bold" : "DejaVuSans");

    public byte[]? GetFont(string faceName) => File.ReadAllBytes(Path.Combine(Directory, faceName + ".ttf"));
}
