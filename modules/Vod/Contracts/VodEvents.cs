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
