using System.Diagnostics;
using CableHub.Billing.Engine;
using CableHub.Billing.Invoices;
using CableHub.Billing.Payments;
using CableHub.Core.Persistence;
using CableHub.Vod.Contracts;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CableHub.Billing.BillRuns;

/// <summary>A bill run's state (the CLI's progress bar and the API's status resource show it).</summary>
public sealed record BillRunStatus(
    Guid Id, DateOnly RunDate, string Status, int AccountsDue, int AccountsBilled, int Invoices, long Lines, int Attempts,
    DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt, DateTimeOffset? FinishedAt, string? LastError);

/// <summary>
/// The bill run of a date: every account whose period starts that day (cycle day, clamped in short months; quarterly and
/// longer periods from their anchor month) gets one invoice for the period. Set-based: chunks of accounts in id order, each
/// read in bulk (profiles, subscriptions, charges, items, discounts: five queries), rated in memory, and written in ONE
/// transaction (numbers reserved from the series row, invoices and lines by binary COPY, charges marked billed, progress)
/// while the next chunk is read. Idempotent and resumable: an account with an invoice for the period is never selected
/// again (and the unique index on account + period refuses a second one); a killed run loses at most its open chunk, whose
/// numbers roll back with it (gapless). One run per date at a time (advisory lock). When the run has written its invoices, the
/// credit its accounts hold (over-payments, prepayments) is settled against them (<see cref="PaymentLedger.SettleCreditsAsync"/>);
/// a re-run settles what a killed run left. A process without an outbox (the CLI) cannot publish <c>InvoicePaid</c>: there the
/// run only counts the accounts whose credit waits, and the hub's dunning sweep settles them before it dunns anyone.
/// </summary>
public sealed class BillRunner(NpgsqlDataSource dataSource, BillingInputs inputs, BillingOptions options, TimeProvider clock, ILogger<BillRunner> logger,
    PaymentLedger? settlement = null, IOneTimeChargeBilling? vodCharges = null)
{
    private const long LockNamespace = 0x42494C4C; // "BILL"

    /// <summary>Where the last run of this instance spent its time: reading, rating (in memory) and writing (COPY + commit), in seconds.</summary>
    public (double Read, double Rate, double Write) LastRunSeconds { get; private set; }

    public async Task<BillRunStatus> RunAsync(DateOnly runDate, IProgress<BillRunStatus>? progress = null, CancellationToken ct = default)
    {
        BillingDapper.Ensure();
        await using var lockConn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        if (!await lockConn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT pg_try_advisory_lock(@ns::int, @day)",
                new { ns = (int)LockNamespace, day = runDate.DayNumber }, cancellationToken: ct)).ConfigureAwait(false))
        {
            throw new StateConflictException("BILLRUN-RUNNING", $"the bill run of {runDate:yyyy-MM-dd} is already running", "date");
        }

        try
        {
            return await RunLockedAsync(lockConn, runDate, progress, ct).ConfigureAwait(false);
        }
        finally
        {
            // The lock is the session's: a pooled connection keeps it after Dispose unless it is given back (a second run in this
            // process would find the date "running"). A killed process loses its session, and the lock with it.
            await lockConn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_unlock(@ns::int, @day)",
                new { ns = (int)LockNamespace, day = runDate.DayNumber }, cancellationToken: CancellationToken.None)).ConfigureAwait(false);
        }
    }

    private async Task<BillRunStatus> RunLockedAsync(NpgsqlConnection lockConn, DateOnly runDate, IProgress<BillRunStatus>? progress, CancellationToken ct)
    {

        var (due, billed) = await BillingInputs.CountAsync(lockConn, runDate, ct).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var row = await lockConn.QuerySingleAsync<BillRunRow>(new CommandDefinition(
            $"""
            INSERT INTO hub.bill_run (id, run_date, status, accounts_due, accounts_billed, started_at, heartbeat_at)
            VALUES (@id, @runDate, 'running', @due, @billed, @now, @now)
            ON CONFLICT (run_date) DO UPDATE SET status = 'running', accounts_due = @due, accounts_billed = @billed, attempts = hub.bill_run.attempts + 1,
                heartbeat_at = @now, finished_at = NULL, last_error = NULL
            RETURNING {BillRunRow.Columns}
            """, new { id = Ids.New(clock), runDate, due, billed, now }, cancellationToken: ct)).ConfigureAwait(false);
        var status = row.ToStatus();
        var runId = status.Id;
        progress?.Report(status);
        logger.LogInformation("Bill run {RunDate}: {Due} accounts due, {Billed} already billed (attempt {Attempt})", runDate, due, billed, status.Attempts);

        var data = await inputs.RatingDataAsync(ct).ConfigureAwait(false);
        var timing = new long[3];
        try
        {
            await using var readConn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            var after = Guid.Empty;
            Task<Chunk?> next = ReadChunkAsync(readConn, runDate, after, data, timing, ct);
            while (await next.ConfigureAwait(false) is { } chunk)
            {
                next = ReadChunkAsync(readConn, runDate, chunk.LastAccount, data, timing, ct);
                var write = Stopwatch.GetTimestamp();
                status = await WriteChunkAsync(runId, runDate, chunk, ct).ConfigureAwait(false);
                Interlocked.Add(ref timing[2], Stopwatch.GetTimestamp() - write);
                progress?.Report(status);
                if (options.PauseAfterChunk > TimeSpan.Zero)
                {
                    await Task.Delay(options.PauseAfterChunk, ct).ConfigureAwait(false);
                }
            }

            await SettleCreditsAsync(lockConn, runId, ct).ConfigureAwait(false);
            status = await FinishAsync(lockConn, runId, "completed", null, ct).ConfigureAwait(false);
            LastRunSeconds = (Seconds(timing[0]), Seconds(timing[1]), Seconds(timing[2]));
            logger.LogInformation("Bill run {RunDate} completed: {Invoices} invoices, {Lines} lines; read {Read:0.0} s, rate {Rate:0.0} s, write {Write:0.0} s",
                runDate, status.Invoices, status.Lines, Seconds(timing[0]), Seconds(timing[1]), Seconds(timing[2]));
            progress?.Report(status);
            return status;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await FinishAsync(lockConn, runId, "failed", ex.Message, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The run of a date, if any.</summary>
    public async Task<BillRunStatus?> StatusAsync(DateOnly runDate, CancellationToken ct = default)
    {
        BillingDapper.Ensure();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<BillRunRow>(new CommandDefinition(
            $"SELECT {BillRunRow.Columns} FROM hub.bill_run WHERE run_date = @runDate", new { runDate }, cancellationToken: ct)).ConfigureAwait(false);
        return row?.ToStatus();
    }

    /// <summary>The latest runs, newest first.</summary>
    public async Task<IReadOnlyList<BillRunStatus>> ListAsync(int limit, CancellationToken ct = default)
    {
        BillingDapper.Ensure();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<BillRunRow>(new CommandDefinition(
            $"SELECT {BillRunRow.Columns} FROM hub.bill_run ORDER BY run_date DESC LIMIT @limit", new { limit }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToStatus()).ToList();
    }

    private sealed record Chunk(Guid LastAccount, List<InvoiceDraft> Drafts);

    private async Task<Chunk?> ReadChunkAsync(NpgsqlConnection conn, DateOnly runDate, Guid after, RatingData data, long[] timing, CancellationToken ct)
    {
        await Task.Yield();
        var read = Stopwatch.GetTimestamp();
        var accounts = await inputs.DueAccountsAsync(conn, runDate, after, options.BillRunChunkSize, ct).ConfigureAwait(false);
        if (accounts.Count == 0)
        {
            return null;
        }

        var all = await inputs.InputsAsync(accounts, data, runDate, ct).ConfigureAwait(false);
        var rate = Stopwatch.GetTimestamp();
        Interlocked.Add(ref timing[0], rate - read);
        var drafts = new List<InvoiceDraft>(all.Count);
        foreach (var a in all)
        {
            var period = a.Account.Cycle.PeriodContaining(runDate);
            var draft = InvoiceCalculator.Compute(a.Account, period, a.Subscriptions, a.Charges, a.Items, a.Discounts, data.Context, a.AddOns);
            if (draft.Lines.Count > 0)
            {
                drafts.Add(draft);
            }
        }

        Interlocked.Add(ref timing[1], Stopwatch.GetTimestamp() - rate);

        return new Chunk(accounts[^1].AccountId, drafts);
    }

    /// <summary>Allocations the last run of this instance made from its accounts' credit (null: no outbox here, left to the hub's sweep).</summary>
    public int? LastRunCreditAllocations { get; private set; }

    private async Task SettleCreditsAsync(NpgsqlConnection conn, Guid runId, CancellationToken ct)
    {
        if (settlement is not null)
        {
            LastRunCreditAllocations = (await settlement.SettleCreditsAsync(runId, int.MaxValue, ct).ConfigureAwait(false)).Count;
            return;
        }

        LastRunCreditAllocations = null;
        var waiting = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            SELECT count(DISTINCT p.billing_account_id) FROM hub.payment p
            WHERE p.status = 'applied' AND p.unallocated > 0
              AND EXISTS (SELECT 1 FROM hub.invoice i WHERE i.billing_account_id = p.billing_account_id AND i.bill_run_id = @runId AND i.open_amount > 0 AND i.currency = p.currency)
            """, new { runId }, cancellationToken: ct)).ConfigureAwait(false);
        if (waiting > 0)
        {
            logger.LogWarning("Bill run {RunId}: {Accounts} account(s) hold credit for their new invoices; no outbox in this process, the hub's dunning sweep settles them", runId, waiting);
        }
    }

    private static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;

    private async Task<BillRunStatus> WriteChunkAsync(Guid runId, DateOnly runDate, Chunk chunk, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var docs = new List<IssuedDocument>(chunk.Drafts.Count);
        long lines = 0;
        if (chunk.Drafts.Count > 0)
        {
            var block = await InvoiceWriter.ReserveAsync(conn, tx, options.InvoiceSeries, chunk.Drafts.Count, ct).ConfigureAwait(false);
            var seq = block.First;
            foreach (var d in chunk.Drafts)
            {
                docs.Add(new IssuedDocument(Ids.New(clock), "invoice", options.InvoiceSeries, seq, block.Number(seq), d, runDate, runDate.AddDays(d.Account.PaymentTermsDays), runId, null, null, now));
                seq++;
            }

            lines = await InvoiceWriter.WriteAsync(conn, docs, ct).ConfigureAwait(false);
            var billedCharges = docs.SelectMany(d => d.Draft.BilledChargeIds.Select(c => (Charge: c, Invoice: d.Id))).ToList();
            if (billedCharges.Count > 0)
            {
                var vod = (await conn.QueryAsync<(Guid Source, Guid Invoice)>(new CommandDefinition(
                    """
                    WITH billed AS (
                        UPDATE hub.billing_charge c SET status = 'billed', invoice_id = b.invoice
                        FROM unnest(@charges, @invoices) AS b(charge, invoice) WHERE c.id = b.charge AND c.status = 'unbilled'
                        RETURNING c.kind, c.source_id, c.invoice_id)
                    SELECT source_id, invoice_id FROM billed WHERE kind = 'vod'
                    """, new { charges = billedCharges.Select(b => b.Charge).ToArray(), invoices = billedCharges.Select(b => b.Invoice).ToArray() }, tx, cancellationToken: ct))
                    .ConfigureAwait(false)).AsList();
                if (vod.Count > 0 && vodCharges is not null)
                {
                    // VOD's sale records follow in this transaction (its port: billing never writes VOD's table).
                    var numbers = docs.ToDictionary(d => d.Id, d => d.Number);
                    await vodCharges.MarkBilledAsync(vod.Select(v => new OneTimeChargeBilled(v.Source, v.Invoice, numbers[v.Invoice], now)).ToList(), new DbSession(conn, tx), ct)
                        .ConfigureAwait(false);
                }
            }
        }

        var row = await conn.QuerySingleAsync<BillRunRow>(new CommandDefinition(
            $"""
            UPDATE hub.bill_run SET accounts_billed = accounts_billed + @invoices, invoices = invoices + @invoices, lines = lines + @lines, heartbeat_at = @now
            WHERE id = @runId RETURNING {BillRunRow.Columns}
            """, new { runId, invoices = docs.Count, lines, now }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return row.ToStatus();
    }

    private async Task<BillRunStatus> FinishAsync(NpgsqlConnection conn, Guid runId, string status, string? error, CancellationToken ct)
    {
        var row = await conn.QuerySingleAsync<BillRunRow>(new CommandDefinition(
            $"UPDATE hub.bill_run SET status = @status, finished_at = @now, heartbeat_at = @now, last_error = @error WHERE id = @runId RETURNING {BillRunRow.Columns}",
            new { runId, status, error, now = clock.GetUtcNow() }, cancellationToken: ct)).ConfigureAwait(false);
        return row.ToStatus();
    }

    internal sealed record BillRunRow(Guid Id, DateOnly RunDate, string Status, int AccountsDue, int AccountsBilled, int Invoices, long Lines, int Attempts,
        DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt, DateTimeOffset? FinishedAt, string? LastError)
    {
        public const string Columns =
            "id, run_date AS rundate, status, accounts_due AS accountsdue, accounts_billed AS accountsbilled, invoices, lines, attempts, started_at AS startedat, heartbeat_at AS heartbeatat, finished_at AS finishedat, last_error AS lasterror";

        public BillRunStatus ToStatus() => new(Id, RunDate, Status, AccountsDue, AccountsBilled, Invoices, Lines, Attempts, StartedAt, HeartbeatAt, FinishedAt, LastError);
    }
}
