using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CableHub.Billing.Contracts;
using CableHub.Core.Messaging;
using CableHub.Core.Persistence;
using CableHub.Core.Ports;
using Dapper;
using Microsoft.Extensions.Logging;

namespace CableHub.Billing.Payments;

/// <summary>Money that arrived, before it is recorded: where from, its unique reference there, and whose it is (if known).</summary>
/// <param name="Source">A <see cref="PaymentSource"/> value.</param>
/// <param name="Reference">Unique within the source (gateway payment id, bank transaction reference): the idempotency key.</param>
public sealed record IncomingPayment(string Source, string Reference, Money Amount, DateTimeOffset ReceivedAt)
{
    /// <summary>The account the money is for; null with <see cref="SuspenseReason"/> when nothing names one we know.</summary>
    public Guid? BillingAccountId { get; init; }

    public string? SuspenseReason { get; init; }

    public string? Gateway { get; init; }

    public CardSummary? Card { get; init; }

    /// <summary>What the payer wrote (bank remittance text, references); shown to the clerk of the suspense list.</summary>
    public string? Remittance { get; init; }
}

/// <summary>Money put on one invoice.</summary>
public sealed record AllocationMade(Guid PaymentId, Guid InvoiceId, string InvoiceNumber, Money Amount, bool InvoicePaid);

/// <summary>
/// What became of a payment: <c>applied</c> (allocated oldest invoice first; what is left is the account's credit),
/// <c>suspense</c> (no account: kept with the reason), or a <see cref="Duplicate"/> of one recorded before (nothing applied).
/// </summary>
public sealed record PaymentOutcome(Guid PaymentId, string Source, string Reference, string Status, Guid? BillingAccountId, Money Amount, Money Credit, string? SuspenseReason,
    bool Duplicate, IReadOnlyList<AllocationMade> Allocations)
{
    public Money Allocated => new(Allocations.Sum(a => a.Amount.Amount), Amount.Currency);
}

/// <summary>A payment as recorded, with what it paid of which invoice (TMF676 reads it). Card payments carry only brand and last 4.</summary>
public sealed record RecordedPayment(Guid Id, string Source, string Reference, Guid? BillingAccountId, Guid? CustomerId, Money Amount, Money Unallocated, string Status,
    string? Gateway, string? CardBrand, string? CardLast4, DateTimeOffset ReceivedAt, DateTimeOffset RecordedAt, IReadOnlyList<PaymentAllocation> Allocations);

/// <summary>Part of a payment put on an invoice.</summary>
public sealed record PaymentAllocation(Guid InvoiceId, string InvoiceNumber, Money Amount);

/// <summary>A payment waiting in the suspense list.</summary>
public sealed record SuspendedPayment(Guid Id, string Source, string Reference, Money Amount, string Reason, string? Remittance, DateTimeOffset ReceivedAt, DateTimeOffset RecordedAt);

/// <summary>An account's position: what its invoices still ask, and the credit its payments left.</summary>
public sealed record AccountBalance(Guid BillingAccountId, string Currency, decimal OpenInvoices, decimal Credit)
{
    /// <summary>Positive: the customer owes; negative: the hub owes (credit).</summary>
    public decimal Balance => OpenInvoices - Credit;
}

/// <summary>How a webhook delivery was handled.</summary>
public sealed record WebhookOutcome(string Gateway, string EventId, string Outcome, PaymentOutcome? Payment);

/// <summary>What a bank notification import did, per transaction.</summary>
public sealed record BankImportSummary(string SourceName, int Entries, int Transactions, IReadOnlyList<PaymentOutcome> Payments, IReadOnlyList<string> Skipped)
{
    public int Applied => Payments.Count(p => !p.Duplicate && p.Status == PaymentStatus.Applied);

    public int Suspense => Payments.Count(p => !p.Duplicate && p.Status == PaymentStatus.Suspense);

    public int Duplicates => Payments.Count(p => p.Duplicate);
}

/// <summary>Payment statuses (<c>hub.payment.status</c>).</summary>
public static class PaymentStatus
{
    public const string Applied = "applied";
    public const string Suspense = "suspense";
}

