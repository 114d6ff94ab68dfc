using System.Globalization;
using System.Text;
using System.Xml;

namespace CableHub.Connectors.Xmltv;

public enum XmltvGeneratedEncoding
{
    Utf8,
    Utf8WithBom,
    Latin1,
}

/// <summary>How the generator writes programme times.</summary>
public enum XmltvGeneratedTimes
{
    /// <summary><c>20250301060000 +0000</c>.</summary>
    UtcOffset,

    /// <summary>Local time in <see cref="XmltvGeneratorOptions.TimeZone"/> with its numeric offset: <c>20250701070000 +0100</c>.</summary>
    LocalOffset,

    /// <summary>Local time with a zone name: <c>20250701070000 BST</c> in summer, <c>20250101060000 GMT</c> in winter.</summary>
    ZoneAbbreviation,

    /// <summary>Local time with nothing after it: <c>20250701070000</c> (the reader needs the source zone).</summary>
    NoOffset,
}

public enum XmltvGeneratedOrder
{
    /// <summary>All programmes of a channel, then the next channel.</summary>
    ByChannel,

    /// <summary>Programmes of all channels interleaved by start time (as tv_sort writes them).</summary>
    ByTime,
}

/// <summary>Options of <see cref="XmltvGenerator"/>.</summary>
public sealed record XmltvGeneratorOptions
{
    public int Channels { get; init; } = 10;
    public int ProgrammesPerChannel { get; init; } = 100;
    public DateTimeOffset Start { get; init; } = new(2025, 3, 1, 6, 0, 0, TimeSpan.Zero);
    public int Seed { get; init; } = 42;
    public XmltvGeneratedEncoding Encoding { get; init; } = XmltvGeneratedEncoding.Utf8;
    public XmltvGeneratedTimes Times { get; init; } = XmltvGeneratedTimes.UtcOffset;

    /// <summary>Zone of local times (all styles but <see cref="XmltvGeneratedTimes.UtcOffset"/>).</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    public string StandardAbbreviation { get; init; } = "GMT";
    public string DaylightAbbreviation { get; init; } = "BST";

    /// <summary>Share of eligible programmes written twice in a row (exact duplicates).</summary>
    public double DuplicateRate { get; init; }

    /// <summary>Share of eligible programmes whose stop runs 5–20 minutes into the next programme.</summary>
    public double OverlapRate { get; init; }

    /// <summary>Share of eligible programmes written without a stop (the next one's start tells it).</summary>
    public double MissingStopRate { get; init; }

    /// <summary>Write each channel's last programme without a stop (nothing follows to infer it from).</summary>
    public bool MissingStopAtChannelEnd { get; init; }

    /// <summary>A title (and description) per language, e.g. ["en", "fr", "de", "el"]; the first is the main one.</summary>
    public IReadOnlyList<string> TitleLanguages { get; init; } = ["en"];

    /// <summary>Descriptions, credits, categories, episode numbers, ratings, video/audio… (realistic sizes).</summary>
    public bool Details { get; init; } = true;

    public XmltvGeneratedOrder Order { get; init; } = XmltvGeneratedOrder.ByChannel;

    public bool Indent { get; init; } = true;
}

/// <summary>What the generator wrote: the injected defects are exact counts to assert against.</summary>
public sealed record XmltvGeneratorResult
{
    public int Channels { get; init; }

    /// <summary><c>&lt;programme&gt;</c> elements written, duplicates included.</summary>
    public long Programmes { get; init; }

    /// <summary>Distinct programmes (elements minus duplicate copies).</summary>
    public long DistinctProgrammes => Programmes - Duplicates;

    public int Duplicates { get; init; }
    public int Overlaps { get; init; }

    /// <summary>Missing stops that the next programme's start resolves.</summary>
    public int MissingStops { get; init; }

    /// <summary>Missing stops on a channel's last programme.</summary>
    public int MissingStopsAtChannelEnd { get; init; }

    public DateTimeOffset From { get; init; }
    public DateTimeOffset To { get; init; }
    public long Bytes { get; init; }

