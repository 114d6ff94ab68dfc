using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Xml;

namespace CableHub.Connectors.Xmltv;

/// <summary>
/// Forward-only, streaming XMLTV reader over <see cref="XmlReader"/> (no document tree): yields the
/// <see cref="XmltvDocument"/> first, then channels, programmes and issues in file order, each with its line.
/// Memory stays bounded by one programme whatever the file size; the input may be non-seekable.
/// </summary>
/// <remarks>
/// Data problems (an unparseable time, a programme without a channel…) become <see cref="XmltvIssue"/> items and
/// the programme is skipped; input that is not XMLTV at all (malformed XML, undecodable bytes, unsupported
/// encoding, a root other than <c>&lt;tv&gt;</c>) throws <see cref="XmltvFormatException"/> with line and position.
/// </remarks>
public sealed class XmltvReader : IDisposable
{
    private const int PrefetchCapacity = 1024 * 1024;
    private const int PrefetchThreshold = 256 * 1024;

    private readonly Stream _source;
    private readonly bool _leaveOpen;
    private readonly XmlReader _xml;
    private readonly IXmlLineInfo _lineInfo;
    private readonly XmltvInput.Sniffed _input;
    private readonly XmltvReaderOptions _options;
    private readonly XmltvTimeParser _time;
    private readonly Names _n;
    private readonly Queue<XmltvItem> _pending = new();
    private readonly HashSet<string> _channelIds = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unknownReported = new(StringComparer.Ordinal);
    private readonly ProgrammeBuilder _p = new();
    private readonly StringBuilder _text = new();
    private readonly Dictionary<string, (DateTimeOffset Start, DateTimeOffset? Stop)>? _lastByChannel;
    private State _state;
    private bool _seenProgramme;
    private int _line;
    private string? _channel;

    private XmltvReader(Stream source, bool leaveOpen, XmltvInput.Sniffed input, XmltvReaderOptions options)
    {
        _source = source;
        _leaveOpen = leaveOpen;
        _input = input;
        _options = options;
        _time = new XmltvTimeParser(options.SourceTimeZone, options.ZoneAbbreviations);
        _lastByChannel = _time.SourceZoneHasTransitions ? new Dictionary<string, (DateTimeOffset, DateTimeOffset?)>(StringComparer.Ordinal) : null;
        var nameTable = new NameTable();
        _n = new Names(nameTable);
        var settings = new XmlReaderSettings
        {
            NameTable = nameTable,
            DtdProcessing = DtdProcessing.Ignore,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = true,
            CloseInput = false,
        };
        try
        {
            _xml = input.Text is not null ? XmlReader.Create(input.Text, settings) : XmlReader.Create(input.Bytes, settings);
        }
        catch (XmlException ex)
        {
            throw new XmltvFormatException(ex.LineNumber, ex.LinePosition, Reason(ex), ex);
        }

        _lineInfo = (IXmlLineInfo)_xml;
    }

    private enum State
    {
        Start,
        Body,
        Done,
    }

    /// <summary>The item the last successful <see cref="Read"/> moved to.</summary>
    public XmltvItem Current { get; private set; } = null!;

    /// <summary>Encoding the text is decoded with.</summary>
    public string EncodingName => _input.EncodingName;

