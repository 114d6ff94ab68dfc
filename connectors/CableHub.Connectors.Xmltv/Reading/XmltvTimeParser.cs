using System.Collections.Frozen;
using System.Globalization;

namespace CableHub.Connectors.Xmltv;

/// <summary>How a local time without an offset mapped onto the source time zone.</summary>
public enum XmltvLocalTime
{
    /// <summary>The text carried an offset or a zone name, or the local time was unique.</summary>
    Unique,

    /// <summary>The local time occurs twice (clocks going back): the first occurrence (summer time) was taken; the reader
    /// takes the second when the first would go back before the channel's previous programme.</summary>
    Ambiguous,

    /// <summary>The local time does not exist (clocks going forward): read with the offset in force before the change.</summary>
    Skipped,
}

/// <summary>
/// Parses XMLTV times: <c>YYYYMMDDhhmmss</c> or an initial part of it (<c>YYYYMMDDhhmm</c>, <c>YYYYMMDD</c>,
/// <c>YYYYMM</c>, <c>YYYY</c>), optionally followed by an offset (<c>+0100</c>, <c>-05:00</c>, <c>+01</c>) or a
/// zone abbreviation seen in the wild (<c>BST</c>, <c>CET</c>, <c>EST</c>…, see <see cref="XmltvTimeZones"/>).
/// A time without either is local time in the configured source zone (IANA, DST-aware); the DTD's default is UTC.
/// Results are UTC.
/// </summary>
public sealed class XmltvTimeParser
{
    private readonly TimeZoneInfo _zone;
    private readonly bool _zoneIsUtc;
    private readonly FrozenDictionary<string, TimeSpan> _abbreviations;

    public XmltvTimeParser(TimeZoneInfo? sourceTimeZone = null, IReadOnlyDictionary<string, TimeSpan>? zoneAbbreviations = null)
    {
        _zone = sourceTimeZone ?? TimeZoneInfo.Utc;
        _zoneIsUtc = _zone == TimeZoneInfo.Utc || (_zone.BaseUtcOffset == TimeSpan.Zero && !_zone.SupportsDaylightSavingTime);
        _abbreviations = zoneAbbreviations is null
            ? XmltvTimeZones.Abbreviations
            : zoneAbbreviations.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    public TimeZoneInfo SourceTimeZone => _zone;

    /// <summary>True when the source zone has summer time, i.e. local times can be ambiguous or skipped.</summary>
    public bool SourceZoneHasTransitions => !_zoneIsUtc && _zone.SupportsDaylightSavingTime;

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says why.</summary>
    public bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset utc, out XmltvLocalTime local, out string? error) =>
        TryParse(text, out utc, out local, out _, out error);

