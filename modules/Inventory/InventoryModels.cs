namespace CableHub.Inventory;

/// <summary>Kinds of equipment the operator stocks (also <c>hub.device.kind</c>).</summary>
public static class EquipmentKind
{
    public const string Stb = "stb";
    public const string SmartCard = "smart_card";
    public const string Modem = "modem";
    public const string Remote = "remote";
    public const string Cable = "cable";

    public static IReadOnlyList<string> All { get; } = [Stb, SmartCard, Modem, Remote, Cable];
}

/// <summary>Kinds of stock locations (<c>hub.stock_location.kind</c>).</summary>
public static class LocationKind
{
    public const string Warehouse = "warehouse";
    public const string Van = "van";
    public const string Premises = "premises";

    public static IReadOnlyList<string> All { get; } = [Warehouse, Van, Premises];
}

/// <summary>An equipment supplier with its EDI identities.</summary>
public sealed record Supplier(Guid Id, string Code, string Name, string X12Qualifier, string X12Id, string? EdifactId, string Currency);

/// <summary>
/// An equipment model: our code (= <c>hub.device.model_code</c>), kind, the supplier's part number and GTIN used
/// in EDI, whether items are serialised (else counted by quantity), and the unit price for purchase orders.
/// </summary>
public sealed record EquipmentModel(
    string Code,
    string Kind,
    string Name,
    string Manufacturer,
    bool Serialized,
    Guid? SupplierId,
    string? SupplierPart,
    string? Gtin,
    decimal UnitPrice,
    string Currency,
    string Unit);

public sealed record StockLocation(Guid Id, string Code, string Name, string Kind, Guid? CustomerId, bool Active);

/// <summary>A serial-level item as the inventory sees it (a row of <c>hub.device</c>).</summary>
public sealed record InventoryItem(
    Guid Id,
    string SerialNumber,
    string Kind,
    string ModelCode,
    string? CasId,
    string Status,
    string ActivationState,
    Guid? LocationId,
    string? LocationCode,
    Guid? PairedDeviceId,
    string? PairedSerialNumber,
    Guid? CustomerId,
    Guid? PurchaseOrderId,
    Guid? ReceiptId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>One recorded movement: status and/or location change of a device, or a quantity of a non-serialised model.</summary>
public sealed record StockMovement(
    long Id,
    Guid? DeviceId,
    string ModelCode,
    int Quantity,
    Guid? FromLocationId,
    Guid? ToLocationId,
    string? FromStatus,
    string? ToStatus,
    string Actor,
    string Reason,
    string? Reference,
    DateTimeOffset At);

/// <summary>A pairing event of an STB and a smart card.</summary>
public sealed record PairingEvent(long Id, Guid StbId, Guid CardId, string Action, string Actor, string Reason, DateTimeOffset At);

/// <summary>Stock of one model at one location (non-serialised quantities count as in stock).</summary>
public sealed record StockLevel(
    string ModelCode,
    Guid LocationId,
    string LocationCode,
    int InStock,
    int Reserved,
    int InTransit,
    int Returned,
    int Refurbishing,
    int Rma);

/// <summary>Who does something and why: recorded with every movement.</summary>
public sealed record InventoryActor(string Actor, string Reason, string? Reference = null)
{
    public static InventoryActor System(string reason, string? reference = null) => new("system", reason, reference);
}

/// <summary>Filter and page of an item query.</summary>
public sealed record ItemQuery
{
    public string? Kind { get; init; }

    public string? ModelCode { get; init; }

    public string? Status { get; init; }

    /// <summary>Any of these statuses (TMF639 state filters map to several lifecycle statuses).</summary>
    public string[]? Statuses { get; init; }

    public Guid? LocationId { get; init; }

    public string? SerialNumber { get; init; }

    public Guid? CustomerId { get; init; }

    public int Offset { get; init; }

    public int Limit { get; init; } = 100;
}

public sealed record ItemPage(IReadOnlyList<InventoryItem> Items, long Total);

/// <summary>A device to create (bulk list import, receipts).</summary>
public sealed record NewItem(string SerialNumber, string ModelCode, string Status, Guid? LocationId)
{
    public string? CasId { get; init; }

    public Guid? PurchaseOrderId { get; init; }

    public Guid? ReceiptId { get; init; }
}
