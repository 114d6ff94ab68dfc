using CableHub.Inventory;
using CableHub.Core.Persistence;
using CableHub.Inventory.Edi;
using CableHub.Testing;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CableHub.Inventory.Tests;

/// <summary>
/// A migrated operational database on a throwaway cluster with a supplier, its models (serialised STB, smart card
/// and modem; cable counted by quantity), a warehouse and a van; and EDI folders in a temp directory.
/// </summary>
public sealed class InventoryDatabase : IAsyncLifetime
{
    public const string SupplierX12Id = "ACMESUPPLY";

    public PostgresFixture Postgres { get; } = new();

    public TempDirectory Folders { get; } = new("cablehub-edi");

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public Supplier Supplier { get; private set; } = null!;

    public StockLocation Warehouse { get; private set; } = null!;

    public StockLocation Van { get; private set; } = null!;

    public InventoryStore Inventory { get; private set; } = null!;

    public PurchaseOrderStore Orders { get; private set; } = null!;

    public ReorderStore Reorder { get; private set; } = null!;

    public ReceiptStore Receipts { get; private set; } = null!;

    public EdiFileStore Files { get; private set; } = null!;

    public EdiOptions Edi { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Postgres.InitializeAsync();
        var connectionString = await Postgres.CreateMigratedDatabaseAsync();
        DataSource = OperationalStore.CreateDataSource(connectionString);
        Inventory = new InventoryStore(DataSource);
        Orders = new PurchaseOrderStore(DataSource, TimeProvider.System);
        Reorder = new ReorderStore(DataSource, TimeProvider.System);
        Receipts = new ReceiptStore(DataSource);
        Files = new EdiFileStore(DataSource);
        Edi = EdiOptions.Under(Folders.Path);

        Supplier = await Inventory.UpsertSupplierAsync(new Supplier(Guid.NewGuid(), "ACME", "Acme Devices Ltd", "ZZ", SupplierX12Id, "5412345000013", "INR"));
        await Inventory.UpsertModelAsync(new EquipmentModel("STB-HD", "stb", "HD set-top box", "Acme", true, Supplier.Id, "STBHD200", "00812345450019", 2400m, "INR", "EA"));
        await Inventory.UpsertModelAsync(new EquipmentModel("CARD-V", "smart_card", "Viewing card", "Acme", true, Supplier.Id, "VCARD1", null, 150m, "INR", "EA"));
        await Inventory.UpsertModelAsync(new EquipmentModel("MODEM-D31", "modem", "DOCSIS 3.1 modem", "Acme", true, Supplier.Id, "CMDOCSIS31", null, 3100m, "INR", "EA"));
        await Inventory.UpsertModelAsync(new EquipmentModel("CABLE-RG6", "cable", "RG6 coax, metres", "Acme", false, Supplier.Id, "RG6M", null, 12m, "INR", "M"));
        await Inventory.UpsertModelAsync(new EquipmentModel("RMT-OLD", "remote", "Remote from nobody", "Other", true, null, null, null, 90m, "INR", "EA"));
        Warehouse = await Inventory.UpsertLocationAsync("WH1", "Main warehouse", LocationKind.Warehouse);
        Van = await Inventory.UpsertLocationAsync("VAN7", "Technician van 7", LocationKind.Van);
    }

    public EdiIntake Intake() => new(DataSource, Edi, TimeProvider.System, NullLogger<EdiIntake>.Instance);

    public PurchaseOrderSender Sender() => new(DataSource, Edi, TimeProvider.System, NullLogger<PurchaseOrderSender>.Instance);

    /// <summary>Creates in-stock devices of a model at a location; returns their serials.</summary>
    public async Task<IReadOnlyList<string>> AddDevicesAsync(string model, int count, Guid? location = null, string status = "in_stock")
    {
        var prefix = model + "-" + Guid.NewGuid().ToString("N")[..6] + "-";
        var serials = Enumerable.Range(1, count).Select(i => prefix + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)).ToList();
        await using var conn = await DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync(
            """
            INSERT INTO hub.device (id, serial_number, kind, model_code, status, location_id)
            SELECT gen_random_uuid(), s, m.kind, m.code, @status, @location FROM unnest(@serials) s, hub.equipment_model m WHERE m.code = @model
            """, new { serials = serials.ToArray(), model, status, location = location ?? Warehouse.Id });
        return serials;
    }

    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        return (await conn.ExecuteScalarAsync<T>(sql, args))!;
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await Postgres.DisposeAsync();
        Folders.Dispose();
    }
}
