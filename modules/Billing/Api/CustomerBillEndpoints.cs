using System.Globalization;
using System.Text.Json.Serialization;
using CableHub.Billing.BillRuns;
using CableHub.Billing.Documents;
using CableHub.Billing.Invoices;
using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CableHub.Billing.Api;

/// <summary>
/// TMF678 customerBill: list, by id, and the bill's document (PDF or HTML); credit notes and bill-run status under
/// <c>/api/v1/billing</c>. Access: bills need <see cref="HubPolicies.BillingRead"/> (billing staff, <c>billing:read</c>, or a
/// subscriber, who sees only their own bills: someone else's answers 404 like a missing one); credit notes and bill runs need
/// <see cref="HubPolicies.BillingWrite"/>.
/// </summary>
public static class CustomerBillEndpoints
{
    public const string BasePath = "/tmf-api/customerBillManagement/v4/customerBill";
    public const string BillingPath = "/api/v1/billing";

    internal static IEndpointRouteBuilder Map(IEndpointRouteBuilder app)
    {
        var bills = app.MapModuleGroup(BasePath, "TMF678 customerBill").RequireAccess(HubPolicies.BillingRead);
        bills.MapGet("", ListAsync);
        bills.MapGet("/{id:guid}", async (Guid id, HttpContext http, InvoiceStore store, CancellationToken ct) =>
            TypedResults.Ok(CustomerBill.From(await ReadableAsync(id, http, store, ct).ConfigureAwait(false))));
        bills.MapGet("/{id:guid}/document", DocumentAsync);

        var billing = app.MapModuleGroup(BillingPath, "Billing").RequireAccess(HubPolicies.BillingWrite);
        billing.MapPost("/invoices/{id:guid}/credit-notes", CreditAsync);
        billing.MapGet("/bill-runs", async (BillRunner runs, CancellationToken ct) => TypedResults.Ok(await runs.ListAsync(50, ct).ConfigureAwait(false)));
        billing.MapGet("/bill-runs/{date}", async (string date, BillRunner runs, CancellationToken ct) =>
            TypedResults.Ok(await runs.StatusAsync(ParseDate(date), ct).ConfigureAwait(false) ?? throw new NotFoundException($"bill run of {date}", "date", "BILLING-RUN-NOT-FOUND")));
        return app;
    }

    /// <summary><c>?billingAccount.id=</c>, paging <c>offset</c>/<c>limit</c>. A subscriber lists only their own bills.</summary>
    private static async Task<IResult> ListAsync(HttpContext http, InvoiceStore store, CancellationToken ct)
    {
        var page = PageRequest.From(http);
        Guid? account = ApiRequest.Query(http, "billingAccount.id") is { Length: > 0 } a
            ? Guid.TryParse(a, out var g) ? g : throw new RequestInvalidException("billingAccount.id", "must be a UUID")
            : null;
        var owner = Caller(http);
        if (owner is not null && account is null)
        {
            throw new RequestInvalidException("billingAccount.id", "a subscriber lists the bills of one of their billing accounts");
        }

        var (items, total) = await store.ListAsync(account, page.Offset, page.Limit, ct).ConfigureAwait(false);
        if (owner is { } c && items.Any(i => i.CustomerId != c))
        {
            // Another customer's account answers like a missing one.
            throw new NotFoundException($"billingAccount {account}", "billingAccount.id", "BILLING-ACCOUNT-NOT-FOUND");
        }

        return TypedResults.Ok(new Page<CustomerBill>(items.Select(CustomerBill.From).ToList(), total).WriteHeaders(http.Response));
    }

    /// <summary><c>?format=pdf</c> (default) or <c>html</c>.</summary>
    private static async Task<IResult> DocumentAsync(Guid id, HttpContext http, InvoiceStore store, InvoiceDocuments documents, CancellationToken ct)
    {
        var invoice = await ReadableAsync(id, http, store, ct).ConfigureAwait(false);
        var model = await documents.ModelAsync(invoice, ct).ConfigureAwait(false);
        return (ApiRequest.Query(http, "format") ?? "pdf").ToLowerInvariant() switch
        {
            "pdf" => TypedResults.File(InvoiceDocuments.Pdf(model), "application/pdf", invoice.Number + ".pdf"),
            "html" => TypedResults.Content(InvoiceDocuments.Html(model), "text/html; charset=utf-8"),
            var f => throw new RequestInvalidException("format", $"must be pdf or html, not '{f}'"),
        };
    }

