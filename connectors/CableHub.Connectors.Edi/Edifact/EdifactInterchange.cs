using System.Text.Json.Serialization;

namespace CableHub.Connectors.Edi.Edifact;

public sealed record EdifactDocument(IReadOnlyList<EdifactInterchange> Interchanges)
{
    [JsonIgnore]
    public IEnumerable<EdifactMessage> Messages => Interchanges.SelectMany(i => i.Messages);

    [JsonIgnore]
    public IEnumerable<EdiError> AllErrors => Interchanges.SelectMany(i => i.Errors.Concat(i.Messages.SelectMany(m => m.Errors)));
}

/// <summary>UNB: syntax identifier and version, sender and recipient (id and code qualifier), preparation date and time, control reference.</summary>
public sealed record EdifactInterchangeHeader(
    string SyntaxId,
    string SyntaxVersion,
    string SenderId,
    string? SenderQualifier,
    string RecipientId,
    string? RecipientQualifier,
    string Date,
    string Time,
    string ControlReference,
    string? ApplicationReference,
    string? TestIndicator,
    EdifactDelimiters Delimiters);

/// <summary>One UNB … UNZ interchange; messages of UNG … UNE groups carry their <see cref="EdifactMessage.GroupReference"/>.</summary>
public sealed record EdifactInterchange(
    EdifactInterchangeHeader Header,
    IReadOnlyList<EdifactMessage> Messages,
    int? DeclaredCount,
    IReadOnlyList<EdiError> Errors,
    long SegmentNumber,
    long ByteOffset);

/// <summary>One UNH … UNT message. A DESADV has <see cref="DespatchAdvice"/>; any other type keeps <see cref="Segments"/>.</summary>
public sealed record EdifactMessage(
    string Reference,
    string Type,
    string Version,
    string Release,
    string Agency,
    string? AssociationCode,
    int SegmentCount,
    long SegmentNumber,
    long ByteOffset,
    IReadOnlyList<EdiError> Errors,
    IReadOnlyList<EdiError> Warnings)
{
    public string? GroupReference { get; init; }

    public EdifactDespatchAdvice? DespatchAdvice { get; init; }

    public IReadOnlyList<EdifactGenericSegment>? Segments { get; init; }

    public bool Accepted => Errors.Count == 0;
}

/// <summary>A segment kept as text: tag and elements, each a list of components (release characters removed).</summary>
public sealed record EdifactGenericSegment(string Tag, IReadOnlyList<IReadOnlyList<string>> Elements);

/// <summary>
/// DESADV despatch advice: BGM document, DTM dates, RFF references (ON = order number), NAD parties, TDT transport,
/// and the CPS packing hierarchy: each level with its PAC packages, GIN+BJ SSCCs (after PCI), and LIN items with
/// PIA additional ids, QTY quantities, RFF references, IMD description and GIN+BN serial numbers.
/// </summary>
public sealed record EdifactDespatchAdvice(
    string? DocumentNameCode,
    string DocumentNumber,
    string? FunctionCode,
    IReadOnlyList<EdifactDate> Dates,
    IReadOnlyList<EdifactReference> References,
    IReadOnlyList<EdifactParty> Parties,
    IReadOnlyList<EdifactTransport> Transports,
    IReadOnlyList<EdifactPackageLevel> PackageLevels,
    IReadOnlyList<EdifactGenericSegment> OtherSegments);

public sealed record EdifactDate(string Qualifier, string? Value, string? Format);

public sealed record EdifactReference(string Qualifier, string? Value);

public sealed record EdifactParty(string Qualifier, string? Id, string? CodeListAgency, string? Name);

public sealed record EdifactTransport(string? StageQualifier, string? ConveyanceReference, string? Mode, string? CarrierId, string? CarrierName);

/// <summary>CPS: hierarchical id, parent id (checked against earlier CPS), packaging level code.</summary>
public sealed record EdifactPackageLevel(string HierarchyId, string? ParentId, string? PackagingLevel, int Depth, long SegmentNumber)
{
    public IReadOnlyList<EdifactPackage> Packages { get; init; } = [];

    /// <summary>GIN+BJ identity numbers of this level (18-digit SSCCs when well-formed).</summary>
    public IReadOnlyList<string> Ssccs { get; init; } = [];

    /// <summary>Other GIN identities at package level (qualifier, value).</summary>
    public IReadOnlyList<EdifactReference> OtherIdentities { get; init; } = [];

    public IReadOnlyList<EdifactLineItem> Lines { get; init; } = [];
}

/// <summary>PAC: number of packages and package type.</summary>
public sealed record EdifactPackage(decimal? Count, string? PackageType);

public sealed record EdifactLineItem(string? LineNumber, string? ItemNumber, string? ItemNumberType, long SegmentNumber)
{
    public IReadOnlyList<EdifactProductId> AdditionalIds { get; init; } = [];

    public IReadOnlyList<EdifactQuantity> Quantities { get; init; } = [];

    public IReadOnlyList<EdifactReference> References { get; init; } = [];

    public string? Description { get; init; }

    public IReadOnlyList<string> SerialNumbers { get; init; } = [];

    /// <summary>GIN+BJ given inside the line (the packages the line is in).</summary>
    public IReadOnlyList<string> Ssccs { get; init; } = [];

    public IReadOnlyList<string> BatchNumbers { get; init; } = [];

    public IReadOnlyList<EdifactGenericSegment> OtherSegments { get; init; } = [];
}

/// <summary>PIA: function qualifier (1 additional, 5 main), item number and its type (SA supplier, BP/IN buyer, MF manufacturer, SRV/EN GTIN…).</summary>
public sealed record EdifactProductId(string FunctionQualifier, string Id, string? Type);

/// <summary>QTY: qualifier (12 despatched, 21 ordered…), quantity, unit.</summary>
public sealed record EdifactQuantity(string Qualifier, decimal? Value, string? Unit);
