using System.Text.Json.Serialization;

namespace CableHub.Connectors.Xmltv;

/// <summary>
/// <c>&lt;programme start stop channel&gt;</c> with every element of the XMLTV DTD. Times are UTC.
/// Lists keep file order; texts are trimmed (descriptions also have their whitespace runs collapsed,
/// as the DTD says).
/// </summary>
public sealed record XmltvProgramme : XmltvItem
{
    /// <summary>The source's channel id (<c>programme@channel</c>).</summary>
    public required string Channel { get; init; }

    /// <summary>Start, converted to UTC (offset zero).</summary>
    public required DateTimeOffset Start { get; init; }

    /// <summary>Stop, converted to UTC; null when the file gives none.</summary>
    public DateTimeOffset? Stop { get; init; }

    public DateTimeOffset? PdcStart { get; init; }
    public DateTimeOffset? VpsStart { get; init; }
    public string? Showview { get; init; }
    public string? Videoplus { get; init; }

    /// <summary><c>clumpidx</c> as written (the DTD default "0/1" is represented as null).</summary>
    public string? ClumpIndex { get; init; }

    public IReadOnlyList<XmltvText> Titles { get; init; } = [];
    public IReadOnlyList<XmltvText> SubTitles { get; init; } = [];
    public IReadOnlyList<XmltvText> Descriptions { get; init; } = [];
    public IReadOnlyList<XmltvCredit> Credits { get; init; } = [];

    /// <summary><c>&lt;date&gt;</c> as written (YYYY, YYYYMMDD…).</summary>
    public string? Date { get; init; }

    public IReadOnlyList<XmltvText> Categories { get; init; } = [];
    public IReadOnlyList<XmltvText> Keywords { get; init; } = [];
    public XmltvText? Language { get; init; }
    public XmltvText? OrigLanguage { get; init; }
    public XmltvLength? Length { get; init; }
    public IReadOnlyList<XmltvIcon> Icons { get; init; } = [];
    public IReadOnlyList<XmltvUrl> Urls { get; init; } = [];
    public IReadOnlyList<XmltvText> Countries { get; init; } = [];
    public IReadOnlyList<XmltvEpisodeNum> EpisodeNums { get; init; } = [];
    public XmltvVideo? Video { get; init; }
    public XmltvAudio? Audio { get; init; }
    public XmltvPreviouslyShown? PreviouslyShown { get; init; }

    /// <summary>Non-null when <c>&lt;premiere&gt;</c> is present (its text may be empty).</summary>
    public XmltvText? Premiere { get; init; }

    /// <summary>Non-null when <c>&lt;last-chance&gt;</c> is present (its text may be empty).</summary>
    public XmltvText? LastChance { get; init; }

    /// <summary><c>&lt;new/&gt;</c> is present.</summary>
    public bool IsNew { get; init; }

    public IReadOnlyList<XmltvSubtitles> Subtitles { get; init; } = [];
    public IReadOnlyList<XmltvRating> Ratings { get; init; } = [];
    public IReadOnlyList<XmltvRating> StarRatings { get; init; } = [];
    public IReadOnlyList<XmltvReview> Reviews { get; init; } = [];
    public IReadOnlyList<XmltvImage> Images { get; init; } = [];

    /// <summary>The first title (file order), or empty when there is none.</summary>
    [JsonIgnore]
    public string Title => Titles.Count > 0 ? Titles[0].Value : string.Empty;

    /// <summary>The episode number in the <c>xmltv_ns</c> system, parsed, if any.</summary>
    [JsonIgnore]
    public XmltvNsEpisode? XmltvNsEpisode
    {
        get
        {
            foreach (var n in EpisodeNums)
            {
                if (n.Parsed is { } parsed)
                {
                    return parsed;
                }
            }

            return null;
        }
    }

    /// <summary>
    /// The title for a language: the first with exactly that <c>lang</c> (ordinal, case-insensitive),
    /// else the first without a language (absent or empty), else the first title; null when there is none.
    /// </summary>
    public string? TitleFor(string? lang) => XmltvTexts.Pick(Titles, lang);

    /// <summary>The description for a language, chosen like <see cref="TitleFor"/>.</summary>
    public string? DescriptionFor(string? lang) => XmltvTexts.Pick(Descriptions, lang);
}

/// <summary>Kinds of people in <c>&lt;credits&gt;</c>, in DTD order.</summary>
public enum XmltvCreditKind
{
    Director,
    Actor,
    Writer,
    Adapter,
    Producer,
    Composer,
    Editor,
    Presenter,
    Commentator,
    Guest,
}

/// <summary>One person in <c>&lt;credits&gt;</c>.</summary>
public sealed record XmltvCredit(XmltvCreditKind Kind, string Name)
{
    /// <summary><c>actor@role</c>: the character played.</summary>
    public string? Role { get; init; }

    /// <summary><c>actor@guest</c> (yes/no); null when absent.</summary>
    public bool? Guest { get; init; }

    public IReadOnlyList<XmltvImage> Images { get; init; } = [];
    public IReadOnlyList<XmltvUrl> Urls { get; init; } = [];
}

/// <summary><c>&lt;length units&gt;</c>.</summary>
/// <param name="Duration">The length as a duration.</param>
/// <param name="Units">seconds, minutes or hours, as written.</param>
public sealed record XmltvLength(TimeSpan Duration, string Units);

