using CableHub.Core.Persistence;

namespace CableHub.Billing.Contracts;

// What other modules (payments, dunning, lifecycle) may use of Billing: owner of hub.billing_profile, invoice_series,
// invoice, invoice_line, billing_charge, billing_recurring_item, billing_discount, tax_rate, bill_run.

/// <summary>An invoice or credit note as payments see it: what is still open, until when.</summary>
public sealed record OpenInvoice(Guid Id, string Kind, string Number, Guid BillingAccountId, Guid CustomerId, Money Total, Money OpenAmount, DateOnly IssueDate, DateOnly DueDate, string Status);

/// <summary>Invoice statuses.</summary>
public static class InvoiceStatus
{
    public const string Issued = "issued";
    public const string PartiallyPaid = "partially_paid";
    public const string Paid = "paid";
    public const string Credited = "credited";
    public const string WrittenOff = "written_off";
}

/// <summary>
/// The invoice ledger for payments and dunning: open invoices oldest first, and allocation of money to one (the only
/// change an issued invoice accepts besides a credit note).
/// </summary>
public interface IInvoiceLedger
{
    /// <summary>The account's invoices with an open amount, oldest due date first.</summary>
    Task<IReadOnlyList<OpenInvoice>> OpenInvoicesAsync(Guid billingAccountId, DbSession session, CancellationToken ct);

    /// <summary>
    /// Allocates up to <paramref name="amount"/> to the invoice (row locked in the caller's transaction); returns what was
    /// allocated (at most the open amount; the rest is the caller's: credit, next invoice).
    /// </summary>
    Task<Money> AllocateAsync(Guid invoiceId, Money amount, DbSession session, CancellationToken ct);
}

/// <summary>Billing profiles: how an account is billed (cycle day, period, currency, tax jurisdiction).</summary>
public interface IBillingProfiles
{
    /// <summary>
    /// Creates the account's profile if it has none (idempotent): cycle day and currency from the billing account, period
    /// from the plan, jurisdiction from the customer's country. Returns whether it was created now.
    /// </summary>
    Task<bool> EnsureAsync(Guid billingAccountId, string billingPeriod, CancellationToken ct);
}

/// <summary>A one-time charge for the account's next bill (installation, equipment sale, VOD, adjustment); idempotent per kind + source.</summary>
public sealed record OneTimeChargeRequest(Guid BillingAccountId, string Kind, Guid SourceId, string Description, Money Amount, string TaxCategory = "cable_service");

/// <summary>
/// A lifecycle change inside a period billed in advance: <c>upgrade</c> / <c>downgrade</c> (from <see cref="OldPlanId"/> to
/// <see cref="NewPlanId"/> on <see cref="From"/>), <c>suspension</c> (from <see cref="From"/> to <see cref="To"/>, exclusive),
/// <c>restore</c> (service of <see cref="OldPlanId"/> again from <see cref="From"/>), <c>cancellation</c> (effective <see cref="From"/>),
/// <c>addon_add</c> / <c>addon_remove</c> (the add-on <see cref="AddOnName"/> at its monthly <see cref="AddOnPrice"/> from
/// <see cref="From"/>). <see cref="SourceId"/> makes it idempotent.
/// </summary>
public sealed record LifecycleChange(string Kind, Guid BillingAccountId, Guid SubscriptionId, Guid OldPlanId, Guid? NewPlanId, DateOnly From, DateOnly? To, Guid SourceId,
    Money? AddOnPrice = null, string? AddOnName = null);

/// <summary>Charges and credits for the next bill: what other modules (VOD, installation, the subscriber lifecycle) record.</summary>
public interface IBillingCharges
{
    /// <summary>Records the charge unless it exists (kind + source); returns whether it was recorded now.</summary>
    Task<bool> AddOneTimeAsync(OneTimeChargeRequest request, CancellationToken ct);

    /// <summary>Records the daily proration of the change (credits negative) as charges for the next bill; returns them.</summary>
    Task<IReadOnlyList<Money>> RecordLifecycleChangeAsync(LifecycleChange change, CancellationToken ct);
}

/// <summary>
/// Integration event: an invoice's open amount reached zero through a payment (not through a credit note). Published in the
/// transaction that allocated the money; dunning stops and restores on it.
/// </summary>
public sealed record InvoicePaid(Guid InvoiceId, string InvoiceNumber, Guid BillingAccountId, Guid CustomerId, Money Total, DateTimeOffset PaidAt);

/// <summary>Where incoming money came from (<c>hub.payment.source</c>).</summary>
public static class PaymentSource
{
    public const string Card = "card";
    public const string BankTransfer = "bank_transfer";
    public const string DirectDebit = "direct_debit";
    public const string Cash = "cash";
    public const string Cheque = "cheque";

    /// <summary>Not money received: what an invoice with a negative total owes the customer, kept as the account's credit (reference = the invoice number).</summary>
    public const string AccountCredit = "account_credit";
}
