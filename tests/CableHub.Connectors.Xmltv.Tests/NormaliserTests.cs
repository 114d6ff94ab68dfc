using System.Text.Json;

namespace CableHub.Connectors.Xmltv.Tests;

public sealed class NormaliserTests
{
    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

    private static int Count(EpgCheckReport report, XmltvIssueCode code) =>
        report.IssueCounts.SingleOrDefault(c => c.Code == code)?.Count ?? 0;

    private static void ShouldBeContiguousPerChannel(List<NormalisedProgramme> programmes)
    {
        foreach (var channel in programmes.GroupBy(p => p.LineupChannelId))
        {
            var list = channel.ToList();
            for (var i = 1; i < list.Count; i++)
            {
                list[i].Start.ShouldBeGreaterThan(list[i - 1].Start);
                list[i - 1].Stop.ShouldBe(list[i].Start, $"line {list[i - 1].Programme.LineNumber} should end where line {list[i].Programme.LineNumber} starts");
            }
        }
    }

    [Theory]
    [InlineData(XmltvOverlapPolicy.Keep)]
    [InlineData(XmltvOverlapPolicy.Trim)]
    [InlineData(XmltvOverlapPolicy.Drop)]
    public void Overlaps_are_handled_by_policy_and_reported(XmltvOverlapPolicy policy)
    {
        using var file = TestFiles.Generate(new XmltvGeneratorOptions { Channels = 4, ProgrammesPerChannel = 300, OverlapRate = 0.3, Seed = 7 }, out var generated);
        generated.Overlaps.ShouldBeGreaterThan(50);

        var (programmes, report) = TestFiles.Normalise(file, new XmltvNormaliserOptions { OverlapPolicy = policy });

        report.Programmes.ShouldBe(1200);
        switch (policy)
        {
            case XmltvOverlapPolicy.Keep:
                Count(report, XmltvIssueCode.Overlap).ShouldBe(generated.Overlaps);
                report.ProgrammesAccepted.ShouldBe(1200);
                programmes.Count(p => p.Stop != p.Programme.Stop).ShouldBe(0);
                programmes.GroupBy(p => p.LineupChannelId).Sum(g => g.Zip(g.Skip(1)).Count(x => x.First.Stop > x.Second.Start))
                    .ShouldBe(generated.Overlaps);
                break;
            case XmltvOverlapPolicy.Trim:
                Count(report, XmltvIssueCode.OverlapTrimmed).ShouldBe(generated.Overlaps);
                report.ProgrammesAccepted.ShouldBe(1200);
                programmes.Count(p => p.Stop < p.Programme.Stop).ShouldBe(generated.Overlaps);
                ShouldBeContiguousPerChannel(programmes);
                break;
            case XmltvOverlapPolicy.Drop:
                Count(report, XmltvIssueCode.OverlapDropped).ShouldBe(generated.Overlaps);
                report.ProgrammesAccepted.ShouldBe(1200 - generated.Overlaps);
                report.ProgrammesSkipped.ShouldBe(generated.Overlaps);
                programmes.GroupBy(p => p.LineupChannelId).Sum(g => g.Zip(g.Skip(1)).Count(x => x.First.Stop > x.Second.Start)).ShouldBe(0);
                break;
        }

        programmes.Count.ShouldBe((int)report.ProgrammesAccepted);
        report.Issues.ShouldAllBe(i => i.LineNumber > 0 && i.Channel != null);
    }

    [Fact]
    public void Same_start_overlap_keeps_the_first_in_file_when_trimming()
    {
        var xml = TestFiles.Tv("""
            <programme start="20250101060000 +0000" stop="20250101070000 +0000" channel="a"><title>First</title></programme>
            <programme start="20250101060000 +0000" stop="20250101063000 +0000" channel="a"><title>Second</title></programme>
            <programme start="20250101070000 +0000" stop="20250101080000 +0000" channel="a"><title>Third</title></programme>
            """);

        var (programmes, report) = TestFiles.Normalise(xml);

        programmes.Select(p => p.Programme.Title).ShouldBe(["First", "Third"]);
        var issue = report.Issues.Single(i => i.Severity != XmltvIssueSeverity.Info);
        (issue.Code, issue.LineNumber, issue.Skipped).ShouldBe((XmltvIssueCode.OverlapDropped, 5, true));
    }

