using CableHub.Billing.Contracts;
using CableHub.Sagas.Messaging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CableHub.Sagas.Dunning;

/// <summary>
/// Finds invoices that are past due (due date before today, still open, not overdue longer than the policy's last step) and
/// publishes <see cref="InvoiceOverdue"/> for each through the outbox, in batches; the saga per invoice ignores repeats. First it
/// has billing settle the credit accounts hold against their open invoices (a bill run made by the CLI, which has no outbox,
/// leaves that to this sweep): nobody is dunned for an invoice their own credit pays.
/// </summary>
public sealed class DunningSweeper(IDunningLedger ledger, HubOutbox outbox, DunningOptions options, ILogger<DunningSweeper> logger)
{
    /// <summary>Invoices published per pass (oldest due first; the rest on the next pass).</summary>
    public const int MaxPerSweep = 200_000;

    /// <summary>Accounts whose credit is settled per pass.</summary>
    public const int MaxSettlementsPerSweep = 10_000;

    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var paid = await ledger.SettleCreditsAsync(MaxSettlementsPerSweep, ct).ConfigureAwait(false);
        if (paid > 0)
        {
            logger.LogInformation("Dunning sweep: credit paid {Count} invoice(s) in full before dunning", paid);
        }

        var today = options.Today;
        var from = today.AddDays(-options.LastStepDays - 1);
        var overdue = await ledger.OverdueAsync(from, today, MaxPerSweep, ct).ConfigureAwait(false);
        foreach (var batch in overdue.Chunk(1000))
        {
            await using var tx = await outbox.BeginAsync("dunning-sweep", ct).ConfigureAwait(false);
            foreach (var i in batch)
            {
                await tx.PublishAsync(new InvoiceOverdue(i.InvoiceId, i.Number, i.BillingAccountId, i.CustomerId, i.DueDate, i.Total)).ConfigureAwait(false);
            }

            await tx.CommitAsync(ct).ConfigureAwait(false);
        }

        var total = overdue.Count;
        logger.LogInformation("Dunning sweep: {Count} overdue invoice(s) due before {Today} published", total, today);
        return total;
    }
}

/// <summary>Runs the sweep every <see cref="DunningOptions.SweepInterval"/> (in the process that runs the sagas).</summary>
public sealed class DunningSweepJob(DunningSweeper sweeper, DunningOptions options, ILogger<DunningSweepJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SweepInterval);
        do
        {
            try
            {
                await sweeper.SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Dunning sweep failed; next in {Interval}", options.SweepInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
