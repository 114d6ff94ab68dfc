namespace CableHub.Connectors.Edi.Receipts;

/// <summary>
/// What the buyer expects to receive on a purchase order, format-neutral (filled by the inventory side):
/// the PO number, its lines, and serial numbers already received on earlier receipts (to catch duplicates).
/// </summary>
public sealed record PurchaseOrderExpectation(string PurchaseOrderNumber, IReadOnlyList<PurchaseOrderLineExpectation> Lines)
{
    public IReadOnlyCollection<string> AlreadyReceivedSerials { get; init; } = [];
}

/// <summary>
/// One PO line: the model code (matched against the ship notice item's identifiers; <see cref="AlternateCodes"/>
/// such as a GTIN or the buyer's part number match too), the ordered quantity, what earlier receipts already
/// brought, and optionally the serial numbers the supplier announced (any other serial is "unknown").
/// </summary>
public sealed record PurchaseOrderLineExpectation(string ModelCode, decimal OrderedQuantity)
{
    public decimal AlreadyReceivedQuantity { get; init; }

    public IReadOnlyList<string> AlternateCodes { get; init; } = [];

    public IReadOnlyCollection<string>? ExpectedSerials { get; init; }
}
