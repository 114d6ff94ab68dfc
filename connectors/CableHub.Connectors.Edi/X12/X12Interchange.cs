using System.Text.Json.Serialization;
using CableHub.Connectors.Edi.PurchaseOrders;

namespace CableHub.Connectors.Edi.X12;

/// <summary>Everything read from one X12 input: its interchanges in order.</summary>
public sealed record X12Document(IReadOnlyList<X12Interchange> Interchanges)
{
    /// <summary>Every error recorded anywhere in the document (collect mode).</summary>
    [JsonIgnore]
    public IEnumerable<EdiError> AllErrors =>
        Interchanges.SelectMany(i => i.Errors.Concat(i.Groups.SelectMany(g => g.Errors.Concat(g.Transactions.SelectMany(t => t.Errors)))));

    [JsonIgnore]
    public IEnumerable<X12Transaction> Transactions => Interchanges.SelectMany(i => i.Groups).SelectMany(g => g.Transactions);
}

/// <summary>ISA fields (authorization and security information, ISA02/ISA04, are deliberately not kept).</summary>
public sealed record X12InterchangeHeader(
    string AuthorizationQualifier,
    string SecurityQualifier,
    string SenderQualifier,
    string SenderId,
    string ReceiverQualifier,
    string ReceiverId,
    string Date,
    string Time,
    string StandardsId,
    string Version,
    string ControlNumber,
    string AcknowledgmentRequested,
    string UsageIndicator,
    X12Delimiters Delimiters);

public sealed record X12Interchange(
    X12InterchangeHeader Header,
    IReadOnlyList<X12FunctionalGroup> Groups,
    int? DeclaredGroupCount,
    IReadOnlyList<EdiError> Errors,
    long SegmentNumber,
    long ByteOffset);

/// <summary>GS fields.</summary>
public sealed record X12FunctionalGroupHeader(
    string FunctionalIdCode,
    string SenderCode,
    string ReceiverCode,
    string Date,
    string Time,
    string ControlNumber,
    string Agency,
    string Version);

public sealed record X12FunctionalGroup(
    X12FunctionalGroupHeader Header,
    IReadOnlyList<X12Transaction> Transactions,
    int? DeclaredTransactionCount,
    IReadOnlyList<EdiError> Errors,
    long SegmentNumber,
    long ByteOffset);

/// <summary>
/// One transaction set (ST … SE). Its content is in the property matching its type: <see cref="ShipNotice"/> (856),
/// <see cref="PurchaseOrder"/> (850), or <see cref="Segments"/> for any other set. <see cref="Errors"/> are the
/// envelope and content errors that reject it (collect mode); <see cref="Warnings"/> never reject (e.g. a bad SSCC check digit).
/// </summary>
public sealed record X12Transaction(
    string TransactionSetId,
    string ControlNumber,
    string? ImplementationReference,
    int SegmentCount,
    long SegmentNumber,
    long ByteOffset,
    IReadOnlyList<EdiError> Errors,
    IReadOnlyList<EdiError> Warnings)
{
    public X12ShipNotice? ShipNotice { get; init; }

    public PurchaseOrder? PurchaseOrder { get; init; }

    public IReadOnlyList<X12GenericSegment>? Segments { get; init; }

    public bool Accepted => Errors.Count == 0;
}

/// <summary>A segment kept as text: id and data elements (1-based in X12, index 0 here is element 01).</summary>
public sealed record X12GenericSegment(string Id, IReadOnlyList<string> Elements)
{
    public override string ToString() => Elements.Count == 0 ? Id : Id + "*" + string.Join('*', Elements);
}
