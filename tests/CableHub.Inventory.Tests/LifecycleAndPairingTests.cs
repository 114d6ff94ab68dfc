using CableHub.Inventory;
using Dapper;
using Npgsql;

namespace CableHub.Inventory.Tests;

public sealed class LifecycleAndPairingTests(InventoryDatabase db) : IClassFixture<InventoryDatabase>
{
    private static readonly InventoryActor Clerk = new("clerk:asha", "test");

    [Fact]
    public async Task The_code_and_the_database_trigger_allow_exactly_the_same_transitions()
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var inDb = (await conn.QueryAsync<(string, string)>("SELECT from_status, to_status FROM hub.device_transition")).ToHashSet();
        inDb.ShouldBe(DeviceLifecycle.Transitions.ToHashSet(), ignoreOrder: true);
    }

    [Fact]
    public async Task A_device_walks_its_whole_lifecycle_and_every_step_is_a_movement_with_who_and_why()
    {
        var serial = (await db.AddDevicesAsync("STB-HD", 1, status: DeviceStatus.Ordered)).Single();
        var item = (await db.Inventory.GetItemBySerialAsync(serial))!;
        string[] path = [DeviceStatus.InTransit, DeviceStatus.InStock, DeviceStatus.Reserved, DeviceStatus.Installed, DeviceStatus.Returned, DeviceStatus.Refurbishing, DeviceStatus.InStock, DeviceStatus.Rma, DeviceStatus.Scrapped];
        foreach (var status in path)
        {
            item = await db.Inventory.ChangeStatusAsync(item.Id, status, null, new InventoryActor("tech:ravi", "step to " + status, "ticket T-9"));
            item.Status.ShouldBe(status);
        }

        var movements = await db.Inventory.GetMovementsAsync(item.Id);
        movements.Count.ShouldBe(path.Length + 1); // the creation, then every change
        movements[0].ToStatus.ShouldBe(DeviceStatus.Ordered);
        movements.Skip(1).Select(m => m.ToStatus).ShouldBe(path);
        movements.Skip(1).Select(m => m.FromStatus).ShouldBe([DeviceStatus.Ordered, .. path[..^1]]);
        movements.Skip(1).ShouldAllBe(m => m.Actor == "tech:ravi" && m.Reference == "ticket T-9");
        movements[4].Reason.ShouldBe("step to " + DeviceStatus.Installed);
    }

    [Fact]
    public async Task An_illegal_change_names_the_item_from_and_to_and_changes_nothing()
    {
        var serial = (await db.AddDevicesAsync("STB-HD", 1)).Single();
        var item = (await db.Inventory.GetItemBySerialAsync(serial))!;
        var ex = await Should.ThrowAsync<InvalidTransitionException>(() => db.Inventory.ChangeStatusAsync(item.Id, DeviceStatus.Returned, null, Clerk));
        ex.Message.ShouldBe($"device {serial} cannot go from in_stock to returned (allowed from in_stock: reserved, installed, in_transit, refurbishing, rma, scrapped)");
        (ex.SerialNumber, ex.From, ex.To).ShouldBe((serial, "in_stock", "returned"));
        (await db.Inventory.GetItemAsync(item.Id))!.Status.ShouldBe(DeviceStatus.InStock);
        (await db.Inventory.GetMovementsAsync(item.Id)).Count.ShouldBe(1);

        var scrapped = await db.Inventory.ChangeStatusAsync(item.Id, DeviceStatus.Scrapped, null, Clerk);
        (await Should.ThrowAsync<InvalidTransitionException>(() => db.Inventory.ChangeStatusAsync(scrapped.Id, DeviceStatus.InStock, null, Clerk)))
            .Message.ShouldContain("allowed from scrapped: nothing, it is final");
    }

    [Fact]
    public async Task The_database_rejects_an_illegal_change_made_around_the_store()
    {
        var serial = (await db.AddDevicesAsync("MODEM-D31", 1)).Single();
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var ex = await Should.ThrowAsync<PostgresException>(() => conn.ExecuteAsync("UPDATE hub.device SET status = 'ordered' WHERE serial_number = @serial", new { serial }));
        ex.ConstraintName.ShouldBe("device_lifecycle");
        ex.MessageText.ShouldBe($"device {serial} cannot go from in_stock to ordered");
        InventorySession.IsLifecycleViolation(ex).ShouldBeTrue();
    }

    [Fact]
    public async Task Moving_to_a_van_is_recorded_and_installed_devices_cannot_be_moved()
    {
        var serial = (await db.AddDevicesAsync("STB-HD", 1)).Single();
        var item = (await db.Inventory.GetItemBySerialAsync(serial))!;
        var moved = await db.Inventory.MoveAsync(item.Id, db.Van.Id, new InventoryActor("clerk:asha", "load van for Monday route"));
        moved.LocationCode.ShouldBe("VAN7");
        var last = (await db.Inventory.GetMovementsAsync(item.Id))[^1];
        (last.FromLocationId, last.ToLocationId, last.Reason).ShouldBe((db.Warehouse.Id, db.Van.Id, "load van for Monday route"));

        await db.Inventory.ChangeStatusAsync(item.Id, DeviceStatus.Installed, null, Clerk);
        (await Should.ThrowAsync<InventoryConflictException>(() => db.Inventory.MoveAsync(item.Id, db.Warehouse.Id, Clerk)))
            .Message.ShouldBe($"device {serial} is installed and cannot be moved between locations");
    }

    [Fact]
    public async Task Pairing_unpairing_and_replacing_a_card_keep_both_sides_and_the_history()
    {
        var stb = (await db.AddDevicesAsync("STB-HD", 1)).Single();
        var cards = await db.AddDevicesAsync("CARD-V", 3);
        await db.Inventory.PairAsync(stb, cards[0], Clerk);
        var box = (await db.Inventory.GetItemBySerialAsync(stb))!;
        box.PairedSerialNumber.ShouldBe(cards[0]);
        (await db.Inventory.GetItemBySerialAsync(cards[0]))!.PairedSerialNumber.ShouldBe(stb);

        (await Should.ThrowAsync<InventoryConflictException>(() => db.Inventory.PairAsync(stb, cards[1], Clerk)))
            .Message.ShouldBe($"set-top box {stb} is already paired with {cards[0]}");
        (await Should.ThrowAsync<InventoryRuleException>(() => db.Inventory.PairAsync(cards[1], stb, Clerk)))
            .Message.ShouldBe($"device {cards[1]} is a smart_card, not a stb");

        // Installed at a customer: the replacement card follows the box, the old card comes back as returned.
        await db.Inventory.ChangeStatusAsync(box.Id, DeviceStatus.Installed, null, Clerk);
        await db.Inventory.ChangeStatusAsync((await db.Inventory.GetItemBySerialAsync(cards[0]))!.Id, DeviceStatus.Installed, null, Clerk);
        await db.Inventory.ReplaceCardAsync(stb, cards[1], null, new InventoryActor("tech:ravi", "card faulty"));
        (await db.Inventory.GetItemBySerialAsync(stb))!.PairedSerialNumber.ShouldBe(cards[1]);
        var old = (await db.Inventory.GetItemBySerialAsync(cards[0]))!;
        (old.Status, old.PairedDeviceId).ShouldBe((DeviceStatus.Returned, null));
        (await db.Inventory.GetItemBySerialAsync(cards[1]))!.Status.ShouldBe(DeviceStatus.Installed);

        (await db.Inventory.UnpairAsync(stb, Clerk)).ShouldBe(cards[1]);
        (await db.Inventory.GetItemBySerialAsync(cards[1]))!.PairedDeviceId.ShouldBeNull();
        var history = await db.Inventory.GetPairingHistoryAsync(box.Id);
        history.Select(h => (h.Action, h.CardId)).ShouldBe([
            ("paired", (await db.Inventory.GetItemBySerialAsync(cards[0]))!.Id),
            ("unpaired", old.Id),
            ("paired", (await db.Inventory.GetItemBySerialAsync(cards[1]))!.Id),
            ("unpaired", (await db.Inventory.GetItemBySerialAsync(cards[1]))!.Id),
        ]);
        history[1].Reason.ShouldBe("card faulty");
    }

    [Fact]
    public async Task Stock_levels_count_devices_by_status_and_cable_by_quantity()
    {
        var wh = await db.Inventory.UpsertLocationAsync("WH-LEVELS", "Levels warehouse", LocationKind.Warehouse);
        await db.AddDevicesAsync("MODEM-D31", 4, wh.Id);
        await db.AddDevicesAsync("MODEM-D31", 2, wh.Id, DeviceStatus.Reserved);
        await db.Inventory.AdjustQuantityAsync("CABLE-RG6", wh.Id, 500, Clerk);
        await db.Inventory.AdjustQuantityAsync("CABLE-RG6", wh.Id, -120, new InventoryActor("tech:ravi", "job J-1"));
        var levels = await db.Inventory.GetStockLevelsAsync(locationId: wh.Id);
        levels.Single(l => l.ModelCode == "MODEM-D31").ShouldSatisfyAllConditions(l => l.InStock.ShouldBe(4), l => l.Reserved.ShouldBe(2));
        levels.Single(l => l.ModelCode == "CABLE-RG6").InStock.ShouldBe(380);
        (await Should.ThrowAsync<InventoryRuleException>(() => db.Inventory.AdjustQuantityAsync("CABLE-RG6", wh.Id, -1000, Clerk)))
            .Message.ShouldContain("cannot remove 1000, only 380 in stock");
        (await Should.ThrowAsync<InventoryRuleException>(() => db.Inventory.AdjustQuantityAsync("MODEM-D31", wh.Id, 1, Clerk)))
            .Message.ShouldContain("is serialised");
    }
}
