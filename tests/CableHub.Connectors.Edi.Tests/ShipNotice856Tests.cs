using CableHub.Connectors.Edi.Generation;
using CableHub.Connectors.Edi.ShipNotices;
using CableHub.Connectors.Edi.X12;

namespace CableHub.Connectors.Edi.Tests;

public sealed class ShipNotice856Tests
{
    private const string Head = "ISA*00*          *00*          *ZZ*SUPPLIER       *ZZ*CABLEHUB       *240115*1030*U*00401*000000021*0*P*>~\n" +
                                "GS*SH*SUPPLIER*CABLEHUB*20240115*1030*21*X*004010~\nST*856*0001~\nBSN*00*SHP1*20240115*1030*0001~\n";

    private static string Wrap(string body, int segments) =>
        Head + body + $"SE*{segments}*0001~\nGE*1*21~\nIEA*1*000000021~\n";

    [Fact]
    public void An_HL_whose_parent_is_unknown_is_an_error_naming_the_segment_and_element()
    {
        var text = Wrap("HL*1**S~\nHL*2*1*O~\nPRF*PO1~\nHL*3*9*I~\nLIN*1*VP*STB1~\nSN1**1*EA~\nCTT*3~\n", 10);

        var error = Should.Throw<EdiParseException>(() => X12Parser.Parse(Text.Bytes(text))).Error;

        error.Message.ShouldBe("segment 8 (HL at byte 231): HL02 parent id 9 does not match any earlier HL01 (unknown parent)");
        (error.ElementPosition, error.PositionInTransaction, error.Code, error.BadValue).ShouldBe((2, 6, "7", "9"));
    }

    [Fact]
    public void Duplicate_HL_ids_and_missing_level_codes_are_errors()
    {
        var text = Wrap("HL*1**S~\nHL*1*1*O~\nHL*2*1~\nCTT*3~\n", 7);

        var errors = X12Parser.Parse(Text.Bytes(text), new X12ReaderOptions { ErrorMode = EdiErrorMode.Collect }).Transactions.Single().Errors;

        errors.Select(e => e.Reason).ShouldBe([
            "HL01 id 1 is used twice (first HL1 at segment 5)",
            "HL03 hierarchical level code is missing",
        ]);
    }

    [Fact]
    public void CTT_totals_are_checked_against_the_HL_count_and_the_SN1_quantities()
    {
        var body = "HL*1**S~\nHL*2*1*I~\nLIN**VP*STB1~\nSN1**5*EA~\nHL*3*1*I~\nLIN**VP*STB2~\nSN1**7*EA~\n";

        X12Parser.Parse(Text.Bytes(Wrap(body + "CTT*3*12~\n", 11))).Transactions.Single().ShipNotice!.Totals.ShouldBe(new X12TransactionTotals(3, 12));
        X12Parser.Parse(Text.Bytes(Wrap(body + "CTT*2~\n", 11))).Transactions.Single().Accepted.ShouldBeTrue("CTT01 may count item levels");

        Should.Throw<EdiParseException>(() => X12Parser.Parse(Text.Bytes(Wrap(body + "CTT*4~\n", 11)))).Error.Reason
            .ShouldBe("CTT01 count 4 does not match the 3 HL segments (2 item levels) of the transaction");
        Should.Throw<EdiParseException>(() => X12Parser.Parse(Text.Bytes(Wrap(body + "CTT*3*13~\n", 11)))).Error.Reason
            .ShouldBe("CTT02 hash total 13 does not match the sum of SN102 quantities (12 on item levels, 12 on all levels)");
    }

    [Fact]
    public void Bad_numbers_and_missing_mandatory_segments_are_reported()
    {
        var badQuantity = Wrap("HL*1**S~\nHL*2*1*I~\nLIN**VP*STB1~\nSN1**five*EA~\nCTT*2~\n", 8);
        Should.Throw<EdiParseException>(() => X12Parser.Parse(Text.Bytes(badQuantity))).Error.Message
            .ShouldBe("segment 8 (SN1 at byte 236): SN102 'five' is not a number");

        var noBsn = Head.Replace("BSN*00*SHP1*20240115*1030*0001~\n", "", StringComparison.Ordinal) + "HL*1**S~\nSE*3*0001~\nGE*1*21~\nIEA*1*000000021~\n";
        var error = Should.Throw<EdiParseException>(() => X12Parser.Parse(Text.Bytes(noBsn))).Error;
        (error.SegmentId, error.Code, error.Reason).ShouldBe(("BSN", "3", "BSN (beginning segment for ship notice) must follow ST"));
    }

