using CableHub.Billing.Contracts;
using CableHub.Testing;
using Dapper;

namespace CableHub.Billing.Tests;

/// <summary>
/// Add-ons in bill runs: a subscription's live bouquets and à-la-carte channels are billed in advance, priced from the catalog,
/// and the lifecycle's add / remove prorations make the whole exactly the days the add-on was live.
/// </summary>
public sealed class AddOnBillingTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task An_add_on_added_mid_cycle_then_removed_is_billed_for_its_days_only()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres);
        var (account, sub, star) = (db.Id("account:1"), db.Id("subscription:1"), Guid.NewGuid());
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync(
                """
                INSERT INTO hub.package (id, code, name, kind, price, currency, billing_period, status) VALUES (@star, 'STAR-HD', 'Star HD pack', 'add_on', 60.00, 'INR', 'monthly', 'active');
                INSERT INTO hub.subscription_addon (id, subscription_id, kind, offering_id, price, currency, valid_from) VALUES (gen_random_uuid(), @sub, 'bouquet', @star, 60.00, 'INR', '2026-01-20T04:00:00Z');
                """, new { star, sub });
        }

        // The lifecycle saga records the add (2026-01-20, January's period 01-05 .. 02-04): 60 × 16/31 = 30.97.
        var charges = db.Get<IBillingCharges>();
        var add = new LifecycleChange("addon_add", account, sub, db.PlanId, null, new DateOnly(2026, 1, 20), null, Guid.NewGuid(), new Money(60.00m, "INR"), "Star HD pack");
        (await charges.RecordLifecycleChangeAsync(add, default)).Single().Amount.ShouldBe(30.97m);

        await db.Runner().RunAsync(BillingDatabase.February5);
        var february = (await db.Invoices().ListAsync(account, 0, 5)).Items.Single();
        february.Lines.Where(l => l.Kind != "tax").Select(l => (l.Kind, l.Amount)).ShouldBe(
            [("recurring", 299.00m), ("ncf", 130.00m), ("recurring", 60.00m), ("proration", 30.97m)]);
        february.Lines.Single(l => l.Description.StartsWith("Add-on", StringComparison.Ordinal)).Description.ShouldBe("Add-on STAR-HD Star HD pack");
        february.Total.ShouldBe(613.56m); // 519.97 + GST 93.59
        (await db.Invoices().ListAsync(db.Id("account:2"), 0, 5)).Items.Single().Lines.ShouldNotContain(l => l.Description.StartsWith("Add-on", StringComparison.Ordinal));

        // Removed 2026-02-19 (local): the add-on row ends, the lifecycle credits 14 of February's 28 days: −30.00.
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("UPDATE hub.subscription_addon SET valid_to = '2026-02-19T04:00:00Z' WHERE subscription_id = @sub", new { sub });
        }

        var remove = add with { Kind = "addon_remove", From = new DateOnly(2026, 2, 19), SourceId = Guid.NewGuid() };
        (await charges.RecordLifecycleChangeAsync(remove, default)).Single().Amount.ShouldBe(-30.00m);

        await db.Runner().RunAsync(new DateOnly(2026, 3, 5));
        var march = (await db.Invoices().ListAsync(account, 0, 5)).Items.Single(i => i.PeriodStart == new DateOnly(2026, 3, 5));
        march.Lines.Where(l => l.Kind != "tax").Select(l => (l.Kind, l.Amount)).ShouldBe([("recurring", 299.00m), ("ncf", 130.00m), ("proration", -30.00m)]);
        march.Total.ShouldBe(470.82m); // 399.00 + GST 71.82

        // Over both bills the add-on cost 30.97 + 60.00 − 30.00 = 60.97: January 20 .. February 18, nothing credited that was not charged.
        var addOnLines = february.Lines.Concat(march.Lines).Where(l => l.Description.Contains("Star HD", StringComparison.Ordinal));
        addOnLines.Sum(l => l.Amount).ShouldBe(60.97m);
    }
}
