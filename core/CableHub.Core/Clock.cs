namespace CableHub.Core;

/// <summary>
/// Time comes from an injected <see cref="TimeProvider"/> (tests use a fake clock); these helpers keep the conversions in
/// one place. Stored times are UTC.
/// </summary>
public static class Clock
{
    /// <summary>The current UTC date.</summary>
    public static DateOnly UtcToday(this TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
    }

    /// <summary>The current date in <paramref name="zone"/> (e.g. the reporting time zone).</summary>
    public static DateOnly Today(this TimeProvider clock, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), zone).DateTime);
    }
}

/// <summary>New identifiers: UUID version 7 (time-ordered, so primary-key inserts stay local in the index).</summary>
public static class Ids
{
    public static Guid New() => Guid.CreateVersion7();

    /// <summary>A version 7 UUID whose time part comes from <paramref name="clock"/>.</summary>
    public static Guid New(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return Guid.CreateVersion7(clock.GetUtcNow());
    }
}
