using CableHub.Pipelines.Cdc.Delivery;
using CableHub.Pipelines.Cdc.Envelopes;
using CableHub.Pipelines.Cdc.Replication;
using CableHub.Pipelines.Cdc.Schema;
using CableHub.Pipelines.Kafka;
using Microsoft.Extensions.Logging;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using NpgsqlTypes;
using Polly;
using System.Threading.Channels;
using Polly.Retry;

namespace CableHub.Pipelines.Cdc;

/// <summary>
/// The hub's CDC reader: PostgreSQL logical replication (pgoutput) → Debezium PostgreSQL change events (Kafka Connect
/// JSON with schemas) → Kafka topics <c>&lt;prefix&gt;.&lt;schema&gt;.&lt;table&gt;</c>, keyed by primary key.
/// At-least-once: the slot is confirmed only up to <see cref="AcknowledgementGate.SafeLsn"/>; after a crash or a
/// reconnect streaming resumes from the confirmed position. Reconnects with exponential back-off (Polly).
/// <para>Host it as a background service: <c>await reader.RunAsync(stoppingToken)</c>.</para>
/// </summary>
public sealed partial class CdcReader
{
    private readonly CdcReaderOptions _options;
    private readonly ITopicProvisioner _topics;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _streaming = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CdcReader(CdcReaderOptions options, ITopicProvisioner topics, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _options = options;
        _topics = topics;
        _logger = logger;
        Gate = new AcknowledgementGate(options.Acknowledgement);
    }

    /// <summary>
    /// The acknowledgement gate. In <see cref="AcknowledgementMode.Sink"/> mode the sink calls
    /// <see cref="AcknowledgementGate.Acknowledge"/>(commitLsn, events) for what it has durably written.
    /// </summary>
    public AcknowledgementGate Gate { get; }

    public CdcReaderStats Stats { get; } = new();

    /// <summary>The replication slot's lag behind the WAL (bytes, seconds), measured every <see cref="CdcReaderOptions.SlotLagInterval"/> while streaming.</summary>
    public SlotLagTracker SlotLag { get; } = new();

    /// <summary>
    /// What <c>/health</c> shows: slot, acknowledgement mode, counters, the slot's lag behind the WAL (bytes, seconds) and
    /// what is in flight; <paramref name="problem"/> says why the reader is not healthy (null when it is).
    /// </summary>
    public IReadOnlyDictionary<string, object> Health(out string? problem)
    {
        var lag = SlotLag.Current;
        var data = new Dictionary<string, object>
        {
            ["slot"] = _options.Slot,
            ["acknowledgement"] = Gate.Mode.ToString(),
            ["schemas"] = _options.SchemaMode == SchemaMode.Published ? $"published to {_options.EffectiveSchemaTopic}" : "inline",
            ["events"] = Stats.Events,
            ["transactions"] = Stats.Transactions,
            ["snapshotRows"] = Stats.SnapshotRows,
            ["sessions"] = Stats.Sessions,
            ["confirmedLsn"] = new NpgsqlLogSequenceNumber(Stats.ConfirmedLsn).ToString(),
            ["inFlight"] = Gate.InFlight,
            ["pendingTransactions"] = Gate.Pending,
            ["slotLagBytes"] = lag is null ? -1L : (long)lag.Bytes,
            ["slotLagSeconds"] = lag is null ? -1d : Math.Round(lag.Age.TotalSeconds, 3),
        };
        if (lag is not null)
        {
            data["walLsn"] = new NpgsqlLogSequenceNumber(lag.WalLsn).ToString();
            data["slotLagMeasuredAt"] = lag.MeasuredAt;
            if (lag.AtLeast)
            {
                data["slotLagSecondsIsLowerBound"] = true;
            }
        }

        problem = !Streaming.IsCompletedSuccessfully ? "not streaming yet"
            : lag is not null && lag.Age >= _options.SlotLagWarning ? $"the slot lags {lag.Age.TotalSeconds:0} s ({lag.Bytes:N0} bytes) behind the WAL"
            : null;
        return data;
    }

