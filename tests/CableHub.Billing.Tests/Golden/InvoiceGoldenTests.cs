using CableHub.Billing.Engine;
using CableHub.Catalog.Contracts;

namespace CableHub.Billing.Tests.Golden;

/// <summary>Golden invoices: a whole Indian and a whole US bill computed by hand, and the lifecycle cases of a bill run.</summary>
public sealed class InvoiceGoldenTests
{
    private static DateOnly D(string s) => DateOnly.Parse(s, System.Globalization.CultureInfo.InvariantCulture);

    private static readonly NetworkCapacityFeeTerms Ncf = new(130.00m, 100, 20.00m, 25, 2, "INR");

    private static readonly RatingContext India = new(Ncf, new Dictionary<string, IReadOnlyList<TaxRule>>
    {
        ["IN"] = [new(TaxCategory.CableService, "GST 18%", 0.18m), new(TaxCategory.Vod, "GST 18%", 0.18m), new(TaxCategory.Equipment, "GST 18%", 0.18m)],
        ["US-CA"] = [new(TaxCategory.Equipment, "Sales tax 7.25%", 0.0725m)],
    });

    private static AccountToBill Account(string profile = "IN", string jurisdiction = "IN", string currency = "INR") =>
        new(Guid.NewGuid(), Guid.NewGuid(), currency, new BillingCycle(5), profile, jurisdiction);

    /// <summary>Period of the run on 2026-02-05: 2026-02-05 .. 2026-03-04 (28 days); the previous one 2026-01-05 .. 2026-02-04 (31 days).</summary>
    private static readonly BillingPeriod February = new BillingCycle(5).PeriodContaining(D("2026-02-05"));

    private static RatedSubscription Family(string status = "active", string start = "2025-11-05", string? end = null) =>
        new(Guid.NewGuid(), "FAMILY-M", "Family monthly", 299.00m, 1, status, D(start), end is null ? null : D(end), SdChannels: 5, HdChannels: 1);

    [Fact]
    public void An_indian_bill_with_a_mid_cycle_start_ncf_rental_vod_discount_and_gst()
    {
        // Subscription started 2026-01-20 (not billed in January's run): arrears 16/31 days 154.32 + NCF 130 × 16/31 = 67.10;
        // February in advance 299.00 + NCF 130.00 (5 SD + 1 HD × 2 = 7 SD equivalents ≤ 100: base fee);
        // equipment rental 50.00 (started on January's first day: billed then, no arrears); VOD rental 49.00;
        // 10 % off the plan: (154.32 + 299.00) × 10 % = 45.332 → −45.33.
        // Subtotal 154.32 + 67.10 + 299.00 + 130.00 + 50.00 + 49.00 − 45.33 = 704.09; GST 18 % of 704.09 = 126.7362 → 126.74; total 830.83.
        var sub = Family(start: "2026-01-20");
        var draft = InvoiceCalculator.Compute(Account(), February, [sub],
            [new PendingCharge(Guid.NewGuid(), "vod", "VOD rental: Laapataa Ladies (48 h)", 49.00m, TaxCategory.Vod)],
            [new RecurringItem(Guid.NewGuid(), "equipment_rental", "HD set-top box rental", 50.00m, TaxCategory.Equipment, D("2026-01-05"), null)],
            [new Discount(Guid.NewGuid(), "percentage", "Loyalty 10 %", 10m, null, null, null, D("2026-01-01"), null)],
            India);

        draft.Lines.Select(l => (l.Kind, l.Amount)).ShouldBe(
        [
            (LineKind.Proration, 154.32m),
            (LineKind.NetworkCapacityFee, 67.10m),
            (LineKind.Recurring, 299.00m),
            (LineKind.NetworkCapacityFee, 130.00m),
            (LineKind.EquipmentRental, 50.00m),
            (LineKind.OneTime, 49.00m),
            (LineKind.Discount, -45.33m),
            (LineKind.Tax, 126.74m),
        ]);
        draft.Subtotal.ShouldBe(704.09m);
        draft.TaxTotal.ShouldBe(126.74m);
        draft.Total.ShouldBe(830.83m);
        draft.Lines[0].From.ShouldBe(D("2026-01-20"));
        draft.Lines[0].To.ShouldBe(D("2026-02-05"));
        draft.Lines[3].Description.ShouldContain("7 SD equivalents");
        draft.Lines.Where(l => l.Kind != LineKind.Tax).ShouldAllBe(l => l.TaxRate == 0.18m);
    }