    /// <summary>Channel ids written, in order.</summary>
    public IReadOnlyList<string> ChannelIds { get; init; } = [];
}

/// <summary>
/// Writes realistic XMLTV files of any size (N channels × M programmes) with injectable defects — exact duplicates,
/// overlaps, missing stops — and the time styles and encodings seen in the wild. Deterministic for a seed. For tests
/// and the <c>bench epg</c> verb. Defects go on even positions of a channel only, so they never interact and each
/// policy's outcome is exactly predictable.
/// </summary>
public static class XmltvGenerator
{
    private static readonly int[] DurationsMinutes = [25, 30, 30, 45, 60, 60, 60, 90, 120];

    private static readonly string[] Series =
    [
        "Evening News", "Homes Under the Hammer", "The Great Bake Off", "Coronation Street", "Match of the Day",
        "Planet Earth", "University Challenge", "Doctor Who", "Countryfile", "Antiques Roadshow", "Pointless",
        "Gardeners' World", "Top Gear", "Newsnight", "Question Time", "The One Show", "Strictly Come Dancing",
        "Emmerdale", "Grand Designs", "Location, Location, Location", "Mastermind", "The Chase", "Escape to the Country",
        "Bargain Hunt", "Flog It!", "Wildlife Café", "Crème de la Crème", "Señor Chef", "Führerschein Live", "Smörgåsbord",
    ];

    private static readonly Dictionary<string, string[]> Translations = new(StringComparer.Ordinal)
    {
        ["fr"] = ["Le Journal du Soir", "Maisons aux Enchères", "Le Meilleur Pâtissier", "La Rue du Couronnement", "Le Match du Jour", "Planète Terre", "Questions pour un Champion", "Docteur Qui", "À la Campagne", "Trésors d'Antiquités"],
        ["de"] = ["Abendnachrichten", "Häuser unter dem Hammer", "Das große Backen", "Krönungsstraße", "Spiel des Tages", "Unser Planet", "Wer weiß es?", "Doktor Wer", "Landleben", "Schätze der Vergangenheit"],
        ["es"] = ["Noticias de la Noche", "Casas a Subasta", "El Gran Horneado", "Calle de la Coronación", "Partido del Día", "Planeta Tierra", "Desafío Universitario", "Doctor Quién", "Campiña", "Tesoros Antiguos"],
        ["el"] = ["Βραδινές Ειδήσεις", "Σπίτια σε Δημοπρασία", "Μεγάλος Διαγωνισμός Ζαχαροπλαστικής", "Οδός Στέψης", "Αγώνας της Ημέρας", "Πλανήτης Γη", "Πανεπιστημιακή Πρόκληση", "Γιατρός Ποιος", "Ύπαιθρος", "Αντίκες"],
        ["ja"] = ["夜のニュース", "競売の家", "グレート・ベイクオフ", "戴冠通り", "今日の試合", "プラネットアース", "大学対抗クイズ", "ドクター・フー", "田舎の暮らし", "鑑定団"],
    };

    private static readonly string[] Words =
    [
        "presenter", "explores", "a", "the", "family", "home", "in", "Yorkshire", "budget", "of", "£250,000", "with",
        "surprising", "history", "while", "team", "visits", "Brighton", "café", "naïve", "plan", "goes", "wrong", "and",
        "meets", "local", "experts", "who", "reveal", "secrets", "garden", "coast", "village", "market", "crew", "chef",
    ];

    private static readonly string[] People =
    [
        "Lucy Alexander", "Martin Roberts", "Dion Dublin", "Fiona Bruce", "Jules Hudson", "Aled Jones", "Nicki Chapman",
        "Zoë Ball", "Siân Lloyd", "Renée Zellweger", "José Mourinho", "Björn Ulvaeus", "Chloë Grace", "Anna Foerster",
    ];

    private static readonly string[] Categories =
        ["News", "Drama", "Sport", "Documentary", "Comedy", "Film", "Children", "Music", "Entertainment", "Factual"];

