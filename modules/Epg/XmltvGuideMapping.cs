using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using CableHub.Connectors.Xmltv;

namespace CableHub.Epg;

/// <summary>XMLTV ↔ guide: a normalised XMLTV programme to a stored programme, and stored rows back to XMLTV for export.</summary>
public static class XmltvGuideMapping
{
    /// <summary>The source programme in <c>details</c>: camelCase, enums as strings, nulls and empty lists left out.</summary>
    public static JsonSerializerOptions DetailsJson { get; } = CreateDetailsOptions();

    public static EpgProgramme ToEpgProgramme(NormalisedProgramme normalised, Guid channelId)
    {
        ArgumentNullException.ThrowIfNull(normalised);
        var p = normalised.Programme;
        string? episodeNs = null;
        string? onScreen = null;
        foreach (var n in p.EpisodeNums)
        {
            if (episodeNs is null && string.Equals(n.System, XmltvEpisodeNum.XmltvNs, StringComparison.Ordinal))
            {
                episodeNs = n.Value;
            }
            else if (onScreen is null && string.Equals(n.System, XmltvEpisodeNum.OnScreen, StringComparison.Ordinal))
            {
                onScreen = n.Value;
            }
        }

        var ns = p.XmltvNsEpisode;
        return new EpgProgramme
        {
            ChannelId = channelId,
            Start = normalised.Start,
            Stop = normalised.Stop,
            Title = p.Title,
            Titles = Texts(p.Titles),
            SubTitle = p.SubTitles.Count > 0 ? p.SubTitles[0].Value : null,
            Descriptions = Texts(p.Descriptions),
            Categories = p.Categories.Count == 0 ? [] : p.Categories.Select(c => c.Value).Distinct(StringComparer.Ordinal).ToArray(),
            EpisodeNs = episodeNs,
            Season = ns?.Season,
            Episode = ns?.Episode,
            EpisodeOnScreen = onScreen,
            Rating = p.Ratings.Count > 0 ? p.Ratings[0].Value : null,
            IconUrl = p.Icons.Count > 0 ? p.Icons[0].Src : null,
            PreviouslyShown = p.PreviouslyShown is not null,
            Premiere = p.Premiere is not null,
            IsNew = p.IsNew,
            DetailsJson = NeedsDetails(p) ? JsonSerializer.Serialize(p, DetailsJson) : null,
            SourceChannelId = p.Channel,
        };
    }

    /// <summary>
    /// True when the columns cannot give the programme back exactly (credits, lengths, ratings systems, several
    /// sub-titles, languages on categories …): then its full JSON goes into <c>details</c>. Lean programmes (a title,
    /// perhaps a description, categories, an episode number) are stored without it, which keeps bulk imports fast.
    /// </summary>
    public static bool NeedsDetails(XmltvProgramme p)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (p.PdcStart is not null || p.VpsStart is not null || p.Showview is not null || p.Videoplus is not null || p.ClumpIndex is not null
            || p.Credits.Count > 0 || p.Date is not null || p.Keywords.Count > 0 || p.Language is not null || p.OrigLanguage is not null
            || p.Length is not null || p.Urls.Count > 0 || p.Countries.Count > 0 || p.Video is not null || p.Audio is not null || p.LastChance is not null
            || p.Subtitles.Count > 0 || p.StarRatings.Count > 0 || p.Reviews.Count > 0 || p.Images.Count > 0)
        {
            return true;
        }

        if (p.Titles.Count != 1 || p.Titles[0].Lang is "")
        {
            return true;
        }

        if (p.SubTitles.Count > 1 || (p.SubTitles.Count == 1 && p.SubTitles[0].Lang is not null))
        {
            return true;
        }

        if (p.Descriptions.Count > 1 || (p.Descriptions.Count == 1 && p.Descriptions[0].Lang is ""))
        {
            return true;
        }

        if (p.Categories.Any(c => c.Lang is not null) || p.Categories.Select(c => c.Value).Distinct(StringComparer.Ordinal).Count() != p.Categories.Count)
        {
            return true;
        }

        if (p.Icons.Count > 1 || (p.Icons.Count == 1 && (p.Icons[0].Width is not null || p.Icons[0].Height is not null)))
        {
            return true;
        }

        if (p.Ratings.Count > 1 || (p.Ratings.Count == 1 && (p.Ratings[0].System is not null || p.Ratings[0].Icons.Count > 0)))
        {
            return true;
        }

        if (p.PreviouslyShown is { } shown && (shown.Start is not null || shown.Channel is not null || shown.StartText is not null))
        {
            return true;
        }

