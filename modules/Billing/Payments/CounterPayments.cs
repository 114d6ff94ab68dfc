using Dapper;
using Microsoft.Extensions.Logging;

namespace CableHub.Billing.Payments;

/// <summary>Cash or a cheque handed over at a counter: the account, the amount, the cheque's number and bank, the till's request id.</summary>
public sealed record CounterPaymentRequest(Guid RequestId, Guid BillingAccountId, decimal Amount, string Method, string? ChequeNumber = null, string? ChequeBank = null,
    string? Office = null);

/// <summary>The receipt the cashier hands over: its number, what the money paid (invoices, credit left), who took it, when.</summary>
public sealed record CounterReceipt(string ReceiptNumber, Guid PaymentId, Guid BillingAccountId, string Method, Money Amount, string? ChequeNumber, string? ChequeBank,
    string Cashier, string? Office, DateOnly ShiftDate, DateTimeOffset ReceivedAt, IReadOnlyList<AllocationMade> Allocations, Money Credit, bool Repeated);

/// <summary>One method × currency of a shift: receipts and their sum.</summary>
public sealed record ShiftTotal(string Method, string Currency, int Receipts, decimal Amount);

/// <summary>A cashier's shift (their receipts of one local day): totals per method and currency, first and last receipt.</summary>
public sealed record ShiftTotals(string Cashier, DateOnly Date, int Receipts, IReadOnlyList<ShiftTotal> Totals, string? FirstReceipt, string? LastReceipt);

/// <summary>
/// Counter payments: cash and cheques taken by a cashier (the actor from the token) at the operator's or a local cable operator's
/// office. The payment (source <c>cash</c> / <c>cheque</c>, reference <c>counter:{request id}</c>), its allocation oldest invoice first
/// and the receipt (number gapless per series: <c>hub.counter_receipt_series</c> row locked in the same transaction) commit
/// together; the same request id again returns the same receipt and applies nothing.
/// </summary>
public sealed partial class PaymentLedger
{
    public const string CounterMethodCash = "cash";
    public const string CounterMethodCheque = "cheque";

