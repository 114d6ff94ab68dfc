using System.Globalization;
using System.Text;
using System.Xml;

namespace CableHub.Connectors.Xmltv;

/// <summary>Options of <see cref="XmltvWriter"/>.</summary>
public sealed record XmltvWriterOptions
{
    public static XmltvWriterOptions Default { get; } = new();

    /// <summary>Output encoding; default UTF-8 without BOM. Characters the encoding lacks become character references.</summary>
    public Encoding Encoding { get; init; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    public bool Indent { get; init; } = true;

    /// <summary>Write <c>&lt;!DOCTYPE tv SYSTEM "xmltv.dtd"&gt;</c>.</summary>
    public bool WriteDoctype { get; init; } = true;

    /// <summary>Items buffered in memory between writes to the output stream.</summary>
    public int ItemsPerFlush { get; init; } = 64;
}

/// <summary>
/// Streaming XMLTV writer: <c>&lt;tv&gt;</c>, its channels, then its programmes, one at a time, in DTD element order,
/// with times as <c>yyyyMMddHHmmss +0000</c> (UTC). Items are encoded into a small in-memory buffer and copied to the
/// output every <see cref="XmltvWriterOptions.ItemsPerFlush"/> items, so the async methods never block on the output
/// (e.g. an HTTP response body) and memory stays bounded.
/// </summary>
public sealed class XmltvWriter : IDisposable, IAsyncDisposable
{
    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly XmltvWriterOptions _options;
    private readonly MemoryStream _buffer = new();
    private readonly XmlWriter _xml;
    private Phase _phase;
    private int _unflushed;

    public XmltvWriter(Stream output, XmltvWriterOptions? options = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _leaveOpen = leaveOpen;
        _options = options ?? XmltvWriterOptions.Default;
        _xml = XmlWriter.Create(_buffer, new XmlWriterSettings
        {
            Encoding = _options.Encoding,
            Indent = _options.Indent,
            IndentChars = "  ",
            NewLineChars = "\n",
            CloseOutput = false,
        });
    }

    private enum Phase
    {
        NotStarted,
        Channels,
        Programmes,
        Ended,
    }

    public long ChannelsWritten { get; private set; }
    public long ProgrammesWritten { get; private set; }

    /// <summary>Writes the XML declaration, the DOCTYPE and <c>&lt;tv&gt;</c> with the document's attributes.</summary>
    public void WriteStart(XmltvDocument? document = null)
    {
        if (_phase != Phase.NotStarted)
        {
            throw new InvalidOperationException("<tv> has already been started.");
        }

        _xml.WriteStartDocument();
        if (_options.WriteDoctype)
        {
            _xml.WriteDocType("tv", null, "xmltv.dtd", null);
        }

        _xml.WriteStartElement("tv");
        if (document is not null)
        {
            var date = document.DateText ?? (document.Date is { } d ? XmltvTime.Format(d) : null);
            Attr("date", date);
            Attr("source-info-url", document.SourceInfoUrl);
            Attr("source-info-name", document.SourceInfoName);
            Attr("source-data-url", document.SourceDataUrl);
            Attr("generator-info-name", document.GeneratorInfoName);
            Attr("generator-info-url", document.GeneratorInfoUrl);
        }

        _phase = Phase.Channels;
    }

    public void WriteChannel(XmltvChannel channel)
    {
        EncodeChannel(channel);
        if (++_unflushed >= _options.ItemsPerFlush)
        {
            FlushToOutput();
        }
    }

