using CableHub.Billing.Contracts;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CableHub.Billing.Payments;

/// <summary>Billing's side of dunning: overdue invoices, one invoice's open amount, the steps taken (<c>hub.dunning_step</c>), write-off, credit settlement.</summary>
internal sealed class DunningLedger : IDunningLedger
{
    private readonly NpgsqlDataSource dataSource;
    private readonly IServiceProvider services;

    public DunningLedger(NpgsqlDataSource dataSource, IServiceProvider services)
    {
        BillingDapper.Ensure();
        this.dataSource = dataSource;
        this.services = services;
    }

    /// <summary>Through the payment ledger (resolved when used: it needs the outbox, which only the process running the sagas has).</summary>
    public async Task<int> SettleCreditsAsync(int limit, CancellationToken ct) =>
        (await services.GetRequiredService<PaymentLedger>().SettleCreditsAsync(null, limit, ct).ConfigureAwait(false)).Count(a => a.InvoicePaid);

    private const string Columns =
        "id AS invoiceid, invoice_number AS number, billing_account_id AS billingaccountid, customer_id AS customerid, due_date AS duedate, total, open_amount AS openamount, trim(currency) AS currency";

    public async Task<IReadOnlyList<OverdueInvoice>> OverdueAsync(DateOnly dueFrom, DateOnly dueBefore, int limit, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<Row>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM hub.invoice i
            WHERE kind = 'invoice' AND open_amount > 0 AND due_date >= @dueFrom AND due_date < @dueBefore
              AND NOT EXISTS (SELECT 1 FROM hub.payment_promise p WHERE p.invoice_id = i.id AND p.promised_date >= @dueBefore)
            ORDER BY due_date, seq LIMIT @limit
            """,
            new { dueFrom, dueBefore, limit }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToInvoice()).ToList();
    }

    public async Task<PaymentPromise?> PromiseInForceAsync(Guid invoiceId, DateOnly today, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<PaymentPromises.PromiseRow>(new CommandDefinition(
            PaymentPromises.Select + " WHERE p.invoice_id = @invoiceId AND p.promised_date >= @today ORDER BY p.promised_date DESC, p.recorded_at DESC LIMIT 1",
            new { invoiceId, today }, cancellationToken: ct)).ConfigureAwait(false)).SingleOrDefault()?.ToPromise();
    }

    public async Task<OverdueInvoice?> GetAsync(Guid invoiceId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition($"SELECT {Columns} FROM hub.invoice WHERE id = @invoiceId", new { invoiceId }, cancellationToken: ct)).ConfigureAwait(false);
        return row?.ToInvoice();
    }

    public async Task<bool> RecordStepAsync(DunningStepRecord step, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(step);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.dunning_step (invoice_id, step, kind, billing_account_id, day, amount, currency, detail, taken_at)
            VALUES (@InvoiceId, @Step, @Kind, @BillingAccountId, @Day, @amount, @currency, @Detail, @TakenAt)
            ON CONFLICT (invoice_id, step) DO NOTHING
            """,
            new { step.InvoiceId, step.Step, step.Kind, step.BillingAccountId, step.Day, amount = step.Amount?.Amount, currency = step.Amount?.Currency, step.Detail, TakenAt = step.TakenAt.ToUniversalTime() },
            cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    public async Task<Money> WriteOffAsync(DunningStepRecord step, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(step);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var open = await conn.QuerySingleOrDefaultAsync<(decimal Open, string Currency, string Status)?>(new CommandDefinition(
            "SELECT open_amount, trim(currency), status FROM hub.invoice WHERE id = @invoiceId AND kind = 'invoice' FOR UPDATE", new { invoiceId = step.InvoiceId }, tx, cancellationToken: ct))
            .ConfigureAwait(false) ?? throw new NotFoundException($"invoice {step.InvoiceId}", "invoiceId", "INVOICE-NOT-FOUND");
        var recorded = await conn.QuerySingleOrDefaultAsync<decimal?>(new CommandDefinition(
            "SELECT amount FROM hub.dunning_step WHERE invoice_id = @invoiceId AND step = @Step", new { invoiceId = step.InvoiceId, step.Step }, tx, cancellationToken: ct))
            .ConfigureAwait(false);
        if (recorded is { } already)
        {
            return new Money(already, open.Currency); // redelivered: the first call wrote off and recorded it
        }

        var amount = open.Open > 0 && open.Status is InvoiceStatus.Issued or InvoiceStatus.PartiallyPaid ? open.Open : 0m;
        if (amount > 0)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE hub.invoice SET status = 'written_off', open_amount = 0, settled_at = @at WHERE id = @invoiceId",
                new { invoiceId = step.InvoiceId, at = step.TakenAt.ToUniversalTime() }, tx, cancellationToken: ct)).ConfigureAwait(false);
        }

        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.dunning_step (invoice_id, step, kind, billing_account_id, day, amount, currency, detail, taken_at)
            VALUES (@InvoiceId, @Step, @Kind, @BillingAccountId, @Day, @amount, @currency, @Detail, @TakenAt)
            """,
            new { step.InvoiceId, step.Step, step.Kind, step.BillingAccountId, step.Day, amount, currency = open.Currency, step.Detail, TakenAt = step.TakenAt.ToUniversalTime() },
            tx, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return new Money(amount, open.Currency);
    }

    private sealed record Row(Guid InvoiceId, string Number, Guid BillingAccountId, Guid CustomerId, DateOnly DueDate, decimal Total, decimal OpenAmount, string Currency)
    {
        public OverdueInvoice ToInvoice() => new(InvoiceId, Number, BillingAccountId, CustomerId, DueDate, new Money(Total, Currency), new Money(OpenAmount, Currency));
    }
}
