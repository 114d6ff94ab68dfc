using System.Globalization;

namespace CableHub.Pipelines.Cdc.Schema;

/// <summary>
/// PostgreSQL intervals in <c>IntervalStyle=iso_8601</c> (<c>P1Y2M3DT4H5M6.5S</c>, components may be negative) as
/// microseconds, the way Debezium's <c>io.debezium.time.MicroDuration</c> counts them (a month is 365.25/12 days).
/// </summary>
internal static class IsoInterval
{
    private const double MicrosPerDay = 86_400_000_000d;
    private const double DaysPerMonth = 365.25 / 12;

    public static bool TryParseMicros(ReadOnlySpan<char> s, out long micros)
    {
        micros = 0;
        if (s.Length < 2 || s[0] != 'P')
        {
            return false;
        }

        double total = 0;
        var inTime = false;
        var i = 1;
        while (i < s.Length)
        {
            if (s[i] == 'T')
            {
                inTime = true;
                i++;
                continue;
            }

            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] is '-' or '+' or '.'))
            {
                i++;
            }

            if (i == start || i >= s.Length
                || !double.TryParse(s[start..i], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            var unit = s[i++];
            total += (unit, inTime) switch
            {
                ('Y', false) => value * 12 * DaysPerMonth * MicrosPerDay,
                ('M', false) => value * DaysPerMonth * MicrosPerDay,
                ('W', false) => value * 7 * MicrosPerDay,
                ('D', false) => value * MicrosPerDay,
                ('H', true) => value * 3_600_000_000d,
                ('M', true) => value * 60_000_000d,
                ('S', true) => value * 1_000_000d,
                _ => double.NaN,
            };
            if (double.IsNaN(total))
            {
                return false;
            }
        }

        micros = (long)Math.Round(total);
        return true;
    }
}
