using System.Text;
using CableHub.Connectors.Edi.Generation;
using CableHub.Connectors.Edi.X12;

namespace CableHub.Connectors.Edi.Tests;

public sealed class X12TokenizerTests
{
    private const string Isa = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240115*1030*^*00501*000000007*0*P*:~";

    [Fact]
    public void Delimiters_come_from_the_ISA_and_elements_components_and_repetitions_split_accordingly()
    {
        using var reader = new X12SegmentReader(Text.Stream(Isa + "REF*ZZ*A:B:C*X^Y^Z~"));

        reader.Read().ShouldBeTrue();
        reader.Delimiters.ShouldBe(new X12Delimiters('*', ':', '~', '^'));
        reader.Current.GetTrimmed(6).ShouldBe("SENDER");
        reader.Read().ShouldBeTrue();
        var segment = reader.Current;
        segment.IdString.ShouldBe("REF");
        segment.ElementCount.ShouldBe(3);
        Encoding.ASCII.GetString(segment.GetComponent(2, 2)).ShouldBe("B");
        Encoding.ASCII.GetString(segment.GetComponent(2, 4)).ShouldBeEmpty();
        segment.GetRepetitions(3).ShouldBe(["X", "Y", "Z"]);
        segment.GetString(7).ShouldBe("", "missing trailing elements read as empty");
        reader.SegmentNumber.ShouldBe(2);
        reader.SegmentOffset.ShouldBe(106);
        reader.Read().ShouldBeFalse();
    }

