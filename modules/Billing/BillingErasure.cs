using CableHub.Core.Persistence;
using CableHub.Core.Ports;
using Dapper;
using Npgsql;

namespace CableHub.Billing;

/// <summary>
/// Billing's part of an erasure request. Invoices, their lines and payments are kept (tax and accounting law: India's
/// GST Act keeps them 72 months, the EU's VAT directive and the member states 6–10 years, the US IRS 7 years) and stay
/// whole: they name the customer only by the pseudonymous customer and billing-account ids and numbers. What people typed
/// is not kept: a payment's remittance text (bank transfer free text may carry a payer's name or address) of the customer's
/// accounts, staff notes on their promises to pay and the reasons of their credit notes are replaced by <see cref="Erased"/>
/// (the invoice numbers a remittance matched are already in the allocations; a credit note's numbers, amounts and taxes stay).
/// The texts never left the database: the change stream's allowlist leaves the columns out and the audit log redacts them.
/// One transaction, audited as the officer; idempotent.
/// </summary>
internal sealed class BillingErasure(NpgsqlDataSource dataSource) : IDataSubjectEraser
{
    public const string Erased = DataSubjectErasure.ErasedText;

    public async Task<DataSubjectErasure> EraseAsync(Guid customerId, string actor, CancellationToken ct)
    {
        var (payments, notes, reasons, invoices) = await AuditActor.RunAsAsync(dataSource, actor, (conn, tx) => conn.QuerySingleAsync<(long, long, long, long)>(new CommandDefinition(
            """
            WITH accounts AS (SELECT billing_account_id FROM hub.invoice WHERE customer_id = @customerId
                              UNION SELECT billing_account_id FROM hub.billing_profile WHERE customer_id = @customerId),
            p AS (UPDATE hub.payment SET remittance = @erased
                  WHERE remittance IS NOT NULL AND remittance <> @erased AND billing_account_id IN (SELECT billing_account_id FROM accounts) RETURNING 1),
            -- Staff notes on promises to pay, and credit notes' reasons (the one thing of an issued document erasure may overwrite).
            n AS (UPDATE hub.payment_promise SET note = @erased
                  WHERE note IS NOT NULL AND note <> @erased AND invoice_id IN (SELECT id FROM hub.invoice WHERE customer_id = @customerId) RETURNING 1),
            r AS (UPDATE hub.invoice SET reason = @erased WHERE customer_id = @customerId AND reason IS NOT NULL AND reason <> @erased RETURNING 1)
            SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM n), (SELECT count(*) FROM r), (SELECT count(*) FROM hub.invoice WHERE customer_id = @customerId)
            """, new { customerId, erased = Erased }, tx, cancellationToken: ct)), ct).ConfigureAwait(false);
        return new DataSubjectErasure("billing",
        [
            $"{payments} payment remittance text(s) overwritten",
            $"{notes} promise-to-pay note(s) and {reasons} credit note reason(s) overwritten",
            $"kept by law, pseudonymous: {invoices} invoice(s) and credit note(s) with their lines and the payments (amounts, dates, references, customer and account ids)",
        ]);
    }
}
