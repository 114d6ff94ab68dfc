using System.Text;
using CableHub.Inventory;
using CableHub.Inventory.Edi;

namespace CableHub.Inventory.Tests;

public sealed class CsvImportTests(InventoryDatabase db) : IClassFixture<InventoryDatabase>
{
    private static readonly InventoryActor Clerk = new("clerk:asha", "legacy import");

    private static MemoryStream Csv(string text) => new(Encoding.UTF8.GetBytes(text));

    private async Task<DeviceImportResult> ImportAsync(string csv)
    {
        var (rows, errors) = InventoryCsv.ReadDevices(Csv(csv));
        return await new InventoryImportStore(db.DataSource).ImportDevicesAsync(rows, Clerk, errors);
    }

    [Fact]
    public async Task A_bulk_device_list_is_imported_with_its_pairings_and_exports_back()
    {
        var result = await ImportAsync(
            """
            serial_number,model_code,status,location,cas_id,paired_serial_number
            CSV-STB-1,STB-HD,in_stock,WH1,CAS-CSV-1,CSV-CARD-1
            CSV-CARD-1,CARD-V,in_stock,WH1,,
            "CSV-STB-2",STB-HD,in_stock,VAN7,,
            CSV-MDM-1,MODEM-D31,ordered,,,
            """);

        result.Errors.ShouldBeEmpty();
        (result.Created, result.Paired).ShouldBe((4, 1));
        var stb = (await db.Inventory.GetItemBySerialAsync("CSV-STB-1"))!;
        (stb.PairedSerialNumber, stb.CasId, stb.LocationCode).ShouldBe(("CSV-CARD-1", "CAS-CSV-1", "WH1"));
        (await db.Inventory.GetItemBySerialAsync("CSV-CARD-1"))!.PairedSerialNumber.ShouldBe("CSV-STB-1");
        (await db.Inventory.GetMovementsAsync(stb.Id)).Single().ShouldSatisfyAllConditions(m => m.Actor.ShouldBe("clerk:asha"), m => m.Reason.ShouldBe("legacy import"));

        var output = new MemoryStream();
        InventoryCsv.WriteDevices(output, (await new InventoryImportStore(db.DataSource).ExportDevicesAsync()).Where(d => d.SerialNumber.StartsWith("CSV-", StringComparison.Ordinal)));
        var text = Encoding.UTF8.GetString(output.ToArray());
        text.ShouldContain("CSV-STB-1,STB-HD,in_stock,WH1,CAS-CSV-1,CSV-CARD-1");
        text.ShouldContain("CSV-CARD-1,CARD-V,in_stock,WH1,,");
        var (rows, errors) = InventoryCsv.ReadDevices(new MemoryStream(output.ToArray()));
        errors.ShouldBeEmpty();
        rows.Select(r => r.SerialNumber).ShouldBe(["CSV-CARD-1", "CSV-MDM-1", "CSV-STB-1", "CSV-STB-2"]);
    }

    [Fact]
    public async Task Every_bad_row_is_reported_with_its_line_number_and_nothing_is_imported()
    {
        var before = await db.ScalarAsync<long>("SELECT count(*) FROM hub.device");
        var result = await ImportAsync(
            """
            serial_number,model_code,status,location,cas_id,paired_serial_number
            BAD-1,STB-HD,in_stock,WH1,,
            BAD-2,NO-SUCH-MODEL,in_stock,WH1,,
            BAD-3,STB-HD,lost,WH1,,
            BAD-1,STB-HD,in_stock,WH1,,
            BAD-5,STB-HD,in_stock,NOWHERE,,
            BAD-6,"STB-HD"x,in_stock,WH1,,
            BAD-7,STB-HD,in_stock,WH1,,BAD-1
            BAD-8,CABLE-RG6,in_stock,WH1,,

            BAD-10,STB-HD,in_stock,WH1,,,extra
            """);

        result.Succeeded.ShouldBeFalse();
        result.Errors.Select(e => (e.LineNumber, e.Field)).ShouldBe([
            (3, "model_code"), (4, "status"), (5, "serial_number"), (6, "location"), (7, "$"), (8, "paired_serial_number"), (9, "model_code"), (11, "$"),
        ]);
        result.Errors.Single(e => e.LineNumber == 5).Message.ShouldBe("BAD-1 is already on line 2");
        result.Errors.Single(e => e.LineNumber == 4).Message.ShouldStartWith("'lost' is not a device status");
        result.Errors.Single(e => e.LineNumber == 8).Message.ShouldBe("a stb cannot be paired with a stb; pairs are a set-top box and a smart card");
        result.Errors.Single(e => e.LineNumber == 9).Message.ShouldContain("not serialised");
        (await db.ScalarAsync<long>("SELECT count(*) FROM hub.device")).ShouldBe(before);
        (await db.Inventory.GetItemBySerialAsync("BAD-1")).ShouldBeNull();
    }