    private static readonly string[] Ratings = ["U", "PG", "12", "15", "18"];

    /// <summary>Writes a file to <paramref name="path"/>.</summary>
    public static XmltvGeneratorResult WriteFile(string path, XmltvGeneratorOptions options)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 256 * 1024);
        return Write(stream, options);
    }

    /// <summary>Writes the file to <paramref name="output"/> (left open).</summary>
    public static XmltvGeneratorResult Write(Stream output, XmltvGeneratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Channels < 1 || options.ProgrammesPerChannel < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Channels and ProgrammesPerChannel must be at least 1.");
        }

        var counting = new CountingStream(output);
        var encoding = options.Encoding switch
        {
            XmltvGeneratedEncoding.Utf8WithBom => new UTF8Encoding(true),
            XmltvGeneratedEncoding.Latin1 => System.Text.Encoding.Latin1,
            _ => (Encoding)new UTF8Encoding(false),
        };
        var stats = new Stats();
        var channelIds = new string[options.Channels];
        using (var x = XmlWriter.Create(counting, new XmlWriterSettings
        {
            Encoding = encoding,
            Indent = options.Indent,
            IndentChars = "  ",
            NewLineChars = "\n",
            CloseOutput = false,
        }))
        {
            var writer = new Writer(x, options, stats);
            x.WriteStartDocument();
            x.WriteDocType("tv", null, "xmltv.dtd", null);
            x.WriteStartElement("tv");
            x.WriteAttributeString("date", writer.Time(options.Start));
            x.WriteAttributeString("source-info-name", "CableHub generator");
            x.WriteAttributeString("generator-info-name", "CableHub.Connectors.Xmltv/XmltvGenerator");

            var cursors = new ChannelCursor[options.Channels];
            for (var c = 0; c < options.Channels; c++)
            {
                cursors[c] = new ChannelCursor(c, options, stats);
                channelIds[c] = cursors[c].Id;
                writer.Channel(cursors[c]);
            }

            if (options.Order == XmltvGeneratedOrder.ByChannel)
            {
                foreach (var cursor in cursors)
                {
                    while (cursor.Next() is { } p)
                    {
                        writer.Programme(cursor, p);
                    }
                }
            }
            else
            {
                var queue = new PriorityQueue<ChannelCursor, (DateTimeOffset, int)>();
                foreach (var cursor in cursors)
                {
                    queue.Enqueue(cursor, (cursor.NextStart, cursor.Index));
                }

                while (queue.TryDequeue(out var cursor, out _))
                {
                    if (cursor.Next() is { } p)
                    {
                        writer.Programme(cursor, p);
                        queue.Enqueue(cursor, (cursor.NextStart, cursor.Index));
                    }
                }
            }

            x.WriteEndElement();
            x.WriteEndDocument();
        }

        return new XmltvGeneratorResult
        {
            Channels = options.Channels,
            Programmes = stats.Programmes,
            Duplicates = stats.Duplicates,
            Overlaps = stats.Overlaps,
            MissingStops = stats.MissingStops,
            MissingStopsAtChannelEnd = stats.MissingStopsAtEnd,
            From = options.Start,
            To = stats.To,
            Bytes = counting.Written,
            ChannelIds = channelIds,
        };
    }

    private sealed class Stats
    {
        public long Programmes { get; set; }
        public int Duplicates { get; set; }
        public int Overlaps { get; set; }
        public int MissingStops { get; set; }
        public int MissingStopsAtEnd { get; set; }
        public DateTimeOffset To { get; set; }
    }

    private sealed record Spec(int Index, DateTimeOffset Start, DateTimeOffset? Stop, int Series, int Season, int Episode);

    /// <summary>One channel's schedule, produced lazily: contiguous programmes with defects on even positions.</summary>
    private sealed class ChannelCursor
    {
        private readonly XmltvGeneratorOptions _o;
        private readonly Stats _stats;
        private int _index;
        private DateTimeOffset _time;
        private Spec? _duplicate;

        public ChannelCursor(int index, XmltvGeneratorOptions options, Stats stats)
        {
            Index = index;
            _o = options;
            _stats = stats;
            Random = new Random(unchecked((options.Seed * 7919) + index));
            Id = string.Create(CultureInfo.InvariantCulture, $"ch{index + 1:000}.cablehub.example");
            _time = options.Start;
        }

        public int Index { get; }
        public string Id { get; }
        public Random Random { get; }
        public DateTimeOffset NextStart => _duplicate?.Start ?? _time;

        public Spec? Next()
        {
            if (_duplicate is { } dup)
            {
                _duplicate = null;
                return dup;
            }

            if (_index >= _o.ProgrammesPerChannel)
            {
                return null;
            }

            var i = _index++;
            var start = _time;
            var duration = TimeSpan.FromMinutes(DurationsMinutes[Random.Next(DurationsMinutes.Length)]);
            _time = start + duration;
            DateTimeOffset? stop = _time;
            var last = i == _o.ProgrammesPerChannel - 1;
            if (last && _time > _stats.To)
            {
                _stats.To = _time;
            }

            var duplicate = false;
            if (i % 2 == 0)
            {
                if (Random.NextDouble() < _o.DuplicateRate)
                {
                    duplicate = true;
                }
                else if (!last && Random.NextDouble() < _o.OverlapRate)
                {
                    stop = _time + TimeSpan.FromMinutes(5 + Random.Next(16));
                    _stats.Overlaps++;
                }
                else if (!last && Random.NextDouble() < _o.MissingStopRate)
                {
                    stop = null;
                    _stats.MissingStops++;
                }
            }

            if (last && _o.MissingStopAtChannelEnd)
            {
                stop = null;
                _stats.MissingStopsAtEnd++;
            }

            var series = Random.Next(Series.Length);
            var spec = new Spec(i, start, stop, series, Random.Next(12), Random.Next(24));
            if (duplicate)
            {
                _duplicate = spec;
                _stats.Duplicates++;
            }

            return spec;
        }
    }

    private sealed class Writer(XmlWriter x, XmltvGeneratorOptions o, Stats stats)
    {
        private readonly char[] _chars = new char[32];
        private readonly StringBuilder _sb = new();

        public string Time(DateTimeOffset utc)
        {
            var span = _chars.AsSpan();
            switch (o.Times)
            {
                case XmltvGeneratedTimes.UtcOffset:
                {
                    utc.UtcDateTime.TryFormat(span, out var n, "yyyyMMddHHmmss", CultureInfo.InvariantCulture);
                    " +0000".CopyTo(span[n..]);
                    return new string(span[..(n + 6)]);
                }

                case XmltvGeneratedTimes.LocalOffset:
                    return XmltvTime.FormatWithOffset(TimeZoneInfo.ConvertTime(utc, o.TimeZone));
                default:
                {
                    var local = TimeZoneInfo.ConvertTime(utc, o.TimeZone);
                    local.DateTime.TryFormat(span, out var n, "yyyyMMddHHmmss", CultureInfo.InvariantCulture);
                    if (o.Times == XmltvGeneratedTimes.NoOffset)
                    {
                        return new string(span[..n]);
                    }

                    var name = o.TimeZone.IsDaylightSavingTime(utc) ? o.DaylightAbbreviation : o.StandardAbbreviation;
                    return string.Concat(span[..n], " ", name);
                }
            }
        }

        public void Channel(ChannelCursor c)
        {
            x.WriteStartElement("channel");
            x.WriteAttributeString("id", c.Id);
            x.WriteStartElement("display-name");
            x.WriteAttributeString("lang", o.TitleLanguages[0]);
            x.WriteString(string.Create(CultureInfo.InvariantCulture, $"CableHub {c.Index + 1}"));
            x.WriteEndElement();
            x.WriteElementString("display-name", (c.Index + 101).ToString(CultureInfo.InvariantCulture));
            x.WriteStartElement("icon");
            x.WriteAttributeString("src", string.Create(CultureInfo.InvariantCulture, $"https://img.cablehub.example/logo/{c.Index + 1}.png"));
            x.WriteEndElement();
            x.WriteEndElement();
        }

        public void Programme(ChannelCursor c, Spec p)
        {
            stats.Programmes++;
            var r = c.Random;
            x.WriteStartElement("programme");
            x.WriteAttributeString("start", Time(p.Start));
            if (p.Stop is { } stop)
            {
                x.WriteAttributeString("stop", Time(stop));
            }

            x.WriteAttributeString("channel", c.Id);
            foreach (var lang in o.TitleLanguages)
            {
                x.WriteStartElement("title");
                x.WriteAttributeString("lang", lang);
                x.WriteString(TitleIn(lang, p.Series));
                x.WriteEndElement();
            }

            if (!o.Details)
            {
                x.WriteEndElement();
                return;
            }

            x.WriteStartElement("sub-title");
            x.WriteAttributeString("lang", o.TitleLanguages[0]);
            x.WriteString(string.Create(CultureInfo.InvariantCulture, $"Episode {p.Episode + 1}"));
            x.WriteEndElement();

            x.WriteStartElement("desc");
            x.WriteAttributeString("lang", o.TitleLanguages[0]);
            x.WriteString(Sentence(r, 12 + r.Next(24)));
            x.WriteEndElement();

            x.WriteStartElement("credits");
            x.WriteElementString("director", People[r.Next(People.Length)]);
            var actors = 1 + r.Next(3);
            for (var a = 0; a < actors; a++)
            {
                x.WriteStartElement("actor");
                x.WriteAttributeString("role", Words[r.Next(Words.Length)]);
                x.WriteString(People[r.Next(People.Length)]);
                x.WriteEndElement();
            }

            x.WriteEndElement();

            x.WriteStartElement("category");
            x.WriteAttributeString("lang", "en");
            x.WriteString(Categories[p.Series % Categories.Length]);
            x.WriteEndElement();

            x.WriteStartElement("episode-num");
            x.WriteAttributeString("system", "xmltv_ns");
            x.WriteString(string.Create(CultureInfo.InvariantCulture, $"{p.Season}.{p.Episode}.0/1"));
            x.WriteEndElement();
            x.WriteStartElement("episode-num");
            x.WriteAttributeString("system", "onscreen");
            x.WriteString(string.Create(CultureInfo.InvariantCulture, $"S{p.Season + 1:00}E{p.Episode + 1:00}"));
            x.WriteEndElement();

            x.WriteStartElement("video");
            x.WriteElementString("aspect", "16:9");
            x.WriteElementString("quality", "HDTV");
            x.WriteEndElement();

            if (p.Index % 3 == 1)
            {
                x.WriteStartElement("previously-shown");
                x.WriteEndElement();
            }
            else if (p.Index % 7 == 0)
            {
                x.WriteStartElement("new");
                x.WriteEndElement();
            }

            x.WriteStartElement("subtitles");
            x.WriteAttributeString("type", "teletext");
            x.WriteEndElement();

            x.WriteStartElement("rating");
            x.WriteAttributeString("system", "BBFC");
            x.WriteElementString("value", Ratings[p.Series % Ratings.Length]);
            x.WriteEndElement();
            x.WriteEndElement();
        }

        private static string TitleIn(string lang, int series) =>
            Translations.TryGetValue(lang, out var titles) ? titles[series % titles.Length] : Series[series];

        private string Sentence(Random r, int words)
        {
            _sb.Clear();
            for (var i = 0; i < words; i++)
            {
                if (i > 0)
                {
                    _sb.Append(' ');
                }

                var w = Words[r.Next(Words.Length)];
                if (i == 0)
                {
                    _sb.Append(char.ToUpperInvariant(w[0])).Append(w, 1, w.Length - 1);
                }
                else
                {
                    _sb.Append(w);
                }
            }

            return _sb.Append('.').ToString();
        }
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Written { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Written += buffer.Length;
        }
    }
}