/// <summary>
/// Incoming money → invoices. Each payment is recorded once per source + reference (a replayed webhook, a bank file imported
/// twice, apply nothing the second time); a payment that names an account we bill is allocated to the account's open invoices,
/// oldest due date first (partial payments leave the invoice partially paid; what is left over is the account's credit and pays
/// the next invoices when they are settled); a payment that names none is kept in the suspense list with the reason, for a clerk
/// to assign. Everything of one payment (or one bank file) commits in ONE transaction with the events (<see cref="InvoicePaid"/>)
/// in the outbox. Per account, settlement takes an advisory lock so two payments never race for the same invoice.
/// </summary>
public sealed partial class PaymentLedger
{
    private readonly IEventTransactions _transactions;
    private readonly IInvoiceLedger _invoices;
    private readonly TimeProvider _clock;
    private readonly ILogger<PaymentLedger> _logger;

    public PaymentLedger(IEventTransactions transactions, IInvoiceLedger invoices, TimeProvider clock, ILogger<PaymentLedger> logger)
    {
        BillingDapper.Ensure();
        (_transactions, _invoices, _clock, _logger) = (transactions, invoices, clock, logger);
    }

    /// <summary>Records one payment and allocates it (one transaction).</summary>
    public async Task<PaymentOutcome> RecordAsync(IncomingPayment payment, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(payment);
        await using var tx = await _transactions.BeginAsync(null, ct).ConfigureAwait(false);
        var outcome = await RecordAsync(payment, tx, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        Log(outcome);
        return outcome;
    }

    /// <summary>
    /// Applies a verified gateway event once per event id: a succeeded payment is recorded (reference = the gateway's payment id,
    /// account from the metadata <c>billing_account</c> or <c>invoice</c> given when the payment was created) and allocated;
    /// failed attempts and refunds are recorded as seen and change no invoice (a refund after allocation is a clerk's credit note).
    /// </summary>
    public async Task<WebhookOutcome> ApplyGatewayEventAsync(PaymentEvent e, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(e);
        await using var tx = await _transactions.BeginAsync(null, ct).ConfigureAwait(false);
        var first = await tx.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.payment_webhook_event (gateway, event_id, event_type, gateway_payment_id, outcome, received_at)
            VALUES (@Gateway, @EventId, @EventType, @GatewayPaymentId, 'received', @now) ON CONFLICT DO NOTHING
            """, new { e.Gateway, e.EventId, e.EventType, e.GatewayPaymentId, now = _clock.GetUtcNow() }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        if (first == 0)
        {
            _logger.LogInformation("Webhook event {Gateway} {EventId} ({Type}) delivered again; nothing applied", e.Gateway, e.EventId, e.EventType);
            return new WebhookOutcome(e.Gateway, e.EventId, "duplicate", null);
        }

        PaymentOutcome? payment = null;
        string outcome;
        if (e.Kind == PaymentEventKind.PaymentSucceeded)
        {
            var (account, reason) = await AccountFromMetadataAsync(e.Metadata, e.Amount.Currency, tx.Session, ct).ConfigureAwait(false);
            payment = await RecordAsync(new IncomingPayment(PaymentSource.Card, $"{e.Gateway}:{e.GatewayPaymentId}", e.Amount, e.OccurredAt)
            {
                BillingAccountId = account,
                SuspenseReason = reason,
                Gateway = e.Gateway,
                Card = e.Card,
                Remittance = e.Metadata.Count == 0 ? null : string.Join("; ", e.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key}={m.Value}")),
            }, tx, ct).ConfigureAwait(false);
            outcome = payment.Duplicate ? "duplicate payment" : payment.Status;
        }
        else
        {
            outcome = e.Kind == PaymentEventKind.PaymentFailed ? $"noted: attempt failed ({e.Failure?.Code})" : "noted: refund (not applied to invoices; a clerk issues the credit note)";
        }

        await tx.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE hub.payment_webhook_event SET outcome = @outcome WHERE gateway = @Gateway AND event_id = @EventId",
            new { outcome, e.Gateway, e.EventId }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        if (payment is not null)
        {
            Log(payment);
        }

        return new WebhookOutcome(e.Gateway, e.EventId, outcome, payment);
    }

    /// <summary>
    /// Imports a bank notification (camt.054 / .053 / .052 entries): every booked credit transaction becomes a payment
    /// (reference: the bank's transaction reference, else the entry's reference + position, else a digest of the transaction),
    /// matched by an invoice number (or a billing account id) in the remittance information or the end-to-end id; debits,
    /// reversals and entries not yet booked are skipped and listed. The whole file is ONE transaction: nothing half-applied.
    /// </summary>
    public async Task<BankImportSummary> ImportBankEntriesAsync(IEnumerable<BankEntry> entries, string sourceName, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var payments = new List<PaymentOutcome>();
        var skipped = new List<string>();
        int entryCount = 0, txCount = 0;
        await using var tx = await _transactions.BeginAsync(null, ct).ConfigureAwait(false);
        foreach (var entry in entries)
        {
            entryCount++;
            var where = entry.Location.ToString();
            if (entry.CreditDebit != CreditDebit.Credit || entry.Reversal)
            {
                skipped.Add($"{where}: {(entry.Reversal ? "reversal" : "debit")} of {entry.Amount}: not an incoming payment");
                continue;
            }

            if (entry.Status != BankEntryStatus.Booked)
            {
                skipped.Add($"{where}: status {entry.StatusCode}: applied once booked");
                continue;
            }

            var transactions = entry.Transactions.Count == 0
                ? [new BankTransaction(entry.Amount, CreditDebit.Credit, null, BankRemittance.None, entry.Location)]
                : entry.Transactions;
            for (var i = 0; i < transactions.Count; i++)
            {
                txCount++;
                var t = transactions[i];
                if (t.CreditDebit == CreditDebit.Debit)
                {
                    skipped.Add($"{t.Location}: debit transaction inside a credit entry: not an incoming payment");
                    continue;
                }

                var amount = t.Amount ?? (transactions.Count == 1 ? entry.Amount : (Money?)null);
                var incoming = new IncomingPayment(PaymentSource.BankTransfer, BankReference(entry, t, i), amount ?? entry.Amount,
                    entry.BookingDate is { } d ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : _clock.GetUtcNow())
                {
                    Remittance = Describe(t),
                };
                if (amount is null)
                {
                    incoming = incoming with { SuspenseReason = $"{t.Location}: the transaction has no amount of its own (one of {transactions.Count} in the entry)" };
                }
                else
                {
                    var (account, reason) = await AccountFromTextAsync(t, amount.Value.Currency, tx.Session, ct).ConfigureAwait(false);
                    incoming = incoming with { BillingAccountId = account, SuspenseReason = reason };
                }

                payments.Add(await RecordAsync(incoming, tx, ct).ConfigureAwait(false));
            }
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
        payments.ForEach(Log);
        return new BankImportSummary(sourceName, entryCount, txCount, payments, skipped);
    }

    /// <summary>A clerk assigns a suspended payment to an account: it is applied (allocated, rest credit) like any other.</summary>
    public async Task<PaymentOutcome> AssignAsync(Guid paymentId, Guid billingAccountId, string actor, CancellationToken ct = default)
    {
        await using var tx = await _transactions.BeginAsync(null, ct).ConfigureAwait(false);
        var row = await tx.Connection.QuerySingleOrDefaultAsync<PaymentRow>(new CommandDefinition(
            $"SELECT {PaymentColumns} FROM hub.payment WHERE id = @paymentId FOR UPDATE", new { paymentId }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false)
            ?? throw new NotFoundException($"payment {paymentId}", "id", "BILLING-PAYMENT-NOT-FOUND");
        if (row.Status != PaymentStatus.Suspense)
        {
            throw new StateConflictException("BILLING-PAYMENT-NOT-IN-SUSPENSE", $"payment {paymentId} is {row.Status}, not in suspense", "id");
        }

        var currency = await ProfileCurrencyAsync(billingAccountId, tx.Session, ct).ConfigureAwait(false)
            ?? throw new NotFoundException($"billing account {billingAccountId} (no billing profile)", "billingAccountId", "BILLING-ACCOUNT-NOT-FOUND");
        if (currency != row.Currency)
        {
            throw new RuleViolationException([new DomainError("BILLING-CURRENCY", $"the payment is in {row.Currency}; account {billingAccountId} is billed in {currency}", "billingAccountId")]);
        }

        await tx.Connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.payment SET status = 'applied', billing_account_id = @billingAccountId, suspense_reason = NULL, resolved_by = @actor, resolved_at = @now
            WHERE id = @paymentId
            """, new { paymentId, billingAccountId, actor, now = _clock.GetUtcNow() }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        var allocations = await SettleAsync(billingAccountId, tx, ct).ConfigureAwait(false);
        var credit = await tx.Connection.ExecuteScalarAsync<decimal>(new CommandDefinition(
            "SELECT unallocated FROM hub.payment WHERE id = @paymentId", new { paymentId }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        var outcome = new PaymentOutcome(paymentId, row.Source, row.Reference, PaymentStatus.Applied, billingAccountId, new Money(row.Amount, row.Currency), new Money(credit, row.Currency),
            null, false, allocations.Where(a => a.PaymentId == paymentId).ToList());
        Log(outcome);
        return outcome;
    }

    /// <summary>Allocates the account's credit (payments not yet fully allocated) to its open invoices; e.g. after a bill run issued new ones.</summary>
    public async Task<IReadOnlyList<AllocationMade>> SettleAsync(Guid billingAccountId, CancellationToken ct = default)
    {
        await using var tx = await _transactions.BeginAsync(null, ct).ConfigureAwait(false);
        var allocations = await SettleAsync(billingAccountId, tx, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return allocations;
    }

    /// <summary>
    /// Settles every account whose credit (payments not fully allocated) meets an open invoice in the same currency: after a bill
    /// run issued new invoices (<paramref name="billRunId"/>: only accounts with an open invoice of that run), or for any account
    /// (null: the hub's sweep, which also covers runs made where no outbox was at hand). One transaction per account (advisory lock,
    /// <see cref="InvoicePaid"/> in the outbox), at most <paramref name="limit"/> accounts per call; returns the allocations made.
    /// </summary>
    public async Task<IReadOnlyList<AllocationMade>> SettleCreditsAsync(Guid? billRunId, int limit, CancellationToken ct = default)
    {
        List<Guid> accounts;
        await using (var read = await _transactions.BeginAsync(null, ct).ConfigureAwait(false))
        {
            accounts = (await read.Connection.QueryAsync<Guid>(new CommandDefinition(
                """
                SELECT DISTINCT p.billing_account_id FROM hub.payment p
                WHERE p.status = 'applied' AND p.unallocated > 0
                  AND EXISTS (SELECT 1 FROM hub.invoice i WHERE i.billing_account_id = p.billing_account_id AND i.kind = 'invoice' AND i.open_amount > 0
                              AND i.currency = p.currency AND (@billRunId::uuid IS NULL OR i.bill_run_id = @billRunId))
                ORDER BY 1 LIMIT @limit
                """, new { billRunId, limit }, read.Transaction, cancellationToken: ct)).ConfigureAwait(false)).AsList();
        }

        var made = new List<AllocationMade>();
        foreach (var account in accounts)
        {
            made.AddRange(await SettleAsync(account, ct).ConfigureAwait(false));
        }

        if (made.Count > 0)
        {
            _logger.LogInformation("Credit of {Accounts} account(s) settled: {Allocations} allocation(s), {Paid} invoice(s) paid (bill run {BillRunId})",
                accounts.Count, made.Count, made.Count(a => a.InvoicePaid), billRunId);
        }

        return made;
    }

    /// <summary>
    /// Payments as recorded (newest first): of one billing account, of one customer (through their billing profiles), or all;
    /// each with its allocations to invoices. Suspense money (no account yet) is only in the unfiltered list.
    /// </summary>
    public async Task<(IReadOnlyList<RecordedPayment> Items, int Total)> ListAsync(Guid? billingAccountId, Guid? customerId, int offset, int limit, CancellationToken ct = default)
    {
        await using var tx = await _transactions.BeginAsync(null, ct).ConfigureAwait(false);
        var filter = new { billingAccountId, customerId, offset, limit };
        const string Where = "WHERE (@billingAccountId::uuid IS NULL OR p.billing_account_id = @billingAccountId) AND (@customerId::uuid IS NULL OR bp.customer_id = @customerId)";
        var total = await tx.Connection.ExecuteScalarAsync<int>(new CommandDefinition(
            $"SELECT count(*)::int FROM hub.payment p LEFT JOIN hub.billing_profile bp ON bp.billing_account_id = p.billing_account_id {Where}", filter, tx.Transaction, cancellationToken: ct))
            .ConfigureAwait(false);
        var rows = (await tx.Connection.QueryAsync<RecordedRow>(new CommandDefinition(
            $"""
            SELECT {RecordedColumns} FROM hub.payment p LEFT JOIN hub.billing_profile bp ON bp.billing_account_id = p.billing_account_id {Where}
            ORDER BY p.received_at DESC, p.id DESC OFFSET @offset LIMIT @limit
            """, filter, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false)).AsList();
        return (await WithAllocationsAsync(tx, rows, ct).ConfigureAwait(false), total);
    }

    /// <summary>One payment with its allocations, or null.</summary>
    public async Task<RecordedPayment?> GetAsync(Guid paymentId, CancellationToken ct = default)
    {
        await using var tx = await _transactions.BeginAsync(null, ct).ConfigureAwait(false);
        var rows = (await tx.Connection.QueryAsync<RecordedRow>(new CommandDefinition(
            $"SELECT {RecordedColumns} FROM hub.payment p LEFT JOIN hub.billing_profile bp ON bp.billing_account_id = p.billing_account_id WHERE p.id = @paymentId",
            new { paymentId }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false)).AsList();
        return (await WithAllocationsAsync(tx, rows, ct).ConfigureAwait(false)).SingleOrDefault();
    }

    private const string RecordedColumns =
        """
        p.id, p.source, p.reference, p.billing_account_id AS billingaccountid, bp.customer_id AS customerid, p.amount, trim(p.currency) AS currency, p.unallocated,
        p.status, p.gateway, p.card_brand AS cardbrand, trim(p.card_last4) AS cardlast4, p.received_at AS receivedat, p.recorded_at AS recordedat
        """;

    private static async Task<IReadOnlyList<RecordedPayment>> WithAllocationsAsync(IEventTransaction tx, List<RecordedRow> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return [];
        }

        var allocations = (await tx.Connection.QueryAsync<(Guid PaymentId, Guid InvoiceId, string Number, decimal Amount)>(new CommandDefinition(
                """
                SELECT a.payment_id, a.invoice_id, i.invoice_number, a.amount FROM hub.payment_allocation a JOIN hub.invoice i ON i.id = a.invoice_id
                WHERE a.payment_id = ANY(@ids) ORDER BY a.allocated_at, i.invoice_number
                """, new { ids = rows.Select(r => r.Id).ToArray() }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false))
            .ToLookup(a => a.PaymentId);
        return rows.Select(r => new RecordedPayment(r.Id, r.Source, r.Reference, r.BillingAccountId, r.CustomerId, new Money(r.Amount, r.Currency),
            new Money(r.Unallocated, r.Currency), r.Status, r.Gateway, r.CardBrand, r.CardLast4, r.ReceivedAt, r.RecordedAt,
            allocations[r.Id].Select(a => new PaymentAllocation(a.InvoiceId, a.Number, new Money(a.Amount, r.Currency))).ToList())).ToList();
    }

    private sealed record RecordedRow(Guid Id, string Source, string Reference, Guid? BillingAccountId, Guid? CustomerId, decimal Amount, string Currency, decimal Unallocated,
        string Status, string? Gateway, string? CardBrand, string? CardLast4, DateTimeOffset ReceivedAt, DateTimeOffset RecordedAt);

    /// <summary>The suspense list, oldest first.</summary>
    public async Task<IReadOnlyList<SuspendedPayment>> SuspenseAsync(int limit = 100, CancellationToken ct = default)
    {
        await using var tx = await _transactions.BeginAsync(null, ct).ConfigureAwait(false);
        var rows = await tx.Connection.QueryAsync<PaymentRow>(new CommandDefinition(
            $"SELECT {PaymentColumns} FROM hub.payment WHERE status = 'suspense' ORDER BY recorded_at, id LIMIT @limit", new { limit }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => new SuspendedPayment(r.Id, r.Source, r.Reference, new Money(r.Amount, r.Currency), r.SuspenseReason!, r.Remittance, r.ReceivedAt, r.RecordedAt)).ToList();
    }

    /// <summary>What the account's invoices still ask and the credit its payments left (in the account's billing currency).</summary>
    public async Task<AccountBalance> BalanceAsync(Guid billingAccountId, CancellationToken ct = default)
    {
        await using var tx = await _transactions.BeginAsync(null, ct).ConfigureAwait(false);
        var currency = await ProfileCurrencyAsync(billingAccountId, tx.Session, ct).ConfigureAwait(false)
            ?? throw new NotFoundException($"billing account {billingAccountId} (no billing profile)", "billingAccountId", "BILLING-ACCOUNT-NOT-FOUND");
        var (open, credit) = await tx.Connection.QuerySingleAsync<(decimal, decimal)>(new CommandDefinition(
            """
            SELECT (SELECT coalesce(sum(open_amount), 0) FROM hub.invoice WHERE billing_account_id = @billingAccountId AND currency = @currency),
                   (SELECT coalesce(sum(unallocated), 0) FROM hub.payment WHERE billing_account_id = @billingAccountId AND status = 'applied' AND currency = @currency)
            """, new { billingAccountId, currency }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        return new AccountBalance(billingAccountId, currency, open, credit);
    }

    private const string PaymentColumns =
        """
        id, source, reference, billing_account_id AS billingaccountid, amount, trim(currency) AS currency, unallocated, status, suspense_reason AS suspensereason,
        remittance, received_at AS receivedat, recorded_at AS recordedat
        """;

    private async Task<PaymentOutcome> RecordAsync(IncomingPayment p, IEventTransaction tx, CancellationToken ct)
    {
        if (p.Amount.Amount <= 0)
        {
            throw new RequestInvalidException("amount", $"payment {p.Reference}: an incoming payment is a positive amount, not {p.Amount}");
        }

        var status = p.BillingAccountId is null ? PaymentStatus.Suspense : PaymentStatus.Applied;
        var reason = status == PaymentStatus.Suspense ? p.SuspenseReason ?? "no billing account named" : null;
        var id = Ids.New(_clock);
        var inserted = await tx.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.payment (id, source, reference, billing_account_id, amount, currency, unallocated, status, suspense_reason, gateway, card_brand, card_last4,
                                     remittance, received_at, recorded_at)
            VALUES (@id, @Source, @Reference, @account, @amount, @currency, @amount, @status, @reason, @Gateway, @brand, @last4, @Remittance, @ReceivedAt, @now)
            ON CONFLICT (source, reference) DO NOTHING
            """,
            new
            {
                id, p.Source, p.Reference, account = p.BillingAccountId, amount = p.Amount.Amount, currency = p.Amount.Currency, status, reason, p.Gateway,
                brand = p.Card?.Brand, last4 = p.Card?.Last4, p.Remittance, p.ReceivedAt, now = _clock.GetUtcNow(),
            }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        if (inserted == 0)
        {
            var existing = await tx.Connection.QuerySingleAsync<PaymentRow>(new CommandDefinition(
                $"SELECT {PaymentColumns} FROM hub.payment WHERE source = @Source AND reference = @Reference", new { p.Source, p.Reference }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
            return new PaymentOutcome(existing.Id, existing.Source, existing.Reference, existing.Status, existing.BillingAccountId, new Money(existing.Amount, existing.Currency),
                new Money(existing.Unallocated, existing.Currency), existing.SuspenseReason, true, []);
        }

        if (status == PaymentStatus.Suspense)
        {
            return new PaymentOutcome(id, p.Source, p.Reference, status, null, p.Amount, new Money(0, p.Amount.Currency), reason, false, []);
        }

        var allocations = await SettleAsync(p.BillingAccountId!.Value, tx, ct).ConfigureAwait(false);
        var left = await tx.Connection.ExecuteScalarAsync<decimal>(new CommandDefinition(
            "SELECT unallocated FROM hub.payment WHERE id = @id", new { id }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        return new PaymentOutcome(id, p.Source, p.Reference, status, p.BillingAccountId, p.Amount, new Money(left, p.Amount.Currency), null, false,
            allocations.Where(a => a.PaymentId == id).ToList());
    }

    /// <summary>Credit of the account's payments (oldest first) onto its open invoices (oldest due first), in the caller's transaction.</summary>
    private async Task<IReadOnlyList<AllocationMade>> SettleAsync(Guid account, IEventTransaction tx, CancellationToken ct)
    {
        var session = tx.Session;
        await tx.Connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtextextended('billing-settle:' || @account::text, 0))", new { account }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        var credits = (await tx.Connection.QueryAsync<(Guid Id, decimal Unallocated, string Currency)>(new CommandDefinition(
            """
            SELECT id, unallocated, trim(currency) FROM hub.payment WHERE billing_account_id = @account AND status = 'applied' AND unallocated > 0
            ORDER BY received_at, recorded_at, id FOR UPDATE
            """, new { account }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        if (credits.Count == 0)
        {
            return [];
        }

        var open = (await _invoices.OpenInvoicesAsync(account, session, ct).ConfigureAwait(false)).Where(i => i.Kind == "invoice").ToList();
        var remaining = open.ToDictionary(i => i.Id, i => i.OpenAmount.Amount);
        var made = new List<AllocationMade>();
        var now = _clock.GetUtcNow();
        foreach (var (paymentId, unallocated, currency) in credits)
        {
            var left = unallocated;
            foreach (var invoice in open.Where(i => i.OpenAmount.Currency == currency && remaining[i.Id] > 0))
            {
                if (left == 0)
                {
                    break;
                }

                var put = await _invoices.AllocateAsync(invoice.Id, new Money(Math.Min(left, remaining[invoice.Id]), currency), session, ct).ConfigureAwait(false);
                if (put.Amount == 0)
                {
                    continue;
                }

                left -= put.Amount;
                remaining[invoice.Id] -= put.Amount;
                await tx.Connection.ExecuteAsync(new CommandDefinition(
                    """
                    INSERT INTO hub.payment_allocation (payment_id, invoice_id, amount, allocated_at) VALUES (@paymentId, @invoiceId, @amount, @now)
                    ON CONFLICT (payment_id, invoice_id) DO UPDATE SET amount = hub.payment_allocation.amount + EXCLUDED.amount, allocated_at = EXCLUDED.allocated_at
                    """, new { paymentId, invoiceId = invoice.Id, amount = put.Amount, now }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
                var paid = remaining[invoice.Id] == 0;
                made.Add(new AllocationMade(paymentId, invoice.Id, invoice.Number, put, paid));
                if (paid)
                {
                    await tx.PublishAsync(new InvoicePaid(invoice.Id, invoice.Number, account, invoice.CustomerId, invoice.Total, now)).ConfigureAwait(false);
                }
            }

            if (left != unallocated)
            {
                await tx.Connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE hub.payment SET unallocated = @left WHERE id = @paymentId", new { left, paymentId }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
            }
        }

        return made;
    }

    private async Task<(Guid? Account, string? Reason)> AccountFromMetadataAsync(IReadOnlyDictionary<string, string> metadata, string currency, DbSession session, CancellationToken ct)
    {
        if (metadata.TryGetValue("billing_account", out var a))
        {
            return Guid.TryParse(a, out var account)
                ? await CheckAccountAsync(account, currency, $"billing_account {a}", session, ct).ConfigureAwait(false)
                : (null, $"metadata billing_account '{a}' is not an account id");
        }

        if (metadata.TryGetValue("invoice", out var i))
        {
            var found = await InvoicesAsync([i], session, ct).ConfigureAwait(false);
            return found.Count == 0
                ? (null, $"metadata invoice '{i}' names no invoice")
                : await CheckAccountAsync(found[0].BillingAccountId, currency, $"invoice {found[0].Number}", session, ct).ConfigureAwait(false);
        }

        return (null, "the payment's metadata names no billing_account or invoice");
    }

    private async Task<(Guid? Account, string? Reason)> AccountFromTextAsync(BankTransaction t, string currency, DbSession session, CancellationToken ct)
    {
        var texts = t.Remittance.Unstructured.Concat(t.Remittance.CreditorReferences.Select(r => r.Reference))
            .Append(t.HasEndToEndId ? t.EndToEndId! : "").Append(t.InstructionId ?? "").Where(s => s.Length > 0).ToList();
        var numbers = texts.SelectMany(s => InvoiceNumberPattern().Matches(s.ToUpperInvariant()).Select(m => m.Value)).Distinct(StringComparer.Ordinal).ToList();
        var invoices = numbers.Count == 0 ? [] : await InvoicesAsync(numbers, session, ct).ConfigureAwait(false);
        var accounts = invoices.Select(i => i.BillingAccountId).ToHashSet();
        if (accounts.Count == 0)
        {
            foreach (var id in texts.SelectMany(s => GuidPattern().Matches(s).Select(m => Guid.Parse(m.Value, CultureInfo.InvariantCulture))).Distinct())
            {
                if (await ProfileCurrencyAsync(id, session, ct).ConfigureAwait(false) is not null)
                {
                    accounts.Add(id);
                }
            }
        }

        return accounts.Count switch
        {
            0 when texts.Count == 0 => (null, "no remittance information or end-to-end id"),
            0 => (null, numbers.Count == 0 ? "the remittance names no invoice number or billing account" : $"no invoice {string.Join(", ", numbers)}"),
            1 => await CheckAccountAsync(accounts.Single(), currency, invoices.Count > 0 ? $"invoice {invoices[0].Number}" : "billing account", session, ct).ConfigureAwait(false),
            _ => (null, $"the remittance names invoices of {accounts.Count} accounts ({string.Join(", ", invoices.Select(i => i.Number))})"),
        };
    }

    private static async Task<(Guid? Account, string? Reason)> CheckAccountAsync(Guid account, string currency, string named, DbSession session, CancellationToken ct)
    {
        var billed = await ProfileCurrencyAsync(account, session, ct).ConfigureAwait(false);
        return billed switch
        {
            null => (null, $"{named}: billing account {account} is not billed here"),
            _ when billed != currency => (null, $"{named}: the payment is in {currency}, the account is billed in {billed}"),
            _ => (account, null),
        };
    }

    private static async Task<string?> ProfileCurrencyAsync(Guid account, DbSession session, CancellationToken ct) =>
        await session.Connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT trim(currency) FROM hub.billing_profile WHERE billing_account_id = @account", new { account }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false);

    private static async Task<List<(Guid Id, string Number, Guid BillingAccountId)>> InvoicesAsync(IReadOnlyList<string> idsOrNumbers, DbSession session, CancellationToken ct)
    {
        var ids = idsOrNumbers.Select(s => Guid.TryParse(s, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).ToArray();
        var numbers = idsOrNumbers.Select(s => s.Trim().ToUpperInvariant()).ToArray();
        return (await session.Connection.QueryAsync<(Guid, string, Guid)>(new CommandDefinition(
            "SELECT id, invoice_number, billing_account_id FROM hub.invoice WHERE kind = 'invoice' AND (invoice_number = ANY(@numbers) OR id = ANY(@ids)) ORDER BY due_date, seq",
            new { numbers, ids }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false)).ToList();
    }

    /// <summary>
    /// The bank's own reference of the transaction when it gives one; else the entry's reference and the position in it; else a
    /// digest of what identifies the transaction (account, booking date, amount, end-to-end id, remittance, position).
    /// </summary>
    private static string BankReference(BankEntry entry, BankTransaction t, int index)
    {
        var account = entry.AccountIban ?? entry.AccountOtherId ?? "?";
        if (!string.IsNullOrWhiteSpace(t.AccountServicerReference))
        {
            return $"{account}:{t.AccountServicerReference}";
        }

        if ((entry.AccountServicerReference ?? entry.EntryReference) is { Length: > 0 } entryRef)
        {
            return $"{account}:{entryRef}/{index + 1}";
        }

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('|', account, entry.BookingDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), entry.Amount,
            t.Amount, t.EndToEndId, t.InstructionId, t.Remittance.Text, index)));
        return $"{account}:sha256:{Convert.ToHexStringLower(digest)[..32]}";
    }

    private static string? Describe(BankTransaction t)
    {
        var parts = new[] { t.Remittance.Text, t.HasEndToEndId ? $"e2e {t.EndToEndId}" : null }.Where(p => p is not null).ToList();
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    private void Log(PaymentOutcome o)
    {
        if (o.Duplicate)
        {
            _logger.LogInformation("Payment {Source} {Reference} was recorded before ({Status}); nothing applied", o.Source, o.Reference, o.Status);
        }
        else if (o.Status == PaymentStatus.Suspense)
        {
            _logger.LogWarning("Payment {Source} {Reference} of {Amount} put in suspense: {Reason}", o.Source, o.Reference, o.Amount, o.SuspenseReason);
        }
        else
        {
            _logger.LogInformation("Payment {Source} {Reference} of {Amount} applied to account {Account}: {Allocated} allocated to {Invoices} invoice(s), credit {Credit}",
                o.Source, o.Reference, o.Amount, o.BillingAccountId, o.Allocated, o.Allocations.Count, o.Credit);
        }
    }

    [GeneratedRegex(@"\b[A-Z]{2,6}-\d{4,12}\b")]
    private static partial Regex InvoiceNumberPattern();

    [GeneratedRegex(@"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")]
    private static partial Regex GuidPattern();

    private sealed record PaymentRow(Guid Id, string Source, string Reference, Guid? BillingAccountId, decimal Amount, string Currency, decimal Unallocated, string Status,
        string? SuspenseReason, string? Remittance, DateTimeOffset ReceivedAt, DateTimeOffset RecordedAt);
}
