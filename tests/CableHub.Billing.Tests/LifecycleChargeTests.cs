using CableHub.Billing.Contracts;
using CableHub.Testing;
using Dapper;

namespace CableHub.Billing.Tests;

/// <summary>Lifecycle changes recorded through <see cref="IBillingCharges"/> become prorated charges on the next bill.</summary>
public sealed class LifecycleChargeTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task An_upgrade_and_a_suspension_are_prorated_on_the_next_bill_once()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres);
        var premium = Guid.NewGuid();
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("INSERT INTO hub.plan (id, code, name, price, currency, billing_period, status) VALUES (@premium, 'PREMIUM-M', 'Premium monthly', 499.00, 'INR', 'monthly', 'active')", new { premium });
        }

        var charges = db.Get<IBillingCharges>();
        var (account, sub) = (db.Id("account:1"), db.Id("subscription:1"));

        // Account 1 bills on the 5th: 2026-01-05 .. 2026-02-04 (31 days). Upgrade on 2026-01-20 (16 days): −154.32 + 257.55.
        var upgrade = new LifecycleChange("upgrade", account, sub, db.PlanId, premium, new DateOnly(2026, 1, 20), null, Guid.NewGuid());
        (await charges.RecordLifecycleChangeAsync(upgrade, default)).Select(m => m.Amount).ShouldBe([-154.32m, 257.55m]);
        await charges.RecordLifecycleChangeAsync(upgrade, default); // again: recorded once

        // Account 2 suspended 2026-01-10 .. 2026-01-24 (15 days): −144.68.
        var suspension = new LifecycleChange("suspension", db.Id("account:2"), db.Id("subscription:2"), db.PlanId, null, new DateOnly(2026, 1, 10), new DateOnly(2026, 1, 25), Guid.NewGuid());
        (await charges.RecordLifecycleChangeAsync(suspension, default)).Single().Amount.ShouldBe(-144.68m);
        await Should.ThrowAsync<RequestInvalidException>(() => charges.RecordLifecycleChangeAsync(upgrade with { Kind = "pause" }, default));

        await db.Runner().RunAsync(BillingDatabase.February5);
        var bill1 = (await db.Invoices().ListAsync(account, 0, 5)).Items.Single();
        bill1.Lines.Where(l => l.Kind == "proration").Select(l => l.Amount).ShouldBe([-154.32m, 257.55m], ignoreOrder: true);
        var bill2 = (await db.Invoices().ListAsync(db.Id("account:2"), 0, 5)).Items.Single();
        bill2.Lines.Single(l => l.Kind == "proration").Amount.ShouldBe(-144.68m);

        // 299 + 130 − 144.68 = 284.32; GST 18 % = 51.1776 → 51.18; total 335.50
        bill2.Total.ShouldBe(335.50m);
    }
}