    [Fact]
    public void Keep_reports_every_programme_inside_a_long_one()
    {
        var xml = TestFiles.Tv("""
            <programme start="20250101060000 +0000" stop="20250101100000 +0000" channel="a"><title>Marathon</title></programme>
            <programme start="20250101070000 +0000" stop="20250101080000 +0000" channel="a"><title>Inside 1</title></programme>
            <programme start="20250101080000 +0000" stop="20250101090000 +0000" channel="a"><title>Inside 2</title></programme>
            <programme start="20250101100000 +0000" stop="20250101110000 +0000" channel="a"><title>After</title></programme>
            """, channels: """<channel id="a"><display-name>A</display-name></channel>""");

        var (keep, keepReport) = TestFiles.Normalise(xml, new XmltvNormaliserOptions { OverlapPolicy = XmltvOverlapPolicy.Keep });
        keep.Count.ShouldBe(4);
        keepReport.Issues.Select(i => (i.LineNumber, i.Code)).ShouldBe([(5, XmltvIssueCode.Overlap), (6, XmltvIssueCode.Overlap)]);
        keepReport.Issues[1].Message.ShouldContain("overlaps an earlier programme by 120 min");

        var (trim, _) = TestFiles.Normalise(xml, new XmltvNormaliserOptions { OverlapPolicy = XmltvOverlapPolicy.Trim });
        trim.Select(p => (p.Programme.Title, p.Stop.Hour)).ShouldBe([("Marathon", 7), ("Inside 1", 8), ("Inside 2", 9), ("After", 11)]);

        var (drop, _) = TestFiles.Normalise(xml, new XmltvNormaliserOptions { OverlapPolicy = XmltvOverlapPolicy.Drop });
        drop.Select(p => p.Programme.Title).ShouldBe(["Marathon", "After"]);
    }

    [Fact]
    public void A_normaliser_is_for_one_file()
    {
        var normaliser = new XmltvNormaliser();
        _ = normaliser.Normalise([]).ToList();
        Should.Throw<InvalidOperationException>(() => normaliser.Normalise([]).ToList());
    }

    [Fact]
    public void Exact_duplicates_are_dropped_and_reported()
    {
        using var file = TestFiles.Generate(new XmltvGeneratorOptions { Channels = 3, ProgrammesPerChannel = 200, DuplicateRate = 0.25, Seed = 3 }, out var generated);
        generated.Duplicates.ShouldBeGreaterThan(30);

        var (programmes, report) = TestFiles.Normalise(file);

        report.Programmes.ShouldBe(generated.Programmes);
        Count(report, XmltvIssueCode.Duplicate).ShouldBe(generated.Duplicates);
        report.ProgrammesAccepted.ShouldBe(generated.DistinctProgrammes);
        programmes.Count.ShouldBe(600);
        ShouldBeContiguousPerChannel(programmes);
        var dup = report.Issues.First(i => i.Code == XmltvIssueCode.Duplicate);
        dup.Message.ShouldContain($"duplicates line {dup.LineNumber - 22}");
    }

    [Fact]
    public void A_different_programme_at_the_same_time_is_not_a_duplicate()
    {
        var xml = TestFiles.Tv("""
            <programme start="20250101060000 +0000" stop="20250101070000 +0000" channel="a"><title>News</title><sub-title>Morning</sub-title></programme>
            <programme start="20250101060000 +0000" stop="20250101070000 +0000" channel="a"><title>News</title><sub-title>Special</sub-title></programme>
            """);

        var (_, report) = TestFiles.Normalise(xml, new XmltvNormaliserOptions { OverlapPolicy = XmltvOverlapPolicy.Keep });

        Count(report, XmltvIssueCode.Duplicate).ShouldBe(0);
        Count(report, XmltvIssueCode.Overlap).ShouldBe(1);
    }

