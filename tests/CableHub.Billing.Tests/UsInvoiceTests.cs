using System.Text.RegularExpressions;
using CableHub.Billing.Documents;
using CableHub.Testing;
using Dapper;
using UglyToad.PdfPig;

namespace CableHub.Billing.Tests;

/// <summary>
/// US regulatory profile (FCC 2024 all-in pricing): a bill run's invoice shows the all-in video price as its FIRST line — in the
/// stored lines, in the HTML and in the PDF.
/// </summary>
public sealed class UsInvoiceTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_us_invoice_puts_the_all_in_video_price_first_in_its_lines_html_and_pdf()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres);
        var account = db.Id("account:1");
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            // California: the box rental is taxed 7.25 %, the video service not; a 10.00 promotion on the plan.
            await conn.ExecuteAsync(
                """
                UPDATE hub.billing_profile SET regulatory_profile = 'US', tax_jurisdiction = 'US-CA' WHERE billing_account_id = @account;
                INSERT INTO hub.tax_rate (jurisdiction, category, name, rate) VALUES ('US-CA', 'equipment', 'Sales tax 7.25%', 0.0725);
                INSERT INTO hub.billing_recurring_item (id, billing_account_id, kind, description, monthly_amount, currency, tax_category, start_date)
                VALUES (gen_random_uuid(), @account, 'equipment_rental', 'Set-top box rental', 9.99, 'INR', 'equipment', '2025-12-01');
                INSERT INTO hub.billing_discount (id, billing_account_id, kind, description, amount, valid_from)
                VALUES (gen_random_uuid(), @account, 'fixed', 'Promotion', 10.00, '2025-12-01');
                """, new { account });
        }

        await db.Runner().RunAsync(BillingDatabase.February5);
        var invoice = (await db.Invoices().ListAsync(account, 0, 5)).Items.Single();

        // Stored lines: line 1 is the all-in video price 299.00 − 10.00 = 289.00, informational (not in the subtotal).
        var first = invoice.Lines.OrderBy(l => l.LineNo).First();
        (first.LineNo, first.Kind, first.Amount, first.Informational).ShouldBe((1, "all_in_video_price", 289.00m, true));
        invoice.Lines.Where(l => !l.Informational).Select(l => (l.Kind, l.Amount)).ShouldBe(
            [("recurring", 299.00m), ("equipment_rental", 9.99m), ("discount", -10.00m), ("tax", 0.72m)]);
        (invoice.Subtotal, invoice.TaxTotal, invoice.Total).ShouldBe((298.99m, 0.72m, 299.71m)); // 9.99 × 7.25 % = 0.724 → 0.72

        // HTML: the first row of the table is the all-in price, highlighted.
        var documents = db.Get<InvoiceDocuments>();
        var model = await documents.ModelAsync(invoice);
        var html = InvoiceDocuments.Html(model);
        var firstRow = Regex.Match(html, "<tbody>\n(<tr[^>]*>.*?</tr>)", RegexOptions.Singleline).Groups[1].Value;
        firstRow.ShouldStartWith("<tr class=\"info\">");
        firstRow.ShouldContain("Total price of video service (all-in, before taxes)");
        firstRow.ShouldContain("289.00 INR");

        // PDF: the same line comes before every other line.
        using var pdf = PdfDocument.Open(InvoiceDocuments.Pdf(model));
        var text = string.Join(" ", pdf.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
        var allIn = text.IndexOf("all-in", StringComparison.Ordinal);
        allIn.ShouldBeGreaterThan(0);
        allIn.ShouldBeLessThan(text.IndexOf("FAMILY-M", StringComparison.Ordinal));
        allIn.ShouldBeLessThan(text.IndexOf("Set-top", StringComparison.Ordinal));
        text.ShouldContain("289.00");
    }
}
