using System.Text;
using CableHub.Connectors.Edi;
using CableHub.Connectors.Edi.Generation;
using CableHub.Inventory;
using CableHub.Inventory.Edi;
using Dapper;

namespace CableHub.Inventory.Tests;

/// <summary>The shared real files (Fixtures/PROVENANCE.txt), known-bad ones, generated large ones, and the inbox folder.</summary>
public sealed class FixtureAndBadFileTests(InventoryDatabase db) : IClassFixture<InventoryDatabase>
{
    private static string Fixture(string path) => Path.Combine(AppContext.BaseDirectory, "Fixtures", path);

    /// <summary>A sent purchase order with a given number (as a supplier's real file names it).</summary>
    private async Task<Guid> SentOrderAsync(string number, params (string Model, int Quantity)[] lines)
    {
        var id = Guid.NewGuid();
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync(
            """
            INSERT INTO hub.purchase_order (id, number, supplier_id, ship_to_location_id, status, currency, order_date, created_by) VALUES (@id, @number, @supplier, @wh, 'sent', 'INR', '2024-01-01', 'test');
            INSERT INTO hub.purchase_order_line (purchase_order_id, line_number, model_code, quantity, unit_price) SELECT @id, ordinality, model, quantity, 1 FROM unnest(@models, @quantities) WITH ORDINALITY AS x(model, quantity);
            """, new { id, number, supplier = db.Supplier.Id, wh = db.Warehouse.Id, models = lines.Select(l => l.Model).ToArray(), quantities = lines.Select(l => l.Quantity).ToArray() });
        return id;
    }

    private async Task<long> CountAsync(string table) => await db.ScalarAsync<long>($"SELECT count(*) FROM hub.{table}");

    [Fact]
    public async Task Real_856_from_node_x12_is_received_against_its_PO_by_the_suppliers_part_numbers()
    {
        await db.Inventory.UpsertModelAsync(new EquipmentModel("WIDGET-BLUE", "cable", "Blue widget", "Fixture", false, db.Supplier.Id, "87787D", "999999310145", 1m, "INR", "EA"));
        await db.Inventory.UpsertModelAsync(new EquipmentModel("WIDGET-RED", "cable", "Red widget", "Fixture", false, db.Supplier.Id, "99887D", null, 1m, "INR", "EA"));
        var po = await SentOrderAsync("99999817", ("WIDGET-BLUE", 24), ("WIDGET-RED", 6));

        var result = await db.Intake().IngestFileAsync(Fixture("x12-856/node-x12_856_v4060_S-O-I.edi"), "test");

        result.Outcome.ShouldBe(EdiIntakeOutcome.Processed, result.Reason);
        (result.File.SenderId, result.File.InterchangeControl).ShouldBe(("4405197800", "000000049"));
        var receipt = (await db.Receipts.ListAsync(purchaseOrderId: po)).Single();
        (receipt.Status, receipt.ShipmentId).ShouldBe((ReceiptStatus.Clean, "829716"));
        (await db.Inventory.GetStockLevelsAsync("WIDGET-BLUE", db.Warehouse.Id)).Single().InStock.ShouldBe(24);
        (await db.Orders.GetAsync(po))!.Status.ShouldBe(PurchaseOrderStatus.Received);
    }