        if (p.Premiere is { } premiere && (premiere.Value.Length > 0 || premiere.Lang is not null))
        {
            return true;
        }

        // Episode numbers: at most one xmltv_ns followed by at most one onscreen, as the columns keep them.
        return p.EpisodeNums.Count switch
        {
            0 => false,
            1 => p.EpisodeNums[0].System is not (XmltvEpisodeNum.XmltvNs or XmltvEpisodeNum.OnScreen),
            2 => p.EpisodeNums[0].System != XmltvEpisodeNum.XmltvNs || p.EpisodeNums[1].System != XmltvEpisodeNum.OnScreen,
            _ => true,
        };
    }

    /// <summary>
    /// A stored row as an XMLTV programme on the channel's code: the source programme from <c>details</c> when there is
    /// one, with the guide's times (as normalised on import), else a programme built from the columns.
    /// </summary>
    public static XmltvProgramme ToXmltvProgramme(GuideExportRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.DetailsJson is { } json && JsonSerializer.Deserialize<XmltvProgramme>(json, DetailsJson) is { } source)
        {
            return source with { LineNumber = 0, Channel = row.ChannelCode, Start = row.Start, Stop = row.Stop };
        }

        return new XmltvProgramme
        {
            Channel = row.ChannelCode,
            Start = row.Start,
            Stop = row.Stop,
            Titles = TextsFromJson(row.TitlesJson) is { Count: > 0 } titles ? titles : [new XmltvText(row.Title)],
            SubTitles = row.SubTitle is null ? [] : [new XmltvText(row.SubTitle)],
            Descriptions = row.DescriptionsJson is null ? [] : TextsFromJson(row.DescriptionsJson),
            Categories = row.Categories?.Select(c => new XmltvText(c)).ToArray() ?? [],
            EpisodeNums = EpisodeNums(row),
            Ratings = row.Rating is null ? [] : [new XmltvRating(row.Rating)],
            Icons = row.IconUrl is null ? [] : [new XmltvIcon(row.IconUrl)],
            PreviouslyShown = row.PreviouslyShown ? new XmltvPreviouslyShown() : null,
            Premiere = row.Premiere ? new XmltvText(string.Empty) : null,
            IsNew = row.IsNew,
        };
    }

    /// <summary>A line-up channel as an XMLTV channel: id = channel code, display names = name and logical channel number.</summary>
    public static XmltvChannel ToXmltvChannel(GuideChannel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return new XmltvChannel
        {
            Id = channel.Code,
            DisplayNames = [new XmltvText(channel.Name, channel.Language), new XmltvText(channel.Lcn.ToString(System.Globalization.CultureInfo.InvariantCulture))],
        };
    }

    private static IReadOnlyList<EpgText> Texts(IReadOnlyList<XmltvText> texts)
    {
        if (texts.Count == 0)
        {
            return [];
        }

        var result = new EpgText[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            result[i] = new EpgText(texts[i].Value, texts[i].Lang);
        }

        return result;
    }

    private static List<XmltvText> TextsFromJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateObject()
            .Select(p => new XmltvText(p.Value.GetString() ?? string.Empty, p.Name.Length == 0 ? null : p.Name))
            .ToList();
    }

    private static XmltvEpisodeNum[] EpisodeNums(GuideExportRow row)
    {
        var list = new List<XmltvEpisodeNum>(2);
        if (row.EpisodeNs is { } ns)
        {
            list.Add(new XmltvEpisodeNum(XmltvEpisodeNum.XmltvNs, ns) { Parsed = XmltvNsEpisode.TryParse(ns, out var parsed) ? parsed : null });
        }

        if (row.EpisodeOnScreen is { } onScreen)
        {
            list.Add(new XmltvEpisodeNum(XmltvEpisodeNum.OnScreen, onScreen));
        }

        return [.. list];
    }

    private static JsonSerializerOptions CreateDetailsOptions()
    {
        // camelCase but case-sensitive: "subTitles" (sub-title) and "subtitles" are different elements.
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            PropertyNameCaseInsensitive = false,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            // Reflection-based: source-generated metadata would set absent init-only lists to null instead of their [] defaults.
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { LeaveOutEmptyLists } },
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly();
        return options;
    }

    private static void LeaveOutEmptyLists(JsonTypeInfo info)
    {
        foreach (var property in info.Properties)
        {
            if (property.PropertyType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(property.PropertyType))
            {
                property.ShouldSerialize = static (_, value) => value is not ICollection { Count: 0 };
            }
        }
    }
}
