namespace CableHub.Epg;

/// <summary>A text in a language (<see cref="Lang"/> null or empty: no language given).</summary>
public sealed record EpgText(string Value, string? Lang = null);

/// <summary>
/// A programme to store in the guide (hub.epg_programme), already on a line-up channel with UTC times. The format
/// adapter (XMLTV today) fills it; <see cref="DetailsJson"/> keeps the source programme in full for a lossless export.
/// </summary>
public sealed record EpgProgramme
{
    public required Guid ChannelId { get; init; }
    public required DateTimeOffset Start { get; init; }
    public required DateTimeOffset Stop { get; init; }

    /// <summary>The source's first title.</summary>
    public required string Title { get; init; }

    /// <summary>Titles per language (the first per language is kept).</summary>
    public IReadOnlyList<EpgText> Titles { get; init; } = [];

    public string? SubTitle { get; init; }
    public IReadOnlyList<EpgText> Descriptions { get; init; } = [];
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>Episode number in the xmltv_ns system as written ("5.3/10.").</summary>
    public string? EpisodeNs { get; init; }

    /// <summary>1-based season number.</summary>
    public int? Season { get; init; }

    /// <summary>1-based episode number.</summary>
    public int? Episode { get; init; }

    public string? EpisodeOnScreen { get; init; }
    public string? Rating { get; init; }
    public string? IconUrl { get; init; }
    public bool PreviouslyShown { get; init; }
    public bool Premiere { get; init; }
    public bool IsNew { get; init; }

    /// <summary>The source programme as JSON (opaque to the store; the adapter reads it back on export).</summary>
    public string? DetailsJson { get; init; }

    /// <summary>The source's channel id (before mapping).</summary>
    public string? SourceChannelId { get; init; }
}

/// <summary>A guide source (provider): the zone of its offset-less times and how its overlaps are handled.</summary>
/// <param name="TimeZone">IANA zone id for times written without an offset.</param>
/// <param name="OverlapPolicy">keep, trim or drop.</param>
/// <param name="DefaultDurationMinutes">Duration given to a channel's last programme when it has no stop (null: skipped).</param>
public sealed record EpgSource(string Code, string Name, string TimeZone = "UTC", string OverlapPolicy = EpgOverlapPolicy.Trim, int? DefaultDurationMinutes = null)
{
    public const string DefaultCode = "default";
}

public static class EpgOverlapPolicy
{
    public const string Keep = "keep";
    public const string Trim = "trim";
    public const string Drop = "drop";

    public static IReadOnlyList<string> All { get; } = [Keep, Trim, Drop];
}

/// <summary>Source channel id → line-up channel (hub.epg_channel_map).</summary>
public sealed record EpgChannelMapping(string SourceChannelId, string ChannelCode);
