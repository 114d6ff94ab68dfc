using System.Text.Json.Serialization;

namespace CableHub.Connectors.Xmltv;

/// <summary>
/// Summary of an XMLTV file after reading and normalising it: what <c>epg check</c> prints. Counts are complete;
/// <see cref="Issues"/> is capped (<see cref="XmltvNormaliserOptions.MaxIssues"/>) and sorted by line.
/// </summary>
public sealed record EpgCheckReport
{
    /// <summary>File name or other label of the input.</summary>
    public string? Source { get; init; }

    /// <summary>Null when the file was read to the end; else why it is not readable XMLTV.</summary>
    public EpgFatalError? Fatal { get; init; }

    /// <summary>True when the file is readable XMLTV (whatever its warnings).</summary>
    public bool IsReadable => Fatal is null;

    public string? Encoding { get; init; }
    public bool HasByteOrderMark { get; init; }
    public string? TvDate { get; init; }
    public DateTimeOffset? TvDateParsed { get; init; }
    public string? SourceInfoName { get; init; }
    public string? GeneratorInfoName { get; init; }

    public XmltvOverlapPolicy OverlapPolicy { get; init; }

    /// <summary>Channels declared with <c>&lt;channel&gt;</c>.</summary>
    public int ChannelsDeclared { get; init; }

    /// <summary>Channels (declared or not) that have at least one programme accepted.</summary>
    public int ChannelsWithProgrammes { get; init; }

    /// <summary><c>&lt;programme&gt;</c> elements in the file.</summary>
    public long Programmes { get; init; }

    public long ProgrammesAccepted { get; init; }

    public long ProgrammesSkipped { get; init; }

    /// <summary>Earliest start of an accepted programme.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Latest stop of an accepted programme.</summary>
    public DateTimeOffset? To { get; init; }

    public int Errors { get; init; }
    public int Warnings { get; init; }
    public int Infos { get; init; }

    public IReadOnlyList<EpgIssueCount> IssueCounts { get; init; } = [];

    public IReadOnlyList<XmltvIssue> Issues { get; init; } = [];

    /// <summary>More issues were found than <see cref="Issues"/> holds.</summary>
    public bool IssuesTruncated { get; init; }

    public IReadOnlyList<EpgChannelSummary> Channels { get; init; } = [];
}

/// <summary>Why a file is not readable XMLTV.</summary>
public sealed record EpgFatalError(int Line, int Position, string Reason);

/// <summary>How many issues of one code.</summary>
public sealed record EpgIssueCount(XmltvIssueCode Code, XmltvIssueSeverity Severity, int Count);

/// <summary>
/// One source channel: whether the file declares it, its line-up id, and what was accepted. <see cref="From"/> /
/// <see cref="To"/> are the window a replace-by-time-window import replaces for this channel.
/// </summary>
public sealed record EpgChannelSummary
{
    public required string SourceId { get; init; }

    /// <summary>Null when the channel map does not map it (its programmes were skipped).</summary>
    public string? LineupId { get; init; }

    public string? Name { get; init; }

    /// <summary>Declared by a <c>&lt;channel&gt;</c> element (at <see cref="Line"/>).</summary>
    public bool Declared { get; init; }

    public int Line { get; init; }

    /// <summary>Programme elements for this channel (including those the reader skipped).</summary>
    public long Programmes { get; init; }

    public long Accepted { get; init; }
    public long Skipped { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }

    [JsonIgnore]
    public TimeSpan? Span => To - From;
}
