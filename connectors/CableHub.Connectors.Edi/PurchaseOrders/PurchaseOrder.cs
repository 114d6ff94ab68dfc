namespace CableHub.Connectors.Edi.PurchaseOrders;

/// <summary>
/// A purchase order sent to an equipment supplier, format-neutral (the inventory side fills it; the X12 writer
/// turns it into an 850, the X12 reader turns an 850 back into it). Prices are decimals in <see cref="Currency"/>.
/// </summary>
public sealed record PurchaseOrder(
    string Number,
    DateOnly OrderDate,
    string Currency,
    IReadOnlyList<PurchaseOrderParty> Parties,
    IReadOnlyList<PurchaseOrderLine> Lines)
{
    /// <summary>BEG01 transaction set purpose: 00 original, 01 cancellation, 05 replace…</summary>
    public string Purpose { get; init; } = "00";

    /// <summary>BEG02 purchase order type: NE new order, SA stand-alone, RL release…</summary>
    public string OrderType { get; init; } = "NE";

    public DateOnly? RequestedDeliveryDate { get; init; }
}

/// <summary>One ordered line: the supplier's model code (VP), quantity, unit and unit price; optional buyer part number and GTIN.</summary>
public sealed record PurchaseOrderLine(string LineNumber, string ModelCode, decimal Quantity, string Unit, decimal UnitPrice)
{
    public string? BuyerPartNumber { get; init; }

    public string? Gtin { get; init; }

    public string? Description { get; init; }
}

/// <summary>A party (N1): role BY buyer, ST ship-to, SE selling party, VN vendor; optional id and address.</summary>
public sealed record PurchaseOrderParty(string Role, string Name)
{
    public string? IdQualifier { get; init; }

    public string? Id { get; init; }

    public IReadOnlyList<string> AddressLines { get; init; } = [];

    public string? City { get; init; }

    public string? State { get; init; }

    public string? PostalCode { get; init; }

    public string? Country { get; init; }
}
