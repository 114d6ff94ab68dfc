using CableHub.Connectors.Edi.X12;

namespace CableHub.Connectors.Edi.Tests;

public sealed class X12EnvelopeTests
{
    private const string Isa = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240115*1030*U*00401*000000012*0*P*>~\n";
    private const string Gs = "GS*PO*SENDER*RECEIVER*20240115*1030*12*X*004010~\n";

    private static X12Document Collect(string text) => X12Parser.Parse(Text.Bytes(text), new X12ReaderOptions { ErrorMode = EdiErrorMode.Collect });

    [Fact]
    public void SE01_must_count_the_segments_from_ST_to_SE()
    {
        var text = Isa + Gs + "ST*999*0001~\nAAA*1~\nBBB*2~\nSE*3*0001~\nGE*1*12~\nIEA*1*000000012~\n";

        var error = Should.Throw<EdiParseException>(() => X12Parser.Parse(Text.Bytes(text))).Error;

        error.Message.ShouldBe("segment 6 (SE at byte 183): SE01 segment count 3 does not match the 4 segments from ST to SE");
        (error.Level, error.Code, error.ElementPosition).ShouldBe((EdiErrorLevel.Transaction, "4", (int?)1));
    }

    [Fact]
    public void Missing_trailers_are_reported_where_the_next_structure_starts()
    {
        var text = Isa + Gs + "ST*999*0001~\nAAA*1~\nST*999*0002~\nSE*2*0002~\nIEA*1*000000012~\n";

        var document = Collect(text);

        var group = document.Interchanges.Single().Groups.Single();
        group.Transactions[0].Errors.Single().Message.ShouldBe("segment 5 (ST at byte 176): SE missing: transaction set 999 0001 (segment 3) is not closed before ST");
        group.Transactions[0].Errors.Single().Code.ShouldBe("2");
        group.Transactions[1].Accepted.ShouldBeTrue();
        group.Errors.Single().Reason.ShouldBe("GE missing: functional group 12 (segment 2) is not closed before IEA");
        group.Errors.Single().Code.ShouldBe("3");
    }

    [Fact]
    public void Input_ending_inside_a_transaction_reports_every_missing_trailer_at_the_end()
    {
        var text = Isa + Gs + "ST*999*0001~\nAAA*1~\n";

        var strict = Should.Throw<EdiParseException>(() => X12Parser.Parse(Text.Bytes(text))).Error;
        strict.Message.ShouldBe("end of input (byte 176, after segment 4): SE missing: transaction set 999 0001 (segment 3) is not closed at the end of input");

        var document = Collect(text);
        document.AllErrors.Select(e => e.Reason).ShouldBe([
            "IEA missing: interchange 000000012 (segment 1) is not closed at the end of input",
            "GE missing: functional group 12 (segment 2) is not closed at the end of input",
            "SE missing: transaction set 999 0001 (segment 3) is not closed at the end of input",
        ]);
    }

    [Fact]
    public void Transaction_control_numbers_must_be_unique_in_a_group()
    {
        var text = Isa + Gs + "ST*999*0001~\nSE*2*0001~\nST*999*0001~\nSE*2*0001~\nGE*2*12~\nIEA*1*000000012~\n";

        var document = Collect(text);

        var transactions = document.Transactions.ToList();
        transactions[0].Accepted.ShouldBeTrue();
        transactions[1].Errors.Single().Code.ShouldBe("23");
        transactions[1].Errors.Single().Reason.ShouldBe("ST02 control number 0001 is not unique within functional group 12");
    }

    [Fact]
    public void Segments_outside_a_transaction_set_are_errors()
    {
        var error = Should.Throw<EdiParseException>(() => X12Parser.Parse(Text.Bytes(Isa + Gs + "BSN*00*1~\n"))).Error;
        error.Message.ShouldBe("segment 3 (BSN at byte 156): segment BSN is outside a transaction set (ST missing)");

        var afterIea = Isa + Gs + "GE*0*12~\nIEA*1*000000012~\nST*856*0001~\n";
        Should.Throw<EdiParseException>(() => Collect(afterIea)).Error.Reason.ShouldBe("segment ST after IEA: a new interchange must start with ISA");
    }

    [Fact]
    public void Control_numbers_of_ISA_and_GS_compare_as_numbers()
    {
        var text = Isa + "GS*PO*S*R*20240115*1030*0012*X*004010~GE*0*12~IEA*1*12~";
        var document = X12Parser.Parse(Text.Bytes(text));
        document.Interchanges.Single().DeclaredGroupCount.ShouldBe(1);
        document.Interchanges.Single().Groups.Single().DeclaredTransactionCount.ShouldBe(0);
    }

    [Fact]
    public void Streaming_yields_transactions_with_their_envelope_headers()
    {
        var text = Isa + Gs + "ST*999*0001~\nSE*2*0001~\nST*998*0002~\nX*1~\nSE*3*0002~\nGE*2*12~\nIEA*1*000000012~\n";

        var transactions = X12Parser.ReadTransactions(Text.Stream(text)).ToList();

        transactions.Select(t => t.Transaction.Header()).ShouldBe(["999 0001", "998 0002"]);
        transactions.ShouldAllBe(t => t.Group.ControlNumber == "12" && t.Interchange.ControlNumber == "000000012");
    }
}