    [Fact]
    public void Missing_stops_are_inferred_from_the_next_programme()
    {
        using var file = TestFiles.Generate(new XmltvGeneratorOptions
        {
            Channels = 3, ProgrammesPerChannel = 150, MissingStopRate = 0.4, MissingStopAtChannelEnd = true, Seed = 5,
        }, out var generated);
        generated.MissingStops.ShouldBeGreaterThan(30);
        generated.MissingStopsAtChannelEnd.ShouldBe(3);

        var (programmes, report) = TestFiles.Normalise(file);

        Count(report, XmltvIssueCode.StopInferred).ShouldBe(generated.MissingStops);
        Count(report, XmltvIssueCode.StopMissing).ShouldBe(3);
        report.ProgrammesAccepted.ShouldBe(450 - 3);
        programmes.Count(p => p.Programme.Stop is null).ShouldBe(generated.MissingStops);
        ShouldBeContiguousPerChannel(programmes);
        report.Issues.Where(i => i.Code == XmltvIssueCode.StopMissing).ShouldAllBe(i => i.Skipped && i.Severity == XmltvIssueSeverity.Warning);
    }

    [Fact]
    public void The_last_programme_without_a_stop_gets_the_default_duration_when_configured()
    {
        using var file = TestFiles.Generate(new XmltvGeneratorOptions { Channels = 2, ProgrammesPerChannel = 20, MissingStopAtChannelEnd = true }, out _);

        var (programmes, report) = TestFiles.Normalise(file, new XmltvNormaliserOptions { DefaultDuration = TimeSpan.FromMinutes(45) });

        report.ProgrammesAccepted.ShouldBe(40);
        Count(report, XmltvIssueCode.StopDefaulted).ShouldBe(2);
        foreach (var last in programmes.GroupBy(p => p.LineupChannelId).Select(g => g.Last()))
        {
            last.Programme.Stop.ShouldBeNull();
            last.Stop.ShouldBe(last.Start + TimeSpan.FromMinutes(45));
        }
    }

    [Fact]
    public void All_defects_together_in_time_order_give_exact_counts()
    {
        using var file = TestFiles.Generate(new XmltvGeneratorOptions
        {
            Channels = 12,
            ProgrammesPerChannel = 250,
            DuplicateRate = 0.1,
            OverlapRate = 0.15,
            MissingStopRate = 0.15,
            Order = XmltvGeneratedOrder.ByTime,
            Seed = 11,
        }, out var generated);

        var (programmes, report) = TestFiles.Normalise(file, new XmltvNormaliserOptions { OverlapPolicy = XmltvOverlapPolicy.Drop, MaxIssues = 100 });

        report.Programmes.ShouldBe(generated.Programmes);
        Count(report, XmltvIssueCode.Duplicate).ShouldBe(generated.Duplicates);
        Count(report, XmltvIssueCode.OverlapDropped).ShouldBe(generated.Overlaps);
        Count(report, XmltvIssueCode.StopInferred).ShouldBe(generated.MissingStops);
        report.ProgrammesAccepted.ShouldBe(generated.DistinctProgrammes - generated.Overlaps);
        report.ProgrammesAccepted.ShouldBe(report.Programmes - report.ProgrammesSkipped);
        report.ChannelsWithProgrammes.ShouldBe(12);
        report.Channels.Sum(c => c.Accepted).ShouldBe(report.ProgrammesAccepted);
        report.From.ShouldBe(generated.From);
        report.Issues.Count.ShouldBe(100);
        report.IssueCounts.Sum(c => c.Count).ShouldBe(generated.Duplicates + generated.Overlaps + generated.MissingStops);
        report.IssuesTruncated.ShouldBeTrue();
        report.Issues.Select(i => i.LineNumber).ShouldBeInOrder();
        programmes.Count.ShouldBe((int)report.ProgrammesAccepted);
    }

