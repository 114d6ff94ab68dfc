namespace CableHub.Core.Ports;

/// <summary>
/// A card payment gateway (Stripe in production, the Stripe API simulator in tests and the embedded default).
/// Card numbers never pass through the hub: the subscriber's browser or app hands the card to the gateway and the
/// hub sees a payment-method token, then only gateway ids, the brand and the last four digits.
/// </summary>
/// <remarks>
/// <para>Every call that changes something carries an idempotency key. The hub delivers at least once (sagas,
/// retries, a crash between the call and the commit): the same key with the same request returns the first answer
/// again and takes effect once. Derive keys from the business fact, e.g. <c>invoice:{invoiceId}:card:{attempt}</c>;
/// never reuse a key for a different request (the gateway refuses it with
/// <see cref="PaymentGatewayRequestException"/>, code <c>idempotency_error</c>).</para>
/// <para>Outcomes: a declined card is a result (<see cref="CardPayment.LastFailure"/> set, status
/// <see cref="CardPaymentStatus.RequiresPaymentMethod"/>), not an exception. Transient trouble (network, 5xx,
/// rate limit) throws <see cref="PaymentGatewayUnavailableException"/>: retry with the same key. A definitive
/// refusal of the request itself (bad parameters, key reuse, unknown payment) throws
/// <see cref="PaymentGatewayRequestException"/>: do not retry.</para>
/// <para>The answer of a call is what the gateway knew then; the durable truth arrives as a webhook
/// (<see cref="IPaymentWebhookVerifier"/>). Apply money from the webhook event (or from a fetched payment), and
/// make applying idempotent by the gateway payment id / event id.</para>
/// </remarks>
public interface IPaymentGateway
{
    /// <summary>"stripe": recorded with every payment so ids are never mixed between gateways.</summary>
    string Name { get; }

    /// <summary>Create a payment (Stripe: a PaymentIntent); with <see cref="CreateCardPayment.Confirm"/> also charge it.</summary>
    Task<CardPayment> CreatePaymentAsync(CreateCardPayment request, CancellationToken ct);

    /// <summary>Confirm (charge) a payment created without <see cref="CreateCardPayment.Confirm"/>.</summary>
    Task<CardPayment> ConfirmPaymentAsync(ConfirmCardPayment request, CancellationToken ct);

    /// <summary>The payment as the gateway sees it now (reconciliation, a webhook that never came).</summary>
    Task<CardPayment> GetPaymentAsync(string gatewayPaymentId, CancellationToken ct);

    /// <summary>Refund a succeeded payment, fully (amount null) or partly.</summary>
    Task<CardRefund> RefundPaymentAsync(RefundCardPayment request, CancellationToken ct);
}

/// <summary>Create a card payment of <paramref name="Amount"/> (decimal in the currency's major unit: 499.00 INR).</summary>
/// <param name="IdempotencyKey">Same key + same request = same answer, one charge.</param>
/// <param name="PaymentMethodToken">The gateway's token for the card (Stripe <c>pm_…</c>), never a card number; null to
/// let the client attach one later (then confirm).</param>
/// <param name="Confirm">Charge now.</param>
public sealed record CreateCardPayment(string IdempotencyKey, Money Amount, string? PaymentMethodToken, bool Confirm)
{
    /// <summary>The gateway's customer id (Stripe <c>cus_…</c>), when the card is saved on a customer.</summary>
    public string? GatewayCustomerId { get; init; }

    public string? Description { get; init; }

    /// <summary>Our references carried by the gateway and echoed in every webhook event of this payment (e.g.
    /// <c>billing_account</c>, <c>invoice</c>). Keys ≤ 40 characters, values ≤ 500; no personal data.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

/// <summary>Confirm a payment, optionally with the payment-method token the client attached.</summary>
public sealed record ConfirmCardPayment(string IdempotencyKey, string GatewayPaymentId, string? PaymentMethodToken = null);

/// <summary>Refund <paramref name="Amount"/> (null = what is left) of a payment.</summary>
public sealed record RefundCardPayment(string IdempotencyKey, string GatewayPaymentId, Money? Amount = null, CardRefundReason? Reason = null)
{
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

public enum CardRefundReason
{
    RequestedByCustomer,
    Duplicate,
    Fraudulent,
}

/// <summary>Where a payment stands (Stripe PaymentIntent statuses, gateway-neutral names).</summary>
public enum CardPaymentStatus
{
    /// <summary>No card yet, or the last attempt failed (see <see cref="CardPayment.LastFailure"/>).</summary>
    RequiresPaymentMethod,
    RequiresConfirmation,

