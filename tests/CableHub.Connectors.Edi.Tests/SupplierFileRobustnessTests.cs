using System.Text;
using System.Text.Json;
using CableHub.Connectors.Edi.Json;
using CableHub.Connectors.Edi.ShipNotices;
using CableHub.Connectors.Edi.X12;

namespace CableHub.Connectors.Edi.Tests;

/// <summary>
/// Supplier files as they really arrive, built from the shared fixtures the way they were found: re-saved by a Windows
/// tool with U+2026 '…' (UTF-8 E2 80 A6) and CR LF after every segment; a terminator cut in the middle of its bytes;
/// the Windows-1252 '…' (one byte 0x85); and a ship notice with an empty mandatory element (BSN02) among other faults.
/// </summary>
public sealed class SupplierFileRobustnessTests
{
    private static readonly byte[] Ellipsis = Encoding.UTF8.GetBytes("\u2026");

    /// <summary>The fixture with every segment terminator (the byte after ISA16, with the line break after it) replaced by <paramref name="terminator"/>.</summary>
    private static byte[] WithTerminator(string fixture, byte[] terminator)
    {
        var bytes = Fixture.Bytes(fixture);
        var original = bytes[105];
        var output = new MemoryStream();
        foreach (var segment in bytes.AsSpan().Split(original))
        {
            var text = bytes.AsSpan(segment).Trim("\r\n"u8);
            if (text.Length > 0)
            {
                output.Write(text);
                output.Write(terminator);
            }
        }

        return output.ToArray();
    }

