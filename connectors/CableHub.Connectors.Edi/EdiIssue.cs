using System.Globalization;
using CableHub.Connectors.Edi.Edifact;
using CableHub.Connectors.Edi.X12;

namespace CableHub.Connectors.Edi;

/// <summary>Whether an issue rejects the document (on import) or is only worth a look.</summary>
public enum EdiIssueSeverity
{
    Error,
    Warning,
}

/// <summary>
/// One finding about a parsed document, as <c>edi parse</c> reports it: what (<see cref="Reason"/>, the one-line
/// <see cref="Message"/>) and where — the segment's ordinal in the file, its id, the element position (BSN02 → 2,
/// <see cref="Location"/> "BSN02"), the byte offset, and the transaction set / message it belongs to.
/// </summary>
public sealed record EdiIssue(
    EdiIssueSeverity Severity,
    EdiErrorLevel Level,
    long SegmentNumber,
    string SegmentId,
    int? Element,
    long ByteOffset,
    string Reason,
    string Message)
{
    /// <summary>Segment id and element position, e.g. "BSN02" (the segment id alone when no element is at fault).</summary>
    public string? Location { get; init; }

    public int? Component { get; init; }

    /// <summary>"856 0001" (X12 transaction set id and control number) or "DESADV 1" (EDIFACT message type and reference).</summary>
    public string? Transaction { get; init; }

    public int? PositionInTransaction { get; init; }

    /// <summary>The X12 syntax error code a 997 would carry.</summary>
    public string? Code { get; init; }

    public string? BadValue { get; init; }

    public static EdiIssue From(EdiError error, string? transaction = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        var severity = error.Level == EdiErrorLevel.Warning ? EdiIssueSeverity.Warning : EdiIssueSeverity.Error;
        string? location = error.SegmentId.Length == 0 ? null
            : error.ElementPosition is { } e ? string.Create(CultureInfo.InvariantCulture, $"{error.SegmentId}{e:00}")
            : error.SegmentId;
        return new EdiIssue(severity, error.Level, error.SegmentNumber, error.SegmentId, error.ElementPosition, error.ByteOffset, error.Reason, error.Message)
        {
            Location = location,
            Component = error.ComponentPosition,
            Transaction = transaction,
            PositionInTransaction = error.PositionInTransaction,
            Code = error.Code,
            BadValue = error.BadValue,
        };
    }

    /// <summary>Every error and warning of an X12 document, in file order.</summary>
    public static IReadOnlyList<EdiIssue> Of(X12Document document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var issues = new List<EdiIssue>();
        foreach (var interchange in document.Interchanges)
        {
            issues.AddRange(interchange.Errors.Select(e => From(e)));
            foreach (var group in interchange.Groups)
            {
                issues.AddRange(group.Errors.Select(e => From(e)));
                foreach (var t in group.Transactions)
                {
                    var name = $"{t.TransactionSetId} {t.ControlNumber}";
                    issues.AddRange(t.Errors.Concat(t.Warnings).Select(e => From(e, name)));
                }
            }
        }

        return InFileOrder(issues);
    }

    /// <summary>Every error and warning of an EDIFACT document, in file order.</summary>
    public static IReadOnlyList<EdiIssue> Of(EdifactDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var issues = new List<EdiIssue>();
        foreach (var interchange in document.Interchanges)
        {
            issues.AddRange(interchange.Errors.Select(e => From(e)));
            foreach (var m in interchange.Messages)
            {
                var name = $"{m.Type} {m.Reference}";
                issues.AddRange(m.Errors.Concat(m.Warnings).Select(e => From(e, name)));
            }
        }

        return InFileOrder(issues);
    }

    private static List<EdiIssue> InFileOrder(List<EdiIssue> issues) =>
        issues.OrderBy(i => i.SegmentNumber).ThenBy(i => i.Element ?? 0).ToList();
}
