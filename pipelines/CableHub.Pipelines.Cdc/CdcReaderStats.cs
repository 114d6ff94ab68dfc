namespace CableHub.Pipelines.Cdc;

/// <summary>Counters of a running <see cref="CdcReader"/> (thread-safe reads).</summary>
public sealed class CdcReaderStats
{
    private long _events;
    private long _tombstones;
    private long _transactions;
    private long _snapshotRows;
    private long _sessions;
    private long _skippedTransactions;
    private long _confirmedLsn;

    /// <summary>Change events produced (c, u, d, r, t), replays included.</summary>
    public long Events => Interlocked.Read(ref _events);

    public long Tombstones => Interlocked.Read(ref _tombstones);

    /// <summary>Committed transactions read from the stream.</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    public long SnapshotRows => Interlocked.Read(ref _snapshotRows);

    /// <summary>Sessions started (1 + reconnects).</summary>
    public long Sessions => Interlocked.Read(ref _sessions);

    /// <summary>Transactions streamed again after a reconnect that were already safe and not produced twice.</summary>
    public long SkippedTransactions => Interlocked.Read(ref _skippedTransactions);

    /// <summary>The LSN last reported to PostgreSQL as flushed.</summary>
    public ulong ConfirmedLsn => (ulong)Interlocked.Read(ref _confirmedLsn);

    internal void AddEvent() => Interlocked.Increment(ref _events);

    internal void AddTombstone() => Interlocked.Increment(ref _tombstones);

    internal void AddTransaction() => Interlocked.Increment(ref _transactions);

    internal void AddSnapshotRow() => Interlocked.Increment(ref _snapshotRows);

    internal void AddSession() => Interlocked.Increment(ref _sessions);

    internal void AddSkippedTransaction() => Interlocked.Increment(ref _skippedTransactions);

    internal void SetConfirmed(ulong lsn) => Interlocked.Exchange(ref _confirmedLsn, (long)lsn);
}
