using System.Globalization;
using System.Text.Json;
using CableHub.Connectors.Edi.ShipNotices;
using CableHub.Connectors.Edi.X12;

namespace CableHub.Connectors.Edi.Tests;

/// <summary>The real files from ../shared/fixtures/edi (see Fixtures/PROVENANCE.txt).</summary>
public sealed class FixtureTests
{
    [Fact]
    public void Node_x12_856_parses_with_delimiters_from_ISA_and_checked_totals()
    {
        var document = X12Parser.Parse(Fixture.Bytes(Fixture.NodeX12));

        var interchange = document.Interchanges.ShouldHaveSingleItem();
        interchange.Header.Delimiters.ShouldBe(new X12Delimiters('*', '>', '~', '-')); // 00406: ISA11 is the repetition separator
        interchange.Header.ControlNumber.ShouldBe("000000049");
        interchange.Header.SenderId.ShouldBe("4405197800");
        var group = interchange.Groups.ShouldHaveSingleItem();
        group.Header.Version.ShouldBe("004060");
        var transaction = group.Transactions.ShouldHaveSingleItem();
        transaction.ControlNumber.ShouldBe("0008");
        transaction.SegmentCount.ShouldBe(31);
        transaction.Accepted.ShouldBeTrue();

        var notice = transaction.ShipNotice.ShouldNotBeNull();
        notice.ShipmentId.ShouldBe("829716");
        notice.Levels.Select(l => (l.Id, l.ParentId, l.LevelCode)).ShouldBe([("1", null, "S"), ("2", "1", "O"), ("3", "2", "I"), ("4", "2", "I")]);
        notice.Totals.ShouldBe(new X12TransactionTotals(4, 30));
        notice.Levels[1].PurchaseOrder!.PurchaseOrderNumber.ShouldBe("99999817");
        notice.Levels[1].PurchaseOrder!.Date.ShouldBe("20111205");
        notice.Levels[2].Item!.Ids.ShouldBe([new X12ProductId("VP", "87787D"), new X12ProductId("UP", "999999310145")]);
        notice.Levels[2].Quantity.ShouldBe(new X12ItemQuantity("1", 24, "EA", null, null, null));
        notice.Levels[2].Description.ShouldBe("BLUE WIDGET");
        notice.Levels[0].Packaging.ShouldHaveSingleItem().Weight.ShouldBe(60.310m);
        notice.Levels[0].Parties.Select(p => p.EntityCode).ShouldBe(["SH", "OB", "SF"]);
        notice.Levels[0].Parties[1].PostalCode.ShouldBe("31139-0020");

        var neutral = ShipNoticeMapper.FromX12(transaction, interchange.Header);
        neutral.SenderId.ShouldBe("4405197800");
        neutral.ShipDate.ShouldBe(new DateOnly(2011, 12, 6));
        neutral.CarrierCode.ShouldBe("XXXX");
        var order = neutral.Orders.ShouldHaveSingleItem();
        order.PurchaseOrderNumber.ShouldBe("99999817");
        order.Packages.ShouldHaveSingleItem().Sscc.ShouldBeNull();
        neutral.Items.Select(i => (i.ModelCode, i.Quantity)).ShouldBe([("87787D", 24m), ("99887D", 6m)]);
    }

    [Fact]
    public void Crossdock_856_matches_the_parse_of_EdiEngine_an_independent_parser()
    {
        // Parse with no serial qualifiers so every REF stays a reference, as in EdiEngine's generic output.
        var options = new X12ReaderOptions { SerialNumberQualifiers = new HashSet<string>() };
        var transaction = X12Parser.Parse(Fixture.Bytes(Fixture.Crossdock), options).Transactions.ShouldHaveSingleItem();
        var notice = transaction.ShipNotice.ShouldNotBeNull();

        using var expected = JsonDocument.Parse(Fixture.Bytes(Fixture.CrossdockExpectedJson));
        var root = expected.RootElement;
        root.GetProperty("Name").GetString().ShouldBe("M_856");
        var top = root.GetProperty("Content").EnumerateArray().ToList();
        SegmentText(top.Single(n => n.GetProperty("Name").GetString() == "BSN"))
            .ShouldBe($"BSN*{notice.Purpose}*{notice.ShipmentId}*{notice.Date}*{notice.Time}*{notice.StructureCode}");
        SegmentText(top.Single(n => n.GetProperty("Name").GetString() == "CTT")).ShouldBe($"CTT*{notice.Totals!.LineItemCount}");

        var expectedLevels = new List<(string Id, string? Parent, string? NestedIn, List<string> Facts)>();
        foreach (var loop in top.Where(n => n.GetProperty("Name").GetString() == "L_HL"))
        {
            CollectLevels(loop, null, expectedLevels);
        }

        expectedLevels.Count.ShouldBe(13);
        notice.Levels.Count.ShouldBe(expectedLevels.Count);
        foreach (var (id, parent, nestedIn, facts) in expectedLevels)
        {
            var level = notice.Levels.Single(l => l.Id == id);
            level.ParentId.ShouldBe(parent);
            nestedIn.ShouldBe(parent, "EdiEngine nests each HL loop in its parent's loop");
            Facts(level).Order(StringComparer.Ordinal).ShouldBe(facts.Where(f => !f.StartsWith("HL*", StringComparison.Ordinal)).Order(StringComparer.Ordinal), $"HL {id}");
        }
    }

