namespace CableHub.Warehouse.Embedded;

/// <summary>What chDB's parser says a statement does (<c>chdb_classify_query_n</c>).</summary>
public enum ChdbStatementClass
{
    /// <summary>SELECT, SHOW, DESCRIBE, EXPLAIN, EXISTS, CHECK.</summary>
    ReadOnly = 0,

    /// <summary>INSERT, CREATE, ALTER, DROP, TRUNCATE, RENAME, UPDATE, DELETE, OPTIMIZE.</summary>
    Mutating = 1,

    /// <summary>Functions, named collections, access management, writes into <c>system</c>.</summary>
    MutatingGlobal = 2,

    /// <summary>USE, SET, ATTACH, DETACH, SYSTEM, BACKUP, RESTORE, KILL, ...</summary>
    Control = 3,

    /// <summary>Did not parse, or not classified by this engine version.</summary>
    Unknown = 4,
}

/// <summary>Result of <see cref="ChdbConnection.Classify"/>.</summary>
/// <param name="StatementCount">Executable statements in the text (0 when it did not parse).</param>
/// <param name="Class">The most restricted class among them.</param>
public readonly record struct ChdbStatementInfo(int StatementCount, ChdbStatementClass Class);

/// <summary>
/// One chDB connection: a ClickHouse session with its own current database and settings. Runs one
/// statement at a time (a streamed query or an insert occupies it until disposed); several connections
/// of the same engine run concurrently.
/// </summary>
public sealed unsafe class ChdbConnection : IDisposable
{
    private readonly ChdbConnectionHandle _handle;
    private readonly ChdbEngine _engine;
    private int _busy;

    internal ChdbConnection(ChdbConnectionHandle handle, ChdbEngine engine)
    {
        _handle = handle;
        _engine = engine;
    }

    public bool IsDisposed => _handle.IsClosed;

    /// <summary>Runs a statement and materializes its whole result in <paramref name="format"/>.</summary>
    /// <param name="parameters">Values of the statement's <c>{name:Type}</c> placeholders, in ClickHouse's escaped text form.</param>
    /// <exception cref="ChdbException">The engine rejected or failed the statement.</exception>
    public ChdbResult Query(string sql, string format = "TabSeparated", IReadOnlyList<KeyValuePair<string, string>>? parameters = null)
    {
        EnterStatement();
        try
        {
            using var a = NativeArgs.Create(sql, format, parameters);
            using var lease = Lease();
            return new ChdbResult(ChdbResult.Check(
                ChdbNative.QueryWithParams(lease.Raw, a.Query, a.QueryLength, a.Format, a.FormatLength, a.Names, a.NameLengths, a.Values, a.ValueLengths, a.Count),
                "a query"));
        }
        finally
        {
            ExitStatement();
        }
    }

    /// <summary>Runs a statement and returns its result as text (TabSeparated unless the statement says FORMAT).</summary>
    public string QueryText(string sql, IReadOnlyList<KeyValuePair<string, string>>? parameters = null)
    {
        using var result = Query(sql, "TabSeparated", parameters);
        return result.Text();
    }

    /// <summary>Runs a statement for its effect; returns what it did.</summary>
    public ChdbQueryStats Execute(string sql, IReadOnlyList<KeyValuePair<string, string>>? parameters = null)
    {
        using var result = Query(sql, "TabSeparated", parameters);
        return result.Stats;
    }

    /// <summary>Starts a statement whose result is fetched in chunks. The connection is busy until the stream is disposed.</summary>
    /// <exception cref="ChdbException">The statement was rejected before producing data (e.g. syntax error).</exception>
    public ChdbQueryStream QueryStream(string sql, string format, IReadOnlyList<KeyValuePair<string, string>>? parameters = null)
    {
        EnterStatement();
        try
        {
            using var a = NativeArgs.Create(sql, format, parameters);
            using var lease = Lease();
            var stream = ChdbResult.Check(
                ChdbNative.StreamQueryWithParams(lease.Raw, a.Query, a.QueryLength, a.Format, a.FormatLength, a.Names, a.NameLengths, a.Values, a.ValueLengths, a.Count),
                "a streamed query");
            return new ChdbQueryStream(this, stream);
        }
        catch
        {
            ExitStatement();
            throw;
        }
    }

