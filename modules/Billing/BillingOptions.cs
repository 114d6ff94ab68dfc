namespace CableHub.Billing;

/// <summary>Options of billing (the host binds them from <c>Billing:*</c> and <c>ReportingTimeZone</c>).</summary>
public sealed record BillingOptions
{
    /// <summary>Local dates (periods, issue and due dates, bill-run dates) are dates in this zone; instants are stored UTC.</summary>
    public TimeZoneInfo ReportingTimeZone { get; init; } = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");

    /// <summary>Days from issue to due date for new profiles.</summary>
    public int PaymentTermsDays { get; init; } = 15;

    /// <summary>Accounts per bill-run chunk (read, rated, written in one transaction).</summary>
    public int BillRunChunkSize { get; init; } = 25_000;

    /// <summary>Invoice series of bill-run invoices and of credit notes.</summary>
    public string InvoiceSeries { get; init; } = "INV";

    public string CreditNoteSeries { get; init; } = "CN";

    /// <summary>SEPA direct debit: the operator as creditor (null: not set up) and the currency collected.</summary>
    public Payments.DirectDebitSettings DirectDebit { get; init; } = new(null);

    /// <summary>Tests only: a pause after each chunk commits (to kill a bill run mid-way).</summary>
    public TimeSpan PauseAfterChunk { get; init; } = TimeSpan.Zero;

    public DateOnly LocalDate(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, ReportingTimeZone).DateTime);
}