    [Fact]
    public void Crossdock_856_maps_to_two_orders_with_SSCC_packages_and_reports_the_bad_check_digits()
    {
        var transaction = X12Parser.Parse(Fixture.Bytes(Fixture.Crossdock)).Transactions.ShouldHaveSingleItem();
        transaction.Header().ShouldBe("856 0001");

        // All five MAN*GM values in this file are 20 digits (AI 00 + 18) whose last digit is not the GS1 check digit.
        transaction.Warnings.Count.ShouldBe(5);
        transaction.Warnings[0].Message.ShouldBe("segment 26 (MAN at byte 547): MAN02 SSCC 000715670002152360 has check digit 0, expected 3");
        transaction.Accepted.ShouldBeTrue("a bad check digit is reported, not rejected");

        var neutral = ShipNoticeMapper.FromX12(transaction);
        neutral.Orders.Select(o => o.PurchaseOrderNumber).ShouldBe(["POREF00", "POREF01"]);
        neutral.Orders[0].Packages.Select(p => p.Sscc).ShouldBe(["000715670002152360", "000715670002152377", "000715670002152384", "000715670002152391"]);
        neutral.Orders[0].Packages.ShouldAllBe(p => p.SsccValid == false);
        neutral.Orders[0].Packages.Select(p => p.Items.Single().ModelCode).ShouldBe(["0000000000642", "0000000000831", "0000000000283", "0000000000203"]);
        neutral.Orders[1].Packages.ShouldHaveSingleItem().Items.ShouldHaveSingleItem().Quantity.ShouldBe(12m);
        neutral.Warnings.Count.ShouldBe(5);
        neutral.ShipDate.ShouldBe(new DateOnly(2009, 9, 21));
        neutral.EstimatedDeliveryDate.ShouldBe(new DateOnly(2009, 9, 25));
        neutral.CarrierCode.ShouldBe("OVNT");
    }

    [Fact]
    public void Stupidedi_856_is_rejected_in_strict_mode_because_its_ISA_is_not_fixed_width()
    {
        var error = Should.Throw<EdiParseException>(() => X12Parser.Parse(Fixture.Bytes(Fixture.Stupidedi))).Error;

        error.Message.ShouldBe("segment 1 (ISA at byte 0): ISA is not fixed-width: ISA02 is 1 characters long, expected 10 (an ISA is exactly 106 bytes)");
        error.ElementPosition.ShouldBe(2);
    }

    [Fact]
    public void Stupidedi_856_parses_leniently_with_bang_terminator_two_transactions_and_an_S_T_I_P_hierarchy()
    {
        var options = new X12ReaderOptions { StrictIsaWidth = false, SerialNumberQualifiers = new HashSet<string> { "SE", "SN", "LS" } };

        var document = X12Parser.Parse(new TrickleStream(Fixture.Bytes(Fixture.Stupidedi)), options);

        var interchange = document.Interchanges.ShouldHaveSingleItem();
        interchange.Header.Delimiters.ShouldBe(new X12Delimiters('*', '@', '!', null));
        interchange.Header.Version.ShouldBe("00200");
        var group = interchange.Groups.ShouldHaveSingleItem();
        group.DeclaredTransactionCount.ShouldBe(2);
        group.Transactions.Select(t => (t.ControlNumber, t.SegmentCount)).ShouldBe([("0001", 47), ("0002", 19)]);
        document.AllErrors.ShouldBeEmpty();

        var first = group.Transactions[0].ShipNotice!;
        first.Levels.Select(l => l.LevelCode).ShouldBe(["S", "T", "I", "T", "I", "P", "P", "T", "I", "I", "P", "P"]);
        first.Levels.Select(l => l.Depth).ShouldBe([0, 1, 2, 1, 2, 3, 3, 1, 2, 2, 3, 3]);
        first.Totals.ShouldBe(new X12TransactionTotals(12, 1432)); // 1432 = SN1 of the item levels only
        first.Levels[1].SerialNumbers.ShouldBe(["ML13479"]);

        var neutral = ShipNoticeMapper.FromX12(group.Transactions[0]);
        // No PRF: the order comes from LIN's ON (order number) pair; packs below an item lend it their serials.
        neutral.Orders.Select(o => o.PurchaseOrderNumber).ShouldBe(["RG61372", "SH89457", "SG88287", "SH75457"]);
        var item = neutral.Orders[1].Packages.Single().Items.Single();
        item.ModelCode.ShouldBe("6500012G00");
        item.Quantity.ShouldBe(176m);
        item.SerialNumbers.ShouldBe(["S3489", "S2387"]);
        neutral.Orders[0].Packages.Single().Items.Single().SerialNumbers.ShouldBe(["S125", "S126", "S127", "S128"]);
        ShipNoticeMapper.FromX12(group.Transactions[1]).Items.Select(i => (i.ModelCode, i.Quantity)).ShouldBe([("3104982G00", 234m), ("8930212G01", 25m)]);
    }

