using CableHub.Pipelines.Ingest.Conversion;
using CableHub.Pipelines.Ingest.Schema;

namespace CableHub.Pipelines.Ingest.Writing;

/// <summary>A message that could not be ingested, with the reason. <paramref name="BytesDropped"/>: the origin's key/value were not kept (read them back from Kafka).</summary>
internal sealed record DeadLetter(MessageOrigin Origin, string Reason, DateTimeOffset At, ulong? CommitLsn, IReadOnlyList<KeyValuePair<string, byte[]>>? Headers = null, bool BytesDropped = false)
{
    public MessageOrigin Origin { get; set; } = Origin;
}

/// <summary>
/// The events consumed since the last flush: rows per raw table, truncates, dead letters, and the highest offset seen
/// per partition. Written whole (or retried) before any offset is committed.
/// </summary>
internal sealed class IngestBatch(TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<(string Topic, int Partition), long> _lastOffsets = [];
    private readonly Dictionary<(string Topic, int Partition), int> _counts = [];
    private readonly List<(string Topic, int Partition, ulong CommitLsn)> _acks = [];

    public Dictionary<RawTable, List<PendingRow>> Rows { get; } = [];

    public List<PendingTruncate> Truncates { get; } = [];

    public List<DeadLetter> DeadLetters { get; } = [];

    /// <summary>Messages in the batch (every kind).</summary>
    public int Count { get; private set; }

    public int RowCount { get; private set; }

    public int Tombstones { get; private set; }

    public int Ignored { get; private set; }

    /// <summary>
    /// The write reads or rewrites the warehouse's current rows (a truncate, or unchanged-TOAST columns taken from the previous
    /// version): it must run after every earlier batch and before any later one.
    /// </summary>
    public bool NeedsWarehouseState => Truncates.Count > 0 || _hasUnavailable;

    private bool _hasUnavailable;

    public IReadOnlyDictionary<(string Topic, int Partition), long> LastOffsets => _lastOffsets;

    public void Track(string topic, int partition, long offset)
    {
        Count++;
        var key = (topic, partition);
        _counts[key] = _counts.GetValueOrDefault(key) + 1;
        if (!_lastOffsets.TryGetValue(key, out var last) || offset > last)
        {
            _lastOffsets[key] = offset;
        }
    }

    public void AddRow(RawTable table, PendingRow row)
    {
        if (!Rows.TryGetValue(table, out var rows))
        {
            rows = new List<PendingRow>(256);
            Rows[table] = rows;
        }

        rows.Add(row);
        RowCount++;
        _hasUnavailable |= row.Unavailable is not null;
        Acknowledge(row.Origin, row.CommitLsn);
    }

    public void AddTruncate(PendingTruncate truncate)
    {
        Truncates.Add(truncate);
        Acknowledge(truncate.Origin, truncate.CommitLsn);
    }

    public void AddDeadLetter(DeadLetter deadLetter)
    {
        DeadLetters.Add(deadLetter);
        if (deadLetter.CommitLsn is { } lsn)
        {
            Acknowledge(deadLetter.Origin, lsn);
        }
    }

    public void AddTombstone() => Tombstones++;

    /// <summary>A message without a row change (op <c>m</c>, transaction marker): counted, not acknowledged (the CDC gate counts c/u/d/r/t only).</summary>
    public void AddIgnored() => Ignored++;

    /// <summary>A row that ClickHouse refused: it leaves the rows and becomes a dead letter.</summary>
    public void MoveToDeadLetters(RawTable table, PendingRow row, string reason)
    {
        if (Rows.TryGetValue(table, out var rows) && rows.Remove(row))
        {
            RowCount--;
        }

        DeadLetters.Add(new DeadLetter(row.Origin, reason, _time.GetUtcNow(), row.CommitLsn, BytesDropped: true));
    }

    /// <summary>Per commit LSN, how many events of this batch carried it, in order of first appearance.</summary>
    public IReadOnlyList<CommitAcknowledgement> CommitCounts()
    {
        var order = new List<ulong>();
        var counts = new Dictionary<ulong, int>();
        foreach (var (_, _, lsn) in _acks)
        {
            if (counts.TryGetValue(lsn, out var n))
            {
                counts[lsn] = n + 1;
            }
            else
            {
                counts[lsn] = 1;
                order.Add(lsn);
            }
        }

        return order.Select(lsn => new CommitAcknowledgement(lsn, counts[lsn])).ToList();
    }

    /// <summary>Drops everything of partitions this consumer no longer owns (their offsets were not committed: the new owner replays them).</summary>
    public void RemovePartitions(IEnumerable<(string Topic, int Partition)> partitions)
    {
        var gone = partitions.ToHashSet();
        if (gone.Count == 0 || Count == 0)
        {
            return;
        }

        bool Gone(MessageOrigin o) => gone.Contains((o.Topic, o.Partition));
        foreach (var rows in Rows.Values)
        {
            RowCount -= rows.RemoveAll(r => Gone(r.Origin));
        }

        Truncates.RemoveAll(t => Gone(t.Origin));
        DeadLetters.RemoveAll(d => Gone(d.Origin));
        _acks.RemoveAll(a => gone.Contains((a.Topic, a.Partition)));
        foreach (var partition in gone)
        {
            _lastOffsets.Remove(partition);
            if (_counts.Remove(partition, out var count))
            {
                Count -= count;
            }
        }

        if (_lastOffsets.Count == 0)
        {
            Clear();
        }
    }

    public void Clear()
    {
        Rows.Clear();
        Truncates.Clear();
        DeadLetters.Clear();
        _lastOffsets.Clear();
        _counts.Clear();
        _acks.Clear();
        Count = 0;
        RowCount = 0;
        _hasUnavailable = false;
        Tombstones = 0;
        Ignored = 0;
    }

    private void Acknowledge(MessageOrigin origin, ulong commitLsn) => _acks.Add((origin.Topic, origin.Partition, commitLsn));
}
