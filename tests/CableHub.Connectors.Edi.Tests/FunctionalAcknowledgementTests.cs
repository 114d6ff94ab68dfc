using System.Text;
using CableHub.Connectors.Edi.X12;

namespace CableHub.Connectors.Edi.Tests;

public sealed class FunctionalAcknowledgementTests
{
    private static readonly X12AcknowledgementOptions Options = new(501, 77, new DateTimeOffset(2024, 1, 15, 10, 30, 0, TimeSpan.Zero));

    private static X12Interchange Received(byte[] bytes, bool lenient = false) =>
        X12Parser.Parse(bytes, new X12ReaderOptions { ErrorMode = EdiErrorMode.Collect, StrictIsaWidth = !lenient }).Interchanges.Single();

    private static List<string> Segments(string ack, char terminator = '~') =>
        ack.Split(terminator).Select(s => s.Trim('\n')).Where(s => s.Length > 0).ToList();

    [Fact]
    public void Control_number_mismatches_give_a_rejected_transaction_and_group()
    {
        var ack = X12FunctionalAcknowledgement.ToText(Received(Fixture.Bytes(Fixture.ControlNumbersMismatch)), Options);

        var segments = Segments(ack, '\n');
        segments[0].ShouldBe("ISA*00*          *00*          *ZZ*123456789012345*ZZ*ABCDEFGHIJKLMNO*240115*1030*U*00400*000000501*0*P*>");
        segments.Skip(1).ShouldBe([
            "GS*FA*3111350000*7705551212*20240115*1030*77*X*004010",
            "ST*997*0001",
            "AK1*OW*3314",
            "AK2*940*0001",
            "AK5*R*3",
            "AK9*R*1*1*0*4",
            "SE*6*0001",
            "GE*1*77",
            "IEA*1*000000501",
        ]);
    }

    [Fact]
    public void A_wrong_transaction_count_rejects_the_group_but_accepts_the_transaction()
    {
        var ack = X12FunctionalAcknowledgement.ToText(Received(Fixture.Bytes(Fixture.WrongGroupsAndTranCount)), Options);

        Segments(ack, '\n').ShouldContain("AK5*A");
        Segments(ack, '\n').ShouldContain("AK9*R*2*1*1*5");
    }

    [Fact]
    public void Accepted_856_with_the_input_delimiters_and_a_valid_envelope_of_its_own()
    {
        var received = Received(Fixture.Bytes(Fixture.Stupidedi), lenient: true);

        var ack = X12FunctionalAcknowledgement.ToBytes(received, Options with { LineEnding = "" });

        var text = Encoding.ASCII.GetString(ack);
        text.ShouldContain("*@!GS*FA*123456789*054481205*"); // component '@', terminator '!' as in the received interchange
        var parsed = X12Parser.Parse(ack).Interchanges.Single();
        parsed.Header.Delimiters.ShouldBe(received.Header.Delimiters);
        var transaction = parsed.Groups.Single().Transactions.Single();
        transaction.TransactionSetId.ShouldBe("997");
        transaction.Segments!.Select(s => s.ToString()).ShouldBe([
            "AK1*SH*1", "AK2*856*0001", "AK5*A", "AK2*856*0002", "AK5*A", "AK9*A*2*2*2",
        ]);
    }

    [Fact]
    public void Content_errors_are_listed_in_AK3_and_AK4_with_their_positions()
    {
        const string text =
            "ISA*00*          *00*          *ZZ*SUPPLIER       *ZZ*CABLEHUB       *240115*1030*^*00501*000000031*0*P*:~" +
            "GS*SH*SUPPLIER*CABLEHUB*20240115*1030*31*X*005010~" +
            "ST*856*0001~BSN*00*SHP1*20240115*1030~HL*1**S~HL*2*7*I~LIN**VP*STB1~SN1**x*EA~CTT*2~SE*8*0001~" +
            "ST*856*0002~BSN*00*SHP2*20240115*1030~HL*1**S~CTT*1~SE*5*0002~" +
            "GE*2*31~IEA*1*000000031~";

        var ack = X12FunctionalAcknowledgement.ToText(Received(Encoding.ASCII.GetBytes(text)), Options with { LineEnding = "\n" });

        Segments(ack).Skip(2).ShouldBe([
            "ST*997*0001",
            "AK1*SH*31*005010",
            "AK2*856*0001",
            "AK3*HL*4**8",
            "AK4*2**7*7",
            "AK3*SN1*6**8",
            "AK4*2**6*x",
            "AK5*R*5",
            "AK2*856*0002",
            "AK5*A",
            "AK9*P*2*2*1",
            "SE*12*0001",
            "GE*1*77",
            "IEA*1*000000501",
        ]);
    }

    [Fact]
    public void Missing_trailers_are_acknowledged_with_their_codes()
    {
        const string text =
            "ISA*00*          *00*          *ZZ*SUPPLIER       *ZZ*CABLEHUB       *240115*1030*U*00401*000000032*0*P*>~" +
            "GS*SH*SUPPLIER*CABLEHUB*20240115*1030*32*X*004010~ST*856*0001~BSN*00*SHP1*20240115*1030~HL*1**S~IEA*1*000000032~";

        var ack = X12FunctionalAcknowledgement.ToText(Received(Encoding.ASCII.GetBytes(text)), Options with { LineEnding = "" });

        ack.ShouldContain("~AK2*856*0001~AK5*R*2~AK9*R*1*1*0*3~");
    }
}
