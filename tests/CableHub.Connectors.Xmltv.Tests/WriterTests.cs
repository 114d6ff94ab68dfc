using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CableHub.Connectors.Xmltv.Tests;

public sealed partial class WriterTests
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    [GeneratedRegex("""(?:start|stop)="([^"]*)" """)]
    private static partial Regex TimeAttribute();

    /// <summary>A comparable form of an item: its JSON without the line number, credits in DTD order.</summary>
    private static string Canonical(XmltvItem item) => item switch
    {
        XmltvProgramme p => JsonSerializer.Serialize(p with { LineNumber = 0, Credits = p.Credits.OrderBy(c => c.Kind).ToArray() }, Json),
        XmltvChannel c => JsonSerializer.Serialize(c with { LineNumber = 0 }, Json),
        _ => throw new ArgumentOutOfRangeException(nameof(item)),
    };

    private static byte[] Write(IEnumerable<XmltvItem> items, XmltvWriterOptions? options = null)
    {
        var output = new MemoryStream();
        using (var writer = new XmltvWriter(output, options, leaveOpen: true))
        {
            writer.WriteStart(items.OfType<XmltvDocument>().FirstOrDefault());
            foreach (var c in items.OfType<XmltvChannel>())
            {
                writer.WriteChannel(c);
            }

            foreach (var p in items.OfType<XmltvProgramme>())
            {
                writer.WriteProgramme(p);
            }

            writer.WriteEnd();
        }

        return output.ToArray();
    }

    [Theory]
    [InlineData("UK_Data.xml")]
    [InlineData("schedulesdirect.xml")]
    [InlineData("MultilanguageData.xml")]
    [InlineData("custom.xml")]
    public void Fixtures_round_trip_through_the_writer_and_reader(string fixture)
    {
        var original = TestFiles.ReadFixture(fixture);

        var bytes = Write(original);
        var again = TestFiles.ReadBytes(bytes);

        again.OfType<XmltvIssue>().Where(i => i.Code != XmltvIssueCode.NonStandardTvDate).ShouldBeEmpty();
        var expected = original.Where(i => i is XmltvChannel or XmltvProgramme).Select(Canonical).ToList();
        var actual = again.Where(i => i is XmltvChannel or XmltvProgramme).Select(Canonical).ToList();
        actual.Count.ShouldBe(expected.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            actual[i].ShouldBe(expected[i]);
        }

        again.OfType<XmltvDocument>().Single().DateText.ShouldBe(original.OfType<XmltvDocument>().Single().DateText);
    }

    [Fact]
    public void Programmes_round_trip_through_system_text_json()
    {
        // e.g. for a jsonb details column.
        foreach (var p in TestFiles.ReadFixture("custom.xml").Concat(TestFiles.ReadFixture("schedulesdirect.xml")).OfType<XmltvProgramme>())
        {
            var json = JsonSerializer.Serialize(p, Json);
            var back = JsonSerializer.Deserialize<XmltvProgramme>(json, Json).ShouldNotBeNull();
            Canonical(back).ShouldBe(Canonical(p));
            back.XmltvNsEpisode.ShouldBe(p.XmltvNsEpisode);
            json.ShouldNotContain("\"Title\":");
        }
    }

    [Fact]
    public void Output_is_utf8_xmltv_with_utc_times_and_channels_first()
    {
        var bytes = Write(TestFiles.ReadFixture("UK_Data.xml"));
        bytes.Take(3).ShouldNotBe(new byte[] { 0xEF, 0xBB, 0xBF });
        var text = Encoding.UTF8.GetString(bytes);

        text.ShouldStartWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE tv SYSTEM \"xmltv.dtd\">\n<tv date=\"20151126\">");
        text.LastIndexOf("<channel ", StringComparison.Ordinal).ShouldBeLessThan(text.IndexOf("<programme ", StringComparison.Ordinal));
        var times = TimeAttribute().Matches(text).Select(m => m.Groups[1].Value).ToList();
        times.Count.ShouldBe(1964 * 2);
        times.ShouldAllBe(t => Regex.IsMatch(t, @"^\d{14} \+0000$"));
        text.ShouldContain("\u00EF\u00BF\u00BD500,000");
        text.ShouldContain("<episode-num system=\"xmltv_ns\">5.3/10.</episode-num>");
    }

    [Fact]
    public void A_latin1_writer_escapes_characters_latin1_lacks()
    {
        var programme = new XmltvProgramme
        {
            Channel = "a",
            Start = TestFiles.Utc(2025, 1, 1, 6),
            Stop = TestFiles.Utc(2025, 1, 1, 7),
            Titles = [new XmltvText("Télé £", "fr"), new XmltvText("Ειδήσεις", "el"), new XmltvText("ニュース", "ja")],
        };

        var bytes = Write([new XmltvChannel { Id = "a", DisplayNames = [new XmltvText("Ä")] }, programme], new XmltvWriterOptions { Encoding = Encoding.Latin1 });

        var raw = Encoding.Latin1.GetString(bytes);
        raw.ShouldStartWith("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>");
        raw.ShouldContain("Télé £");
        raw.ShouldContain("&#x395;");
        bytes.ShouldContain((byte)0xA3);
        var back = TestFiles.ReadBytes(bytes).OfType<XmltvProgramme>().Single();
        back.Titles.ShouldBe(programme.Titles);
    }

    [Fact]
    public void Channels_after_programmes_are_refused()
    {
        using var writer = new XmltvWriter(new MemoryStream());
        writer.WriteProgramme(new XmltvProgramme { Channel = "a", Start = TestFiles.Utc(2025, 1, 1), Titles = [new XmltvText("T")] });
        Should.Throw<InvalidOperationException>(() => writer.WriteChannel(new XmltvChannel { Id = "a" }))
            .Message.ShouldContain("before the first <programme>");
    }

    [Fact]
    public async Task Async_writing_never_writes_synchronously_to_the_output()
    {
        var channels = TestFiles.ReadFixture("UK_Data.xml").OfType<XmltvChannel>().ToList();
        var programmes = TestFiles.ReadFixture("UK_Data.xml").OfType<XmltvProgramme>().ToList();
        var output = new AsyncOnlyStream();

        await XmltvWriter.WriteAsync(output, null, channels, ToAsync(programmes), cancellationToken: TestContext.Current.CancellationToken);

        var back = TestFiles.ReadBytes(output.ToArray());
        back.OfType<XmltvProgramme>().Count().ShouldBe(1964);
        output.AsyncWrites.ShouldBeGreaterThan(1964 / 64);
    }

    [Fact]
    public void Generated_multilingual_latin1_file_reads_back_the_same_titles_as_utf8()
    {
        var options = new XmltvGeneratorOptions { Channels = 2, ProgrammesPerChannel = 30, TitleLanguages = ["en", "fr", "de", "es", "el", "ja"] };
        using var utf8 = TestFiles.Generate(options, out _);
        using var latin1 = TestFiles.Generate(options with { Encoding = XmltvGeneratedEncoding.Latin1 }, out _);
        using var bom = TestFiles.Generate(options with { Encoding = XmltvGeneratedEncoding.Utf8WithBom }, out _);

        var raw = Encoding.Latin1.GetString(latin1.ToArray());
        raw.ShouldStartWith("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>");
        raw.ShouldContain("&#x");
        bom.ToArray().Take(3).ShouldBe(new byte[] { 0xEF, 0xBB, 0xBF });

        var fromUtf8 = XmltvReader.ReadAll(utf8).ToList();
        var fromLatin1 = XmltvReader.ReadAll(latin1).ToList();
        var fromBom = XmltvReader.ReadAll(bom).ToList();
        fromLatin1.OfType<XmltvDocument>().Single().Encoding.ShouldBe("iso-8859-1");
        fromBom.OfType<XmltvDocument>().Single().HasByteOrderMark.ShouldBeTrue();

        var titles = fromUtf8.OfType<XmltvProgramme>().Select(p => p.Titles.Select(t => $"{t.Lang}:{t.Value}").ToArray()).ToList();
        titles.Count.ShouldBe(60);
        titles[0].Length.ShouldBe(6);
        fromLatin1.OfType<XmltvProgramme>().Select(p => p.Titles.Select(t => $"{t.Lang}:{t.Value}").ToArray()).ToList().ShouldBe(titles);
        fromBom.OfType<XmltvProgramme>().Select(p => p.Titles.Select(t => $"{t.Lang}:{t.Value}").ToArray()).ToList().ShouldBe(titles);
        fromUtf8.OfType<XmltvProgramme>().ShouldContain(p => p.TitleFor("el")!.Any(c => c >= 'Α' && c <= 'ω'));
        fromUtf8.OfType<XmltvProgramme>().First().TitleFor("ja").ShouldNotBe(fromUtf8.OfType<XmltvProgramme>().First().TitleFor("en"));
    }

    private static async IAsyncEnumerable<XmltvProgramme> ToAsync(IEnumerable<XmltvProgramme> programmes)
    {
        foreach (var p in programmes)
        {
            await Task.Yield();
            yield return p;
        }
    }

    /// <summary>Like an HTTP response body that disallows synchronous IO.</summary>
    private sealed class AsyncOnlyStream : Stream
    {
        private readonly MemoryStream _data = new();

        public int AsyncWrites { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _data.Length;
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public byte[] ToArray() => _data.ToArray();

        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("Synchronous write");

        public override void Flush() => throw new InvalidOperationException("Synchronous flush");

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            AsyncWrites++;
            _data.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