    private static async Task<IResult> CreditAsync(Guid id, HttpContext http, InvoiceStore store, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<CreditBody>(http, ct).ConfigureAwait(false);
        var note = await store.CreditAsync(id, new CreditRequest(body.Reason ?? "", body.LineNumbers), ct).ConfigureAwait(false);
        return TypedResults.Created($"{BasePath}/{note.Id}", CustomerBill.From(note));
    }

    private static async Task<Invoice> ReadableAsync(Guid id, HttpContext http, InvoiceStore store, CancellationToken ct)
    {
        var owner = Caller(http);
        var invoice = await store.GetAsync(id, ct).ConfigureAwait(false);
        if (invoice is null || (owner is { } c && invoice.CustomerId != c))
        {
            // A subscriber cannot tell another customer's bill from a missing one.
            throw new NotFoundException($"customerBill {id}", "id", "BILLING-INVOICE-NOT-FOUND");
        }

        return invoice;
    }

    /// <summary>The signed-in subscriber's customer id (from the token); null for staff and clients.</summary>
    private static Guid? Caller(HttpContext http) =>
        HubPrincipal.KindOf(http.User) == HubClaims.Subscriber
            ? HubPrincipal.CustomerIdOf(http.User) ?? throw new NotFoundException("customerBill", "id", "BILLING-INVOICE-NOT-FOUND")
            : null;

    private static DateOnly ParseDate(string date) =>
        DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : throw new RequestInvalidException("date", $"'{date}' is not a date (YYYY-MM-DD)");

    private sealed record CreditBody(string? Reason, IReadOnlyList<int>? LineNumbers);
}

/// <summary>TMF678 CustomerBill (the subset the hub fills).</summary>
public sealed record CustomerBill(
    string Id, string Href, string BillNo, string Category, string State, DateOnly BillDate, DateOnly PaymentDueDate, BillPeriod? BillingPeriod,
    TmfMoney AmountDue, TmfMoney RemainingAmount, TmfMoney TaxExcludedAmount, TmfMoney TaxIncludedAmount, BillRef BillingAccount,
    IReadOnlyList<BillDocumentRef> BillDocument, IReadOnlyList<AppliedRate> AppliedBillingRate)
{
    [JsonPropertyName("@type")]
    public string Type => "CustomerBill";

    public static CustomerBill From(Invoice i)
    {
        ArgumentNullException.ThrowIfNull(i);
        var href = $"{CustomerBillEndpoints.BasePath}/{i.Id}";
        return new CustomerBill(i.Id.ToString(), href, i.Number, i.Kind == "credit_note" ? "creditNote" : "normal", i.Status switch
            {
                "paid" => "settled",
                "partially_paid" => "partiallyPaid",
                "credited" => "credited",
                "written_off" => "writtenOff",
                _ => "sent",
            }, i.IssueDate, i.DueDate, i.PeriodStart is { } s && i.PeriodEnd is { } e ? new BillPeriod(s, e) : null,
            new(i.OpenAmount, i.Currency), new(i.OpenAmount, i.Currency), new(i.Subtotal, i.Currency), new(i.Total, i.Currency),
            new(i.BillingAccountId.ToString(), "BillingAccountRef"),
            [new($"{href}/document?format=pdf", "application/pdf", i.Number + ".pdf"), new($"{href}/document?format=html", "text/html", i.Number + ".html")],
            i.Lines.Select(l => new AppliedRate(l.LineNo, l.Kind, l.Description, new(l.Amount, i.Currency), l.TaxRate, l.Informational)).ToList());
    }
}

public sealed record TmfMoney(decimal Value, string Unit);

public sealed record BillPeriod(DateOnly StartDateTime, DateOnly EndDateTime);

public sealed record BillRef(string Id, [property: JsonPropertyName("@referredType")] string ReferredType);

public sealed record BillDocumentRef(string Url, string MimeType, string Name);

public sealed record AppliedRate(int LineNo, string Type, string Name, TmfMoney TaxExcludedAmount, decimal? TaxRate, bool Informational);
