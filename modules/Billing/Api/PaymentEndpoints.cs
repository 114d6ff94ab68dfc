using CableHub.Billing.Payments;
using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using CableHub.Core.Ports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CableHub.Billing.Api;

/// <summary>
/// Payments: the gateways' webhooks (<c>POST /api/v1/billing/payments/webhooks/{gateway}</c>, signed by the gateway: a bad
/// signature answers 400 and applies nothing; a duplicate or replayed delivery answers 200 and applies nothing), the suspense
/// list and its assignment, bank notification files (camt.054), an account's balance (billing staff: <see cref="HubPolicies.BillingWrite"/>).
/// </summary>
public static class PaymentEndpoints
{
    public const string PaymentsPath = CustomerBillEndpoints.BillingPath + "/payments";

    internal static IEndpointRouteBuilder Map(IEndpointRouteBuilder app)
    {
        app.MapModuleGroup(PaymentsPath + "/webhooks", "Payment gateway webhooks")
            .AllowAnonymousBecause("payment gateways sign each delivery over the raw body (Stripe-Signature); an unsigned or badly signed one answers 400 and applies nothing")
            .MapPost("/{gateway}", WebhookAsync);

        // The suspense list holds other people's money and remittance text: billing staff (billing.write) only.
        var write = app.MapModuleGroup(PaymentsPath, "Payments").RequireAccess(HubPolicies.BillingWrite);
        write.MapGet("/suspense", async (PaymentLedger ledger, CancellationToken ct) => TypedResults.Ok(await ledger.SuspenseAsync(500, ct).ConfigureAwait(false)));
        write.MapGet("/accounts/{billingAccountId:guid}/balance", async (Guid billingAccountId, PaymentLedger ledger, CancellationToken ct) =>
            TypedResults.Ok(await ledger.BalanceAsync(billingAccountId, ct).ConfigureAwait(false)));
        write.MapPost("/bank-notifications", BankNotificationAsync);

        // Promises to pay an invoice: dunning pauses on the invoice until the promised date has passed.
        // Taken by billing staff and by the customer-service agent on the phone with the customer.
        var promises = app.MapModuleGroup(CustomerBillEndpoints.BillingPath + "/invoices", "Promises to pay").RequireAccess(HubPolicies.PaymentPromises);
        promises.MapPost("/{id:guid}/promises-to-pay", PromiseAsync);
        promises.MapGet("/{id:guid}/promises-to-pay", async (Guid id, PaymentPromises store, CancellationToken ct) => TypedResults.Ok(await store.ListAsync(id, ct).ConfigureAwait(false)));
        write.MapPost("/{id:guid}/assign", async (Guid id, HttpContext http, PaymentLedger ledger, CancellationToken ct) =>
        {
            var body = await ApiRequest.ReadJsonAsync<AssignBody>(http, ct).ConfigureAwait(false);
            var account = body.BillingAccountId ?? throw new RequestInvalidException("billingAccountId", "is required: the account the money belongs to");
            return TypedResults.Ok(await ledger.AssignAsync(id, account, HubPrincipal.Actor(http), ct).ConfigureAwait(false));
        });

        // Cash and cheques at a counter: the cashier is the caller (from the token); a shift's totals are the cashier's receipts of one local day.
        var counter = app.MapModuleGroup(CustomerBillEndpoints.BillingPath + "/counter", "Counter payments").RequireAccess(HubPolicies.BillingWrite);
        counter.MapPost("/payments", CounterPaymentAsync);
        counter.MapGet("/shift-totals", ShiftTotalsAsync);
        return app;
    }

    /// <summary>
    /// Body <c>{"billingAccountId", "amount", "method": "cash|cheque", "chequeNumber"?, "chequeBank"?, "office"?, "requestId"?}</c>:
    /// 201 with the receipt; the same <c>requestId</c> again answers 200 with the same receipt and applies nothing.
    /// </summary>
    [JsonBody<CounterPaymentBody>]
    private static async Task<IResult> CounterPaymentAsync(HttpContext http, PaymentLedger ledger, BillingOptions options, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<CounterPaymentBody>(http, ct).ConfigureAwait(false);
        var errors = new RequestErrors();
        if (body.BillingAccountId is null)
        {
            errors.Add("billingAccountId", "is required: the account the money is for");
        }

        if (body.Amount is null)
        {
            errors.Add("amount", "is required");
        }

        if (string.IsNullOrWhiteSpace(body.Method))
        {
            errors.Add("method", "is required: cash or cheque");
        }

        errors.ThrowIfAny();
        var receipt = await ledger.RecordAtCounterAsync(new CounterPaymentRequest(body.RequestId ?? Guid.NewGuid(), body.BillingAccountId!.Value, body.Amount!.Value, body.Method!.Trim().ToLowerInvariant(),
            body.ChequeNumber?.Trim(), body.ChequeBank?.Trim(), body.Office?.Trim()), HubPrincipal.Actor(http), options.ReportingTimeZone, ct).ConfigureAwait(false);
        return receipt.Repeated ? TypedResults.Ok(receipt) : TypedResults.Created($"{CustomerBillEndpoints.BillingPath}/counter/receipts/{receipt.ReceiptNumber}", receipt);
    }

