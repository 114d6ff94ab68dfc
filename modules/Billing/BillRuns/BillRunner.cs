using System.Diagnostics;
using CableHub.Billing.Engine;
using CableHub.Billing.Invoices;
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
/// numbers roll back with it (gapless). One run per date at a time (advisory lock).
/// </summary>
public sealed class BillRunner(NpgsqlDataSource dataSource, BillingInputs inputs, BillingOptions options, TimeProvider clock, ILogger<BillRunner> logger)
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

        var all = await inputs.InputsAsync(accounts, data, ct).ConfigureAwait(false);
        var rate = Stopwatch.GetTimestamp();
        Interlocked.Add(ref timing[0], rate - read);
        var drafts = new List<InvoiceDraft>(all.Count);
        foreach (var a in all)
        {
            var period = a.Account.Cycle.PeriodContaining(runDate);
            var draft = InvoiceCalculator.Compute(a.Account, period, a.Subscriptions, a.Charges, a.Items, a.Discounts, data.Context);
            if (draft.Lines.Count > 0)
            {
                drafts.Add(draft);
            }
        }

        Interlocked.Add(ref timing[1], Stopwatch.GetTimestamp() - rate);

        return new Chunk(accounts[^1].AccountId, drafts);
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
                await conn.ExecuteAsync(new CommandDefinition(
                    """
                    UPDATE hub.billing_charge c SET status = 'billed', invoice_id = b.invoice
                    FROM unnest(@charges, @invoices) AS b(charge, invoice) WHERE c.id = b.charge AND c.status = 'unbilled'
                    """, new { charges = billedCharges.Select(b => b.Charge).ToArray(), invoices = billedCharges.Select(b => b.Invoice).ToArray() }, tx, cancellationToken: ct)).ConfigureAwait(false);
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
