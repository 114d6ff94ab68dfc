using System.Text;

namespace CableHub.Warehouse.Embedded;

/// <summary>
/// A materialized result (or one chunk of a streamed result) in chDB's native memory. The bytes are
/// in the requested output format and valid until the result is disposed.
/// </summary>
public sealed unsafe class ChdbResult : IDisposable
{
    private readonly ChdbResultHandle _handle;

    internal ChdbResult(ChdbResultHandle handle)
    {
        _handle = handle;
        var raw = handle.DangerousGetHandle();
        Stats = ChdbQueryStats.From(raw);
        _buffer = ChdbNative.ResultBuffer(raw);
        _length = checked((int)ChdbNative.ResultLength(raw));
    }

    private readonly byte* _buffer;
    private readonly int _length;

    public ChdbQueryStats Stats { get; }

    public int Length => _length;

    /// <summary>The result bytes; do not keep the span after disposing the result.</summary>
    public ReadOnlySpan<byte> Data
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _buffer is null ? default : new ReadOnlySpan<byte>(_buffer, _length);
        }
    }

    /// <summary>The result as UTF-8 text.</summary>
    public string Text() => Encoding.UTF8.GetString(Data);

    public void Dispose() => _handle.Dispose();

    /// <summary>Wraps a result pointer, throwing <see cref="ChdbException"/> (and freeing it) when it carries an error.</summary>
    internal static ChdbResultHandle Check(IntPtr result, string what)
    {
        if (result == IntPtr.Zero)
        {
            throw new ChdbException($"chDB returned no result for {what}");
        }

        var handle = ChdbResultHandle.FromPointer(result);
        var error = ChdbNative.Utf8(ChdbNative.ResultError(result));
        if (error is not null)
        {
            handle.Dispose();
            throw new ChdbException(error);
        }

        return handle;
    }
}
