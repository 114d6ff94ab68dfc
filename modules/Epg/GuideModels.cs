namespace CableHub.Epg;

/// <summary>A line-up channel a source channel id maps to.</summary>
public sealed record LineupChannelRef(Guid Id, string Code);

/// <summary>A channel as the guide shows it.</summary>
public sealed record GuideChannel(Guid Id, string Code, string Name, int Lcn, string Definition, string Language, string Genre);

/// <summary>A programme as the guide shows it, texts in the language asked for (else the untagged one, else the first).</summary>
public sealed record GuideProgramme(
    Guid Id,
    Guid ChannelId,
    string ChannelCode,
    DateTimeOffset Start,
    DateTimeOffset Stop,
    string Title,
    string? SubTitle,
    string? Description,
    IReadOnlyList<string> Categories,
    int? Season,
    int? Episode,
    string? EpisodeOnScreen,
    string? Rating,
    string? IconUrl,
    bool PreviouslyShown,
    bool Premiere,
    bool IsNew);

/// <summary>What is on a channel at an instant and what comes next.</summary>
public sealed record NowNext(GuideChannel Channel, GuideProgramme? Now, GuideProgramme? Next);

/// <summary>A stored programme with everything an export needs (texts per language as JSON, the source details).</summary>
public sealed record GuideExportRow(
    Guid ChannelId,
    string ChannelCode,
    DateTimeOffset Start,
    DateTimeOffset Stop,
    string Title,
    string TitlesJson,
    string? SubTitle,
    string? DescriptionsJson,
    string[]? Categories,
    string? EpisodeNs,
    string? EpisodeOnScreen,
    string? Rating,
    string? IconUrl,
    bool PreviouslyShown,
    bool Premiere,
    bool IsNew,
    string? DetailsJson);

/// <summary>One import attempt (hub.epg_import).</summary>
public sealed record EpgImportRecord(
    Guid Id,
    string SourceCode,
    string FileName,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    long ProgrammesInFile,
    long ProgrammesInserted,
    long ProgrammesReplaced,
    long ProgrammesSkipped,
    int Channels,
    int UnknownChannels,
    DateTimeOffset? WindowFrom,
    DateTimeOffset? WindowTo,
    int Errors,
    int Warnings,
    string? Error,
    int? ErrorLine,
    string? ReportJson);

/// <summary>Whose channels an export or a guide query covers.</summary>
public abstract record GuideAudience
{
    private GuideAudience()
    {
    }

    /// <summary>The whole line-up (active channels).</summary>
    public sealed record Lineup : GuideAudience;

    /// <summary>Channels given by code.</summary>
    public sealed record Channels(IReadOnlyList<string> Codes) : GuideAudience;

    /// <summary>The channels a subscriber is entitled to now (any of their boxes).</summary>
    public sealed record Customer(Guid CustomerId) : GuideAudience;

    /// <summary>The channels one box is entitled to now (by id, serial number or CAS id).</summary>
    public sealed record Device(string DeviceKey) : GuideAudience;

    public static GuideAudience All { get; } = new Lineup();
}
