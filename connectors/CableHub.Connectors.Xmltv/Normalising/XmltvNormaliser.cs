using System.Runtime.CompilerServices;

namespace CableHub.Connectors.Xmltv;

/// <summary>
/// Turns the reader's stream into programmes fit for a guide, per channel in start order, and builds the
/// <see cref="EpgCheckReport"/>. Streaming: it holds at most <see cref="XmltvNormaliserOptions.ReorderWindow"/> + 1
/// programmes per channel, so an importer can write the output in batches as it comes.
/// </summary>
/// <remarks>
/// <para>Per channel, in start order: a programme with stop ≤ start is skipped; an exact duplicate of the previous
/// programme (same start, stop, titles, sub-titles and episode numbers) is skipped; a missing stop is inferred from the
/// next programme's start (the last of a channel gets <see cref="XmltvNormaliserOptions.DefaultDuration"/> or is
/// skipped); overlaps are handled by <see cref="XmltvOverlapPolicy"/>. Channels not declared in the file are reported
/// and kept; channels the <see cref="XmltvNormaliserOptions.ChannelMap"/> does not map are reported and skipped.</para>
/// <para>Output order: each channel's programmes in start order, channels interleaved roughly as in the file.</para>
/// <para>One instance normalises one file: enumerate <see cref="Normalise"/> to the end, then call
/// <see cref="BuildReport"/>.</para>
/// </remarks>
public sealed class XmltvNormaliser
{
    private readonly XmltvNormaliserOptions _options;
    private readonly Dictionary<string, ChannelState> _channels = new(StringComparer.Ordinal);
    private readonly List<ChannelState> _order = [];
    private readonly List<XmltvChannel> _declared = [];
    private readonly List<XmltvIssue> _issues = [];
    private readonly int[] _counts = new int[Enum.GetValues<XmltvIssueCode>().Length];
    private readonly XmltvIssueSeverity[] _severities = new XmltvIssueSeverity[Enum.GetValues<XmltvIssueCode>().Length];
    private int _errors;
    private int _warnings;
    private int _infos;
    private bool _truncated;
    private long _programmes;
    private long _accepted;
    private long _skipped;
    private DateTimeOffset? _from;
    private DateTimeOffset? _to;
    private long _sequence;
    private bool _started;

