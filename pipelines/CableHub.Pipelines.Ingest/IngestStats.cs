namespace CableHub.Pipelines.Ingest;

/// <summary>
/// Live counters of a <see cref="WarehouseIngester"/>, thread-safe; <see cref="Snapshot"/> gives a consistent-enough
/// copy for <c>/health</c>.
/// </summary>
public sealed class IngestStats(TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private long _events;
    private long _rows;
    private long _batches;
    private long _deadLetters;
    private long _tombstones;
    private long _ignored;
    private long _truncates;
    private long _retries;
    private long _commitFailures;
    private long _deadLetterPublishFailures;
    private long _lag = -1;
    private double _lagSeconds = -1;
    private DateTimeOffset? _lagMeasuredAt;
    private DateTimeOffset? _lastBatchAt;
    private TimeSpan? _lastBatchDuration;
    private string? _lastError;
    private IngesterState _state = IngesterState.Created;
    private string[] _assigned = [];

    /// <summary>Change events handled (written rows + truncates + dead letters + tombstones + ignored).</summary>
    public long EventsIngested => Interlocked.Read(ref _events);

    public long RowsWritten => Interlocked.Read(ref _rows);

    public long Batches => Interlocked.Read(ref _batches);

    public long DeadLetters => Interlocked.Read(ref _deadLetters);

    /// <summary>Messages behind the high watermarks of the assigned partitions, measured about every second (-1 before the first).</summary>
    public long Lag => Interlocked.Read(ref _lag);

    internal void OnBatch(int events, int rows, int deadLetters, int tombstones, int ignored, int truncates, TimeSpan duration)
    {
        Interlocked.Add(ref _events, events);
        Interlocked.Add(ref _rows, rows);
        Interlocked.Add(ref _deadLetters, deadLetters);
        Interlocked.Add(ref _tombstones, tombstones);
        Interlocked.Add(ref _ignored, ignored);
        Interlocked.Add(ref _truncates, truncates);
        Interlocked.Increment(ref _batches);
        lock (_lock)
        {
            _lastBatchAt = _time.GetUtcNow();
            _lastBatchDuration = duration;
        }
    }

    internal void OnRetry(Exception? error)
    {
        Interlocked.Increment(ref _retries);
        lock (_lock)
        {
            if (_state == IngesterState.Running)
            {
                _state = IngesterState.Retrying; // back to Running after the next durable batch
            }
        }

        if (error is not null)
        {
            OnError(error);
        }
    }

    internal void OnError(Exception error)
    {
        lock (_lock)
        {
            _lastError = $"{_time.GetUtcNow():O} {error.GetType().Name}: {error.Message}";
        }
    }

    internal void OnCommitFailure(Exception error)
    {
        Interlocked.Increment(ref _commitFailures);
        OnError(error);
    }

    internal void OnDeadLetterPublishFailure(Exception error)
    {
        Interlocked.Increment(ref _deadLetterPublishFailures);
        OnError(error);
    }

    internal void SetLag(long lag) => Interlocked.Exchange(ref _lag, lag);

    /// <summary>Messages behind and how old the message being read is (0 when caught up), measured at <paramref name="at"/>.</summary>
    internal void SetLag(long lag, double seconds, DateTimeOffset at)
    {
        Interlocked.Exchange(ref _lag, lag);
        lock (_lock)
        {
            _lagSeconds = seconds;
            _lagMeasuredAt = at;
        }
    }

    internal void SetState(IngesterState state)
    {
        lock (_lock)
        {
            _state = state;
        }
    }

    internal void SetAssignment(IEnumerable<string> partitions)
    {
        var copy = partitions.Order(StringComparer.Ordinal).ToArray();
        lock (_lock)
        {
            _assigned = copy;
        }
    }

    public IngestStatsSnapshot Snapshot()
    {
        lock (_lock)
        {
            return new IngestStatsSnapshot(
                _state,
                EventsIngested,
                RowsWritten,
                Batches,
                DeadLetters,
                Interlocked.Read(ref _tombstones),
                Interlocked.Read(ref _ignored),
                Interlocked.Read(ref _truncates),
                Interlocked.Read(ref _retries),
                Interlocked.Read(ref _commitFailures),
                Interlocked.Read(ref _deadLetterPublishFailures),
                Lag,
                _lastBatchAt,
                _lastBatchDuration?.TotalMilliseconds,
                _lastError,
                _assigned,
                _lagSeconds,
                _lagMeasuredAt);
        }
    }
}

public enum IngesterState
{
    Created,
    Running,
    Retrying,
    Stopped,
    Faulted,
}

/// <summary>A copy of <see cref="IngestStats"/> (serializable for <c>/health</c>).</summary>
public sealed record IngestStatsSnapshot(
    IngesterState State,
    long EventsIngested,
    long RowsWritten,
    long Batches,
    long DeadLetters,
    long Tombstones,
    long Ignored,
    long Truncates,
    long Retries,
    long CommitFailures,
    long DeadLetterPublishFailures,
    long Lag,
    DateTimeOffset? LastBatchAt,
    double? LastBatchMilliseconds,
    string? LastError,
    IReadOnlyList<string> AssignedPartitions,
    double LagSeconds = -1,
    DateTimeOffset? LagMeasuredAt = null);
