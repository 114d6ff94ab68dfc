using CableHub.Connectors.Edi.Simulator;
using System.Text;
using CableHub.Inventory;
using CableHub.Inventory.Edi;

namespace CableHub.Inventory.Tests;

public sealed class ReorderAndPurchasingTests(InventoryDatabase db) : IClassFixture<InventoryDatabase>
{
    private static readonly InventoryActor Buyer = new("buyer:meera", "restock");

    [Fact]
    public async Task Low_stock_raises_one_durable_alert_and_event_then_a_draft_PO_sent_as_850_then_resolves()
    {
        var wh = await db.Inventory.UpsertLocationAsync("WH-REORDER", "Reorder warehouse", LocationKind.Warehouse);
        await db.AddDevicesAsync("STB-HD", 3, wh.Id);
        await db.Reorder.SetReorderPointAsync("STB-HD", wh.Id, minQuantity: 5, reorderQuantity: 20);
        await db.Reorder.SetReorderPointAsync("RMT-OLD", wh.Id, minQuantity: 1, reorderQuantity: 10);

        var first = await db.Reorder.CheckAsync();
        var alert = first.Raised.Single(a => a.ModelCode == "STB-HD");
        (alert.InStock, alert.MinQuantity, alert.Status).ShouldBe((3, 5, StockAlertStatus.Open));
        (await db.Reorder.CheckAsync()).Raised.ShouldBeEmpty(); // no second alert while one is unresolved
        (await db.ScalarAsync<long>("SELECT count(*) FROM hub.inventory_event WHERE type = 'LowStockDetected' AND subject_id = @id", new { id = alert.Id.ToString() })).ShouldBe(1);

        var (created, skipped) = await db.Orders.CreateFromOpenAlertsAsync(Buyer);
        skipped.ShouldContain(a => a.ModelCode == "RMT-OLD"); // no supplier for that model
        var po = created.Single(p => p.ShipToLocationId == wh.Id);
        po.Status.ShouldBe(PurchaseOrderStatus.Draft);
        po.Lines.Single().ShouldSatisfyAllConditions(l => l.ModelCode.ShouldBe("STB-HD"), l => l.Quantity.ShouldBe(20), l => l.UnitPrice.ShouldBe(2400m));
        (await db.Reorder.ListAlertsAsync(StockAlertStatus.Ordered)).ShouldContain(a => a.Id == alert.Id && a.PurchaseOrderId == po.Id);

        var fileId = await db.Sender().SendAsync(po.Id, Buyer);
        var sent = (await db.Orders.GetAsync(po.Id))!;
        sent.Status.ShouldBe(PurchaseOrderStatus.Sent);
        sent.History.Select(h => h.Status).ShouldBe([PurchaseOrderStatus.Draft, PurchaseOrderStatus.Sent]);
        var (file, content) = (await db.Files.GetOutboundAsync(fileId))!.Value;
        file.Kind.ShouldBe("850");
        var text = Encoding.UTF8.GetString(content);
        text.ShouldContain($"BEG*00*NE*{po.Number}**");
        text.ShouldContain("PO1*1*20*EA*2400**VP*STBHD200*BP*STB-HD*UP*00812345450019");
        File.ReadAllBytes(Path.Combine(db.Edi.OutboxDirectory, file.FileName)).ShouldBe(content);
        var edi = SupplierSimulator.ReadPurchaseOrder(content); // the 850 parses back with the connector's reader
        (edi.Number, edi.Lines.Single().Quantity).ShouldBe((po.Number, 20m));
        await Should.ThrowAsync<InventoryConflictException>(() => db.Sender().SendAsync(po.Id, Buyer));

        // Stock comes back: the alert resolves at the next check.
        await db.AddDevicesAsync("STB-HD", 2, wh.Id);
        (await db.Reorder.CheckAsync()).Resolved.ShouldContain(a => a.Id == alert.Id);
        (await db.ScalarAsync<long>("SELECT count(*) FROM hub.inventory_event WHERE type = 'StockRecovered' AND subject_id = @id", new { id = alert.Id.ToString() })).ShouldBe(1);
    }

    [Fact]
    public async Task Interchange_control_numbers_come_from_a_sequence_and_never_repeat()
    {
        var numbers = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var po = await db.Orders.CreateAsync(new NewPurchaseOrder(db.Supplier.Id, db.Warehouse.Id, [new NewPurchaseOrderLine("MODEM-D31", 5)]), Buyer);
            var file = await db.Sender().SendAsync(po.Id, Buyer);
            numbers.Add((await db.Files.GetOutboundAsync(file))!.Value.File.InterchangeControlNumber);
        }

        numbers.Distinct().Count().ShouldBe(3);
        numbers.ShouldBe(numbers.Order().ToList());
    }

    [Fact]
    public async Task Purchase_order_rules_name_the_line_and_the_state_machine_holds()
    {
        (await Should.ThrowAsync<InventoryNotFoundException>(() => db.Orders.CreateAsync(new NewPurchaseOrder(db.Supplier.Id, db.Warehouse.Id, [new NewPurchaseOrderLine("STB-HD", 2), new NewPurchaseOrderLine("RMT-NONE", 1)]), Buyer)))
            .Message.ShouldBe("line 2: model RMT-NONE does not exist");
        (await Should.ThrowAsync<InventoryRequestException>(() => db.Orders.CreateAsync(new NewPurchaseOrder(db.Supplier.Id, db.Warehouse.Id, [new NewPurchaseOrderLine("STB-HD", 0)]), Buyer)))
            .Message.ShouldBe("line 1: quantity 0 must be positive");
        (await Should.ThrowAsync<InventoryRuleException>(() => db.Orders.CreateAsync(new NewPurchaseOrder(db.Supplier.Id, db.Van.Id, [new NewPurchaseOrderLine("STB-HD", 1)]), Buyer)))
            .Message.ShouldContain("purchase orders ship to a warehouse");

        var po = await db.Orders.CreateAsync(new NewPurchaseOrder(db.Supplier.Id, db.Warehouse.Id, [new NewPurchaseOrderLine("CARD-V", 10)]), Buyer);
        var cancelled = await db.Orders.CancelAsync(po.Id, new InventoryActor("buyer:meera", "duplicate order"));
        cancelled.Status.ShouldBe(PurchaseOrderStatus.Cancelled);
        cancelled.History[^1].Reason.ShouldBe("duplicate order");
        (await Should.ThrowAsync<InventoryConflictException>(() => db.Sender().SendAsync(po.Id, Buyer)))
            .Message.ShouldBe($"purchase order {po.Number} is cancelled; only a draft can be sent");
    }
}
