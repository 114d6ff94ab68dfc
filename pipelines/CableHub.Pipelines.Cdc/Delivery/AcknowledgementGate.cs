namespace CableHub.Pipelines.Cdc.Delivery;

/// <summary>When a change counts as "the sink has it", i.e. when the replication slot may move past it.</summary>
public enum AcknowledgementMode
{
    /// <summary>When the broker acknowledged the produce (acks=all, idempotent producer). Default for a real Kafka.</summary>
    Broker,

    /// <summary>
    /// When the sink (the in-process warehouse ingester) reported the events durably written through
    /// <see cref="AcknowledgementGate.Acknowledge"/>. Needed with the embedded memory-only broker.
    /// </summary>
    Sink,
}

/// <summary>
/// Decides how far the replication slot may be confirmed. For every transaction (keyed by its commit LSN) the reader
/// reports how many events it produced; deliveries (broker acks) and, in <see cref="AcknowledgementMode.Sink"/> mode,
/// the sink's acknowledgements are counted against that. The safe LSN is the end LSN of the newest transaction such
/// that it and every transaction before it are fully acknowledged. Thread-safe.
/// <para>
/// Counted events are change events only (c, u, d, r, t), never tombstones. In sink mode every copy delivered to the
/// broker must be acknowledged (a transaction replayed after a reconnect counts its earlier, already delivered copies
/// too), so a partial earlier copy can never stand in for the complete replay.
/// </para>
/// </summary>
public sealed class AcknowledgementGate
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, Transaction> _transactions = [];
    private readonly Queue<Transaction> _order = new();
    private readonly TimeProvider _time;
    private int _session;
    private ulong _safeLsn;
    private ulong _safeCommitLsn;
    private long _inFlight;
    private Exception? _fault;
    private int _faultSession;

    public AcknowledgementGate(AcknowledgementMode mode, TimeProvider? time = null)
    {
        Mode = mode;
        _time = time ?? TimeProvider.System;
    }

    public AcknowledgementMode Mode { get; }

    /// <summary>The LSN the slot may be confirmed to (0: nothing yet).</summary>
    public ulong SafeLsn
    {
        get
        {
            lock (_lock)
            {
                return _safeLsn;
            }
        }
    }

    /// <summary>Commit LSN of the newest transaction that is safe.</summary>
    public ulong SafeCommitLsn
    {
        get
        {
            lock (_lock)
            {
                return _safeCommitLsn;
            }
        }
    }

    /// <summary>Events produced and not yet settled (broker mode: not delivered; sink mode: not acknowledged by the sink).</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>Transactions waiting for acknowledgements.</summary>
    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _order.Count;
            }
        }
    }

    /// <summary>
    /// Sink acknowledgement: <paramref name="events"/> change events carrying commit LSN <paramref name="commitLsn"/>
    /// (<c>source.sequence[0]</c>, header <c>cablehub.commit_lsn</c>) are durably in the sink. Acknowledgements of
    /// transactions this reader did not produce (older than what is already safe, or from before this process) are ignored.
    /// </summary>
    public void Acknowledge(ulong commitLsn, int events)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(events);
        if (Mode != AcknowledgementMode.Sink || events == 0)
        {
            return;
        }

        lock (_lock)
        {
            if (!_transactions.TryGetValue(commitLsn, out var tx))
            {
                return;
            }

            tx.SinkAcknowledged += events;
            Settle(events);
            Advance();
        }
    }

    /// <summary>Starts a new reader session: transactions not yet safe will be streamed again and re-registered.</summary>
    internal int StartSession()
    {
        lock (_lock)
        {
            _session++;
            _order.Clear();
            _fault = null;
            Interlocked.Exchange(ref _inFlight, 0);
            if (Mode == AcknowledgementMode.Broker)
            {
                // delivery reports of the old session no longer matter
                _transactions.Clear();
            }

            return _session;
        }
    }

    /// <summary>A transaction begins; false when it is already safe (a replay of acknowledged data: skip producing it).</summary>
    internal bool Begin(ulong commitLsn, int session)
    {
        lock (_lock)
        {
            if (commitLsn <= _safeCommitLsn && _safeCommitLsn != 0)
            {
                return false;
            }

            if (!_transactions.TryGetValue(commitLsn, out var tx))
            {
                tx = new Transaction(commitLsn);
                _transactions[commitLsn] = tx;
            }

            tx.Session = session;
            tx.Expected = -1;
            tx.SessionDelivered = 0;
            tx.DeliveredAt = null;
            _order.Enqueue(tx);
            return true;
        }
    }

    /// <summary>One counted event of the transaction was handed to the producer.</summary>
    internal void Produced() => Interlocked.Increment(ref _inFlight);

    /// <summary>A <see cref="Produced"/> whose produce call failed synchronously.</summary>
    internal void Unproduced() => Interlocked.Decrement(ref _inFlight);

    /// <summary>A delivery report for a counted event.</summary>
    internal void Delivered(ulong commitLsn, int session, bool success)
    {
        lock (_lock)
        {
            if (!_transactions.TryGetValue(commitLsn, out var tx))
            {
                Settle(1);
                return;
            }

            if (success)
            {
                tx.DeliveredTotal++;
                if (tx.Session == session)
                {
                    tx.SessionDelivered++;
                }

                if (Mode == AcknowledgementMode.Broker)
                {
                    Settle(1);
                }
            }
            else
            {
                Settle(1);
            }

            Advance();
        }
    }

    /// <summary>The producer failed; the session must restart from the slot.</summary>
    internal void Fail(int session, Exception error)
    {
        lock (_lock)
        {
            if (session == _session && _fault is null)
            {
                _fault = error;
                _faultSession = session;
            }
        }
    }

    /// <summary>Throws the producer's failure of this session, if any.</summary>
    internal void ThrowIfFaulted(int session)
    {
        lock (_lock)
        {
            if (_fault is not null && _faultSession == session)
            {
                throw new CdcDeliveryException("Producing change events failed; streaming restarts from the replication slot.", _fault);
            }
        }
    }

    /// <summary>All events of the transaction were produced (<paramref name="events"/> counted ones).</summary>
    internal void Complete(ulong commitLsn, ulong endLsn, int events, int session)
    {
        lock (_lock)
        {
            if (_transactions.TryGetValue(commitLsn, out var tx) && tx.Session == session)
            {
                tx.EndLsn = endLsn;
                tx.Expected = events;
                Advance();
            }
        }
    }

    /// <summary>How long the oldest pending transaction has been fully delivered to the broker but not acknowledged by the sink.</summary>
    internal TimeSpan? OldestUnacknowledgedAge()
    {
        lock (_lock)
        {
            if (_order.Count == 0 || _order.Peek().DeliveredAt is not { } at)
            {
                return null;
            }

            return _time.GetUtcNow() - at;
        }
    }

    private void Settle(long events)
    {
        var after = Interlocked.Add(ref _inFlight, -events);
        if (after < 0)
        {
            Interlocked.CompareExchange(ref _inFlight, 0, after);
        }
    }

    private void Advance()
    {
        while (_order.Count > 0)
        {
            var head = _order.Peek();
            if (head.Session != _session || head.Expected < 0 || head.SessionDelivered < head.Expected)
            {
                return;
            }

            if (Mode == AcknowledgementMode.Sink && head.SinkAcknowledged < head.DeliveredTotal)
            {
                head.DeliveredAt ??= _time.GetUtcNow();
                return;
            }

            _order.Dequeue();
            _transactions.Remove(head.CommitLsn);
            _safeCommitLsn = head.CommitLsn;
            _safeLsn = Math.Max(_safeLsn, head.EndLsn);
        }
    }

    private sealed class Transaction(ulong commitLsn)
    {
        public ulong CommitLsn { get; } = commitLsn;

        public ulong EndLsn { get; set; }

        public int Session { get; set; }

        /// <summary>Counted events of the current session's copy; -1 until the commit was read.</summary>
        public int Expected { get; set; } = -1;

        public int SessionDelivered { get; set; }

        public long DeliveredTotal { get; set; }

        public long SinkAcknowledged { get; set; }

        public DateTimeOffset? DeliveredAt { get; set; }
    }
}

/// <summary>Change events could not be delivered to Kafka.</summary>
public sealed class CdcDeliveryException : Exception
{
    public CdcDeliveryException()
    {
    }

    public CdcDeliveryException(string message)
        : base(message)
    {
    }

    public CdcDeliveryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