    [Fact]
    public void A_us_bill_puts_the_all_in_video_price_first()
    {
        // Video 89.99 − 10.00 promotion = 79.99 all-in (informational, first); box rental 9.99 taxed 7.25 % = 0.724 → 0.72.
        // Subtotal 89.99 + 9.99 − 10.00 = 89.98; total 90.70.
        var video = new RatedSubscription(Guid.NewGuid(), "VIDEO-M", "Video monthly", 89.99m, 1, "active", D("2025-06-05"), null);
        var draft = InvoiceCalculator.Compute(Account("US", "US-CA", "USD"), February, [video], [],
            [new RecurringItem(Guid.NewGuid(), "equipment_rental", "Receiver rental", 9.99m, TaxCategory.Equipment, D("2025-06-05"), null)],
            [new Discount(Guid.NewGuid(), "fixed", "Promotion", null, 10.00m, null, null, D("2026-01-01"), null)],
            India);

        draft.Lines[0].Kind.ShouldBe(LineKind.AllInVideoPrice);
        draft.Lines[0].Informational.ShouldBeTrue();
        draft.Lines[0].Amount.ShouldBe(79.99m);
        draft.Lines.Skip(1).Select(l => (l.Kind, l.Amount)).ShouldBe(
            [(LineKind.Recurring, 89.99m), (LineKind.EquipmentRental, 9.99m), (LineKind.Discount, -10.00m), (LineKind.Tax, 0.72m)]);
        draft.Subtotal.ShouldBe(89.98m);
        draft.Total.ShouldBe(90.70m);
    }

    [Fact]
    public void A_cancellation_in_the_previous_period_is_credited_by_its_lifecycle_charge_only_and_nothing_is_charged_ahead()
    {
        // Billed in advance on 2026-01-05; cancelled effective 2026-01-28: the lifecycle saga recorded the credit (8 of 31 days back:
        // 299 × 8/31 = −77.16); the calculator adds no second credit and charges nothing ahead. GST 18 % of −77.16 = −13.8888 → −13.89.
        var credit = Proration.Cancellation(299.00m, new BillingCycle(5).PeriodContaining(D("2026-01-28")), D("2026-01-28"));
        var charges = new[] { new PendingCharge(Guid.NewGuid(), "proration", "FAMILY-M cancelled 2026-01-28: credit", credit.Amount, TaxCategory.CableService, credit.From, credit.To) };
        var draft = InvoiceCalculator.Compute(Account(), February, [Family("terminated", "2025-11-05", "2026-01-28")], charges, [], [], India);
        draft.Lines.Select(l => l.Amount).ShouldBe([-77.16m, -13.89m]);
        draft.Total.ShouldBe(-91.05m);
    }

    [Fact]
    public void A_suspended_subscription_is_not_charged_ahead_and_lifecycle_prorations_arrive_as_charges()
    {
        // Suspended now: no advance line. An upgrade recorded in January (16 days: −154.32 + 257.55) is billed as charges.
        var change = Proration.PlanChange(299.00m, 499.00m, new BillingCycle(5).PeriodContaining(D("2026-01-20")), D("2026-01-20"));
        var charges = change.Select(l => new PendingCharge(Guid.NewGuid(), "proration", l.Kind.ToString(), l.Amount, TaxCategory.CableService, l.From, l.To)).ToList();
        var draft = InvoiceCalculator.Compute(Account(), February, [Family("suspended")], charges, [], [], India);

        // 103.23 × 18 % = 18.5814 → 18.58; total 121.81
        draft.Lines.Select(l => l.Amount).ShouldBe([-154.32m, 257.55m, 18.58m]);
        draft.Total.ShouldBe(121.81m);
        draft.BilledChargeIds.Count.ShouldBe(2);
    }

