using System.Text;
using CableHub.Connectors.Xmltv;
using CableHub.Epg;
using CableHub.Epg.Api;
using CableHub.Testing;
using Dapper;

using CableHub.Modules.Testing;

namespace CableHub.Epg.Tests;

/// <summary>XMLTV into PostgreSQL: one transaction per file, replace-by-window, reports, failures that leave nothing behind.</summary>
public sealed class EpgImportTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task The_iso_8859_1_uk_listings_import_every_accepted_programme_with_latin1_text_intact()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        await db.AddUkChannelsAsync();

        var outcome = await db.Importer().ImportFileAsync(EpgTestSupport.Fixture("UK_Data.xml"));

        var check = XmltvCheck.CheckFile(EpgTestSupport.Fixture("UK_Data.xml"));
        check.Programmes.ShouldBe(1964);
        outcome.Result.Succeeded.ShouldBeTrue(outcome.Result.Error);
        outcome.Report.Encoding.ShouldBe("iso-8859-1");
        outcome.Report.Programmes.ShouldBe(1964);
        outcome.Result.Inserted.ShouldBe(check.ProgrammesAccepted);
        outcome.Result.Inserted.ShouldBe(1964 - 49); // the listings' 49 zero-length slots are skipped
        outcome.Result.Channels.ShouldBe(5);
        (await db.CountAsync("SELECT count(*) FROM hub.epg_programme")).ShouldBe(1915);

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var perChannel = (await conn.QueryAsync<(string Code, long Count)>(
            "SELECT c.code, count(*) FROM hub.epg_programme p JOIN hub.channel c ON c.id = p.channel_id GROUP BY c.code")).ToDictionary(r => r.Code, r => r.Count);
        perChannel.Values.Sum().ShouldBe(1915);
        perChannel.Keys.ShouldBe(["BBC1HD", "BBC2", "ITV1HD", "CH4HD", "CH5"], ignoreOrder: true);

        var escape = await conn.QuerySingleAsync<(string Titles, string Descriptions, string? EpisodeNs)>(
            "SELECT titles::text, descriptions::text, episode_ns FROM hub.epg_programme WHERE title = 'Escape to the Country' AND descriptions::text LIKE '%500,000%' LIMIT 1");
        escape.Titles.ShouldBe("""{"en": "Escape to the Country"}""");
        escape.Descriptions.ShouldContain("budget of \u00EF\u00BF\u00BD500,000");

        var import = (await db.Epg().GetImportAsync(outcome.Result.ImportId)).ShouldNotBeNull();
        import.Status.ShouldBe(EpgImportStatus.Succeeded);
        import.FileName.ShouldBe("UK_Data.xml");
        import.ProgrammesInFile.ShouldBe(1964);
        import.ProgrammesInserted.ShouldBe(1915);
        import.ProgrammesSkipped.ShouldBe(49);
        import.Channels.ShouldBe(5);
        import.ReportJson.ShouldNotBeNull().ShouldContain("\"encoding\": \"iso-8859-1\"");
    }

    [Fact]
    public async Task Importing_the_same_file_again_replaces_its_window_instead_of_doubling_it()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        await db.AddUkChannelsAsync();
        await db.Importer().ImportFileAsync(EpgTestSupport.Fixture("UK_Data.xml"));

        var again = await db.Importer().ImportFileAsync(EpgTestSupport.Fixture("UK_Data.xml"));

        again.Result.Inserted.ShouldBe(1915);
        again.Result.Replaced.ShouldBe(1915);
        (await db.CountAsync("SELECT count(*) FROM hub.epg_programme")).ShouldBe(1915);
        (await db.CountAsync("SELECT count(DISTINCT import_id) FROM hub.epg_programme")).ShouldBe(1);
        (await db.Epg().ListImportsAsync()).Select(i => i.Status).ShouldBe([EpgImportStatus.Succeeded, EpgImportStatus.Succeeded]);
    }

    [Fact]
    public async Task A_later_file_replaces_only_the_window_it_covers_on_the_channels_it_covers()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        await db.MapGeneratedChannelsAsync("STARPLUS", "SONYSET");
        var start = EpgTestSupport.Utc(2026, 1, 5, 6);
        using (var first = EpgTestSupport.Generate(new XmltvGeneratorOptions { Channels = 2, ProgrammesPerChannel = 40, Start = start, Details = false }, out _))
        {
            (await db.Importer().ImportAsync(first, "first.xml")).Result.Succeeded.ShouldBeTrue();
        }

        // A correction for STARPLUS only, 12:00–14:00 UTC, not on the old programme boundaries.
        var xml = $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <tv>
              <channel id="STARPLUS"><display-name>Star Plus</display-name></channel>
              <programme start="20260105121000 +0000" stop="20260105130000 +0000" channel="STARPLUS"><title lang="hi">Anupamaa</title></programme>
              <programme start="20260105130000 +0000" stop="20260105140000 +0000" channel="STARPLUS"><title lang="hi">Yeh Rishta Kya Kehlata Hai</title></programme>
            </tv>
            """;
        var before = await ProgrammesAsync(db, "STARPLUS");
        var sonyBefore = await ProgrammesAsync(db, "SONYSET");

        var outcome = await db.Importer().ImportAsync(EpgTestSupport.Utf8(xml), "correction.xml");

        outcome.Result.Succeeded.ShouldBeTrue(outcome.Result.Error);
        outcome.Result.Inserted.ShouldBe(2);
        var after = await ProgrammesAsync(db, "STARPLUS");
        var windowFrom = EpgTestSupport.Utc(2026, 1, 5, 12, 10);
        var windowTo = EpgTestSupport.Utc(2026, 1, 5, 14);
        var replaced = before.Where(p => p.Start >= windowFrom && p.Start < windowTo).ToList();
        outcome.Result.Replaced.ShouldBe(replaced.Count);
        after.Count.ShouldBe(before.Count - replaced.Count + 2);
        after.Where(p => p.Start >= windowFrom && p.Start < windowTo).Select(p => p.Title).ShouldBe(["Anupamaa", "Yeh Rishta Kya Kehlata Hai"]);
        after.Where(p => p.Start < windowFrom).ShouldAllBe(p => p.Stop <= windowFrom);
        outcome.Result.Trimmed.ShouldBe(before.Count(p => p.Start < windowFrom && p.Stop > windowFrom));
        after.Where(p => p.Start >= windowTo).Select(p => (p.Start, p.Title)).ShouldBe(before.Where(p => p.Start >= windowTo).Select(p => (p.Start, p.Title)));
        (await ProgrammesAsync(db, "SONYSET")).ShouldBe(sonyBefore);
    }

    [Fact]
    public async Task Malformed_xml_is_refused_with_its_line_and_leaves_the_guide_as_it_was()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        await db.AddUkChannelsAsync();
        (await db.Importer().ImportFileAsync(EpgTestSupport.Fixture("UK_Data.xml"))).Result.Succeeded.ShouldBeTrue();
        var before = await db.CountAsync("SELECT count(*) FROM hub.epg_programme");

        // 3,000 good programmes for BBC1HD (more than one batch, so COPY has already sent rows), then a broken tag.
        var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tv>\n");
        var t = EpgTestSupport.Utc(2015, 11, 26, 0);
        for (var i = 0; i < 3000; i++, t = t.AddMinutes(10))
        {
            xml.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"<programme start=\"{t:yyyyMMddHHmmss} +0000\" stop=\"{t.AddMinutes(10):yyyyMMddHHmmss} +0000\" channel=\"UK_RT_2667\"><title>Slot {i}</title></programme>\n");
        }

        xml.Append("<programme start=\"20160101000000 +0000\" channel=\"UK_RT_2667\"><title>Broken</titel></programme>\n</tv>\n");
        var brokenLine = 3 + 3000;

        var outcome = await db.Importer().ImportAsync(EpgTestSupport.Utf8(xml.ToString()), "broken.xml", new XmltvImportOptions { BatchSize = 500 });

        outcome.Result.Succeeded.ShouldBeFalse();
        outcome.Result.ErrorLine.ShouldBe(brokenLine);
        outcome.Result.Error.ShouldNotBeNull().ShouldContain($"line {brokenLine}");
        outcome.Report.Fatal.ShouldNotBeNull().Line.ShouldBe(brokenLine);
        (await db.CountAsync("SELECT count(*) FROM hub.epg_programme")).ShouldBe(before);
        (await db.CountAsync("SELECT count(*) FROM hub.epg_programme WHERE title LIKE 'Slot %'")).ShouldBe(0);
        var import = (await db.Epg().GetImportAsync(outcome.Result.ImportId)).ShouldNotBeNull();
        import.Status.ShouldBe(EpgImportStatus.Failed);
        import.ErrorLine.ShouldBe(brokenLine);
        import.ProgrammesInserted.ShouldBe(0);
        import.Error.ShouldNotBeNull().ShouldContain("titel");
    }

    [Fact]
    public async Task A_file_that_is_not_xml_at_all_fails_at_line_one_and_writes_nothing()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);

        var outcome = await db.Importer().ImportAsync(EpgTestSupport.Utf8("this is not XML\n"), "junk.xml");

        outcome.Result.Succeeded.ShouldBeFalse();
        outcome.Result.ErrorLine.ShouldBe(1);
        (await db.CountAsync("SELECT count(*) FROM hub.epg_programme")).ShouldBe(0);
    }

    [Fact]
    public async Task The_bom_file_with_a_us_locale_tv_date_imports_through_the_channel_map()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        await db.Epg().SetChannelMapAsync(EpgSource.DefaultCode, [new EpgChannelMapping("EPG123.10108.schedulesdirect.org", "ZEETV")]);

        var outcome = await db.Importer().ImportFileAsync(EpgTestSupport.Fixture("schedulesdirect.xml"));

        outcome.Result.Succeeded.ShouldBeTrue(outcome.Result.Error);
        outcome.Report.HasByteOrderMark.ShouldBeTrue();
        outcome.Report.TvDate.ShouldBe("7/29/2020 11:00:29 AM");
        outcome.Report.TvDateParsed.ShouldBe(new DateTimeOffset(2020, 7, 29, 11, 0, 29, TimeSpan.Zero));
        outcome.Result.Inserted.ShouldBe(2);
        var guide = await db.Epg().ScheduleAsync(new GuideAudience.Channels(["ZEETV"]), EpgTestSupport.Utc(2020, 7, 29), EpgTestSupport.Utc(2020, 7, 30));
        guide.Select(p => p.Start).ShouldBe([EpgTestSupport.Utc(2020, 7, 29, 0), EpgTestSupport.Utc(2020, 7, 29, 1)]);
        guide[1].Stop.ShouldBe(new DateTimeOffset(2020, 7, 29, 2, 1, 0, TimeSpan.Zero));
    }

    [Fact]
    public async Task Multilingual_titles_are_stored_per_language_and_the_guide_answers_in_the_language_asked()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        await db.AddUkChannelsAsync();
        var outcome = await db.Importer().ImportFileAsync(EpgTestSupport.Fixture("MultilanguageData.xml"));
        outcome.Result.Succeeded.ShouldBeTrue(outcome.Result.Error);
        var programmes = XmltvReader.ReadFile(EpgTestSupport.Fixture("MultilanguageData.xml")).OfType<XmltvProgramme>().ToList();
        var first = programmes[0];
        var from = first.Start;

        foreach (var lang in new[] { "es", "en", "fr" })
        {
            var guide = await db.Epg().ScheduleAsync(new GuideAudience.Channels(["BBC1HD"]), from, from.AddMinutes(1), lang);
            guide.Single().Title.ShouldBe(first.TitleFor(lang), $"lang={lang}");
        }

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var titles = await conn.QuerySingleAsync<string>("SELECT titles::text FROM hub.epg_programme ORDER BY start_at LIMIT 1");
        foreach (var t in first.Titles.Where(t => !string.IsNullOrEmpty(t.Lang)).DistinctBy(t => t.Lang))
        {
            titles.ShouldContain($"\"{t.Lang}\": \"{t.Value}\"");
        }
    }

    [Theory]
    [InlineData(XmltvOverlapPolicy.Trim)]
    [InlineData(XmltvOverlapPolicy.Drop)]
    [InlineData(XmltvOverlapPolicy.Keep)]
    public async Task Generated_overlaps_duplicates_and_missing_stops_with_zone_names_are_handled_by_the_policy_and_reported(XmltvOverlapPolicy policy)
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        await db.MapGeneratedChannelsAsync("STARPLUS", "SONYSET", "ZEETV");
        var london = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
        using var file = EpgTestSupport.Generate(new XmltvGeneratorOptions
        {
            Channels = 3,
            ProgrammesPerChannel = 400,
            Start = EpgTestSupport.Utc(2025, 3, 28, 6), // across the spring change (BST from 30 March)
            Times = XmltvGeneratedTimes.ZoneAbbreviation,
            TimeZone = london,
            DuplicateRate = 0.05,
            OverlapRate = 0.05,
            MissingStopRate = 0.05,
            Seed = 7,
        }, out var generated);
        generated.Duplicates.ShouldBeGreaterThan(0);
        generated.Overlaps.ShouldBeGreaterThan(0);
        generated.MissingStops.ShouldBeGreaterThan(0);

        var outcome = await db.Importer().ImportAsync(file, "generated.xml", new XmltvImportOptions { OverlapPolicy = policy });

        outcome.Result.Succeeded.ShouldBeTrue(outcome.Result.Error);
        var counts = outcome.Report.IssueCounts.ToDictionary(c => c.Code, c => c.Count);
        counts[XmltvIssueCode.Duplicate].ShouldBe(generated.Duplicates);
        counts[XmltvIssueCode.StopInferred].ShouldBe(generated.MissingStops);
        var expectedRows = generated.DistinctProgrammes - (policy == XmltvOverlapPolicy.Drop ? generated.Overlaps : 0);
        outcome.Result.Inserted.ShouldBe(expectedRows);
        (await db.CountAsync("SELECT count(*) FROM hub.epg_programme")).ShouldBe(expectedRows);
        var overlapping = await db.CountAsync(
            """
            SELECT count(*) FROM (SELECT stop_at, lead(start_at) OVER (PARTITION BY channel_id ORDER BY start_at) AS next_start FROM hub.epg_programme) x
            WHERE next_start < stop_at
            """);
        if (policy == XmltvOverlapPolicy.Keep)
        {
            counts[XmltvIssueCode.Overlap].ShouldBe(generated.Overlaps);
            overlapping.ShouldBe(generated.Overlaps);
        }
        else
        {
            counts[policy == XmltvOverlapPolicy.Trim ? XmltvIssueCode.OverlapTrimmed : XmltvIssueCode.OverlapDropped].ShouldBe(generated.Overlaps);
            overlapping.ShouldBe(0);
        }

        (await db.CountAsync("SELECT extract(epoch FROM min(start_at))::bigint FROM hub.epg_programme"))
            .ShouldBe(generated.From.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task Times_without_an_offset_are_read_in_the_sources_configured_zone()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        await db.MapGeneratedChannelsAsync("STARPLUS");
        await db.Epg().SaveSourceAsync(new EpgSource(EpgSource.DefaultCode, "Default", "Asia/Kolkata"));
        var kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        using var file = EpgTestSupport.Generate(new XmltvGeneratorOptions
        {
            Channels = 1, ProgrammesPerChannel = 20, Start = EpgTestSupport.Utc(2026, 1, 5, 0, 30), Times = XmltvGeneratedTimes.NoOffset, TimeZone = kolkata, Details = false,
        }, out var generated);

        var outcome = await db.Importer().ImportAsync(file, "ist.xml");

        outcome.Result.Succeeded.ShouldBeTrue(outcome.Result.Error);
        outcome.Result.From.ShouldBe(generated.From);
        outcome.Result.To.ShouldBe(generated.To);
    }

    [Fact]
    public async Task Programmes_of_channels_outside_the_line_up_are_reported_and_left_out()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <tv>
              <channel id="ZEETV"><display-name>Zee TV</display-name></channel>
              <channel id="mystery.example"><display-name>Mystery</display-name></channel>
              <programme start="20260105120000 +0000" stop="20260105130000 +0000" channel="ZEETV"><title>Kundali Bhagya</title></programme>
              <programme start="20260105120000 +0000" stop="20260105130000 +0000" channel="mystery.example"><title>Who knows</title></programme>
              <programme start="20260105130000 +0000" stop="20260105140000 +0000" channel="mystery.example"><title>Still unknown</title></programme>
            </tv>
            """;

        var outcome = await db.Importer().ImportAsync(EpgTestSupport.Utf8(xml), "mixed.xml");

        outcome.Result.Succeeded.ShouldBeTrue(outcome.Result.Error);
        outcome.Result.Inserted.ShouldBe(1);
        var unmapped = outcome.Report.Issues.Single(i => i.Code == XmltvIssueCode.UnmappedChannel);
        unmapped.Channel.ShouldBe("mystery.example");
        unmapped.LineNumber.ShouldBe(4); // reported at the channel's declaration
        (await db.Epg().GetImportAsync(outcome.Result.ImportId))!.UnknownChannels.ShouldBe(1);
        (await db.CountAsync("SELECT count(*) FROM hub.epg_programme WHERE source_channel_id = 'mystery.example'")).ShouldBe(0);
    }

    [Fact]
    public async Task Every_column_survives_the_binary_copy_encoding()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var start = new DateTimeOffset(2026, 1, 5, 18, 30, 0, 123, TimeSpan.Zero).AddMicroseconds(456);
        var programme = new EpgProgramme
        {
            ChannelId = db.Channel("ZEETV"),
            Start = start,
            Stop = start.AddMinutes(45),
            Title = "Kundali Bhagya",
            Titles = [new EpgText("Kundali Bhagya", "en"), new EpgText("कुंडली भाग्य", "hi"), new EpgText("Untagged \"quoted\"")],
            SubTitle = "Épisode 1 — «début»",
            Descriptions = [new EpgText("Preeta meets Karan 😀", "en"), new EpgText("प्रीता", "hi")],
            Categories = ["Drama", "Soap, daily", "Romance \"classic\"", "ड्रामा"],
            EpisodeNs = "0.0.0/1",
            Season = 1,
            Episode = 1,
            EpisodeOnScreen = "S01E01",
            Rating = "U/A 13+",
            IconUrl = "https://img.example/kb.png",
            PreviouslyShown = true,
            Premiere = true,
            IsNew = true,
            DetailsJson = """{"note": "détails ✓", "n": [1, 2]}""",
            SourceChannelId = "zee.tv.in",
        };
        var lean = new EpgProgramme { ChannelId = db.Channel("ZEETV"), Start = start.AddHours(1), Stop = start.AddHours(2), Title = "" };

        await using (var session = await EpgImportSession.BeginAsync(db.DataSource, db.Get<CableHub.Catalog.Contracts.IChannelDirectory>(), EpgSource.DefaultCode, "direct", db.Clock))
        {
            await session.WriteAsync([programme, lean]);
            (await session.CommitAsync(new EpgImportSummary(2, 0, 0, 0, 0, null))).Inserted.ShouldBe(2);
        }

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var row = await conn.QuerySingleAsync(
            """
            SELECT start_at, stop_at, title, titles ->> 'hi' AS hi, titles ->> '' AS untagged, sub_title, descriptions ->> 'en' AS en, categories, episode_ns,
                   season, episode, episode_onscreen, rating, icon_url, previously_shown, premiere, is_new, details::text AS details, source_channel_id
            FROM hub.epg_programme WHERE title = 'Kundali Bhagya'
            """);
        ((DateTime)row.start_at).ShouldBe(start.UtcDateTime);
        ((DateTime)row.stop_at).ShouldBe(start.AddMinutes(45).UtcDateTime);
        ((string)row.hi).ShouldBe("कुंडली भाग्य");
        ((string)row.untagged).ShouldBe("Untagged \"quoted\"");
        ((string)row.sub_title).ShouldBe("Épisode 1 — «début»");
        ((string)row.en).ShouldBe("Preeta meets Karan 😀");
        ((string[])row.categories).ShouldBe(["Drama", "Soap, daily", "Romance \"classic\"", "ड्रामा"]);
        ((string)row.episode_ns).ShouldBe("0.0.0/1");
        ((int)row.season, (int)row.episode).ShouldBe((1, 1));
        ((string)row.episode_onscreen).ShouldBe("S01E01");
        ((string)row.rating).ShouldBe("U/A 13+");
        ((string)row.icon_url).ShouldBe("https://img.example/kb.png");
        ((bool)row.previously_shown && (bool)row.premiere && (bool)row.is_new).ShouldBeTrue();
        ((string)row.details).ShouldBe("""{"note": "détails ✓", "n": [1, 2]}""");
        ((string)row.source_channel_id).ShouldBe("zee.tv.in");
        var bare = await conn.QuerySingleAsync<(string Titles, string? Descriptions, string[]? Categories, int? Season, string? Details)>(
            "SELECT titles::text, descriptions::text, categories, season, details::text FROM hub.epg_programme WHERE title = ''");
        bare.ShouldBe(("""{"": ""}""", null, null, null, null));
    }

    private static async Task<List<(DateTimeOffset Start, DateTimeOffset Stop, string Title)>> ProgrammesAsync(CatalogDatabase db, string code)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        return (await conn.QueryAsync<(DateTime Start, DateTime Stop, string Title)>(
            "SELECT p.start_at, p.stop_at, p.title FROM hub.epg_programme p JOIN hub.channel c ON c.id = p.channel_id WHERE c.code = @code ORDER BY p.start_at", new { code }))
            .Select(r => (new DateTimeOffset(r.Start, TimeSpan.Zero), new DateTimeOffset(r.Stop, TimeSpan.Zero), r.Title)).ToList();
    }
}
