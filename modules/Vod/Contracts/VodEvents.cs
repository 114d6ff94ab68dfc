using CableHub.Core.Persistence;

namespace CableHub.Vod.Contracts;

// Integration events of VOD: contract records of their own (built from the purchase and the charge, never the domain
// records), published through the outbox and produced to cablehub.events.vod and cablehub.events.billing.

/// <summary>A customer bought or rented a title (or took one included in their plan).</summary>
public sealed record VodTitlePurchased(
    Guid PurchaseId,
    Guid CustomerId,
    Guid BillingAccountId,
    Guid TitleId,
    string TitleCode,
    string Model,
    Money Price,
    DateTimeOffset AccessFrom,
    DateTimeOffset? AccessUntil,
    DateTimeOffset At);

/// <summary>A one-time charge was recorded for the next bill of the account.</summary>
public sealed record OneTimeChargeCreated(
    Guid ChargeId,
    Guid BillingAccountId,
    Guid CustomerId,
    string Kind,
    Guid SourceId,
    string Description,
    Money Amount,
    DateTimeOffset At);

/// <summary>A one-time charge VOD sold was billed: on which invoice (billing tells VOD through <see cref="IOneTimeChargeBilling"/>).</summary>
public sealed record OneTimeChargeBilled(Guid ChargeId, Guid InvoiceId, string InvoiceNumber, DateTimeOffset BilledAt);

/// <summary>
/// VOD's port for billing (billing may not reference VOD's tables, VOD may not reference billing): billing reports the charges an
/// invoice billed, in the transaction that issues the invoice, and VOD moves its sale records (<c>hub.one_time_charge</c>) from
/// <c>unbilled</c> to <c>billed</c> with the invoice, so the sale's status and the bill never disagree. Idempotent.
/// </summary>
public interface IOneTimeChargeBilling
{
    /// <summary>Marks the charges billed (those still unbilled; unknown ids are ignored: other kinds of charge); returns how many changed.</summary>
    Task<int> MarkBilledAsync(IReadOnlyList<OneTimeChargeBilled> billed, DbSession session, CancellationToken ct);
}
