using System.Text.Json;
using CableHub.Connectors.Xmltv;
using CableHub.Epg;
using CableHub.Testing;

using CableHub.Modules.Testing;

namespace CableHub.Epg.Tests;

/// <summary>The guide reads (now/next, ranges) and XMLTV exports of the line-up and of one subscriber's entitled channels.</summary>
public sealed class GuideTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    [Fact]
    public async Task Now_and_next_follow_the_imported_listings_for_all_or_some_channels()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        await db.AddUkChannelsAsync();
        await db.Importer().ImportFileAsync(EpgTestSupport.Fixture("UK_Data.xml"));
        var bbc1 = XmltvReader.ReadFile(EpgTestSupport.Fixture("UK_Data.xml")).OfType<XmltvProgramme>()
            .Where(p => p.Channel == "UK_RT_2667" && p.Stop > p.Start).OrderBy(p => p.Start).ToList();
        var at = EpgTestSupport.Utc(2015, 11, 26, 9, 30);
        var expectedNow = bbc1.Single(p => p.Start <= at && p.Stop > at);
        var expectedNext = bbc1.First(p => p.Start > at);
        expectedNow.Title.ShouldBe("Fake Britain");

        var all = await db.Epg().NowNextAsync(GuideAudience.All, at);

        all.Count.ShouldBe(CatalogDatabase.Channels.Length + EpgTestSupport.UkChannels.Length);
        all.Select(n => n.Channel.Lcn).ShouldBeInOrder();
        var row = all.Single(n => n.Channel.Code == "BBC1HD");
        row.Now.ShouldNotBeNull().Title.ShouldBe(expectedNow.Title);
        row.Now.Start.ShouldBe(expectedNow.Start);
        row.Now.Stop.ShouldBe(expectedNow.Stop!.Value);
        row.Next.ShouldNotBeNull().Title.ShouldBe(expectedNext.Title);
        row.Next.Start.ShouldBe(expectedNext.Start);
        all.Single(n => n.Channel.Code == "STARPLUS").Now.ShouldBeNull();

        var some = await db.Epg().NowNextAsync(new GuideAudience.Channels(["CH5", "BBC2"]), at);
        some.Select(n => n.Channel.Code).ShouldBe(["BBC2", "CH5"]);
        some.ShouldAllBe(n => n.Now != null && n.Next != null && n.Now.Stop <= n.Next.Start);
    }

    [Fact]
    public async Task A_range_returns_the_programmes_overlapping_it_including_one_already_running()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        await db.AddUkChannelsAsync();
        await db.Importer().ImportFileAsync(EpgTestSupport.Fixture("UK_Data.xml"));

        var range = await db.Epg().ScheduleAsync(new GuideAudience.Channels(["BBC1HD"]), EpgTestSupport.Utc(2015, 11, 26, 9, 30), EpgTestSupport.Utc(2015, 11, 26, 12));

        range[0].Title.ShouldBe("Fake Britain");
        range.ShouldAllBe(p => p.ChannelCode == "BBC1HD" && p.Start < EpgTestSupport.Utc(2015, 11, 26, 12) && p.Stop > EpgTestSupport.Utc(2015, 11, 26, 9, 30));
        range.Select(p => p.Start).ShouldBeInOrder();
        range.Zip(range.Skip(1)).ShouldAllBe(pair => pair.First.Stop <= pair.Second.Start);
        (await Should.ThrowAsync<CableHub.Core.Errors.RequestInvalidException>(() => db.Epg().ScheduleAsync(GuideAudience.All, EpgTestSupport.Utc(2015, 11, 26, 12), EpgTestSupport.Utc(2015, 11, 26, 9))))
            .Errors.Single().Field.ShouldBe("to");
    }

    [Fact]
    public async Task The_whole_line_up_exports_as_xmltv_that_reads_back_to_the_imported_programmes()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        await db.AddUkChannelsAsync();
        var codes = EpgTestSupport.UkChannels.ToDictionary(c => c.SourceId, c => c.Code);
        await db.Importer().ImportFileAsync(EpgTestSupport.Fixture("UK_Data.xml"));
        var normaliser = new XmltvNormaliser();
        var expected = normaliser.Normalise(XmltvReader.ReadFile(EpgTestSupport.Fixture("UK_Data.xml")))
            .Select(n => Comparable(n.Programme with { Channel = codes[n.Programme.Channel], Start = n.Start, Stop = n.Stop }))
            .Order(StringComparer.Ordinal).ToList();

        using var output = new MemoryStream();
        var result = await db.Exporter().ExportAsync(output, GuideAudience.All);

        result.Channels.ShouldBe(CatalogDatabase.Channels.Length + 5);
        result.Programmes.ShouldBe(1915);
        output.Position = 0;
        var items = XmltvReader.ReadAll(output).ToList();
        items.OfType<XmltvIssue>().Where(i => i.Severity != XmltvIssueSeverity.Info).ShouldBeEmpty();
        var channels = items.OfType<XmltvChannel>().ToList();
        channels.Select(c => c.Id).ShouldContain("BBC1HD");
        channels.Single(c => c.Id == "STARPLUS").DisplayNames.Select(d => d.Value).ShouldBe(["Star Plus", "101"]);
        var actual = items.OfType<XmltvProgramme>().Select(Comparable).Order(StringComparer.Ordinal).ToList();
        actual.Count.ShouldBe(expected.Count);
        actual.ShouldBe(expected);
    }

    [Fact]
    public async Task Lean_programmes_stored_without_details_export_exactly_as_they_were_read()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        await db.MapGeneratedChannelsAsync("STARPLUS", "SONYSET");
        using var file = EpgTestSupport.Generate(new XmltvGeneratorOptions { Channels = 2, ProgrammesPerChannel = 100, Details = false, MissingStopRate = 0.1 }, out _);
        var original = new XmltvNormaliser().Normalise(XmltvReader.ReadAll(file, leaveOpen: true)).ToList();
        original.ShouldAllBe(n => !XmltvGuideMapping.NeedsDetails(n.Programme));
        file.Position = 0;
        (await db.Importer().ImportAsync(file, "lean.xml")).Result.Inserted.ShouldBe(200);
        (await db.CountAsync("SELECT count(*) FROM hub.epg_programme WHERE details IS NOT NULL")).ShouldBe(0);

        using var output = new MemoryStream();
        await db.Exporter().ExportAsync(output, new GuideAudience.Channels(["STARPLUS", "SONYSET"]));

        output.Position = 0;
        var codes = new Dictionary<string, string> { ["ch001.cablehub.example"] = "STARPLUS", ["ch002.cablehub.example"] = "SONYSET" };
        var expected = original.Select(n => Comparable(n.Programme with { Channel = codes[n.Programme.Channel], Start = n.Start, Stop = n.Stop })).Order(StringComparer.Ordinal);
        XmltvReader.ReadAll(output).OfType<XmltvProgramme>().Select(Comparable).Order(StringComparer.Ordinal).ShouldBe(expected);
    }

    [Fact]
    public async Task A_subscribers_export_holds_only_their_entitled_channels_and_round_trips_through_the_reader()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        await db.MapGeneratedChannelsAsync("STARPLUS", "SONYSET", "STARSPORTS1", "DDNATIONAL");
        using (var file = EpgTestSupport.Generate(new XmltvGeneratorOptions { Channels = 4, ProgrammesPerChannel = 50, Start = EpgTestSupport.Utc(2026, 1, 5, 0), TitleLanguages = ["hi", "en"] }, out _))
        {
            (await db.Importer().ImportAsync(file, "lineup.xml")).Result.Inserted.ShouldBe(200);
        }

        using var output = new MemoryStream();
        var result = await db.Exporter().ExportAsync(output, new GuideAudience.Customer(db.ActiveCustomers[0]));

        output.Position = 0;
        var items = XmltvReader.ReadAll(output).ToList();
        items.OfType<XmltvChannel>().Select(c => c.Id).ShouldBe(["DDNATIONAL", "STARPLUS", "STARGOLD", "SONYSET", "SONYMAX", "ZEETV"]);
        var programmes = items.OfType<XmltvProgramme>().ToList();
        result.Programmes.ShouldBe(150);
        programmes.Count.ShouldBe(150);
        programmes.Select(p => p.Channel).Distinct().ShouldBe(["DDNATIONAL", "STARPLUS", "SONYSET"], ignoreOrder: true);
        programmes.ShouldNotContain(p => p.Channel == "STARSPORTS1");
        programmes.ShouldAllBe(p => p.Titles.Count == 2 && p.Titles[0].Lang == "hi" && p.Titles[1].Lang == "en");
        var guide = await db.Epg().ScheduleAsync(new GuideAudience.Channels(["STARPLUS"]), EpgTestSupport.Utc(2026, 1, 1), EpgTestSupport.Utc(2026, 2, 1), "en");
        programmes.Where(p => p.Channel == "STARPLUS").Select(p => (p.Start, p.TitleFor("en"))).ShouldBe(guide.Select(g => (g.Start, (string?)g.Title)));

        using var byBox = new MemoryStream();
        await db.Exporter().ExportAsync(byBox, new GuideAudience.Device("STB-1"));
        byBox.ToArray().ShouldBe(output.ToArray());

        using var terminated = new MemoryStream();
        var none = await db.Exporter().ExportAsync(terminated, new GuideAudience.Customer(db.TerminatedCustomer));
        none.ShouldBe(new XmltvExportResult(0, 0));
        terminated.Position = 0;
        XmltvReader.ReadAll(terminated).OfType<XmltvItem>().Where(i => i is XmltvChannel or XmltvProgramme).ShouldBeEmpty();
    }

    /// <summary>A programme as comparable text: JSON without the line number, credits in DTD order (as the writer writes them).</summary>
    private static string Comparable(XmltvProgramme p) =>
        JsonSerializer.Serialize(p with { LineNumber = 0, Credits = p.Credits.OrderBy(c => c.Kind).ToArray() }, Json);
}
