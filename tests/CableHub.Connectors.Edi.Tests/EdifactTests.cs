using System.Text;
using CableHub.Connectors.Edi.Edifact;
using CableHub.Connectors.Edi.Json;
using CableHub.Connectors.Edi.ShipNotices;

namespace CableHub.Connectors.Edi.Tests;

public sealed class EdifactTests
{
    private static readonly string Sscc1 = Sscc.Create("05412345000000001");
    private static readonly string Sscc2 = Sscc.Create("05412345000000002");
    private static readonly string Sscc3 = Sscc.Create("05412345000000003");

    /// <summary>A DESADV as segments → elements → components of plain values; rendered with any service characters.</summary>
    private static readonly string[][][] Desadv =
    [
        [["UNB"], ["UNOC", "3"], ["5412345000013", "14"], ["5498765000019", "14"], ["240115", "1030"], ["IC0001"], [""], ["DESADV"]],
        [["UNH"], ["M1"], ["DESADV", "D", "96A", "UN", "EAN005"]],
        [["BGM"], ["351"], ["DSP+0042"], ["9"]],
        [["DTM"], ["137", "20240115", "102"]],
        [["DTM"], ["11", "20240115", "102"]],
        [["DTM"], ["17", "20240118", "102"]],
        [["RFF"], ["ON", "PO0000001"]],
        [["NAD"], ["SU"], ["5412345000013", "", "9"], [""], ["ACME'S SUPPLY: ?+"]],
        [["NAD"], ["BY"], ["5498765000019", "", "9"]],
        [["TDT"], ["20"], [""], ["30"], ["31"], ["UPSN", "", "87", "UPS"]],
        [["CPS"], ["1"], [""], ["4"]],
        [["CPS"], ["2"], ["1"], ["3"]],
        [["PAC"], ["1"], [""], ["201"]],
        [["PCI"], ["33E"]],
        [["GIN"], ["BJ"], [Sscc1]],
        [["CPS"], ["3"], ["2"], ["1"]],
        [["PAC"], ["2"], [""], ["CT"]],
        [["PCI"], ["33E"]],
        [["GIN"], ["BJ"], [Sscc2]],
        [["LIN"], ["1"], [""], ["4006381333931", "SRV"]],
        [["PIA"], ["1"], ["STB4K100", "SA"]],
        [["QTY"], ["12", "3", "PCE"]],
        [["RFF"], ["ON", "PO0000001"]],
        [["GIN"], ["BN"], ["SN:001"], ["SN'002"], ["SN+003"]],
        [["CPS"], ["4"], ["2"], ["1"]],
        [["PAC"], ["1"], [""], ["CT"]],
        [["PCI"], ["33E"]],
        [["GIN"], ["BJ"], [Sscc3]],
        [["LIN"], ["2"], [""], ["4006381333948", "SRV"]],
        [["PIA"], ["1"], ["CMDOCSIS31", "SA"]],
        [["QTY"], ["12", "5"]],
        [["GIN"], ["BN"], ["CM0001", "CM0005"]],
        [["CNT"], ["2", "2"]],
        [["UNT"], ["33"], ["M1"]],
        [["UNZ"], ["1"], ["IC0001"]],
    ];

    private static string Render(string[][][] segments, EdifactDelimiters d, bool una, string lineEnding = "")
    {
        string Escape(string value)
        {
            var text = new StringBuilder();
            foreach (var c in value)
            {
                if (c == d.Component || c == d.Element || c == d.Segment || c == d.Release)
                {
                    text.Append(d.Release!.Value);
                }

                text.Append(c);
            }

            return text.ToString();
        }

        var output = new StringBuilder();
        if (una)
        {
            output.Append("UNA").Append(d.ToServiceString()).Append(lineEnding);
        }

        foreach (var segment in segments)
        {
            output.Append(segment[0][0]);
            var elements = segment.Skip(1).Select(e => string.Join(d.Component, e.Select(Escape))).ToList();
            while (elements.Count > 0 && elements[^1].Length == 0)
            {
                elements.RemoveAt(elements.Count - 1);
            }

            foreach (var element in elements)
            {
                output.Append(d.Element).Append(element);
            }

            output.Append(d.Segment).Append(lineEnding);
        }

        return output.ToString();
    }