    /// <summary><c>?date=yyyy-MM-dd</c> (default: today, local) and <c>?cashier=</c> (default: the caller).</summary>
    private static async Task<IResult> ShiftTotalsAsync(HttpContext http, PaymentLedger ledger, BillingOptions options, TimeProvider clock, CancellationToken ct)
    {
        var date = ApiRequest.Query(http, "date") is { Length: > 0 } d
            ? DateOnly.TryParseExact(d, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var parsed)
                ? parsed
                : throw new RequestInvalidException("date", $"'{d}' is not a date (yyyy-MM-dd)")
            : options.LocalDate(clock.GetUtcNow());
        var cashier = ApiRequest.Query(http, "cashier") is { Length: > 0 } c ? c : HubPrincipal.Actor(http);
        return TypedResults.Ok(await ledger.ShiftTotalsAsync(cashier, date, ct).ConfigureAwait(false));
    }

    private static async Task<IResult> WebhookAsync(string gateway, HttpContext http, PaymentLedger ledger, ILoggerFactory loggers, CancellationToken ct)
    {
        var verifier = http.RequestServices.GetServices<IPaymentWebhookVerifier>().FirstOrDefault(v => string.Equals(v.Gateway, gateway, StringComparison.OrdinalIgnoreCase))
            ?? throw new NotFoundException($"payment gateway '{gateway}'", "gateway", "BILLING-GATEWAY-NOT-FOUND");
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body, ct).ConfigureAwait(false);
        var header = http.Request.Headers["Stripe-Signature"].ToString();
        switch (verifier.Verify(body.GetBuffer().AsSpan(0, (int)body.Length), header.Length == 0 ? null : header))
        {
            case PaymentWebhookVerification.Rejected rejected:
                loggers.CreateLogger(typeof(PaymentEndpoints)).LogWarning("Payment webhook from {Gateway}: {Rejection}", gateway, rejected.LogLine);
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Webhook rejected", detail: rejected.LogLine);
            case PaymentWebhookVerification.Ignored ignored:
                return TypedResults.Ok(new WebhookOutcome(verifier.Gateway, ignored.EventId, $"ignored: {ignored.EventType}", null));
            case PaymentWebhookVerification.Accepted accepted:
                return TypedResults.Ok(await ledger.ApplyGatewayEventAsync(accepted.Event, ct).ConfigureAwait(false));
            default:
                throw new InvalidOperationException("unknown webhook verification outcome");
        }
    }

    /// <summary>Body <c>{"promisedDate": "yyyy-MM-dd", "amount"?: 100.00, "note"?: "…"}</c>; the actor comes from the token. 201 with the promise.</summary>
    [JsonBody<PromiseBody>]
    private static async Task<IResult> PromiseAsync(Guid id, HttpContext http, PaymentPromises store, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<PromiseBody>(http, ct).ConfigureAwait(false);
        var promise = await store.RecordAsync(id, body.PromisedDate, body.Amount, body.Note, HubPrincipal.Actor(http), ct).ConfigureAwait(false);
        return TypedResults.Created($"{CustomerBillEndpoints.BillingPath}/invoices/{id}/promises-to-pay", promise);
    }

    /// <summary>
    /// A camt.054 (or .053/.052) file as the request body (<c>?name=</c> names it in messages): every booked credit applied or
    /// parked, all in one transaction; a file that is not one answers 400 naming file:line:col and element, nothing applied.
    /// </summary>
    private static async Task<IResult> BankNotificationAsync(HttpContext http, PaymentLedger ledger, CancellationToken ct)
    {
        var reader = http.RequestServices.GetService<IBankNotificationReader>()
            ?? throw new NotFoundException("bank notification reader (not configured)", "body", "BILLING-BANK-READER-MISSING");
        var name = ApiRequest.Query(http, "name") is { Length: > 0 } n ? n : "upload";
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body, ct).ConfigureAwait(false);
        body.Position = 0;
        List<BankEntry> entries;
        try
        {
            entries = reader.ReadEntries(body, name).ToList();
        }
        catch (BankFileFormatException e)
        {
            throw new RequestInvalidException("body", e.Message, "BILLING-BANK-FILE-INVALID");
        }

        return TypedResults.Ok(await ledger.ImportBankEntriesAsync(entries, name, ct).ConfigureAwait(false));
    }

    private sealed record AssignBody(Guid? BillingAccountId);

    internal sealed record CounterPaymentBody(Guid? BillingAccountId, decimal? Amount, string? Method, string? ChequeNumber, string? ChequeBank, string? Office, Guid? RequestId);

    internal sealed record PromiseBody(DateOnly? PromisedDate, decimal? Amount, string? Note);
}
