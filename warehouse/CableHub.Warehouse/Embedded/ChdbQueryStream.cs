namespace CableHub.Warehouse.Embedded;

/// <summary>
/// A statement whose result is fetched chunk by chunk (chDB's streaming query API), so big results
/// never sit in memory at once. Disposing an unfinished stream cancels the query.
/// </summary>
public sealed class ChdbQueryStream : IDisposable
{
    private readonly ChdbConnection _connection;
    private readonly ChdbResultHandle _stream;
    private bool _finished;
    private bool _disposed;

    internal ChdbQueryStream(ChdbConnection connection, ChdbResultHandle stream)
    {
        _connection = connection;
        _stream = stream;
    }

    /// <summary>Numbers accumulated over the chunks fetched so far.</summary>
    public ChdbQueryStats Stats { get; private set; }

    /// <summary>The next non-empty chunk, or null at the end of the result.</summary>
    /// <exception cref="ChdbException">The query failed while producing this chunk.</exception>
    public ChdbResult? Next()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_finished)
        {
            return null;
        }

        ChdbResult chunk;
        try
        {
            using var lease = _connection.Lease();
            chunk = new ChdbResult(ChdbResult.Check(ChdbNative.StreamFetchResult(lease.Raw, _stream.DangerousGetHandle()), "a streamed chunk"));
        }
        catch (ChdbException)
        {
            _finished = true;
            throw;
        }

        Stats = Stats.Add(chunk.Stats);
        if (chunk.Length == 0)
        {
            _finished = true;
            chunk.Dispose();
            return null;
        }

        return chunk;
    }

    /// <summary>Stops the query; later <see cref="Next"/> calls return null.</summary>
    public void Cancel()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_finished)
        {
            _finished = true;
            using var lease = _connection.Lease();
            ChdbNative.StreamCancelQuery(lease.Raw, _stream.DangerousGetHandle());
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            if (!_finished)
            {
                Cancel();
            }
        }
        finally
        {
            _disposed = true;
            _stream.Dispose();
            _connection.ExitStatement();
        }
    }
}
