namespace CableHub.Connectors.Xmltv.Tests;

/// <summary>Real-world listings from Jellyfin.XmlTv's test data (see Fixtures/PROVENANCE.txt).</summary>
public sealed class FixtureTests
{
    [Fact]
    public void Uk_listings_are_read_as_iso_8859_1_with_all_1964_programmes()
    {
        var items = TestFiles.ReadFixture("UK_Data.xml");

        var document = items[0].ShouldBeOfType<XmltvDocument>();
        document.Encoding.ShouldBe("iso-8859-1");
        document.HasByteOrderMark.ShouldBeFalse();
        document.DateText.ShouldBe("20151126");
        document.Date.ShouldBe(TestFiles.Utc(2015, 11, 26));
        document.Attributes["generator-name"].ShouldBe("XMLTV GUI V. 3.14.01W");

        var programmes = items.OfType<XmltvProgramme>().ToList();
        programmes.Count.ShouldBe(1964);
        items.OfType<XmltvIssue>().Where(i => i.Severity != XmltvIssueSeverity.Info).ShouldBeEmpty();
        programmes.GroupBy(p => p.Channel).ToDictionary(g => g.Key, g => g.Count()).ShouldBe(new Dictionary<string, int>
        {
            ["UK_RT_2667"] = 330,
            ["UK_RT_105"] = 287,
            ["UK_RT_2118"] = 413,
            ["UK_RT_2056"] = 433,
            ["UK_RT_134"] = 501,
        }, ignoreOrder: true);
    }

    [Fact]
    public void Uk_listings_decode_each_byte_as_one_latin1_character()
    {
        // Line 209 holds the bytes EF BF BD before "500,000" (a pound sign mangled upstream). Declared ISO-8859-1,
        // they are three characters: ï ¿ ½. Decoded as UTF-8 they would be one U+FFFD.
        var programmes = TestFiles.ReadFixture("UK_Data.xml").OfType<XmltvProgramme>().ToList();

        var escape = programmes.Single(p => p.LineNumber == 206);
        escape.Title.ShouldBe("Escape to the Country");
        escape.Descriptions.Single().Value.ShouldContain("budget of \u00EF\u00BF\u00BD500,000 locate");
        const string mangled = "\u00EF\u00BF\u00BD";
        var texts = programmes.SelectMany(p => p.Descriptions.Select(d => d.Value).Concat(p.Credits.Select(c => c.Name))).ToList();
        texts.Sum(t => Occurrences(t, mangled)).ShouldBe(118);
        programmes.SelectMany(p => p.Credits).Count(c => c.Name.Contains(mangled, StringComparison.Ordinal)).ShouldBe(8);
        programmes.SelectMany(p => p.Credits).ShouldContain(c => c.Name == "Evelyn O\u00EF\u00BF\u00BDConnell - Maria Bello");
        programmes.ShouldNotContain(p => p.Descriptions.Any(d => d.Value.Contains('\uFFFD', StringComparison.Ordinal)));
    }

    [Fact]
    public void Uk_listings_have_channels_credits_episode_numbers_and_flags()
    {
        var items = TestFiles.ReadFixture("UK_Data.xml");
        var channels = items.OfType<XmltvChannel>().ToList();
        channels.Select(c => c.Id).ShouldBe(["UK_RT_2667", "UK_RT_105", "UK_RT_2118", "UK_RT_2056", "UK_RT_134"]);
        channels[0].DisplayNames.ShouldBe([new XmltvText("BBC1 HD", "en"), new XmltvText("7-1", "en")]);
        channels[0].Icons.ShouldBe([new XmltvIcon("Logo_UK_RT_2667", 100, 200)]);
        channels[2].Icons.ShouldBe([new XmltvIcon("Logo_UK_RT_2118", 100, null)]);
        channels[4].Icons.ShouldBeEmpty();

        var programmes = items.OfType<XmltvProgramme>().ToList();
        var breakfast = programmes[0];
        breakfast.LineNumber.ShouldBe(23);
        breakfast.Title.ShouldBe("Breakfast");
        breakfast.Start.ShouldBe(TestFiles.Utc(2015, 11, 26, 6));
        breakfast.Stop.ShouldBe(TestFiles.Utc(2015, 11, 26, 9, 15));
        breakfast.Categories.ShouldBe([new XmltvText("News", "en")]);
        breakfast.Length.ShouldBe(new XmltvLength(TimeSpan.FromMinutes(195), "minutes"));
        breakfast.Video.ShouldBe(new XmltvVideo(Aspect: "16:9"));
        breakfast.Subtitles.ShouldBe([new XmltvSubtitles("teletext", new XmltvText("English", "en"))]);

        // <episode-num system="xmltv_ns">5.3/10.</episode-num>: 6th series, 4th episode of 10.
        var numbered = programmes.First(p => p.EpisodeNums.Count > 0);
        numbered.EpisodeNums[0].Value.ShouldBe("5.3/10.");
        var ns = numbered.XmltvNsEpisode.ShouldNotBeNull();
        (ns.SeasonIndex, ns.Season, ns.EpisodeIndex, ns.Episode, ns.TotalEpisodes, ns.Part).ShouldBe((5, 6, 3, 4, 10, (int?)null));

        programmes.Count(p => p.EpisodeNums.Count > 0).ShouldBe(1258);
        programmes.Count(p => p.Credits.Count > 0).ShouldBe(1234);
        programmes.Sum(p => p.Credits.Count(c => c.Kind == XmltvCreditKind.Actor)).ShouldBe(4599);
        programmes.Sum(p => p.Credits.Count(c => c.Kind == XmltvCreditKind.Director)).ShouldBe(641);
        programmes.Count(p => p.PreviouslyShown is not null).ShouldBe(853);
        programmes.Count(p => p.Premiere is not null).ShouldBe(19);
        programmes.Count(p => p.IsNew).ShouldBe(1);
        programmes.Count(p => p.Video?.Colour is not null).ShouldBe(1);
    }

