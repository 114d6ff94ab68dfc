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
        write.MapPost("/{id:guid}/assign", async (Guid id, HttpContext http, PaymentLedger ledger, CancellationToken ct) =>
        {
            var body = await ApiRequest.ReadJsonAsync<AssignBody>(http, ct).ConfigureAwait(false);
            var account = body.BillingAccountId ?? throw new RequestInvalidException("billingAccountId", "is required: the account the money belongs to");
            return TypedResults.Ok(await ledger.AssignAsync(id, account, HubPrincipal.Actor(http), ct).ConfigureAwait(false));
        });
        return app;
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
}