    [Fact]
    public void Version_00401_ISA11_U_is_not_a_repetition_separator()
    {
        using var reader = new X12SegmentReader(Text.Stream(Isa.Replace("*^*00501*", "*U*00401*", StringComparison.Ordinal)));
        reader.Read().ShouldBeTrue();
        reader.Delimiters.Repetition.ShouldBeNull();
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\n")]
    [InlineData("\r\n\t  ")]
    [InlineData("   ")]
    public void Line_breaks_and_indentation_between_segments_are_skipped(string between)
    {
        var text = "\uFEFF" + Isa + between + "GS*SH*A*B*20240115*1030*1*X*005010~" + between + between + "GE*0*1~" + between + "IEA*1*000000007~" + between;
        var document = X12Parser.Parse(Text.Bytes(text));

        document.Interchanges.Single().Groups.Single().Header.SenderCode.ShouldBe("A");
        document.Interchanges.Single().ByteOffset.ShouldBe(3, "offsets count the byte-order mark");
    }

    [Fact]
    public void A_newline_segment_terminator_with_CRLF_line_ends_does_not_leak_CR_into_elements()
    {
        var isa = Isa.Replace(":~", ":\n", StringComparison.Ordinal);
        var text = isa.Replace("\n", "\r\n", StringComparison.Ordinal) + "GS*SH*A*B*20240115*1030*1*X*005010\r\nGE*0*1\r\nIEA*1*000000007";
        var document = X12Parser.Parse(Text.Bytes(text));

        document.Interchanges.Single().Header.Delimiters.Segment.ShouldBe('\r');
        document.Interchanges.Single().Groups.Single().Header.Version.ShouldBe("005010");
    }

    public static TheoryData<char, char, char, char?> DelimiterSets() => new()
    {
        { '*', '>', '~', null },
        { '*', ':', '~', '^' },
        { '|', '\\', '\n', null },
        { '\u001D', '\u001F', '\u001C', '\u001E' }, // ASCII group/unit/file/record separators, common in real traffic
        { '\u00A7', '\u00B6', '\u00AC', '\u00A6' }, // bytes above 0x7F (look like multi-byte UTF-8 lead/continuation bytes)
        { '\u0085', '\u00BB', '\u00E9', null },
        { '+', ':', '\'', '*' },
        { '!', '"', '#', '$' },
        { '\t', '>', '\r', null },
    };

    [Theory]
    [MemberData(nameof(DelimiterSets))]
    public void Generated_856s_with_many_delimiter_choices_parse_back_to_what_was_generated(char element, char component, char segment, char? repetition)
    {
        var delimiters = new X12Delimiters(element, component, segment, repetition);
        foreach (var (lineEnding, indent, bom) in new[] { ("", "", false), ("\r\n", "  ", true), ("\n", "\t", false) })
        {
            var generator = new X12ShipNoticeGenerator(new X12ShipNoticeGeneratorOptions
            {
                Delimiters = delimiters,
                LineEnding = lineEnding,
                Indent = element == '\t' ? "" : indent,
                ByteOrderMark = bom,
                Transactions = 3,
                SerialsPerItem = 3,
            });
            var bytes = generator.ToBytes();

            var document = X12Parser.Parse(new TrickleStream(bytes, seed: bytes.Length, maxChunk: 300));

            document.Interchanges.Single().Header.Delimiters.ShouldBe(delimiters);
            var transactions = document.Transactions.ToList();
            transactions.Count.ShouldBe(3);
            transactions.Sum(t => (long)t.ShipNotice!.Levels.Count).ShouldBe(generator.Statistics.HierarchicalLevels);
            transactions.Sum(t => (long)t.ShipNotice!.Levels.Sum(l => l.SerialNumbers.Count)).ShouldBe(generator.Statistics.SerialNumbers);
            generator.Statistics.Bytes.ShouldBe(bytes.Length);
        }
    }

    [Fact]
    public void A_missing_final_segment_terminator_is_an_error_naming_the_segment()
    {
        var text = Isa + "GS*SH*A*B*20240115*1030*1*X*005010~GE*0*1~IEA*1*000000007";

        var error = Should.Throw<EdiParseException>(() => X12Parser.Parse(Text.Bytes(text))).Error;

        error.Message.ShouldBe("segment 4 (IEA at byte 148): missing segment terminator '~' at the end of input");
    }

    [Fact]
    public void Segments_longer_than_the_read_buffer_are_read_whole()
    {
        var serial = new string('7', 50_000);
        var text = Isa + "GS*SH*A*B*20240115*1030*1*X*005010~ST*999*0001~REF*SN*" + serial + "~SE*3*0001~GE*1*1~IEA*1*000000007~";

        var transaction = X12Parser.Parse(new TrickleStream(Text.Bytes(text), maxChunk: 4000), new X12ReaderOptions { BufferSize = 1024 }).Transactions.Single();

        transaction.Segments!.Single().Elements.ShouldBe(["SN", serial]);
    }

    [Fact]
    public void A_segment_longer_than_the_limit_is_refused()
    {
        var text = Isa + "GS*SH*" + new string('A', 5000) + "~";
        var error = Should.Throw<EdiParseException>(() => X12Parser.Parse(Text.Bytes(text), new X12ReaderOptions { MaxSegmentLength = 2048, BufferSize = 1024 })).Error;
        error.Reason.ShouldBe("no segment terminator '~' within 2048 bytes");
        error.SegmentId.ShouldBe("GS");
    }

    [Theory]
    [InlineData("", "not an X12 interchange: the input is empty")]
    [InlineData("  \r\n ", "not an X12 interchange: the input is empty")]
    [InlineData("UNA:+.? 'UNB+UNOC:3+A+B+240115:1030+1'", "not an X12 interchange: the input starts with UNA, which is an EDIFACT interchange")]
    [InlineData("<?xml version=\"1.0\"?>", "not an X12 interchange: expected \"ISA\" at byte 0 but found \"<?xml version=\\\"1.0\\\"?>\"")]
    [InlineData("ISA*00*short~", "segment 1 (ISA at byte 0): ISA is truncated: 13 bytes before the end of input, an ISA has 106")]
    [InlineData("ISA000*", "not an X12 interchange: expected \"ISA\" at byte 0 but found \"ISA000*\"")]
    public void Input_that_is_not_X12_gets_a_clear_error(string text, string message)
    {
        Should.Throw<EdiParseException>(() => X12Parser.Parse(Text.Bytes(text))).Error.Message.ShouldBe(message);
    }

    [Fact]
    public void UTF16_input_is_named_as_such()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(Isa)).ToArray();
        Should.Throw<EdiParseException>(() => X12Parser.Parse(bytes)).Error.Message.ShouldStartWith("not an X12 interchange: the input is UTF-16 encoded");
    }

    [Fact]
    public void An_ISA_with_a_wrong_width_names_the_element()
    {
        var text = Isa.Replace("*SENDER         *", "*SENDER*", StringComparison.Ordinal) + "IEA*0*000000007~";
        var error = Should.Throw<EdiParseException>(() => X12Parser.Parse(Text.Bytes(text))).Error;
        error.Reason.ShouldBe("ISA is not fixed-width: ISA06 is 6 characters long, expected 15 (an ISA is exactly 106 bytes)");
        error.ElementPosition.ShouldBe(6);
    }

    [Fact]
    public void An_ISA_declaring_the_same_character_twice_is_refused()
    {
        var text = Isa.Replace(":~", "**", StringComparison.Ordinal);
        var error = Should.Throw<EdiParseException>(() => X12Parser.Parse(Text.Bytes(text + "IEA*0*1*"))).Error;
        error.SegmentId.ShouldBe("ISA");
        error.Reason.ShouldStartWith("ISA declares unusable delimiters: X12 delimiters must be distinct");
    }

    [Fact]
    public void Each_interchange_of_a_file_brings_its_own_delimiters()
    {
        var first = Isa + "GS*SH*A*B*20240115*1030*1*X*005010~GE*0*1~IEA*1*000000007~\n";
        var second = "ISA|00|          |00|          |ZZ|SENDER         |ZZ|RECEIVER       |240115|1030|U|00401|000000008|0|P|>!" +
                     "GS|SH|A|B|20240115|1030|2|X|004010!GE|0|2!IEA|1|000000008!";

        var document = X12Parser.Parse(Text.Bytes(first + second));

        document.Interchanges.Select(i => i.Header.Delimiters.Element).ShouldBe(['*', '|']);
        document.Interchanges.Select(i => i.Groups.Single().Header.ControlNumber).ShouldBe(["1", "2"]);
    }
}
