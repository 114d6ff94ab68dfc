using CableHub.Connectors.Edi.Simulator;
using System.Text;
using CableHub.Connectors.Edi.X12;
using CableHub.Inventory;
using CableHub.Inventory.Edi;

namespace CableHub.Inventory.Tests;

/// <summary>PO → 850 → (simulated supplier) 856 → receipt, every discrepancy, duplicates, EDIFACT, known-bad files.</summary>
public sealed class EdiIntakeTests(InventoryDatabase db) : IClassFixture<InventoryDatabase>
{
    private static readonly InventoryActor Buyer = new("buyer:meera", "restock");

    private async Task<(PurchaseOrderInfo Po, byte[] X850)> SentOrderAsync(params (string Model, int Quantity)[] lines)
    {
        var po = await db.Orders.CreateAsync(new NewPurchaseOrder(db.Supplier.Id, db.Warehouse.Id, lines.Select(l => new NewPurchaseOrderLine(l.Model, l.Quantity)).ToList()), Buyer);
        var file = await db.Sender().SendAsync(po.Id, Buyer);
        return (po, (await db.Files.GetOutboundAsync(file))!.Value.Content);
    }

    private Task<EdiIntakeResult> DropAsync(byte[] content, string name, string source = "test") => db.Intake().IngestAsync(new MemoryStream(content), name, source);

    [Fact]
    public async Task Round_trip_PO_850_simulated_856_gives_a_clean_receipt_devices_in_stock_a_received_PO_and_a_997()
    {
        var (po, x850) = await SentOrderAsync(("STB-HD", 4), ("CARD-V", 4), ("CABLE-RG6", 300));
        var x856 = SupplierSimulator.ShipNoticeFor(x850, new SupplierShipment { Unserialized = new HashSet<string> { "3" }, ShipmentId = "SHP-RT-1" });

        var result = await DropAsync(x856, "acme_856.x12");

        result.Outcome.ShouldBe(EdiIntakeOutcome.Processed, result.Reason);
        result.File.Status.ShouldBe(EdiFileStatus.Processed);
        var receipt = (await db.Receipts.GetAsync(result.ReceiptIds.Single()))!;
        receipt.Status.ShouldBe(ReceiptStatus.Clean);
        receipt.Discrepancies.ShouldBeEmpty();
        receipt.Lines.Select(l => (l.ModelCode, l.Ordered, l.Shipped, l.Status)).ShouldBe([("STB-HD", 4, 4, "received"), ("CARD-V", 4, 4, "received"), ("CABLE-RG6", 300, 300, "received")]);
        receipt.SerialsReceived.ShouldBe(8);

        var devices = await db.Inventory.QueryItemsAsync(new ItemQuery { ModelCode = "STB-HD", Status = DeviceStatus.InStock, LocationId = db.Warehouse.Id, Limit = 1000 });
        devices.Items.Where(d => d.ReceiptId == receipt.Id).Select(d => d.SerialNumber).ShouldBe([.. Enumerable.Range(1, 4).Select(i => $"SN{po.Number}{i:D6}")]);
        var movement = (await db.Inventory.GetMovementsAsync(devices.Items.First(d => d.ReceiptId == receipt.Id).Id)).Single();
        (movement.ToStatus, movement.Actor, movement.ToLocationId).ShouldBe((DeviceStatus.InStock, "edi:" + InventoryDatabase.SupplierX12Id, db.Warehouse.Id));
        movement.Reference.ShouldBe($"receipt {receipt.Id} (SHP-RT-1)");
        (await db.Inventory.GetStockLevelsAsync("CABLE-RG6", db.Warehouse.Id)).Single().InStock.ShouldBeGreaterThanOrEqualTo(300);

        var received = (await db.Orders.GetAsync(po.Id))!;
        received.Status.ShouldBe(PurchaseOrderStatus.Received);
        received.Lines.ShouldAllBe(l => l.ReceivedQuantity == l.Quantity);

        var ack = (await db.Files.GetOutboundAsync(result.AcknowledgementId!.Value))!.Value;
        ack.File.Kind.ShouldBe("997");
        var text = Encoding.UTF8.GetString(ack.Content);
        text.ShouldContain("AK1*SH*1~");
        text.ShouldContain("AK2*856*0001~");
        text.ShouldContain("AK5*A~");
        text.ShouldContain("AK9*A*1*1*1~");
        text.ShouldStartWith("ISA*00*          *00*          *ZZ*CABLEHUB       *ZZ*ACMESUPPLY     *");
        File.Exists(Path.Combine(db.Edi.OutboxDirectory, ack.File.FileName)).ShouldBeTrue();
        File.Exists(Path.Combine(db.Edi.StoreDirectory, result.File.Sha256[..2], result.File.Sha256 + ".edi")).ShouldBeTrue();
    }

