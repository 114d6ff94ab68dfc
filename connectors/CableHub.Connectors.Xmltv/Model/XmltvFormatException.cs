namespace CableHub.Connectors.Xmltv;

/// <summary>
/// The input is not readable XMLTV: malformed XML, an undecodable byte sequence, an unsupported encoding
/// or a root element other than <c>&lt;tv&gt;</c>. Carries the place and the reason.
/// </summary>
public sealed class XmltvFormatException : Exception
{
    public XmltvFormatException(int lineNumber, int linePosition, string reason, Exception? innerException = null)
        : base(FormatMessage(lineNumber, linePosition, reason), innerException)
    {
        LineNumber = lineNumber;
        LinePosition = linePosition;
        Reason = reason;
    }

    public XmltvFormatException()
        : this(0, 0, "not readable XMLTV")
    {
    }

    public XmltvFormatException(string message)
        : this(0, 0, message)
    {
    }

    public XmltvFormatException(string message, Exception innerException)
        : this(0, 0, message, innerException)
    {
    }

    /// <summary>1-based line (0 when unknown).</summary>
    public int LineNumber { get; }

    /// <summary>1-based position in the line (0 when unknown).</summary>
    public int LinePosition { get; }

    /// <summary>Why the input is not readable, without the place.</summary>
    public string Reason { get; }

    private static string FormatMessage(int line, int position, string reason) =>
        line > 0
            ? $"Not readable XMLTV at line {line}, position {position}: {reason}"
            : $"Not readable XMLTV: {reason}";
}
