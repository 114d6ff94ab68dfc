using CableHub.Core.Ports;
using Dapper;
using Npgsql;

namespace CableHub.Billing;

/// <summary>
/// Billing's part of an erasure request. Invoices, their lines and payments are kept (tax and accounting law: India's
/// GST Act keeps them 72 months, the EU's VAT directive and the member states 6–10 years, the US IRS 7 years) and stay
/// whole: they name the customer only by the pseudonymous customer and billing-account ids and numbers. What people typed
/// is not kept: a payment's remittance text (bank transfer free text may carry a payer's name or address) of the customer's
/// accounts is replaced by <see cref="Erased"/> — the invoice numbers it matched are already in the allocations. The text
/// never left the database: the change stream's allowlist leaves the column out and the audit log redacts it.
/// Direct-debit mandates lose the account holder's name and the IBAN and are revoked. One transaction, audited as the officer; idempotent.
/// </summary>
internal sealed class BillingErasure(NpgsqlDataSource dataSource) : IDataSubjectEraser
{
    public const string Erased = "[erased]";

    public async Task<DataSubjectErasure> EraseAsync(Guid customerId, string actor, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition("SELECT set_config('cablehub.actor', @actor, true)", new { actor }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var payments = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.payment SET remittance = @erased
            WHERE remittance IS NOT NULL AND remittance <> @erased
              AND billing_account_id IN (SELECT billing_account_id FROM hub.invoice WHERE customer_id = @customerId
                                         UNION SELECT billing_account_id FROM hub.billing_profile WHERE customer_id = @customerId)
            """, new { customerId, erased = Erased }, tx, cancellationToken: ct)).ConfigureAwait(false);
        // Direct-debit mandates: the holder's name and IBAN are destroyed and the mandate revoked (its reference and dates stay with the collections).
        var mandates = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.direct_debit_mandate SET debtor_name_enc = '\x', iban_enc = '\x', iban_last4 = '****', status = 'revoked', revoked_at = coalesce(revoked_at, now())
            WHERE customer_id = @customerId AND (octet_length(iban_enc) > 0 OR status = 'active')
            """, new { customerId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var invoices = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM hub.invoice WHERE customer_id = @customerId", new { customerId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return new DataSubjectErasure("billing",
        [
            $"{payments} payment remittance text(s) overwritten",
            $"{mandates} direct-debit mandate(s): account holder and IBAN destroyed, mandate revoked",
            $"kept by law, pseudonymous: {invoices} invoice(s) and credit note(s) with their lines and the payments (amounts, dates, references, customer and account ids)",
        ]);
    }
}