    [Fact]
    public void Zone_names_bst_in_summer_and_gmt_in_winter_give_the_same_instants_as_utc_offsets()
    {
        // From Saturday 29 March 2025 across the change to summer time (Sunday 30 March, 01:00 UTC).
        var start = TestFiles.Utc(2025, 3, 29, 6);
        var utcOptions = new XmltvGeneratorOptions { Channels = 3, ProgrammesPerChannel = 80, Start = start, Seed = 21 };
        using var utcFile = TestFiles.Generate(utcOptions, out _);
        using var namedFile = TestFiles.Generate(utcOptions with { Times = XmltvGeneratedTimes.ZoneAbbreviation, TimeZone = London }, out _);
        var text = System.Text.Encoding.UTF8.GetString(namedFile.ToArray());
        text.ShouldContain("start=\"20250329060000 GMT\"");
        text.ShouldContain(" BST\"");

        var expected = TestFiles.Normalise(utcFile).Programmes.Select(p => (p.LineupChannelId, p.Start, p.Stop)).ToList();
        var (named, report) = TestFiles.Normalise(namedFile);

        named.Select(p => (p.LineupChannelId, p.Start, p.Stop)).ShouldBe(expected);
        report.Errors.ShouldBe(0);
        report.Warnings.ShouldBe(0);
        expected.Max(p => p.Stop).ShouldBeGreaterThan(TestFiles.Utc(2025, 3, 31));
    }

    [Fact]
    public void Bst_label_is_an_hour_ahead_of_gmt()
    {
        var xml = TestFiles.Tv("""
            <programme start="20250701180000 BST" stop="20250701190000 BST" channel="a"><title>Summer</title></programme>
            <programme start="20250101180000 GMT" stop="20250101190000 GMT" channel="b"><title>Winter</title></programme>
            """);

        var programmes = TestFiles.Normalise(xml).Programmes;

        programmes.Single(p => p.Programme.Title == "Summer").Start.ShouldBe(TestFiles.Utc(2025, 7, 1, 17));
        programmes.Single(p => p.Programme.Title == "Winter").Start.ShouldBe(TestFiles.Utc(2025, 1, 1, 18));
    }

    [Fact]
    public void No_offset_times_in_the_configured_zone_cross_the_spring_change_exactly()
    {
        var start = TestFiles.Utc(2025, 3, 29, 6);
        var options = new XmltvGeneratorOptions { Channels = 2, ProgrammesPerChannel = 80, Start = start, Seed = 22 };
        using var utcFile = TestFiles.Generate(options, out _);
        using var localFile = TestFiles.Generate(options with { Times = XmltvGeneratedTimes.NoOffset, TimeZone = London }, out _);

        var expected = TestFiles.Normalise(utcFile).Programmes.Select(p => (p.Start, p.Stop)).ToList();
        var (local, report) = TestFiles.Normalise(localFile, readerOptions: new XmltvReaderOptions { SourceTimeZone = London });

        local.Select(p => (p.Start, p.Stop)).ShouldBe(expected);
        report.Warnings.ShouldBe(0);

        // Without the source zone the same file is read as UTC: summer-time programmes land an hour late.
        var (asUtc, _) = TestFiles.Normalise(new MemoryStream(localFile.ToArray()));
        asUtc.Count(p => p.Start != expected[asUtc.IndexOf(p)].Start).ShouldBeGreaterThan(0);
    }

    [Fact]
    public void No_offset_times_in_the_autumn_repeated_hour_follow_the_channel_and_are_flagged()
    {
        // 26 October 2025, Europe/London: 01:00-02:00 local happens twice (BST, then GMT).
        var xml = TestFiles.Tv("""
            <programme start="20251026003000" stop="20251026013000" channel="a"><title>Before</title></programme>
            <programme start="20251026013000" stop="20251026010000" channel="a"><title>Across the change</title></programme>
            <programme start="20251026010000" stop="20251026020000" channel="a"><title>Second 01:00</title></programme>
            """, channels: """<channel id="a"><display-name>A</display-name></channel>""");

        var (programmes, report) = TestFiles.Normalise(xml, readerOptions: new XmltvReaderOptions { SourceTimeZone = London });

        programmes.Select(p => (p.Programme.Title, p.Start, p.Stop)).ShouldBe([
            ("Before", TestFiles.Utc(2025, 10, 25, 23, 30), TestFiles.Utc(2025, 10, 26, 0, 30)),
            ("Across the change", TestFiles.Utc(2025, 10, 26, 0, 30), TestFiles.Utc(2025, 10, 26, 1, 0)),
            ("Second 01:00", TestFiles.Utc(2025, 10, 26, 1, 0), TestFiles.Utc(2025, 10, 26, 2, 0)),
        ]);
        report.Warnings.ShouldBe(0);
        var ambiguous = report.Issues.Where(i => i.Code == XmltvIssueCode.AmbiguousLocalTime).ToList();
        ambiguous.Select(i => i.LineNumber).ShouldBe([4, 5, 5, 6]);
        ambiguous[0].Message.ShouldBe("stop '20251026013000' occurs twice in Europe/London (clocks go back); read as 20251026003000 +0000, the first occurrence");
        ambiguous[2].Message.ShouldBe("stop '20251026010000' occurs twice in Europe/London (clocks go back); read as 20251026010000 +0000, the second occurrence, as the first is not after the start");
        ambiguous[3].Message.ShouldEndWith("the second occurrence, as the first is before the channel's previous programme ends");
    }

