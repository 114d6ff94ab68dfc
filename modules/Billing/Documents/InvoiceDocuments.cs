using System.Globalization;
using System.Net;
using System.Text;
using CableHub.Billing.Invoices;
using CableHub.Customers.Contracts;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace CableHub.Billing.Documents;

/// <summary>What an invoice document shows, built once and rendered as HTML and as PDF (same content in both).</summary>
public sealed record InvoiceDocumentModel(
    string Title, string Number, IReadOnlyList<(string Label, string Value)> Header, IReadOnlyList<(string Description, string Period, string Amount, bool Informational)> Lines,
    IReadOnlyList<(string Label, string Value)> Totals, string Footer);

/// <summary>
/// Invoice and credit note documents: <see cref="ModelAsync"/> decides the content (header, lines in invoice order — the
/// US all-in video price first —, totals), <see cref="Html"/> and <see cref="Pdf"/> render it (PDFsharp, DejaVu Sans).
/// </summary>
public sealed class InvoiceDocuments(IBillingAccountDirectory accounts)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public async Task<InvoiceDocumentModel> ModelAsync(Invoice invoice, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        var terms = (await accounts.TermsAsync([invoice.BillingAccountId], ct).ConfigureAwait(false)).SingleOrDefault();
        var credit = invoice.Kind == "credit_note";
        var header = new List<(string, string)>
        {
            (credit ? "Credit note" : "Invoice", invoice.Number),
            ("Issue date", invoice.IssueDate.ToString("yyyy-MM-dd", Inv)),
            ("Account", terms?.AccountNumber ?? invoice.BillingAccountId.ToString()),
            ("Customer", terms?.CustomerNumber ?? invoice.CustomerId.ToString()),
        };
        if (invoice.PeriodStart is { } ps && invoice.PeriodEnd is { } pe)
        {
            header.Add(("Billing period", $"{ps:yyyy-MM-dd} to {pe:yyyy-MM-dd}"));
        }

        if (!credit)
        {
            header.Add(("Due date", invoice.DueDate.ToString("yyyy-MM-dd", Inv)));
        }

        if (invoice.Reason is { } reason)
        {
            header.Add(("Reason", reason));
        }

        var lines = invoice.Lines.Select(l => (l.Description, l.PeriodStart is { } s && l.PeriodEnd is { } e ? $"{s:yyyy-MM-dd} – {e:yyyy-MM-dd}" : "", Amount(l.Amount, invoice.Currency), l.Informational)).ToList();
        var totals = new List<(string, string)>
        {
            ("Subtotal", Amount(invoice.Subtotal, invoice.Currency)),
            ("Taxes", Amount(invoice.TaxTotal, invoice.Currency)),
            (credit ? "Total credited" : "Total", Amount(invoice.Total, invoice.Currency)),
        };
        if (!credit)
        {
            totals.Add(("Amount due", Amount(invoice.OpenAmount, invoice.Currency)));
        }

        var footer = invoice.RegulatoryProfile == "IN"
            ? "Network capacity fee per TRAI NTO 2017; GST as shown. Corrections are made only by credit note."
            : "Corrections are made only by credit note.";
        return new InvoiceDocumentModel(credit ? "Credit note" : "Invoice", invoice.Number, header, lines, totals, footer);
    }

    public static string Amount(decimal amount, string currency) => string.Create(Inv, $"{amount:#,##0.00} {currency}");

    public static string Html(InvoiceDocumentModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        static string E(string s) => WebUtility.HtmlEncode(s);
        var b = new StringBuilder();
        b.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(model.Title)).Append(' ').Append(E(model.Number)).Append("</title>")
            .Append("<style>body{font-family:'DejaVu Sans',sans-serif;margin:2em}table{border-collapse:collapse;width:100%}td,th{padding:4px 8px;border-bottom:1px solid #ddd}")
            .Append(".amount{text-align:right;white-space:nowrap}.info{font-weight:bold;background:#eef}</style></head><body>\n");
        b.Append("<h1>").Append(E(model.Title)).Append(' ').Append(E(model.Number)).Append("</h1>\n<dl>\n");
        foreach (var (label, value) in model.Header)
        {
            b.Append("<dt>").Append(E(label)).Append("</dt><dd>").Append(E(value)).Append("</dd>\n");
        }

        b.Append("</dl>\n<table><thead><tr><th>Description</th><th>Period</th><th class=\"amount\">Amount</th></tr></thead><tbody>\n");
        foreach (var (description, period, amount, info) in model.Lines)
        {
            b.Append(info ? "<tr class=\"info\">" : "<tr>").Append("<td>").Append(E(description)).Append("</td><td>").Append(E(period)).Append("</td><td class=\"amount\">")
                .Append(E(amount)).Append("</td></tr>\n");
        }

        b.Append("</tbody><tfoot>\n");
        foreach (var (label, value) in model.Totals)
        {
            b.Append("<tr><th colspan=\"2\">").Append(E(label)).Append("</th><td class=\"amount\">").Append(E(value)).Append("</td></tr>\n");
        }

        b.Append("</tfoot></table>\n<p>").Append(E(model.Footer)).Append("</p>\n</body></html>\n");
        return b.ToString();
    }

    public static byte[] Pdf(InvoiceDocumentModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        InvoiceFonts.Install();
        using var pdf = new PdfDocument();
        pdf.Info.Title = $"{model.Title} {model.Number}";
        pdf.Info.Creator = "CableHub billing";
        var regular = new XFont(InvoiceFonts.Family, 9);
        var bold = new XFont(InvoiceFonts.Family, 9, XFontStyleEx.Bold);
        var title = new XFont(InvoiceFonts.Family, 16, XFontStyleEx.Bold);
        const double margin = 40;
        PdfPage page = null!;
        XGraphics g = null!;
        double y = 0;
        void NewPage()
        {
            g?.Dispose();
            page = pdf.AddPage();
            page.Size = PdfSharp.PageSize.A4;
            g = XGraphics.FromPdfPage(page);
            y = margin;
        }

        void Row(string left, string middle, string right, XFont font)
        {
            if (y > page.Height.Point - margin - 20)
            {
                NewPage();
            }

            var width = page.Width.Point - (2 * margin);
            g.DrawString(Fit(g, left, font, width * 0.55), font, XBrushes.Black, new XRect(margin, y, width * 0.55, 12), XStringFormats.TopLeft);
            g.DrawString(middle, font, XBrushes.Black, new XRect(margin + (width * 0.56), y, width * 0.26, 12), XStringFormats.TopLeft);
            g.DrawString(right, font, XBrushes.Black, new XRect(margin + (width * 0.82), y, width * 0.18, 12), XStringFormats.TopRight);
            y += 14;
        }

        NewPage();
        g.DrawString($"{model.Title} {model.Number}", title, XBrushes.Black, new XPoint(margin, y + 16));
        y += 30;
        foreach (var (label, value) in model.Header)
        {
            Row(label, "", value, regular);
        }

        y += 8;
        Row("Description", "Period", "Amount", bold);
        foreach (var (description, period, amount, info) in model.Lines)
        {
            Row(description, period, amount, info ? bold : regular);
        }

        y += 8;
        foreach (var (label, value) in model.Totals)
        {
            Row(label, "", value, bold);
        }

        y += 8;
        Row(model.Footer, "", "", regular);
        g.Dispose();
        using var stream = new MemoryStream();
        pdf.Save(stream, false);
        return stream.ToArray();
    }

    private static string Fit(XGraphics g, string text, XFont font, double width)
    {
        if (g.MeasureString(text, font).Width <= width)
        {
            return text;
        }

        var s = text;
        while (s.Length > 1 && g.MeasureString(s + "…", font).Width > width)
        {
            s = s[..^1];
        }

        return s + "…";
    }
}

/// <summary>PDFsharp's font source on Linux: DejaVu Sans from Debian's fonts-dejavu-core.</summary>
internal sealed class InvoiceFonts : IFontResolver
{
    public const string Family = "DejaVu Sans";
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
                    throw new InvalidOperationException($"invoice PDFs need the DejaVu fonts: {path} is missing (Debian package fonts-dejavu-core)");
                }
            }

            GlobalFontSettings.FontResolver ??= new InvoiceFonts();
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) => new(bold ? "DejaVuSans-Bold" : "DejaVuSans");

    public byte[]? GetFont(string faceName) => File.ReadAllBytes(Path.Combine(Directory, faceName + ".ttf"));
}