    [Fact]
    public async Task Real_crossdock_856_with_two_orders_and_no_serials_shows_every_shortfall()
    {
        await db.Inventory.UpsertModelAsync(new EquipmentModel("XD-642", "remote", "Crossdock 642", "Fixture", false, db.Supplier.Id, null, "0000000000642", 1m, "INR", "EA"));
        await db.Inventory.UpsertModelAsync(new EquipmentModel("XD-831", "stb", "Crossdock 831", "Fixture", true, db.Supplier.Id, null, "0000000000831", 1m, "INR", "EA"));
        var a = await SentOrderAsync("POREF00", ("XD-642", 12), ("XD-831", 12));
        var b = await SentOrderAsync("POREF01", ("XD-642", 20));

        var result = await db.Intake().IngestFileAsync(Fixture("x12-856/ediengine_856_Crossdock_multi-order_S-O-P-I_MAN-GM_REF-SE.edi"), "test");

        result.Outcome.ShouldBe(EdiIntakeOutcome.Processed, result.Reason);
        var ra = (await db.Receipts.ListAsync(purchaseOrderId: a)).Single();
        // Two items of POREF00 (UP 283 and 203) are on no PO line; the serialised 831 came without serial numbers.
        ra.Discrepancies.Count(d => d.Kind == "wrong_model").ShouldBe(2);
        ra.Discrepancies.ShouldContain(d => d.Kind == "serial_count_mismatch" && d.ModelCode == "XD-831" && d.Quantity == 12);
        var rb = (await db.Receipts.ListAsync(purchaseOrderId: b)).Single();
        rb.Discrepancies.Single().ShouldSatisfyAllConditions(d => d.Kind.ShouldBe("short"), d => d.Quantity.ShouldBe(8));
        (await db.Orders.GetAsync(b))!.Status.ShouldBe(PurchaseOrderStatus.PartiallyReceived);
    }

    [Theory]
    [InlineData("x12-envelope-errors/ediengine_NonEdi.edi", null, "not an EDI file: it starts with neither an X12 ISA segment nor an EDIFACT UNA/UNB segment")]
    [InlineData("x12-envelope-errors/ediengine_940_ControlNumbersMismatch.edi", "X12", "segment 7 (SE at byte 265): SE02 control number 0002 does not match ST02 0001")]
    [InlineData("x12-envelope-errors/ediengine_940_WrongGroupsAndTranCount.edi", "X12", "GE01 transaction set count 2 does not match the 1 transaction sets in group 3314")]
    [InlineData("x12-856/stupidedi_856_v2001_FAIL_bang-segterm_S-T-I-P_REF-LS_2tx.edi", "X12", "ISA is not fixed-width")]
    public async Task Known_bad_files_are_quarantined_with_a_clear_reason_and_nothing_is_applied(string file, string? format, string reason)
    {
        var before = (await CountAsync("receipt"), await CountAsync("device"), await CountAsync("purchase_order_line"));
        var result = await db.Intake().IngestFileAsync(Fixture(file), "inbox");

        result.Outcome.ShouldBe(EdiIntakeOutcome.Quarantined);
        result.Reason!.ShouldContain(reason);
        (result.File.Status, result.File.Format, result.File.Reason).ShouldBe((EdiFileStatus.Quarantined, format, result.Reason));
        (await CountAsync("receipt"), await CountAsync("device"), await CountAsync("purchase_order_line")).ShouldBe(before);
        var quarantined = Path.Combine(db.Edi.QuarantineDirectory, $"{result.File.Sha256[..12]}_{Path.GetFileName(file)}");
        File.ReadAllBytes(quarantined).ShouldBe(File.ReadAllBytes(Fixture(file)));
        File.ReadAllText(quarantined + ".reason.txt").ShouldContain(reason);
        (await db.ScalarAsync<long>("SELECT count(*) FROM hub.inventory_event WHERE type = 'EdiFileQuarantined' AND subject_id = @id", new { id = result.File.Id.ToString() })).ShouldBe(1);
    }

    [Fact]
    public async Task An_X12_file_with_envelope_errors_still_gets_a_997_that_rejects_it()
    {
        // The same file plus a trailing line break (another content: the theory above receives the file itself).
        var content = File.ReadAllBytes(Fixture("x12-envelope-errors/ediengine_940_ControlNumbersMismatch.edi")).Append((byte)'\n').ToArray();
        var result = await db.Intake().IngestAsync(new MemoryStream(content), "mismatch.edi", "test");
        result.Outcome.ShouldBe(EdiIntakeOutcome.Quarantined);
        var ack = Encoding.UTF8.GetString((await db.Files.GetOutboundAsync(result.AcknowledgementId!.Value))!.Value.Content);
        ack.ShouldContain("AK2*940*0001");
        ack.ShouldContain("AK5*R");
    }