    [Theory]
    [InlineData(XmltvGeneratedOrder.ByChannel)]
    [InlineData(XmltvGeneratedOrder.ByTime)]
    public void No_offset_times_across_the_autumn_change_are_exact_except_where_flagged_ambiguous(XmltvGeneratedOrder order)
    {
        // A local stop such as 01:35 after a 00:35 start cannot tell a 1-hour from a 2-hour programme: the file lacks
        // the information. Everything else must be exact, and every programme that is not must carry the flag.
        var start = TestFiles.Utc(2025, 10, 25, 6);
        var options = new XmltvGeneratorOptions { Channels = 6, ProgrammesPerChannel = 80, Start = start, Seed = 23, Order = order };
        using var utcFile = TestFiles.Generate(options, out _);
        using var localFile = TestFiles.Generate(options with { Times = XmltvGeneratedTimes.NoOffset, TimeZone = London }, out _);

        var expected = TestFiles.Normalise(utcFile).Programmes.Select(p => (p.LineupChannelId, p.Start, p.Stop)).ToHashSet();
        var (local, report) = TestFiles.Normalise(localFile, readerOptions: new XmltvReaderOptions { SourceTimeZone = London, }, options: new XmltvNormaliserOptions { MaxIssues = 10_000 });

        local.Count.ShouldBe(expected.Count);
        var flagged = report.Issues.Where(i => i.Code == XmltvIssueCode.AmbiguousLocalTime).Select(i => i.LineNumber).ToHashSet();
        flagged.Count.ShouldBeGreaterThan(0);
        var inexact = local.Where(p => !expected.Contains((p.LineupChannelId, p.Start, p.Stop))).ToList();
        inexact.ShouldAllBe(p => flagged.Contains(p.Programme.LineNumber));
        inexact.Count.ShouldBeLessThanOrEqualTo(flagged.Count);
        local.Count(p => flagged.Contains(p.Programme.LineNumber)).ShouldBeGreaterThan(inexact.Count);
        report.Errors.ShouldBe(0);
    }

    [Fact]
    public void Programmes_for_undeclared_channels_are_reported_once_and_kept()
    {
        var xml = TestFiles.Tv("""
            <programme start="20250101060000 +0000" stop="20250101070000 +0000" channel="a"><title>A1</title></programme>
            <programme start="20250101060000 +0000" stop="20250101070000 +0000" channel="ghost"><title>G1</title></programme>
            <programme start="20250101070000 +0000" stop="20250101080000 +0000" channel="ghost"><title>G2</title></programme>
            """);

        var (programmes, report) = TestFiles.Normalise(xml);

        programmes.Count.ShouldBe(3);
        var issue = report.Issues.Single(i => i.Code == XmltvIssueCode.UndeclaredChannel);
        (issue.LineNumber, issue.Channel, issue.Severity).ShouldBe((5, "ghost", XmltvIssueSeverity.Warning));
        report.Channels.Single(c => c.SourceId == "ghost").Declared.ShouldBeFalse();
        report.Channels.Single(c => c.SourceId == "b").Programmes.ShouldBe(0);
        report.Issues.ShouldContain(i => i.Code == XmltvIssueCode.ChannelWithoutProgrammes && i.Channel == "b");
    }

