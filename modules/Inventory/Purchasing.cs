namespace CableHub.Inventory;

/// <summary>States of a purchase order: draft → sent → partially_received → received; draft/sent/partially_received → cancelled.</summary>
public static class PurchaseOrderStatus
{
    public const string Draft = "draft";
    public const string Sent = "sent";
    public const string PartiallyReceived = "partially_received";
    public const string Received = "received";
    public const string Cancelled = "cancelled";

    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        [Draft] = [Sent, Cancelled],
        [Sent] = [PartiallyReceived, Received, Cancelled],
        [PartiallyReceived] = [PartiallyReceived, Received, Cancelled],
        [Received] = [],
        [Cancelled] = [],
    };

    public static bool CanMove(string from, string to) => Allowed.TryGetValue(from, out var next) && next.Contains(to, StringComparer.Ordinal);

    /// <summary>Ship notices are received against these.</summary>
    public static bool IsOpen(string status) => status is Sent or PartiallyReceived;
}

public sealed record PurchaseOrderLineInfo(int LineNumber, string ModelCode, int Quantity, decimal UnitPrice, int ReceivedQuantity)
{
    public int Outstanding => Math.Max(0, Quantity - ReceivedQuantity);
}

public sealed record PurchaseOrderStateChange(string Status, string Actor, string? Reason, DateTimeOffset At);

public sealed record PurchaseOrderInfo(
    Guid Id,
    string Number,
    Guid SupplierId,
    string SupplierCode,
    Guid ShipToLocationId,
    string ShipToLocationCode,
    string Status,
    string Currency,
    DateOnly OrderDate,
    DateOnly? RequestedDelivery,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? SentAt)
{
    public IReadOnlyList<PurchaseOrderLineInfo> Lines { get; init; } = [];

    public IReadOnlyList<PurchaseOrderStateChange> History { get; init; } = [];

    public decimal Total => Lines.Sum(l => l.Quantity * l.UnitPrice);
}

/// <summary>A new purchase order: supplier, where the goods go, lines (model, quantity; price from the model when null).</summary>
public sealed record NewPurchaseOrder(Guid SupplierId, Guid ShipToLocationId, IReadOnlyList<NewPurchaseOrderLine> Lines)
{
    public DateOnly? RequestedDelivery { get; init; }
}

public sealed record NewPurchaseOrderLine(string ModelCode, int Quantity)
{
    public decimal? UnitPrice { get; init; }
}

public sealed record ReorderPoint(string ModelCode, Guid LocationId, string LocationCode, int MinQuantity, int ReorderQuantity);

public static class StockAlertStatus
{
    public const string Open = "open";
    public const string Ordered = "ordered";
    public const string Resolved = "resolved";
}

public sealed record StockAlert(
    Guid Id,
    string ModelCode,
    Guid LocationId,
    string LocationCode,
    string Status,
    int InStock,
    int MinQuantity,
    Guid? PurchaseOrderId,
    DateTimeOffset RaisedAt,
    DateTimeOffset? ResolvedAt);

/// <summary>What one reorder check did.</summary>
public sealed record ReorderCheckResult(IReadOnlyList<StockAlert> Raised, IReadOnlyList<StockAlert> Resolved, IReadOnlyList<StockAlert> StillOpen);