    /// <summary>
    /// Parses <paramref name="text"/>; for an <see cref="XmltvLocalTime.Ambiguous"/> time <paramref name="utc"/> is the
    /// first occurrence and <paramref name="secondOccurrence"/> the second (else both are equal).
    /// </summary>
    public bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset utc, out XmltvLocalTime local, out DateTimeOffset secondOccurrence, out string? error)
    {
        secondOccurrence = default;
        utc = default;
        local = XmltvLocalTime.Unique;
        error = null;
        var s = text.Trim();
        var digits = 0;
        while (digits < s.Length && char.IsAsciiDigit(s[digits]))
        {
            digits++;
        }

        if (digits is not (4 or 6 or 8 or 10 or 12 or 14))
        {
            error = digits == 0 ? "no date digits" : $"{digits} date digits (expected YYYY[MM[DD[hh[mm[ss]]]]])";
            return false;
        }

        var year = Number(s, 0, 4);
        var month = digits >= 6 ? Number(s, 4, 2) : 1;
        var day = digits >= 8 ? Number(s, 6, 2) : 1;
        var hour = digits >= 10 ? Number(s, 8, 2) : 0;
        var minute = digits >= 12 ? Number(s, 10, 2) : 0;
        var second = digits >= 14 ? Number(s, 12, 2) : 0;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            error = "date or time out of range";
            return false;
        }

        var clock = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
        var rest = s[digits..];

        // Fractions of a second appear in a few feeds ("20200101120000.000 +0000"): ignored.
        if (!rest.IsEmpty && rest[0] == '.')
        {
            var k = 1;
            while (k < rest.Length && char.IsAsciiDigit(rest[k]))
            {
                k++;
            }

            rest = rest[k..];
        }

        rest = rest.TrimStart();
        if (rest.IsEmpty)
        {
            return TryLocal(clock, out utc, out local, out secondOccurrence, out error);
        }

        TimeSpan offset;
        if (rest[0] is '+' or '-')
        {
            if (!TryOffset(rest, out offset))
            {
                error = $"bad offset '{rest}'";
                return false;
            }
        }
        else if (!_abbreviations.TryGetValue(rest.ToString(), out offset))
        {
            error = $"unknown time zone '{rest}'";
            return false;
        }

        try
        {
            utc = new DateTimeOffset(clock.Ticks - offset.Ticks, TimeSpan.Zero);
        }
        catch (ArgumentOutOfRangeException)
        {
            error = "time out of range";
            return false;
        }

        secondOccurrence = utc;
        return true;
    }

    /// <summary>Parses <paramref name="text"/> or throws <see cref="FormatException"/>.</summary>
    public DateTimeOffset Parse(string text) =>
        TryParse(text, out var utc, out _, out var error)
            ? utc
            : throw new FormatException($"Not an XMLTV time '{text}': {error}.");

    private bool TryLocal(DateTime clock, out DateTimeOffset utc, out XmltvLocalTime local, out DateTimeOffset secondOccurrence, out string? error)
    {
        local = XmltvLocalTime.Unique;
        error = null;
        secondOccurrence = default;
        TimeSpan offset;
        var laterOffset = TimeSpan.Zero;
        if (_zoneIsUtc)
        {
            offset = TimeSpan.Zero;
        }
        else if (_zone.IsInvalidTime(clock))
        {
            // Clocks went forward over this time: read it with the offset in force just before the change.
            local = XmltvLocalTime.Skipped;
            offset = _zone.GetUtcOffset(clock.AddDays(-1));
        }
        else if (_zone.IsAmbiguousTime(clock))
        {
            // Clocks went back: the time occurs twice; take the first occurrence (the larger offset).
            local = XmltvLocalTime.Ambiguous;
            var offsets = _zone.GetAmbiguousTimeOffsets(clock);
            offset = offsets.Max();
            laterOffset = offsets.Min();
        }
        else
        {
            offset = _zone.GetUtcOffset(clock);
        }

        try
        {
            utc = new DateTimeOffset(clock.Ticks - offset.Ticks, TimeSpan.Zero);
            secondOccurrence = local == XmltvLocalTime.Ambiguous ? new DateTimeOffset(clock.Ticks - laterOffset.Ticks, TimeSpan.Zero) : utc;
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            utc = default;
            error = "time out of range";
            return false;
        }
    }

    private static bool TryOffset(ReadOnlySpan<char> s, out TimeSpan offset)
    {
        offset = default;
        var sign = s[0] == '-' ? -1 : 1;
        var body = s[1..];
        int hours, minutes;
        if (body.Length == 4 && AllDigits(body))
        {
            hours = Number(body, 0, 2);
            minutes = Number(body, 2, 2);
        }
        else if (body.Length == 5 && body[2] == ':' && AllDigits(body[..2]) && AllDigits(body[3..]))
        {
            hours = Number(body, 0, 2);
            minutes = Number(body, 3, 2);
        }
        else if (body.Length == 2 && AllDigits(body))
        {
            hours = Number(body, 0, 2);
            minutes = 0;
        }
        else
        {
            return false;
        }

        if (hours > 14 || minutes > 59)
        {
            return false;
        }

        offset = new TimeSpan(sign * hours, sign * minutes, 0);
        return true;
    }

    private static bool AllDigits(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static int Number(ReadOnlySpan<char> s, int start, int length)
    {
        var v = 0;
        for (var i = start; i < start + length; i++)
        {
            v = (v * 10) + (s[i] - '0');
        }

        return v;
    }
}

