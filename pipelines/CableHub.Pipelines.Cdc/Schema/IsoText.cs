namespace CableHub.Pipelines.Cdc.Schema;

/// <summary>
/// Fast paths for the date/time text PostgreSQL writes with <c>DateStyle=ISO</c> and <c>TimeZone=UTC</c> in the common
/// shapes (4-digit year, AD): <c>YYYY-MM-DD</c>, <c>YYYY-MM-DD HH:MM:SS[.f…]</c>, the same with <c>+00</c>. Anything else
/// (BC, 5-digit years, infinity, other offsets) returns false and goes to the general parsers.
/// </summary>
internal static class IsoText
{
    private static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;
    private static readonly int EpochDayNumber = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    /// <summary><c>YYYY-MM-DD</c> as days since 1970-01-01.</summary>
    public static bool TryParseDate(ReadOnlySpan<char> s, out int days)
    {
        days = 0;
        if (s.Length != 10 || !TryDate(s, out var date))
        {
            return false;
        }

        days = date.DayNumber - EpochDayNumber;
        return true;
    }

    /// <summary>
    /// <c>YYYY-MM-DD HH:MM:SS[.f{1,6}]</c> then optionally a zone: as 100 ns ticks since the epoch (UTC as written);
    /// <paramref name="rest"/> = characters after the time (0: none; the caller decides what a suffix may be).
    /// </summary>
    public static bool TryParseTimestamp(ReadOnlySpan<char> s, out long epochTicks, out int rest)
    {
        epochTicks = 0;
        rest = 0;
        if (s.Length < 19 || s[10] != ' ' || s[13] != ':' || s[16] != ':' || !TryDate(s, out var date)
            || !TwoDigits(s, 11, out var hour) || !TwoDigits(s, 14, out var minute) || !TwoDigits(s, 17, out var second)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var i = 19;
        long fraction = 0;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            var digits = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                if (++digits > 7)
                {
                    return false;
                }

                fraction = (fraction * 10) + (s[i] - '0');
                i++;
            }

            if (digits == 0)
            {
                return false;
            }

            for (; digits < 7; digits++)
            {
                fraction *= 10;
            }
        }

        rest = s.Length - i;
        epochTicks = ((long)date.DayNumber * TimeSpan.TicksPerDay) + (((hour * 60L) + minute) * 60L + second) * TimeSpan.TicksPerSecond + fraction
                     - EpochTicks;
        return true;
    }

    /// <summary>
    /// <c>YYYY-MM-DD HH:MM:SS[.ffffff]+00</c> (a timestamptz in UTC) written as Debezium's ZonedTimestamp
    /// <c>YYYY-MM-DDTHH:MM:SS[.ffffff]Z</c> — the same digits (PostgreSQL trims trailing zeros as the format does).
    /// </summary>
    public static bool TryWriteUtcTimestamp(System.Text.Json.Utf8JsonWriter writer, ReadOnlySpan<char> s)
    {
        if (!TryParseTimestamp(s, out _, out var rest) || rest != 3 || !s.EndsWith("+00", StringComparison.Ordinal) || s[^4] == '0' && s.Length > 22 && s[19] == '.')
        {
            return false;
        }

        var length = s.Length - 3;
        Span<byte> utf8 = stackalloc byte[length + 1];
        for (var i = 0; i < length; i++)
        {
            utf8[i] = (byte)s[i];
        }

        utf8[10] = (byte)'T';
        utf8[length] = (byte)'Z';
        writer.WriteStringValue(utf8);
        return true;
    }

    private static bool TryDate(ReadOnlySpan<char> s, out DateOnly date)
    {
        date = default;
        if (s[4] != '-' || s[7] != '-' || !TwoDigits(s, 0, out var c) || !TwoDigits(s, 2, out var y) || !TwoDigits(s, 5, out var month) || !TwoDigits(s, 8, out var day))
        {
            return false;
        }

        var year = (c * 100) + y;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        date = new DateOnly(year, month, day);
        return true;
    }

    private static bool TwoDigits(ReadOnlySpan<char> s, int at, out int value)
    {
        var a = s[at] - '0';
        var b = s[at + 1] - '0';
        value = (a * 10) + b;
        return (uint)a <= 9 && (uint)b <= 9;
    }
}