    [Fact]
    public async Task The_same_file_dropped_twice_is_reported_as_duplicate_and_applied_once()
    {
        var (po, x850) = await SentOrderAsync(("MODEM-D31", 3));
        var x856 = SupplierSimulator.ShipNoticeFor(x850, new SupplierShipment { ShipmentId = "SHP-DUP" });
        var first = await DropAsync(x856, "first.edi", "inbox");
        var second = await DropAsync(x856, "renamed-copy.edi", "upload");

        first.Outcome.ShouldBe(EdiIntakeOutcome.Processed);
        second.Outcome.ShouldBe(EdiIntakeOutcome.Duplicate);
        second.File.Id.ShouldBe(first.File.Id);
        second.Reason!.ShouldContain("received before as first.edi");
        (await db.Receipts.ListAsync(purchaseOrderId: po.Id)).Count.ShouldBe(1);
        (await db.ScalarAsync<long>("SELECT count(*) FROM hub.device WHERE purchase_order_id = @id", new { id = po.Id })).ShouldBe(3);
        (await db.Files.ListArrivalsAsync(first.File.Id)).Select(a => (a.OriginalName, a.Source, a.Duplicate)).ShouldBe([("first.edi", "inbox", false), ("renamed-copy.edi", "upload", true)]);
    }

    [Fact]
    public async Task Short_over_wrong_model_and_duplicate_serials_are_recorded_and_visible()
    {
        var existing = (await db.AddDevicesAsync("STB-HD", 1)).Single();
        var (po, x850) = await SentOrderAsync(("STB-HD", 5), ("CARD-V", 3), ("MODEM-D31", 2));
        var x856 = SupplierSimulator.ShipNoticeFor(x850, new SupplierShipment
        {
            ShipmentId = "SHP-MESS",
            ShortBy = new Dictionary<string, int> { ["1"] = 2 },                 // 3 of 5 boxes
            OverBy = new Dictionary<string, int> { ["2"] = 1 },                  // 4 of 3 cards
            WrongModel = ("ONTGPON10", 2),                                       // never ordered
            Serials = new Dictionary<string, IReadOnlyList<string>> { ["3"] = ["MDM-A", existing] },  // one serial we already have
        });

        var result = await DropAsync(x856, "mess.edi");

        result.Outcome.ShouldBe(EdiIntakeOutcome.Processed, result.Reason);
        var receipt = (await db.Receipts.GetAsync(result.ReceiptIds.Single()))!;
        receipt.Status.ShouldBe(ReceiptStatus.Discrepancies);
        receipt.Lines.Select(l => (l.ModelCode, l.Status)).ShouldBe([("STB-HD", "short"), ("CARD-V", "over"), ("MODEM-D31", "received")]);
        var kinds = receipt.Discrepancies.Select(d => d.Kind).ToList();
        kinds.ShouldBe([ReceiptDiscrepancyKinds.WrongModel, ReceiptDiscrepancyKinds.DuplicateSerial, ReceiptDiscrepancyKinds.Short, ReceiptDiscrepancyKinds.Over], ignoreOrder: true);
        receipt.Discrepancies.Single(d => d.Kind == "short").ShouldSatisfyAllConditions(d => d.ModelCode.ShouldBe("STB-HD"), d => d.Quantity.ShouldBe(2),
            d => d.Message.ShouldBe($"PO {po.Number}: model STBHD200 is short by 2 (ordered 5, received 3)"));
        receipt.Discrepancies.Single(d => d.Kind == "over").Quantity.ShouldBe(1);
        receipt.Discrepancies.Single(d => d.Kind == "wrong_model").ShouldSatisfyAllConditions(d => d.ModelCode.ShouldBe("ONTGPON10"), d => d.Quantity.ShouldBe(2), d => d.Sscc.ShouldNotBeNull());
        receipt.Discrepancies.Single(d => d.Kind == "duplicate_serial").SerialNumber.ShouldBe(existing);

        // What arrived is in stock (3 boxes, 4 cards, the new modem), the wrong model and the duplicate are not.
        (await db.ScalarAsync<long>("SELECT count(*) FROM hub.device WHERE receipt_id = @id", new { id = receipt.Id })).ShouldBe(8);
        (await db.ScalarAsync<long>("SELECT count(*) FROM hub.device WHERE serial_number LIKE 'SNX%'")).ShouldBe(0);
        (await db.Orders.GetAsync(po.Id))!.Status.ShouldBe(PurchaseOrderStatus.PartiallyReceived);

        // The rest of the boxes on a second notice completes the order; repeated serials are duplicates.
        var rest = SupplierSimulator.ShipNoticeFor(x850, new SupplierShipment
        {
            ShipmentId = "SHP-REST",
            InterchangeControlNumber = 2,
            ShortBy = new Dictionary<string, int> { ["1"] = 3 },
            Serials = new Dictionary<string, IReadOnlyList<string>> { ["1"] = ["STB-LATE-1", "STB-LATE-2"], ["2"] = ["CARD-LATE"], ["3"] = ["MDM-A", "MDM-B"] },
        });
        var second = await DropAsync(rest, "rest.edi");
        var receipt2 = (await db.Receipts.GetAsync(second.ReceiptIds.Single()))!;
        receipt2.Lines.Single(l => l.ModelCode == "STB-HD").ShouldSatisfyAllConditions(l => l.PreviouslyReceived.ShouldBe(3), l => l.Shipped.ShouldBe(2), l => l.Status.ShouldBe("received"));
        receipt2.Discrepancies.ShouldContain(d => d.Kind == "duplicate_serial" && d.SerialNumber == "MDM-A");
    }