    [Fact]
    public void Uk_listings_check_spans_two_weeks_and_reports_the_zero_length_slots()
    {
        var report = XmltvCheck.CheckFile(TestFiles.Fixture("UK_Data.xml"));

        report.IsReadable.ShouldBeTrue();
        report.Encoding.ShouldBe("iso-8859-1");
        report.ChannelsDeclared.ShouldBe(5);
        report.ChannelsWithProgrammes.ShouldBe(5);
        report.Programmes.ShouldBe(1964);
        report.ProgrammesAccepted.ShouldBe(report.Programmes - report.ProgrammesSkipped);
        report.From.ShouldBe(TestFiles.Utc(2015, 11, 26, 6));
        report.Channels.Single(c => c.SourceId == "UK_RT_134").Programmes.ShouldBe(501);
        report.To.ShouldBe(TestFiles.Utc(2015, 12, 9, 6));

        // The real data has 49 slots such as 'Weather' with stop == start (line 734: 19:30-19:30).
        report.ProgrammesSkipped.ShouldBe(49);
        report.Issues.ShouldAllBe(i => i.Code == XmltvIssueCode.NonPositiveDuration && i.Skipped);
        report.Issues[0].LineNumber.ShouldBe(734);
        report.Issues[0].Message.ShouldBe("'BBC News; Regional News' stops at 20151127193000 +0000, not after its start 20151127193000 +0000: skipped");
    }

    [Fact]
    public void Schedules_direct_file_with_bom_and_us_locale_date_is_read()
    {
        var items = TestFiles.ReadFixture("schedulesdirect.xml");

        var document = items[0].ShouldBeOfType<XmltvDocument>();
        document.Encoding.ShouldBe("utf-8");
        document.HasByteOrderMark.ShouldBeTrue();
        document.DateText.ShouldBe("7/29/2020 11:00:29 AM");
        document.Date.ShouldBe(TestFiles.Utc(2020, 7, 29, 11, 0, 29));
        document.SourceInfoName.ShouldBe("Schedules Direct");
        document.SourceInfoUrl.ShouldBe("http://schedulesdirect.org");
        var dateIssue = items.OfType<XmltvIssue>().Single(i => i.Code == XmltvIssueCode.NonStandardTvDate);
        dateIssue.Severity.ShouldBe(XmltvIssueSeverity.Info);
        dateIssue.LineNumber.ShouldBe(2);
        dateIssue.Message.ShouldContain("en-US");

        var channels = items.OfType<XmltvChannel>().ToList();
        channels.Count.ShouldBe(2);
        channels[1].DisplayNames.Select(d => d.Value).ShouldBe(["CBLT", "CBLT - CBC Toronto", "205 CBLT", "205", "CBC"]);
        channels[1].DisplayNames.ShouldAllBe(d => d.Lang == null);

        var programmes = items.OfType<XmltvProgramme>().ToList();
        programmes.Count.ShouldBe(2);
        var match = programmes[0];
        match.Title.ShouldBe("Match Game");
        match.Credits.Where(c => c.Kind == XmltvCreditKind.Producer).Select(c => c.Name).ShouldBe(["Alec Baldwin", "Jennifer Mullin"]);
        match.Credits.Single(c => c.Kind == XmltvCreditKind.Presenter).Name.ShouldBe("Alec Baldwin");
        match.Credits.Count(c => c.Kind == XmltvCreditKind.Guest).ShouldBe(6);
        match.Date.ShouldBe("20170514");
        match.Language.ShouldBe(new XmltvText("en"));
        match.Icons.Count.ShouldBe(4);
        match.Icons[3].ShouldBe(new XmltvIcon("p12845677_b_h12_af.jpg", 960, 540));
        match.EpisodeNums.Select(e => (e.System, e.Value)).ShouldBe([("dd_progid", "EP02420905.0022"), ("xmltv_ns", "1.11.0/1")]);
        var ns = match.XmltvNsEpisode.ShouldNotBeNull();
        (ns.Season, ns.Episode, ns.Part, ns.TotalParts).ShouldBe((2, 12, 1, 1));
        match.Audio.ShouldBe(new XmltvAudio(Stereo: "stereo"));
        match.PreviouslyShown.ShouldBe(new XmltvPreviouslyShown());
        match.Subtitles.ShouldBe([new XmltvSubtitles("teletext")]);
        match.Ratings.Select(r => (r.System, r.Value)).ShouldBe([("Canadian Parental Rating", "14+"), ("USA Parental Rating", "TV14"), ("VCHIP", "TV-14")]);

        var unforgettable = programmes[1];
        unforgettable.Credits.First(c => c.Kind == XmltvCreditKind.Actor).ShouldBe(new XmltvCredit(XmltvCreditKind.Actor, "Poppy Montgomery") { Role = "Carrie Wells" });
        unforgettable.Stop.ShouldBe(TestFiles.Utc(2020, 7, 29, 2, 1));
    }

