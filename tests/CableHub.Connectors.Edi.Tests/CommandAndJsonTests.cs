using System.Text.Json;
using CableHub.Connectors.Edi.Generation;
using CableHub.Connectors.Edi.Json;
using CableHub.Connectors.Edi.X12;

namespace CableHub.Connectors.Edi.Tests;

public sealed class CommandAndJsonTests
{
    private static (int Code, string Output, string Error) Run(string path, bool json = false, bool lenient = false)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = EdiParseCommand.Run(new EdiParseCommandOptions(path) { Json = json, LenientIsa = lenient }, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Parse_json_prints_the_document_and_its_neutral_ship_notices()
    {
        var (code, output, error) = Run(Fixture.Path(Fixture.Crossdock), json: true);

        code.ShouldBe(0);
        error.ShouldBeEmpty();
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        root.GetProperty("format").GetString().ShouldBe("X12");
        var transaction = root.GetProperty("x12").GetProperty("interchanges")[0].GetProperty("groups")[0].GetProperty("transactions")[0];
        transaction.GetProperty("transactionSetId").GetString().ShouldBe("856");
        transaction.GetProperty("accepted").GetBoolean().ShouldBeTrue();
        transaction.GetProperty("warnings").GetArrayLength().ShouldBe(5);
        root.GetProperty("issues").GetArrayLength().ShouldBe(5, "the warnings, listed with their positions");
        var levels = transaction.GetProperty("shipNotice").GetProperty("levels");
        levels.GetArrayLength().ShouldBe(13);
        levels[2].GetProperty("marks")[0].GetProperty("sscc").GetString().ShouldBe("000715670002152360");
        levels[0].TryGetProperty("serialNumbers", out _).ShouldBeTrue("REF*SE of the shipment level");
        levels[1].TryGetProperty("serialNumbers", out _).ShouldBeFalse("empty lists are omitted");
        root.GetProperty("x12").GetProperty("interchanges")[0].GetProperty("header").GetProperty("delimiters").GetProperty("segment").GetString().ShouldBe("\n");
        var notice = root.GetProperty("shipNotices")[0];
        notice.GetProperty("orders").GetArrayLength().ShouldBe(2);
        notice.GetProperty("shipDate").GetString().ShouldBe("2009-09-21");
        notice.TryGetProperty("items", out _).ShouldBeFalse();
    }

    [Fact]
    public void Parse_without_json_prints_a_summary()
    {
        var (code, output, _) = Run(Fixture.Path(Fixture.NodeX12));

        code.ShouldBe(0);
        output.ShouldContain("856 0008: ship notice 829716, 4 HL levels, 2 items, 0 serial numbers");
        output.ShouldContain("PO 99999817: 1 package(s), 2 item line(s)");
    }

    [Theory]
    [InlineData(Fixture.NonEdi, "not an X12 interchange: expected \"ISA\" at byte 0 but found \"Tk9OIEVESSBGSUxFISAasads…\"")]
    [InlineData(Fixture.Stupidedi, "segment 1 (ISA at byte 0): ISA is not fixed-width: ISA02 is 1 characters long, expected 10 (an ISA is exactly 106 bytes)")]
    public void Unreadable_files_exit_non_zero_with_one_clear_line_and_no_stack_trace(string fixture, string message)
    {
        var path = Fixture.Path(fixture);

        var (code, output, error) = Run(path, json: true);

        code.ShouldBe(1);
        output.ShouldBeEmpty();
        error.ShouldBe($"edi parse: {path}: {message}{Environment.NewLine}");
    }

    [Theory]
    [InlineData(Fixture.ControlNumbersMismatch, "segment 7 (SE at byte 265): SE02 control number 0002 does not match ST02 0001", "SE02")]
    [InlineData(Fixture.WrongGroupsAndTranCount, "segment 8 (GE at byte 275): GE01 transaction set count 2 does not match the 1 transaction sets in group 3314", "GE01")]
    public void Envelope_errors_exit_non_zero_with_the_document_and_each_error_located(string fixture, string message, string location)
    {
        var path = Fixture.Path(fixture);

        var (code, output, error) = Run(path, json: true);

        code.ShouldBe(1);
        error.ShouldStartWith($"edi parse: {path}: {message}{Environment.NewLine}");
        using var json = JsonDocument.Parse(output);
        json.RootElement.GetProperty("x12").GetProperty("interchanges").GetArrayLength().ShouldBe(1);
        var issues = json.RootElement.GetProperty("issues").EnumerateArray().ToList();
        issues.Count.ShouldBe(error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Length, "one line per error, all of them");
        var issue = issues[0];
        issue.GetProperty("message").GetString().ShouldBe(message);
        issue.GetProperty("location").GetString().ShouldBe(location);
        issue.GetProperty("severity").GetString().ShouldBe("Error");
    }

    [Fact]
    public void Lenient_ISA_reading_is_an_option_and_a_missing_file_exits_2()
    {
        Run(Fixture.Path(Fixture.Stupidedi), lenient: true).Code.ShouldBe(0);

        var (code, _, error) = Run("/nonexistent/asn.edi");
        code.ShouldBe(2);
        error.ShouldStartWith("edi parse: /nonexistent/asn.edi: cannot read the file:");
    }

    [Fact]
    public void EDIFACT_files_are_recognised_and_parsed()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cablehub-edi-{Guid.NewGuid():N}.edi");
        File.WriteAllText(path, "\uFEFFUNA:+.? '\nUNB+UNOC:3+SUP+CH+240115:1030+9'\nUNH+1+DESADV:D:96A:UN'\nBGM+351+D1+9'\nRFF+ON:PO5'\nCPS+1'\n" +
                                "LIN+1++X1:SA'\nQTY+12:1'\nGIN+BN+S?'1'\nUNT+8+1'\nUNZ+1+9'\n");

        try
        {
            var (code, output, _) = Run(path, json: true);

            code.ShouldBe(0);
            using var json = JsonDocument.Parse(output);
            json.RootElement.GetProperty("format").GetString().ShouldBe("EDIFACT");
            var item = json.RootElement.GetProperty("shipNotices")[0].GetProperty("orders")[0].GetProperty("packages")[0].GetProperty("items")[0];
            item.GetProperty("modelCode").GetString().ShouldBe("X1");
            item.GetProperty("serialNumbers")[0].GetString().ShouldBe("S'1");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Format_detection_skips_BOM_and_whitespace()
    {
        EdiDocumentParser.Detect("\uFEFF\r\n ISA*"u8.ToArray()).ShouldBe(EdiFormat.X12);
        EdiDocumentParser.Detect([0xEF, 0xBB, 0xBF, (byte)'\n', (byte)'I', (byte)'S', (byte)'A']).ShouldBe(EdiFormat.X12);
        EdiDocumentParser.Detect(" UNB+"u8).ShouldBe(EdiFormat.Edifact);
        EdiDocumentParser.Detect("hello"u8).ShouldBe(EdiFormat.Unknown);
    }

    [Fact]
    public void The_benchmark_parses_what_it_generated()
    {
        var result = EdiBenchmark.Run(2);

        result.Bytes.ShouldBeGreaterThanOrEqualTo(2 * 1048576 - 65536);
        result.SerialNumbers.ShouldBeGreaterThan(50_000);
        result.Transactions.ShouldBeGreaterThan(0);
        result.ResultLines[^1].ShouldStartWith("RESULT edi_mb_per_s ");
        result.ResultLines[^1].ShouldEndWith(" MB/s");
    }

    [Fact]
    public void Generated_files_carry_correct_envelope_counts_and_valid_SSCCs()
    {
        var generator = new X12ShipNoticeGenerator(new X12ShipNoticeGeneratorOptions { Transactions = 4, BadSsccEvery = 5 });

        var document = X12Parser.Parse(generator.ToBytes(), new X12ReaderOptions { ErrorMode = EdiErrorMode.Collect });

        document.AllErrors.ShouldBeEmpty();
        var interchange = document.Interchanges.Single();
        interchange.Groups.Single().DeclaredTransactionCount.ShouldBe(4);
        var warnings = document.Transactions.SelectMany(t => t.Warnings).ToList();
        warnings.Count.ShouldBe((int)(generator.Statistics.Packages / 5));
        warnings.ShouldAllBe(w => w.Reason.Contains("has check digit", StringComparison.Ordinal));
    }
}
