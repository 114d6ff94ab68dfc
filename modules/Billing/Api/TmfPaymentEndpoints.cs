using System.Text.Json.Serialization;
using CableHub.Billing.Payments;
using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using CableHub.Customers.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CableHub.Billing.Api;

/// <summary>
/// TMF676 payment (reads): list (newest first; <c>account.id</c>, <c>offset</c>/<c>limit</c>, <c>X-Total-Count</c>) and retrieve.
/// Access <see cref="HubPolicies.BillingRead"/>: billing staff and <c>billing:read</c> clients see every payment (suspense money
/// too); a subscriber sees only the payments of their own billing accounts — their list is narrowed to them, someone else's
/// payment or account answers 404 like a missing one. Card payments show brand and last 4 only (nothing more is stored).
/// </summary>
public static class TmfPaymentEndpoints
{
    public const string BasePath = "/tmf-api/paymentManagement/v4/payment";

    internal static IEndpointRouteBuilder Map(IEndpointRouteBuilder app)
    {
        var payments = app.MapModuleGroup(BasePath, "TMF676 payment").RequireAccess(HubPolicies.BillingRead);
        payments.MapGet("", ListAsync);
        payments.MapGet("/{id:guid}", async (Guid id, HttpContext http, PaymentLedger ledger, CancellationToken ct) =>
        {
            var owner = Owner(http);
            var payment = await ledger.GetAsync(id, ct).ConfigureAwait(false);
            if (payment is null || (owner is { } c && payment.CustomerId != c))
            {
                throw new NotFoundException($"payment {id}", "id", "PAYMENT-NOT-FOUND");
            }

            return TypedResults.Ok(TmfPayment.From(payment));
        });
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext http, PaymentLedger ledger, CancellationToken ct)
    {
        var page = PageRequest.From(http);
        Guid? account = ApiRequest.Query(http, "account.id") is { Length: > 0 } a
            ? Guid.TryParse(a, out var g) ? g : throw new RequestInvalidException("account.id", "must be a UUID")
            : null;
        var (items, total) = await ledger.ListAsync(account, Owner(http), page.Offset, page.Limit, ct).ConfigureAwait(false);
        return TypedResults.Ok(new Page<TmfPayment>(items.Select(TmfPayment.From).ToList(), total).WriteHeaders(http.Response));
    }

    /// <summary>The signed-in subscriber's customer id (from the token); null for staff and clients.</summary>
    private static Guid? Owner(HttpContext http) =>
        HubPrincipal.KindOf(http.User) == HubClaims.Subscriber
            ? HubPrincipal.CustomerIdOf(http.User) ?? throw new NotFoundException("payment", "id", "PAYMENT-NOT-FOUND")
            : null;
}

/// <summary>TMF676 Payment (the subset the hub fills; <c>status</c>: applied or suspense, the hub's own states).</summary>
public sealed record TmfPayment(
    string Id, string Href, string CorrelatorId, string Name, string Description, DateTimeOffset PaymentDate, string Status, DateTimeOffset StatusDate,
    TmfAccountRef? Account, TmfMoney Amount, TmfMoney TotalAmount, TmfPaymentMethod PaymentMethod, IReadOnlyList<TmfPaymentItem> PaymentItem)
{
    [JsonPropertyName("@type")]
    public string Type => "Payment";

    public static TmfPayment From(RecordedPayment p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var card = p.CardBrand is null ? null : $"{p.CardBrand} ending {p.CardLast4}";
        var allocated = p.Amount.Amount - p.Unallocated.Amount;
        return new TmfPayment(p.Id.ToString(), $"{TmfPaymentEndpoints.BasePath}/{p.Id}", p.Reference, $"{p.Source} payment {p.Reference}",
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{allocated:0.00} {p.Amount.Currency} allocated to {p.Allocations.Count} bill(s), {p.Unallocated.Amount:0.00} credit"),
            p.ReceivedAt, p.Status, p.RecordedAt,
            p.BillingAccountId is { } a ? new TmfAccountRef(a.ToString(), CustomerHrefs.BillingAccount(a)) : null,
            new(p.Amount.Amount, p.Amount.Currency), new(p.Amount.Amount, p.Amount.Currency),
            new TmfPaymentMethod(p.Source, card ?? p.Gateway ?? p.Source),
            p.Allocations.Select(x => new TmfPaymentItem(x.InvoiceId.ToString(), new(x.Amount.Amount, x.Amount.Currency),
                new TmfEntityRef(x.InvoiceId.ToString(), $"{CustomerBillEndpoints.BasePath}/{x.InvoiceId}", x.InvoiceNumber))).ToList());
    }
}

public sealed record TmfAccountRef(string Id, string Href)
{
    [JsonPropertyName("@referredType")]
    public string ReferredType => "BillingAccount";
}

/// <summary>How the money came (card, bank_transfer, direct_debit, cash, cheque) and, for cards, brand and last 4.</summary>
public sealed record TmfPaymentMethod([property: JsonPropertyName("@type")] string Type, string Name);

/// <summary>What a payment paid of one bill.</summary>
public sealed record TmfPaymentItem(string Id, TmfMoney Amount, TmfEntityRef Item);

public sealed record TmfEntityRef(string Id, string Href, string Name)
{
    [JsonPropertyName("@referredType")]
    public string ReferredType => "CustomerBill";
}