    [Fact]
    public async Task A_generated_856_with_100k_serials_and_deep_nested_packs_is_received_in_one_transaction()
    {
        var options = new X12ShipNoticeGeneratorOptions
        {
            Transactions = 50, OrdersPerShipment = 2, PackagesPerOrder = 20, ItemsPerPackage = 5, SerialsPerItem = 10, PackNestingDepth = 4,
            ModelCodes = ["STBHD200", "CMDOCSIS31"], PurchaseOrderPrefix = "GEN", Delimiters = new(':', '<', '~', null), LineEnding = "\r\n", Indent = "  ", ByteOrderMark = true,
        };
        var bytes = new X12ShipNoticeGenerator(options).ToBytes();
        var parsed = EdiDocumentParser.Parse(new MemoryStream(bytes));
        parsed.ShipNotices.Sum(n => n.SerialNumberCount).ShouldBe(100_000);
        foreach (var order in parsed.ShipNotices.SelectMany(n => n.Orders))
        {
            var byModel = order.Packages.SelectMany(p => p.Items).GroupBy(i => i.ModelCode).ToDictionary(g => g.Key, g => (int)g.Sum(i => i.Quantity!.Value));
            await SentOrderAsync(order.PurchaseOrderNumber!, [.. byModel.Select(kv => (kv.Key == "STBHD200" ? "STB-HD" : "MODEM-D31", kv.Value))]);
        }

        var result = await db.Intake().IngestAsync(new MemoryStream(bytes), "big.x12", "test");

        result.Outcome.ShouldBe(EdiIntakeOutcome.Processed, result.Reason);
        result.ReceiptIds.Count.ShouldBe(100);
        (await db.ScalarAsync<long>("SELECT count(*) FROM hub.receipt WHERE edi_file_id = @id AND status = 'clean'", new { id = result.File.Id })).ShouldBe(100);
        (await db.ScalarAsync<long>("SELECT count(*) FROM hub.device d JOIN hub.receipt r ON r.id = d.receipt_id WHERE r.edi_file_id = @id AND d.status = 'in_stock'", new { id = result.File.Id })).ShouldBe(100_000);
        (await db.ScalarAsync<long>("SELECT count(*) FROM hub.purchase_order WHERE number LIKE 'GEN%' AND status = 'received'")).ShouldBe(100);
    }

    [Fact]
    public async Task The_inbox_watcher_takes_a_settled_file_once_and_reports_the_second_drop_as_duplicate()
    {
        var settings = new InventorySettings { InboxSettleMilliseconds = 0 };
        var watcher = new InboxWatcher(db.Intake(), settings, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<InboxWatcher>.Instance);
        Directory.CreateDirectory(db.Edi.InboxDirectory);
        var content = Encoding.UTF8.GetBytes("this is not EDI " + Guid.NewGuid());
        await File.WriteAllBytesAsync(Path.Combine(db.Edi.InboxDirectory, "junk.txt"), content);
        await watcher.ScanAsync(CancellationToken.None);
        await File.WriteAllBytesAsync(Path.Combine(db.Edi.InboxDirectory, "junk-again.txt"), content);
        await watcher.ScanAsync(CancellationToken.None);

        watcher.Taken.ShouldBe(2);
        Directory.EnumerateFiles(db.Edi.InboxDirectory).ShouldBeEmpty();
        var file = (await db.Files.ListAsync()).Single(f => f.OriginalName == "junk.txt");
        file.Status.ShouldBe(EdiFileStatus.Quarantined);
        (await db.Files.ListArrivalsAsync(file.Id)).Select(a => (a.OriginalName, a.Duplicate)).ShouldBe([("junk.txt", false), ("junk-again.txt", true)]);
        file.SizeBytes.ShouldBe(content.Length);
    }
}
