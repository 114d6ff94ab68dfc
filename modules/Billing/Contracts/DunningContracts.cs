namespace CableHub.Billing.Contracts;

/// <summary>An invoice past its due date with money still open (what dunning works on).</summary>
public sealed record OverdueInvoice(Guid InvoiceId, string Number, Guid BillingAccountId, Guid CustomerId, DateOnly DueDate, Money Total, Money OpenAmount);

/// <summary>
/// Integration message: an invoice is overdue (published by the dunning sweep from <see cref="IDunningLedger.OverdueAsync"/>;
/// starts one dunning saga per invoice; publishing it again is harmless).
/// </summary>
public sealed record InvoiceOverdue(Guid InvoiceId, string Number, Guid BillingAccountId, Guid CustomerId, DateOnly DueDate, Money Total);

/// <summary>What dunning reads of billing: overdue invoices, and one invoice's open amount now.</summary>
public interface IDunningLedger
{
    /// <summary>Invoices (not credit notes) with an open amount whose due date lies in [<paramref name="dueFrom"/>, <paramref name="dueBefore"/>), oldest first.</summary>
    Task<IReadOnlyList<OverdueInvoice>> OverdueAsync(DateOnly dueFrom, DateOnly dueBefore, int limit, CancellationToken ct);

    /// <summary>
    /// Settles the credit accounts hold (over-payments, prepayments not yet on an invoice) against their open invoices, at most
    /// <paramref name="limit"/> accounts; returns how many invoices that paid in full. The sweep calls it before it dunns anyone.
    /// </summary>
    Task<int> SettleCreditsAsync(int limit, CancellationToken ct);

    /// <summary>The invoice as it stands (null if unknown); <see cref="OverdueInvoice.OpenAmount"/> zero once paid, credited or written off.</summary>
    Task<OverdueInvoice?> GetAsync(Guid invoiceId, CancellationToken ct);
}
