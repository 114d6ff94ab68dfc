using CableHub.Billing.Engine;

namespace CableHub.Billing.Tests.Golden;

/// <summary>Golden cycle alignment: 31st, 29th/30th in February, leap years, quarterly and annual anchors (expected periods by hand).</summary>
public sealed class CycleAlignmentGoldenTests
{
    private static DateOnly D(string s) => DateOnly.Parse(s, System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    // cycle day, months, anchor, a date → the period containing it (start, end exclusive) and its length in days
    [InlineData(31, 1, 1, "2026-02-15", "2026-01-31", "2026-02-28", 28)] // Jan 31 .. Feb 27: February clamps the 31st to the 28th
    [InlineData(31, 1, 1, "2026-03-01", "2026-02-28", "2026-03-31", 31)] // back to the 31st in March: the anchor does not drift
    [InlineData(31, 1, 1, "2026-04-30", "2026-04-30", "2026-05-31", 31)] // April has 30 days: its period starts on the 30th
    [InlineData(31, 1, 1, "2026-04-29", "2026-03-31", "2026-04-30", 30)]
    [InlineData(31, 1, 1, "2028-02-10", "2028-01-31", "2028-02-29", 29)] // leap year: February's period starts on the 29th
    [InlineData(31, 1, 1, "2028-02-29", "2028-02-29", "2028-03-31", 31)]
    [InlineData(29, 1, 1, "2026-02-28", "2026-02-28", "2026-03-29", 29)] // 29th in a common year → Feb 28
    [InlineData(29, 1, 1, "2026-02-27", "2026-01-29", "2026-02-28", 30)]
    [InlineData(30, 1, 1, "2028-02-29", "2028-02-29", "2028-03-30", 30)] // 30th in a leap year → Feb 29
    [InlineData(1, 1, 1, "2026-12-31", "2026-12-01", "2027-01-01", 31)] // year boundary
    [InlineData(5, 1, 1, "2026-01-04", "2025-12-05", "2026-01-05", 31)] // before the cycle day: the previous month's period
    [InlineData(31, 3, 1, "2026-05-10", "2026-04-30", "2026-07-31", 92)] // quarterly from January: Apr 30 .. Jul 30
    [InlineData(1, 3, 1, "2026-02-15", "2026-01-01", "2026-04-01", 90)] // Q1 2026: 31 + 28 + 31
    [InlineData(1, 3, 2, "2026-01-15", "2025-11-01", "2026-02-01", 92)] // quarters anchored in February: Nov, Feb, May, Aug
    [InlineData(15, 6, 7, "2026-03-01", "2026-01-15", "2026-07-15", 181)] // semiannual from July: Jan 15 .. Jul 14
    [InlineData(29, 12, 2, "2027-06-01", "2027-02-28", "2028-02-29", 366)] // annual on Feb 29: 2027 clamps to the 28th, 2028 is a leap year
    public void The_period_containing_a_date(int cycleDay, int months, int anchor, string date, string start, string end, int days)
    {
        var period = new BillingCycle(cycleDay, months, anchor).PeriodContaining(D(date));
        period.Start.ShouldBe(D(start));
        period.End.ShouldBe(D(end));
        period.Days.ShouldBe(days);
    }

    [Theory]
    [InlineData(31, "2026-04-30", true)] // the 31st bills on the last day of a 30-day month
    [InlineData(31, "2026-04-29", false)]
    [InlineData(30, "2026-02-28", true)]
    [InlineData(30, "2028-02-28", false)] // leap year: the 30th bills on Feb 29
    [InlineData(30, "2028-02-29", true)]
    [InlineData(28, "2026-02-28", true)]
    [InlineData(5, "2026-03-05", true)]
    [InlineData(5, "2026-03-06", false)]
    public void Bill_days_of_a_monthly_cycle(int cycleDay, string date, bool due) =>
        new BillingCycle(cycleDay).IsBillDay(D(date)).ShouldBe(due);

    [Fact]
    public void Consecutive_periods_tile_the_calendar_without_gap_or_overlap()
    {
        foreach (var cycle in new[] { new BillingCycle(31), new BillingCycle(29), new BillingCycle(30, 3, 2), new BillingCycle(31, 12, 2) })
        {
            var p = cycle.PeriodContaining(D("2026-01-01"));
            for (var i = 0; i < 60; i++)
            {
                var next = cycle.Next(p);
                next.Start.ShouldBe(p.End);
                cycle.Previous(next).ShouldBe(p);
                next.Days.ShouldBeGreaterThan(27);
                p = next;
            }
        }
    }

    [Fact]
    public void Bad_cycles_are_refused()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new BillingCycle(0));
        Should.Throw<ArgumentOutOfRangeException>(() => new BillingCycle(32));
        Should.Throw<ArgumentOutOfRangeException>(() => new BillingCycle(1, 2));
        Should.Throw<ArgumentException>(() => BillingCycle.MonthsOf("weekly"));
    }
}
