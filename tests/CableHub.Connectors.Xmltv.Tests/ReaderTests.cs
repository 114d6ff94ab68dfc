using System.Text;

namespace CableHub.Connectors.Xmltv.Tests;

public sealed class ReaderTests
{
    [Fact]
    public void Malformed_xml_throws_with_the_line_and_position_of_the_fault()
    {
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <tv>
              <channel id="a"><display-name>A</display-name></channel>
              <programme start="20250101060000 +0000" stop="20250101070000 +0000" channel="a">
                <title>Fine</title>
              </programme>
              <programme start="20250101070000 +0000" stop="20250101080000 +0000" channel="a">
                <title>Broken</titel>
              </programme>
            </tv>
            """;

        var items = new List<XmltvItem>();
        var ex = Should.Throw<XmltvFormatException>(() =>
        {
            foreach (var item in XmltvReader.ReadAll(new MemoryStream(Encoding.UTF8.GetBytes(xml))))
            {
                items.Add(item);
            }
        });

        ex.LineNumber.ShouldBe(8);
        ex.LinePosition.ShouldBe(20);
        ex.Reason.ShouldContain("'title' start tag on line 8 position 6 does not match the end tag of 'titel'");
        ex.Message.ShouldStartWith("Not readable XMLTV at line 8, position 20:");
        items.OfType<XmltvProgramme>().Select(p => p.Title).ShouldBe(["Fine"]);
    }

    [Fact]
    public void Truncated_file_names_the_last_line()
    {
        var xml = "<tv>\n<channel id=\"a\"><display-name>A</display-name></channel>\n<programme start=\"20250101060000\" channel=\"a\">\n<title>Cut";
        var ex = Should.Throw<XmltvFormatException>(() => TestFiles.ReadString(xml));
        ex.LineNumber.ShouldBe(4);
        ex.Reason.ShouldContain("Unexpected end of file");
    }

    [Fact]
    public void Content_after_the_root_element_is_an_error()
    {
        var ex = Should.Throw<XmltvFormatException>(() => TestFiles.ReadString("<tv></tv>\n<tv></tv>"));
        ex.LineNumber.ShouldBe(2);
    }

    [Theory]
    [InlineData("", "Root element is missing")]
    [InlineData("<?xml version=\"1.0\"?>\n<rss><channel/></rss>", "the root element is <rss>, not <tv>")]
    [InlineData("not xml at all", "Data at the root level is invalid")]
    public void Input_that_is_not_xmltv_throws(string xml, string reason)
    {
        var ex = Should.Throw<XmltvFormatException>(() => TestFiles.ReadString(xml));
        ex.Reason.ShouldContain(reason);
    }

    [Fact]
    public void Bytes_invalid_in_the_declared_encoding_are_an_error_with_their_line()
    {
        // Declared UTF-8 but written in Latin-1: the 0xA3 of "£5" is not UTF-8.
        var bytes = Encoding.Latin1.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tv>\n<channel id=\"a\">\n<display-name>Price £5</display-name>\n</channel>\n</tv>");
        var ex = Should.Throw<XmltvFormatException>(() => TestFiles.ReadBytes(bytes));
        ex.LineNumber.ShouldBe(4);
        ex.Reason.ShouldContain("Invalid character in the given encoding");
    }

    [Fact]
    public void Unsupported_encoding_is_an_error()
    {
        var ex = Should.Throw<XmltvFormatException>(() => TestFiles.ReadString("<?xml version=\"1.0\" encoding=\"x-klingon\"?>\n<tv/>"));
        ex.Reason.ShouldBe("unsupported encoding 'x-klingon' in the XML declaration");
        ex.LineNumber.ShouldBe(1);
    }

    [Fact]
    public void Latin1_and_windows_1252_are_decoded_as_declared()
    {
        var latin1 = Encoding.Latin1.GetBytes("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<tv><channel id=\"a\"><display-name>Télé £ Ü ñ</display-name></channel></tv>");
        var items = TestFiles.ReadBytes(latin1);
        items.OfType<XmltvDocument>().Single().Encoding.ShouldBe("iso-8859-1");
        items.OfType<XmltvChannel>().Single().Name.ShouldBe("Télé £ Ü ñ");

        // 0x80 is € in windows-1252 (a C1 control in ISO-8859-1); 0x93/0x94 are curly quotes.
        var cp1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252)!;
        var bytes = cp1252.GetBytes("<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<tv><channel id=\"a\"><display-name>“Kino” €5</display-name></channel></tv>");
        bytes.ShouldContain((byte)0x80);
        var w = TestFiles.ReadBytes(bytes);
        w.OfType<XmltvDocument>().Single().Encoding.ShouldBe("windows-1252");
        w.OfType<XmltvChannel>().Single().Name.ShouldBe("“Kino” €5");
    }

    [Fact]
    public void Utf16_with_bom_is_decoded()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<tv><channel id=\"a\"><display-name>Ελληνικά</display-name></channel></tv>")).ToArray();
        var items = TestFiles.ReadBytes(bytes);
        items.OfType<XmltvDocument>().Single().HasByteOrderMark.ShouldBeTrue();
        items.OfType<XmltvChannel>().Single().Name.ShouldBe("Ελληνικά");
    }

    [Fact]
    public void A_doctype_is_ignored_not_fetched_or_rejected()
    {
        var items = TestFiles.ReadString("<?xml version=\"1.0\"?>\n<!DOCTYPE tv SYSTEM \"http://xmltv.invalid/xmltv.dtd\">\n<tv><channel id=\"a\"><display-name>A</display-name></channel></tv>");
        items.OfType<XmltvChannel>().Single().Id.ShouldBe("a");
    }

    [Fact]
    public void Bad_programmes_are_reported_with_their_line_and_skipped()
    {
        var xml = TestFiles.Tv("""
            <programme start="20250101060000 +0000" stop="20250101070000 +0000" channel="a"><title>Good</title></programme>
            <programme start="tomorrow" stop="20250101080000 +0000" channel="a"><title>Bad start</title></programme>
            <programme start="20250101080000 +0000" stop="20250101090000 XYZ" channel="a"><title>Bad stop</title></programme>
            <programme stop="20250101100000 +0000" channel="a"><title>No start</title></programme>
            <programme start="20250101100000 +0000"><title>No channel</title></programme>
            <programme start="20250101110000 +0000" stop="20250101120000 +0000" channel="a"><desc>No title</desc><episode-num system="xmltv_ns">S1E2</episode-num><length units="fortnights">2</length></programme>
            """);

        var items = TestFiles.ReadString(xml);

        items.OfType<XmltvProgramme>().Select(p => p.Title).ShouldBe(["Good", ""]);
        var issues = items.OfType<XmltvIssue>().Select(i => (i.LineNumber, i.Code, i.Skipped)).ToList();
        issues.ShouldBe([
            (5, XmltvIssueCode.BadStartTime, true),
            (6, XmltvIssueCode.BadStopTime, true),
            (7, XmltvIssueCode.MissingStart, true),
            (8, XmltvIssueCode.MissingChannel, true),
            (9, XmltvIssueCode.BadEpisodeNum, false),
            (9, XmltvIssueCode.BadLength, false),
            (9, XmltvIssueCode.MissingTitle, false),
        ]);
        items.OfType<XmltvIssue>().First().Message.ShouldBe("start 'tomorrow' is not an XMLTV time (no date digits): programme skipped");
        items.OfType<XmltvIssue>().ElementAt(1).Message.ShouldContain("unknown time zone 'XYZ'");
        var last = items.OfType<XmltvProgramme>().Last();
        last.EpisodeNums.Single().ShouldBe(new XmltvEpisodeNum("xmltv_ns", "S1E2"));
        last.Length.ShouldBeNull();
    }

    [Fact]
    public void Unknown_elements_are_skipped_and_reported_once()
    {
        var xml = TestFiles.Tv("""
            <programme start="20250101060000 +0000" stop="20250101070000 +0000" channel="a"><title>One</title><sparkle>x</sparkle></programme>
            <programme start="20250101070000 +0000" stop="20250101080000 +0000" channel="a"><title>Two</title><sparkle><deep/></sparkle><desc>  spaced
                 out   text </desc></programme>
            """);

        var items = TestFiles.ReadString(xml);
        items.OfType<XmltvProgramme>().Count().ShouldBe(2);
        var unknown = items.OfType<XmltvIssue>().Single(i => i.Code == XmltvIssueCode.UnknownElement);
        unknown.LineNumber.ShouldBe(4);
        unknown.Severity.ShouldBe(XmltvIssueSeverity.Info);
        items.OfType<XmltvProgramme>().Last().Descriptions.Single().Value.ShouldBe("spaced out text");
    }

    [Fact]
    public void Every_dtd_element_is_read()
    {
        var xml = TestFiles.Tv("""
            <programme start="20250101060000 +0000" stop="20250101070000 +0000" pdc-start="20250101060500 +0000" vps-start="20250101060600 +0000" showview="12345" videoplus="678" channel="a" clumpidx="1/2">
              <title lang="en">T</title><sub-title lang="en">S</sub-title><desc lang="en">D</desc>
              <credits><director>Di</director><actor role="R" guest="yes">Ac</actor><writer>Wr</writer><adapter>Ad</adapter><producer>Pr</producer><composer>Co</composer><editor>Ed</editor><presenter>Pe</presenter><commentator>Cm</commentator><guest>Gu</guest></credits>
              <date>1999</date><category lang="en">Film</category><keyword lang="en">heist</keyword><language>en</language><orig-language lang="en">French</orig-language>
              <length units="hours">1.5</length><icon src="i.png" width="10" height="20"/><url system="imdb">http://u</url><country>GB</country>
              <episode-num system="onscreen">S01E01</episode-num><episode-num>Ep 7</episode-num>
              <video><present>yes</present><colour>no</colour><aspect>4:3</aspect><quality>SDTV</quality></video>
              <audio><present>yes</present><stereo>dolby digital</stereo></audio>
              <previously-shown start="20240101" channel="b"/><premiere lang="en">First showing</premiere><last-chance>Last showing</last-chance><new/>
              <subtitles type="onscreen"><language>en</language></subtitles><subtitles type="deaf-signed"/>
              <rating system="MPAA">PG</rating><rating system="BBFC"><value>12</value><icon src="12.png"/></rating>
              <star-rating system="TV Guide"><value>3/4</value></star-rating>
              <review type="text" source="Rotten Tomatoes" reviewer="Joe" lang="en">Good.</review>
              <image type="poster" size="2" orient="P" system="tmdb">http://img</image>
            </programme>
            """);

        var p = TestFiles.ReadString(xml).OfType<XmltvProgramme>().Single();
        p.PdcStart.ShouldBe(TestFiles.Utc(2025, 1, 1, 6, 5));
        p.VpsStart.ShouldBe(TestFiles.Utc(2025, 1, 1, 6, 6));
        (p.Showview, p.Videoplus, p.ClumpIndex).ShouldBe(("12345", "678", "1/2"));
        p.Credits.Select(c => c.Kind).ShouldBe(Enum.GetValues<XmltvCreditKind>());
        p.Credits[1].ShouldBe(new XmltvCredit(XmltvCreditKind.Actor, "Ac") { Role = "R", Guest = true });
        p.Date.ShouldBe("1999");
        p.Keywords.ShouldBe([new XmltvText("heist", "en")]);
        p.Language.ShouldBe(new XmltvText("en"));
        p.OrigLanguage.ShouldBe(new XmltvText("French", "en"));
        p.Length.ShouldBe(new XmltvLength(TimeSpan.FromMinutes(90), "hours"));
        p.Icons.ShouldBe([new XmltvIcon("i.png", 10, 20)]);
        p.Countries.ShouldBe([new XmltvText("GB")]);
        p.EpisodeNums.ShouldBe([new XmltvEpisodeNum("onscreen", "S01E01"), new XmltvEpisodeNum("onscreen", "Ep 7")]);
        p.Video.ShouldBe(new XmltvVideo(true, false, "4:3", "SDTV"));
        p.Audio.ShouldBe(new XmltvAudio(true, "dolby digital"));
        p.PreviouslyShown.ShouldBe(new XmltvPreviouslyShown(TestFiles.Utc(2024, 1, 1), "b"));
        p.Premiere.ShouldBe(new XmltvText("First showing", "en"));
        p.LastChance.ShouldBe(new XmltvText("Last showing"));
        p.IsNew.ShouldBeTrue();
        p.Subtitles.ShouldBe([new XmltvSubtitles("onscreen", new XmltvText("en")), new XmltvSubtitles("deaf-signed")]);
        p.Ratings[0].ShouldBe(new XmltvRating("PG", "MPAA"));
        p.Ratings[1].Value.ShouldBe("12");
        p.Ratings[1].Icons.ShouldBe([new XmltvIcon("12.png")]);
        p.StarRatings.Single().ShouldBe(new XmltvRating("3/4", "TV Guide"));
        p.Reviews.Single().ShouldBe(new XmltvReview("text", "Good.", "Rotten Tomatoes", "Joe", "en"));
        p.Images.Single().ShouldBe(new XmltvImage("http://img", "poster", 2, "P", "tmdb"));
    }

    [Fact]
    public async Task Async_reading_yields_the_same_items_as_sync_reading()
    {
        var path = TestFiles.Fixture("UK_Data.xml");
        var sync = XmltvReader.ReadFile(path).ToList();
        var asyncItems = new List<XmltvItem>();
        await using var stream = File.OpenRead(path);
        await foreach (var item in XmltvReader.ReadAllAsync(stream, cancellationToken: TestContext.Current.CancellationToken))
        {
            asyncItems.Add(item);
        }

        asyncItems.Count.ShouldBe(sync.Count);
        asyncItems.OfType<XmltvProgramme>().Select(p => (p.LineNumber, p.Title, p.Start)).ShouldBe(sync.OfType<XmltvProgramme>().Select(p => (p.LineNumber, p.Title, p.Start)));
    }

    [Fact]
    public void Channel_problems_are_reported()
    {
        var xml = """
            <tv>
            <channel id="a"><display-name>A</display-name></channel>
            <channel><display-name>No id</display-name></channel>
            <channel id="a"><display-name>A again</display-name></channel>
            <programme start="20250101060000 +0000" stop="20250101070000 +0000" channel="a"><title>T</title></programme>
            <channel id="late"><display-name>Late</display-name></channel>
            </tv>
            """;

        var issues = TestFiles.ReadString(xml).OfType<XmltvIssue>().Select(i => (i.LineNumber, i.Code)).ToList();
        issues.ShouldBe([(3, XmltvIssueCode.ChannelWithoutId), (4, XmltvIssueCode.DuplicateChannel), (6, XmltvIssueCode.ChannelAfterProgrammes)]);
    }

    [Fact]
    public async Task Gzip_compressed_files_are_read_sync_and_async()
    {
        var plain = await File.ReadAllBytesAsync(TestFiles.Fixture("UK_Data.xml"), TestContext.Current.CancellationToken);
        var packed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(packed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(plain);
        }

        var items = TestFiles.ReadBytes(packed.ToArray());
        var document = items.OfType<XmltvDocument>().Single();
        (document.Gzip, document.Encoding).ShouldBe((true, "iso-8859-1"));
        items.OfType<XmltvProgramme>().Count().ShouldBe(1964);

        var count = 0;
        await foreach (var item in XmltvReader.ReadAllAsync(new MemoryStream(packed.ToArray()), cancellationToken: TestContext.Current.CancellationToken))
        {
            count += item is XmltvProgramme ? 1 : 0;
        }

        count.ShouldBe(1964);
    }
}
