using CableHub.Core.Persistence;
using CableHub.Vod.Contracts;
using Dapper;

namespace CableHub.Vod;

/// <summary><see cref="IOneTimeChargeBilling"/>: one set-based update of <c>hub.one_time_charge</c> in billing's transaction.</summary>
internal sealed class VodChargeBilling : IOneTimeChargeBilling
{
    public async Task<int> MarkBilledAsync(IReadOnlyList<OneTimeChargeBilled> billed, DbSession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(billed);
        if (billed.Count == 0)
        {
            return 0;
        }

        return await session.Connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.one_time_charge c SET status = 'billed', invoice_id = b.invoice
            FROM unnest(@charges, @invoices) AS b(charge, invoice)
            WHERE c.id = b.charge AND c.status = 'unbilled'
            """,
            new { charges = billed.Select(b => b.ChargeId).ToArray(), invoices = billed.Select(b => b.InvoiceId).ToArray() }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false);
    }
}
