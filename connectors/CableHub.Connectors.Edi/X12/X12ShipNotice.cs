using System.Text.Json.Serialization;

namespace CableHub.Connectors.Edi.X12;

/// <summary>
/// An X12 856 Ship Notice/Manifest as sent: BSN, header DTMs, the HL levels in file order (parents before
/// children, parent ids checked), and the CTT totals. <see cref="Levels"/> is flat so that very deep hierarchies
/// serialize and walk without recursion; use <see cref="ChildrenOf"/> or <see cref="X12HierarchicalLevel.ParentId"/> to navigate.
/// </summary>
public sealed record X12ShipNotice(
    string Purpose,
    string ShipmentId,
    string? Date,
    string? Time,
    string? StructureCode,
    IReadOnlyList<X12Date> Dates,
    IReadOnlyList<X12HierarchicalLevel> Levels,
    X12TransactionTotals? Totals,
    IReadOnlyList<X12GenericSegment> OtherSegments)
{
    private ILookup<string, X12HierarchicalLevel>? _children;

    public IEnumerable<X12HierarchicalLevel> ChildrenOf(string id)
    {
        _children ??= Levels.Where(l => l.ParentId is not null).ToLookup(l => l.ParentId!, StringComparer.Ordinal);
        return _children[id];
    }

    [JsonIgnore]
    public IEnumerable<X12HierarchicalLevel> Roots => Levels.Where(l => l.ParentId is null);
}

/// <summary>HL level codes used in 856s.</summary>
public static class X12LevelCodes
{
    public const string Shipment = "S";
    public const string Order = "O";
    public const string Tare = "T";
    public const string Pack = "P";
    public const string Item = "I";
}

/// <summary>
/// One HL level and the segments that follow it up to the next HL: its references, dates, PRF purchase order,
/// MAN marks (GM = SSCC-18, checked), LIN item ids, SN1 quantity, serial numbers (REF with a serial qualifier,
/// or LIN's SN pairs), TD1/TD5, N1 parties; anything else is kept in <see cref="OtherSegments"/>.
/// </summary>
public sealed record X12HierarchicalLevel(
    string Id,
    string? ParentId,
    string LevelCode,
    string? ChildCode,
    int Depth,
    long SegmentNumber)
{
    public IReadOnlyList<X12Reference> References { get; init; } = [];

    public IReadOnlyList<string> SerialNumbers { get; init; } = [];

    public IReadOnlyList<X12Date> Dates { get; init; } = [];

    public X12PurchaseOrderReference? PurchaseOrder { get; init; }

    public IReadOnlyList<X12Marks> Marks { get; init; } = [];

    public X12ItemIdentification? Item { get; init; }

    public X12ItemQuantity? Quantity { get; init; }

    public string? Description { get; init; }

    public IReadOnlyList<X12Packaging> Packaging { get; init; } = [];

    public IReadOnlyList<X12Carrier> Carriers { get; init; } = [];

    public IReadOnlyList<X12Party> Parties { get; init; } = [];

    public IReadOnlyList<X12GenericSegment> OtherSegments { get; init; } = [];
}

public sealed record X12Date(string Qualifier, string? Date, string? Time);

public sealed record X12Reference(string Qualifier, string? Value, string? Description);

/// <summary>PRF: PRF01 purchase order number, PRF02 release, PRF03 change order sequence, PRF04 PO date.</summary>
public sealed record X12PurchaseOrderReference(string PurchaseOrderNumber, string? ReleaseNumber, string? ChangeOrderSequence, string? Date);

/// <summary>MAN: qualifier (GM = SSCC-18), marks and numbers. For GM, <see cref="Sscc"/> is the 18-digit SSCC
/// (a leading "00" application identifier removed) and <see cref="SsccValid"/> tells whether its GS1 check digit is right.</summary>
public sealed record X12Marks(string Qualifier, string Number, string? RangeEnd)
{
    public string? Sscc { get; init; }

    public bool? SsccValid { get; init; }
}

/// <summary>LIN: assigned line number and the product/service id pairs (VP vendor part, BP buyer part, UP UPC, SN serial…).</summary>
public sealed record X12ItemIdentification(string? LineNumber, IReadOnlyList<X12ProductId> Ids);

public sealed record X12ProductId(string Qualifier, string Value);

/// <summary>SN1: assigned id, units shipped, unit of measure, quantity shipped to date, quantity ordered and its unit.</summary>
public sealed record X12ItemQuantity(string? LineNumber, decimal? Quantity, string? Unit, decimal? ShippedToDate, decimal? Ordered, string? OrderedUnit);

/// <summary>TD1: packaging code, lading quantity, weight qualifier, weight and unit, volume and unit.</summary>
public sealed record X12Packaging(string? PackagingCode, decimal? LadingQuantity, string? WeightQualifier, decimal? Weight, string? WeightUnit)
{
    public decimal? Volume { get; init; }

    public string? VolumeUnit { get; init; }
}

/// <summary>TD5: routing sequence, id qualifier, carrier id (SCAC), transportation method, routing text.</summary>
public sealed record X12Carrier(string? RoutingSequence, string? IdQualifier, string? Id, string? TransportationMethod, string? Routing);

/// <summary>N1 with its N3/N4 address.</summary>
public sealed record X12Party(string EntityCode, string? Name, string? IdQualifier, string? Id)
{
    public IReadOnlyList<string> AddressLines { get; init; } = [];

    public string? City { get; init; }

    public string? State { get; init; }

    public string? PostalCode { get; init; }

    public string? Country { get; init; }
}

/// <summary>CTT: number of line items (HL count in an 856) and hash total of quantities.</summary>
public sealed record X12TransactionTotals(long? LineItemCount, decimal? HashTotal);
