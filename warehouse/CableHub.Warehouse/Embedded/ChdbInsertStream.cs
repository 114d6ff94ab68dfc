namespace CableHub.Warehouse.Embedded;

/// <summary>
/// A streaming INSERT: the statement (without FORMAT clause or data) is sent once, then data is pushed
/// in chunks of the input format. Data never becomes SQL text. Disposing without
/// <see cref="Complete"/> cancels the insert (ClickHouse semantics: blocks already written stay).
/// </summary>
public sealed unsafe class ChdbInsertStream : IDisposable
{
    private readonly ChdbConnection _connection;
    private readonly ChdbInsertStreamHandle _stream;
    private bool _completed;
    private bool _disposed;

    internal ChdbInsertStream(ChdbConnection connection, ChdbInsertStreamHandle stream)
    {
        _connection = connection;
        _stream = stream;
    }

    /// <summary>Pushes one chunk (any split of the format's bytes, e.g. half a row, is fine).</summary>
    /// <exception cref="ChdbException">The data could not be parsed or written.</exception>
    public void Append(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("The insert was already completed.");
        }

        if (data.IsEmpty)
        {
            return;
        }

        int state;
        fixed (byte* p = data)
        {
            state = ChdbNative.StreamAppend(_stream.DangerousGetHandle(), p, (nuint)data.Length);
        }

        if (state != 0)
        {
            throw new ChdbException(Error() ?? "chDB refused the inserted data");
        }
    }

    /// <summary>Ends the input and commits; returns rows and bytes written.</summary>
    public ChdbQueryStats Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("The insert was already completed.");
        }

        _completed = true;
        using var result = new ChdbResult(ChdbResult.Check(ChdbNative.StreamDone(_stream.DangerousGetHandle()), "the end of an insert"));
        return result.Stats;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (!_completed)
            {
                ChdbNative.StreamCancelInsert(_stream.DangerousGetHandle());
            }
        }
        finally
        {
            _stream.Dispose();
            _connection.ExitStatement();
        }
    }

    internal string? Error() => ChdbNative.Utf8(ChdbNative.StreamInsertError(_stream.DangerousGetHandle()));
}
