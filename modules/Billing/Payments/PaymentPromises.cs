using CableHub.Billing.Contracts;
using CableHub.Core.Api;
using Dapper;
using Npgsql;

namespace CableHub.Billing.Payments;

/// <summary>
/// Promises to pay (<c>hub.payment_promise</c>): staff record that the customer will pay an open invoice by a date (local, the
/// reporting time zone). Dunning reads the one in force (<see cref="IDunningLedger.PromiseInForceAsync"/>) and pauses until it lapses.
/// </summary>
public sealed class PaymentPromises(NpgsqlDataSource dataSource, BillingOptions options, TimeProvider clock)
{
    /// <summary>How far ahead a promise may go (days after today).</summary>
    public const int MaxDaysAhead = 60;

    internal const string Select =
        """
        SELECT p.id, p.invoice_id AS invoiceid, i.invoice_number AS invoicenumber, p.billing_account_id AS billingaccountid, p.promised_date AS promiseddate,
               p.amount, trim(p.currency) AS currency, p.note, p.recorded_by AS recordedby, p.recorded_at AS recordedat
        FROM hub.payment_promise p JOIN hub.invoice i ON i.id = p.invoice_id
        """;

    /// <summary>
    /// Records a promise for an open invoice: the date today or later (at most <see cref="MaxDaysAhead"/> days), the amount (optional)
    /// positive and not above what is open; a paid, credited or written-off invoice answers 409.
    /// </summary>
    public async Task<PaymentPromise> RecordAsync(Guid invoiceId, DateOnly? promisedDate, decimal? amount, string? note, string actor, CancellationToken ct)
    {
        var today = options.LocalDate(clock.GetUtcNow());
        var errors = new RequestErrors();
        if (promisedDate is not { } date)
        {
            errors.Add("promisedDate", "is required: the day (yyyy-MM-dd) by which the customer promised to pay");
        }
        else if (date < today)
        {
            errors.Add("promisedDate", $"{date:yyyy-MM-dd} is in the past (today is {today:yyyy-MM-dd})");
        }
        else if (date > today.AddDays(MaxDaysAhead))
        {
            errors.Add("promisedDate", $"is at most {MaxDaysAhead} days ahead ({today.AddDays(MaxDaysAhead):yyyy-MM-dd})");
        }

        if (amount is <= 0)
        {
            errors.Add("amount", "must be positive when given");
        }

        if (note is { Length: > 500 })
        {
            errors.Add("note", "is at most 500 characters");
        }

        errors.ThrowIfAny();
        BillingDapper.Ensure();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var invoice = await conn.QuerySingleOrDefaultAsync<(string Kind, decimal Open, string Currency, Guid Account, string Status)?>(new CommandDefinition(
            "SELECT kind, open_amount, trim(currency), billing_account_id, status FROM hub.invoice WHERE id = @invoiceId FOR UPDATE", new { invoiceId }, tx, cancellationToken: ct))
            .ConfigureAwait(false) ?? throw new NotFoundException($"invoice {invoiceId}", "id", "BILLING-INVOICE-NOT-FOUND");
        if (invoice.Kind != "invoice" || invoice.Open == 0)
        {
            throw new StateConflictException("BILLING-INVOICE-NOT-OPEN", $"the {invoice.Kind.Replace('_', ' ')} is {invoice.Status.Replace('_', ' ')}: nothing is open to promise", "id");
        }

        if (amount > invoice.Open)
        {
            throw new RequestInvalidException("amount", $"{amount:0.00} is more than the {invoice.Open:0.00} {invoice.Currency} open");
        }

        var id = Ids.New(clock);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.payment_promise (id, invoice_id, billing_account_id, promised_date, amount, currency, note, recorded_by, recorded_at)
            VALUES (@id, @invoiceId, @account, @promisedDate, @amount, @currency, @note, @actor, @now)
            """,
            new { id, invoiceId, account = invoice.Account, promisedDate, amount, currency = invoice.Currency, note, actor, now = clock.GetUtcNow() }, tx, cancellationToken: ct))
            .ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return (await ListAsync(invoiceId, ct).ConfigureAwait(false)).First(p => p.Id == id);
    }

    /// <summary>The invoice's promises, latest promised date first.</summary>
    public async Task<IReadOnlyList<PaymentPromise>> ListAsync(Guid invoiceId, CancellationToken ct)
    {
        BillingDapper.Ensure();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<PromiseRow>(new CommandDefinition(Select + " WHERE p.invoice_id = @invoiceId ORDER BY p.promised_date DESC, p.recorded_at DESC",
            new { invoiceId }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToPromise()).ToList();
    }

    internal sealed record PromiseRow(Guid Id, Guid InvoiceId, string InvoiceNumber, Guid BillingAccountId, DateOnly PromisedDate, decimal? Amount, string Currency, string? Note,
        string RecordedBy, DateTimeOffset RecordedAt)
    {
        public PaymentPromise ToPromise() =>
            new(Id, InvoiceId, InvoiceNumber, BillingAccountId, PromisedDate, Amount is { } a ? new Money(a, Currency) : null, Note, RecordedBy, RecordedAt);
    }
}
