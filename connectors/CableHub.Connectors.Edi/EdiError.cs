using System.Globalization;
using System.Text;

namespace CableHub.Connectors.Edi;

/// <summary>What the reader does with an error in the envelope or in a transaction set's content.</summary>
public enum EdiErrorMode
{
    /// <summary>Throw <see cref="EdiParseException"/> at the first error (the default: nothing half-read).</summary>
    Throw,

    /// <summary>Record errors on the interchange / group / transaction they belong to and go on (what a 997 needs).</summary>
    Collect,
}

/// <summary>How far an error reaches: the whole interchange, a functional group, a transaction set / message,
/// one segment, or one element of a segment. Warnings never reject anything.</summary>
public enum EdiErrorLevel
{
    Interchange,
    Group,
    Transaction,
    Segment,
    Element,
    Warning,
}

/// <summary>
/// One problem found in an EDI stream, located precisely: the ordinal of the segment in the file (1-based,
/// the first ISA/UNA/UNB is segment 1), the byte offset of the segment's first byte in the stream, the
/// segment id, and — when one element is at fault — its position (SE02 → 2).
/// <see cref="Code"/> carries the X12 syntax error code a 997 uses for the level (AK304/AK403/AK502/AK905).
/// </summary>
public sealed record EdiError(
    long SegmentNumber,
    long ByteOffset,
    string SegmentId,
    int? ElementPosition,
    string Reason,
    EdiErrorLevel Level,
    string? Code = null)
{
    /// <summary>Component position inside the element (1-based), when a composite is at fault.</summary>
    public int? ComponentPosition { get; init; }

    /// <summary>Ordinal of the segment inside its transaction set / message (ST or UNH = 1), when inside one.</summary>
    public int? PositionInTransaction { get; init; }

    /// <summary>A copy of the offending value, when there is one (AK404).</summary>
    public string? BadValue { get; init; }

    /// <summary>"segment 14 (SE at byte 612): SE02 control number 0002 does not match ST02 0001"; for an input that
    /// is not EDI at all (segment number 0) just the reason; "end of input (…)" when the error is at the end.</summary>
    public string Message
    {
        get
        {
            if (SegmentNumber == 0)
            {
                return Reason;
            }

            var text = new StringBuilder();
            if (SegmentId.Length == 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"end of input (byte {ByteOffset}, after segment {SegmentNumber - 1})");
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"segment {SegmentNumber} ({SegmentId} at byte {ByteOffset})");
            }

            text.Append(": ").Append(Reason);
            return text.ToString();
        }
    }

    public override string ToString() => Message;
}

/// <summary>Thrown when an EDI stream cannot be read or violates the envelope/document rules (strict mode).</summary>
public sealed class EdiParseException : Exception
{
    public EdiParseException(EdiError error)
        : base(error.Message)
    {
        Error = error;
    }

    public EdiParseException()
        : this(new EdiError(0, 0, "", null, "unknown EDI error", EdiErrorLevel.Interchange))
    {
    }

    public EdiParseException(string message)
        : this(new EdiError(0, 0, "", null, message, EdiErrorLevel.Interchange))
    {
    }

    public EdiParseException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = new EdiError(0, 0, "", null, message, EdiErrorLevel.Interchange);
    }

    public EdiError Error { get; }
}