    private static string Write(byte[] bytes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cablehub-edi-{Guid.NewGuid():N}.edi");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static (int Code, string Output, string Error) Parse(byte[] bytes, bool json = true)
    {
        var path = Write(bytes);
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var code = EdiParseCommand.Run(new EdiParseCommandOptions(path) { Json = json }, output, error);
            return (code, output.ToString(), error.ToString().Replace(path, "FILE", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The neutral ship notices of a document, with their warnings' reasons (their byte offsets depend on the terminator's length).</summary>
    private static string NoticeJson(X12Document document) =>
        string.Join('\n', document.Interchanges.SelectMany(i => i.Groups.SelectMany(g => g.Transactions).Select(t =>
        {
            var notice = ShipNoticeMapper.FromX12(t, i.Header);
            return EdiJson.Serialize(notice with { Warnings = [] }) + string.Join('\n', notice.Warnings.Select(w => $"{w.SegmentNumber} {w.Reason}"));
        })));

    [Fact]
    public void A_multi_byte_UTF8_terminator_after_ISA16_is_taken_as_the_whole_character()
    {
        var windows = WithTerminator(Fixture.NodeX12, [.. Ellipsis, (byte)'\r', (byte)'\n']);
        var original = X12Parser.Parse(Fixture.Bytes(Fixture.NodeX12));

        var document = X12Parser.Parse(windows); // strict: any error would throw

        var delimiters = document.Interchanges.Single().Header.Delimiters;
        delimiters.Segment.ShouldBe('\u2026');
        delimiters.Utf8Segment.ShouldBeTrue();
        delimiters.SegmentBytes.ShouldBe(Ellipsis);
        delimiters.ToString().ShouldBe("element '*', component '>', segment U+2026 (UTF-8 E2 80 A6), repetition '-'");
        document.Transactions.Single().SegmentCount.ShouldBe(original.Transactions.Single().SegmentCount);
        NoticeJson(document).ShouldBe(NoticeJson(original));
    }

    [Fact]
    public void A_multi_byte_terminator_cut_by_the_read_buffer_is_still_found()
    {
        var windows = WithTerminator(Fixture.Crossdock, [.. Ellipsis, (byte)'\r', (byte)'\n']);
        var options = new X12ReaderOptions { BufferSize = 1024, ErrorMode = EdiErrorMode.Collect };

        using var trickle = new TrickleStream(windows, seed: 11, maxChunk: 5);
        var document = X12Parser.Parse(trickle, options);

        document.AllErrors.ShouldBeEmpty();
        NoticeJson(document).ShouldBe(NoticeJson(X12Parser.Parse(Fixture.Bytes(Fixture.Crossdock), options)));
    }

    [Fact]
    public void Edi_parse_reads_the_Windows_file_and_names_its_terminator_without_raw_bytes()
    {
        var (code, output, error) = Parse(WithTerminator(Fixture.NodeX12, [.. Ellipsis, (byte)'\r', (byte)'\n']), json: false);

        code.ShouldBe(0, error);
        error.ShouldBeEmpty();
        output.ShouldContain("segment U+2026 (UTF-8 E2 80 A6)");
        output.ShouldContain("856 0008: ship notice 829716, 4 HL levels, 2 items");
        output.ShouldContain("no issues");
    }

    [Fact]
    public void The_997_for_such_a_file_ends_its_segments_with_the_same_character()
    {
        var received = X12Parser.Parse(WithTerminator(Fixture.NodeX12, [.. Ellipsis, (byte)'\r', (byte)'\n']), new X12ReaderOptions { ErrorMode = EdiErrorMode.Collect });

        var ack = X12FunctionalAcknowledgement.ToBytes(received.Interchanges.Single(), new X12AcknowledgementOptions(7, 7, new DateTimeOffset(2024, 1, 15, 10, 30, 0, TimeSpan.Zero)));

        var text = Encoding.UTF8.GetString(ack);
        text.ShouldContain("\u2026\nGS*FA*");
        var parsed = X12Parser.Parse(ack);
        parsed.Interchanges.Single().Header.Delimiters.Segment.ShouldBe('\u2026');
        parsed.Transactions.Single().TransactionSetId.ShouldBe("997");
    }

    [Fact]
    public void A_broken_multi_byte_terminator_is_a_clear_ISA_error_that_shows_its_bytes_escaped()
    {
        // The '…' lost its last byte on the way (E2 80, then CR LF): no character, no usable terminator.
        var (code, output, error) = Parse(WithTerminator(Fixture.NodeX12, [0xE2, 0x80, (byte)'\r', (byte)'\n']));

        code.ShouldBe(1);
        output.ShouldBeEmpty();
        error.ShouldBe(@"edi parse: FILE: segment 1 (ISA at byte 0): the segment terminator after ISA16 is a broken UTF-8 character: bytes \xE2\x80\r " +
                       "do not make one (a non-ASCII terminator such as '…' damaged when the file was converted?)" + Environment.NewLine);
    }

    [Fact]
    public void Stray_bytes_before_a_segment_are_shown_escaped_in_every_message()
    {
        // A damaged byte (a continuation byte of a lost '…') in front of GS: the segment id is not text any more.
        var bytes = Fixture.Bytes(Fixture.NodeX12);
        var gs = bytes.AsSpan().IndexOf("\nGS*"u8) + 1;
        byte[] damaged = [.. bytes[..gs], 0x80, 0xA6, .. bytes[gs..]];

        Should.Throw<EdiParseException>(() => X12Parser.Parse(damaged)).Message
            .ShouldBe(@"segment 2 (\x80\xA6GS at byte 107): segment \x80\xA6GS is outside a functional group (GS missing)");
        var (code, output, error) = Parse(damaged);

        code.ShouldBe(1);
        using var json = JsonDocument.Parse(output);
        var messages = json.RootElement.GetProperty("issues").EnumerateArray().Select(i => i.GetProperty("message").GetString()!).ToList();
        messages.Count.ShouldBeGreaterThan(1, "all findings at once");
        messages[0].ShouldBe(@"segment 2 (\x80\xA6GS at byte 107): segment \x80\xA6GS is outside a functional group (GS missing)");
        foreach (var text in messages.Append(error))
        {
            text.Where(c => c is < ' ' and not '\n' and not '\r' || c is >= '\u007F' and <= '\u00FF' || c == '\uFFFD').ShouldBeEmpty("no raw input bytes: " + text);
        }
    }

    [Fact]
    public void A_single_byte_Windows_1252_ellipsis_stays_a_one_byte_terminator()
    {
        var document = X12Parser.Parse(WithTerminator(Fixture.NodeX12, [0x85, (byte)'\r', (byte)'\n']));

        var delimiters = document.Interchanges.Single().Header.Delimiters;
        delimiters.Segment.ShouldBe('\u0085');
        delimiters.Utf8Segment.ShouldBeFalse();
        delimiters.ToString().ShouldContain("segment 0x85");
        NoticeJson(document).ShouldBe(NoticeJson(X12Parser.Parse(Fixture.Bytes(Fixture.NodeX12))));
    }

    private static byte[] EmptyBsn02(params (string From, string To)[] more)
    {
        var text = Encoding.ASCII.GetString(Fixture.Bytes(Fixture.NodeX12)).Replace("BSN*14*829716*", "BSN*14**", StringComparison.Ordinal);
        foreach (var (from, to) in more)
        {
            text.ShouldContain(from);
            text = text.Replace(from, to, StringComparison.Ordinal);
        }

        return Encoding.ASCII.GetBytes(text);
    }

    [Fact]
    public void An_empty_BSN02_still_rejects_the_file_when_parsing_strictly_as_import_does()
    {
        using var stream = new MemoryStream(EmptyBsn02());

        var ex = Should.Throw<EdiParseException>(() => EdiDocumentParser.Parse(stream));

        ex.Error.Message.ShouldBe("segment 4 (BSN at byte 174): BSN02 shipment identification is missing");
    }

    [Fact]
    public void Edi_parse_shows_the_whole_document_and_the_empty_BSN02_as_an_issue_with_its_position()
    {
        var (code, output, error) = Parse(EmptyBsn02());

        code.ShouldBe(1, "an error");
        error.ShouldBe($"edi parse: FILE: segment 4 (BSN at byte 174): BSN02 shipment identification is missing{Environment.NewLine}");
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        var issue = root.GetProperty("issues").EnumerateArray().Single();
        issue.GetProperty("severity").GetString().ShouldBe("Error");
        issue.GetProperty("segmentNumber").GetInt64().ShouldBe(4);
        issue.GetProperty("segmentId").GetString().ShouldBe("BSN");
        issue.GetProperty("element").GetInt32().ShouldBe(2);
        issue.GetProperty("location").GetString().ShouldBe("BSN02");
        issue.GetProperty("byteOffset").GetInt64().ShouldBe(174);
        issue.GetProperty("transaction").GetString().ShouldBe("856 0008");
        issue.GetProperty("reason").GetString().ShouldBe("BSN02 shipment identification is missing");

        // The clerk still sees the whole document: levels, items, the purchase order.
        var transaction = root.GetProperty("x12").GetProperty("interchanges")[0].GetProperty("groups")[0].GetProperty("transactions")[0];
        transaction.GetProperty("accepted").GetBoolean().ShouldBeFalse();
        transaction.GetProperty("shipNotice").GetProperty("levels").GetArrayLength().ShouldBe(4);
        root.GetProperty("shipNotices")[0].GetProperty("orders")[0].GetProperty("purchaseOrderNumber").GetString().ShouldBe("99999817");
    }

    [Fact]
    public void Edi_parse_reports_everything_wrong_at_once_in_file_order()
    {
        var bytes = EmptyBsn02(("SN1*2*6*EA~", "SN1*2*six*EA~"), ("SE*31*0008~", "SE*30*0008~"));

        var (code, output, error) = Parse(bytes, json: false);

        code.ShouldBe(1);
        error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(4, output + error);
        output.ShouldContain("issues: 4 error(s), 0 warning(s)");
        output.Split('\n').Where(l => l.StartsWith("  error: ", StringComparison.Ordinal)).ShouldBe(
        [
            "  error: segment 4 (BSN at byte 174): BSN02 shipment identification is missing",
            "  error: segment 29 (SN1 at byte 675): SN102 'six' is not a number",
            "  error: segment 32 (CTT at byte 722): CTT02 hash total 30 does not match the sum of SN102 quantities (24 on item levels, 24 on all levels)",
            "  error: segment 33 (SE at byte 732): SE01 segment count 30 does not match the 31 segments from ST to SE",
        ]);
    }

    [Fact]
    public void Warnings_alone_are_listed_and_exit_zero()
    {
        var (code, output, error) = Parse(Fixture.Bytes(Fixture.Crossdock));

        code.ShouldBe(0);
        error.ShouldBeEmpty();
        using var json = JsonDocument.Parse(output);
        var issues = json.RootElement.GetProperty("issues").EnumerateArray().ToList();
        issues.Count.ShouldBe(5);
        issues.ShouldAllBe(i => i.GetProperty("severity").GetString() == "Warning" && i.GetProperty("location").GetString() == "MAN02");
        issues.Select(i => i.GetProperty("segmentNumber").GetInt64()).ShouldBeInOrder();
    }
}