    [Fact]
    public void Source_ids_are_mapped_to_the_lineup_and_unmapped_channels_skipped()
    {
        var xml = TestFiles.Tv("""
            <programme start="20250101060000 +0000" stop="20250101070000 +0000" channel="a"><title>A1</title></programme>
            <programme start="20250101070000 +0000" stop="20250101080000 +0000" channel="a"><title>A2</title></programme>
            <programme start="20250101060000 +0000" stop="20250101070000 +0000" channel="b"><title>B1</title></programme>
            <programme start="20250101060000 +0000" stop="20250101070000 +0000" channel="c"><title>C1</title></programme>
            """);
        var map = new Dictionary<string, string> { ["a"] = "lineup-101", ["c"] = "lineup-103", ["z"] = "lineup-999" };

        var (programmes, report) = TestFiles.Normalise(xml, new XmltvNormaliserOptions { ChannelMap = map });

        programmes.Select(p => (p.LineupChannelId, p.Programme.Title)).ShouldBe([("lineup-101", "A1"), ("lineup-101", "A2"), ("lineup-103", "C1")]);
        report.ProgrammesSkipped.ShouldBe(1);
        report.Issues.Single(i => i.Code == XmltvIssueCode.UnmappedChannel).Channel.ShouldBe("b");
        report.Issues.Single(i => i.Code == XmltvIssueCode.LineupChannelNotInFile).Message.ShouldContain("lineup-999");
        var a = report.Channels.Single(c => c.SourceId == "a");
        (a.LineupId, a.Accepted, a.From, a.To).ShouldBe(("lineup-101", 2L, TestFiles.Utc(2025, 1, 1, 6), TestFiles.Utc(2025, 1, 1, 8)));
        report.Channels.Single(c => c.SourceId == "b").LineupId.ShouldBeNull();
    }

    [Fact]
    public void Out_of_order_programmes_within_the_window_are_sorted()
    {
        var xml = TestFiles.Tv("""
            <programme start="20250101080000 +0000" stop="20250101090000 +0000" channel="a"><title>Third</title></programme>
            <programme start="20250101060000 +0000" channel="a"><title>First</title></programme>
            <programme start="20250101070000 +0000" stop="20250101080000 +0000" channel="a"><title>Second</title></programme>
            """);

        var (programmes, report) = TestFiles.Normalise(xml);

        programmes.Select(p => p.Programme.Title).ShouldBe(["First", "Second", "Third"]);
        programmes[0].Stop.ShouldBe(TestFiles.Utc(2025, 1, 1, 7));
        report.Warnings.ShouldBe(0);
        report.Errors.ShouldBe(0);
    }

    [Fact]
    public void Out_of_order_programmes_beyond_the_window_are_reported_and_skipped()
    {
        var xml = TestFiles.Tv("""
            <programme start="20250101090000 +0000" stop="20250101100000 +0000" channel="a"><title>Fourth</title></programme>
            <programme start="20250101080000 +0000" stop="20250101090000 +0000" channel="a"><title>Third</title></programme>
            <programme start="20250101070000 +0000" stop="20250101080000 +0000" channel="a"><title>Second</title></programme>
            <programme start="20250101060000 +0000" stop="20250101070000 +0000" channel="a"><title>First</title></programme>
            """);

        var (programmes, report) = TestFiles.Normalise(xml, new XmltvNormaliserOptions { ReorderWindow = 1 });

        programmes.Select(p => p.Programme.Title).ShouldBe(["Third", "Fourth"]);
        report.Issues.Where(i => i.Code == XmltvIssueCode.OutOfOrder).Select(i => i.LineNumber).ShouldBe([6, 7]);
        report.Errors.ShouldBe(2);
    }

    [Fact]
    public void Zero_and_negative_durations_are_reported_and_skipped()
    {
        var xml = TestFiles.Tv("""
            <programme start="20250101060000 +0000" stop="20250101060000 +0000" channel="a"><title>Zero</title></programme>
            <programme start="20250101060000 +0000" stop="20250101050000 +0000" channel="a"><title>Negative</title></programme>
            <programme start="20250101060000 +0000" stop="20250103060000 +0000" channel="a"><title>Two days</title></programme>
            """);

        var (programmes, report) = TestFiles.Normalise(xml);

        programmes.Select(p => p.Programme.Title).ShouldBe(["Two days"]);
        report.Issues.Where(i => i.Severity != XmltvIssueSeverity.Info).Select(i => (i.LineNumber, i.Code)).ShouldBe([
            (4, XmltvIssueCode.NonPositiveDuration),
            (5, XmltvIssueCode.NonPositiveDuration),
            (6, XmltvIssueCode.LongDuration),
        ]);
    }

