using CableHub.Billing.Contracts;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CableHub.Billing.Payments;

/// <summary>Billing's side of dunning: overdue invoices, one invoice's open amount (reads of <c>hub.invoice</c>), credit settlement.</summary>
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
            $"SELECT {Columns} FROM hub.invoice WHERE kind = 'invoice' AND open_amount > 0 AND due_date >= @dueFrom AND due_date < @dueBefore ORDER BY due_date, seq LIMIT @limit",
            new { dueFrom, dueBefore, limit }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToInvoice()).ToList();
    }

    public async Task<OverdueInvoice?> GetAsync(Guid invoiceId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition($"SELECT {Columns} FROM hub.invoice WHERE id = @invoiceId", new { invoiceId }, cancellationToken: ct)).ConfigureAwait(false);
        return row?.ToInvoice();
    }

    private sealed record Row(Guid InvoiceId, string Number, Guid BillingAccountId, Guid CustomerId, DateOnly DueDate, decimal Total, decimal OpenAmount, string Currency)
    {
        public OverdueInvoice ToInvoice() => new(InvoiceId, Number, BillingAccountId, CustomerId, DueDate, new Money(Total, Currency), new Money(OpenAmount, Currency));
    }
}
