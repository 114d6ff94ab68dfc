using System.Diagnostics;
using CableHub.Billing.BillRuns;
using CableHub.Vod.Contracts;
using CableHub.Billing.Contracts;
using CableHub.Modules.Testing;
using CableHub.Testing;
using Dapper;

namespace CableHub.Billing.Tests;

/// <summary>Bill runs on a real database: once per account and period, re-runs bill nothing, a killed run resumes gapless.</summary>
public sealed class BillRunTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_bill_run_bills_every_due_account_once_and_a_rerun_bills_nothing()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres, benchAccounts: 500);

        // A VOD charge arrives as an event before the run: it lands on account 1's bill.
        var chargeId = Guid.NewGuid();
        var vod = new OneTimeChargeCreated(chargeId, db.Id("account:1"), db.Id("customer:1"), "vod_rental", Guid.NewGuid(), "VOD rental: Laapataa Ladies (48 h)", new Money(49.00m, "INR"), db.Clock.GetUtcNow());
        await BillingEventHandler.Handle(vod, db.Get<IBillingCharges>(), default);
        await BillingEventHandler.Handle(vod, db.Get<IBillingCharges>(), default); // redelivered: recorded once

        var runner = db.Runner();
        var reports = new List<BillRunStatus>();
        var status = await runner.RunAsync(BillingDatabase.February5, new SyncProgress(reports.Add));

        // 500 bench accounts + the two active customers (the third one's subscription is terminated: nothing to bill).
        (status.Status, status.AccountsDue, status.Invoices).ShouldBe(("completed", 503, 502));
        reports.Count.ShouldBeGreaterThan(1);
        (await db.SeriesAsync("INV")).ShouldBe((502L, 1L, 502L, 503L));

        await using var conn = await db.DataSource.OpenConnectionAsync();
        (await conn.ExecuteScalarAsync<long>("SELECT count(DISTINCT billing_account_id) FROM hub.invoice WHERE period_start = '2026-02-05'")).ShouldBe(502);

        // Customer 1: FAMILY-M 299.00 + NCF (6 SD channels: 130.00) + VOD 49.00; GST 18 % of 478.00 = 86.04.
        var first = (await db.Invoices().ListAsync(db.Id("account:1"), 0, 10)).Items.Single();
        first.Lines.Select(l => (l.Kind, l.Amount)).ShouldBe([("recurring", 299.00m), ("ncf", 130.00m), ("one_time", 49.00m), ("tax", 86.04m)]);
        (first.Total, first.OpenAmount, first.Status, first.DueDate).ShouldBe((564.04m, 564.04m, "issued", new DateOnly(2026, 2, 20)));
        (await conn.ExecuteScalarAsync<string>("SELECT status || ':' || (invoice_id = @id) FROM hub.billing_charge WHERE source_id = @chargeId", new { chargeId, id = first.Id })).ShouldBe("billed:true");

        // A bench account that started mid-January pays January from its start day in arrears: 2026-01-15 .. 2026-02-04 = 21 of 31 days: 299 × 21/31 = 202.55.
        (await conn.ExecuteScalarAsync<decimal>(
            "SELECT l.amount FROM hub.invoice_line l JOIN hub.invoice i ON i.id = l.invoice_id JOIN hub.billing_account a ON a.id = i.billing_account_id WHERE a.account_number = 'BA000000007' AND l.kind = 'proration'"))
            .ShouldBe(202.55m);

        // Again: nothing new. Another day: nobody due.
        var again = await runner.RunAsync(BillingDatabase.February5);
        (again.Status, again.Invoices, again.Attempts).ShouldBe(("completed", 502, 2));
        (await db.SeriesAsync("INV")).Count.ShouldBe(502);
        (await runner.RunAsync(BillingDatabase.February5.AddDays(1))).AccountsDue.ShouldBe(0);
        (await runner.StatusAsync(BillingDatabase.February5))!.Invoices.ShouldBe(502);

        // The unique index is the last guard: a second bill-run invoice for an account and period is refused.
        var ex = await Should.ThrowAsync<Npgsql.PostgresException>(() => conn.ExecuteAsync(
            """
            INSERT INTO hub.invoice (id, kind, series, seq, invoice_number, billing_account_id, customer_id, bill_run_id, period_start, period_end, issue_date, due_date, currency,
                subtotal, tax_total, total, open_amount, status, regulatory_profile, tax_jurisdiction, issued_at)
            SELECT gen_random_uuid(), kind, series, 999999, 'DUP', billing_account_id, customer_id, bill_run_id, period_start, period_end, issue_date, due_date, currency,
                subtotal, tax_total, total, open_amount, status, regulatory_profile, tax_jurisdiction, issued_at FROM hub.invoice WHERE id = @id
            """, new { id = first.Id }));
        ex.ConstraintName.ShouldBe("invoice_account_period_uq");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_bill_run_killed_mid_way_and_run_again_bills_every_account_exactly_once_with_gapless_numbers()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres, benchAccounts: 3000);
        var date = BillingDatabase.February5.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        // Chunks of 100 with a pause after each: kill it (SIGKILL) once at least 5 chunks are committed.
        using (var first = Worker(db.ConnectionString, date, 100, 400))
        {
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (await BilledAsync(db) < 500)
            {
                first.HasExited.ShouldBeFalse("the bill run finished before it could be killed");
                DateTime.UtcNow.ShouldBeLessThan(deadline, "the bill run made no progress");
                await Task.Delay(100);
            }

            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }

        var killedAt = await BilledAsync(db);
        killedAt.ShouldBeLessThan(3002);
        (await db.Runner().StatusAsync(BillingDatabase.February5))!.Status.ShouldBe("running"); // nobody marked it: it was killed

        using (var second = Worker(db.ConnectionString, date, 250, 0))
        {
            var output = await second.StandardOutput.ReadToEndAsync();
            await second.WaitForExitAsync();
            second.ExitCode.ShouldBe(0, output + await second.StandardError.ReadToEndAsync());
            output.ShouldContain("done 3002");
        }

        await using var conn = await db.DataSource.OpenConnectionAsync();
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.billing_profile p WHERE NOT EXISTS (SELECT 1 FROM hub.invoice i WHERE i.billing_account_id = p.billing_account_id)"))
            .ShouldBe(1); // the terminated customer only
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM (SELECT billing_account_id FROM hub.invoice GROUP BY billing_account_id HAVING count(*) > 1) d")).ShouldBe(0);
        (await db.SeriesAsync("INV")).ShouldBe((3002L, 1L, 3002L, 3003L));
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.invoice i WHERE NOT EXISTS (SELECT 1 FROM hub.invoice_line l WHERE l.invoice_id = i.id)")).ShouldBe(0);
        var run = (await db.Runner().StatusAsync(BillingDatabase.February5))!;
        (run.Status, run.Attempts, run.Invoices).ShouldBe(("completed", 2, 3002));
    }

    private static async Task<long> BilledAsync(CatalogDatabase db)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.invoice");
    }

    private static Process Worker(string connectionString, string date, int chunk, int pauseMs)
    {
        var here = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var tfm = Path.GetFileName(here);
        var configuration = Path.GetFileName(Path.GetDirectoryName(here)!);
        var tests = Path.GetFullPath(Path.Combine(here, "..", "..", "..", ".."));
        var dll = Path.Combine(tests, "CableHub.Billing.Worker", "bin", configuration, tfm, "CableHub.Billing.Worker.dll");
        File.Exists(dll).ShouldBeTrue($"the bill-run worker is not built: {dll}");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, connectionString, date, chunk.ToString(System.Globalization.CultureInfo.InvariantCulture), pauseMs.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(a);
        }

        return Process.Start(info)!;
    }
}

internal sealed class SyncProgress(Action<BillRunStatus> report) : IProgress<BillRunStatus>
{
    public void Report(BillRunStatus value) => report(value);
}