    [Fact]
    public void DESADV_with_UNA_and_release_characters_parses_into_its_packing_hierarchy()
    {
        var text = Render(Desadv, EdifactDelimiters.Default, una: true, "\r\n");
        text.ShouldContain("NAD+SU+5412345000013::9++ACME?'S SUPPLY?: ???+'");

        var document = EdifactParser.Parse(text);

        var interchange = document.Interchanges.ShouldHaveSingleItem();
        interchange.Header.SenderId.ShouldBe("5412345000013");
        interchange.Header.SyntaxId.ShouldBe("UNOC");
        interchange.Header.ControlReference.ShouldBe("IC0001");
        var message = interchange.Messages.ShouldHaveSingleItem();
        (message.Type, message.Version, message.Release, message.AssociationCode, message.SegmentCount).ShouldBe(("DESADV", "D", "96A", "EAN005", 33));
        message.Accepted.ShouldBeTrue();
        var advice = message.DespatchAdvice.ShouldNotBeNull();
        advice.DocumentNumber.ShouldBe("DSP+0042");
        advice.Parties[0].Name.ShouldBe("ACME'S SUPPLY: ?+");
        advice.Transports.Single().CarrierId.ShouldBe("UPSN");
        advice.PackageLevels.Select(l => (l.HierarchyId, l.ParentId, l.Depth)).ShouldBe([("1", null, 0), ("2", "1", 1), ("3", "2", 2), ("4", "2", 2)]);
        advice.PackageLevels[1].Ssccs.ShouldBe([Sscc1]);
        var line = advice.PackageLevels[2].Lines.Single();
        (line.ItemNumber, line.ItemNumberType).ShouldBe(("4006381333931", "SRV"));
        line.Quantities.Single().ShouldBe(new EdifactQuantity("12", 3, "PCE"));
        line.SerialNumbers.ShouldBe(["SN:001", "SN'002", "SN+003"]);
        advice.PackageLevels[3].Lines.Single().SerialNumbers.ShouldBe(["CM0001", "CM0002", "CM0003", "CM0004", "CM0005"]);
    }

    [Theory]
    [InlineData('|', '*', ',', '#', '~')]
    [InlineData(':', '+', '.', '?', '\n')]
    [InlineData('\u001F', '\u001D', '.', '!', '\u001C')]
    public void Any_UNA_service_characters_give_the_same_document(char component, char element, char decimalMark, char release, char segment)
    {
        var reference = EdifactParser.Parse(Render(Desadv, EdifactDelimiters.Default, una: true)).Messages.Single();
        var delimiters = new EdifactDelimiters(component, element, decimalMark, release, null, segment);

        var bytes = Encoding.UTF8.GetBytes(Render(Desadv, delimiters, una: true));
        var parsed = EdifactParser.Parse(new TrickleStream(bytes, seed: segment, maxChunk: 3));

        parsed.Interchanges.Single().Header.Delimiters.ShouldBe(delimiters);
        EdiJson.Serialize(parsed.Messages.Single().DespatchAdvice).ShouldBe(EdiJson.Serialize(reference.DespatchAdvice));
    }

    [Fact]
    public void DESADV_maps_to_the_same_neutral_ship_notice_model_as_an_856()
    {
        var document = EdifactParser.Parse(Render(Desadv, EdifactDelimiters.Default, una: true));
        var interchange = document.Interchanges.Single();

        var notice = ShipNoticeMapper.FromDesadv(interchange.Messages.Single(), interchange.Header);

        notice.SourceFormat.ShouldBe("EDIFACT DESADV");
        notice.ShipmentId.ShouldBe("DSP+0042");
        notice.SenderId.ShouldBe("5412345000013");
        notice.ShipDate.ShouldBe(new DateOnly(2024, 1, 15));
        notice.EstimatedDeliveryDate.ShouldBe(new DateOnly(2024, 1, 18));
        notice.CarrierCode.ShouldBe("UPSN");
        var order = notice.Orders.ShouldHaveSingleItem();
        order.PurchaseOrderNumber.ShouldBe("PO0000001");
        order.Packages.Select(p => (p.Sscc, p.SsccValid, p.LevelId)).ShouldBe([(Sscc2, (bool?)true, "3"), (Sscc3, true, "4")]);
        notice.Items.Select(i => (i.ModelCode, i.Quantity, i.SerialNumbers.Count)).ShouldBe([("STB4K100", 3m, 3), ("CMDOCSIS31", 5m, 5)]);
        notice.Items.First().Identifiers.Select(i => i.Kind).ShouldBe([ItemIdentifierKind.Gtin, ItemIdentifierKind.SupplierPart]);
    }