    [Fact]
    public void Multilingual_titles_and_categories_keep_their_languages()
    {
        var programmes = TestFiles.ReadFixture("MultilanguageData.xml").OfType<XmltvProgramme>().ToList();
        programmes.Count.ShouldBe(2);

        var first = programmes[0];
        first.Titles.ShouldBe([
            new XmltvText("Homes Under the Hammer - Spanish", "es"),
            new XmltvText("Homes Under the Hammer - Spanish 2", "es"),
            new XmltvText("Homes Under the Hammer - English", "en"),
            new XmltvText("Homes Under the Hammer - English 2", "en"),
            new XmltvText("Homes Under the Hammer - Empty Language", ""),
            new XmltvText("Homes Under the Hammer - No Language"),
        ]);
        first.TitleFor("en").ShouldBe("Homes Under the Hammer - English");
        first.TitleFor("ES").ShouldBe("Homes Under the Hammer - Spanish");
        first.TitleFor("fr").ShouldBe("Homes Under the Hammer - Empty Language");
        first.TitleFor(null).ShouldBe("Homes Under the Hammer - Empty Language");
        first.Categories.Select(c => c.Lang).ShouldBe(["en", "es", "", null]);
        first.Credits.Select(c => c.Name).ShouldBe(["Presenter - Lucy Alexander", "Presenter - Martin Roberts", "Presenter - Dion Dublin"]);

        var second = programmes[1];
        second.TitleFor("es").ShouldBe("Homes Under the Hammer - No Language");
        second.DescriptionFor("de").ShouldStartWith("Lucy Alexander");
    }

    [Fact]
    public void Custom_file_reads_nested_credit_images_urls_reviews_and_images()
    {
        var items = TestFiles.ReadFixture("custom.xml");
        var channel = items.OfType<XmltvChannel>().Single();
        channel.Urls.ShouldBe([new XmltvUrl("https://example.com/channel_one", "imdb")]);

        var p = items.OfType<XmltvProgramme>().Single();
        var nina = p.Credits.Single(c => c.Role == "Det. Nina Inara");
        nina.Name.ShouldBe("Daya Vaidya");
        nina.Guest.ShouldBe(false);
        nina.Images.ShouldBe([new XmltvImage("https://example.com/xxx.jpg", "person")]);
        nina.Urls.ShouldBe([new XmltvUrl("https://example.com/person/204", "moviedb"), new XmltvUrl("https://example.com/person/205", "imdb")]);
        p.Reviews.Count.ShouldBe(3);
        p.Images.Count.ShouldBe(4);
        p.Images[0].ShouldBe(new XmltvImage("https://tvdb.com/programme_one_poster_1.jpg", "poster", 1, "P", "tvdb"));
        p.Urls.Select(u => u.System).ShouldBe(["imdb", "tmdb"]);
        p.EpisodeNums.Single(e => e.System == "xmltv_ns").Parsed.ShouldBe(new XmltvNsEpisode(0, null, 9, null, 0, 1));

        // <review> and <image> follow <rating> in the file (the DTD wants them last) — read all the same.
        items.OfType<XmltvIssue>().Where(i => i.Severity != XmltvIssueSeverity.Info).ShouldBeEmpty();
    }

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