    /// <summary>Completes when the first session streams (slot ready, snapshot produced).</summary>
    public Task Streaming => _streaming.Task;

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled; reconnects on errors.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => !(e is OperationCanceledException && cancellationToken.IsCancellationRequested)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryDelay,
                MaxDelay = _options.RetryMaxDelay,
                OnRetry = args =>
                {
                    LogRetry(args.Outcome.Exception, args.AttemptNumber + 1, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        try
        {
            await pipeline.ExecuteAsync(async token => await RunSessionAsync(token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        LogStopped(Stats.Events, Stats.ConfirmedLsn);
    }

    private NpgsqlConnectionStringBuilder ConnectionStringWithSessionOptions()
    {
        var builder = new NpgsqlConnectionStringBuilder(_options.ConnectionString);
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? CdcSql.SessionOptions : builder.Options + " " + CdcSql.SessionOptions;
        builder.ApplicationName ??= "cablehub-cdc";
        return builder;
    }

    private async Task RunSessionAsync(CancellationToken cancellationToken)
    {
        var session = Gate.StartSession();
        Stats.AddSession();
        var builder = ConnectionStringWithSessionOptions();
        await using var dataSource = NpgsqlDataSource.Create(builder);
        var setup = new SourceSetup(dataSource, _options, _logger);
        var database = await setup.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var catalog = new SchemaCatalog(dataSource, _options.TopicPrefix, _options.ColumnAllowlist);
        var writer = new EnvelopeWriter(_options.TopicPrefix, database, _logger, inlineSchemas: _options.SchemaMode == SchemaMode.Inline);
        using var producer = new ChangeProducer(_options, Gate, _topics, _logger) { CurrentSession = session };

        await using var replication = new LogicalReplicationConnection(builder.ConnectionString);
        await replication.Open(cancellationToken).ConfigureAwait(false);
        replication.WalReceiverStatusInterval = _options.StatusInterval;

        var state = await setup.ReadSlotStateAsync(cancellationToken).ConfigureAwait(false);
        if (state.SlotExists && !string.Equals(state.SlotDatabase, database, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"CDC: replication slot \"{_options.Slot}\" belongs to database \"{state.SlotDatabase}\", not \"{database}\"; configure another slot name.");
        }

        ulong? pendingSnapshot = null;
        if (state.SlotExists && !state.SnapshotCompleted)
        {
            if (_options.Snapshot == SnapshotMode.Never && state.SnapshotLsn is null)
            {
                await setup.WriteSnapshotStartedAsync(0, completed: true, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                if (state.SlotActive)
                {
                    throw new InvalidOperationException($"CDC: replication slot \"{_options.Slot}\" is in use by another process.");
                }

                LogSnapshotIncomplete(_options.Slot);
                await replication.DropReplicationSlot(_options.Slot, wait: true, cancellationToken).ConfigureAwait(false);
                state = state with { SlotExists = false };
            }
        }

        if (!state.SlotExists)
        {
            var snapshot = _options.Snapshot == SnapshotMode.Initial;
            var slot = await replication.CreatePgOutputReplicationSlot(
                _options.Slot,
                temporarySlot: false,
                slotSnapshotInitMode: snapshot ? LogicalSlotSnapshotInitMode.Export : LogicalSlotSnapshotInitMode.NoExport,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            var consistentPoint = (ulong)slot.ConsistentPoint;
            LogSlotCreated(_options.Slot, slot.ConsistentPoint.ToString(), snapshot);
            await setup.WriteSnapshotStartedAsync(consistentPoint, completed: !snapshot, cancellationToken).ConfigureAwait(false);
            if (snapshot)
            {
                await SnapshotAsync(dataSource, catalog, writer, producer, slot.SnapshotName!, consistentPoint, session, cancellationToken).ConfigureAwait(false);
                pendingSnapshot = consistentPoint;
            }
        }

        await StreamAsync(replication, setup, catalog, writer, producer, session, pendingSnapshot, cancellationToken).ConfigureAwait(false);
    }

    private async Task SnapshotAsync(
        NpgsqlDataSource dataSource, SchemaCatalog catalog, EnvelopeWriter writer, ChangeProducer producer,
        string snapshotName, ulong consistentPoint, int session, CancellationToken cancellationToken)
    {
        var started = _options.Time.GetUtcNow().UtcDateTime;
        Gate.Begin(consistentPoint, session);
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
#pragma warning disable CA2100 // snapshot names come from the server
        await using (var set = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT '{snapshotName.Replace("'", "''", StringComparison.Ordinal)}'", conn, tx))
#pragma warning restore CA2100
        {
            await set.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var tables = new List<(uint Oid, string Schema, string Table)>();
        await using (var cmd = new NpgsqlCommand(CdcSql.PublishedTables, conn, tx))
        {
            cmd.Parameters.AddWithValue("name", _options.Publication);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tables.Add((reader.GetFieldValue<uint>(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        long ordinal = 0;
        (TableSchema Table, RowImage Row, long TableOrdinal)? pending = null;
        async ValueTask EmitPendingAsync(bool last)
        {
            if (pending is not { } p)
            {
                return;
            }

            var marker = ordinal == 1 ? "first" : last ? "last" : "true";
            var source = new ChangeSource(consistentPoint, consistentPoint, null, started, marker, ordinal, p.TableOrdinal);
            await ProduceEventAsync(writer, producer, p.Table, "r", null, p.Row, source, session, cancellationToken).ConfigureAwait(false);
            Stats.AddSnapshotRow();
            pending = null;
        }

        var count = 0;
        foreach (var (oid, schema, name) in tables)
        {
            var table = await catalog.FromCatalogAsync(oid, schema, name, cancellationToken).ConfigureAwait(false);
            await producer.EnsureTopicAsync(table.Topic, cancellationToken).ConfigureAwait(false);
            await PublishSchemaAsync(producer, table, cancellationToken).ConfigureAwait(false);
            var columns = string.Join(", ", table.Columns.Select(c => CdcSql.Quote(c.Name)));
#pragma warning disable CA2100 // identifiers quoted
            await using var select = new NpgsqlCommand($"SELECT {columns} FROM ONLY {CdcSql.Quote(schema, name)}", conn, tx) { AllResultTypesAreUnknown = true };
#pragma warning restore CA2100
            await using var reader = await select.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
            long tableOrdinal = 0;
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var row = new RowImage(table.Columns.Count);
                for (var i = 0; i < table.Columns.Count; i++)
                {
                    row.Values[i] = await reader.IsDBNullAsync(i, cancellationToken).ConfigureAwait(false) ? null : reader.GetString(i);
                }

                await EmitPendingAsync(last: false).ConfigureAwait(false);
                ordinal++;
                count++;
                pending = (table, row, ++tableOrdinal);
            }
        }

        await EmitPendingAsync(last: true).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        Gate.Complete(consistentPoint, consistentPoint, count, session);
        LogSnapshotRead(count, tables.Count, new NpgsqlLogSequenceNumber(consistentPoint).ToString());
    }

    private async Task StreamAsync(
        LogicalReplicationConnection replication, SourceSetup setup, SchemaCatalog catalog, EnvelopeWriter writer,
        ChangeProducer producer, int session, ulong? pendingSnapshot, CancellationToken cancellationToken)
    {
        using var streamCts = new CancellationTokenSource();
        var token = streamCts.Token;
        Exception? stopReason = null;
        using var monitorStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var monitor = MonitorAsync(replication, setup, session, pendingSnapshot, streamCts, e => stopReason ??= e, monitorStop.Token, cancellationToken);

        var relations = new Dictionary<uint, TableSchema>();
        var options = new PgOutputReplicationOptions(_options.Publication, PgOutputProtocolVersion.V1, binary: false, messages: true);
        var startLsn = Gate.SafeLsn;
        if (startLsn > 0)
        {
            replication.SetReplicationStatus(new NpgsqlLogSequenceNumber(startLsn));
        }

        LogStreaming(_options.Slot, _options.Publication, session);
        _streaming.TrySetResult();
        var items = Channel.CreateBounded<StreamItem>(new BoundedChannelOptions(_options.DecodeAhead) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        var emitting = EmitLoopAsync(items.Reader, writer, producer, session, token, e =>
        {
            stopReason ??= e;
            streamCts.Cancel();
        });

        async ValueTask Post(StreamItem item)
        {
            if (!items.Writer.TryWrite(item))
            {
                if (emitting.IsCompleted)
                {
                    await emitting.ConfigureAwait(false);
                    token.ThrowIfCancellationRequested();
                }

                await items.Writer.WriteAsync(item, token).ConfigureAwait(false);
            }
        }

        try
        {
            await foreach (var message in replication.StartReplication(new PgOutputReplicationSlot(_options.Slot), options, token).ConfigureAwait(false))
            {
                // Decoding stage (this loop): Npgsql reuses its message objects, so every tuple is read into a RowImage here.
                // Emitting stage (EmitLoopAsync): envelopes, produce, gate — in the same order, on another core.
                switch (message)
                {
                    case BeginMessage begin:
                        await Post(new StreamItem(StreamItemKind.Begin, null, null, null, (ulong)begin.TransactionFinalLsn, begin.TransactionXid, begin.TransactionCommitTimestamp)).ConfigureAwait(false);
                        break;
                    case RelationMessage relation:
                        var table = await catalog.FromRelationAsync(relation, token).ConfigureAwait(false);
                        relations[relation.RelationId] = table;
                        await producer.EnsureTopicAsync(table.Topic, token).ConfigureAwait(false);
                        await PublishSchemaAsync(producer, table, token).ConfigureAwait(false);
                        if (_options.EnsureReplicaIdentityFull && relation.ReplicaIdentity != RelationMessage.ReplicaIdentitySetting.AllColumns
                            && _options.Schemas.Contains(relation.Namespace))
                        {
                            await setup.SetReplicaIdentityFullAsync(relation.Namespace, relation.RelationName, token).ConfigureAwait(false);
                        }

                        break;
                    case InsertMessage insert:
                    {
                        var t = Table(relations, insert.Relation);
                        var after = await ReadRowAsync(insert.NewRow, t, token).ConfigureAwait(false);
                        await Post(new StreamItem(StreamItemKind.Insert, t, null, after, (ulong)insert.WalStart)).ConfigureAwait(false);
                        break;
                    }

                    case FullUpdateMessage update:
                    {
                        var t = Table(relations, update.Relation);
                        var before = await ReadRowAsync(update.OldRow, t, token).ConfigureAwait(false);
                        var after = await ReadRowAsync(update.NewRow, t, token).ConfigureAwait(false);
                        after.FillUnchangedFrom(before);
                        await Post(new StreamItem(StreamItemKind.Update, t, before, after, (ulong)update.WalStart)).ConfigureAwait(false);
                        break;
                    }

                    case IndexUpdateMessage update:
                    {
                        var t = Table(relations, update.Relation);
                        var before = await ReadRowAsync(update.Key, t, token).ConfigureAwait(false);
                        var after = await ReadRowAsync(update.NewRow, t, token).ConfigureAwait(false);
                        await Post(new StreamItem(StreamItemKind.Update, t, before, after, (ulong)update.WalStart)).ConfigureAwait(false);
                        break;
                    }

                    case UpdateMessage update:
                    {
                        var t = Table(relations, update.Relation);
                        var after = await ReadRowAsync(update.NewRow, t, token).ConfigureAwait(false);
                        await Post(new StreamItem(StreamItemKind.Update, t, null, after, (ulong)update.WalStart)).ConfigureAwait(false);
                        break;
                    }

                    case FullDeleteMessage delete:
                    {
                        var t = Table(relations, delete.Relation);
                        var before = await ReadRowAsync(delete.OldRow, t, token).ConfigureAwait(false);
                        await Post(new StreamItem(StreamItemKind.Delete, t, before, null, (ulong)delete.WalStart)).ConfigureAwait(false);
                        break;
                    }

                    case KeyDeleteMessage delete:
                    {
                        var t = Table(relations, delete.Relation);
                        var before = await ReadRowAsync(delete.Key, t, token).ConfigureAwait(false);
                        await Post(new StreamItem(StreamItemKind.Delete, t, before, null, (ulong)delete.WalStart)).ConfigureAwait(false);
                        break;
                    }

                    case TruncateMessage truncate:
                        foreach (var r in truncate.Relations)
                        {
                            var t = Table(relations, r);
                            await Post(new StreamItem(StreamItemKind.Truncate, t, null, null, (ulong)truncate.WalStart)).ConfigureAwait(false);
                        }

                        break;
                    case CommitMessage commit:
                        await Post(new StreamItem(StreamItemKind.Commit, null, null, null, (ulong)commit.TransactionEndLsn)).ConfigureAwait(false);
                        break;
                    default:
                        break; // logical decoding messages (heartbeats), origin and type messages
                }

                Gate.ThrowIfFaulted(session);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested && !cancellationToken.IsCancellationRequested && stopReason is not null)
        {
            throw new CdcDeliveryException("CDC session stopped: " + stopReason.Message, stopReason);
        }
        finally
        {
            items.Writer.TryComplete();
            if (!emitting.IsCompleted)
            {
                await streamCts.CancelAsync().ConfigureAwait(false);
            }

            await emitting.ConfigureAwait(false);
            await monitorStop.CancelAsync().ConfigureAwait(false);
            await monitor.ConfigureAwait(false);
            producer.Flush(TimeSpan.FromSeconds(5));
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new InvalidOperationException("CDC: the replication stream ended unexpectedly.");
    }

    /// <summary>
    /// Confirms the safe LSN, marks the snapshot complete, writes heartbeats, and stops the stream on a delivery fault
    /// or a sink timeout. On shutdown it sends the final status update BEFORE cancelling the stream (Npgsql rejects
    /// a status update on a cancelled stream).
    /// </summary>
    private async Task MonitorAsync(
        LogicalReplicationConnection replication, SourceSetup setup, int session, ulong? pendingSnapshot,
        CancellationTokenSource streamCts, Action<Exception> stop, CancellationToken monitorToken, CancellationToken shutdownToken)
    {
        await Task.Yield();
        ulong reported = 0;
        var nextHeartbeat = _options.Time.GetUtcNow().UtcDateTime + _options.HeartbeatInterval;
        var heartbeatFailed = false;
        var nextLag = _options.Time.GetUtcNow();
        try
        {
            while (!monitorToken.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(50, monitorToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                var safe = Gate.SafeLsn;
                if (safe > reported)
                {
                    replication.SetReplicationStatus(new NpgsqlLogSequenceNumber(safe));
                    reported = safe;
                    Stats.SetConfirmed(safe);
                }

                if (pendingSnapshot is { } snapshotLsn && Gate.SafeCommitLsn >= snapshotLsn)
                {
                    await setup.WriteSnapshotCompletedAsync(snapshotLsn, monitorToken).ConfigureAwait(false);
                    LogSnapshotCompleted(new NpgsqlLogSequenceNumber(snapshotLsn).ToString());
                    pendingSnapshot = null;
                }

                if (_options.Acknowledgement == AcknowledgementMode.Sink && Gate.OldestUnacknowledgedAge() is { } age && age > _options.SinkAcknowledgementTimeout)
                {
                    stop(new TimeoutException($"The sink has not acknowledged delivered changes for {age.TotalSeconds:F0} s (limit {_options.SinkAcknowledgementTimeout.TotalSeconds:F0} s); streaming again from the slot."));
                    await streamCts.CancelAsync().ConfigureAwait(false);
                    return;
                }

                try
                {
                    Gate.ThrowIfFaulted(session);
                }
                catch (CdcDeliveryException e)
                {
                    stop(e.InnerException ?? e);
                    await streamCts.CancelAsync().ConfigureAwait(false);
                    return;
                }

                if (_options.SlotLagInterval > TimeSpan.Zero && _options.Time.GetUtcNow() >= nextLag)
                {
                    nextLag = _options.Time.GetUtcNow() + _options.SlotLagInterval;
                    await MeasureSlotLagAsync(setup, monitorToken).ConfigureAwait(false);
                }

                if (_options.HeartbeatInterval > TimeSpan.Zero && _options.Time.GetUtcNow().UtcDateTime >= nextHeartbeat)
                {
                    nextHeartbeat = _options.Time.GetUtcNow().UtcDateTime + _options.HeartbeatInterval;
                    try
                    {
                        await setup.HeartbeatAsync(monitorToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
                    {
                        if (!heartbeatFailed)
                        {
                            LogHeartbeatFailed(e.Message);
                            heartbeatFailed = true;
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (monitorToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            stop(e);
            await streamCts.CancelAsync().ConfigureAwait(false);
            return;
        }

        if (shutdownToken.IsCancellationRequested && !streamCts.IsCancellationRequested)
        {
            // final status update first, then cancel the stream
            try
            {
                var safe = Gate.SafeLsn;
                if (safe > 0)
                {
                    replication.SetReplicationStatus(new NpgsqlLogSequenceNumber(safe));
                    Stats.SetConfirmed(safe);
                }

                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await replication.SendStatusUpdate(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or OperationCanceledException or IOException)
            {
                LogFinalStatusFailed(e.Message);
            }

            await streamCts.CancelAsync().ConfigureAwait(false);
        }
    }

    private DateTimeOffset _lagLoggedAt = DateTimeOffset.MinValue;

    /// <summary>Measures the slot's lag; logs it every <see cref="CdcReaderOptions.SlotLagLogInterval"/> (a warning when too old).</summary>
    private async Task MeasureSlotLagAsync(SourceSetup setup, CancellationToken cancellationToken)
    {
        try
        {
            if (await setup.SlotPositionAsync(cancellationToken).ConfigureAwait(false) is not { } position)
            {
                return;
            }

            var now = _options.Time.GetUtcNow();
            var lag = SlotLag.Record(now, position.Wal, position.Confirmed);
            if (now - _lagLoggedAt >= _options.SlotLagLogInterval)
            {
                _lagLoggedAt = now;
                var seconds = lag.Age.TotalSeconds;
                var confirmed = new NpgsqlLogSequenceNumber(lag.ConfirmedLsn).ToString();
                var wal = new NpgsqlLogSequenceNumber(lag.WalLsn).ToString();
                if (lag.Age >= _options.SlotLagWarning)
                {
                    LogSlotLagHigh(_options.Slot, lag.Bytes, seconds, lag.AtLeast ? "at least " : "", confirmed, wal, Gate.InFlight);
                }
                else
                {
                    LogSlotLag(_options.Slot, lag.Bytes, seconds, lag.AtLeast ? "at least " : "", confirmed, wal, Gate.InFlight);
                }
            }
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or FormatException)
        {
            LogSlotLagFailed(e.Message);
        }
    }

    private enum StreamItemKind
    {
        Begin,
        Insert,
        Update,
        Delete,
        Truncate,
        Commit,
    }

    /// <summary>One decoded message for the emitting stage. Begin: <c>Lsn</c> = final (commit) LSN; Commit: <c>Lsn</c> = end LSN.</summary>
    private readonly record struct StreamItem(StreamItemKind Kind, TableSchema? Table, RowImage? Before, RowImage? After, ulong Lsn, uint Xid = 0, DateTime CommitTime = default);

    /// <summary>
    /// The emitting stage: turns decoded changes into envelopes, produces them and tells the gate, in stream order. Returns
    /// when the decoding stage completed the channel or the stream is cancelled; a failure is reported to <paramref name="fail"/>
    /// (which stops the stream) and not rethrown.
    /// </summary>
    private async Task EmitLoopAsync(ChannelReader<StreamItem> items, EnvelopeWriter writer, ChangeProducer producer, int session, CancellationToken token, Action<Exception> fail)
    {
        await Task.Yield();
        var tx = new TransactionState();
        try
        {
            while (await items.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (items.TryRead(out var item))
                {
                    switch (item.Kind)
                    {
                        case StreamItemKind.Begin:
                            tx.Start(item.Xid, item.Lsn, item.CommitTime, Gate.Begin(item.Lsn, session));
                            break;
                        case StreamItemKind.Insert:
                            await EmitAsync(writer, producer, item.Table!, "c", null, item.After, tx, item.Lsn, session, token).ConfigureAwait(false);
                            break;
                        case StreamItemKind.Update:
                            await EmitUpdateAsync(writer, producer, item.Table!, item.Before, item.After!, tx, item.Lsn, session, token).ConfigureAwait(false);
                            break;
                        case StreamItemKind.Delete:
                            await EmitDeleteAsync(writer, producer, item.Table!, item.Before!, tx, item.Lsn, session, token).ConfigureAwait(false);
                            break;
                        case StreamItemKind.Truncate:
                            await EmitAsync(writer, producer, item.Table!, "t", null, null, tx, item.Lsn, session, token).ConfigureAwait(false);
                            break;
                        case StreamItemKind.Commit:
                            Gate.Complete(tx.CommitLsn, item.Lsn, tx.Counted, session);
                            Stats.AddTransaction();
                            if (!tx.Produce)
                            {
                                Stats.AddSkippedTransaction();
                            }

                            tx.Clear();
                            break;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            fail(e);
        }
    }

    private static TableSchema Table(Dictionary<uint, TableSchema> relations, RelationMessage relation)
        => relations.TryGetValue(relation.RelationId, out var table)
            ? table
            : throw new InvalidOperationException($"CDC: change for relation {relation.Namespace}.{relation.RelationName} ({relation.RelationId}) before its relation message");

    private static async ValueTask<RowImage> ReadRowAsync(ReplicationTuple tuple, TableSchema table, CancellationToken cancellationToken)
    {
        var row = new RowImage(table.Columns.Count);
        var i = 0;
        await foreach (var value in tuple.ConfigureAwait(false))
        {
            if (i < row.Count)
            {
                if (value.IsUnchangedToastedValue)
                {
                    row.Unchanged[i] = true;
                }
                else if (!value.IsDBNull)
                {
                    row.Values[i] = await value.Get<string>(cancellationToken).ConfigureAwait(false);
                }
            }

            i++;
        }

        return row;
    }

    private async ValueTask EmitUpdateAsync(
        EnvelopeWriter writer, ChangeProducer producer, TableSchema table, RowImage? before, RowImage after, TransactionState tx, ulong lsn, int session, CancellationToken cancellationToken)
    {
        if (before is not null && table.KeyIndexes.Length > 0 && !before.SameValues(after, table.KeyIndexes))
        {
            // primary key changed: delete (+ tombstone) of the old key, create of the new one — as Debezium does
            await EmitDeleteAsync(writer, producer, table, before, tx, lsn, session, cancellationToken).ConfigureAwait(false);
            await EmitAsync(writer, producer, table, "c", null, after, tx, lsn, session, cancellationToken).ConfigureAwait(false);
            return;
        }

        await EmitAsync(writer, producer, table, "u", before, after, tx, lsn, session, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask EmitDeleteAsync(
        EnvelopeWriter writer, ChangeProducer producer, TableSchema table, RowImage before, TransactionState tx, ulong lsn, int session, CancellationToken cancellationToken)
    {
        var key = await EmitAsync(writer, producer, table, "d", before, null, tx, lsn, session, cancellationToken).ConfigureAwait(false);
        if (key is not null && tx.Produce)
        {
            await producer.ProduceAsync(table.Topic, key, null, tx.CommitLsn, lsn, tx.Ordinal, counted: false, session, cancellationToken, SchemaIdOf(table)).ConfigureAwait(false);
            Stats.AddTombstone();
        }
    }

    /// <summary>Produces one change event of a streamed transaction; returns its key.</summary>
    private async ValueTask<byte[]?> EmitAsync(
        EnvelopeWriter writer, ChangeProducer producer, TableSchema table, string op, RowImage? before, RowImage? after,
        TransactionState tx, ulong lsn, int session, CancellationToken cancellationToken)
    {
        var ordinal = ++tx.Ordinal;
        var tableOrdinal = tx.NextTableOrdinal(table.RelationId);
        if (!tx.Produce)
        {
            return null;
        }

        var source = new ChangeSource(tx.CommitLsn, lsn, tx.Xid, tx.CommitTime, "false", ordinal, tableOrdinal);
        var key = await ProduceEventAsync(writer, producer, table, op, before, after, source, session, cancellationToken).ConfigureAwait(false);
        tx.Counted++;
        return key;
    }

    private async ValueTask<byte[]?> ProduceEventAsync(
        EnvelopeWriter writer, ChangeProducer producer, TableSchema table, string op, RowImage? before, RowImage? after,
        ChangeSource source, int session, CancellationToken cancellationToken)
    {
        while (Gate.InFlight >= _options.MaxInFlightEvents)
        {
            Gate.ThrowIfFaulted(session);
            await Task.Delay(2, cancellationToken).ConfigureAwait(false);
        }

        var key = op == "t" ? null : writer.Key(table, (after ?? before)!);
        var value = writer.Value(table, op, before, after, source, _options.Time.GetUtcNow().UtcDateTime);
        await producer.ProduceAsync(table.Topic, key, value, source.CommitLsn, source.Lsn, source.Ordinal, counted: true, session, cancellationToken, SchemaIdOf(table)).ConfigureAwait(false);
        Stats.AddEvent();
        return key;
    }

    private byte[]? SchemaIdOf(TableSchema table) => _options.SchemaMode == SchemaMode.Published ? table.SchemaIdBytes : null;

    private ValueTask PublishSchemaAsync(ChangeProducer producer, TableSchema table, CancellationToken cancellationToken) =>
        _options.SchemaMode == SchemaMode.Published ? producer.PublishSchemaAsync(table, cancellationToken) : ValueTask.CompletedTask;

    private sealed class TransactionState
    {
        private readonly Dictionary<uint, long> _perTable = [];

        public uint Xid { get; private set; }

        public ulong CommitLsn { get; private set; }

        public DateTime CommitTime { get; private set; }

        public bool Produce { get; private set; }

        public long Ordinal { get; set; }

        public int Counted { get; set; }

        public void Start(uint xid, ulong commitLsn, DateTime commitTime, bool produce)
        {
            Clear();
            Xid = xid;
            CommitLsn = commitLsn;
            CommitTime = commitTime;
            Produce = produce;
        }

        public long NextTableOrdinal(uint relationId)
        {
            _perTable.TryGetValue(relationId, out var n);
            _perTable[relationId] = ++n;
            return n;
        }

        public void Clear()
        {
            _perTable.Clear();
            Ordinal = 0;
            Counted = 0;
            Produce = false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "CDC: session failed (attempt {Attempt}); reconnecting in {Delay}")]
    private partial void LogRetry(Exception? error, int attempt, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "CDC: stopped after {Events} events; confirmed up to LSN {Lsn}")]
    private partial void LogStopped(long events, ulong lsn);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CDC: slot {Slot} exists but its initial snapshot never completed; dropping it to snapshot again")]
    private partial void LogSnapshotIncomplete(string slot);

    [LoggerMessage(Level = LogLevel.Information, Message = "CDC: created replication slot {Slot} at {ConsistentPoint} (snapshot: {Snapshot})")]
    private partial void LogSlotCreated(string slot, string consistentPoint, bool snapshot);

    [LoggerMessage(Level = LogLevel.Information, Message = "CDC: snapshot read {Rows} rows of {Tables} tables at {ConsistentPoint}")]
    private partial void LogSnapshotRead(int rows, int tables, string consistentPoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "CDC: snapshot at {ConsistentPoint} acknowledged; marked complete")]
    private partial void LogSnapshotCompleted(string consistentPoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "CDC: streaming slot {Slot}, publication {Publication} (session {Session})")]
    private partial void LogStreaming(string slot, string publication, int session);

    [LoggerMessage(Level = LogLevel.Information, Message = "CDC: slot {Slot} lag {Bytes} bytes, {Prefix}{Seconds:0.0} s (confirmed {Confirmed}, WAL at {Wal}); {InFlight} events in flight")]
    private partial void LogSlotLag(string slot, ulong bytes, double seconds, string prefix, string confirmed, string wal, long inFlight);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CDC: slot {Slot} lags {Bytes} bytes, {Prefix}{Seconds:0.0} s behind the WAL (confirmed {Confirmed}, WAL at {Wal}); {InFlight} events in flight")]
    private partial void LogSlotLagHigh(string slot, ulong bytes, double seconds, string prefix, string confirmed, string wal, long inFlight);

    [LoggerMessage(Level = LogLevel.Debug, Message = "CDC: measuring the slot's lag failed ({Reason})")]
    private partial void LogSlotLagFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CDC: heartbeat failed ({Reason}); the slot advances only with changes of published tables")]
    private partial void LogHeartbeatFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CDC: final status update failed ({Reason}); the slot replays from its last confirmed position")]
    private partial void LogFinalStatusFailed(string reason);
}
