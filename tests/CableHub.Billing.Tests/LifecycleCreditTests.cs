using CableHub.Billing.Contracts;
using CableHub.Testing;
using Dapper;

namespace CableHub.Billing.Tests;

/// <summary>
/// Known bugs of lifecycle prorations against bill runs: a mid-cycle cancellation must be credited once (the lifecycle's charge, not
/// also the next run's arrears), and a subscription's add-ons follow it through suspension (credited) and restore (charged again).
/// </summary>
public sealed class LifecycleCreditTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_subscription_cancelled_mid_cycle_is_credited_exactly_once_by_the_next_bill_run()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres);
        var (account, sub) = (db.Id("account:1"), db.Id("subscription:1"));
        await db.Runner().RunAsync(BillingDatabase.February5);
        var february = (await db.Invoices().ListAsync(account, 0, 5)).Items.Single();
        february.Lines.Where(l => l.Kind != "tax").Select(l => (l.Kind, l.Amount)).ShouldBe([("recurring", 299.00m), ("ncf", 130.00m)]);

        // Disconnected 2026-02-19 local (2026-02-18 20:00 UTC in Asia/Kolkata): the lifecycle saga ends the subscription and records the
        // cancellation — 14 of February's 28 days back: 299 × 14/28 = −149.50. A redelivery records nothing more.
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("UPDATE hub.subscription SET status = 'terminated', end_at = '2026-02-18T20:00:00Z' WHERE id = @sub", new { sub });
        }

        var charges = db.Get<IBillingCharges>();
        var cancellation = new LifecycleChange("cancellation", account, sub, db.PlanId, null, new DateOnly(2026, 2, 19), null, Guid.NewGuid());
        (await charges.RecordLifecycleChangeAsync(cancellation, default)).Select(m => m.Amount).ShouldBe([-149.50m]);
        await charges.RecordLifecycleChangeAsync(cancellation, default);

        await db.Runner().RunAsync(new DateOnly(2026, 3, 5));
        var march = (await db.Invoices().ListAsync(account, 0, 5)).Items.Single(i => i.PeriodStart == new DateOnly(2026, 3, 5));
        // Exactly one credit, nothing charged ahead: −149.50, GST 18 % −26.91, total −176.41.
        march.Lines.Where(l => l.Kind != "tax").Select(l => (l.Kind, l.Amount)).ShouldBe([("proration", -149.50m)]);
        march.Lines.Where(l => l.Amount < 0 && l.Kind != "tax").Sum(l => l.Amount).ShouldBe(-149.50m);
        march.Total.ShouldBe(-176.41m);

        // Over both bills the subscription cost exactly its 14 days of February: 299 − 149.50 (the NCF is billed per period).
        february.Lines.Concat(march.Lines).Where(l => l.Kind is "recurring" or "proration").Sum(l => l.Amount).ShouldBe(149.50m);
    }

    [Fact]
    public async Task Add_ons_are_credited_with_a_suspension_and_charged_again_after_the_restore()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres);
        var (account, sub, star) = (db.Id("account:1"), db.Id("subscription:1"), Guid.NewGuid());
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync(
                """
                INSERT INTO hub.package (id, code, name, kind, price, currency, billing_period, status) VALUES (@star, 'STAR-HD', 'Star HD pack', 'add_on', 60.00, 'INR', 'monthly', 'active');
                INSERT INTO hub.subscription_addon (id, subscription_id, kind, offering_id, price, currency, valid_from) VALUES (gen_random_uuid(), @sub, 'bouquet', @star, 60.00, 'INR', '2025-12-01T00:00:00Z');
                """, new { star, sub });
        }

        await db.Runner().RunAsync(BillingDatabase.February5);
        (await db.Invoices().ListAsync(account, 0, 5)).Items.Single().Lines.Where(l => l.Kind == "recurring").Select(l => l.Amount).ShouldBe([299.00m, 60.00m]);

        // Suspended 2026-02-12 (dunning or vacation), open-ended: 21 of February's 28 days back for the plan and for the add-on.
        var charges = db.Get<IBillingCharges>();
        await SetStatusAsync(db, sub, "suspended");
        var suspension = new LifecycleChange("suspension", account, sub, db.PlanId, null, new DateOnly(2026, 2, 12), null, Guid.NewGuid());
        (await charges.RecordLifecycleChangeAsync(suspension, default)).Select(m => m.Amount).ShouldBe([-224.25m, -45.00m]);

        // March: suspended, nothing charged ahead (add-on included); the credits arrive.
        await db.Runner().RunAsync(new DateOnly(2026, 3, 5));
        var march = (await db.Invoices().ListAsync(account, 0, 5)).Items.Single(i => i.PeriodStart == new DateOnly(2026, 3, 5));
        march.Lines.Where(l => l.Kind != "tax").Select(l => (l.Kind, l.Amount)).ShouldBe([("proration", -224.25m), ("proration", -45.00m)], ignoreOrder: true);

        // Restored 2026-03-19: 17 of March's 31 days charged again — the plan 299 × 17/31 = 163.97 AND the add-on 60 × 17/31 = 32.90.
        await SetStatusAsync(db, sub, "active");
        var restore = new LifecycleChange("restore", account, sub, db.PlanId, null, new DateOnly(2026, 3, 19), null, Guid.NewGuid());
        (await charges.RecordLifecycleChangeAsync(restore, default)).Select(m => m.Amount).ShouldBe([163.97m, 32.90m]);

        await db.Runner().RunAsync(new DateOnly(2026, 4, 5));
        var april = (await db.Invoices().ListAsync(account, 0, 5)).Items.Single(i => i.PeriodStart == new DateOnly(2026, 4, 5));
        april.Lines.Where(l => l.Kind != "tax").Select(l => (l.Kind, l.Amount)).ShouldBe(
            [("recurring", 299.00m), ("ncf", 130.00m), ("recurring", 60.00m), ("proration", 163.97m), ("proration", 32.90m)], ignoreOrder: true);
        april.Lines.Single(l => l.Amount == 32.90m).Description.ShouldBe("Add-on STAR-HD Star HD pack restored 2026-03-19");
    }

    private static async Task SetStatusAsync(CableHub.Modules.Testing.CatalogDatabase db, Guid sub, string status)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync("UPDATE hub.subscription SET status = @status WHERE id = @sub", new { sub, status });
    }
}