    [Fact]
    public void The_report_renders_as_json_and_text()
    {
        var xml = TestFiles.Tv("""
            <programme start="20250101060000 +0000" stop="20250101073000 +0000" channel="a"><title>Long</title></programme>
            <programme start="20250101070000 +0000" stop="20250101080000 +0000" channel="a"><title>Next</title></programme>
            """, channels: """<channel id="a"><display-name>A</display-name></channel>""");
        var (_, report) = TestFiles.Normalise(xml);

        var json = EpgCheckReportFormat.ToJson(report);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        root.GetProperty("isReadable").GetBoolean().ShouldBeTrue();
        root.GetProperty("programmes").GetInt64().ShouldBe(2);
        root.GetProperty("overlapPolicy").GetString().ShouldBe("trim");
        root.GetProperty("from").GetString().ShouldBe("2025-01-01T06:00:00+00:00");
        var issue = root.GetProperty("issues")[0];
        issue.GetProperty("code").GetString().ShouldBe("overlap-trimmed");
        issue.GetProperty("severity").GetString().ShouldBe("warning");
        issue.GetProperty("lineNumber").GetInt32().ShouldBe(4);
        root.GetProperty("issueCounts")[0].GetProperty("count").GetInt32().ShouldBe(1);
        EpgCheckReportFormat.FromJson(json)!.Issues.Single().Code.ShouldBe(XmltvIssueCode.OverlapTrimmed);

        var text = EpgCheckReportFormat.ToText(report);
        text.ShouldContain("Programmes:  2 in file, 2 accepted, 0 skipped (overlap policy trim)");
        text.ShouldContain("Time range:  2025-01-01 06:00 UTC .. 2025-01-01 08:00 UTC");
        text.ShouldContain("test:4: warning overlap-trimmed [a]: 'Long' overlaps 'Next' (line 5) by 30 min: stop trimmed from 20250101073000 +0000 to 20250101070000 +0000");
    }

    [Fact]
    public void Check_of_a_malformed_file_reports_the_fault_and_is_not_readable()
    {
        var xml = "<tv>\n<channel id=\"a\"><display-name>A</display-name></channel>\n<programme start=\"20250101060000\" channel=\"a\"><title>x</title></programme>\n<programme start=\"20250101070000\" channel=\"a\"><title>y</programme>\n</tv>";

        var report = XmltvCheck.Check(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(xml)), sourceName: "bad.xml");

        report.IsReadable.ShouldBeFalse();
        report.Fatal.ShouldNotBeNull().Line.ShouldBe(4);
        report.Fatal.Reason.ShouldContain("does not match the end tag of 'programme'");
        EpgCheckReportFormat.ToText(report).ShouldStartWith("bad.xml:4:");
        JsonDocument.Parse(EpgCheckReportFormat.ToJson(report)).RootElement.GetProperty("fatal").GetProperty("line").GetInt32().ShouldBe(4);

        XmltvCheck.CheckFile(Path.Combine(AppContext.BaseDirectory, "Fixtures", "missing.xml")).Fatal.ShouldNotBeNull().Reason.ShouldContain("missing.xml");
    }

    [Fact]
    public async Task Async_check_gives_the_same_report_as_sync_check()
    {
        var path = TestFiles.Fixture("UK_Data.xml");
        var sync = XmltvCheck.CheckFile(path);
        await using var stream = File.OpenRead(path);
        var async = await XmltvCheck.CheckAsync(stream, sourceName: path, cancellationToken: TestContext.Current.CancellationToken);

        EpgCheckReportFormat.ToJson(async).ShouldBe(EpgCheckReportFormat.ToJson(sync));
        sync.ProgrammesAccepted.ShouldBe(1915);
        sync.IssueCounts.Single().ShouldBe(new EpgIssueCount(XmltvIssueCode.NonPositiveDuration, XmltvIssueSeverity.Warning, 49));
    }
}