    [Fact]
    public void Envelope_counts_and_references_are_checked()
    {
        string With(int index, string[][] replacement)
        {
            var segments = Desadv.ToArray();
            segments[index] = replacement;
            return Render(segments, EdifactDelimiters.Default, una: true, "\n");
        }

        var badCount = With(33, [["UNT"], ["32"], ["M1"]]);
        Should.Throw<EdiParseException>(() => EdifactParser.Parse(badCount)).Error.Message
            .ShouldBe($"segment 35 (UNT at byte {badCount.IndexOf("UNT+32", StringComparison.Ordinal)}): UNT01 segment count 32 does not match the 33 segments from UNH to UNT");
        Should.Throw<EdiParseException>(() => EdifactParser.Parse(With(33, [["UNT"], ["33"], ["M2"]]))).Error.Reason
            .ShouldBe("UNT02 message reference M2 does not match UNH01 M1");
        Should.Throw<EdiParseException>(() => EdifactParser.Parse(With(34, [["UNZ"], ["1"], ["IC0002"]]))).Error.Reason
            .ShouldBe("UNZ02 control reference IC0002 does not match UNB05 IC0001");
        Should.Throw<EdiParseException>(() => EdifactParser.Parse(With(34, [["UNZ"], ["2"], ["IC0001"]]))).Error.Reason
            .ShouldBe("UNZ01 count 2 does not match the 1 messages in interchange IC0001");
        var badParent = With(24, [["CPS"], ["4"], ["9"], ["1"]]);
        Should.Throw<EdiParseException>(() => EdifactParser.Parse(badParent)).Error.Message
            .ShouldBe($"segment 26 (CPS at byte {badParent.IndexOf("CPS+4+9", StringComparison.Ordinal)}): CPS02 parent id 9 does not match any earlier CPS01 (unknown parent)");
        Should.Throw<EdiParseException>(() => EdifactParser.Parse(With(32, [["CNT"], ["2", "3"]]))).Error.Reason
            .ShouldBe("CNT+2 number of line items 3 does not match the 2 LIN segments");

        var collected = EdifactParser.Parse(Encoding.UTF8.GetBytes(With(33, [["UNT"], ["32"], ["M2"]])), new EdifactReaderOptions { ErrorMode = EdiErrorMode.Collect });
        collected.Messages.Single().Errors.Count.ShouldBe(2);
        collected.Messages.Single().DespatchAdvice.ShouldNotBeNull();
    }

    [Fact]
    public void Functional_groups_are_counted_in_UNZ_and_their_UNE_is_checked()
    {
        const string good = "UNB+UNOA:2+A+B+240115:1030+7'UNG+DESADV+A+B+240115:1030+G1+UN+D:96A'" +
                            "UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNH+2+ORDERS:D:96A:UN'UNT+2+2'UNE+2+G1'UNZ+1+7'";

        var document = EdifactParser.Parse(good);

        document.Messages.Select(m => (m.Reference, m.GroupReference)).ShouldBe([("1", "G1"), ("2", "G1")]);
        document.Interchanges.Single().DeclaredCount.ShouldBe(1);
        Should.Throw<EdiParseException>(() => EdifactParser.Parse(good.Replace("UNE+2+G1", "UNE+3+G1", StringComparison.Ordinal))).Error.Reason
            .ShouldBe("UNE01 message count '3' does not match the 2 messages in group G1");
        Should.Throw<EdiParseException>(() => EdifactParser.Parse(good.Replace("UNZ+1+7", "UNZ+2+7", StringComparison.Ordinal))).Error.Reason
            .ShouldBe("UNZ01 count 2 does not match the 1 groups in interchange 7");
    }

    [Fact]
    public void Without_UNA_the_default_service_characters_apply()
    {
        var document = EdifactParser.Parse(Render(Desadv, EdifactDelimiters.Default, una: false));
        document.Interchanges.Single().Header.Delimiters.ShouldBe(EdifactDelimiters.Default);
        document.Messages.Single().DespatchAdvice!.DocumentNumber.ShouldBe("DSP+0042");
    }

    [Theory]
    [InlineData("", "not an EDIFACT interchange: the input is empty")]
    [InlineData("ISA*00*", "not an EDIFACT interchange: expected \"UNA\" or \"UNB\" at byte 0 but found \"ISA*00*\" (the input is an X12 interchange)")]
    [InlineData("UNA:+", "not an EDIFACT interchange: UNA service string advice is truncated (it needs 6 characters after UNA)")]
    [InlineData("UNA:+.? 'UNH+1+DESADV:D:96A:UN'", "segment 2 (UNH at byte 9): UNH before UNB: an EDIFACT interchange starts with UNB (after an optional UNA)")]
    [InlineData("UNB+UNOA:1+A+B+240115:1030+1'UNH+1+ORDERS:D:96A:UN'BGM+220+1", "segment 3 (BGM at byte 51): missing segment terminator ''' at the end of input")]
    public void Bad_EDIFACT_input_gets_a_clear_error(string text, string message)
    {
        Should.Throw<EdiParseException>(() => EdifactParser.Parse(text)).Error.Message.ShouldBe(message);
    }

    [Fact]
    public void Other_message_types_keep_their_segments_with_components_unescaped()
    {
        var text = "UNB+UNOA:2+A+B+240115:1030+7'UNH+1+ORDERS:D:96A:UN'BGM+220+PO?+1+9'UNT+3+1'UNZ+1+7'";

        var message = EdifactParser.Parse(text).Messages.Single();

        message.Type.ShouldBe("ORDERS");
        message.Segments!.Single().ShouldBe(message.Segments![0]);
        message.Segments![0].Elements.Select(e => string.Join(':', e)).ShouldBe(["220", "PO+1", "9"]);
    }
}
