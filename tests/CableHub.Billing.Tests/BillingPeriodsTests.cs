using CableHub.Billing.Contracts;
using CableHub.Core.Persistence;
using CableHub.Subscriptions.Contracts;
using CableHub.Testing;
using Dapper;

namespace CableHub.Billing.Tests;

/// <summary>
/// Billing's <see cref="IBillingPeriods"/> (next cycle start from the profile's cycle alignment, paid-through from paid invoices) and
/// the lifecycle kinds the saga records (restore, add-on added / removed, a change as its period starts).
/// </summary>
public sealed class BillingPeriodsTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly TimeSpan Ist = TimeSpan.FromHours(5.5);

    [Fact]
    public async Task Next_cycle_starts_at_the_profiles_period_end_in_the_reporting_time_zone()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres);
        var periods = db.Get<IBillingPeriods>();
        periods.GetType().Name.ShouldBe("BillingPeriods"); // billing's, not the Subscriptions placeholder
        var sub = db.Id("subscription:1"); // account 1: cycle day 5, monthly

        (await periods.NextCycleStartAsync(sub, new DateTimeOffset(2026, 1, 20, 10, 0, 0, TimeSpan.Zero), default))
            .ShouldBe(new DateTimeOffset(2026, 2, 5, 0, 0, 0, Ist));
        // Local Feb 5 00:00 is a period start: the next one is March 5.
        (await periods.NextCycleStartAsync(sub, new DateTimeOffset(2026, 2, 5, 0, 0, 0, Ist), default))
            .ShouldBe(new DateTimeOffset(2026, 3, 5, 0, 0, 0, Ist));
        // 2026-02-04 20:00 UTC is already Feb 5 in India.
        (await periods.NextCycleStartAsync(sub, new DateTimeOffset(2026, 2, 4, 20, 0, 0, TimeSpan.Zero), default))
            .ShouldBe(new DateTimeOffset(2026, 3, 5, 0, 0, 0, Ist));

        await using var conn = await db.DataSource.OpenConnectionAsync();
        // Cycle day 31 clamps to February's last day; quarterly from an anchor month.
        await conn.ExecuteAsync("UPDATE hub.billing_profile SET bill_cycle_day = 31 WHERE billing_account_id = @a", new { a = db.Id("account:1") });
        (await periods.NextCycleStartAsync(sub, new DateTimeOffset(2026, 2, 10, 12, 0, 0, TimeSpan.Zero), default))
            .ShouldBe(new DateTimeOffset(2026, 2, 28, 0, 0, 0, Ist));
        await conn.ExecuteAsync("UPDATE hub.billing_profile SET bill_cycle_day = 1, billing_period = 'quarterly', anchor_month = 1 WHERE billing_account_id = @a", new { a = db.Id("account:1") });
        (await periods.NextCycleStartAsync(sub, new DateTimeOffset(2026, 2, 10, 12, 0, 0, TimeSpan.Zero), default))
            .ShouldBe(new DateTimeOffset(2026, 4, 1, 0, 0, 0, Ist));

        // No profile yet: the billing account's cycle day (5), monthly.
        await conn.ExecuteAsync("DELETE FROM hub.billing_profile WHERE billing_account_id = @a", new { a = db.Id("account:2") });
        (await periods.NextCycleStartAsync(db.Id("subscription:2"), new DateTimeOffset(2026, 1, 20, 10, 0, 0, TimeSpan.Zero), default))
            .ShouldBe(new DateTimeOffset(2026, 2, 5, 0, 0, 0, Ist));
    }

    [Fact]
    public async Task Paid_through_is_the_end_of_the_latest_paid_billed_period()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres);
        var periods = db.Get<IBillingPeriods>();
        var sub = db.Id("subscription:1");
        (await periods.PaidThroughAsync(sub, default)).ShouldBeNull(); // nothing billed

        await db.Runner().RunAsync(BillingDatabase.February5);
        (await periods.PaidThroughAsync(sub, default)).ShouldBeNull(); // billed, not paid

        var invoice = (await db.Invoices().ListAsync(db.Id("account:1"), 0, 5)).Items.Single();
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await db.Get<IInvoiceLedger>().AllocateAsync(invoice.Id, new Money(invoice.Total, "INR"), new DbSession(conn, tx), default);
            await tx.CommitAsync();
        }

        // Billed Feb 5 .. Mar 4 and paid: paid through the start of March 5 (local).
        (await periods.PaidThroughAsync(sub, default)).ShouldBe(new DateTimeOffset(2026, 3, 5, 0, 0, 0, Ist));
        (await periods.PaidThroughAsync(db.Id("subscription:2"), default)).ShouldBeNull(); // account 2 has not paid
    }

    [Fact]
    public async Task Restore_and_add_ons_are_prorated_and_a_change_as_an_unbilled_period_starts_is_left_to_the_bill_run()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres);
        var charges = db.Get<IBillingCharges>();
        var (account, sub) = (db.Id("account:1"), db.Id("subscription:1"));
        var jan20 = new DateOnly(2026, 1, 20); // period Jan 5 .. Feb 4 (31 days): 16 days left

        // 299 × 16 / 31 = 154.3226 → 154.32; 49 × 16 / 31 = 25.2903 → 25.29.
        (await charges.RecordLifecycleChangeAsync(new LifecycleChange("restore", account, sub, db.PlanId, null, jan20, null, Guid.NewGuid()), default))
            .Single().Amount.ShouldBe(154.32m);
        var add = new LifecycleChange("addon_add", account, sub, db.PlanId, null, jan20, null, Guid.NewGuid(), new Money(49.00m, "INR"), "Movie pack");
        (await charges.RecordLifecycleChangeAsync(add, default)).Single().Amount.ShouldBe(25.29m);
        (await charges.RecordLifecycleChangeAsync(add with { Kind = "addon_remove", SourceId = Guid.NewGuid() }, default)).Single().Amount.ShouldBe(-25.29m);
        await Should.ThrowAsync<RequestInvalidException>(() => charges.RecordLifecycleChangeAsync(add with { AddOnPrice = null }, default));

        // A suspension from Feb 5, the day its period starts, before that period is billed: the bill run will not charge the
        // suspended subscription ahead, so there is nothing to credit. Once the period is billed, the same change credits it.
        var suspension = new LifecycleChange("suspension", account, sub, db.PlanId, null, BillingDatabase.February5, null, Guid.NewGuid());
        (await charges.RecordLifecycleChangeAsync(suspension, default)).ShouldBeEmpty();
        await db.Runner().RunAsync(BillingDatabase.February5);
        (await charges.RecordLifecycleChangeAsync(suspension, default)).Single().Amount.ShouldBe(-299.00m);

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var rows = (await conn.QueryAsync<(string Description, decimal Amount)>(
            "SELECT description, amount FROM hub.billing_charge WHERE billing_account_id = @account AND kind = 'proration'", new { account })).ToList();
        rows.Select(r => r.Amount).ShouldBe([154.32m, 25.29m, -25.29m, -299.00m], ignoreOrder: true);
        rows.Single(r => r.Amount == 25.29m).Description.ShouldBe("Movie pack added 2026-01-20");
    }
}
