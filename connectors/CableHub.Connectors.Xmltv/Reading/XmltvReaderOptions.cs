namespace CableHub.Connectors.Xmltv;

/// <summary>Options of <see cref="XmltvReader"/>.</summary>
public sealed record XmltvReaderOptions
{
    public static XmltvReaderOptions Default { get; } = new();

    /// <summary>
    /// The zone of times written without an offset or zone name (the source's configured zone; an IANA zone from
    /// <see cref="TimeZoneInfo.FindSystemTimeZoneById"/>). Null means UTC, the DTD's default.
    /// </summary>
    public TimeZoneInfo? SourceTimeZone { get; init; }

    /// <summary>Zone abbreviations accepted after a time; null means <see cref="XmltvTimeZones.Abbreviations"/>.</summary>
    public IReadOnlyDictionary<string, TimeSpan>? ZoneAbbreviations { get; init; }

    /// <summary>Report times that were ambiguous or skipped in <see cref="SourceTimeZone"/> (Info issues). Default true.</summary>
    public bool ReportLocalTimeAdjustments { get; init; } = true;
}
