namespace CableHub.Connectors.Edi.Receipts;

public enum ReceiptLineStatus
{
    /// <summary>Received (with earlier receipts) exactly the ordered quantity.</summary>
    Received,

    /// <summary>Less than ordered so far.</summary>
    Short,

    /// <summary>More than ordered.</summary>
    Over,
}

public enum ReceiptDiscrepancyKind
{
    Short,
    Over,

    /// <summary>A serial number the PO line did not announce.</summary>
    UnknownSerial,

    /// <summary>An item whose model code is on no line of the PO.</summary>
    WrongModel,

    /// <summary>A serial number seen twice in the notice, or already received earlier.</summary>
    DuplicateSerial,

    /// <summary>An item with serial numbers whose count differs from its quantity.</summary>
    SerialCountMismatch,

    /// <summary>An order in the notice whose PO number matches none of the expected purchase orders.</summary>
    UnknownPurchaseOrder,
}

/// <summary>One PO line after the receipt: ordered, received before, shipped in this notice, and the resulting status.</summary>
public sealed record ReceiptLine(
    string ModelCode,
    decimal Ordered,
    decimal PreviouslyReceived,
    decimal Shipped,
    ReceiptLineStatus Status,
    IReadOnlyList<string> SerialNumbers)
{
    public decimal TotalReceived => PreviouslyReceived + Shipped;

    /// <summary>Positive: still missing; negative: received too many.</summary>
    public decimal Outstanding => Ordered - TotalReceived;
}

/// <summary>A finding of the reconciliation, with what identifies it and a sentence for people.</summary>
public sealed record ReceiptDiscrepancy(ReceiptDiscrepancyKind Kind, string Message)
{
    public string? PurchaseOrderNumber { get; init; }

    public string? ModelCode { get; init; }

    public string? SerialNumber { get; init; }

    public string? Sscc { get; init; }

    /// <summary>The quantity concerned: missing (short), excess (over), shipped (wrong model).</summary>
    public decimal? Quantity { get; init; }
}

/// <summary>The receipt of one ship notice against one purchase order.</summary>
public sealed record ReceiptReport(
    string PurchaseOrderNumber,
    string ShipmentId,
    IReadOnlyList<ReceiptLine> Lines,
    IReadOnlyList<ReceiptDiscrepancy> Discrepancies)
{
    public bool IsClean => Discrepancies.Count == 0;
}

/// <summary>The receipt of one ship notice against several purchase orders, plus orders in the notice that match none.</summary>
public sealed record ShipNoticeReconciliation(IReadOnlyList<ReceiptReport> Reports, IReadOnlyList<ReceiptDiscrepancy> UnmatchedOrders);
