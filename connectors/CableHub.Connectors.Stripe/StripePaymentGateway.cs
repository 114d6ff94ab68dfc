using System.Net;
using CableHub.Core;
using CableHub.Core.Ports;
using Stripe;

namespace CableHub.Connectors.Stripe;

/// <summary>
/// <see cref="IPaymentGateway"/> over Stripe.net: PaymentIntents (create, confirm, retrieve with the latest charge
/// expanded for brand/last 4), refunds; every POST carries the caller's idempotency key (Stripe.net's own retries reuse
/// it). Card declines come back as results; 5xx / 429 / 409 / network trouble as
/// <see cref="PaymentGatewayUnavailableException"/>; other refusals as <see cref="PaymentGatewayRequestException"/>.
/// </summary>
public sealed partial class StripePaymentGateway : IPaymentGateway, IDisposable
{
    public const string GatewayName = "stripe";

    private static readonly List<string> ExpandCharge = ["latest_charge"];
    private readonly HttpClient http;
    private readonly PaymentIntentService intents;
    private readonly RefundService refunds;

    public StripePaymentGateway(StripeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            throw new ArgumentException("Stripe API key is missing", nameof(options));
        }

        http = new HttpClient { Timeout = options.RequestTimeout };
        var client = new StripeClient(new StripeClientOptions
        {
            ApiKey = options.ApiKey,
            ApiBase = options.ApiBase.TrimEnd('/'),
            HttpClient = new SystemNetHttpClient(http, options.MaxNetworkRetries),
        });
        intents = new PaymentIntentService(client);
        refunds = new RefundService(client);
    }

    public string Name => GatewayName;

    public async Task<CardPayment> CreatePaymentAsync(CreateCardPayment request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        RefuseCardNumber(request.PaymentMethodToken);
        var options = new PaymentIntentCreateOptions
        {
            Amount = StripeAmounts.ToMinor(request.Amount),
            Currency = request.Amount.Currency.ToLowerInvariant(),
            PaymentMethod = request.PaymentMethodToken,
            AllowedPaymentMethodTypes = ["card"],
            Confirm = request.Confirm,
            Customer = request.GatewayCustomerId,
            Description = request.Description,
            Metadata = request.Metadata.Count == 0 ? null : new Dictionary<string, string>(request.Metadata),
            Expand = ExpandCharge,
        };
        return await CallAsync(() => intents.CreateAsync(options, Key(request.IdempotencyKey), ct), ct).ConfigureAwait(false);
    }

    public async Task<CardPayment> ConfirmPaymentAsync(ConfirmCardPayment request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        RefuseCardNumber(request.PaymentMethodToken);
        var options = new PaymentIntentConfirmOptions { PaymentMethod = request.PaymentMethodToken, Expand = ExpandCharge };
        return await CallAsync(() => intents.ConfirmAsync(request.GatewayPaymentId, options, Key(request.IdempotencyKey), ct), ct).ConfigureAwait(false);
    }

    public async Task<CardPayment> GetPaymentAsync(string gatewayPaymentId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(gatewayPaymentId);
        return await CallAsync(() => intents.GetAsync(gatewayPaymentId, new PaymentIntentGetOptions { Expand = ExpandCharge }, null, ct), ct).ConfigureAwait(false);
    }

    public async Task<CardRefund> RefundPaymentAsync(RefundCardPayment request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = new RefundCreateOptions
        {
            PaymentIntent = request.GatewayPaymentId,
            Amount = request.Amount is { } amount ? StripeAmounts.ToMinor(amount) : null,
            Reason = request.Reason switch
            {
                CardRefundReason.Duplicate => "duplicate",
                CardRefundReason.Fraudulent => "fraudulent",
                CardRefundReason.RequestedByCustomer => "requested_by_customer",
                _ => null,
            },
            Metadata = request.Metadata.Count == 0 ? null : new Dictionary<string, string>(request.Metadata),
        };
        try
        {
            var refund = await refunds.CreateAsync(options, Key(request.IdempotencyKey), ct).ConfigureAwait(false);
            return StripeMapping.ToCardRefund(refund);
        }
        catch (Exception ex) when (Translate(ex, ct) is { } translated)
        {
            throw translated;
        }
    }

    public void Dispose() => http.Dispose();

    /// <summary>A card number must never reach the hub, let alone be sent on: a "token" of 12–19 digits (spaces and
    /// dashes allowed) is refused before any request is made, and the message does not repeat it.</summary>
    private static void RefuseCardNumber(string? token)
    {
        if (token is not null && CardNumberShape().IsMatch(token))
        {
            throw new ArgumentException("the payment-method token looks like a card number; pass the gateway's token (pm_…) — card numbers never pass through the hub", nameof(token));
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[0-9][0-9 \-]{10,24}[0-9]$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex CardNumberShape();

    private static RequestOptions Key(string idempotencyKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        return new RequestOptions { IdempotencyKey = idempotencyKey };
    }

    private static async Task<CardPayment> CallAsync(Func<Task<PaymentIntent>> call, CancellationToken ct)
    {
        try
        {
            return StripeMapping.ToCardPayment(await call().ConfigureAwait(false));
        }
        catch (StripeException ex) when (ex.StripeError is { Type: "card_error", PaymentIntent: { } declined })
        {
            // Stripe answers a declined confirmation with HTTP 402 and the PaymentIntent inside the error.
            return StripeMapping.ToCardPayment(declined);
        }
        catch (Exception ex) when (Translate(ex, ct) is { } translated)
        {
            throw translated;
        }
    }

    private static Exception? Translate(Exception ex, CancellationToken ct)
    {
        switch (ex)
        {
            case StripeException stripe:
                var status = (int)stripe.HttpStatusCode;
                var error = stripe.StripeError;
                if (status == 0 || status >= 500 || stripe.HttpStatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.Conflict)
                {
                    return new PaymentGatewayUnavailableException($"Stripe unavailable ({status}): {stripe.Message}", stripe);
                }

                var type = error?.Type ?? "api_error";
                var code = error?.Code ?? (type == "idempotency_error" ? "idempotency_error" : null);
                return new PaymentGatewayRequestException(status, type, code, error?.Param, error?.Message ?? stripe.Message, stripe);
            case HttpRequestException http:
                return new PaymentGatewayUnavailableException($"Stripe unreachable: {http.Message}", http);
            case TaskCanceledException timeout when !ct.IsCancellationRequested:
                return new PaymentGatewayUnavailableException("Stripe did not answer in time", timeout);
            default:
                return null;
        }
    }
}

/// <summary>Stripe objects → the gateway-neutral records of the payment ports.</summary>
public static class StripeMapping
{
    public static CardPayment ToCardPayment(PaymentIntent pi)
    {
        ArgumentNullException.ThrowIfNull(pi);
        var currency = pi.Currency ?? throw new InvalidOperationException($"PaymentIntent {pi.Id} has no currency");
        return new CardPayment(
            StripePaymentGateway.GatewayName,
            pi.Id,
            Status(pi.Status),
            StripeAmounts.FromMinor(pi.Amount, currency),
            StripeAmounts.FromMinor(pi.AmountReceived, currency),
            Utc(pi.Created))
        {
            GatewayChargeId = pi.LatestChargeId,
            Card = Card(pi.LatestCharge) ?? Card(pi.LastPaymentError),
            LastFailure = Failure(pi.LastPaymentError),
            Metadata = pi.Metadata is null ? new Dictionary<string, string>() : new Dictionary<string, string>(pi.Metadata),
        };
    }

    public static CardRefund ToCardRefund(Refund refund)
    {
        ArgumentNullException.ThrowIfNull(refund);
        return new CardRefund(
            StripePaymentGateway.GatewayName,
            refund.Id,
            refund.PaymentIntentId ?? "",
            StripeAmounts.FromMinor(refund.Amount, refund.Currency),
            refund.Status switch
            {
                "succeeded" => CardRefundStatus.Succeeded,
                "failed" => CardRefundStatus.Failed,
                "canceled" => CardRefundStatus.Canceled,
                "requires_action" => CardRefundStatus.RequiresAction,
                _ => CardRefundStatus.Pending,
            },
            Utc(refund.Created))
        {
            GatewayChargeId = refund.ChargeId,
            FailureReason = refund.FailureReason,
        };
    }

    public static CardPaymentStatus Status(string? status) => status switch
    {
        "requires_payment_method" => CardPaymentStatus.RequiresPaymentMethod,
        "requires_confirmation" => CardPaymentStatus.RequiresConfirmation,
        "requires_action" => CardPaymentStatus.RequiresAction,
        "processing" => CardPaymentStatus.Processing,
        "requires_capture" => CardPaymentStatus.RequiresCapture,
        "succeeded" => CardPaymentStatus.Succeeded,
        "canceled" => CardPaymentStatus.Canceled,
        _ => throw new InvalidOperationException($"unknown PaymentIntent status \"{status}\""),
    };

    public static CardSummary? Card(Charge? charge) =>
        charge?.PaymentMethodDetails?.Card is { Brand: { } brand, Last4: { } last4 } ? new CardSummary(brand, last4) : null;

    public static CardSummary? Card(StripeError? error) =>
        error?.PaymentMethod?.Card is { Brand: { } brand, Last4: { } last4 } ? new CardSummary(brand, last4) : null;

    public static PaymentFailure? Failure(StripeError? error) =>
        error is null ? null : new PaymentFailure(error.Code ?? error.Type ?? "unknown", error.DeclineCode, error.Message ?? "");

    public static DateTimeOffset Utc(DateTime created) => new(DateTime.SpecifyKind(created, DateTimeKind.Utc));
}
