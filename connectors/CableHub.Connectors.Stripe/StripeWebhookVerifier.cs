using System.Globalization;
using System.Text;
using System.Text.Json;
using CableHub.Core.Ports;
using Stripe;

namespace CableHub.Connectors.Stripe;

/// <summary>
/// Verifies Stripe webhook deliveries: <c>Stripe-Signature: t=&lt;unix time&gt;,v1=&lt;hex&gt;[,v1=…][,v0=…]</c>,
/// HMAC-SHA256 with the endpoint secret over <c>"&lt;t&gt;." + raw body</c>; any one v1 may match (Stripe sends
/// several while a secret is rolled); the timestamp must be within the tolerance of now (both directions, as
/// Stripe.net checks). The signature comparison and event parsing are Stripe.net's <see cref="EventUtility"/>; this
/// class classifies the outcome (missing / malformed header, mismatch, timestamp, payload) so the endpoint can log it
/// and answer 400, and maps the three events payments act on to <see cref="PaymentEvent"/>.
/// </summary>
public sealed class StripeWebhookVerifier : IPaymentWebhookVerifier
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly string secret;
    private readonly long toleranceSeconds;
    private readonly TimeProvider clock;

    public StripeWebhookVerifier(string webhookSecret, TimeSpan tolerance, TimeProvider clock)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(webhookSecret);
        ArgumentNullException.ThrowIfNull(clock);
        secret = webhookSecret;
        toleranceSeconds = (long)tolerance.TotalSeconds;
        this.clock = clock;
    }

    public StripeWebhookVerifier(StripeOptions options, TimeProvider clock)
        : this(options?.WebhookSecret!, options?.WebhookTolerance ?? TimeSpan.FromSeconds(300), clock)
    {
    }

    public string Gateway => StripePaymentGateway.GatewayName;

    public PaymentWebhookVerification Verify(ReadOnlySpan<byte> rawBody, string? signatureHeader)
    {
        if (string.IsNullOrWhiteSpace(signatureHeader))
        {
            return Reject(WebhookRejectionReason.MissingSignatureHeader, "no Stripe-Signature header");
        }

        if (ParseHeader(signatureHeader) is { } malformed)
        {
            return Reject(WebhookRejectionReason.MalformedSignatureHeader, malformed);
        }

        string json;
        try
        {
            json = StrictUtf8.GetString(rawBody);
        }
        catch (DecoderFallbackException)
        {
            return Reject(WebhookRejectionReason.MalformedPayload, "body is not UTF-8");
        }

        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var signedAt = Timestamp(signatureHeader);
        try
        {
            // the signature first (an unknown sender learns nothing about our clock), with the age checked below
            EventUtility.ValidateSignature(json, signatureHeader, secret, long.MaxValue, now);
        }
        catch (StripeException ex)
        {
            return Reject(WebhookRejectionReason.SignatureMismatch, ex.Message);
        }

        if (Math.Abs(now - signedAt) > toleranceSeconds)
        {
            return Reject(WebhookRejectionReason.TimestampOutsideTolerance,
                string.Create(CultureInfo.InvariantCulture, $"signed at {signedAt} ({DateTimeOffset.FromUnixTimeSeconds(signedAt):u}), now {now}: {now - signedAt} s apart, tolerance {toleranceSeconds} s"));
        }

        Event stripeEvent;
        try
        {
            // the event's API version may differ from Stripe.net's; only stable fields are read below
            stripeEvent = EventUtility.ParseEvent(json, throwOnApiVersionMismatch: false);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or StripeException or NotSupportedException or InvalidOperationException)
        {
            return Reject(WebhookRejectionReason.MalformedPayload, $"not a Stripe event: {ex.Message}");
        }

        if (stripeEvent is null || string.IsNullOrEmpty(stripeEvent.Id) || string.IsNullOrEmpty(stripeEvent.Type))
        {
            return Reject(WebhookRejectionReason.MalformedPayload, "not a Stripe event: no id or type");
        }

        return Map(stripeEvent);
    }

    private PaymentWebhookVerification Map(Event e)
    {
        PaymentEvent? mapped;
        try
        {
            mapped = e.Type switch
            {
                "payment_intent.succeeded" => FromIntent(e, PaymentEventKind.PaymentSucceeded),
                "payment_intent.payment_failed" => FromIntent(e, PaymentEventKind.PaymentFailed),
                "charge.refunded" => FromRefundedCharge(e),
                _ => null,
            };
        }
        catch (InvalidOperationException ex)
        {
            return Reject(WebhookRejectionReason.MalformedPayload, $"{e.Type} {e.Id}: {ex.Message}");
        }

        return mapped is null
            ? new PaymentWebhookVerification.Ignored(e.Id, e.Type)
            : new PaymentWebhookVerification.Accepted(mapped);
    }

    private static PaymentEvent? FromIntent(Event e, PaymentEventKind kind)
    {
        if (e.Data?.Object is not PaymentIntent pi || string.IsNullOrEmpty(pi.Id) || string.IsNullOrEmpty(pi.Currency))
        {
            throw new InvalidOperationException("data.object is not a payment_intent with id and currency");
        }

        var payment = StripeMapping.ToCardPayment(pi);
        return Common(e, kind, pi.Id, kind == PaymentEventKind.PaymentSucceeded && pi.AmountReceived > 0 ? payment.AmountReceived : payment.Amount) with
        {
            GatewayChargeId = pi.LatestChargeId,
            Failure = payment.LastFailure,
            Card = payment.Card,
            Metadata = payment.Metadata,
        };
    }

    private static PaymentEvent? FromRefundedCharge(Event e)
    {
        if (e.Data?.Object is not Charge charge || string.IsNullOrEmpty(charge.Id) || string.IsNullOrEmpty(charge.Currency))
        {
            throw new InvalidOperationException("data.object is not a charge with id and currency");
        }

        if (string.IsNullOrEmpty(charge.PaymentIntentId))
        {
            return null; // a legacy charge made without a PaymentIntent: not one of ours
        }

        return Common(e, PaymentEventKind.PaymentRefunded, charge.PaymentIntentId, StripeAmounts.FromMinor(charge.Amount, charge.Currency)) with
        {
            GatewayChargeId = charge.Id,
            AmountRefunded = StripeAmounts.FromMinor(charge.AmountRefunded, charge.Currency),
            Card = StripeMapping.Card(charge),
            Metadata = charge.Metadata is null ? new Dictionary<string, string>() : new Dictionary<string, string>(charge.Metadata),
        };
    }

    private static PaymentEvent Common(Event e, PaymentEventKind kind, string paymentId, Core.Money amount) =>
        new(StripePaymentGateway.GatewayName, e.Id, kind, e.Type, paymentId, amount, StripeMapping.Utc(e.Created))
        {
            RequestIdempotencyKey = e.Request?.IdempotencyKey,
            Livemode = e.Livemode,
        };

    /// <summary>Null when the header has the expected shape; else why not.</summary>
    private static string? ParseHeader(string header)
    {
        var hasTimestamp = false;
        var hasV1 = false;
        foreach (var raw in header.Trim().Split(','))
        {
            var item = raw.Trim();
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return $"item \"{Clip(item)}\" is not key=value";
            }

            var key = item[..eq];
            var value = item[(eq + 1)..];
            if (key == "t")
            {
                if (hasTimestamp)
                {
                    return "more than one timestamp";
                }

                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    return $"timestamp \"{Clip(value)}\" is not a unix time in seconds";
                }

                hasTimestamp = true;
            }
            else if (key == "v1" && value.Length > 0)
            {
                hasV1 = true;
            }
        }

        return !hasTimestamp ? "no timestamp (t=)" : !hasV1 ? "no v1 signature" : null;
    }

    private static long Timestamp(string header)
    {
        foreach (var raw in header.Trim().Split(','))
        {
            var item = raw.Trim();
            if (item.StartsWith("t=", StringComparison.Ordinal))
            {
                return long.Parse(item[2..], NumberStyles.None, CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("no timestamp");
    }

    private static PaymentWebhookVerification.Rejected Reject(WebhookRejectionReason reason, string detail) => new(reason, detail);

    private static string Clip(string text) => text.Length <= 24 ? text : text[..24] + "…";
}