/// <summary><c>&lt;episode-num system&gt;</c>: the text as written, and for <c>xmltv_ns</c> its parsed form.</summary>
public sealed record XmltvEpisodeNum(string System, string Value)
{
    public const string XmltvNs = "xmltv_ns";
    public const string OnScreen = "onscreen";

    /// <summary>Set when <see cref="System"/> is <c>xmltv_ns</c> and the value parses.</summary>
    public XmltvNsEpisode? Parsed { get; init; }
}

/// <summary>
/// An <c>xmltv_ns</c> episode number <c>season.episode.part</c>, each "X" or "X/Y". The file's numbers are
/// zero-based indexes (<see cref="SeasonIndex"/>…); <see cref="Season"/>, <see cref="Episode"/> and
/// <see cref="Part"/> are the 1-based numbers people read. Totals (the Y) are counts, not indexes.
/// </summary>
public sealed record XmltvNsEpisode(
    int? SeasonIndex,
    int? TotalSeasons,
    int? EpisodeIndex,
    int? TotalEpisodes,
    int? PartIndex,
    int? TotalParts)
{
    public int? Season => SeasonIndex + 1;
    public int? Episode => EpisodeIndex + 1;
    public int? Part => PartIndex + 1;

    /// <summary>Parses "S.E.P" (spaces allowed, any part may be empty, each part "X" or "X/Y").</summary>
    public static bool TryParse(string text, out XmltvNsEpisode? episode)
    {
        ArgumentNullException.ThrowIfNull(text);
        episode = null;
        var span = text.AsSpan();
        Span<int?> index = stackalloc int?[3];
        Span<int?> total = stackalloc int?[3];
        index.Clear();
        total.Clear();
        var part = 0;
        var start = 0;
        for (var i = 0; i <= span.Length; i++)
        {
            if (i < span.Length && span[i] != '.')
            {
                continue;
            }

            if (part > 2)
            {
                return false;
            }

            if (!TryParsePart(span[start..i], out index[part], out total[part]))
            {
                return false;
            }

            part++;
            start = i + 1;
        }

        if (index[0] is null && index[1] is null && index[2] is null && total[0] is null && total[1] is null && total[2] is null)
        {
            return false;
        }

        episode = new XmltvNsEpisode(index[0], total[0], index[1], total[1], index[2], total[2]);
        return true;
    }

    /// <summary>The xmltv_ns text of this number ("1.11.0/1").</summary>
    public override string ToString()
    {
        static string Part(int? x, int? y) => y is null ? $"{x}" : $"{x}/{y}";
        return $"{Part(SeasonIndex, TotalSeasons)}.{Part(EpisodeIndex, TotalEpisodes)}.{Part(PartIndex, TotalParts)}";
    }

    private static bool TryParsePart(ReadOnlySpan<char> s, out int? x, out int? y)
    {
        x = null;
        y = null;
        s = s.Trim();
        if (s.IsEmpty)
        {
            return true;
        }

        var slash = s.IndexOf('/');
        var first = (slash < 0 ? s : s[..slash]).Trim();
        if (!first.IsEmpty)
        {
            if (!TryNumber(first, out var v))
            {
                return false;
            }

            x = v;
        }

        if (slash >= 0)
        {
            var second = s[(slash + 1)..].Trim();
            if (!second.IsEmpty)
            {
                if (!TryNumber(second, out var t))
                {
                    return false;
                }

                y = t;
            }
        }

        return true;
    }

    private static bool TryNumber(ReadOnlySpan<char> s, out int value) =>
        int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value);
}

/// <summary><c>&lt;video&gt;</c>.</summary>
public sealed record XmltvVideo(bool? Present = null, bool? Colour = null, string? Aspect = null, string? Quality = null);

/// <summary><c>&lt;audio&gt;</c>.</summary>
public sealed record XmltvAudio(bool? Present = null, string? Stereo = null);

/// <summary><c>&lt;previously-shown start channel/&gt;</c>; <see cref="StartText"/> keeps a start that did not parse.</summary>
public sealed record XmltvPreviouslyShown(DateTimeOffset? Start = null, string? Channel = null, string? StartText = null);

/// <summary><c>&lt;subtitles type&gt;&lt;language/&gt;&lt;/subtitles&gt;</c>.</summary>
public sealed record XmltvSubtitles(string? Type = null, XmltvText? Language = null);

/// <summary><c>&lt;rating system&gt;</c> or <c>&lt;star-rating system&gt;</c>: a value and its icons.</summary>
public sealed record XmltvRating(string Value, string? System = null)
{
    public IReadOnlyList<XmltvIcon> Icons { get; init; } = [];
}

/// <summary><c>&lt;review type source reviewer lang&gt;</c>.</summary>
public sealed record XmltvReview(string Type, string Value, string? Source = null, string? Reviewer = null, string? Lang = null);

internal static class XmltvTexts
{
    public static string? Pick(IReadOnlyList<XmltvText> texts, string? lang)
    {
        if (texts.Count == 0)
        {
            return null;
        }

        if (!string.IsNullOrEmpty(lang))
        {
            foreach (var t in texts)
            {
                if (string.Equals(t.Lang, lang, StringComparison.OrdinalIgnoreCase))
                {
                    return t.Value;
                }
            }
        }

        foreach (var t in texts)
        {
            if (string.IsNullOrEmpty(t.Lang))
            {
                return t.Value;
            }
        }

        return texts[0].Value;
    }
}