    /// <summary>The cardholder must authenticate (3-D Secure) on the client.</summary>
    RequiresAction,
    Processing,
    RequiresCapture,
    Succeeded,
    Canceled,
}

/// <summary>A card payment as the gateway reports it. Amounts are decimals in the major unit.</summary>
public sealed record CardPayment(
    string Gateway,
    string GatewayPaymentId,
    CardPaymentStatus Status,
    Money Amount,
    Money AmountReceived,
    DateTimeOffset CreatedAt)
{
    /// <summary>The charge of the latest attempt (Stripe <c>ch_…</c>), when one was made.</summary>
    public string? GatewayChargeId { get; init; }

    /// <summary>Brand and last four digits of the card charged, when known. Nothing more is ever kept.</summary>
    public CardSummary? Card { get; init; }

    /// <summary>Why the latest attempt failed (declined, authentication failed…); null when it did not.</summary>
    public PaymentFailure? LastFailure { get; init; }

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>True when the latest attempt was declined and the payment waits for another card.</summary>
    public bool IsDeclined => Status == CardPaymentStatus.RequiresPaymentMethod && LastFailure is not null;
}

/// <summary>What may be kept about a card: its brand (visa, mastercard, amex, rupay…) and last four digits.</summary>
public sealed record CardSummary(string Brand, string Last4);

/// <summary>A failed attempt: the gateway's error code (card_declined, expired_card…), the issuer's decline code
/// when given (insufficient_funds…), and a message fit for staff (not for the cardholder).</summary>
public sealed record PaymentFailure(string Code, string? DeclineCode, string Message);

public enum CardRefundStatus
{
    Pending,
    RequiresAction,
    Succeeded,
    Failed,
    Canceled,
}

/// <summary>A refund as the gateway reports it.</summary>
public sealed record CardRefund(
    string Gateway,
    string GatewayRefundId,
    string GatewayPaymentId,
    Money Amount,
    CardRefundStatus Status,
    DateTimeOffset CreatedAt)
{
    public string? GatewayChargeId { get; init; }

    public string? FailureReason { get; init; }
}

/// <summary>The gateway could not be reached, answered 5xx / 429, or timed out. Retry with the same idempotency key.</summary>
public sealed class PaymentGatewayUnavailableException : Exception
{
    public PaymentGatewayUnavailableException()
    {
    }

    public PaymentGatewayUnavailableException(string message)
        : base(message)
    {
    }

    public PaymentGatewayUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// The gateway refused the request itself (HTTP 4xx other than a card decline): bad parameters, an idempotency key
/// reused with different parameters (<see cref="Code"/> <c>idempotency_error</c>), an unknown payment id, an amount
/// larger than what is left to refund. Retrying the same request gives the same answer.
/// </summary>
public sealed class PaymentGatewayRequestException : Exception
{
    public PaymentGatewayRequestException()
    {
    }

    public PaymentGatewayRequestException(string message)
        : base(message)
    {
    }

    public PaymentGatewayRequestException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public PaymentGatewayRequestException(int httpStatus, string errorType, string? code, string? param, string message, Exception? inner = null)
        : base(message, inner)
    {
        HttpStatus = httpStatus;
        ErrorType = errorType;
        Code = code;
        Param = param;
    }

    public int HttpStatus { get; }

    /// <summary>The gateway's error type (Stripe: invalid_request_error, idempotency_error…).</summary>
    public string ErrorType { get; } = "";

    /// <summary>The gateway's error code (Stripe: parameter_missing, resource_missing, charge_already_refunded…), or
    /// <c>idempotency_error</c> when the key was used with other parameters.</summary>
    public string? Code { get; }

    /// <summary>The request parameter at fault, when the gateway names one.</summary>
    public string? Param { get; }
}