    [Fact]
    public async Task Serials_announced_for_the_order_arrive_and_any_other_serial_is_unknown()
    {
        var (po, x850) = await SentOrderAsync(("MODEM-D31", 2));
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            await Dapper.SqlMapper.ExecuteAsync(conn,
                "INSERT INTO hub.device (id, serial_number, kind, model_code, status, purchase_order_id) VALUES (gen_random_uuid(), 'ANN-1', 'modem', 'MODEM-D31', 'in_transit', @id), (gen_random_uuid(), 'ANN-2', 'modem', 'MODEM-D31', 'in_transit', @id)",
                new { id = po.Id });
        }

        var x856 = SupplierSimulator.ShipNoticeFor(x850, new SupplierShipment { ShipmentId = "SHP-ANN", Serials = new Dictionary<string, IReadOnlyList<string>> { ["1"] = ["ANN-1", "NOT-ANNOUNCED"] } });
        var result = await DropAsync(x856, "announced.edi");

        var receipt = (await db.Receipts.GetAsync(result.ReceiptIds.Single()))!;
        receipt.Discrepancies.Single().ShouldSatisfyAllConditions(d => d.Kind.ShouldBe("unknown_serial"), d => d.SerialNumber.ShouldBe("NOT-ANNOUNCED"));
        (await db.Inventory.GetItemBySerialAsync("ANN-1"))!.ShouldSatisfyAllConditions(d => d.Status.ShouldBe(DeviceStatus.InStock), d => d.LocationId.ShouldBe(db.Warehouse.Id));
        (await db.Inventory.GetItemBySerialAsync("ANN-2"))!.Status.ShouldBe(DeviceStatus.InTransit);
        (await db.Inventory.GetItemBySerialAsync("NOT-ANNOUNCED"))!.Status.ShouldBe(DeviceStatus.InStock); // on the dock, flagged
    }

    [Fact]
    public async Task A_notice_for_an_unknown_PO_is_recorded_as_unmatched_and_puts_nothing_in_stock()
    {
        var (_, x850) = await SentOrderAsync(("STB-HD", 1));
        var text = Encoding.UTF8.GetString(SupplierSimulator.ShipNoticeFor(x850, new SupplierShipment { ShipmentId = "SHP-NOPO", SerialPrefix = "NOPO" }));
        var po = SupplierSimulator.ReadPurchaseOrder(x850).Number;
        var result = await DropAsync(Encoding.UTF8.GetBytes(text.Replace("PRF*" + po, "PRF*PO-NOBODY", StringComparison.Ordinal)), "nopo.edi");

        result.Outcome.ShouldBe(EdiIntakeOutcome.Processed);
        var receipt = (await db.Receipts.GetAsync(result.ReceiptIds.Single()))!;
        receipt.Status.ShouldBe(ReceiptStatus.Unmatched);
        receipt.Discrepancies.Single().ShouldSatisfyAllConditions(d => d.Kind.ShouldBe("unknown_purchase_order"), d => d.Message.ShouldContain("PO-NOBODY, which does not exist"));
        (await db.ScalarAsync<long>("SELECT count(*) FROM hub.device WHERE serial_number LIKE 'NOPO%'")).ShouldBe(0);
    }

    [Fact]
    public async Task EDIFACT_DESADV_with_release_characters_and_a_serial_range_is_received_the_same_way()
    {
        var (po, _) = await SentOrderAsync(("MODEM-D31", 5), ("STB-HD", 2));
        var desadv = $"""
            UNA:+.? '
            UNB+UNOC:3+5412345000013:14+CABLEHUB:ZZ+240115:1030+IC0001++DESADV'
            UNH+M1+DESADV:D:96A:UN:EAN005'
            BGM+351+DSP?+0042+9'
            DTM+137:20240115:102'
            RFF+ON:{po.Number}'
            NAD+SU+5412345000013::9++ACME?'S SUPPLY'
            CPS+1++4'
            CPS+2+1+3'
            PAC+1++CT'
            GIN+BJ+{Connectors.Edi.Sscc.Create("05412345000000001")}'
            LIN+1++CMDOCSIS31:SA'
            QTY+12:5:PCE'
            GIN+BN+DSA0001:DSA0005'
            LIN+2++STB-HD:BP'
            QTY+12:2'
            GIN+BN+DSB?:1+DSB?:2'
            CNT+2:2'
            UNT+17+M1'
            UNZ+1+IC0001'
            """;
        var result = await DropAsync(Encoding.UTF8.GetBytes(desadv), "desadv.edi");

        result.Outcome.ShouldBe(EdiIntakeOutcome.Processed, result.Reason);
        result.File.Format.ShouldBe("EDIFACT");
        result.AcknowledgementId.ShouldBeNull();
        var receipt = (await db.Receipts.GetAsync(result.ReceiptIds.Single()))!;
        (receipt.Status, receipt.ShipmentId, receipt.SourceFormat).ShouldBe((ReceiptStatus.Clean, "DSP+0042", "EDIFACT DESADV"));
        (await db.Inventory.GetItemBySerialAsync("DSA0003"))!.Status.ShouldBe(DeviceStatus.InStock);
        (await db.Inventory.GetItemBySerialAsync("DSB:2"))!.ModelCode.ShouldBe("STB-HD");
        (await db.Orders.GetAsync(po.Id))!.Status.ShouldBe(PurchaseOrderStatus.Received);
    }

    [Theory]
    [InlineData('*', '>', '~', null)]
    [InlineData('|', '^', '\n', null)]
    [InlineData('+', ':', '\'', '!')]
    public async Task Any_delimiters_read_from_ISA_give_the_same_receipt(char element, char component, char segment, char? repetition)
    {
        var (po, x850) = await SentOrderAsync(("CARD-V", 2));
        var delimiters = new X12Delimiters(element, component, segment, repetition);
        var x856 = SupplierSimulator.ShipNoticeFor(x850, new SupplierShipment { Delimiters = delimiters, ShipmentId = "SHP-DELIM", SerialPrefix = "D" + (int)element });
        var result = await DropAsync(x856, "delims.edi");
        result.Outcome.ShouldBe(EdiIntakeOutcome.Processed, result.Reason);
        (await db.Receipts.GetAsync(result.ReceiptIds.Single()))!.Status.ShouldBe(ReceiptStatus.Clean);
        (await db.Orders.GetAsync(po.Id))!.Status.ShouldBe(PurchaseOrderStatus.Received);
        Encoding.UTF8.GetString((await db.Files.GetOutboundAsync(result.AcknowledgementId!.Value))!.Value.Content).ShouldContain($"AK5{element}A{segment}");
    }
}