    /// <summary>
    /// Starts a streaming INSERT. <paramref name="insertStatement"/> is the statement up to (not including)
    /// FORMAT or VALUES, e.g. <c>INSERT INTO db.t (a, b)</c>; <paramref name="format"/> names the input
    /// format of the appended data (RowBinary, CSV, JSONEachRow, Values, ...).
    /// </summary>
    /// <exception cref="ChdbException">The statement was rejected (unknown table, bad columns, ...).</exception>
    public ChdbInsertStream BeginInsert(string insertStatement, string format, IReadOnlyList<KeyValuePair<string, string>>? parameters = null)
    {
        EnterStatement();
        ChdbInsertStreamHandle? handle = null;
        try
        {
            using var a = NativeArgs.Create(insertStatement, format, parameters);
            using var lease = Lease();
            var pointer = ChdbNative.StreamInsertWithParams(lease.Raw, a.Query, a.QueryLength, a.Format, a.FormatLength, a.Names, a.NameLengths, a.Values, a.ValueLengths, a.Count);
            if (pointer == IntPtr.Zero)
            {
                throw new ChdbException("chDB could not start the insert");
            }

            handle = ChdbInsertStreamHandle.FromPointer(pointer);
            var error = ChdbNative.Utf8(ChdbNative.StreamInsertError(pointer));
            if (error is not null)
            {
                throw new ChdbException(error);
            }

            return new ChdbInsertStream(this, handle);
        }
        catch
        {
            handle?.Dispose();
            ExitStatement();
            throw;
        }
    }

    /// <summary>Parses <paramref name="sql"/> without running it: how many statements, and what they do.</summary>
    public ChdbStatementInfo Classify(string sql)
    {
        EnterStatement();
        try
        {
            using var a = NativeArgs.Create(sql, "", null);
            using var lease = Lease();
            var analysis = new ChdbNative.QueryAnalysis { StructSize = (uint)sizeof(ChdbNative.QueryAnalysis) };
            var state = ChdbNative.ClassifyQuery(lease.Raw, a.Query, a.QueryLength, null, 0, &analysis);
            return state != 0
                ? new ChdbStatementInfo(0, ChdbStatementClass.Unknown)
                : new ChdbStatementInfo((int)analysis.StatementCount, Enum.IsDefined((ChdbStatementClass)analysis.QueryClass) ? (ChdbStatementClass)analysis.QueryClass : ChdbStatementClass.Unknown);
        }
        finally
        {
            ExitStatement();
        }
    }

    public void Dispose()
    {
        if (_handle.IsClosed)
        {
            return;
        }

        _engine.Forget(this);
        _handle.Dispose();
    }

    /// <summary>The <c>chdb_connection</c>, with the handle kept alive until the lease is disposed.</summary>
    internal HandleLease Lease() => new(_handle);

    internal ref struct HandleLease
    {
        private readonly ChdbConnectionHandle _handle;
        private bool _added;

        public HandleLease(ChdbConnectionHandle handle)
        {
            _handle = handle;
            _added = false;
            handle.DangerousAddRef(ref _added);
            Raw = ChdbNative.Deref(handle.DangerousGetHandle());
        }

        public IntPtr Raw { get; }

        public void Dispose()
        {
            if (_added)
            {
                _added = false;
                _handle.DangerousRelease();
            }
        }
    }

    internal void EnterStatement()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            throw new InvalidOperationException("This chDB connection is running another statement (a connection runs one statement at a time; dispose the open stream or use another connection).");
        }
    }

    internal void ExitStatement() => Volatile.Write(ref _busy, 0);
}
