using CableHub.Billing.Contracts;
using CableHub.Billing.Engine;
using CableHub.Core.Persistence;
using Dapper;
using Npgsql;

namespace CableHub.Billing.Invoices;

/// <summary>An issued invoice or credit note with its lines (amounts in <see cref="Currency"/>).</summary>
public sealed record Invoice(
    Guid Id, string Kind, string Number, Guid BillingAccountId, Guid CustomerId, Guid? BillRunId, Guid? CorrectsInvoiceId, DateOnly? PeriodStart, DateOnly? PeriodEnd,
    DateOnly IssueDate, DateOnly DueDate, string Currency, decimal Subtotal, decimal TaxTotal, decimal Total, decimal OpenAmount, string Status,
    string RegulatoryProfile, string TaxJurisdiction, string? Reason, DateTimeOffset IssuedAt, IReadOnlyList<InvoiceLine> Lines);

public sealed record InvoiceLine(int LineNo, string Kind, string Description, DateOnly? PeriodStart, DateOnly? PeriodEnd, decimal Amount, string? TaxCategory, decimal? TaxRate, Guid? SubscriptionId, bool Informational);

/// <summary>What to credit: every line (null) or some line numbers, and why.</summary>
public sealed record CreditRequest(string Reason, IReadOnlyList<int>? LineNumbers = null);

