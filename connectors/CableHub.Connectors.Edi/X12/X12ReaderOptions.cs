using System.Text;

namespace CableHub.Connectors.Edi.X12;

/// <summary>Options of the X12 reader. Libraries take options objects; the host binds configuration to them.</summary>
public sealed record X12ReaderOptions
{
    public static X12ReaderOptions Default { get; } = new();

    /// <summary>Require the ISA to be the standard fixed-width 106-byte segment (true), or accept ISA elements of
    /// any width and find ISA16 after the 16th element separator (false).</summary>
    public bool StrictIsaWidth { get; init; } = true;

    public EdiErrorMode ErrorMode { get; init; } = EdiErrorMode.Throw;

    /// <summary>Encoding of element text (X12 basic/extended character sets are ASCII; UTF-8 is a superset).</summary>
    public Encoding TextEncoding { get; init; } = Encoding.UTF8;

    /// <summary>Largest accepted segment, in bytes; a longer run without a terminator is an error.</summary>
    public int MaxSegmentLength { get; init; } = 1 << 20;

    /// <summary>Initial read buffer size (pooled; grows only for segments longer than it).</summary>
    public int BufferSize { get; init; } = 64 * 1024;

    /// <summary>Keep each transaction set's parsed content (false: validate only, keep envelope and errors — for 997s of huge files).</summary>
    public bool KeepTransactionContent { get; init; } = true;

    /// <summary>REF qualifiers that carry serial numbers in an 856 (REF01). SE = serial number, SN = seal number in
    /// some guides but used for serials by many suppliers; add "LS" (bar-coded serial number) when a partner uses it.</summary>
    public IReadOnlySet<string> SerialNumberQualifiers { get; init; } = new HashSet<string>(StringComparer.Ordinal) { "SE", "SN" };
}
