using CableHub.Billing.Engine;

namespace CableHub.Billing.Tests.Golden;

/// <summary>
/// Golden proration: every case with values computed by hand (price × days / days of the period, rounded to 2 decimals
/// half away from zero, line by line).
/// </summary>
public sealed class ProrationGoldenTests
{
    private static DateOnly D(string s) => DateOnly.Parse(s, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Cycle day 5: 2026-01-05 .. 2026-02-04, 31 days.</summary>
    private static readonly BillingPeriod January = new BillingCycle(5).PeriodContaining(D("2026-01-10"));

    /// <summary>Cycle day 5: 2026-02-05 .. 2026-03-04, 28 days.</summary>
    private static readonly BillingPeriod February = new BillingCycle(5).PeriodContaining(D("2026-02-10"));

    [Fact]
    public void Mid_cycle_start_charges_from_the_first_day()
    {
        // 2026-01-20 .. 2026-02-04 = 16 of 31 days: 299 × 16 / 31 = 154.3226 → 154.32
        var line = Proration.MidCycleStart(299.00m, January, D("2026-01-20"));
        line.Amount.ShouldBe(154.32m);
        (line.From, line.To).ShouldBe((D("2026-01-20"), D("2026-02-05")));
    }

    [Fact]
    public void Upgrade_credits_the_old_plan_and_charges_the_new_one_for_the_rest_of_the_period()
    {
        // 16 of 31 days: old 299 × 16/31 = 154.3226 → −154.32; new 499 × 16/31 = 257.5484 → 257.55; net 103.23
        var lines = Proration.PlanChange(299.00m, 499.00m, January, D("2026-01-20"));
        lines.Select(l => l.Amount).ShouldBe([-154.32m, 257.55m]);
        lines.Sum(l => l.Amount).ShouldBe(103.23m);
    }

    [Fact]
    public void Downgrade_nets_a_credit()
    {
        // 2026-02-20 .. 2026-03-04 = 13 of 28 days: old 499 × 13/28 = 231.6786 → −231.68; new 299 × 13/28 = 138.8214 → 138.82; net −92.86
        var lines = Proration.PlanChange(499.00m, 299.00m, February, D("2026-02-20"));
        lines.Select(l => l.Amount).ShouldBe([-231.68m, 138.82m]);
        lines.Sum(l => l.Amount).ShouldBe(-92.86m);
    }

    [Fact]
    public void Suspension_credits_the_days_suspended()
    {
        // 2026-01-10 .. 2026-01-24 = 15 of 31 days: 299 × 15/31 = 144.6774 → −144.68
        Proration.Suspension(299.00m, January, D("2026-01-10"), D("2026-01-25")).Amount.ShouldBe(-144.68m);

        // open-ended: from 2026-01-28 to the period's end = 8 days: 299 × 8/31 = 77.1613 → −77.16
        Proration.Suspension(299.00m, January, D("2026-01-28"), null).Amount.ShouldBe(-77.16m);

        // a suspension reaching past the period credits only its days in the period
        Proration.Suspension(299.00m, January, D("2026-01-28"), D("2026-03-01")).Amount.ShouldBe(-77.16m);
    }

    [Fact]
    public void Cancellation_credits_the_rest_of_the_period()
    {
        // effective 2026-01-28: 2026-01-28 .. 2026-02-04 = 8 of 31 days → −77.16
        Proration.Cancellation(299.00m, January, D("2026-01-28")).Amount.ShouldBe(-77.16m);

        // on the period's first day: the whole period back
        Proration.Cancellation(299.00m, January, January.Start).Amount.ShouldBe(-299.00m);
    }

    [Fact]
    public void Leap_february_has_29_days()
    {
        // cycle day 1, 2028-02-01 .. 2028-02-29 = 29 days; start 2028-02-15: 15 days: 299 × 15/29 = 154.6552 → 154.66
        var period = new BillingCycle(1).PeriodContaining(D("2028-02-15"));
        period.Days.ShouldBe(29);
        Proration.MidCycleStart(299.00m, period, D("2028-02-15")).Amount.ShouldBe(154.66m);

        // the same start in 2026 (28 days): 14 days: 299 × 14/28 = 149.50 exactly
        Proration.MidCycleStart(299.00m, new BillingCycle(1).PeriodContaining(D("2026-02-15")), D("2026-02-15")).Amount.ShouldBe(149.50m);
    }

    [Fact]
    public void Half_cents_round_away_from_zero_for_charges_and_credits()
    {
        // 3.50 × 1/28 = 0.125 exactly: 0.13 (banker's rounding would give 0.12), and −0.13 for a credit
        var period = new BillingCycle(1).PeriodContaining(D("2026-02-10"));
        Proration.MidCycleStart(3.50m, period, D("2026-02-28")).Amount.ShouldBe(0.13m);
        Proration.Cancellation(3.50m, period, D("2026-02-28")).Amount.ShouldBe(-0.13m);
        Proration.Round(2.345m).ShouldBe(2.35m);
        Proration.Round(-2.345m).ShouldBe(-2.35m);
    }

    [Fact]
    public void Quarterly_periods_prorate_over_their_own_length()
    {
        // Q1 2026 = 90 days; start 2026-02-15: 14 + 31 = 45 days: 897 × 45/90 = 448.50
        var q1 = new BillingCycle(1, 3, 1).PeriodContaining(D("2026-02-15"));
        Proration.MidCycleStart(897.00m, q1, D("2026-02-15")).Amount.ShouldBe(448.50m);
    }

    [Fact]
    public void A_change_on_the_first_day_moves_the_whole_period_and_a_full_period_is_never_rounded()
    {
        var lines = Proration.PlanChange(299.00m, 499.00m, January, January.Start);
        lines.Select(l => l.Amount).ShouldBe([-299.00m, 499.00m]);
        Proration.Prorate(333.33m, January, January.Start).ShouldBe(333.33m);
        Proration.Prorate(333.33m, January, January.End).ShouldBe(0m);
    }
}
