namespace CableHub.Billing.Contracts;

/// <summary>An invoice past its due date with money still open (what dunning works on).</summary>
public sealed record OverdueInvoice(Guid InvoiceId, string Number, Guid BillingAccountId, Guid CustomerId, DateOnly DueDate, Money Total, Money OpenAmount);

/// <summary>
/// Integration message: an invoice is overdue (published by the dunning sweep from <see cref="IDunningLedger.OverdueAsync"/>;
/// starts one dunning saga per invoice; publishing it again is harmless).
/// </summary>
public sealed record InvoiceOverdue(Guid InvoiceId, string Number, Guid BillingAccountId, Guid CustomerId, DateOnly DueDate, Money Total);

/// <summary>
/// A step dunning took on an invoice (<c>hub.dunning_step</c>, one row per invoice and <see cref="Step"/>): kind reminder,
/// late_fee, suspension, write_off, disconnect, promise (paused until the promised date), restore or settled; <see cref="Day"/> after the due date (null for restore / settled);
/// <see cref="Amount"/> for the late fee and the write-off.
/// </summary>
public sealed record DunningStepRecord(Guid InvoiceId, Guid BillingAccountId, string Step, string Kind, int? Day, Money? Amount, string Detail, DateTimeOffset TakenAt);

/// <summary>
/// A promise to pay an invoice by <see cref="PromisedDate"/> (a local date, reporting time zone), recorded by staff
/// (<c>hub.payment_promise</c>). While one is in force (promised date today or later) dunning takes no step on the invoice and
/// the sweep does not start it; when it lapses unpaid, dunning resumes with every step due by then.
/// </summary>
public sealed record PaymentPromise(Guid Id, Guid InvoiceId, string InvoiceNumber, Guid BillingAccountId, DateOnly PromisedDate, Money? Amount, string? Note,
    string RecordedBy, DateTimeOffset RecordedAt);

/// <summary>What dunning reads and changes of billing: overdue invoices, one invoice's open amount now, its steps, write-off.</summary>
public interface IDunningLedger
{
    /// <summary>
    /// Invoices (not credit notes) with an open amount whose due date lies in [<paramref name="dueFrom"/>, <paramref name="dueBefore"/>),
    /// oldest first — except those with a promise to pay in force on <paramref name="dueBefore"/> (today).
    /// </summary>
    Task<IReadOnlyList<OverdueInvoice>> OverdueAsync(DateOnly dueFrom, DateOnly dueBefore, int limit, CancellationToken ct);

    /// <summary>
    /// Settles the credit accounts hold (over-payments, prepayments not yet on an invoice) against their open invoices, at most
    /// <paramref name="limit"/> accounts; returns how many invoices that paid in full. The sweep calls it before it dunns anyone.
    /// </summary>
    Task<int> SettleCreditsAsync(int limit, CancellationToken ct);

    /// <summary>Records a step once (a second call with the same invoice and step changes nothing); returns whether it was recorded now.</summary>
    Task<bool> RecordStepAsync(DunningStepRecord step, CancellationToken ct);

    /// <summary>
    /// Writes off what is still open of the invoice (status <c>written_off</c>, final; open amount 0) and records the write-off step
    /// (<paramref name="step"/> with the amount) in the same transaction; returns the amount written off. A repeated call (a
    /// redelivered step) changes nothing and returns the amount the first call wrote off; zero when nothing was open (paid or
    /// credited before).
    /// </summary>
    Task<Money> WriteOffAsync(DunningStepRecord step, CancellationToken ct);

    /// <summary>The invoice's latest promise to pay still in force on <paramref name="today"/> (promised date ≥ today), or null.</summary>
    Task<PaymentPromise?> PromiseInForceAsync(Guid invoiceId, DateOnly today, CancellationToken ct);

    /// <summary>The invoice as it stands (null if unknown); <see cref="OverdueInvoice.OpenAmount"/> zero once paid, credited or written off.</summary>
    Task<OverdueInvoice?> GetAsync(Guid invoiceId, CancellationToken ct);
}