    [Fact]
    public void Free_months_bundle_and_fixed_discounts()
    {
        var account = Account();
        var free = new Discount(Guid.NewGuid(), "free_months", "2 months free", null, null, 2, null, D("2026-02-05"), null);

        // Free in the periods starting 2026-02-05 and 2026-03-05, charged from 2026-04-05.
        InvoiceCalculator.Compute(account, February, [Family()], [], [], [free], India).Lines
            .Single(l => l.Kind == LineKind.Discount).Amount.ShouldBe(-299.00m);
        InvoiceCalculator.Compute(account, new BillingCycle(5).PeriodContaining(D("2026-03-05")), [Family()], [], [], [free], India).Lines
            .Single(l => l.Kind == LineKind.Discount).Amount.ShouldBe(-299.00m);
        InvoiceCalculator.Compute(account, new BillingCycle(5).PeriodContaining(D("2026-04-05")), [Family()], [], [], [free], India).Lines
            .ShouldNotContain(l => l.Kind == LineKind.Discount);

        // Bundle 15 % applies with two subscriptions: (299 + 299) × 15 % = 89.70; not with one.
        var bundle = new Discount(Guid.NewGuid(), "bundle", "Two-room bundle 15 %", 15m, null, null, null, D("2026-01-01"), null);
        InvoiceCalculator.Compute(account, February, [Family(), Family()], [], [], [bundle], India).Lines
            .Single(l => l.Kind == LineKind.Discount).Amount.ShouldBe(-89.70m);
        InvoiceCalculator.Compute(account, February, [Family()], [], [], [bundle], India).Lines.ShouldNotContain(l => l.Kind == LineKind.Discount);

        // A fixed discount never exceeds the plan charges; two discounts together neither.
        var big = new Discount(Guid.NewGuid(), "fixed", "Goodwill", null, 500.00m, null, null, D("2026-01-01"), null);
        var pct = new Discount(Guid.NewGuid(), "percentage", "Staff 50 %", 50m, null, null, null, D("2026-01-02"), null);
        InvoiceCalculator.Compute(account, February, [Family()], [], [], [big, pct], India).Lines
            .Where(l => l.Kind == LineKind.Discount).Sum(l => l.Amount).ShouldBe(-299.00m);

        // Expired or future discounts do nothing.
        var expired = new Discount(Guid.NewGuid(), "percentage", "Old", 10m, null, null, null, D("2025-01-01"), D("2026-02-05"));
        InvoiceCalculator.Compute(account, February, [Family()], [], [], [expired], India).Lines.ShouldNotContain(l => l.Kind == LineKind.Discount);
    }

    [Fact]
    public void Quarterly_accounts_pay_three_months_of_a_monthly_plan_and_of_the_ncf()
    {
        // 299 × 3 = 897.00; NCF 130 × 3 = 390.00; GST 18 % of 1287.00 = 231.66; total 1518.66
        var account = new AccountToBill(Guid.NewGuid(), Guid.NewGuid(), "INR", new BillingCycle(1, 3, 1), "IN", "IN");
        var period = account.Cycle.PeriodContaining(D("2026-04-01"));
        var draft = InvoiceCalculator.Compute(account, period, [Family(start: "2025-10-01")], [], [], [], India);
        draft.Lines.Select(l => l.Amount).ShouldBe([897.00m, 390.00m, 231.66m]);
        draft.Total.ShouldBe(1518.66m);
    }

    [Fact]
    public void The_ncf_follows_the_slabs_of_the_catalog_rules()
    {
        // 100 SD: 130; 101 SD: 150 (one further slab of 25); 60 SD + 30 HD = 120 equivalents: 130 + 20 = 150; 150 SD: 130 + 2 × 20 = 170
        Ncf.MonthlyFee(100, 0).ShouldBe(130.00m);
        Ncf.MonthlyFee(101, 0).ShouldBe(150.00m);
        Ncf.MonthlyFee(60, 30).ShouldBe(150.00m);
        Ncf.MonthlyFee(150, 0).ShouldBe(170.00m);
    }