    [Fact]
    public async Task A_missing_column_is_a_header_error()
    {
        var result = await ImportAsync("serial,model_code\nX-1,STB-HD\n");
        result.Errors.Single().ShouldSatisfyAllConditions(e => e.LineNumber.ShouldBe(1), e => e.Field.ShouldBe("header"), e => e.Message.ShouldContain("serial_number"));
    }

    [Fact]
    public async Task A_stock_take_confirms_moves_and_reports_missing_devices_and_sets_cable_quantities()
    {
        var wh = await db.Inventory.UpsertLocationAsync("WH-COUNT", "Counted warehouse", LocationKind.Warehouse);
        var here = await db.AddDevicesAsync("STB-HD", 3, wh.Id);
        var inVan = await db.AddDevicesAsync("STB-HD", 1, db.Van.Id);
        await db.Inventory.AdjustQuantityAsync("CABLE-RG6", wh.Id, 100, Clerk);
        var csv = $"""
            serial_number,model_code,quantity
            {here[0]},STB-HD,
            {here[1]},,
            {inVan[0]},,
            ,CABLE-RG6,85
            """;
        var (rows, errors) = InventoryCsv.ReadStockTake(Csv(csv));
        errors.ShouldBeEmpty();
        var result = await new InventoryImportStore(db.DataSource).ApplyStockTakeAsync(wh.Id, "count.csv", rows, new InventoryActor("clerk:asha", "quarterly count"));

        result.Errors.ShouldBeEmpty();
        (result.Counted, result.Confirmed, result.MovedHere, result.Missing, result.QuantitiesAdjusted).ShouldBe((4, 2, 1, 1, 1));
        result.MissingSerials.ShouldBe([here[2]]);
        (await db.Inventory.GetItemBySerialAsync(inVan[0]))!.LocationId.ShouldBe(wh.Id);
        (await db.Inventory.GetItemBySerialAsync(here[2]))!.Status.ShouldBe(DeviceStatus.InStock);
        (await db.Inventory.GetStockLevelsAsync("CABLE-RG6", wh.Id)).Single().InStock.ShouldBe(85);
        var last = (await db.Inventory.GetMovementsAsync((await db.Inventory.GetItemBySerialAsync(inVan[0]))!.Id))[^1];
        (last.Reason, last.Reference).ShouldBe(("quarterly count", $"stock take {result.StockTakeId}"));
    }

    [Fact]
    public async Task A_stock_take_with_errors_changes_nothing()
    {
        var wh = await db.Inventory.UpsertLocationAsync("WH-COUNT2", "Second counted warehouse", LocationKind.Warehouse);
        var inVan = await db.AddDevicesAsync("MODEM-D31", 1, db.Van.Id);
        var (rows, errors) = InventoryCsv.ReadStockTake(Csv($"serial_number,model_code,quantity\n{inVan[0]},,\nNOT-A-DEVICE,,\n,CABLE-RG6,lots\n,STB-HD,2\n"));
        var result = await new InventoryImportStore(db.DataSource).ApplyStockTakeAsync(wh.Id, "count.csv", rows, Clerk, errors);

        result.Errors.Select(e => (e.LineNumber, e.Field)).ShouldBe([(3, "serial_number"), (4, "quantity"), (5, "serial_number")]);
        result.StockTakeId.ShouldBeNull();
        (await db.Inventory.GetItemBySerialAsync(inVan[0]))!.LocationId.ShouldBe(db.Van.Id);
    }
}
