namespace CableHub.Billing.Engine;

/// <summary>A billing period: local dates, <see cref="Start"/> inclusive, <see cref="End"/> exclusive.</summary>
public readonly record struct BillingPeriod(DateOnly Start, DateOnly End)
{
    public int Days => End.DayNumber - Start.DayNumber;

    /// <summary>The last day of the period (what an invoice prints).</summary>
    public DateOnly LastDay => End.AddDays(-1);

    public bool Contains(DateOnly date) => date >= Start && date < End;

    /// <summary>Days of [from, to) inside the period (to null: open-ended).</summary>
    public int OverlapDays(DateOnly from, DateOnly? to)
    {
        var s = from > Start ? from : Start;
        var e = to is { } t && t < End ? t : End;
        return Math.Max(0, e.DayNumber - s.DayNumber);
    }

    public override string ToString() => $"{Start:yyyy-MM-dd}..{LastDay:yyyy-MM-dd}";
}

/// <summary>
/// When an account is billed: periods start on the bill-cycle day (1..31; in shorter months the month's last day) every
/// <see cref="PeriodMonths"/> months counted from <see cref="AnchorMonth"/>. Cycle day 31 gives Jan 31, Feb 28 (29 in a
/// leap year), Mar 31, Apr 30: the anchor day never drifts after a short month.
/// </summary>
public readonly record struct BillingCycle
{
    public BillingCycle(int cycleDay, int periodMonths = 1, int anchorMonth = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cycleDay, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cycleDay, 31);
        if (periodMonths is not (1 or 3 or 6 or 12))
        {
            throw new ArgumentOutOfRangeException(nameof(periodMonths), periodMonths, "a period is 1, 3, 6 or 12 months");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(anchorMonth, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(anchorMonth, 12);
        CycleDay = cycleDay;
        PeriodMonths = periodMonths;
        AnchorMonth = anchorMonth;
    }

    public int CycleDay { get; }

    public int PeriodMonths { get; }

    public int AnchorMonth { get; }

    /// <summary>"monthly" → 1, "quarterly" → 3, "semiannual" → 6, "annual" → 12.</summary>
    public static int MonthsOf(string billingPeriod) => billingPeriod switch
    {
        "monthly" => 1,
        "quarterly" => 3,
        "semiannual" => 6,
        "annual" => 12,
        _ => throw new ArgumentException($"unknown billing period '{billingPeriod}' (monthly, quarterly, semiannual, annual)", nameof(billingPeriod)),
    };

    /// <summary>The cycle day in the given month (clamped to the month's length).</summary>
    public DateOnly StartIn(int year, int month) => new(year, month, Math.Min(CycleDay, DateTime.DaysInMonth(year, month)));

    /// <summary>Whether periods start in this month.</summary>
    public bool StartsIn(int month) => (((month - AnchorMonth) % PeriodMonths) + PeriodMonths) % PeriodMonths == 0;

    /// <summary>The period that contains <paramref name="date"/>.</summary>
    public BillingPeriod PeriodContaining(DateOnly date)
    {
        var (y, m) = (date.Year, date.Month);
        if (StartIn(y, m) > date)
        {
            (y, m) = Previous(y, m);
        }

        while (!StartsIn(m))
        {
            (y, m) = Previous(y, m);
        }

        var start = StartIn(y, m);
        var (ny, nm) = Add(y, m, PeriodMonths);
        return new BillingPeriod(start, StartIn(ny, nm));
    }

    /// <summary>The period before <paramref name="period"/>.</summary>
    public BillingPeriod Previous(BillingPeriod period) => PeriodContaining(period.Start.AddDays(-1));

    /// <summary>The period after <paramref name="period"/>.</summary>
    public BillingPeriod Next(BillingPeriod period) => PeriodContaining(period.End);

    /// <summary>Whether a period starts on <paramref name="date"/> (the account is due in that day's bill run).</summary>
    public bool IsBillDay(DateOnly date) => PeriodContaining(date).Start == date;

    private static (int Year, int Month) Previous(int y, int m) => m == 1 ? (y - 1, 12) : (y, m - 1);

    private static (int Year, int Month) Add(int y, int m, int months)
    {
        var index = (y * 12) + (m - 1) + months;
        return (index / 12, (index % 12) + 1);
    }
}
