using System.Diagnostics;
using System.Globalization;
using CableHub.Pipelines.Ingest.Conversion;
using CableHub.Pipelines.Ingest.Envelopes;
using CableHub.Pipelines.Ingest.Schema;
using CableHub.Pipelines.Ingest.Writing;
using ClickHouse.Driver;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CableHub.Pipelines.Ingest;

/// <summary>
/// Kafka → ClickHouse warehouse ingester with exactly-once effect.
/// <para>
/// Consumes Debezium change events (JSON, with or without schema) from the topics matching
/// <see cref="WarehouseIngesterOptions.TopicPattern"/> in a consumer group, converts each into a row of
/// <c>raw.&lt;schema&gt;_&lt;table&gt;</c> (<c>ReplacingMergeTree(_version, _is_deleted)</c> ordered by the source key, <c>_version</c>
/// from the log position — see <see cref="EventVersion"/>), batches by size/time, inserts each batch through
/// ClickHouse.Driver's binary insert, and commits the Kafka offsets only after ClickHouse acknowledged the whole batch.
/// A crash or rebalance replays uncommitted messages; their rows collapse with the ones written before.
/// </para>
/// <para>
/// Messages that cannot be parsed or converted (or that ClickHouse refuses for their data) go to <c>raw._dead_letter</c>
/// and the dead-letter topic, and their offsets move on. Transient failures are retried with back-off and nothing is
/// committed meanwhile. After each durable batch the <see cref="IIngestAcknowledger"/> hears what was written.
/// </para>
/// </summary>
public sealed class WarehouseIngester : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(250);

    private readonly WarehouseIngesterOptions _options;
    private readonly ILogger _logger;
    private readonly IIngestAcknowledger? _acknowledger;
    private readonly ClickHouseClient _client;
    private readonly ClickHouseBatchWriter _writer;
    private readonly EventConverter _converter;
    private DeadLetterPublisher? _deadLetters;
    private PublishedSchemaReader? _schemas;
    private BatchProcessor? _processor;
    /// <summary>Writes started and not yet committed, oldest first: they complete (offsets committed) in this order.</summary>
    private readonly Queue<InFlightWrite> _inFlight = new();

    /// <summary>A write failed in this run: nothing after it may be committed (its offsets would skip the failed batch).</summary>
    private bool _writeFailed;
    private CancellationTokenSource? _writeStop;
    private int _running;
    private long _nextLag;
    private Timestamp _lastConsumedTimestamp = Timestamp.Default;
    private DateTimeOffset _lagLoggedAt = DateTimeOffset.MinValue;
    private readonly Dictionary<TopicPartition, long> _committedNext = [];

    public WarehouseIngester(WarehouseIngesterOptions options, ILoggerFactory? loggerFactory = null, IIngestAcknowledger? acknowledger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.BootstrapServers);
        ArgumentException.ThrowIfNullOrEmpty(options.ClickHouseConnectionString);
        ArgumentException.ThrowIfNullOrEmpty(options.TopicPattern);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxWritesInFlight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.FlushInterval, TimeSpan.Zero);

        _options = options;
        Stats = new IngestStats(options.Time);
        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<WarehouseIngester>();
        _acknowledger = acknowledger;
        _client = new ClickHouseClient(options.ClickHouseConnectionString);
        var retry = ClickHouseErrors.RetryPipeline(options.Retry, _logger, Stats, "insert");
        Tables = new RawTableManager(_client, options.Naming, options.Retry, loggerFactory.CreateLogger<RawTableManager>(), Stats);
        _writer = new ClickHouseBatchWriter(_client, Tables, retry, options.CompressInserts, _logger, new OriginalMessageReader(options.BootstrapServers, options.ConsumerProperties, _logger), options.Time);
        _converter = new EventConverter(Tables, options.KeyColumns.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
    }

    public IngestStats Stats { get; }

    /// <summary>Test seam: runs after ClickHouse has the batch and before the offsets are committed (a crash there means replay).</summary>
    internal Action? BeforeCommit { get; set; }

    /// <summary>Raw tables and views; the host may create tables before <see cref="RunAsync"/> (see <see cref="RawTableManager.EnsureTableAsync(string,string,ConnectSchema,IReadOnlyList{string},CancellationToken)"/>).</summary>
    public RawTableManager Tables { get; }

    /// <summary>Consumes and ingests until <paramref name="cancellationToken"/> is cancelled. One run per instance.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            throw new InvalidOperationException("RunAsync was already called on this ingester");
        }

        Stats.SetState(IngesterState.Running);
        try
        {
            await Tables.EnsureInfrastructureAsync(cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(_options.DeadLetterTopic))
            {
                _deadLetters = new DeadLetterPublisher(_options.BootstrapServers, _options.DeadLetterTopic, _options.ProducerProperties, _logger);
            }

            if (!string.IsNullOrEmpty(_options.SchemaTopic))
            {
                _schemas = new PublishedSchemaReader(_options.BootstrapServers, _options.SchemaTopic, _options.ConsumerProperties, _logger);
            }

            _processor = new BatchProcessor(_converter, _writer, _deadLetters, Stats, _logger, _schemas, _options.Time);

            // Writes are not cancelled by the stop token directly: a stopping ingester finishes them within ShutdownFlushTimeout.
            using var writeStop = new CancellationTokenSource();
            _writeStop = writeStop;
            using var stopping = cancellationToken.Register(() => writeStop.CancelAfter(_options.ShutdownFlushTimeout));

            using var consumer = BuildConsumer();
            consumer.Subscribe(_options.TopicPattern);
            _logger.LogInformation("Warehouse ingester consuming {Pattern} from {Servers} as group {Group}", _options.TopicPattern, _options.BootstrapServers, _options.GroupId);
            try
            {
                await ConsumeLoopAsync(consumer, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await FlushOnShutdownAsync(consumer).ConfigureAwait(false);
                try
                {
                    consumer.Close();
                }
                catch (KafkaException e)
                {
                    _logger.LogWarning(e, "Closing the consumer failed");
                }
            }

            Stats.SetState(IngesterState.Stopped);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Stats.SetState(IngesterState.Stopped);
        }
        catch (Exception e)
        {
            Stats.SetState(IngesterState.Faulted);
            Stats.OnError(e);
            _logger.LogError(e, "Warehouse ingester stopped by an error");
            throw;
        }
    }

    private async Task ConsumeLoopAsync(IConsumer<byte[]?, byte[]?> consumer, CancellationToken cancellationToken)
    {
        var deadline = 0L;
        var flushTicks = (long)(_options.FlushInterval.TotalSeconds * Stopwatch.Frequency);
        while (!cancellationToken.IsCancellationRequested)
        {
            var batch = Processor.Batch;
            var timeout = batch.Count == 0
                ? IdlePoll
                : TimeSpan.FromSeconds(Math.Clamp((deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency, 0, IdlePoll.TotalSeconds));
            if (_inFlight.Count > 0)
            {
                timeout = TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds, 1, 10));
            }

            ConsumeResult<byte[]?, byte[]?>? result;
            try
            {
                result = consumer.Consume(timeout);
            }
            catch (ConsumeException e)
            {
                _logger.LogWarning(e, "Consume failed: {Reason}", e.Error.Reason);
                Stats.OnError(e);
                continue;
            }

            var caughtUp = result is null || result.IsPartitionEOF;
            if (result?.Message is not null && !result.IsPartitionEOF)
            {
                _lastConsumedTimestamp = result.Message.Timestamp;

                // A message produced less than a flush interval ago: the consumer is reading live, not a backlog. Under a
                // steady stream a poll never comes back empty, and waiting four intervals for the flush was most of the
                // end-to-end lag (commit → visible) at 20k changes/s.
                caughtUp |= _lastConsumedTimestamp.Type != TimestampType.NotAvailable
                            && _options.Time.GetUtcNow() - _lastConsumedTimestamp.UtcDateTime < _options.FlushInterval;
                if (Processor.Batch.Count == 0)
                {
                    deadline = Stopwatch.GetTimestamp() + flushTicks;
                }

                var message = result.Message;
                await Processor.AddAsync(new MessageOrigin(result.Topic, result.Partition.Value, result.Offset.Value, message.Key, message.Value), message.Headers, cancellationToken).ConfigureAwait(false);
            }

            while (_inFlight.TryPeek(out var oldest) && oldest.Task.IsCompleted)
            {
                await CompleteOldestAsync(consumer, cancellationToken).ConfigureAwait(false);
            }

            if (Stopwatch.GetTimestamp() >= _nextLag)
            {
                _nextLag = Stopwatch.GetTimestamp() + (long)(_options.LagInterval.TotalSeconds * Stopwatch.Frequency);
                UpdateLag(consumer);
            }

            // Flush when full, or when the interval passed, fewer than MaxWritesInFlight writes are in flight and the consumer
            // has caught up (or the interval passed four times over). While the writes in flight are at their limit, or while a
            // backlog is being read, the batch keeps growing (up to BatchSize): every insert has a fixed cost (a new part;
            // ~10 ms of CPU in the embedded engine), so a backlog or a slow warehouse gets fewer, bigger inserts.
            batch = Processor.Batch;
            var now = Stopwatch.GetTimestamp();
            if (batch.Count >= _options.BatchSize
                || (batch.Count > 0 && _inFlight.Count < _options.MaxWritesInFlight && now >= deadline && (caughtUp || now >= deadline + (3 * flushTicks))))
            {
                await StartWriteAsync(consumer, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private sealed record InFlightWrite(Task Task, IngestBatch Batch, long Started);

    /// <summary>
    /// Starts writing the filled batch (ClickHouse, dead-letter topic) in the background while the next one fills. Up to
    /// <see cref="WarehouseIngesterOptions.MaxWritesInFlight"/> writes run at once (rows collapse by version whatever order
    /// they land in); their offsets are committed on the consumer's thread, oldest write first. A batch whose write reads
    /// or rewrites what is already in the warehouse — a truncate (marks older rows deleted), unchanged-TOAST columns (take
    /// the previous value) — waits for every earlier write, and no later write starts while it runs.
    /// </summary>
    private async Task StartWriteAsync(IConsumer<byte[]?, byte[]?> consumer, CancellationToken cancellationToken)
    {
        var batch = Processor.Batch;
        var alone = batch.NeedsWarehouseState;
        while (_inFlight.Count > 0 && (alone || _inFlight.Count >= _options.MaxWritesInFlight || _inFlight.Any(w => w.Batch.NeedsWarehouseState)))
        {
            await CompleteOldestAsync(consumer, cancellationToken).ConfigureAwait(false);
        }

        batch = Processor.TakeBatch();
        var token = _writeStop!.Token;
        _inFlight.Enqueue(new InFlightWrite(Task.Run(() => Processor.WriteAsync(batch, token), CancellationToken.None), batch, Stopwatch.GetTimestamp()));
    }

    /// <summary>Completes every write in flight, oldest first.</summary>
    private async Task CompleteAllAsync(IConsumer<byte[]?, byte[]?> consumer, CancellationToken cancellationToken)
    {
        while (_inFlight.Count > 0)
        {
            await CompleteOldestAsync(consumer, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for the oldest write in flight, then commits its offsets and tells the acknowledgement hook.</summary>
    private async Task CompleteOldestAsync(IConsumer<byte[]?, byte[]?> consumer, CancellationToken cancellationToken)
    {
        var (write, batch, started) = _inFlight.Peek();
        try
        {
            await write.ConfigureAwait(false);
        }
        catch
        {
            _writeFailed = true;
            throw;
        }
        finally
        {
            _inFlight.Dequeue();
        }

        if (_writeFailed)
        {
            return; // an earlier batch of this run was not written: it is replayed from the last commit, this one with it
        }

        BeforeCommit?.Invoke();
        var offsets = batch.LastOffsets
            .Select(kv => new TopicPartitionOffset(kv.Key.Topic, new Partition(kv.Key.Partition), new Offset(kv.Value + 1)))
            .ToList();
        var committed = true;
        try
        {
            consumer.Commit(offsets);
            foreach (var offset in offsets)
            {
                _committedNext[offset.TopicPartition] = offset.Offset.Value;
            }
        }
        catch (KafkaException e)
        {
            // The rows are in ClickHouse; whoever owns the partitions now replays them and they collapse by version.
            committed = false;
            _logger.LogWarning(e, "Committing offsets failed ({Reason}); the batch will be replayed and collapse", e.Error.Reason);
            Stats.OnCommitFailure(e);
        }

        var summary = new IngestedBatch(
            batch.CommitCounts(),
            batch.Count,
            batch.RowCount,
            batch.Truncates.Count,
            batch.DeadLetters.Count,
            batch.Tombstones,
            batch.Ignored,
            committed ? offsets.Select(o => new PartitionOffset(o.Topic, o.Partition.Value, o.Offset.Value)).ToList() : []);
        var elapsed = Stopwatch.GetElapsedTime(started);
        Stats.OnBatch(summary.Events, summary.Rows, summary.DeadLetters, summary.Tombstones, summary.Ignored, summary.Truncates, elapsed);
        Stats.SetState(IngesterState.Running);
        UpdateLag(consumer);
        _logger.LogDebug("Wrote {Events} events ({Rows} rows, {DeadLetters} dead letters) in {Elapsed} ms", summary.Events, summary.Rows, summary.DeadLetters, elapsed.TotalMilliseconds);

        if (_acknowledger is not null)
        {
            try
            {
                await _acknowledger.AcknowledgeAsync(summary, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogError(e, "The acknowledgement hook failed");
                Stats.OnError(e);
            }
        }
    }

    /// <summary>On stop: finish the write in flight, then write what is buffered, within <see cref="WarehouseIngesterOptions.ShutdownFlushTimeout"/>.</summary>
    private async Task FlushOnShutdownAsync(IConsumer<byte[]?, byte[]?> consumer)
    {
        if ((_inFlight.Count == 0 && Processor.Batch.Count == 0) || _writeFailed)
        {
            return;
        }

        _writeStop!.CancelAfter(_options.ShutdownFlushTimeout);
        try
        {
            await CompleteAllAsync(consumer, CancellationToken.None).ConfigureAwait(false);
            if (Processor.Batch.Count > 0)
            {
                await StartWriteAsync(consumer, CancellationToken.None).ConfigureAwait(false);
                await CompleteAllAsync(consumer, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "The last batch was not written on shutdown; it will be replayed");
        }
    }

    /// <summary>
    /// Messages not yet durably in the warehouse (from the offset committed last, else the consumer's position, to the high
    /// watermark as last fetched) over the assigned partitions, and the age of the message read last (0 when nothing is behind); logged every <see cref="WarehouseIngesterOptions.LagLogInterval"/>.
    /// </summary>
    private void UpdateLag(IConsumer<byte[]?, byte[]?> consumer)
    {
        try
        {
            long lag = 0;
            var assignment = consumer.Assignment;
            foreach (var partition in assignment)
            {
                // Behind = not yet durably in the warehouse: from what this consumer committed (else its position) to the end.
                var high = consumer.GetWatermarkOffsets(partition).High.Value;
                var done = _committedNext.TryGetValue(partition, out var committed) ? committed : consumer.Position(partition).Value;
                if (high >= 0 && done >= 0)
                {
                    lag += Math.Max(0, high - done);
                }
            }

            var now = _options.Time.GetUtcNow();
            var seconds = lag == 0 || _lastConsumedTimestamp.Type == TimestampType.NotAvailable
                ? 0
                : Math.Max(0, (now - _lastConsumedTimestamp.UtcDateTime).TotalSeconds);
            Stats.SetLag(lag, seconds, now);
            if (now - _lagLoggedAt >= _options.LagLogInterval)
            {
                _lagLoggedAt = now;
                _logger.LogInformation(
                    "Ingest: {Lag} messages behind ({Seconds:0.0} s) over {Partitions} partitions; {Rows} rows in {Batches} batches so far",
                    lag,
                    seconds,
                    assignment.Count,
                    Stats.RowsWritten,
                    Stats.Batches);
            }
        }
        catch (KafkaException e)
        {
            _logger.LogDebug(e, "Lag not available");
        }
    }

    private IConsumer<byte[]?, byte[]?> BuildConsumer()
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = _options.BootstrapServers,
            GroupId = _options.GroupId,
            ClientId = "cablehub-warehouse-ingest",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = false,
            TopicMetadataRefreshIntervalMs = (int)_options.TopicRefreshInterval.TotalMilliseconds,
            // The embedded broker keeps 5 MiB per partition: fetch big, keep a deep local queue.
            FetchMaxBytes = 64 * 1024 * 1024,
            MaxPartitionFetchBytes = 8 * 1024 * 1024,
            QueuedMaxMessagesKbytes = 256 * 1024,
        };
        foreach (var (key, value) in _options.ConsumerProperties)
        {
            config.Set(key, value);
        }

        return new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetErrorHandler((_, error) => _logger.Log(error.IsFatal ? LogLevel.Error : LogLevel.Warning, "Kafka consumer: {Reason} ({Code})", error.Reason, error.Code))
            .SetPartitionsAssignedHandler((c, partitions) =>
            {
                _logger.LogInformation("Assigned {Count} partitions of {Topics} topics", partitions.Count, partitions.Select(p => p.Topic).Distinct().Count());
                _logger.LogDebug("Assigned {Partitions}", string.Join(", ", partitions));
                Stats.SetAssignment(c.Assignment.Concat(partitions).Distinct().Select(Describe));
            })
            .SetPartitionsRevokedHandler((c, partitions) =>
            {
                // The write in flight is finished and committed while the partitions are still ours; what is buffered
                // and not written is dropped: the next owner replays it from the committed offset.
                _logger.LogInformation("Revoked {Count} partitions", partitions.Count);
                _logger.LogDebug("Revoked {Partitions}", string.Join(", ", partitions));
                CompleteAllAsync(c, CancellationToken.None).GetAwaiter().GetResult();

                _processor?.Batch.RemovePartitions(partitions.Select(p => (p.Topic, p.Partition.Value)));
                foreach (var p in partitions)
                {
                    _committedNext.Remove(p.TopicPartition);
                }

                Stats.SetAssignment(c.Assignment.Except(partitions.Select(p => p.TopicPartition)).Select(Describe));
            })
            .SetPartitionsLostHandler((c, partitions) =>
            {
                _logger.LogWarning("Lost {Partitions}", string.Join(", ", partitions));
                try
                {
                    CompleteAllAsync(c, CancellationToken.None).GetAwaiter().GetResult();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogWarning(e, "A write in flight failed while partitions were lost; it will be replayed");
                    _inFlight.Clear();
                }

                _processor?.Batch.RemovePartitions(partitions.Select(p => (p.Topic, p.Partition.Value)));
                _committedNext.Clear();
                Stats.SetAssignment([]);
            })
            .Build();

        static string Describe(TopicPartition p) => string.Create(CultureInfo.InvariantCulture, $"{p.Topic}[{p.Partition.Value}]");
    }

    private BatchProcessor Processor => _processor ?? throw new InvalidOperationException("not running");

    public void Dispose()
    {
        _schemas?.Dispose();
        _deadLetters?.Dispose();
        _client.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
