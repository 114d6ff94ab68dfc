using System.Net;
using CableHub.Billing.Contracts;
using CableHub.Billing.Documents;
using CableHub.Modules.Testing;
using CableHub.Testing;

namespace CableHub.Billing.Tests;

/// <summary>TMF678 customerBill over HTTP: staff and owner reads, documents (PDF and HTML with the same content), credit notes, bill-run status.</summary>
public sealed class CustomerBillApiTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Bills = "/tmf-api/customerBillManagement/v4/customerBill";

    [Fact]
    public async Task Bills_are_read_by_their_owner_or_a_billing_clerk_with_pdf_and_html_documents()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var profiles = api.Db.Get<IBillingProfiles>();
        for (var i = 1; i <= 2; i++)
        {
            await profiles.EnsureAsync(api.Db.Id("account:" + i), "monthly", default);
        }

        await api.Db.Get<BillRuns.BillRunner>().RunAsync(BillingDatabase.February5);
        var account1 = api.Db.Id("account:1");
        var customer1 = api.Db.Id("customer:1");

        var (status, list) = await api.SendAsync(HttpMethod.Get, $"{Bills}?billingAccount.id={account1}", role: "billing-clerk");
        status.ShouldBe(HttpStatusCode.OK);
        var bill = list.EnumerateArray().Single();
        var id = bill.GetProperty("id").GetString()!;
        bill.GetProperty("billNo").GetString().ShouldStartWith("INV-");
        bill.GetProperty("@type").GetString().ShouldBe("CustomerBill");
        bill.GetProperty("taxIncludedAmount").GetProperty("value").GetDecimal().ShouldBe(506.22m); // (299 + 130) × 1.18 = 429 + 77.22
        bill.GetProperty("billingPeriod").GetProperty("startDateTime").GetString().ShouldBe("2026-02-05");

        // Owner: their bill yes; another customer's bill looks missing; no identity: 403.
        (await Get(api, $"{Bills}/{id}", "subscriber", customer1)).ShouldBe(HttpStatusCode.OK);
        (await Get(api, $"{Bills}/{id}", "subscriber", api.Db.Id("customer:2"))).ShouldBe(HttpStatusCode.NotFound);
        (await Get(api, $"{Bills}/{id}", null, null)).ShouldBe(HttpStatusCode.Forbidden);
        (await Get(api, $"{Bills}?billingAccount.id={api.Db.Id("account:2")}", "subscriber", customer1)).ShouldBe(HttpStatusCode.Forbidden);

        // Documents: the HTML has every line; the PDF is a PDF titled with the number.
        using var html = await Send(api, $"{Bills}/{id}/document?format=html", "subscriber", customer1);
        html.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var text = await html.Content.ReadAsStringAsync();
        text.ShouldContain("FAMILY-M Family monthly");
        text.ShouldContain("Network capacity fee");
        text.ShouldContain("506.22 INR");
        using var pdf = await Send(api, $"{Bills}/{id}/document", "billing-clerk", null);
        pdf.Content.Headers.ContentType!.MediaType.ShouldBe("application/pdf");
        var bytes = await pdf.Content.ReadAsByteArrayAsync();
        System.Text.Encoding.ASCII.GetString(bytes, 0, 5).ShouldBe("%PDF-");
        bytes.Length.ShouldBeGreaterThan(1000);

        // Same content: the model both render from lists every line of the invoice.
        var invoice = (await api.Db.Get<Invoices.InvoiceStore>().GetAsync(Guid.Parse(id)))!;
        var model = await api.Db.Get<InvoiceDocuments>().ModelAsync(invoice);
        model.Lines.Count.ShouldBe(invoice.Lines.Count);
        foreach (var line in model.Lines)
        {
            text.ShouldContain(System.Net.WebUtility.HtmlEncode(line.Description));
            text.ShouldContain(line.Amount);
        }

        // A credit note needs the clerk; then it is a bill of its own.
        var (denied, _) = await api.SendAsync(HttpMethod.Post, $"/api/v1/billing/invoices/{id}/credit-notes", new { reason = "goodwill" }, role: "subscriber");
        denied.ShouldBe(HttpStatusCode.Forbidden);
        var (created, note) = await api.SendAsync(HttpMethod.Post, $"/api/v1/billing/invoices/{id}/credit-notes", new { reason = "goodwill", lineNumbers = new[] { 2 } }, role: "billing-clerk");
        created.ShouldBe(HttpStatusCode.Created);
        note.GetProperty("category").GetString().ShouldBe("creditNote");
        note.GetProperty("taxIncludedAmount").GetProperty("value").GetDecimal().ShouldBe(-153.40m); // −130.00 − 23.40
        var (bad, problem) = await api.SendAsync(HttpMethod.Post, $"/api/v1/billing/invoices/{id}/credit-notes", new { reason = "" }, role: "billing-clerk");
        bad.ShouldBe(HttpStatusCode.BadRequest);
        problem.GetRawText().ShouldContain("reason");

        // Bill-run status resource.
        var (runStatus, run) = await api.SendAsync(HttpMethod.Get, "/api/v1/billing/bill-runs/2026-02-05", role: "billing-clerk");
        runStatus.ShouldBe(HttpStatusCode.OK);
        run.GetProperty("status").GetString().ShouldBe("completed");
        run.GetProperty("invoices").GetInt32().ShouldBe(2);
        (await api.SendAsync(HttpMethod.Get, "/api/v1/billing/bill-runs/2026-13-01", role: "billing-clerk")).Status.ShouldBe(HttpStatusCode.BadRequest);
    }

    private static async Task<HttpResponseMessage> Send(ApiHost api, string path, string? role, Guid? customer)
    {
        var request = api.Request(HttpMethod.Get, path, role: role);
        if (customer is { } c)
        {
            request.Headers.Add("X-Customer-Id", c.ToString());
        }

        var response = await api.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return response;
    }

    private static async Task<HttpStatusCode> Get(ApiHost api, string path, string? role, Guid? customer)
    {
        var request = api.Request(HttpMethod.Get, path, role: role);
        if (customer is { } c)
        {
            request.Headers.Add("X-Customer-Id", c.ToString());
        }

        using var response = await api.Client.SendAsync(request);
        return response.StatusCode;
    }
}