    [Fact]
    public void MAN_GM_SSCCs_are_normalised_and_bad_check_digits_become_warnings()
    {
        var good = Sscc.Create("00614141123456789");
        var bad = good[..17] + (char)('0' + ((good[17] - '0' + 1) % 10));
        var text = Wrap($"HL*1**S~\nHL*2*1*P~\nMAN*GM*00{good}~\nHL*3*1*P~\nMAN*GM*{bad}~\nHL*4*1*P~\nMAN*GM*12345~\nCTT*4~\n", 11);

        var transaction = X12Parser.Parse(Text.Bytes(text)).Transactions.Single();

        var marks = transaction.ShipNotice!.Levels.Skip(1).Select(l => l.Marks.Single()).ToList();
        marks.Select(m => (m.Sscc, m.SsccValid)).ShouldBe([(good, true), (bad, false), ((string?)null, false)]);
        transaction.Warnings.Select(w => w.Reason).ShouldBe([
            $"MAN02 SSCC {bad} has check digit {bad[17]}, expected {good[17]}",
            "MAN02 '12345' is not an SSCC-18 (18 digits, or 20 with the 00 application identifier)",
        ]);
        transaction.Accepted.ShouldBeTrue();
    }

    [Fact]
    public void LIN_serial_pairs_and_REF_SE_SN_serials_are_collected()
    {
        var text = Wrap("HL*1**S~\nREF*BM*BOL1~\nHL*2*1*O~\nPRF*PO77~\nHL*3*2*I~\nLIN*1*VP*STB1*SN*S-LIN~\nSN1**3*EA~\nREF*SN*S-1~\nREF*SE*S-2~\nREF*ZZ*other~\nCTT*3*3~\n", 14);

        var transaction = X12Parser.Parse(Text.Bytes(text)).Transactions.Single();

        var item = transaction.ShipNotice!.Levels[2];
        item.SerialNumbers.ShouldBe(["S-LIN", "S-1", "S-2"]);
        item.References.ShouldBe([new X12Reference("ZZ", "other", null)]);
        var neutral = ShipNoticeMapper.FromX12(transaction).Items.Single();
        neutral.SerialNumbers.Count.ShouldBe(3);
        neutral.Identifiers.Select(i => i.Kind).ShouldBe([ItemIdentifierKind.SupplierPart, ItemIdentifierKind.SerialNumber]);
    }

    [Fact]
    public void Deep_hierarchies_parse_map_and_serialise_without_recursion()
    {
        var generator = new X12ShipNoticeGenerator(new X12ShipNoticeGeneratorOptions
        {
            OrdersPerShipment = 1, PackagesPerOrder = 2, ItemsPerPackage = 2, SerialsPerItem = 2, PackNestingDepth = 3000, Indent = " ",
        });

        var bytes = generator.ToBytes();
        var transaction = X12Parser.Parse(bytes).Transactions.Single();

        var levels = transaction.ShipNotice!.Levels;
        levels.Count.ShouldBe((int)generator.Statistics.HierarchicalLevels);
        levels.Max(l => l.Depth).ShouldBe(3002); // S(0) → O(1) → 3000 nested P → I
        var neutral = ShipNoticeMapper.FromX12(transaction);
        neutral.Orders.Single().Packages.Count.ShouldBe(2, "items belong to the innermost pack");
        neutral.SerialNumberCount.ShouldBe(8);
        Json.EdiJson.Serialize(neutral).ShouldContain("\"serialNumbers\"");
        Json.EdiJson.Serialize(X12Parser.Parse(bytes)).Length.ShouldBeGreaterThan(100_000);
    }

    [Fact]
    public void One_transaction_with_100k_serial_numbers()
    {
        var generator = new X12ShipNoticeGenerator(new X12ShipNoticeGeneratorOptions
        {
            OrdersPerShipment = 1, PackagesPerOrder = 10, ItemsPerPackage = 10, SerialsPerItem = 1000, LineEnding = "\r\n",
        });

        var transaction = X12Parser.ReadTransactions(generator.OpenStream()).Single().Transaction;

        var notice = ShipNoticeMapper.FromX12(transaction);
        notice.SerialNumberCount.ShouldBe(100_000);
        notice.Items.SelectMany(i => i.SerialNumbers).Distinct().Count().ShouldBe(100_000);
        notice.Items.First().SerialNumbers[0].ShouldBe("CH0000000001");
        notice.Items.Last().SerialNumbers[^1].ShouldBe("CH0000100000");
        notice.Orders.Single().Packages.ShouldAllBe(p => p.SsccValid == true && p.Items.Count == 10);
        transaction.ShipNotice!.Totals!.HashTotal.ShouldBe(100_000);
    }
}
