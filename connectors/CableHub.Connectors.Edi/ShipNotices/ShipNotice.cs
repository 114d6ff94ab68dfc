using System.Text.Json.Serialization;

namespace CableHub.Connectors.Edi.ShipNotices;

/// <summary>
/// A supplier's ship notice, format-neutral (from an X12 856 or an EDIFACT DESADV): orders by purchase order
/// number → packages (SSCC) → items (model code, quantity, serial numbers). This is what the inventory side
/// reconciles against its purchase orders (<see cref="Receipts.ReceiptReconciler"/>).
/// </summary>
public sealed record ShipNotice(
    string SourceFormat,
    string ShipmentId,
    string? SenderId,
    DateOnly? ShipDate,
    DateOnly? EstimatedDeliveryDate,
    string? CarrierCode,
    IReadOnlyList<ShipNoticeOrder> Orders)
{
    /// <summary>Non-rejecting findings carried over from the document (e.g. SSCCs with a wrong check digit).</summary>
    public IReadOnlyList<EdiError> Warnings { get; init; } = [];

    [JsonIgnore]
    public IEnumerable<ShipNoticeItem> Items => Orders.SelectMany(o => o.Packages).SelectMany(p => p.Items);

    public int SerialNumberCount => Items.Sum(i => i.SerialNumbers.Count);
}

/// <summary>Items shipped against one purchase order (null when the notice does not say which).</summary>
public sealed record ShipNoticeOrder(string? PurchaseOrderNumber, IReadOnlyList<ShipNoticePackage> Packages);

/// <summary>
/// A package (carton / pallet) with its SSCC-18 when it has one (<see cref="SsccValid"/>: check digit right), the
/// id of the level it came from (HL01 / CPS01), and its items. Items not packed in any package level are in a
/// package with no SSCC and no level id.
/// </summary>
public sealed record ShipNoticePackage(string? Sscc, bool? SsccValid, string? LevelId, IReadOnlyList<ShipNoticeItem> Items);

/// <summary>One shipped item line: the supplier's model code, all identifiers sent, quantity and serial numbers.</summary>
public sealed record ShipNoticeItem(
    string? LineNumber,
    string ModelCode,
    decimal? Quantity,
    string? Unit,
    IReadOnlyList<ItemIdentifier> Identifiers,
    IReadOnlyList<string> SerialNumbers)
{
    public string? Description { get; init; }
}

public enum ItemIdentifierKind
{
    SupplierPart,
    BuyerPart,
    Gtin,
    ManufacturerPart,
    SerialNumber,
    Other,
}

/// <summary>An item identifier with its kind and the code used in the source format (LIN/PIA qualifier).</summary>
public sealed record ItemIdentifier(ItemIdentifierKind Kind, string Qualifier, string Value);