    [Fact]
    public void Control_number_mismatches_fail_at_the_SE_in_strict_mode()
    {
        var error = Should.Throw<EdiParseException>(() => X12Parser.Parse(Fixture.Bytes(Fixture.ControlNumbersMismatch))).Error;

        error.Message.ShouldBe("segment 7 (SE at byte 265): SE02 control number 0002 does not match ST02 0001");
        (error.SegmentNumber, error.ByteOffset, error.SegmentId, error.Level, error.Code).ShouldBe((7L, 265L, "SE", EdiErrorLevel.Transaction, "3"));
    }

    [Fact]
    public void Control_number_mismatches_are_all_collected_on_their_level()
    {
        var document = X12Parser.Parse(Fixture.Bytes(Fixture.ControlNumbersMismatch), new X12ReaderOptions { ErrorMode = EdiErrorMode.Collect });

        var interchange = document.Interchanges.ShouldHaveSingleItem();
        interchange.Errors.Select(e => e.Message).ShouldBe(["segment 9 (IEA at byte 285): IEA02 control number 000003439 does not match ISA13 000003438"]);
        var group = interchange.Groups.ShouldHaveSingleItem();
        group.Errors.Select(e => e.Message).ShouldBe(["segment 8 (GE at byte 275): GE02 control number 3315 does not match GS06 3314"]);
        var transaction = group.Transactions.ShouldHaveSingleItem();
        transaction.TransactionSetId.ShouldBe("940");
        transaction.Errors.Select(e => e.Message).ShouldBe(["segment 7 (SE at byte 265): SE02 control number 0002 does not match ST02 0001"]);
        transaction.Segments!.Select(s => s.Id).ShouldBe(["W05", "LX", "W01"]);
    }

    [Fact]
    public void Wrong_group_and_transaction_counts_are_reported_with_their_counts()
    {
        var strict = Should.Throw<EdiParseException>(() => X12Parser.Parse(Fixture.Bytes(Fixture.WrongGroupsAndTranCount))).Error;
        strict.Message.ShouldBe("segment 8 (GE at byte 275): GE01 transaction set count 2 does not match the 1 transaction sets in group 3314");

        var document = X12Parser.Parse(Fixture.Bytes(Fixture.WrongGroupsAndTranCount), new X12ReaderOptions { ErrorMode = EdiErrorMode.Collect });
        var interchange = document.Interchanges.Single();
        interchange.Errors.Select(e => e.Reason).ShouldBe(["IEA01 functional group count 2 does not match the 1 groups in interchange 000003438"]);
        interchange.Groups.Single().Errors.Single().Code.ShouldBe("5");
        interchange.Groups.Single().Transactions.Single().Accepted.ShouldBeTrue();
    }

    [Fact]
    public void Non_EDI_input_is_refused_as_not_an_X12_interchange()
    {
        var error = Should.Throw<EdiParseException>(() => X12Parser.Parse(Fixture.Bytes(Fixture.NonEdi))).Error;

        error.Message.ShouldBe("not an X12 interchange: expected \"ISA\" at byte 0 but found \"Tk9OIEVESSBGSUxFISAasads…\"");
        error.SegmentNumber.ShouldBe(0);
    }

    [Theory]
    [InlineData(Fixture.NodeX12, false)]
    [InlineData(Fixture.Crossdock, false)]
    [InlineData(Fixture.Stupidedi, true)]
    public void Every_fixture_parses_the_same_through_a_trickling_non_seekable_stream(string name, bool lenient)
    {
        var options = new X12ReaderOptions { StrictIsaWidth = !lenient, BufferSize = 1024 };
        var whole = Json.EdiJson.Serialize(X12Parser.Parse(Fixture.Bytes(name), options));

        for (var seed = 1; seed <= 5; seed++)
        {
            Json.EdiJson.Serialize(X12Parser.Parse(new TrickleStream(Fixture.Bytes(name), seed), options)).ShouldBe(whole);
        }
    }

