namespace CableHub.Connectors.Xmltv.Tests;

public sealed class TimeParserTests
{
    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    [Theory]
    [InlineData("20151126060000 +0000", "2015-11-26T06:00:00Z")]
    [InlineData("20151126060000 +0100", "2015-11-26T05:00:00Z")]
    [InlineData("20151126060000 -0530", "2015-11-26T11:30:00Z")]
    [InlineData("20151126060000 +01:00", "2015-11-26T05:00:00Z")]
    [InlineData("20151126060000 +01", "2015-11-26T05:00:00Z")]
    [InlineData("20151126060000+0200", "2015-11-26T04:00:00Z")]
    [InlineData("  20151126060000   +0000  ", "2015-11-26T06:00:00Z")]
    [InlineData("20151126060000.000 +0000", "2015-11-26T06:00:00Z")]
    [InlineData("200007281733 BST", "2000-07-28T16:33:00Z")]
    [InlineData("20000728173300 bst", "2000-07-28T16:33:00Z")]
    [InlineData("20250115120000 GMT", "2025-01-15T12:00:00Z")]
    [InlineData("20250115120000 UTC", "2025-01-15T12:00:00Z")]
    [InlineData("20250115120000 Z", "2025-01-15T12:00:00Z")]
    [InlineData("20250115120000 CET", "2025-01-15T11:00:00Z")]
    [InlineData("20250715120000 CEST", "2025-07-15T10:00:00Z")]
    [InlineData("20250115120000 EST", "2025-01-15T17:00:00Z")]
    [InlineData("20250715120000 EDT", "2025-07-15T16:00:00Z")]
    [InlineData("20250115120000 PST", "2025-01-15T20:00:00Z")]
    [InlineData("20250715120000 PDT", "2025-07-15T19:00:00Z")]
    [InlineData("19880523083000 +0300", "1988-05-23T05:30:00Z")]
    [InlineData("200209", "2002-09-01T00:00:00Z")]
    [InlineData("2002", "2002-01-01T00:00:00Z")]
    [InlineData("20020915", "2002-09-15T00:00:00Z")]
    [InlineData("2002091513", "2002-09-15T13:00:00Z")]
    public void Xmltv_times_parse_to_utc(string text, string expected)
    {
        var parser = new XmltvTimeParser();
        parser.TryParse(text, out var utc, out var local, out var error).ShouldBeTrue(error);
        utc.ShouldBe(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture));
        utc.Offset.ShouldBe(TimeSpan.Zero);
        local.ShouldBe(XmltvLocalTime.Unique);
    }

    [Theory]
    [InlineData("", "no date digits")]
    [InlineData("tomorrow", "no date digits")]
    [InlineData("2015112606", "")]
    [InlineData("201511260600000", "15 date digits")]
    [InlineData("20151326060000 +0000", "out of range")]
    [InlineData("20150230060000 +0000", "out of range")]
    [InlineData("20151126250000 +0000", "out of range")]
    [InlineData("20151126060000 XYZ", "unknown time zone 'XYZ'")]
    [InlineData("20151126060000 IST", "unknown time zone 'IST'")]
    [InlineData("20151126060000 +1600", "bad offset")]
    [InlineData("20151126060000 +01000", "bad offset")]
    public void Bad_times_fail_with_a_reason(string text, string reason)
    {
        var parser = new XmltvTimeParser();
        if (reason.Length == 0)
        {
            // 10 digits (YYYYMMDDhh) is a valid initial substring.
            parser.TryParse(text, out _, out _, out _).ShouldBeTrue();
            return;
        }

        parser.TryParse(text, out _, out _, out var error).ShouldBeFalse();
        error.ShouldNotBeNull().ShouldContain(reason);
    }

    [Fact]
    public void No_offset_means_the_source_zone_with_its_summer_time()
    {
        var parser = new XmltvTimeParser(London);
        parser.Parse("20250115120000").ShouldBe(TestFiles.Utc(2025, 1, 15, 12));
        parser.Parse("20250715120000").ShouldBe(TestFiles.Utc(2025, 7, 15, 11));

        var ny = new XmltvTimeParser(NewYork);
        ny.Parse("20250115120000").ShouldBe(TestFiles.Utc(2025, 1, 15, 17));
        ny.Parse("20250715120000").ShouldBe(TestFiles.Utc(2025, 7, 15, 16));

        // An explicit offset or zone name wins over the source zone.
        parser.Parse("20250715120000 +0000").ShouldBe(TestFiles.Utc(2025, 7, 15, 12));
        parser.Parse("20250715120000 EDT").ShouldBe(TestFiles.Utc(2025, 7, 15, 16));

        // The DTD's default is UTC.
        new XmltvTimeParser().Parse("20250715120000").ShouldBe(TestFiles.Utc(2025, 7, 15, 12));
    }

    [Fact]
    public void Local_times_in_the_spring_gap_and_autumn_overlap_are_resolved_and_flagged()
    {
        var parser = new XmltvTimeParser(London);

        // 30 March 2025: clocks go from 01:00 GMT to 02:00 BST; 01:30 does not exist.
        parser.TryParse("20250330013000", out var gap, out var gapKind, out _).ShouldBeTrue();
        gapKind.ShouldBe(XmltvLocalTime.Skipped);
        gap.ShouldBe(TestFiles.Utc(2025, 3, 30, 1, 30));
        parser.TryParse("20250330003000", out var before, out var beforeKind, out _).ShouldBeTrue();
        (before, beforeKind).ShouldBe((TestFiles.Utc(2025, 3, 30, 0, 30), XmltvLocalTime.Unique));
        parser.TryParse("20250330023000", out var after, out _, out _).ShouldBeTrue();
        after.ShouldBe(TestFiles.Utc(2025, 3, 30, 1, 30));

        // 26 October 2025: clocks go back from 02:00 BST to 01:00 GMT; 01:30 happens twice: the first (BST) is taken.
        parser.TryParse("20251026013000", out var twice, out var twiceKind, out _).ShouldBeTrue();
        twiceKind.ShouldBe(XmltvLocalTime.Ambiguous);
        twice.ShouldBe(TestFiles.Utc(2025, 10, 26, 0, 30));
    }

    [Fact]
    public void A_custom_abbreviation_table_replaces_the_default()
    {
        var parser = new XmltvTimeParser(zoneAbbreviations: new Dictionary<string, TimeSpan> { ["IST"] = new(5, 30, 0) });
        parser.Parse("20250101120000 IST").ShouldBe(TestFiles.Utc(2025, 1, 1, 6, 30));
        parser.TryParse("20250101120000 BST", out _, out _, out _).ShouldBeFalse();
    }

    [Fact]
    public void Formatting_writes_utc_with_a_zero_offset()
    {
        XmltvTime.Format(new DateTimeOffset(2025, 7, 1, 7, 0, 0, TimeSpan.FromHours(1))).ShouldBe("20250701060000 +0000");
        XmltvTime.FormatWithOffset(new DateTimeOffset(2025, 7, 1, 7, 0, 0, new TimeSpan(-3, -30, 0))).ShouldBe("20250701070000 -0330");
    }

    [Theory]
    [InlineData("1.11.0/1", 1, null, 11, null, 0, 1)]
    [InlineData("0 . 12/13 . 0/3", 0, null, 12, 13, 0, 3)]
    [InlineData("0..", 0, null, null, null, null, null)]
    [InlineData(".5.", null, null, 5, null, null, null)]
    [InlineData("2/4.9.", 2, 4, 9, null, null, null)]
    public void Xmltv_ns_episode_numbers_parse_zero_based(string text, int? s, int? ts, int? e, int? te, int? p, int? tp)
    {
        XmltvNsEpisode.TryParse(text, out var episode).ShouldBeTrue();
        episode.ShouldBe(new XmltvNsEpisode(s, ts, e, te, p, tp));
        episode!.Season.ShouldBe(s + 1);
        episode.Episode.ShouldBe(e + 1);
        episode.Part.ShouldBe(p + 1);
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("S01E02")]
    [InlineData("1.2.3.4")]
    [InlineData("a.b.c")]
    public void Bad_xmltv_ns_episode_numbers_are_rejected(string text) =>
        XmltvNsEpisode.TryParse(text, out _).ShouldBeFalse();
}
