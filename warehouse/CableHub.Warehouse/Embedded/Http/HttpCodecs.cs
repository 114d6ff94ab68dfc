using System.IO.Compression;
using ClickHouse.Driver.Compression;

namespace CableHub.Warehouse.Embedded.Http;

/// <summary>HTTP body codecs, as ClickHouse's HTTP interface understands them.</summary>
internal static class HttpCodecs
{
    // ClickHouse's own preference when a client accepts several (it ignores q-values).
    private static readonly string[] ResponsePreference = ["zstd", "br", "lz4", "gzip", "deflate"];

    /// <summary>The response codec for an Accept-Encoding header, or null for identity.</summary>
    public static string? ChooseResponseCodec(string? acceptEncoding)
    {
        if (string.IsNullOrWhiteSpace(acceptEncoding))
        {
            return null;
        }

        var offered = acceptEncoding.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => t.Split(';', 2)[0].Trim())
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        return ResponsePreference.FirstOrDefault(offered.Contains);
    }

    /// <summary>Wraps the response body in the codec's compressing stream (disposing it finishes the frame, not the body).</summary>
    public static Stream Compress(Stream body, string codec, int? zlibLevel) => codec switch
    {
        "zstd" => ZstdCompressor.Default.Compress(body, leaveOpen: true),
        "lz4" => Lz4Compressor.Default.Compress(body, leaveOpen: true),
        "br" => new BrotliStream(body, CompressionLevel.Fastest, leaveOpen: true),
        "gzip" => new GZipStream(body, ZlibLevel(zlibLevel), leaveOpen: true),
        "deflate" => new ZLibStream(body, ZlibLevel(zlibLevel), leaveOpen: true),
        _ => throw new ArgumentOutOfRangeException(nameof(codec), codec, "unsupported codec"),
    };

    /// <summary>Wraps a request body declared with <paramref name="contentEncoding"/> in its decoder.</summary>
    /// <exception cref="ChdbException">The encoding is not supported (UNKNOWN_COMPRESSION_METHOD).</exception>
    public static Stream Decompress(Stream body, string? contentEncoding)
    {
        var codec = contentEncoding?.Trim().ToLowerInvariant();
        return codec switch
        {
            null or "" or "identity" or "none" => body,
            "gzip" or "x-gzip" => new GZipStream(body, CompressionMode.Decompress, leaveOpen: true),
            "deflate" => new ZLibOrRawDeflateStream(body),
            "br" or "brotli" => new BrotliStream(body, CompressionMode.Decompress, leaveOpen: true),
            "zstd" => ZstdCompressor.Default.Decompress(body, leaveOpen: true),
            "lz4" => Lz4Compressor.Default.Decompress(body, leaveOpen: true),
            _ => throw new ChdbException($"Code: 638. DB::Exception: Unknown compression method '{contentEncoding}' of the request body (Content-Encoding); the embedded engine accepts gzip, deflate, br, zstd and lz4. (UNKNOWN_COMPRESSION_METHOD)"),
        };
    }

    private static CompressionLevel ZlibLevel(int? level) => level switch
    {
        null or <= 3 => CompressionLevel.Fastest,
        >= 8 => CompressionLevel.SmallestSize,
        _ => CompressionLevel.Optimal,
    };

    /// <summary>HTTP "deflate" is zlib (RFC 1950); some clients send raw deflate. Decides on the first two bytes.</summary>
    private sealed class ZLibOrRawDeflateStream(Stream inner) : Stream
    {
        private Stream? _decoder;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer) => Decoder().Read(buffer);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _decoder?.Dispose();
            }

            base.Dispose(disposing);
        }

        private Stream Decoder()
        {
            if (_decoder is not null)
            {
                return _decoder;
            }

            var head = new byte[2];
            var read = 0;
            while (read < 2)
            {
                var n = inner.Read(head, read, 2 - read);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            var isZlib = read == 2 && (head[0] & 0x0F) == 8 && ((head[0] << 8) | head[1]) % 31 == 0;
            var replay = new ConcatStream(head.AsMemory(0, read), inner);
            _decoder = isZlib
                ? new ZLibStream(replay, CompressionMode.Decompress, leaveOpen: false)
                : new DeflateStream(replay, CompressionMode.Decompress, leaveOpen: false);
            return _decoder;
        }
    }
}

/// <summary>Reads <c>prefix</c>, then <c>rest</c> (without owning <c>rest</c>).</summary>
internal sealed class ConcatStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
{
    private ReadOnlyMemory<byte> _prefix = prefix;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (!_prefix.IsEmpty)
        {
            var n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }

        return rest.Read(buffer);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
