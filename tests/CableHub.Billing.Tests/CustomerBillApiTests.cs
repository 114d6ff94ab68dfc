using System.Net;
using CableHub.Billing.Contracts;
using CableHub.Billing.Documents;
using CableHub.Core.Api.Access;
using CableHub.Modules.Testing;
using CableHub.Testing;

namespace CableHub.Billing.Tests;

/// <summary>
/// TMF678 customerBill over HTTP with real tokens: staff and owner reads, documents (PDF and HTML with the same content),
/// credit notes, bill-run status.
/// </summary>
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

        var (status, list) = await api.SendAsync(HttpMethod.Get, $"{Bills}?billingAccount.id={account1}", role: StaffRoles.BillingClerk);
        status.ShouldBe(HttpStatusCode.OK);
        var bill = list.EnumerateArray().Single();
        var id = bill.GetProperty("id").GetString()!;
        bill.GetProperty("billNo").GetString().ShouldStartWith("INV-");
        bill.GetProperty("@type").GetString().ShouldBe("CustomerBill");
        bill.GetProperty("taxIncludedAmount").GetProperty("value").GetDecimal().ShouldBe(506.22m); // (299 + 130) × 1.18 = 429 + 77.22
        bill.GetProperty("billingPeriod").GetProperty("startDateTime").GetString().ShouldBe("2026-02-05");

        // Owner (from the token): their bill yes; another customer's bill and account look missing; a subscriber must name
        // an account; anonymous 401; staff without a billing role 403; a client with billing:read reads.
        var owner = await api.Identity.SubscriberTokenAsync(customer1);
        var other = await api.Identity.SubscriberTokenAsync(api.Db.Id("customer:2"));
        (await api.SendWithTokenAsync(HttpMethod.Get, $"{Bills}/{id}", owner)).Status.ShouldBe(HttpStatusCode.OK);
        (await api.SendWithTokenAsync(HttpMethod.Get, $"{Bills}/{id}", other)).Status.ShouldBe(HttpStatusCode.NotFound);
        (await api.SendWithTokenAsync(HttpMethod.Get, $"{Bills}/{id}/document?format=html", other)).Status.ShouldBe(HttpStatusCode.NotFound);
        (await api.SendWithTokenAsync(HttpMethod.Get, $"{Bills}?billingAccount.id={api.Db.Id("account:2")}", owner)).Status.ShouldBe(HttpStatusCode.NotFound);
        (await api.SendWithTokenAsync(HttpMethod.Get, Bills, owner)).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await api.SendWithTokenAsync(HttpMethod.Get, $"{Bills}/{id}", null)).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.SendAsync(HttpMethod.Get, $"{Bills}/{id}", role: StaffRoles.InventoryClerk)).Status.ShouldBe(HttpStatusCode.Forbidden);
        var reader = await api.Identity.ClientTokenAsync("bills-reader", ApiScopes.BillingRead);
        (await api.SendWithTokenAsync(HttpMethod.Get, $"{Bills}/{id}", reader)).Status.ShouldBe(HttpStatusCode.OK);

        // Documents: the HTML has every line; the PDF is a PDF titled with the number.
        using var html = await Send(api, $"{Bills}/{id}/document?format=html", owner);
        html.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var text = await html.Content.ReadAsStringAsync();
        text.ShouldContain("FAMILY-M Family monthly");
        text.ShouldContain("Network capacity fee");
        text.ShouldContain("506.22 INR");
        using var pdf = await Send(api, $"{Bills}/{id}/document", await api.Identity.StaffTokenAsync(StaffRoles.BillingClerk));
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
        (await api.SendWithTokenAsync(HttpMethod.Post, $"/api/v1/billing/invoices/{id}/credit-notes", owner, new { reason = "goodwill" })).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await api.SendWithTokenAsync(HttpMethod.Post, $"/api/v1/billing/invoices/{id}/credit-notes", reader, new { reason = "goodwill" })).Status.ShouldBe(HttpStatusCode.Forbidden);
        var (created, note) = await api.SendAsync(HttpMethod.Post, $"/api/v1/billing/invoices/{id}/credit-notes", new { reason = "goodwill", lineNumbers = new[] { 2 } }, role: StaffRoles.BillingClerk);
        created.ShouldBe(HttpStatusCode.Created);
        note.GetProperty("category").GetString().ShouldBe("creditNote");
        note.GetProperty("taxIncludedAmount").GetProperty("value").GetDecimal().ShouldBe(-153.40m); // −130.00 − 23.40
        var (bad, problem) = await api.SendAsync(HttpMethod.Post, $"/api/v1/billing/invoices/{id}/credit-notes", new { reason = "" }, role: StaffRoles.BillingClerk);
        bad.ShouldBe(HttpStatusCode.BadRequest);
        problem.GetRawText().ShouldContain("reason");

        // Bill-run status resource.
        var (runStatus, run) = await api.SendAsync(HttpMethod.Get, "/api/v1/billing/bill-runs/2026-02-05", role: StaffRoles.BillingClerk);
        runStatus.ShouldBe(HttpStatusCode.OK);
        run.GetProperty("status").GetString().ShouldBe("completed");
        run.GetProperty("invoices").GetInt32().ShouldBe(2);
        (await api.SendAsync(HttpMethod.Get, "/api/v1/billing/bill-runs/2026-13-01", role: StaffRoles.BillingClerk)).Status.ShouldBe(HttpStatusCode.BadRequest);
    }

    private static async Task<HttpResponseMessage> Send(ApiHost api, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        TestIdentity.Authorize(request, token);
        var response = await api.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return response;
    }
}