/// <summary>Formatting of XMLTV times.</summary>
public static class XmltvTime
{
    /// <summary>The writer's format: UTC, <c>yyyyMMddHHmmss +0000</c>.</summary>
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + " +0000";

    /// <summary><c>yyyyMMddHHmmss ±hhmm</c> with the time's own offset.</summary>
    public static string FormatWithOffset(DateTimeOffset time)
    {
        var o = time.Offset;
        var sign = o < TimeSpan.Zero ? '-' : '+';
        o = o.Duration();
        return string.Create(CultureInfo.InvariantCulture, $"{time.DateTime:yyyyMMddHHmmss} {sign}{o.Hours:00}{o.Minutes:00}");
    }
}

/// <summary>
/// Zone abbreviations seen in XMLTV files instead of numeric offsets, with their fixed offsets. Each names one
/// offset (BST is +0100, summer; GMT is +0000), so they need no date rules. Ambiguous names (IST: Irish, Indian or
/// Israel) are left out on purpose; callers may pass their own table.
/// </summary>
public static class XmltvTimeZones
{
    public static FrozenDictionary<string, TimeSpan> Abbreviations { get; } = new Dictionary<string, TimeSpan>
    {
        ["UTC"] = TimeSpan.Zero,
        ["UT"] = TimeSpan.Zero,
        ["Z"] = TimeSpan.Zero,
        ["GMT"] = TimeSpan.Zero,
        ["WET"] = TimeSpan.Zero,
        ["WEST"] = TimeSpan.FromHours(1),
        ["BST"] = TimeSpan.FromHours(1),
        ["CET"] = TimeSpan.FromHours(1),
        ["MET"] = TimeSpan.FromHours(1),
        ["CEST"] = TimeSpan.FromHours(2),
        ["MEST"] = TimeSpan.FromHours(2),
        ["EET"] = TimeSpan.FromHours(2),
        ["EEST"] = TimeSpan.FromHours(3),
        ["MSK"] = TimeSpan.FromHours(3),
        ["SAST"] = TimeSpan.FromHours(2),
        ["EST"] = TimeSpan.FromHours(-5),
        ["EDT"] = TimeSpan.FromHours(-4),
        ["CST"] = TimeSpan.FromHours(-6),
        ["CDT"] = TimeSpan.FromHours(-5),
        ["MST"] = TimeSpan.FromHours(-7),
        ["MDT"] = TimeSpan.FromHours(-6),
        ["PST"] = TimeSpan.FromHours(-8),
        ["PDT"] = TimeSpan.FromHours(-7),
        ["AKST"] = TimeSpan.FromHours(-9),
        ["AKDT"] = TimeSpan.FromHours(-8),
        ["HST"] = TimeSpan.FromHours(-10),
        ["AST"] = TimeSpan.FromHours(-4),
        ["ADT"] = TimeSpan.FromHours(-3),
        ["NST"] = new TimeSpan(-3, -30, 0),
        ["NDT"] = new TimeSpan(-2, -30, 0),
        ["JST"] = TimeSpan.FromHours(9),
        ["KST"] = TimeSpan.FromHours(9),
        ["HKT"] = TimeSpan.FromHours(8),
        ["SGT"] = TimeSpan.FromHours(8),
        ["AWST"] = TimeSpan.FromHours(8),
        ["ACST"] = new TimeSpan(9, 30, 0),
        ["ACDT"] = new TimeSpan(10, 30, 0),
        ["AEST"] = TimeSpan.FromHours(10),
        ["AEDT"] = TimeSpan.FromHours(11),
        ["NZST"] = TimeSpan.FromHours(12),
        ["NZDT"] = TimeSpan.FromHours(13),
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
}