    public XmltvNormaliser(XmltvNormaliserOptions? options = null)
    {
        _options = options ?? XmltvNormaliserOptions.Default;
        if (_options.ReorderWindow < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "ReorderWindow must be 0 or more.");
        }
    }

    /// <summary>The file's <c>&lt;tv&gt;</c> attributes, once read.</summary>
    public XmltvDocument? Document { get; private set; }

    /// <summary>The channels the file declares (first declaration of each id), in file order.</summary>
    public IReadOnlyList<XmltvChannel> Channels => _declared;

    /// <summary>True once the input has been read to its end.</summary>
    public bool Completed { get; private set; }

    /// <summary>Normalises <paramref name="items"/> (from <see cref="XmltvReader"/>), lazily.</summary>
    public IEnumerable<NormalisedProgramme> Normalise(IEnumerable<XmltvItem> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        Start();
        var output = new List<NormalisedProgramme>();
        foreach (var item in items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Accept(item, output);
            if (output.Count > 0)
            {
                foreach (var p in output)
                {
                    yield return p;
                }

                output.Clear();
            }
        }

        Complete(output);
        foreach (var p in output)
        {
            yield return p;
        }
    }

    /// <summary>Normalises <paramref name="items"/> (from <see cref="XmltvReader.ReadAllAsync"/>), lazily.</summary>
    public async IAsyncEnumerable<NormalisedProgramme> NormaliseAsync(
        IAsyncEnumerable<XmltvItem> items,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        Start();
        var output = new List<NormalisedProgramme>();
        await foreach (var item in items.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            Accept(item, output);
            if (output.Count > 0)
            {
                foreach (var p in output)
                {
                    yield return p;
                }

                output.Clear();
            }
        }

        Complete(output);
        foreach (var p in output)
        {
            yield return p;
        }
    }

    /// <summary>The report of what was read so far (complete once <see cref="Completed"/>).</summary>
    public EpgCheckReport BuildReport(string? source = null, XmltvFormatException? fatal = null)
    {
        var issues = _issues.ToArray();
        Array.Sort(issues, static (a, b) => a.LineNumber != b.LineNumber ? a.LineNumber.CompareTo(b.LineNumber) : a.Code.CompareTo(b.Code));
        var counts = new List<EpgIssueCount>();
        for (var i = 0; i < _counts.Length; i++)
        {
            if (_counts[i] > 0)
            {
                counts.Add(new EpgIssueCount((XmltvIssueCode)i, _severities[i], _counts[i]));
            }
        }

        return new EpgCheckReport
        {
            Source = source,
            Fatal = fatal is null ? null : new EpgFatalError(fatal.LineNumber, fatal.LinePosition, fatal.Reason),
            Encoding = Document?.Encoding,
            HasByteOrderMark = Document?.HasByteOrderMark ?? false,
            TvDate = Document?.DateText,
            TvDateParsed = Document?.Date,
            SourceInfoName = Document?.SourceInfoName,
            GeneratorInfoName = Document?.GeneratorInfoName ?? Document?.Attributes.GetValueOrDefault("generator-name"),
            OverlapPolicy = _options.OverlapPolicy,
            ChannelsDeclared = _declared.Count,
            ChannelsWithProgrammes = _order.Count(c => c.Accepted > 0),
            Programmes = _programmes,
            ProgrammesAccepted = _accepted,
            ProgrammesSkipped = _skipped,
            From = _from,
            To = _to,
            Errors = _errors,
            Warnings = _warnings,
            Infos = _infos,
            IssueCounts = counts,
            Issues = issues,
            IssuesTruncated = _truncated,
            Channels = _order.Select(c => new EpgChannelSummary
            {
                SourceId = c.SourceId,
                LineupId = c.LineupId,
                Name = c.Name,
                Declared = c.Declared,
                Line = c.Line,
                Programmes = c.Programmes,
                Accepted = c.Accepted,
                Skipped = c.Skipped,
                From = c.From,
                To = c.To,
            }).ToArray(),
        };
    }

    private void Start()
    {
        if (_started)
        {
            throw new InvalidOperationException("An XmltvNormaliser normalises one file; create a new one for the next.");
        }

        _started = true;
    }

    private void Accept(XmltvItem item, List<NormalisedProgramme> output)
    {
        switch (item)
        {
            case XmltvProgramme p:
                AcceptProgramme(p, output);
                break;
            case XmltvChannel c:
                AcceptChannel(c);
                break;
            case XmltvIssue issue:
                AddIssue(issue);
                if (issue.Skipped && issue.Code != XmltvIssueCode.ChannelWithoutId)
                {
                    _programmes++;
                    _skipped++;
                    if (issue.Channel is not null)
                    {
                        var state = State(issue.Channel);
                        state.Programmes++;
                        state.Skipped++;
                    }
                }

                break;
            case XmltvDocument d:
                Document = d;
                break;
        }
    }

    private void AcceptChannel(XmltvChannel channel)
    {
        var state = State(channel.Id);
        if (state.Declared)
        {
            return;
        }

        state.Declared = true;
        state.Line = channel.LineNumber;
        state.Name = channel.Name;
        _declared.Add(channel);
        if (state.LineupId is null && !state.UnmappedReported)
        {
            state.UnmappedReported = true;
            Issue(XmltvIssueCode.UnmappedChannel, XmltvIssueSeverity.Info, channel.LineNumber, channel.Id,
                $"channel '{channel.Id}' ({channel.Name}) is not mapped to the line-up; its programmes are skipped");
        }
    }

    private void AcceptProgramme(XmltvProgramme p, List<NormalisedProgramme> output)
    {
        _programmes++;
        var state = State(p.Channel);
        state.Programmes++;
        if (!state.Declared && !state.UndeclaredReported)
        {
            state.UndeclaredReported = true;
            Issue(XmltvIssueCode.UndeclaredChannel, XmltvIssueSeverity.Warning, p.LineNumber, p.Channel,
                $"programme for channel '{p.Channel}', which the file does not declare with <channel>");
        }

        if (state.LineupId is null)
        {
            Skip(state);
            if (!state.UnmappedReported)
            {
                state.UnmappedReported = true;
                Issue(XmltvIssueCode.UnmappedChannel, XmltvIssueSeverity.Warning, p.LineNumber, p.Channel,
                    $"channel '{p.Channel}' is not mapped to the line-up; its programmes are skipped");
            }

            return;
        }

        if (state.HasPopped && p.Start < state.LastPoppedStart)
        {
            Skip(state);
            Issue(XmltvIssueCode.OutOfOrder, XmltvIssueSeverity.Error, p.LineNumber, p.Channel,
                $"starts at {XmltvTime.Format(p.Start)}, before programmes of this channel already processed "
                + $"(more than {_options.ReorderWindow} programmes out of order; raise the reorder window): skipped", skipped: true);
            return;
        }

        // Insert in (start, sequence) order; input is usually already sorted, so this is an append.
        var pending = state.Pending;
        var entry = new Pending(p, _sequence++);
        var at = pending.Count;
        while (at > 0 && pending[at - 1].Programme.Start > p.Start)
        {
            at--;
        }

        pending.Insert(at, entry);
        if (pending.Count > _options.ReorderWindow)
        {
            Pop(state, output);
        }
    }

    private void Complete(List<NormalisedProgramme> output)
    {
        foreach (var state in _order)
        {
            while (state.Pending.Count > 0)
            {
                Pop(state, output);
            }

            FinishHeld(state, output);
            if (state.Declared && state.Programmes == 0)
            {
                Issue(XmltvIssueCode.ChannelWithoutProgrammes, XmltvIssueSeverity.Info, state.Line, state.SourceId,
                    $"channel '{state.SourceId}' has no programmes in this file");
            }
        }

        if (_options.ChannelMap is { } map)
        {
            var lineupInFile = new HashSet<string>(_order.Where(s => s.Declared || s.Programmes > 0).Select(s => s.SourceId), StringComparer.Ordinal);
            foreach (var (sourceId, lineupId) in map)
            {
                if (!lineupInFile.Contains(sourceId))
                {
                    Issue(XmltvIssueCode.LineupChannelNotInFile, XmltvIssueSeverity.Info, 0, sourceId,
                        $"line-up channel '{lineupId}' (source id '{sourceId}') is not in this file");
                }
            }
        }

        Completed = true;
    }

    private void Pop(ChannelState state, List<NormalisedProgramme> output)
    {
        var e = state.Pending[0].Programme;
        state.Pending.RemoveAt(0);
        state.LastPoppedStart = e.Start;
        state.HasPopped = true;
        Resolve(state, e, output);
    }

    private void Resolve(ChannelState state, XmltvProgramme e, List<NormalisedProgramme> output)
    {
        if (e.Stop is { } stop && stop <= e.Start)
        {
            Skip(state);
            Issue(XmltvIssueCode.NonPositiveDuration, XmltvIssueSeverity.Warning, e.LineNumber, e.Channel,
                $"'{e.Title}' stops at {XmltvTime.Format(stop)}, not after its start {XmltvTime.Format(e.Start)}: skipped", skipped: true);
            return;
        }

        if (state.Held is not { } h)
        {
            state.Held = new Held(e);
            return;
        }

        if (IsDuplicate(h.Programme, e))
        {
            Skip(state);
            Issue(XmltvIssueCode.Duplicate, XmltvIssueSeverity.Warning, e.LineNumber, e.Channel,
                $"'{e.Title}' at {XmltvTime.Format(e.Start)} duplicates line {h.Programme.LineNumber}: skipped", skipped: true);
            h.Stop ??= e.Stop;
            return;
        }

        if (h.Stop is null)
        {
            if (e.Start == h.Start)
            {
                Skip(state);
                Issue(XmltvIssueCode.OverlapDropped, XmltvIssueSeverity.Warning, e.LineNumber, e.Channel,
                    $"'{e.Title}' starts at the same time as '{h.Programme.Title}' (line {h.Programme.LineNumber}), which has no stop: skipped", skipped: true);
                return;
            }

            h.Stop = e.Start;
            Issue(XmltvIssueCode.StopInferred, XmltvIssueSeverity.Info, h.Programme.LineNumber, e.Channel,
                $"'{h.Programme.Title}' has no stop: ends at {XmltvTime.Format(e.Start)}, when the next programme starts (line {e.LineNumber})");
        }
        else if (e.Start < h.Stop.Value || (_options.OverlapPolicy == XmltvOverlapPolicy.Keep && e.Start < state.MaxStop))
        {
            var end = h.Stop.Value > state.MaxStop || _options.OverlapPolicy != XmltvOverlapPolicy.Keep ? h.Stop.Value : state.MaxStop;
            var by = Minutes(end - e.Start);
            switch (_options.OverlapPolicy)
            {
                case XmltvOverlapPolicy.Keep:
                    var other = e.Start < h.Stop.Value ? $"'{h.Programme.Title}' (line {h.Programme.LineNumber})" : "an earlier programme";
                    Issue(XmltvIssueCode.Overlap, XmltvIssueSeverity.Warning, e.LineNumber, e.Channel,
                        $"'{e.Title}' at {XmltvTime.Format(e.Start)} overlaps {other} by {by}: both kept");
                    break;
                case XmltvOverlapPolicy.Trim when e.Start > h.Start:
                    Issue(XmltvIssueCode.OverlapTrimmed, XmltvIssueSeverity.Warning, h.Programme.LineNumber, e.Channel,
                        $"'{h.Programme.Title}' overlaps '{e.Title}' (line {e.LineNumber}) by {by}: stop trimmed from {XmltvTime.Format(h.Stop.Value)} to {XmltvTime.Format(e.Start)}");
                    h.Stop = e.Start;
                    break;
                default:
                    Skip(state);
                    Issue(XmltvIssueCode.OverlapDropped, XmltvIssueSeverity.Warning, e.LineNumber, e.Channel,
                        $"'{e.Title}' at {XmltvTime.Format(e.Start)} overlaps '{h.Programme.Title}' (line {h.Programme.LineNumber}) by {by}: skipped", skipped: true);
                    return;
            }
        }

        Emit(state, h, output);
        state.Held = new Held(e);
    }

    private void FinishHeld(ChannelState state, List<NormalisedProgramme> output)
    {
        if (state.Held is not { } h)
        {
            return;
        }

        state.Held = null;
        if (h.Stop is null)
        {
            if (_options.DefaultDuration is not { } duration)
            {
                Skip(state);
                Issue(XmltvIssueCode.StopMissing, XmltvIssueSeverity.Warning, h.Programme.LineNumber, state.SourceId,
                    $"'{h.Programme.Title}' is the channel's last programme and has no stop (no default duration configured): skipped", skipped: true);
                return;
            }

            h.Stop = h.Start + duration;
            Issue(XmltvIssueCode.StopDefaulted, XmltvIssueSeverity.Info, h.Programme.LineNumber, state.SourceId,
                $"'{h.Programme.Title}' is the channel's last programme and has no stop: given the default duration {Minutes(duration)}");
        }

        Emit(state, h, output);
    }

    private void Emit(ChannelState state, Held h, List<NormalisedProgramme> output)
    {
        var stop = h.Stop!.Value;
        if (stop - h.Start > _options.LongDuration)
        {
            Issue(XmltvIssueCode.LongDuration, XmltvIssueSeverity.Warning, h.Programme.LineNumber, state.SourceId,
                $"'{h.Programme.Title}' lasts {Minutes(stop - h.Start)} (more than {Minutes(_options.LongDuration)}): kept");
        }

        output.Add(new NormalisedProgramme(state.LineupId!, h.Start, stop, h.Programme));
        state.Accepted++;
        _accepted++;
        if (stop > state.MaxStop)
        {
            state.MaxStop = stop;
        }

        if (state.From is null || h.Start < state.From)
        {
            state.From = h.Start;
        }

        if (state.To is null || stop > state.To)
        {
            state.To = stop;
        }

        if (_from is null || h.Start < _from)
        {
            _from = h.Start;
        }

        if (_to is null || stop > _to)
        {
            _to = stop;
        }
    }

    private static bool IsDuplicate(XmltvProgramme a, XmltvProgramme b) =>
        a.Start == b.Start
        && (a.Stop == b.Stop || a.Stop is null || b.Stop is null)
        && SameTexts(a.Titles, b.Titles)
        && SameTexts(a.SubTitles, b.SubTitles)
        && SameEpisodes(a.EpisodeNums, b.EpisodeNums);

    private static bool SameTexts(IReadOnlyList<XmltvText> a, IReadOnlyList<XmltvText> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (!string.Equals(a[i].Value, b[i].Value, StringComparison.Ordinal) || !string.Equals(a[i].Lang, b[i].Lang, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static bool SameEpisodes(IReadOnlyList<XmltvEpisodeNum> a, IReadOnlyList<XmltvEpisodeNum> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (!string.Equals(a[i].System, b[i].System, StringComparison.Ordinal) || !string.Equals(a[i].Value, b[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static string Minutes(TimeSpan t) =>
        t.TotalMinutes == Math.Floor(t.TotalMinutes) ? $"{(long)t.TotalMinutes} min" : $"{t.TotalMinutes:0.##} min";

    private ChannelState State(string sourceId)
    {
        if (!_channels.TryGetValue(sourceId, out var state))
        {
            string? lineup;
            if (_options.ChannelMap is { } map)
            {
                lineup = map.GetValueOrDefault(sourceId);
            }
            else
            {
                lineup = sourceId;
            }

            state = new ChannelState(sourceId, lineup);
            _channels.Add(sourceId, state);
            _order.Add(state);
        }

        return state;
    }

    private void Skip(ChannelState state)
    {
        state.Skipped++;
        _skipped++;
    }

    private void Issue(XmltvIssueCode code, XmltvIssueSeverity severity, int line, string? channel, string message, bool skipped = false) =>
        AddIssue(new XmltvIssue
        {
            LineNumber = line,
            Code = code,
            Severity = severity,
            Channel = channel,
            Message = message,
            Skipped = skipped,
        });

    private void AddIssue(XmltvIssue issue)
    {
        var code = (int)issue.Code;
        _counts[code]++;
        if (issue.Severity > _severities[code])
        {
            _severities[code] = issue.Severity;
        }

        switch (issue.Severity)
        {
            case XmltvIssueSeverity.Error:
                _errors++;
                break;
            case XmltvIssueSeverity.Warning:
                _warnings++;
                break;
            default:
                _infos++;
                break;
        }

        if (_issues.Count < _options.MaxIssues)
        {
            _issues.Add(issue);
        }
        else
        {
            _truncated = true;
        }
    }

    private readonly record struct Pending(XmltvProgramme Programme, long Sequence);

    private sealed class Held(XmltvProgramme programme)
    {
        public XmltvProgramme Programme { get; } = programme;
        public DateTimeOffset Start => Programme.Start;
        public DateTimeOffset? Stop { get; set; } = programme.Stop;
    }

    private sealed class ChannelState(string sourceId, string? lineupId)
    {
        public string SourceId { get; } = sourceId;
        public string? LineupId { get; } = lineupId;
        public string? Name { get; set; }
        public bool Declared { get; set; }
        public int Line { get; set; }
        public bool UndeclaredReported { get; set; }
        public bool UnmappedReported { get; set; }
        public List<Pending> Pending { get; } = [];
        public Held? Held { get; set; }
        public bool HasPopped { get; set; }
        public DateTimeOffset LastPoppedStart { get; set; }
        public DateTimeOffset MaxStop { get; set; } = DateTimeOffset.MinValue;
        public long Programmes { get; set; }
        public long Accepted { get; set; }
        public long Skipped { get; set; }
        public DateTimeOffset? From { get; set; }
        public DateTimeOffset? To { get; set; }
    }
}
