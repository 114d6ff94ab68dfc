using CableHub.Core.Ports;
using Dapper;
using Npgsql;

namespace CableHub.Billing;

/// <summary>What the Billing module holds on a customer (access export): invoices, their lines, payments and what they paid.</summary>
internal sealed class BillingDataSubjectRecords(NpgsqlDataSource dataSource) : IDataSubjectRecords
{
    public int Order => 50;

    public async Task<DataSubjectSection> CollectAsync(Guid customerId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        using var grid = await conn.QueryMultipleAsync(new CommandDefinition(
            """
            SELECT invoice_number, kind, period_start, period_end, issue_date, due_date, trim(currency) AS currency, subtotal, tax_total, total, open_amount, status, settled_at
            FROM hub.invoice WHERE customer_id = @customerId ORDER BY issue_date, invoice_number;
            SELECT i.invoice_number, l.* FROM hub.invoice_line l JOIN hub.invoice i ON i.id = l.invoice_id WHERE i.customer_id = @customerId ORDER BY i.issue_date, i.invoice_number;
            SELECT p.source, p.reference, trim(p.currency) AS currency, p.amount, p.unallocated, p.status, p.card_brand, p.card_last4, p.remittance, p.received_at
            FROM hub.payment p WHERE p.billing_account_id IN (SELECT DISTINCT billing_account_id FROM hub.invoice WHERE customer_id = @customerId
                                                             UNION SELECT billing_account_id FROM hub.billing_profile WHERE customer_id = @customerId)
            ORDER BY p.received_at, p.reference;
            """, new { customerId }, cancellationToken: ct)).ConfigureAwait(false);
        var invoices = await grid.ReadAsync().ConfigureAwait(false);
        var lines = await grid.ReadAsync().ConfigureAwait(false);
        var payments = await grid.ReadAsync().ConfigureAwait(false);
        return new DataSubjectSection("Billing", "billing", "invoices and payments (contract; kept by law: tax and accounting records)",
            [DataSubjectTable.From("invoices", invoices), DataSubjectTable.From("invoice lines", lines), DataSubjectTable.From("payments", payments)]);
    }
}
