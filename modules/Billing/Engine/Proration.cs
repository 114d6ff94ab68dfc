namespace CableHub.Billing.Engine;

/// <summary>
/// Daily proration: a period's price × days used / days of that period (the period's own length: 28 to 31 days for a
/// month, 90 to 92 for a quarter), rounded to the currency's 2 decimals half away from zero, line by line. Credits are
/// negative. Every case has golden tests with hand-computed values (tests/CableHub.Billing.Tests/Golden).
/// </summary>
public static class Proration
{
    /// <summary>Rounds an amount to 2 decimals, half away from zero (what every line and tax total uses).</summary>
    public static decimal Round(decimal amount) => Math.Round(amount, 2, MidpointRounding.AwayFromZero);

    /// <summary>The share of <paramref name="periodPrice"/> for the days of [<paramref name="from"/>, <paramref name="to"/>) inside the period.</summary>
    public static decimal Prorate(decimal periodPrice, BillingPeriod period, DateOnly from, DateOnly? to = null)
    {
        var days = period.OverlapDays(from, to);
        return days == period.Days ? periodPrice : Round(periodPrice * days / period.Days);
    }

    /// <summary>Mid-cycle start: the service from <paramref name="start"/> to the end of the period.</summary>
    public static ProratedLine MidCycleStart(decimal periodPrice, BillingPeriod period, DateOnly start) =>
        new(ProrationKind.Start, Prorate(periodPrice, period, start), Clamp(period, start), period.End);

    /// <summary>
    /// Upgrade or downgrade on <paramref name="changeDate"/> of a period billed in advance: credit of the old plan and
    /// charge of the new one for the rest of the period (a downgrade nets negative).
    /// </summary>
    public static IReadOnlyList<ProratedLine> PlanChange(decimal oldPeriodPrice, decimal newPeriodPrice, BillingPeriod period, DateOnly changeDate)
    {
        var from = Clamp(period, changeDate);
        return
        [
            new(ProrationKind.ChangeCredit, -Prorate(oldPeriodPrice, period, from), from, period.End),
            new(ProrationKind.ChangeCharge, Prorate(newPeriodPrice, period, from), from, period.End),
        ];
    }

    /// <summary>Suspension from <paramref name="from"/> to <paramref name="to"/> (exclusive; null: to the end) of a period billed in advance: credit of those days.</summary>
    public static ProratedLine Suspension(decimal periodPrice, BillingPeriod period, DateOnly from, DateOnly? to)
    {
        var s = Clamp(period, from);
        var e = to is { } t && t < period.End ? t : period.End;
        return new(ProrationKind.SuspensionCredit, -Prorate(periodPrice, period, s, e), s, e);
    }

    /// <summary>Cancellation effective <paramref name="date"/> (the first day without service) of a period billed in advance: credit of the rest.</summary>
    public static ProratedLine Cancellation(decimal periodPrice, BillingPeriod period, DateOnly date)
    {
        var from = Clamp(period, date);
        return new(ProrationKind.CancellationCredit, -Prorate(periodPrice, period, from), from, period.End);
    }

    private static DateOnly Clamp(BillingPeriod period, DateOnly date) => date < period.Start ? period.Start : date > period.End ? period.End : date;
}

public enum ProrationKind
{
    Start,
    ChangeCredit,
    ChangeCharge,
    SuspensionCredit,
    CancellationCredit,
}

/// <summary>A prorated amount for [<see cref="From"/>, <see cref="To"/>).</summary>
public sealed record ProratedLine(ProrationKind Kind, decimal Amount, DateOnly From, DateOnly To);
