using CableHub.Connectors.Edi.Edifact;
using CableHub.Connectors.Edi.Json;
using CableHub.Connectors.Edi.ShipNotices;
using CableHub.Connectors.Edi.X12;

namespace CableHub.Connectors.Edi;

public enum EdiFormat
{
    Unknown,
    X12,
    Edifact,
}

/// <summary>Parses a file or stream of either format, recognised by its first segment (ISA → X12, UNA/UNB → EDIFACT).</summary>
public static class EdiDocumentParser
{
    /// <summary>The format of input starting with <paramref name="head"/> (byte-order mark and leading whitespace skipped).</summary>
    public static EdiFormat Detect(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            head = head[3..];
        }

        head = head.TrimStart(" \t\r\n"u8);
        return head.StartsWith("ISA"u8) ? EdiFormat.X12 : head.StartsWith("UNA"u8) || head.StartsWith("UNB"u8) ? EdiFormat.Edifact : EdiFormat.Unknown;
    }

    /// <summary>
    /// Parses <paramref name="stream"/> completely and maps every 856 / DESADV to the neutral <see cref="ShipNotice"/>.
    /// With the default options the first error throws <see cref="EdiParseException"/>; with
    /// <see cref="EdiErrorMode.Collect"/> errors are recorded and listed, with warnings, in <see cref="EdiParseOutput.Issues"/>
    /// (input that cannot be read as EDI at all still throws). Input that is neither format fails with "not an X12 interchange: …".
    /// </summary>
    public static EdiParseOutput Parse(Stream stream, X12ReaderOptions? x12 = null, EdifactReaderOptions? edifact = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var head = new byte[256];
        var length = 0;
        int read;
        while (length < head.Length && (read = stream.Read(head, length, head.Length - length)) > 0)
        {
            length += read;
        }

        using var input = new PrefixedStream(head.AsMemory(0, length), stream);
        if (Detect(head.AsSpan(0, length)) == EdiFormat.Edifact)
        {
            var document = EdifactParser.Parse(input, edifact);
            var notices = document.Interchanges
                .SelectMany(i => i.Messages.Where(m => m.DespatchAdvice is not null).Select(m => ShipNoticeMapper.FromDesadv(m, i.Header)))
                .ToList();
            return new EdiParseOutput("EDIFACT", null, document, notices) { Issues = EdiIssue.Of(document) };
        }

        // X12, or not EDI at all: the X12 tokenizer gives the "not an X12 interchange" error.
        var x12Document = X12Parser.Parse(input, x12);
        var shipNotices = x12Document.Interchanges
            .SelectMany(i => i.Groups.SelectMany(g => g.Transactions).Where(t => t.ShipNotice is not null).Select(t => ShipNoticeMapper.FromX12(t, i.Header)))
            .ToList();
        return new EdiParseOutput("X12", x12Document, null, shipNotices) { Issues = EdiIssue.Of(x12Document) };
    }

    public static EdiParseOutput ParseFile(string path, X12ReaderOptions? x12 = null, EdifactReaderOptions? edifact = null)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        return Parse(stream, x12, edifact);
    }

    /// <summary>Replays bytes already read from a stream, then the rest of it (works for non-seekable input).</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_prefix.IsEmpty)
            {
                return rest.Read(buffer);
            }

            var n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