    /// <summary>Opens a reader over <paramref name="stream"/> (read from its current position, forward only).</summary>
    public static XmltvReader Create(Stream stream, XmltvReaderOptions? options = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            return new XmltvReader(stream, leaveOpen, XmltvInput.Open(stream), options ?? XmltvReaderOptions.Default);
        }
        catch
        {
            if (!leaveOpen)
            {
                stream.Dispose();
            }

            throw;
        }
    }

    /// <summary>Opens a reader over a file.</summary>
    public static XmltvReader Create(string path, XmltvReaderOptions? options = null) =>
        Create(OpenFile(path), options, leaveOpen: false);

    /// <summary>Every item of <paramref name="stream"/>, lazily.</summary>
    public static IEnumerable<XmltvItem> ReadAll(Stream stream, XmltvReaderOptions? options = null, bool leaveOpen = false)
    {
        using var reader = Create(stream, options, leaveOpen);
        while (reader.Read())
        {
            yield return reader.Current;
        }
    }

    /// <summary>Every item of a file, lazily.</summary>
    public static IEnumerable<XmltvItem> ReadFile(string path, XmltvReaderOptions? options = null) =>
        ReadAll(OpenFile(path), options, leaveOpen: false);

    /// <summary>
    /// Every item of <paramref name="stream"/>, lazily, reading the stream asynchronously: the bytes of the next
    /// items are fetched with <see cref="Stream.ReadAsync(Memory{byte}, CancellationToken)"/> before they are parsed,
    /// so a slow source (network, pipe) does not block a thread.
    /// </summary>
    public static async IAsyncEnumerable<XmltvItem> ReadAllAsync(
        Stream stream,
        XmltvReaderOptions? options = null,
        bool leaveOpen = false,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var prefetch = new PrefetchStream(stream, PrefetchCapacity);
        XmltvReader reader;
        try
        {
            var input = await XmltvInput.OpenAsync(prefetch, cancellationToken).ConfigureAwait(false);
            reader = new XmltvReader(stream, leaveOpen, input, options ?? XmltvReaderOptions.Default);
        }
        catch
        {
            if (!leaveOpen)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        using (reader)
        {
            while (true)
            {
                if (reader._pending.Count == 0)
                {
                    await prefetch.EnsureBufferedAsync(PrefetchThreshold, cancellationToken).ConfigureAwait(false);
                }

                if (!reader.Read())
                {
                    yield break;
                }

                yield return reader.Current;
            }
        }
    }

    /// <summary>Moves to the next item; false at the end of the file.</summary>
    /// <exception cref="XmltvFormatException">The input is not readable XMLTV.</exception>
    public bool Read()
    {
        while (_pending.Count == 0)
        {
            if (_state == State.Done)
            {
                return false;
            }

            try
            {
                Advance();
            }
            catch (XmlException ex)
            {
                _state = State.Done;
                throw new XmltvFormatException(ex.LineNumber, ex.LinePosition, Reason(ex), ex);
            }
            catch (DecoderFallbackException ex)
            {
                _state = State.Done;
                throw new XmltvFormatException(_lineInfo.LineNumber, _lineInfo.LinePosition, $"bytes not valid in {_input.EncodingName}: {ex.Message}", ex);
            }
        }

        Current = _pending.Dequeue();
        return true;
    }

    public void Dispose()
    {
        _xml.Dispose();
        _input.Text?.Dispose();
        _input.Decompressor?.Dispose();

        if (!_leaveOpen)
        {
            _source.Dispose();
        }
    }

    private static FileStream OpenFile(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan);

    private static string Reason(XmlException ex)
    {
        var message = ex.Message;
        var at = message.LastIndexOf(" Line ", StringComparison.Ordinal);
        return at > 0 ? message[..at].TrimEnd() : message;
    }

    private int Line => _lineInfo.LineNumber;

    private void Advance()
    {
        if (_state == State.Start)
        {
            ReadRoot();
            return;
        }

        while (_pending.Count == 0)
        {
            switch (_xml.NodeType)
            {
                case XmlNodeType.Element:
                    var name = _xml.LocalName;
                    if (ReferenceEquals(name, _n.Programme))
                    {
                        ReadProgramme();
                    }
                    else if (ReferenceEquals(name, _n.Channel))
                    {
                        ReadChannel();
                    }
                    else
                    {
                        Unknown("tv");
                    }

                    break;
                case XmlNodeType.EndElement:
                    // </tv>: read to the end so that anything after the root element is still checked.
                    while (_xml.Read())
                    {
                    }

                    _state = State.Done;
                    return;
                case XmlNodeType.None:
                    _state = State.Done;
                    return;
                default:
                    _xml.Read();
                    break;
            }
        }
    }

    private void ReadRoot()
    {
        if (_xml.MoveToContent() != XmlNodeType.Element)
        {
            throw new XmltvFormatException(Line, _lineInfo.LinePosition, "no root element");
        }

        if (!ReferenceEquals(_xml.LocalName, _n.Tv))
        {
            throw new XmltvFormatException(Line, _lineInfo.LinePosition, $"the root element is <{_xml.Name}>, not <tv>");
        }

        var line = Line;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (_xml.MoveToFirstAttribute())
        {
            do
            {
                attributes[_xml.Name] = _xml.Value;
            }
            while (_xml.MoveToNextAttribute());
            _xml.MoveToElement();
        }

        var dateText = attributes.GetValueOrDefault("date");
        DateTimeOffset? date = null;
        if (!string.IsNullOrWhiteSpace(dateText))
        {
            if (_time.TryParse(dateText, out var parsed, out _, out _))
            {
                date = parsed;
            }
            else if (TryParseForeignDate(dateText, out parsed, out var culture))
            {
                date = parsed;
                Issue(XmltvIssueCode.NonStandardTvDate, XmltvIssueSeverity.Info, line, null, $"tv@date '{dateText}' is not an XMLTV time; read with {culture} conventions");
            }
            else
            {
                Issue(XmltvIssueCode.NonStandardTvDate, XmltvIssueSeverity.Warning, line, null, $"tv@date '{dateText}' is not a date");
            }
        }

        var document = new XmltvDocument
        {
            LineNumber = line,
            Encoding = _input.EncodingName,
            HasByteOrderMark = _input.HasByteOrderMark,
            Gzip = _input.Gzip,
            DateText = dateText,
            Date = date,
            SourceInfoUrl = attributes.GetValueOrDefault("source-info-url"),
            SourceInfoName = attributes.GetValueOrDefault("source-info-name"),
            SourceDataUrl = attributes.GetValueOrDefault("source-data-url"),
            GeneratorInfoName = attributes.GetValueOrDefault("generator-info-name"),
            GeneratorInfoUrl = attributes.GetValueOrDefault("generator-info-url"),
            Attributes = attributes,
        };

        // The document comes first, before any issue about it.
        var issues = _pending.ToArray();
        _pending.Clear();
        _pending.Enqueue(document);
        foreach (var issue in issues)
        {
            _pending.Enqueue(issue);
        }

        if (_xml.IsEmptyElement)
        {
            while (_xml.Read())
            {
            }

            _state = State.Done;
        }
        else
        {
            _xml.Read();
            _state = State.Body;
        }
    }

    private bool TryParseForeignDate(string text, out DateTimeOffset date, out string culture)
    {
        foreach (var name in (string[])["en-US", ""])
        {
            var info = CultureInfo.GetCultureInfo(name);
            if (DateTime.TryParse(text, info, DateTimeStyles.AllowWhiteSpaces, out var dt))
            {
                var clock = DateTime.SpecifyKind(dt, DateTimeKind.Unspecified);
                date = new DateTimeOffset(clock, _time.SourceTimeZone.GetUtcOffset(clock)).ToUniversalTime();
                culture = name.Length == 0 ? "invariant-culture" : name;
                return true;
            }
        }

        date = default;
        culture = string.Empty;
        return false;
    }

    // ----- channel -----------------------------------------------------------------------------------------

    private void ReadChannel()
    {
        var line = Line;
        string? id = null;
        if (_xml.MoveToFirstAttribute())
        {
            do
            {
                if (ReferenceEquals(_xml.LocalName, _n.Id))
                {
                    id = _xml.Value.Trim();
                }
            }
            while (_xml.MoveToNextAttribute());
            _xml.MoveToElement();
        }

        List<XmltvText>? names = null;
        List<XmltvIcon>? icons = null;
        List<XmltvUrl>? urls = null;
        _line = line;
        _channel = id;
        if (!_xml.IsEmptyElement)
        {
            _xml.Read();
            while (_xml.NodeType != XmlNodeType.EndElement)
            {
                if (_xml.NodeType != XmlNodeType.Element)
                {
                    ReadOrThrow();
                    continue;
                }

                var name = _xml.LocalName;
                if (ReferenceEquals(name, _n.DisplayName))
                {
                    (names ??= []).Add(ReadLangText());
                }
                else if (ReferenceEquals(name, _n.Icon))
                {
                    if (ReadIcon() is { } icon)
                    {
                        (icons ??= []).Add(icon);
                    }
                }
                else if (ReferenceEquals(name, _n.Url))
                {
                    (urls ??= []).Add(ReadUrl());
                }
                else
                {
                    Unknown("channel");
                }
            }
        }

        _xml.Read();

        if (string.IsNullOrEmpty(id))
        {
            Issue(XmltvIssueCode.ChannelWithoutId, XmltvIssueSeverity.Warning, line, null, "<channel> without an id: skipped", skipped: true);
            return;
        }

        if (!_channelIds.Add(id))
        {
            Issue(XmltvIssueCode.DuplicateChannel, XmltvIssueSeverity.Warning, line, id, $"channel '{id}' is declared again; the first declaration is used");
        }
        else if (_seenProgramme)
        {
            Issue(XmltvIssueCode.ChannelAfterProgrammes, XmltvIssueSeverity.Info, line, id, $"channel '{id}' is declared after programmes (the DTD puts channels first)");
        }

        _pending.Enqueue(new XmltvChannel
        {
            LineNumber = line,
            Id = id,
            DisplayNames = names is null ? [] : names.ToArray(),
            Icons = icons is null ? [] : icons.ToArray(),
            Urls = urls is null ? [] : urls.ToArray(),
        });
    }

    // ----- programme ---------------------------------------------------------------------------------------

    private void ReadProgramme()
    {
        _seenProgramme = true;
        var line = Line;
        string? start = null, stop = null, channel = null, pdc = null, vps = null, showview = null, videoplus = null, clump = null;
        if (_xml.MoveToFirstAttribute())
        {
            do
            {
                var a = _xml.LocalName;
                if (ReferenceEquals(a, _n.Start))
                {
                    start = _xml.Value;
                }
                else if (ReferenceEquals(a, _n.Stop))
                {
                    stop = _xml.Value;
                }
                else if (ReferenceEquals(a, _n.Channel))
                {
                    channel = _xml.Value.Trim();
                }
                else if (ReferenceEquals(a, _n.PdcStart))
                {
                    pdc = _xml.Value;
                }
                else if (ReferenceEquals(a, _n.VpsStart))
                {
                    vps = _xml.Value;
                }
                else if (ReferenceEquals(a, _n.Showview))
                {
                    showview = _xml.Value;
                }
                else if (ReferenceEquals(a, _n.Videoplus))
                {
                    videoplus = _xml.Value;
                }
                else if (ReferenceEquals(a, _n.Clumpidx))
                {
                    clump = _xml.Value.Trim();
                }
            }
            while (_xml.MoveToNextAttribute());
            _xml.MoveToElement();
        }

        _line = line;
        _channel = channel;

        if (string.IsNullOrEmpty(channel))
        {
            SkipProgramme(XmltvIssueCode.MissingChannel, null, "programme without a channel attribute: skipped");
            return;
        }

        if (string.IsNullOrWhiteSpace(start))
        {
            SkipProgramme(XmltvIssueCode.MissingStart, channel, "programme without a start attribute: skipped");
            return;
        }

        // In the hour that occurs twice when clocks go back, a local time is read as the occurrence that does not go
        // back before the channel's previous programme (files list each channel in time order).
        (DateTimeOffset Start, DateTimeOffset? Stop) previous = default;
        var hasPrevious = _lastByChannel is not null && _lastByChannel.TryGetValue(channel, out previous);
        var startThreshold = hasPrevious ? previous.Stop ?? previous.Start : (DateTimeOffset?)null;
        if (!TryTime(start, "start", startThreshold, inclusive: hasPrevious && previous.Stop is null, out var startUtc, out var error))
        {
            SkipProgramme(XmltvIssueCode.BadStartTime, channel, $"start '{start}' is not an XMLTV time ({error}): programme skipped");
            return;
        }

        DateTimeOffset? stopUtc = null;
        if (!string.IsNullOrWhiteSpace(stop))
        {
            if (!TryTime(stop, "stop", startUtc, inclusive: true, out var s, out error))
            {
                SkipProgramme(XmltvIssueCode.BadStopTime, channel, $"stop '{stop}' is not an XMLTV time ({error}): programme skipped");
                return;
            }

            stopUtc = s;
        }

        if (_lastByChannel is not null)
        {
            _lastByChannel[channel] = (startUtc, stopUtc);
        }

        var p = _p;
        p.Reset();
        if (!_xml.IsEmptyElement)
        {
            _xml.Read();
            while (_xml.NodeType != XmlNodeType.EndElement)
            {
                if (_xml.NodeType != XmlNodeType.Element)
                {
                    ReadOrThrow();
                    continue;
                }

                ReadProgrammeChild(p);
            }
        }

        _xml.Read();

        if (p.Titles.Count == 0)
        {
            Issue(XmltvIssueCode.MissingTitle, XmltvIssueSeverity.Warning, line, channel, "programme without a title");
        }

        _pending.Enqueue(new XmltvProgramme
        {
            LineNumber = line,
            Channel = channel,
            Start = startUtc,
            Stop = stopUtc,
            PdcStart = OptionalTime(pdc),
            VpsStart = OptionalTime(vps),
            Showview = showview,
            Videoplus = videoplus,
            ClumpIndex = clump is null or "0/1" ? null : clump,
            Titles = Array(p.Titles),
            SubTitles = Array(p.SubTitles),
            Descriptions = Array(p.Descriptions),
            Credits = Array(p.Credits),
            Date = p.Date,
            Categories = Array(p.Categories),
            Keywords = Array(p.Keywords),
            Language = p.Language,
            OrigLanguage = p.OrigLanguage,
            Length = p.Length,
            Icons = Array(p.Icons),
            Urls = Array(p.Urls),
            Countries = Array(p.Countries),
            EpisodeNums = Array(p.EpisodeNums),
            Video = p.Video,
            Audio = p.Audio,
            PreviouslyShown = p.PreviouslyShown,
            Premiere = p.Premiere,
            LastChance = p.LastChance,
            IsNew = p.IsNew,
            Subtitles = Array(p.Subtitles),
            Ratings = Array(p.Ratings),
            StarRatings = Array(p.StarRatings),
            Reviews = Array(p.Reviews),
            Images = Array(p.Images),
        });
    }

    private void ReadProgrammeChild(ProgrammeBuilder p)
    {
        var name = _xml.LocalName;
        var n = _n;
        if (ReferenceEquals(name, n.Title))
        {
            p.Titles.Add(ReadLangText());
        }
        else if (ReferenceEquals(name, n.Desc))
        {
            var lang = LangAttribute();
            p.Descriptions.Add(new XmltvText(CollapseWhitespace(ReadText()), lang));
        }
        else if (ReferenceEquals(name, n.Category))
        {
            p.Categories.Add(ReadLangText());
        }
        else if (ReferenceEquals(name, n.SubTitle))
        {
            p.SubTitles.Add(ReadLangText());
        }
        else if (ReferenceEquals(name, n.EpisodeNum))
        {
            ReadEpisodeNum(p);
        }
        else if (ReferenceEquals(name, n.Credits))
        {
            ReadCredits(p);
        }
        else if (ReferenceEquals(name, n.Length))
        {
            ReadLength(p);
        }
        else if (ReferenceEquals(name, n.Date))
        {
            p.Date = NullIfEmpty(ReadText());
        }
        else if (ReferenceEquals(name, n.Video))
        {
            ReadVideo(p);
        }
        else if (ReferenceEquals(name, n.Audio))
        {
            ReadAudio(p);
        }
        else if (ReferenceEquals(name, n.Subtitles))
        {
            ReadSubtitles(p);
        }
        else if (ReferenceEquals(name, n.PreviouslyShown))
        {
            ReadPreviouslyShown(p);
        }
        else if (ReferenceEquals(name, n.Language))
        {
            p.Language = ReadLangText();
        }
        else if (ReferenceEquals(name, n.OrigLanguage))
        {
            p.OrigLanguage = ReadLangText();
        }
        else if (ReferenceEquals(name, n.Keyword))
        {
            p.Keywords.Add(ReadLangText());
        }
        else if (ReferenceEquals(name, n.Icon))
        {
            if (ReadIcon() is { } icon)
            {
                p.Icons.Add(icon);
            }
        }
        else if (ReferenceEquals(name, n.Url))
        {
            p.Urls.Add(ReadUrl());
        }
        else if (ReferenceEquals(name, n.Country))
        {
            p.Countries.Add(ReadLangText());
        }
        else if (ReferenceEquals(name, n.Premiere))
        {
            p.Premiere = ReadLangText();
        }
        else if (ReferenceEquals(name, n.LastChance))
        {
            p.LastChance = ReadLangText();
        }
        else if (ReferenceEquals(name, n.New))
        {
            p.IsNew = true;
            _xml.Skip();
        }
        else if (ReferenceEquals(name, n.Rating))
        {
            if (ReadRating() is { } rating)
            {
                p.Ratings.Add(rating);
            }
        }
        else if (ReferenceEquals(name, n.StarRating))
        {
            if (ReadRating() is { } rating)
            {
                p.StarRatings.Add(rating);
            }
        }
        else if (ReferenceEquals(name, n.Review))
        {
            ReadReview(p);
        }
        else if (ReferenceEquals(name, n.Image))
        {
            if (ReadImage() is { } image)
            {
                p.Images.Add(image);
            }
        }
        else
        {
            Unknown("programme");
        }
    }

    private void ReadEpisodeNum(ProgrammeBuilder p)
    {
        var system = XmltvEpisodeNum.OnScreen;
        if (_xml.MoveToFirstAttribute())
        {
            do
            {
                if (ReferenceEquals(_xml.LocalName, _n.System))
                {
                    system = _xml.Value.Trim();
                }
            }
            while (_xml.MoveToNextAttribute());
            _xml.MoveToElement();
        }

        var value = ReadText();
        XmltvNsEpisode? parsed = null;
        if (string.Equals(system, XmltvEpisodeNum.XmltvNs, StringComparison.OrdinalIgnoreCase))
        {
            if (!XmltvNsEpisode.TryParse(value, out parsed))
            {
                Issue(XmltvIssueCode.BadEpisodeNum, XmltvIssueSeverity.Warning, _line, _channel, $"episode-num '{value}' is not xmltv_ns (season.episode.part); kept as text");
            }
        }

        p.EpisodeNums.Add(new XmltvEpisodeNum(system, value) { Parsed = parsed });
    }

    private void ReadCredits(ProgrammeBuilder p)
    {
        if (_xml.IsEmptyElement)
        {
            _xml.Read();
            return;
        }

        _xml.Read();
        while (_xml.NodeType != XmlNodeType.EndElement)
        {
            if (_xml.NodeType != XmlNodeType.Element)
            {
                ReadOrThrow();
                continue;
            }

            if (!_n.CreditKinds.TryGetValue(_xml.LocalName, out var kind))
            {
                Unknown("credits");
                continue;
            }

            p.Credits.Add(ReadCredit(kind));
        }

        _xml.Read();
    }

    private XmltvCredit ReadCredit(XmltvCreditKind kind)
    {
        string? role = null;
        bool? guest = null;
        if (_xml.MoveToFirstAttribute())
        {
            do
            {
                if (ReferenceEquals(_xml.LocalName, _n.Role))
                {
                    role = NullIfEmpty(_xml.Value.Trim());
                }
                else if (ReferenceEquals(_xml.LocalName, _n.Guest))
                {
                    guest = YesNo(_xml.Value, "guest");
                }
            }
            while (_xml.MoveToNextAttribute());
            _xml.MoveToElement();
        }

        if (_xml.IsEmptyElement)
        {
            _xml.Read();
            return new XmltvCredit(kind, string.Empty) { Role = role, Guest = guest };
        }

        // Mixed content: the name as text, with optional <image> and <url> children.
        List<XmltvImage>? images = null;
        List<XmltvUrl>? urls = null;
        _text.Clear();
        _xml.Read();
        while (_xml.NodeType != XmlNodeType.EndElement)
        {
            switch (_xml.NodeType)
            {
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                case XmlNodeType.SignificantWhitespace:
                    _text.Append(_xml.Value);
                    ReadOrThrow();
                    break;
                case XmlNodeType.Element when ReferenceEquals(_xml.LocalName, _n.Image):
                    if (ReadImage() is { } image)
                    {
                        (images ??= []).Add(image);
                    }

                    break;
                case XmlNodeType.Element when ReferenceEquals(_xml.LocalName, _n.Url):
                    (urls ??= []).Add(ReadUrl());
                    break;
                case XmlNodeType.Element:
                    Unknown("credits");
                    break;
                default:
                    ReadOrThrow();
                    break;
            }
        }

        _xml.Read();
        return new XmltvCredit(kind, CollapseWhitespace(_text.ToString().Trim()))
        {
            Role = role,
            Guest = guest,
            Images = images is null ? [] : images.ToArray(),
            Urls = urls is null ? [] : urls.ToArray(),
        };
    }

    private void ReadLength(ProgrammeBuilder p)
    {
        var units = Attribute(_n.Units) ?? string.Empty;
        var text = ReadText();
        if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            Issue(XmltvIssueCode.BadLength, XmltvIssueSeverity.Warning, _line, _channel, $"length '{text}' is not a number; ignored");
            return;
        }

        TimeSpan duration;
        try
        {
            duration = units.Trim().ToLowerInvariant() switch
            {
                "seconds" => TimeSpan.FromSeconds((double)value),
                "minutes" => TimeSpan.FromMinutes((double)value),
                "hours" => TimeSpan.FromHours((double)value),
                _ => TimeSpan.MinValue,
            };
        }
        catch (OverflowException)
        {
            duration = TimeSpan.MinValue;
        }

        if (duration == TimeSpan.MinValue)
        {
            Issue(XmltvIssueCode.BadLength, XmltvIssueSeverity.Warning, _line, _channel, $"length units '{units}' not seconds, minutes or hours (or value too large); ignored");
            return;
        }

        p.Length = new XmltvLength(duration, units.Trim());
    }

    private void ReadVideo(ProgrammeBuilder p)
    {
        bool? present = null, colour = null;
        string? aspect = null, quality = null;
        if (!_xml.IsEmptyElement)
        {
            _xml.Read();
            while (_xml.NodeType != XmlNodeType.EndElement)
            {
                if (_xml.NodeType != XmlNodeType.Element)
                {
                    ReadOrThrow();
                    continue;
                }

                var name = _xml.LocalName;
                if (ReferenceEquals(name, _n.Present))
                {
                    present = YesNo(ReadText(), "video/present");
                }
                else if (ReferenceEquals(name, _n.Colour))
                {
                    colour = YesNo(ReadText(), "video/colour");
                }
                else if (ReferenceEquals(name, _n.Aspect))
                {
                    aspect = NullIfEmpty(ReadText());
                }
                else if (ReferenceEquals(name, _n.Quality))
                {
                    quality = NullIfEmpty(ReadText());
                }
                else
                {
                    Unknown("video");
                }
            }
        }

        _xml.Read();
        p.Video = new XmltvVideo(present, colour, aspect, quality);
    }

    private void ReadAudio(ProgrammeBuilder p)
    {
        bool? present = null;
        string? stereo = null;
        if (!_xml.IsEmptyElement)
        {
            _xml.Read();
            while (_xml.NodeType != XmlNodeType.EndElement)
            {
                if (_xml.NodeType != XmlNodeType.Element)
                {
                    ReadOrThrow();
                    continue;
                }

                var name = _xml.LocalName;
                if (ReferenceEquals(name, _n.Present))
                {
                    present = YesNo(ReadText(), "audio/present");
                }
                else if (ReferenceEquals(name, _n.Stereo))
                {
                    stereo = NullIfEmpty(ReadText());
                }
                else
                {
                    Unknown("audio");
                }
            }
        }

        _xml.Read();
        p.Audio = new XmltvAudio(present, stereo);
    }

    private void ReadSubtitles(ProgrammeBuilder p)
    {
        var type = NullIfEmpty(Attribute(_n.Type)?.Trim());
        XmltvText? language = null;
        if (!_xml.IsEmptyElement)
        {
            _xml.Read();
            while (_xml.NodeType != XmlNodeType.EndElement)
            {
                if (_xml.NodeType != XmlNodeType.Element)
                {
                    ReadOrThrow();
                    continue;
                }

                if (ReferenceEquals(_xml.LocalName, _n.Language))
                {
                    language = ReadLangText();
                }
                else
                {
                    Unknown("subtitles");
                }
            }
        }

        _xml.Read();
        p.Subtitles.Add(new XmltvSubtitles(type, language));
    }

    private void ReadPreviouslyShown(ProgrammeBuilder p)
    {
        var startText = NullIfEmpty(Attribute(_n.Start)?.Trim());
        var channel = NullIfEmpty(Attribute(_n.Channel)?.Trim());
        DateTimeOffset? start = null;
        if (startText is not null && _time.TryParse(startText, out var s, out _, out _))
        {
            start = s;
            startText = null;
        }

        _xml.Skip();
        p.PreviouslyShown = new XmltvPreviouslyShown(start, channel, startText);
    }

    private XmltvRating? ReadRating()
    {
        var system = NullIfEmpty(Attribute(_n.System)?.Trim());
        if (_xml.IsEmptyElement)
        {
            _xml.Read();
            return null;
        }

        string? value = null;
        List<XmltvIcon>? icons = null;
        _text.Clear();
        _xml.Read();
        while (_xml.NodeType != XmlNodeType.EndElement)
        {
            switch (_xml.NodeType)
            {
                case XmlNodeType.Element when ReferenceEquals(_xml.LocalName, _n.Value):
                    value = ReadText();
                    break;
                case XmlNodeType.Element when ReferenceEquals(_xml.LocalName, _n.Icon):
                    if (ReadIcon() is { } icon)
                    {
                        (icons ??= []).Add(icon);
                    }

                    break;
                case XmlNodeType.Element:
                    Unknown("rating");
                    break;
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                    // Old DTD form: <rating system="MPAA">PG</rating>.
                    _text.Append(_xml.Value);
                    ReadOrThrow();
                    break;
                default:
                    ReadOrThrow();
                    break;
            }
        }

        _xml.Read();
        value ??= _text.ToString().Trim();
        return value.Length == 0 && icons is null
            ? null
            : new XmltvRating(value, system) { Icons = icons is null ? [] : icons.ToArray() };
    }

    private void ReadReview(ProgrammeBuilder p)
    {
        string type = "text";
        string? source = null, reviewer = null, lang = null;
        if (_xml.MoveToFirstAttribute())
        {
            do
            {
                var a = _xml.LocalName;
                if (ReferenceEquals(a, _n.Type))
                {
                    type = _xml.Value.Trim();
                }
                else if (ReferenceEquals(a, _n.Source))
                {
                    source = _xml.Value;
                }
                else if (ReferenceEquals(a, _n.Reviewer))
                {
                    reviewer = _xml.Value;
                }
                else if (ReferenceEquals(a, _n.Lang))
                {
                    lang = _xml.Value;
                }
            }
            while (_xml.MoveToNextAttribute());
            _xml.MoveToElement();
        }

        p.Reviews.Add(new XmltvReview(type, CollapseWhitespace(ReadText()), source, reviewer, lang));
    }

    private XmltvImage? ReadImage()
    {
        string? type = null, orient = null, system = null;
        int? size = null;
        if (_xml.MoveToFirstAttribute())
        {
            do
            {
                var a = _xml.LocalName;
                if (ReferenceEquals(a, _n.Type))
                {
                    type = _xml.Value.Trim();
                }
                else if (ReferenceEquals(a, _n.Size))
                {
                    size = Int(_xml.Value);
                }
                else if (ReferenceEquals(a, _n.Orient))
                {
                    orient = _xml.Value.Trim();
                }
                else if (ReferenceEquals(a, _n.System))
                {
                    system = _xml.Value.Trim();
                }
            }
            while (_xml.MoveToNextAttribute());
            _xml.MoveToElement();
        }

        var url = ReadText();
        return url.Length == 0 ? null : new XmltvImage(url, type, size, orient, system);
    }

    private XmltvIcon? ReadIcon()
    {
        string? src = null;
        int? width = null, height = null;
        if (_xml.MoveToFirstAttribute())
        {
            do
            {
                var a = _xml.LocalName;
                if (ReferenceEquals(a, _n.Src))
                {
                    src = _xml.Value.Trim();
                }
                else if (ReferenceEquals(a, _n.Width))
                {
                    width = Int(_xml.Value);
                }
                else if (ReferenceEquals(a, _n.Height))
                {
                    height = Int(_xml.Value);
                }
            }
            while (_xml.MoveToNextAttribute());
            _xml.MoveToElement();
        }

        _xml.Skip();
        return string.IsNullOrEmpty(src) ? null : new XmltvIcon(src, width, height);
    }

    private XmltvUrl ReadUrl()
    {
        var system = NullIfEmpty(Attribute(_n.System)?.Trim());
        return new XmltvUrl(ReadText(), system);
    }

    // ----- primitives --------------------------------------------------------------------------------------

    /// <summary>On an element with an optional lang attribute: its trimmed text.</summary>
    private XmltvText ReadLangText()
    {
        var lang = LangAttribute();
        return new XmltvText(ReadText(), lang);
    }

    private string? LangAttribute()
    {
        if (!_xml.HasAttributes)
        {
            return null;
        }

        return Attribute(_n.Lang);
    }

    private string? Attribute(string atomizedName)
    {
        string? value = null;
        if (_xml.MoveToFirstAttribute())
        {
            do
            {
                if (ReferenceEquals(_xml.LocalName, atomizedName))
                {
                    value = _xml.Value;
                }
            }
            while (_xml.MoveToNextAttribute());
            _xml.MoveToElement();
        }

        return value;
    }

    /// <summary>On an element: its text content (child elements ignored), trimmed; leaves the reader after it.</summary>
    private string ReadText()
    {
        if (_xml.IsEmptyElement)
        {
            _xml.Read();
            return string.Empty;
        }

        _xml.Read();
        string? first = null;
        var many = false;
        while (_xml.NodeType != XmlNodeType.EndElement)
        {
            switch (_xml.NodeType)
            {
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                case XmlNodeType.SignificantWhitespace:
                case XmlNodeType.Whitespace:
                    if (first is null)
                    {
                        first = _xml.Value;
                    }
                    else
                    {
                        if (!many)
                        {
                            _text.Clear().Append(first);
                            many = true;
                        }

                        _text.Append(_xml.Value);
                    }

                    ReadOrThrow();
                    break;
                case XmlNodeType.Element:
                    Unknown("text");
                    break;
                default:
                    ReadOrThrow();
                    break;
            }
        }

        _xml.Read();
        return (many ? _text.ToString() : first ?? string.Empty).Trim();
    }

    private void ReadOrThrow()
    {
        if (!_xml.Read())
        {
            throw new XmltvFormatException(Line, _lineInfo.LinePosition, "unexpected end of file");
        }
    }

    /// <param name="threshold">For an ambiguous local time: take the second occurrence when the first is before this
    /// (or equal, when <paramref name="inclusive"/>).</param>
    private bool TryTime(string text, string what, DateTimeOffset? threshold, bool inclusive, out DateTimeOffset utc, out string? error)
    {
        if (!_time.TryParse(text, out utc, out var local, out var second, out error))
        {
            return false;
        }

        var which = "first occurrence";
        if (local == XmltvLocalTime.Ambiguous && threshold is { } t && (utc < t || (inclusive && utc == t)))
        {
            utc = second;
            which = what == "stop" ? "second occurrence, as the first is not after the start" : "second occurrence, as the first is before the channel's previous programme ends";
        }

        if (local != XmltvLocalTime.Unique && _options.ReportLocalTimeAdjustments)
        {
            var zone = _time.SourceTimeZone.Id;
            if (local == XmltvLocalTime.Ambiguous)
            {
                Issue(XmltvIssueCode.AmbiguousLocalTime, XmltvIssueSeverity.Info, _line, _channel, $"{what} '{text}' occurs twice in {zone} (clocks go back); read as {XmltvTime.Format(utc)}, the {which}");
            }
            else
            {
                Issue(XmltvIssueCode.InvalidLocalTime, XmltvIssueSeverity.Warning, _line, _channel, $"{what} '{text}' does not exist in {zone} (clocks go forward); read as {XmltvTime.Format(utc)}");
            }
        }

        return true;
    }

    private DateTimeOffset? OptionalTime(string? text) =>
        !string.IsNullOrWhiteSpace(text) && _time.TryParse(text, out var utc, out _, out _) ? utc : null;

    private bool? YesNo(string text, string what)
    {
        var t = text.Trim();
        if (t.Equals("yes", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (t.Equals("no", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (t.Length > 0)
        {
            Issue(XmltvIssueCode.BadValue, XmltvIssueSeverity.Info, _line, _channel, $"{what} '{t}' is not yes or no; ignored");
        }

        return null;
    }

    private static int? Int(string text) =>
        int.TryParse(text.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static T[] Array<T>(List<T> list) => list.Count == 0 ? [] : list.ToArray();

    /// <summary>The DTD: in descriptions, runs of whitespace are equivalent to a single space.</summary>
    internal static string CollapseWhitespace(string s)
    {
        var needed = false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsWhiteSpace(c) && (c != ' ' || (i + 1 < s.Length && char.IsWhiteSpace(s[i + 1]))))
            {
                needed = true;
                break;
            }
        }

        if (!needed)
        {
            return s;
        }

        var sb = new StringBuilder(s.Length);
        var inSpace = false;
        foreach (var c in s)
        {
            if (char.IsWhiteSpace(c))
            {
                if (!inSpace)
                {
                    sb.Append(' ');
                }

                inSpace = true;
            }
            else
            {
                sb.Append(c);
                inSpace = false;
            }
        }

        return sb.ToString();
    }

    private void SkipProgramme(XmltvIssueCode code, string? channel, string message)
    {
        Issue(code, XmltvIssueSeverity.Error, _line, channel, message, skipped: true);
        _xml.Skip();
    }

    private void Unknown(string parent)
    {
        var name = _xml.Name;
        if (_unknownReported.Add(parent + "/" + name))
        {
            Issue(XmltvIssueCode.UnknownElement, XmltvIssueSeverity.Info, Line, _channel, $"<{name}> in <{parent}> is not in the XMLTV DTD; ignored (reported once)");
        }

        _xml.Skip();
    }

    private void Issue(XmltvIssueCode code, XmltvIssueSeverity severity, int line, string? channel, string message, bool skipped = false) =>
        _pending.Enqueue(new XmltvIssue
        {
            LineNumber = line,
            Code = code,
            Severity = severity,
            Channel = channel,
            Message = message,
            Skipped = skipped,
        });

    /// <summary>Reusable lists for one programme.</summary>
    private sealed class ProgrammeBuilder
    {
        public List<XmltvText> Titles { get; } = [];
        public List<XmltvText> SubTitles { get; } = [];
        public List<XmltvText> Descriptions { get; } = [];
        public List<XmltvCredit> Credits { get; } = [];
        public List<XmltvText> Categories { get; } = [];
        public List<XmltvText> Keywords { get; } = [];
        public List<XmltvIcon> Icons { get; } = [];
        public List<XmltvUrl> Urls { get; } = [];
        public List<XmltvText> Countries { get; } = [];
        public List<XmltvEpisodeNum> EpisodeNums { get; } = [];
        public List<XmltvSubtitles> Subtitles { get; } = [];
        public List<XmltvRating> Ratings { get; } = [];
        public List<XmltvRating> StarRatings { get; } = [];
        public List<XmltvReview> Reviews { get; } = [];
        public List<XmltvImage> Images { get; } = [];
        public string? Date { get; set; }
        public XmltvText? Language { get; set; }
        public XmltvText? OrigLanguage { get; set; }
        public XmltvLength? Length { get; set; }
        public XmltvVideo? Video { get; set; }
        public XmltvAudio? Audio { get; set; }
        public XmltvPreviouslyShown? PreviouslyShown { get; set; }
        public XmltvText? Premiere { get; set; }
        public XmltvText? LastChance { get; set; }
        public bool IsNew { get; set; }

        public void Reset()
        {
            Titles.Clear();
            SubTitles.Clear();
            Descriptions.Clear();
            Credits.Clear();
            Categories.Clear();
            Keywords.Clear();
            Icons.Clear();
            Urls.Clear();
            Countries.Clear();
            EpisodeNums.Clear();
            Subtitles.Clear();
            Ratings.Clear();
            StarRatings.Clear();
            Reviews.Clear();
            Images.Clear();
            Date = null;
            Language = null;
            OrigLanguage = null;
            Length = null;
            Video = null;
            Audio = null;
            PreviouslyShown = null;
            Premiere = null;
            LastChance = null;
            IsNew = false;
        }
    }

    /// <summary>Element and attribute names, atomized in the reader's name table (compared by reference).</summary>
    private sealed class Names
    {
        public Names(XmlNameTable t)
        {
            Tv = t.Add("tv");
            Channel = t.Add("channel");
            Programme = t.Add("programme");
            Id = t.Add("id");
            DisplayName = t.Add("display-name");
            Icon = t.Add("icon");
            Url = t.Add("url");
            Lang = t.Add("lang");
            Start = t.Add("start");
            Stop = t.Add("stop");
            PdcStart = t.Add("pdc-start");
            VpsStart = t.Add("vps-start");
            Showview = t.Add("showview");
            Videoplus = t.Add("videoplus");
            Clumpidx = t.Add("clumpidx");
            Title = t.Add("title");
            SubTitle = t.Add("sub-title");
            Desc = t.Add("desc");
            Credits = t.Add("credits");
            Date = t.Add("date");
            Category = t.Add("category");
            Keyword = t.Add("keyword");
            Language = t.Add("language");
            OrigLanguage = t.Add("orig-language");
            Length = t.Add("length");
            Units = t.Add("units");
            Country = t.Add("country");
            EpisodeNum = t.Add("episode-num");
            System = t.Add("system");
            Video = t.Add("video");
            Audio = t.Add("audio");
            Present = t.Add("present");
            Colour = t.Add("colour");
            Aspect = t.Add("aspect");
            Quality = t.Add("quality");
            Stereo = t.Add("stereo");
            PreviouslyShown = t.Add("previously-shown");
            Premiere = t.Add("premiere");
            LastChance = t.Add("last-chance");
            New = t.Add("new");
            Subtitles = t.Add("subtitles");
            Type = t.Add("type");
            Rating = t.Add("rating");
            StarRating = t.Add("star-rating");
            Value = t.Add("value");
            Review = t.Add("review");
            Source = t.Add("source");
            Reviewer = t.Add("reviewer");
            Image = t.Add("image");
            Size = t.Add("size");
            Orient = t.Add("orient");
            Src = t.Add("src");
            Width = t.Add("width");
            Height = t.Add("height");
            Role = t.Add("role");
            Guest = t.Add("guest");
            var kinds = new Dictionary<string, XmltvCreditKind>(ReferenceEqualityComparer.Instance);
            foreach (var kind in Enum.GetValues<XmltvCreditKind>())
            {
                kinds[t.Add(kind.ToString().ToLowerInvariant())] = kind;
            }

            CreditKinds = kinds;
        }

        public string Tv { get; }
        public string Channel { get; }
        public string Programme { get; }
        public string Id { get; }
        public string DisplayName { get; }
        public string Icon { get; }
        public string Url { get; }
        public string Lang { get; }
        public string Start { get; }
        public string Stop { get; }
        public string PdcStart { get; }
        public string VpsStart { get; }
        public string Showview { get; }
        public string Videoplus { get; }
        public string Clumpidx { get; }
        public string Title { get; }
        public string SubTitle { get; }
        public string Desc { get; }
        public string Credits { get; }
        public string Date { get; }
        public string Category { get; }
        public string Keyword { get; }
        public string Language { get; }
        public string OrigLanguage { get; }
        public string Length { get; }
        public string Units { get; }
        public string Country { get; }
        public string EpisodeNum { get; }
        public string System { get; }
        public string Video { get; }
        public string Audio { get; }
        public string Present { get; }
        public string Colour { get; }
        public string Aspect { get; }
        public string Quality { get; }
        public string Stereo { get; }
        public string PreviouslyShown { get; }
        public string Premiere { get; }
        public string LastChance { get; }
        public string New { get; }
        public string Subtitles { get; }
        public string Type { get; }
        public string Rating { get; }
        public string StarRating { get; }
        public string Value { get; }
        public string Review { get; }
        public string Source { get; }
        public string Reviewer { get; }
        public string Image { get; }
        public string Size { get; }
        public string Orient { get; }
        public string Src { get; }
        public string Width { get; }
        public string Height { get; }
        public string Role { get; }
        public string Guest { get; }
        public IReadOnlyDictionary<string, XmltvCreditKind> CreditKinds { get; }
    }
}