    public async ValueTask WriteChannelAsync(XmltvChannel channel, CancellationToken cancellationToken = default)
    {
        EncodeChannel(channel);
        if (++_unflushed >= _options.ItemsPerFlush)
        {
            await FlushToOutputAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void WriteProgramme(XmltvProgramme programme)
    {
        EncodeProgramme(programme);
        if (++_unflushed >= _options.ItemsPerFlush)
        {
            FlushToOutput();
        }
    }

    public async ValueTask WriteProgrammeAsync(XmltvProgramme programme, CancellationToken cancellationToken = default)
    {
        EncodeProgramme(programme);
        if (++_unflushed >= _options.ItemsPerFlush)
        {
            await FlushToOutputAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Closes <c>&lt;tv&gt;</c> and flushes everything to the output.</summary>
    public void WriteEnd()
    {
        EncodeEnd();
        FlushToOutput();
        _output.Flush();
    }

    public async ValueTask WriteEndAsync(CancellationToken cancellationToken = default)
    {
        EncodeEnd();
        await FlushToOutputAsync(cancellationToken).ConfigureAwait(false);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a whole file: the document, the channels, then the programmes.</summary>
    public static async Task WriteAsync(
        Stream output,
        XmltvDocument? document,
        IEnumerable<XmltvChannel> channels,
        IAsyncEnumerable<XmltvProgramme> programmes,
        XmltvWriterOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(programmes);
        var writer = new XmltvWriter(output, options, leaveOpen: true);
        await using (writer.ConfigureAwait(false))
        {
            writer.WriteStart(document);
            foreach (var channel in channels)
            {
                await writer.WriteChannelAsync(channel, cancellationToken).ConfigureAwait(false);
            }

            await foreach (var programme in programmes.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await writer.WriteProgrammeAsync(programme, cancellationToken).ConfigureAwait(false);
            }

            await writer.WriteEndAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _xml.Dispose();
        if (!_leaveOpen)
        {
            _output.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _xml.Dispose();
        if (!_leaveOpen)
        {
            await _output.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void EncodeEnd()
    {
        if (_phase == Phase.NotStarted)
        {
            WriteStart();
        }

        if (_phase == Phase.Ended)
        {
            return;
        }

        _xml.WriteEndElement();
        _xml.WriteEndDocument();
        _phase = Phase.Ended;
    }

    private void FlushToOutput()
    {
        _xml.Flush();
        if (_buffer.Length > 0)
        {
            _output.Write(_buffer.GetBuffer(), 0, (int)_buffer.Length);
            _buffer.SetLength(0);
        }

        _unflushed = 0;
    }

    private async ValueTask FlushToOutputAsync(CancellationToken cancellationToken)
    {
        _xml.Flush();
        if (_buffer.Length > 0)
        {
            await _output.WriteAsync(_buffer.GetBuffer().AsMemory(0, (int)_buffer.Length), cancellationToken).ConfigureAwait(false);
            _buffer.SetLength(0);
        }

        _unflushed = 0;
    }

    private void EncodeChannel(XmltvChannel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        switch (_phase)
        {
            case Phase.NotStarted:
                WriteStart();
                break;
            case Phase.Programmes:
                throw new InvalidOperationException("XMLTV puts every <channel> before the first <programme>.");
            case Phase.Ended:
                throw new InvalidOperationException("<tv> has already been closed.");
        }

        _xml.WriteStartElement("channel");
        _xml.WriteAttributeString("id", channel.Id);
        foreach (var name in channel.DisplayNames)
        {
            Text("display-name", name);
        }

        foreach (var icon in channel.Icons)
        {
            Icon(icon);
        }

        foreach (var url in channel.Urls)
        {
            Url(url);
        }

        _xml.WriteEndElement();
        ChannelsWritten++;
    }

    private void EncodeProgramme(XmltvProgramme p)
    {
        ArgumentNullException.ThrowIfNull(p);
        switch (_phase)
        {
            case Phase.NotStarted:
                WriteStart();
                break;
            case Phase.Ended:
                throw new InvalidOperationException("<tv> has already been closed.");
        }

        _phase = Phase.Programmes;
        var x = _xml;
        x.WriteStartElement("programme");
        x.WriteAttributeString("start", XmltvTime.Format(p.Start));
        if (p.Stop is { } stop)
        {
            x.WriteAttributeString("stop", XmltvTime.Format(stop));
        }

        if (p.PdcStart is { } pdc)
        {
            x.WriteAttributeString("pdc-start", XmltvTime.Format(pdc));
        }

        if (p.VpsStart is { } vps)
        {
            x.WriteAttributeString("vps-start", XmltvTime.Format(vps));
        }

        Attr("showview", p.Showview);
        Attr("videoplus", p.Videoplus);
        x.WriteAttributeString("channel", p.Channel);
        Attr("clumpidx", p.ClumpIndex);

        foreach (var t in p.Titles)
        {
            Text("title", t);
        }

        foreach (var t in p.SubTitles)
        {
            Text("sub-title", t);
        }

        foreach (var t in p.Descriptions)
        {
            Text("desc", t);
        }

        if (p.Credits.Count > 0)
        {
            x.WriteStartElement("credits");
            foreach (var c in p.Credits.OrderBy(c => c.Kind))
            {
                Credit(c);
            }

            x.WriteEndElement();
        }

        if (p.Date is not null)
        {
            x.WriteElementString("date", p.Date);
        }

        foreach (var t in p.Categories)
        {
            Text("category", t);
        }

        foreach (var t in p.Keywords)
        {
            Text("keyword", t);
        }

        if (p.Language is not null)
        {
            Text("language", p.Language);
        }

        if (p.OrigLanguage is not null)
        {
            Text("orig-language", p.OrigLanguage);
        }

        if (p.Length is { } length)
        {
            Length(length);
        }

        foreach (var icon in p.Icons)
        {
            Icon(icon);
        }

        foreach (var url in p.Urls)
        {
            Url(url);
        }

        foreach (var t in p.Countries)
        {
            Text("country", t);
        }

        foreach (var e in p.EpisodeNums)
        {
            x.WriteStartElement("episode-num");
            x.WriteAttributeString("system", e.System);
            x.WriteString(e.Value);
            x.WriteEndElement();
        }

        if (p.Video is { } video)
        {
            x.WriteStartElement("video");
            YesNo("present", video.Present);
            YesNo("colour", video.Colour);
            Element("aspect", video.Aspect);
            Element("quality", video.Quality);
            x.WriteEndElement();
        }

        if (p.Audio is { } audio)
        {
            x.WriteStartElement("audio");
            YesNo("present", audio.Present);
            Element("stereo", audio.Stereo);
            x.WriteEndElement();
        }

        if (p.PreviouslyShown is { } shown)
        {
            x.WriteStartElement("previously-shown");
            Attr("start", shown.Start is { } s ? XmltvTime.Format(s) : shown.StartText);
            Attr("channel", shown.Channel);
            x.WriteEndElement();
        }

        if (p.Premiere is not null)
        {
            Text("premiere", p.Premiere);
        }

        if (p.LastChance is not null)
        {
            Text("last-chance", p.LastChance);
        }

        if (p.IsNew)
        {
            x.WriteStartElement("new");
            x.WriteEndElement();
        }

        foreach (var sub in p.Subtitles)
        {
            x.WriteStartElement("subtitles");
            Attr("type", sub.Type);
            if (sub.Language is not null)
            {
                Text("language", sub.Language);
            }

            x.WriteEndElement();
        }

        foreach (var r in p.Ratings)
        {
            Rating("rating", r);
        }

        foreach (var r in p.StarRatings)
        {
            Rating("star-rating", r);
        }

        foreach (var r in p.Reviews)
        {
            x.WriteStartElement("review");
            x.WriteAttributeString("type", r.Type);
            Attr("source", r.Source);
            Attr("reviewer", r.Reviewer);
            Attr("lang", r.Lang);
            x.WriteString(r.Value);
            x.WriteEndElement();
        }

        foreach (var image in p.Images)
        {
            Image(image);
        }

        x.WriteEndElement();
        ProgrammesWritten++;
    }

    private void Credit(XmltvCredit c)
    {
        _xml.WriteStartElement(c.Kind.ToString().ToLowerInvariant());
        Attr("role", c.Role);
        if (c.Guest is { } guest)
        {
            _xml.WriteAttributeString("guest", guest ? "yes" : "no");
        }

        _xml.WriteString(c.Name);
        foreach (var image in c.Images)
        {
            Image(image);
        }

        foreach (var url in c.Urls)
        {
            Url(url);
        }

        _xml.WriteEndElement();
    }

    private void Length(XmltvLength length)
    {
        var units = length.Units.ToLowerInvariant() switch
        {
            "seconds" => "seconds",
            "hours" => "hours",
            _ => "minutes",
        };
        var value = units switch
        {
            "seconds" => length.Duration.TotalSeconds,
            "hours" => length.Duration.TotalHours,
            _ => length.Duration.TotalMinutes,
        };
        _xml.WriteStartElement("length");
        _xml.WriteAttributeString("units", units);
        _xml.WriteString(value.ToString("0.######", CultureInfo.InvariantCulture));
        _xml.WriteEndElement();
    }

    private void Rating(string name, XmltvRating r)
    {
        _xml.WriteStartElement(name);
        Attr("system", r.System);
        _xml.WriteElementString("value", r.Value);
        foreach (var icon in r.Icons)
        {
            Icon(icon);
        }

        _xml.WriteEndElement();
    }

    private void Image(XmltvImage image)
    {
        _xml.WriteStartElement("image");
        Attr("type", image.Type);
        Attr("size", image.Size?.ToString(CultureInfo.InvariantCulture));
        Attr("orient", image.Orient);
        Attr("system", image.System);
        _xml.WriteString(image.Url);
        _xml.WriteEndElement();
    }

    private void Icon(XmltvIcon icon)
    {
        _xml.WriteStartElement("icon");
        _xml.WriteAttributeString("src", icon.Src);
        Attr("width", icon.Width?.ToString(CultureInfo.InvariantCulture));
        Attr("height", icon.Height?.ToString(CultureInfo.InvariantCulture));
        _xml.WriteEndElement();
    }

    private void Url(XmltvUrl url)
    {
        _xml.WriteStartElement("url");
        Attr("system", url.System);
        _xml.WriteString(url.Value);
        _xml.WriteEndElement();
    }

    private void Text(string name, XmltvText text)
    {
        _xml.WriteStartElement(name);
        Attr("lang", text.Lang);
        _xml.WriteString(text.Value);
        _xml.WriteEndElement();
    }

    private void Element(string name, string? value)
    {
        if (value is not null)
        {
            _xml.WriteElementString(name, value);
        }
    }

    private void YesNo(string name, bool? value)
    {
        if (value is { } v)
        {
            _xml.WriteElementString(name, v ? "yes" : "no");
        }
    }

    private void Attr(string name, string? value)
    {
        if (value is not null)
        {
            _xml.WriteAttributeString(name, value);
        }
    }
}
