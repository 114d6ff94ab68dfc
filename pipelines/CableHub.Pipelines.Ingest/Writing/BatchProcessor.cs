using CableHub.Pipelines.Ingest.Conversion;
using CableHub.Pipelines.Ingest.Envelopes;
using CableHub.Pipelines.Ingest.Schema;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace CableHub.Pipelines.Ingest.Writing;

/// <summary>
/// The Kafka-independent core of the ingester: turns consumed messages into a batch (rows, truncates, dead letters)
/// and writes the batch durably (ClickHouse, then the dead-letter topic). The caller commits offsets afterwards.
/// </summary>
internal sealed class BatchProcessor
{
    /// <summary>Header naming the published schema of a schemaless event (the hub's CDC reader).</summary>
    internal const string SchemaIdHeader = "cablehub.schema_id";

    private readonly ChangeEnvelopeParser _parser;
    private byte[] _lastSchemaIdBytes = [];
    private string? _lastSchemaId;
    private readonly EventConverter _converter;
    private readonly ClickHouseBatchWriter _writer;
    private readonly DeadLetterPublisher? _deadLetters;
    private readonly ResiliencePipeline _deadLetterRetry;
    private readonly IngestStats _stats;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public BatchProcessor(EventConverter converter, ClickHouseBatchWriter writer, DeadLetterPublisher? deadLetters, IngestStats stats, ILogger logger, IPublishedSchemas? publishedSchemas = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _parser = new ChangeEnvelopeParser(publishedSchemas);
        _converter = converter;
        _writer = writer;
        _deadLetters = deadLetters;
        _stats = stats;
        _logger = logger;
        _deadLetterRetry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<KafkaException>(),
                MaxRetryAttempts = 4,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(200),
            })
            .Build();
    }

    /// <summary>The batch being filled.</summary>
    public IngestBatch Batch { get; private set; } = new();

    /// <summary>Hands out the filled batch and starts a new one (the handed-out batch is written while the next fills).</summary>
    public IngestBatch TakeBatch()
    {
        var full = Batch;
        Batch = new IngestBatch(_time);
        return full;
    }

    /// <summary>Adds one consumed message to the batch: a row, a truncate, a dead letter, or a skipped tombstone/marker.</summary>
    public async ValueTask AddAsync(MessageOrigin origin, Headers? headers, CancellationToken cancellationToken)
    {
        Batch.Track(origin.Topic, origin.Partition, origin.Offset);

        ParseOutcome outcome;
        try
        {
            outcome = _parser.Parse(origin.Key, origin.Value, SchemaId(headers));
        }
        catch (InvalidEnvelopeException e)
        {
            DeadLetter(origin, e.Message, null, headers);
            return;
        }

        switch (outcome.Kind)
        {
            case ParseOutcomeKind.Tombstone:
                Batch.AddTombstone();
                return;
            case ParseOutcomeKind.Ignored:
                Batch.AddIgnored();
                return;
        }

        using var envelope = outcome.Envelope!;
        try
        {
            switch (await _converter.ConvertAsync(envelope, origin, cancellationToken).ConfigureAwait(false))
            {
                case PendingRow row:
                    Batch.AddRow(row.Table, row);
                    break;
                case PendingTruncate truncate:
                    Batch.AddTruncate(truncate);
                    break;
            }
        }
        catch (Exception e) when (e is InvalidEnvelopeException || ClickHouseErrors.IsSchemaError(e))
        {
            DeadLetter(origin, $"{envelope.SourceSchema}.{envelope.SourceTable}: {e.Message}", envelope.CommitLsn, headers);
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidCastException or ArgumentException or NullReferenceException or IndexOutOfRangeException)
        {
            // A value shape the converter did not foresee: keep the pipeline moving, keep the event.
            _logger.LogError(e, "Converting {Topic}/{Partition}@{Offset} failed unexpectedly", origin.Topic, origin.Partition, origin.Offset);
            DeadLetter(origin, $"{envelope.SourceSchema}.{envelope.SourceTable}: conversion failed: {e.GetType().Name}: {e.Message}", envelope.CommitLsn, headers);
        }
    }

    /// <summary>Writes the batch: ClickHouse (rows, truncates, dead letters — retried until done), then the dead-letter topic (best effort).</summary>
    public async Task WriteAsync(IngestBatch batch, CancellationToken cancellationToken)
    {
        await _writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);

        if (_deadLetters is not null && batch.DeadLetters.Count > 0)
        {
            try
            {
                await _deadLetterRetry.ExecuteAsync(async ct => await _deadLetters.PublishAsync(batch.DeadLetters, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException e)
            {
                // raw._dead_letter has them already: nothing is lost, the topic copy is a convenience.
                _logger.LogError(e, "Publishing {Count} dead letters to Kafka failed; they are in ClickHouse", batch.DeadLetters.Count);
                _stats.OnDeadLetterPublishFailure(e);
            }
        }
    }

    /// <summary>The <c>cablehub.schema_id</c> header as a string (the last one's string is reused: consecutive events mostly share it).</summary>
    private string? SchemaId(Headers? headers)
    {
        if (headers is null || !headers.TryGetLastBytes(SchemaIdHeader, out var bytes) || bytes is null)
        {
            return null;
        }

        if (_lastSchemaId is null || !bytes.AsSpan().SequenceEqual(_lastSchemaIdBytes))
        {
            _lastSchemaIdBytes = bytes;
            _lastSchemaId = System.Text.Encoding.ASCII.GetString(bytes);
        }

        return _lastSchemaId;
    }

    private void DeadLetter(MessageOrigin origin, string reason, ulong? commitLsn, Headers? headers)
    {
        _logger.LogWarning("Dead-lettering {Topic}/{Partition}@{Offset}: {Reason}", origin.Topic, origin.Partition, origin.Offset, reason);
        var copied = headers is null || headers.Count == 0
            ? null
            : headers.Select(h => new KeyValuePair<string, byte[]>(h.Key, h.GetValueBytes())).ToList();
        Batch.AddDeadLetter(new DeadLetter(origin, reason, _time.GetUtcNow(), commitLsn, copied));
    }
}