    [Fact]
    public void An_add_on_added_mid_cycle_and_removed_the_next_period_is_billed_for_exactly_its_days()
    {
        // Bouquet STAR-HD at 60.00 a month on FAMILY-M (299.00, NCF 130.00), cycle day 5.
        // Added 2026-01-20 inside January's billed period (2026-01-05 .. 02-04, 31 days): the lifecycle charges 60 × 16/31 = 30.967 → 30.97.
        var january = new BillingCycle(5).PeriodContaining(D("2026-01-20"));
        var added = Proration.MidCycleStart(60.00m, january, D("2026-01-20"));
        added.Amount.ShouldBe(30.97m);

        // February's bill (2026-02-05 .. 03-04, 28 days): plan 299.00, NCF 130.00, the add-on in advance 60.00, the January days 30.97.
        // Subtotal 519.97; GST 18 % = 93.5946 → 93.59; total 613.56.
        var sub = Family();
        var addOn = new RatedAddOn(sub.Id, "bouquet", "STAR-HD", "Star HD pack", 60.00m, 1, D("2026-01-20"), null);
        var february = InvoiceCalculator.Compute(Account(), February, [sub],
            [new PendingCharge(Guid.NewGuid(), "proration", "Star HD pack added 2026-01-20", added.Amount, TaxCategory.CableService, added.From, added.To)], [], [], India, [addOn]);
        february.Lines.Select(l => (l.Kind, l.Amount)).ShouldBe(
            [(LineKind.Recurring, 299.00m), (LineKind.NetworkCapacityFee, 130.00m), (LineKind.Recurring, 60.00m), (LineKind.Proration, 30.97m), (LineKind.Tax, 93.59m)]);
        february.Lines[2].Description.ShouldBe("Add-on STAR-HD Star HD pack");
        february.Lines[2].SubscriptionId.ShouldBe(sub.Id);
        february.Lines[2].TaxRate.ShouldBe(0.18m);
        february.Total.ShouldBe(613.56m);

        // Removed 2026-02-19: the lifecycle credits the rest of February, 60 × 14/28 = −30.00.
        var removed = Proration.Cancellation(60.00m, February, D("2026-02-19"));
        removed.Amount.ShouldBe(-30.00m);

        // March's bill (2026-03-05 .. 04-04): the add-on ended before the period: not billed ahead; the credit comes off.
        // 299.00 + 130.00 − 30.00 = 399.00; GST 71.82; total 470.82.
        var march = InvoiceCalculator.Compute(Account(), new BillingCycle(5).PeriodContaining(D("2026-03-05")), [sub],
            [new PendingCharge(Guid.NewGuid(), "proration", "Star HD pack removed 2026-02-19: credit", removed.Amount, TaxCategory.CableService, removed.From, removed.To)], [], [], India,
            [addOn with { To = D("2026-02-19") }]);
        march.Lines.Select(l => (l.Kind, l.Amount)).ShouldBe(
            [(LineKind.Recurring, 299.00m), (LineKind.NetworkCapacityFee, 130.00m), (LineKind.Proration, -30.00m), (LineKind.Tax, 71.82m)]);
        march.Total.ShouldBe(470.82m);

        // Net for the add-on: 30.97 + 60.00 − 30.00 = 60.97 = its 16 January days + 14 February days, nothing credited that was not charged.
        (added.Amount + 60.00m + removed.Amount).ShouldBe(60.97m);
    }

    [Fact]
    public void Add_ons_follow_their_subscription_and_are_outside_plan_discounts()
    {
        // A suspended subscription's add-on is not charged ahead; an add-on starting after the period start is the lifecycle's charge.
        var sub = Family();
        var live = new RatedAddOn(sub.Id, "channel", "HBO-HD", "HBO HD", 25.00m, 1, D("2025-12-01"), null);
        var later = new RatedAddOn(sub.Id, "bouquet", "KIDS", "Kids pack", 40.00m, 1, D("2026-02-06"), null);
        InvoiceCalculator.Compute(Account(), February, [Family("suspended") with { Id = sub.Id }], [], [], [], India, [live]).Lines.ShouldBeEmpty();
        var draft = InvoiceCalculator.Compute(Account(), February, [sub], [], [], [new Discount(Guid.NewGuid(), "percentage", "10 %", 10m, null, null, null, D("2026-01-01"), null)],
            India, [live, later]);

        // 299 + 130 + 25 − 29.90 (10 % of the plan only) = 424.10; GST 76.338 → 76.34
        draft.Lines.Select(l => (l.Kind, l.Amount)).ShouldBe(
            [(LineKind.Recurring, 299.00m), (LineKind.NetworkCapacityFee, 130.00m), (LineKind.Recurring, 25.00m), (LineKind.Discount, -29.90m), (LineKind.Tax, 76.34m)]);

        // Quarterly account: a monthly add-on costs three months.
        var quarterly = new AccountToBill(Guid.NewGuid(), Guid.NewGuid(), "INR", new BillingCycle(1, 3, 1), "IN", "IN");
        InvoiceCalculator.Compute(quarterly, quarterly.Cycle.PeriodContaining(D("2026-04-01")), [Family(start: "2025-10-01") with { Id = sub.Id }], [], [], [], India, [live])
            .Lines.Where(l => l.Description.StartsWith("Add-on", StringComparison.Ordinal)).Single().Amount.ShouldBe(75.00m);
    }
}
