namespace CableHub.Connectors.Xmltv;

/// <summary>What to do when a programme starts before the previous one on the same channel has ended.</summary>
public enum XmltvOverlapPolicy
{
    /// <summary>Keep both programmes as they are; report the overlap.</summary>
    Keep,

    /// <summary>End the earlier programme where the later one starts; report it. Of two programmes starting at
    /// the same time, the later in the file is dropped.</summary>
    Trim,

    /// <summary>Drop the later programme; report it.</summary>
    Drop,
}

/// <summary>Options of <see cref="XmltvNormaliser"/>.</summary>
public sealed record XmltvNormaliserOptions
{
    public static XmltvNormaliserOptions Default { get; } = new();

    public XmltvOverlapPolicy OverlapPolicy { get; init; } = XmltvOverlapPolicy.Trim;

    /// <summary>
    /// Duration given to the last programme of a channel when it has no stop (nothing follows to infer it from).
    /// Null: such a programme is skipped and reported.
    /// </summary>
    public TimeSpan? DefaultDuration { get; init; }

    /// <summary>
    /// Source channel id → line-up channel id. Programmes of channels not in the map are skipped and reported
    /// (once per channel). Null: every source id is its own line-up id.
    /// </summary>
    public IReadOnlyDictionary<string, string>? ChannelMap { get; init; }

    /// <summary>
    /// Programmes held back per channel to put slightly out-of-order input back in start order (memory is bounded by
    /// channels × window). A programme starting before one already released is reported and skipped.
    /// </summary>
    public int ReorderWindow { get; init; } = 16;

    /// <summary>Issues kept in the report's list (counts per code are always complete).</summary>
    public int MaxIssues { get; init; } = 1000;

    /// <summary>Programmes longer than this are reported (and kept).</summary>
    public TimeSpan LongDuration { get; init; } = TimeSpan.FromHours(24);
}

/// <summary>A programme ready for the guide: line-up channel, UTC start and stop (after the policy), and the data.</summary>
/// <param name="LineupChannelId">The line-up channel (mapped from <see cref="XmltvProgramme.Channel"/>).</param>
/// <param name="Start">UTC start.</param>
/// <param name="Stop">UTC stop: as given, inferred from the next programme, trimmed, or defaulted.</param>
/// <param name="Programme">The programme as read (its own Stop is the file's).</param>
public sealed record NormalisedProgramme(string LineupChannelId, DateTimeOffset Start, DateTimeOffset Stop, XmltvProgramme Programme);
