using System.Text;

namespace CableHub.Connectors.Edi.Edifact;

public sealed record EdifactReaderOptions
{
    public static EdifactReaderOptions Default { get; } = new();

    public EdiErrorMode ErrorMode { get; init; } = EdiErrorMode.Throw;

    /// <summary>Encoding of element text (UNOA/UNOB are ASCII subsets, UNOC is Latin-1, UNOW UTF-8).</summary>
    public Encoding TextEncoding { get; init; } = Encoding.UTF8;

    public int MaxSegmentLength { get; init; } = 1 << 20;

    public int BufferSize { get; init; } = 64 * 1024;

    public bool KeepMessageContent { get; init; } = true;

    /// <summary>Largest GIN identity-number range (first:last) expanded into single serial numbers.</summary>
    public int MaxSerialRange { get; init; } = 100_000;
}