    public async Task<CounterReceipt> RecordAtCounterAsync(CounterPaymentRequest request, string cashier, TimeZoneInfo zone, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(zone);
        var errors = new List<DomainError>();
        if (request.Method is not (CounterMethodCash or CounterMethodCheque))
        {
            errors.Add(new DomainError("", $"must be cash or cheque, not '{request.Method}'", "method"));
        }

        if (request.Amount <= 0 || decimal.Round(request.Amount, 2) != request.Amount)
        {
            errors.Add(new DomainError("", $"must be positive with at most 2 decimals, not {request.Amount}", "amount"));
        }

        if (request.Method == CounterMethodCheque && string.IsNullOrWhiteSpace(request.ChequeNumber))
        {
            errors.Add(new DomainError("", "is required for a cheque", "chequeNumber"));
        }

        if (request.Method == CounterMethodCash && (request.ChequeNumber is not null || request.ChequeBank is not null))
        {
            errors.Add(new DomainError("", "only a cheque has a number and bank", "chequeNumber"));
        }

        if (request.ChequeNumber is { Length: > 40 } || request.ChequeBank is { Length: > 100 } || request.Office is { Length: > 100 })
        {
            errors.Add(new DomainError("", "cheque number ≤ 40, bank and office ≤ 100 characters", "chequeNumber"));
        }

        if (errors.Count > 0)
        {
            throw new RequestInvalidException(errors);
        }

        await using var tx = await _transactions.BeginAsync(null, ct).ConfigureAwait(false);
        if (await ReceiptAsync(tx, request.RequestId, ct).ConfigureAwait(false) is { } earlier)
        {
            return earlier with { Repeated = true, Allocations = [] };
        }

        var currency = await tx.Connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT trim(currency) FROM hub.billing_profile WHERE billing_account_id = @BillingAccountId", request, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false)
            ?? throw new NotFoundException($"billing account {request.BillingAccountId} (no billing profile)", "billingAccountId", "BILLING-PROFILE-NOT-FOUND");
        var now = _clock.GetUtcNow();
        var outcome = await RecordAsync(new IncomingPayment(request.Method, $"counter:{request.RequestId}", new Money(request.Amount, currency), now)
        {
            BillingAccountId = request.BillingAccountId,
            Remittance = request.Method == CounterMethodCheque ? $"cheque {request.ChequeNumber} {request.ChequeBank}".Trim() : $"cash at {request.Office ?? "counter"}",
        }, tx, ct).ConfigureAwait(false);
        if (outcome.Duplicate && await ReceiptAsync(tx, request.RequestId, ct).ConfigureAwait(false) is { } raced)
        {
            return raced; // the same request committed meanwhile (a retry racing the first attempt)
        }

        var (prefix, seq) = await tx.Connection.QuerySingleAsync<(string, long)>(new CommandDefinition(
            "UPDATE hub.counter_receipt_series SET next_number = next_number + 1 WHERE code = 'RCPT' RETURNING prefix, next_number - 1", transaction: tx.Transaction, cancellationToken: ct))
            .ConfigureAwait(false);
        var number = prefix + seq.ToString("D9", System.Globalization.CultureInfo.InvariantCulture);
        var shiftDate = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        await tx.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.counter_receipt (receipt_number, seq, payment_id, request_id, billing_account_id, method, amount, currency, cheque_number, cheque_bank, cashier, office, shift_date, received_at)
            VALUES (@number, @seq, @PaymentId, @RequestId, @BillingAccountId, @Method, @Amount, @currency, @ChequeNumber, @ChequeBank, @cashier, @Office, @shiftDate, @now)
            """,
            new
            {
                number, seq, outcome.PaymentId, request.RequestId, request.BillingAccountId, request.Method, request.Amount, currency, request.ChequeNumber, request.ChequeBank,
                cashier, request.Office, shiftDate, now,
            }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        Log(outcome);
        _logger.LogInformation("Counter receipt {Receipt}: {Amount} {Method} for account {AccountId} taken by {Cashier}", number, outcome.Amount, request.Method, request.BillingAccountId, cashier);
        return new CounterReceipt(number, outcome.PaymentId, request.BillingAccountId, request.Method, outcome.Amount, request.ChequeNumber, request.ChequeBank, cashier, request.Office,
            shiftDate, now, outcome.Allocations, outcome.Credit, false);
    }

    /// <summary>A cashier's receipts of one local day, totalled per method and currency.</summary>
    public async Task<ShiftTotals> ShiftTotalsAsync(string cashier, DateOnly date, CancellationToken ct = default)
    {
        await using var tx = await _transactions.BeginAsync(null, ct).ConfigureAwait(false);
        var totals = (await tx.Connection.QueryAsync<(string Method, string Currency, long Receipts, decimal Amount)>(new CommandDefinition(
            """
            SELECT method, trim(currency), count(*), sum(amount) FROM hub.counter_receipt WHERE cashier = @cashier AND shift_date = @date
            GROUP BY method, currency ORDER BY method, currency
            """, new { cashier, date }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false)).Select(t => new ShiftTotal(t.Method, t.Currency, (int)t.Receipts, t.Amount)).ToList();
        var (first, last) = await tx.Connection.QuerySingleAsync<(string?, string?)>(new CommandDefinition(
            "SELECT min(receipt_number), max(receipt_number) FROM hub.counter_receipt WHERE cashier = @cashier AND shift_date = @date",
            new { cashier, date }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        return new ShiftTotals(cashier, date, totals.Sum(t => t.Receipts), totals, first, last);
    }

    private static async Task<CounterReceipt?> ReceiptAsync(CableHub.Core.Messaging.IEventTransaction tx, Guid requestId, CancellationToken ct)
    {
        var row = await tx.Connection.QuerySingleOrDefaultAsync<ReceiptRow>(new CommandDefinition(
            """
            SELECT r.receipt_number AS receiptnumber, r.payment_id AS paymentid, r.billing_account_id AS billingaccountid, r.method, r.amount, trim(r.currency) AS currency,
                   r.cheque_number AS chequenumber, r.cheque_bank AS chequebank, r.cashier, r.office, r.shift_date AS shiftdate, r.received_at AS receivedat, p.unallocated
            FROM hub.counter_receipt r JOIN hub.payment p ON p.id = r.payment_id WHERE r.request_id = @requestId
            """, new { requestId }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        return row is null
            ? null
            : new CounterReceipt(row.ReceiptNumber, row.PaymentId, row.BillingAccountId, row.Method, new Money(row.Amount, row.Currency), row.ChequeNumber, row.ChequeBank, row.Cashier,
                row.Office, row.ShiftDate, row.ReceivedAt, [], new Money(row.Unallocated, row.Currency), true);
    }

    private sealed record ReceiptRow(string ReceiptNumber, Guid PaymentId, Guid BillingAccountId, string Method, decimal Amount, string Currency, string? ChequeNumber, string? ChequeBank,
        string Cashier, string? Office, DateOnly ShiftDate, DateTimeOffset ReceivedAt, decimal Unallocated);
}
