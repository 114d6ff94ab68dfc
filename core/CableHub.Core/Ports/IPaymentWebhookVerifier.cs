namespace CableHub.Core.Ports;

/// <summary>
/// Checks a payment gateway's webhook delivery and turns it into a gateway-neutral <see cref="PaymentEvent"/>.
/// Verification runs over the RAW request body exactly as received (never a re-serialised or re-encoded body) and
/// the signature header (Stripe: <c>Stripe-Signature</c>).
/// </summary>
/// <remarks>
/// How a webhook endpoint uses it:
/// <list type="bullet">
/// <item><see cref="PaymentWebhookVerification.Accepted"/>: apply the event once. <see cref="PaymentEvent.EventId"/> is
/// the deduplication key: record it (unique) in the same database transaction that applies the event; when it is
/// already recorded the delivery is a duplicate/replay — answer 200 and apply nothing. Gateways retry until they get a
/// 2xx, so answer 2xx only after the transaction committed.</item>
/// <item><see cref="PaymentWebhookVerification.Ignored"/>: genuine, but not an event payments act on — answer 200.</item>
/// <item><see cref="PaymentWebhookVerification.Rejected"/>: answer 400, log <see cref="PaymentWebhookVerification.Rejected.LogLine"/>,
/// apply nothing. Covers a missing or malformed header, a signature that matches none given, a timestamp outside the
/// tolerance (an old delivery replayed), and a body that is not an event.</item>
/// </list>
/// </remarks>
public interface IPaymentWebhookVerifier
{
    /// <summary>"stripe".</summary>
    string Gateway { get; }

    PaymentWebhookVerification Verify(ReadOnlySpan<byte> rawBody, string? signatureHeader);
}

/// <summary>The outcome of checking one webhook delivery.</summary>
public abstract record PaymentWebhookVerification
{
    private PaymentWebhookVerification()
    {
    }

    /// <summary>Signed by the gateway within the tolerance and mapped to a payment event.</summary>
    public sealed record Accepted(PaymentEvent Event) : PaymentWebhookVerification;

    /// <summary>Signed by the gateway within the tolerance, but of a type payments do not act on.</summary>
    public sealed record Ignored(string EventId, string EventType) : PaymentWebhookVerification;

    /// <summary>Not to be trusted or not readable: 400, log, apply nothing.</summary>
    public sealed record Rejected(WebhookRejectionReason Reason, string Detail) : PaymentWebhookVerification
    {
        /// <summary>One line for the log: reason code and detail, never the body or the secret.</summary>
        public string LogLine => $"webhook rejected: {Reason}: {Detail}";
    }
}

public enum WebhookRejectionReason
{
    /// <summary>No signature header at all.</summary>
    MissingSignatureHeader,

    /// <summary>The header has no timestamp, a non-numeric one, or no signature of the expected scheme.</summary>
    MalformedSignatureHeader,

    /// <summary>None of the signatures matches the body under our secret (forged, altered, or another secret).</summary>
    SignatureMismatch,

    /// <summary>Correctly signed but the signing time is further than the tolerance from now: a replayed old
    /// delivery (or a badly wrong clock).</summary>
    TimestampOutsideTolerance,

    /// <summary>Correctly signed but the body is not an event this gateway sends (not JSON, no id/type, a payment
    /// object without its amount…).</summary>
    MalformedPayload,
}

public enum PaymentEventKind
{
    /// <summary>The payment succeeded: money is on its way (Stripe <c>payment_intent.succeeded</c>).</summary>
    PaymentSucceeded,

    /// <summary>An attempt failed; the payment waits for another card (Stripe <c>payment_intent.payment_failed</c>).</summary>
    PaymentFailed,

    /// <summary>A charge was refunded, fully or partly (Stripe <c>charge.refunded</c>);
    /// <see cref="PaymentEvent.AmountRefunded"/> is the total refunded so far on that charge.</summary>
    PaymentRefunded,
}

/// <summary>
/// A payment fact reported by a gateway, gateway-neutral. Past tense: it happened at the gateway.
/// </summary>
/// <param name="Gateway">"stripe".</param>
/// <param name="EventId">The gateway's event id (Stripe <c>evt_…</c>): the deduplication key of deliveries.</param>
/// <param name="Kind">What happened.</param>
/// <param name="EventType">The gateway's own event type (payment_intent.succeeded…), for logs.</param>
/// <param name="GatewayPaymentId">The payment (Stripe PaymentIntent <c>pi_…</c>) the event is about.</param>
/// <param name="Amount">The payment's amount (for <see cref="PaymentEventKind.PaymentSucceeded"/> the amount received).</param>
/// <param name="OccurredAt">When the gateway created the event (UTC).</param>
public sealed record PaymentEvent(
    string Gateway,
    string EventId,
    PaymentEventKind Kind,
    string EventType,
    string GatewayPaymentId,
    Money Amount,
    DateTimeOffset OccurredAt)
{
    public string? GatewayChargeId { get; init; }

    /// <summary>For <see cref="PaymentEventKind.PaymentRefunded"/>: the total refunded on the charge so far.</summary>
    public Money? AmountRefunded { get; init; }

    /// <summary>For <see cref="PaymentEventKind.PaymentFailed"/>: why.</summary>
    public PaymentFailure? Failure { get; init; }

    public CardSummary? Card { get; init; }

    /// <summary>The metadata given when the payment was created (our invoice / account references).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>The idempotency key of the API request that caused the event, when the gateway reports it.</summary>
    public string? RequestIdempotencyKey { get; init; }

    /// <summary>False for test-mode events; production should refuse to apply test-mode money.</summary>
    public bool Livemode { get; init; }
}