    private static void CollectLevels(JsonElement loop, string? nestedIn, List<(string, string?, string?, List<string>)> into)
    {
        var id = loop.GetProperty("HL01_HierarchicalIdNumber").GetInt32().ToString(CultureInfo.InvariantCulture);
        var parentElement = loop.GetProperty("HL02_HierarchicalParentIdNumber");
        var parent = parentElement.ValueKind == JsonValueKind.Null ? null : parentElement.GetInt32().ToString(CultureInfo.InvariantCulture);
        var facts = new List<string>();
        into.Add((id, parent, nestedIn, facts));
        foreach (var child in loop.GetProperty("Content").EnumerateArray())
        {
            var name = child.GetProperty("Name").GetString()!;
            if (name == "L_HL")
            {
                CollectLevels(child, id, into);
            }
            else if (name == "L_N1")
            {
                facts.Add(string.Join("|", child.GetProperty("Content").EnumerateArray().Select(SegmentText)));
            }
            else
            {
                facts.Add(SegmentText(child));
            }
        }
    }

    private static string SegmentText(JsonElement segment)
    {
        var values = segment.GetProperty("Content").EnumerateArray().Select(e => e.GetProperty("E").GetString() ?? "").ToList();
        while (values.Count > 0 && values[^1].Length == 0)
        {
            values.RemoveAt(values.Count - 1);
        }

        return segment.GetProperty("Name").GetString() + (values.Count == 0 ? "" : "*" + string.Join('*', values));
    }

    /// <summary>Our typed level written back as segment texts, to compare with EdiEngine's generic segments.</summary>
    private static IEnumerable<string> Facts(X12HierarchicalLevel level)
    {
        static string Seg(string id, params object?[] elements)
        {
            var values = elements.Select(e => e switch
            {
                null => "",
                decimal d => d.ToString(CultureInfo.InvariantCulture),
                _ => e.ToString()!,
            }).ToList();
            while (values.Count > 0 && values[^1].Length == 0)
            {
                values.RemoveAt(values.Count - 1);
            }

            return id + (values.Count == 0 ? "" : "*" + string.Join('*', values));
        }

        foreach (var r in level.References)
        {
            yield return Seg("REF", r.Qualifier, r.Value, r.Description);
        }

        foreach (var d in level.Dates)
        {
            yield return Seg("DTM", d.Qualifier, d.Date, d.Time);
        }

        if (level.PurchaseOrder is { } po)
        {
            yield return Seg("PRF", po.PurchaseOrderNumber, po.ReleaseNumber, po.ChangeOrderSequence, po.Date);
        }

        foreach (var m in level.Marks)
        {
            yield return Seg("MAN", m.Qualifier, m.Number, m.RangeEnd);
        }

        if (level.Item is { } item)
        {
            yield return Seg("LIN", [item.LineNumber, .. item.Ids.SelectMany(i => new[] { i.Qualifier, i.Value })]);
        }

        if (level.Quantity is { } q)
        {
            yield return Seg("SN1", q.LineNumber, q.Quantity, q.Unit, q.ShippedToDate, q.Ordered, q.OrderedUnit);
        }

        foreach (var p in level.Packaging)
        {
            yield return Seg("TD1", p.PackagingCode, p.LadingQuantity, null, null, null, p.WeightQualifier, p.Weight, p.WeightUnit, p.Volume, p.VolumeUnit);
        }

        foreach (var c in level.Carriers)
        {
            yield return Seg("TD5", c.RoutingSequence, c.IdQualifier, c.Id, c.TransportationMethod, c.Routing);
        }

        foreach (var party in level.Parties)
        {
            var parts = new List<string> { Seg("N1", party.EntityCode, party.Name, party.IdQualifier, party.Id) };
            if (party.AddressLines.Count > 0)
            {
                parts.Add(Seg("N3", [.. party.AddressLines]));
            }

            if (party.City is not null || party.State is not null || party.PostalCode is not null)
            {
                parts.Add(Seg("N4", party.City, party.State, party.PostalCode, party.Country));
            }

            yield return string.Join("|", parts);
        }

        foreach (var other in level.OtherSegments)
        {
            yield return other.ToString();
        }
    }
}

internal static class TransactionExtensions
{
    public static string Header(this X12Transaction transaction) => $"{transaction.TransactionSetId} {transaction.ControlNumber}";
}
