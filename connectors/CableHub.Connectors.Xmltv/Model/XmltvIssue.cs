namespace CableHub.Connectors.Xmltv;

public enum XmltvIssueSeverity
{
    /// <summary>Normal in real files, repaired as documented (e.g. a stop inferred from the next programme).</summary>
    Info,

    /// <summary>Something wrong with the data; the programme was repaired, kept as is, or skipped.</summary>
    Warning,

    /// <summary>Data that could not be used at all (e.g. an unparseable start time): skipped.</summary>
    Error,
}

/// <summary>What an <see cref="XmltvIssue"/> is about. JSON and text show them kebab-cased ("overlap-trimmed").</summary>
public enum XmltvIssueCode
{
    // Reader: file level.
    NonStandardTvDate,
    UnknownElement,
    DuplicateChannel,
    ChannelWithoutId,
    ChannelAfterProgrammes,

    // Reader: programme level.
    MissingStart,
    MissingChannel,
    BadStartTime,
    BadStopTime,
    AmbiguousLocalTime,
    InvalidLocalTime,
    MissingTitle,
    BadEpisodeNum,
    BadLength,
    BadValue,

    // Normaliser.
    UndeclaredChannel,
    UnmappedChannel,
    LineupChannelNotInFile,
    ChannelWithoutProgrammes,
    StopInferred,
    StopDefaulted,
    StopMissing,
    NonPositiveDuration,
    LongDuration,
    Duplicate,
    Overlap,
    OverlapTrimmed,
    OverlapDropped,
    OutOfOrder,
}

/// <summary>A finding about the file, with the line of the element concerned.</summary>
public sealed record XmltvIssue : XmltvItem
{
    public required XmltvIssueCode Code { get; init; }
    public required XmltvIssueSeverity Severity { get; init; }
    public required string Message { get; init; }

    /// <summary>The source channel id concerned, when there is one.</summary>
    public string? Channel { get; init; }

    /// <summary>True when the programme (or channel) the issue is about was left out of the output.</summary>
    public bool Skipped { get; init; }

    /// <summary>The kebab-case name of <see cref="Code"/> (as in JSON output).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string CodeName => XmltvIssueCodes.Name(Code);

    public override string ToString() =>
        $"line {LineNumber}: {Severity.ToString().ToLowerInvariant()} {CodeName}{(Channel is null ? "" : $" [{Channel}]")}: {Message}";
}

public static class XmltvIssueCodes
{
    private static readonly string[] Names = Enum.GetValues<XmltvIssueCode>()
        .Select(c => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(c.ToString()))
        .ToArray();

    /// <summary>"OverlapTrimmed" → "overlap-trimmed".</summary>
    public static string Name(XmltvIssueCode code) => Names[(int)code];
}