/// <summary>
/// Invoices and credit notes: issue one (numbers and COPY through <see cref="InvoiceWriter"/>), credit notes (the only
/// correction of an issued invoice), reads, and the ledger payments use.
/// </summary>
public sealed class InvoiceStore : IInvoiceLedger
{
    private const string Columns =
        """
        id, kind, invoice_number AS number, billing_account_id AS billingaccountid, customer_id AS customerid, bill_run_id AS billrunid, corrects_invoice_id AS correctsinvoiceid,
        period_start AS periodstart, period_end AS periodend, issue_date AS issuedate, due_date AS duedate, trim(currency) AS currency, subtotal, tax_total AS taxtotal, total,
        open_amount AS openamount, status, regulatory_profile AS regulatoryprofile, tax_jurisdiction AS taxjurisdiction, reason, issued_at AS issuedat
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly BillingOptions _options;
    private readonly TimeProvider _clock;

    public InvoiceStore(NpgsqlDataSource dataSource, BillingOptions options, TimeProvider clock)
    {
        BillingDapper.Ensure();
        (_dataSource, _options, _clock) = (dataSource, options, clock);
    }

    /// <summary>Issues one invoice for a computed draft now (ad hoc, outside a bill run).</summary>
    public async Task<Invoice> IssueAsync(InvoiceDraft draft, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var now = _clock.GetUtcNow();
        var today = _options.LocalDate(now);
        await using var conn = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var block = await InvoiceWriter.ReserveAsync(conn, tx, _options.InvoiceSeries, 1, ct).ConfigureAwait(false);
        var doc = new IssuedDocument(Ids.New(_clock), "invoice", _options.InvoiceSeries, block.First, block.Number(block.First), draft, today,
            today.AddDays(draft.Account.PaymentTermsDays), null, null, null, now);
        await InvoiceWriter.WriteAsync(conn, [doc], ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return (await GetAsync(doc.Id, ct).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Issues a credit note for an invoice: the chosen lines (all by default; taxes recomputed at the lines' rates) with
    /// negative amounts, in the credit-note series; the invoice's open amount drops by the credit (never below zero: what
    /// was already paid becomes the payments side's credit), and it is <c>credited</c> once fully credited.
    /// </summary>
    public async Task<Invoice> CreditAsync(Guid invoiceId, CreditRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            throw new RequestInvalidException("reason", "a credit note states its reason");
        }

        var now = _clock.GetUtcNow();
        var today = _options.LocalDate(now);
        await using var conn = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var invoice = await ReadAsync(conn, tx, invoiceId, forUpdate: true, ct).ConfigureAwait(false)
            ?? throw new NotFoundException($"invoice {invoiceId}", "id", "BILLING-INVOICE-NOT-FOUND");
        if (invoice.Kind != "invoice")
        {
            throw new RuleViolationException([new DomainError("BILLING-CREDIT-OF-CREDIT", $"{invoice.Number} is a credit note; only invoices are credited", "id")]);
        }

        var chosen = request.LineNumbers is null
            ? invoice.Lines.Where(l => !l.Informational && l.Kind != LineKind.Tax).ToList()
            : request.LineNumbers.Distinct().Select(n => invoice.Lines.FirstOrDefault(l => l.LineNo == n && !l.Informational && l.Kind != LineKind.Tax)
                ?? throw new RequestInvalidException("lineNumbers", $"{invoice.Number} has no creditable line {n}")).ToList();
        if (chosen.Count == 0)
        {
            throw new RequestInvalidException("lineNumbers", "nothing to credit");
        }

        var lines = chosen.Select(l => new LineDraft(LineKind.Credit, $"Credit of line {l.LineNo}: {l.Description}", -l.Amount, l.TaxCategory, l.TaxRate, l.PeriodStart, l.PeriodEnd?.AddDays(1), l.SubscriptionId)).ToList();
        var taxes = chosen.Where(l => l.TaxRate is not null).GroupBy(l => l.TaxRate!.Value)
            .Select(g => new LineDraft(LineKind.Tax, $"Tax {g.Key:P0} on {-g.Sum(l => l.Amount):0.00}", -Proration.Round(g.Sum(l => l.Amount) * g.Key), TaxRate: g.Key)).ToList();
        if (request.LineNumbers is null)
        {
            // A full credit returns exactly the invoice's taxes (no re-rounding).
            taxes = invoice.Lines.Where(l => l.Kind == LineKind.Tax).Select(l => new LineDraft(LineKind.Tax, $"Credit of line {l.LineNo}: {l.Description}", -l.Amount, TaxRate: l.TaxRate)).ToList();
        }

        var subtotal = lines.Sum(l => l.Amount);
        var tax = taxes.Sum(l => l.Amount);
        var credit = -(subtotal + tax);
        var already = await conn.ExecuteScalarAsync<decimal>(new CommandDefinition(
            "SELECT coalesce(-sum(total), 0) FROM hub.invoice WHERE corrects_invoice_id = @invoiceId", new { invoiceId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (already + credit > invoice.Total)
        {
            throw new RuleViolationException([new DomainError("BILLING-CREDIT-EXCEEDS", $"{invoice.Number}: {already:0.00} already credited; crediting {credit:0.00} more would exceed the total {invoice.Total:0.00}", "lineNumbers")]);
        }

        var account = new AccountToBill(invoice.BillingAccountId, invoice.CustomerId, invoice.Currency, new BillingCycle(1), invoice.RegulatoryProfile, invoice.TaxJurisdiction, 0);
        var draft = new InvoiceDraft(account, default, [.. lines, .. taxes], subtotal, tax, []);
        var block = await InvoiceWriter.ReserveAsync(conn, tx, _options.CreditNoteSeries, 1, ct).ConfigureAwait(false);
        var doc = new IssuedDocument(Ids.New(_clock), "credit_note", _options.CreditNoteSeries, block.First, block.Number(block.First), draft, today, today, null, invoice.Id,
            request.Reason.Trim(), now);
        await InvoiceWriter.WriteAsync(conn, [doc], ct).ConfigureAwait(false);

        var open = Math.Max(0m, invoice.OpenAmount - credit);
        var fully = already + credit == invoice.Total;
        var status = fully ? InvoiceStatus.Credited : open == 0 ? InvoiceStatus.Paid : open == Math.Max(invoice.Total, 0) ? invoice.Status : InvoiceStatus.PartiallyPaid;
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE hub.invoice SET open_amount = @open, status = @status, settled_at = CASE WHEN @open = 0 THEN @now END WHERE id = @id",
            new { id = invoice.Id, open, status, now }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return (await GetAsync(doc.Id, ct).ConfigureAwait(false))!;
    }

    public async Task<Invoice?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await ReadAsync(conn, null, id, false, ct).ConfigureAwait(false);
    }

    /// <summary>A page of invoices (newest first), of one account or all; with the total count.</summary>
    public async Task<(IReadOnlyList<Invoice> Items, int Total)> ListAsync(Guid? billingAccountId, int offset, int limit, CancellationToken ct = default)
    {
        await using var conn = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var total = await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*)::int FROM hub.invoice WHERE (@billingAccountId::uuid IS NULL OR billing_account_id = @billingAccountId)", new { billingAccountId }, cancellationToken: ct)).ConfigureAwait(false);
        var heads = (await conn.QueryAsync<Head>(new CommandDefinition(
            $"SELECT {Columns} FROM hub.invoice WHERE (@billingAccountId::uuid IS NULL OR billing_account_id = @billingAccountId) ORDER BY issued_at DESC, invoice_number DESC OFFSET @offset LIMIT @limit",
            new { billingAccountId, offset, limit }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        var lines = await LinesAsync(conn, null, heads.Select(h => h.Id).ToArray(), ct).ConfigureAwait(false);
        return (heads.Select(h => h.With(lines.TryGetValue(h.Id, out var l) ? l : [])).ToList(), total);
    }

    public async Task<IReadOnlyList<OpenInvoice>> OpenInvoicesAsync(Guid billingAccountId, DbSession session, CancellationToken ct)
    {
        var rows = await session.Connection.QueryAsync<Head>(new CommandDefinition(
            $"SELECT {Columns} FROM hub.invoice WHERE billing_account_id = @billingAccountId AND open_amount > 0 ORDER BY due_date, seq",
            new { billingAccountId }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(h => new OpenInvoice(h.Id, h.Kind, h.Number, h.BillingAccountId, h.CustomerId, new Money(h.Total, h.Currency), new Money(h.OpenAmount, h.Currency),
            h.IssueDate, h.DueDate, h.Status)).ToList();
    }

    public async Task<Money> AllocateAsync(Guid invoiceId, Money amount, DbSession session, CancellationToken ct)
    {
        if (amount.Amount <= 0)
        {
            throw new RequestInvalidException("amount", "an allocation is a positive amount");
        }

        var head = await session.Connection.QuerySingleOrDefaultAsync<Head>(new CommandDefinition(
            $"SELECT {Columns} FROM hub.invoice WHERE id = @invoiceId FOR UPDATE", new { invoiceId }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false)
            ?? throw new NotFoundException($"invoice {invoiceId}", "invoiceId", "BILLING-INVOICE-NOT-FOUND");
        if (!string.Equals(head.Currency, amount.Currency, StringComparison.Ordinal))
        {
            throw new RuleViolationException([new DomainError("BILLING-CURRENCY", $"{head.Number} is in {head.Currency}, not {amount.Currency}", "amount")]);
        }

        var allocated = Math.Min(amount.Amount, head.OpenAmount);
        if (allocated > 0)
        {
            var open = head.OpenAmount - allocated;
            await session.Connection.ExecuteAsync(new CommandDefinition(
                "UPDATE hub.invoice SET open_amount = @open, status = @status, settled_at = CASE WHEN @open = 0 THEN @now END WHERE id = @invoiceId",
                new { invoiceId, open, status = open == 0 ? InvoiceStatus.Paid : InvoiceStatus.PartiallyPaid, now = _clock.GetUtcNow() }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        }

        return new Money(allocated, head.Currency);
    }

    private static async Task<Invoice?> ReadAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id, bool forUpdate, CancellationToken ct)
    {
        var head = await conn.QuerySingleOrDefaultAsync<Head>(new CommandDefinition(
            $"SELECT {Columns} FROM hub.invoice WHERE id = @id{(forUpdate ? " FOR UPDATE" : "")}", new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (head is null)
        {
            return null;
        }

        var lines = await LinesAsync(conn, tx, [id], ct).ConfigureAwait(false);
        return head.With(lines.TryGetValue(id, out var l) ? l : []);
    }

    private static async Task<Dictionary<Guid, List<InvoiceLine>>> LinesAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid[] ids, CancellationToken ct)
    {
        var rows = await conn.QueryAsync<LineRow>(new CommandDefinition(
            """
            SELECT invoice_id AS invoiceid, line_no::int AS lineno, kind, description, period_start AS periodstart, period_end AS periodend, amount, tax_category AS taxcategory,
                   tax_rate AS taxrate, subscription_id AS subscriptionid, informational
            FROM hub.invoice_line WHERE invoice_id = ANY(@ids) ORDER BY invoice_id, line_no
            """, new { ids }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return rows.GroupBy(r => r.InvoiceId).ToDictionary(g => g.Key, g => g.Select(r =>
            new InvoiceLine(r.LineNo, r.Kind, r.Description, r.PeriodStart, r.PeriodEnd, r.Amount, r.TaxCategory, r.TaxRate, r.SubscriptionId, r.Informational)).ToList());
    }

    private sealed record LineRow(Guid InvoiceId, int LineNo, string Kind, string Description, DateOnly? PeriodStart, DateOnly? PeriodEnd, decimal Amount, string? TaxCategory,
        decimal? TaxRate, Guid? SubscriptionId, bool Informational);

    private sealed record Head(
        Guid Id, string Kind, string Number, Guid BillingAccountId, Guid CustomerId, Guid? BillRunId, Guid? CorrectsInvoiceId, DateOnly? PeriodStart, DateOnly? PeriodEnd,
        DateOnly IssueDate, DateOnly DueDate, string Currency, decimal Subtotal, decimal TaxTotal, decimal Total, decimal OpenAmount, string Status,
        string RegulatoryProfile, string TaxJurisdiction, string? Reason, DateTimeOffset IssuedAt)
    {
        public Invoice With(IReadOnlyList<InvoiceLine> lines) => new(Id, Kind, Number, BillingAccountId, CustomerId, BillRunId, CorrectsInvoiceId, PeriodStart, PeriodEnd,
            IssueDate, DueDate, Currency, Subtotal, TaxTotal, Total, OpenAmount, Status, RegulatoryProfile, TaxJurisdiction, Reason, IssuedAt, lines);
    }
}
