namespace CableHub.Pipelines.Cdc.Delivery;

/// <summary>
/// How far the replication slot trails the WAL, in bytes and in time. Each measurement records when the server's WAL
/// reached its current position; the time lag is how long ago the WAL was at the slot's confirmed position (the newest
/// sample not beyond it): "the slot is confirmed up to where the WAL was N seconds ago". Zero when the slot is at the
/// WAL's end. Thread-safe.
/// </summary>
public sealed class SlotLagTracker
{
    private const int MaxSamples = 4096;

    private readonly Lock _lock = new();
    private readonly LinkedList<(DateTimeOffset At, ulong Lsn)> _samples = new();

    /// <summary>The last measurement; null before the first.</summary>
    public SlotLag? Current
    {
        get
        {
            lock (_lock)
            {
                return _current;
            }
        }
    }

    private SlotLag? _current;

    /// <summary>Records a measurement: the WAL's current end and the slot's confirmed position, at <paramref name="now"/>.</summary>
    public SlotLag Record(DateTimeOffset now, ulong walLsn, ulong confirmedLsn)
    {
        lock (_lock)
        {
            if (_samples.Last is null || _samples.Last.Value.Lsn < walLsn)
            {
                _samples.AddLast((now, walLsn));
            }

            // Keep one sample behind the confirmed position (it proves the WAL reached the position after it), drop older ones.
            while (_samples.First?.Next is { } second && second.Value.Lsn < confirmedLsn)
            {
                _samples.RemoveFirst();
            }

            while (_samples.Count > MaxSamples)
            {
                _samples.RemoveFirst();
            }

            var bytes = walLsn > confirmedLsn ? walLsn - confirmedLsn : 0;
            var age = TimeSpan.Zero;
            var atLeast = false;
            if (bytes > 0)
            {
                // The WAL reached the confirmed position no later than the first sample at or beyond it.
                var reached = _samples.First;
                while (reached is not null && reached.Value.Lsn < confirmedLsn)
                {
                    reached = reached.Next;
                }

                if (reached is not null)
                {
                    age = Max(now - reached.Value.At, TimeSpan.Zero);
                    atLeast = reached.Previous is null && reached.Value.Lsn > confirmedLsn; // it passed the position before we first looked
                }
            }

            _current = new SlotLag(bytes, age, atLeast, walLsn, confirmedLsn, now);
            return _current;
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

/// <summary>One measurement of the slot's lag.</summary>
/// <param name="Bytes">WAL bytes between the slot's confirmed position and the WAL's end.</param>
/// <param name="Age">How long ago the WAL was at the confirmed position (0: caught up).</param>
/// <param name="AtLeast">The confirmed position predates the first measurement: <paramref name="Age"/> is a lower bound.</param>
public sealed record SlotLag(ulong Bytes, TimeSpan Age, bool AtLeast, ulong WalLsn, ulong ConfirmedLsn, DateTimeOffset MeasuredAt);
