using System.IO.Compression;
using System.Text;

namespace CableHub.Connectors.Xmltv;

/// <summary>
/// Undoes gzip (XMLTV feeds are often <c>.xml.gz</c>), then finds the encoding of an XMLTV byte stream before the XML parser sees it: a byte-order mark, else the XML
/// declaration's <c>encoding</c>, else UTF-8. Encodings .NET decodes natively (UTF-8, UTF-16, ISO-8859-1, ASCII)
/// are left to <see cref="System.Xml.XmlReader"/>; legacy code pages (windows-1252, ISO-8859-15…) are decoded
/// through <see cref="CodePagesEncodingProvider"/> without registering it process-wide.
/// </summary>
internal static class XmltvInput
{
    private const int SniffBytes = 1024;

    internal sealed record Sniffed(Stream Bytes, TextReader? Text, string EncodingName, bool HasByteOrderMark)
    {
        public bool Gzip => Decompressor is not null;

        /// <summary>The decompressing stream to dispose with the reader.</summary>
        public Stream? Decompressor { get; init; }
    }

    public static Sniffed Open(Stream stream) => Open(stream, allowGzip: true);

    public static async ValueTask<Sniffed> OpenAsync(PrefetchStream stream, CancellationToken cancellationToken)
    {
        await stream.EnsureBufferedAsync(SniffBytes, cancellationToken).ConfigureAwait(false);
        var prefix = stream.Buffered;
        if (IsGzip(prefix))
        {
            // Decompressed synchronously from the prefetched (compressed) bytes.
            var gzip = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
            return Open(gzip, allowGzip: false) with { Decompressor = gzip };
        }

        return Decide(stream, prefix.Length > SniffBytes ? prefix[..SniffBytes] : prefix);
    }

    private static bool IsGzip(ReadOnlySpan<byte> prefix) => prefix.Length >= 2 && prefix[0] == 0x1F && prefix[1] == 0x8B;

    private static Sniffed Open(Stream stream, bool allowGzip)
    {
        var prefix = new byte[SniffBytes];
        var count = 0;
        while (count < prefix.Length)
        {
            var n = stream.Read(prefix, count, prefix.Length - count);
            if (n == 0)
            {
                break;
            }

            count += n;
            if (HasDeclarationEnd(prefix.AsSpan(0, count)))
            {
                break;
            }
        }

        var replay = new PrefixedStream(prefix, count, stream);
        if (allowGzip && IsGzip(prefix.AsSpan(0, count)))
        {
            var gzip = new GZipStream(replay, CompressionMode.Decompress, leaveOpen: true);
            return Open(gzip, allowGzip: false) with { Decompressor = gzip };
        }

        return Decide(replay, prefix.AsSpan(0, count));
    }

    private static Sniffed Decide(Stream bytes, ReadOnlySpan<byte> prefix)
    {
        if (prefix.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return new Sniffed(bytes, null, "utf-8", true);
        }

        if (prefix.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return new Sniffed(bytes, null, "utf-16LE", true);
        }

        if (prefix.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return new Sniffed(bytes, null, "utf-16BE", true);
        }

        if (prefix.Length >= 2 && ((prefix[0] == 0 && prefix[1] == (byte)'<') || (prefix[0] == (byte)'<' && prefix[1] == 0)))
        {
            return new Sniffed(bytes, null, prefix[0] == 0 ? "utf-16BE" : "utf-16LE", false);
        }

        var declared = DeclaredEncoding(prefix);
        if (declared is null)
        {
            return new Sniffed(bytes, null, "utf-8", false);
        }

        Encoding? encoding = null;
        try
        {
            encoding = Encoding.GetEncoding(declared);
        }
        catch (ArgumentException)
        {
            // not one of the encodings .NET knows without a provider
        }

        if (encoding is not null)
        {
            return new Sniffed(bytes, null, declared.ToLowerInvariant(), false);
        }

        encoding = CodePagesEncodingProvider.Instance.GetEncoding(declared)
            ?? throw new XmltvFormatException(1, 1, $"unsupported encoding '{declared}' in the XML declaration");
        var text = new StreamReader(bytes, encoding, detectEncodingFromByteOrderMarks: false, bufferSize: 64 * 1024);
        return new Sniffed(bytes, text, declared.ToLowerInvariant(), false);
    }

    private static bool HasDeclarationEnd(ReadOnlySpan<byte> bytes) => bytes.IndexOf("?>"u8) >= 0;

    private static string? DeclaredEncoding(ReadOnlySpan<byte> prefix)
    {
        if (!prefix.StartsWith("<?xml"u8))
        {
            return null;
        }

        var end = prefix.IndexOf("?>"u8);
        if (end < 0)
        {
            return null;
        }

        var decl = Encoding.ASCII.GetString(prefix[..end]);
        var at = decl.IndexOf("encoding", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var i = at + "encoding".Length;
        while (i < decl.Length && (decl[i] == ' ' || decl[i] == '=' || decl[i] == '\t'))
        {
            i++;
        }

        if (i >= decl.Length || (decl[i] != '"' && decl[i] != '\''))
        {
            return null;
        }

        var quote = decl[i];
        var close = decl.IndexOf(quote, i + 1);
        return close < 0 ? null : decl[(i + 1)..close].Trim();
    }
}

/// <summary>Re-plays bytes already read for sniffing, then the rest of the inner stream. Forward-only.</summary>
internal sealed class PrefixedStream(byte[] prefix, int prefixCount, Stream inner) : Stream
{
    private int _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position < prefixCount)
        {
            var n = Math.Min(buffer.Length, prefixCount - _position);
            prefix.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        return inner.Read(buffer);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

}

/// <summary>
/// A read-ahead buffer over a (possibly slow, non-seekable) stream: the async reader fills it with
/// <see cref="EnsureBufferedAsync"/> before each synchronous parse step, so the XML parser's synchronous reads
/// are served from memory. A step larger than the buffer falls back to a synchronous read of the inner stream.
/// </summary>
internal sealed class PrefetchStream(Stream inner, int capacity) : Stream
{
    private readonly byte[] _buffer = new byte[capacity];
    private int _start;
    private int _end;
    private bool _eof;

    public ReadOnlySpan<byte> Buffered => _buffer.AsSpan(_start, _end - _start);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public async ValueTask EnsureBufferedAsync(int minimum, CancellationToken cancellationToken)
    {
        minimum = Math.Min(minimum, _buffer.Length);
        while (!_eof && _end - _start < minimum)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            var n = await inner.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                _eof = true;
            }

            _end += n;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_end > _start)
        {
            var n = Math.Min(buffer.Length, _end - _start);
            _buffer.AsSpan(_start, n).CopyTo(buffer);
            _start += n;
            return n;
        }

        return _eof ? 0 : inner.Read(buffer);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

}
