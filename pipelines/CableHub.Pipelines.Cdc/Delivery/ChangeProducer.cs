using System.Text;
using CableHub.Pipelines.Cdc.Schema;
using CableHub.Pipelines.Kafka;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace CableHub.Pipelines.Cdc.Delivery;

/// <summary>
/// Produces change events to Kafka (idempotent, acks=all, keyed: all changes of a row go to one partition, in order)
/// and reports every delivery to the <see cref="AcknowledgementGate"/>. Topics are ensured on first use.
/// </summary>
internal sealed partial class ChangeProducer : IDisposable
{
    public const string CommitLsnHeader = "cablehub.commit_lsn";
    public const string ChangeLsnHeader = "cablehub.lsn";
    public const string OrdinalHeader = "cablehub.ordinal";
    public const string SchemaIdHeader = "cablehub.schema_id";

    private static readonly Dictionary<string, string> SchemaTopicConfig = new(StringComparer.Ordinal)
    {
        ["cleanup.policy"] = "compact",
        ["retention.ms"] = "-1",
    };

    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly AcknowledgementGate _gate;
    private readonly ITopicProvisioner _topics;
    private readonly int _partitions;
    private readonly ILogger _logger;
    private readonly HashSet<string> _ensured = new(StringComparer.Ordinal);
    private readonly HashSet<string> _publishedSchemas = new(StringComparer.Ordinal);
    private readonly string _schemaTopic;

    public ChangeProducer(CdcReaderOptions options, AcknowledgementGate gate, ITopicProvisioner topics, ILogger logger)
    {
        _gate = gate;
        _topics = topics;
        _partitions = options.TopicPartitions;
        _schemaTopic = options.EffectiveSchemaTopic;
        _logger = logger;
        var config = KafkaClientSettings.ReliableProducer(options.BootstrapServers, "cablehub-cdc");
        // Delivery reports are needed for their status only: not marshalling key, value and headers back saves CPU per message.
        config.Set("dotnet.producer.delivery.report.fields", "status");
        foreach (var (k, v) in options.ProducerProperties)
        {
            config.Set(k, v);
        }

        _producer = new ProducerBuilder<byte[]?, byte[]?>(config)
            .SetErrorHandler((_, e) =>
            {
                if (e.IsFatal)
                {
                    LogFatal(e.Reason);
                    _gate.Fail(CurrentSession, new KafkaException(e));
                }
            })
            .SetLogHandler((_, m) =>
            {
                if (m.Level <= SyslogLevel.Warning)
                {
                    LogLibrdkafka(m.Facility, m.Message);
                }
            })
            .Build();
    }

    /// <summary>The session whose failures the error handler reports.</summary>
    public int CurrentSession { get; set; }

    public async ValueTask EnsureTopicAsync(string topic, CancellationToken cancellationToken)
    {
        if (_ensured.Contains(topic))
        {
            return;
        }

        await _topics.EnsureTopicAsync(topic, _partitions, cancellationToken).ConfigureAwait(false);
        _ensured.Add(topic);
    }

    /// <summary>
    /// Publishes the table version's key and envelope schemas to the schema topic (key = <see cref="TableSchema.SchemaId"/>)
    /// once per producer, and waits until the broker acknowledged it — before any event referencing it is produced.
    /// </summary>
    public async ValueTask PublishSchemaAsync(TableSchema table, CancellationToken cancellationToken)
    {
        if (_publishedSchemas.Contains(table.SchemaId))
        {
            return;
        }

        if (_ensured.Add(_schemaTopic))
        {
            await _topics.EnsureTopicAsync(_schemaTopic, 1, SchemaTopicConfig, cancellationToken).ConfigureAwait(false);
        }

        var message = new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes(table.SchemaId), Value = table.SchemaRecordJson() };
        await _producer.ProduceAsync(_schemaTopic, message, cancellationToken).ConfigureAwait(false);
        _publishedSchemas.Add(table.SchemaId);
        LogSchemaPublished(table.QualifiedName, table.SchemaId, _schemaTopic);
    }

    /// <summary>Produces one message. <paramref name="counted"/>: a change event (counted by the gate), not a tombstone.</summary>
    public async ValueTask ProduceAsync(
        string topic, byte[]? key, byte[]? value, ulong commitLsn, ulong lsn, long ordinal, bool counted, int session, CancellationToken cancellationToken,
        byte[]? schemaId = null)
    {
        if (_commitHeaderLsn != commitLsn || _commitHeader.Length == 0)
        {
            _commitHeaderLsn = commitLsn;
            _commitHeader = Ascii(commitLsn);
        }

        var headers = new Headers
        {
            { CommitLsnHeader, _commitHeader },
            { ChangeLsnHeader, Ascii(lsn) },
            { OrdinalHeader, Ascii((ulong)ordinal) },
        };
        if (schemaId is not null)
        {
            headers.Add(SchemaIdHeader, schemaId);
        }

        var message = new Message<byte[]?, byte[]?> { Key = key, Value = value, Headers = headers };
        Action<DeliveryReport<byte[]?, byte[]?>> handler = counted
            ? CountedHandler(commitLsn, session)
            : report =>
            {
                if (report.Error.Code != ErrorCode.NoError)
                {
                    _gate.Fail(session, new KafkaException(report.Error));
                }
            };

        while (true)
        {
            // counted before Produce: the delivery report may arrive before Produce returns
            if (counted)
            {
                _gate.Produced();
            }

            try
            {
                _producer.Produce(topic, message, handler);
                return;
            }
            catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                if (counted)
                {
                    _gate.Unproduced();
                }

                await Task.Delay(5, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                if (counted)
                {
                    _gate.Unproduced();
                }

                throw;
            }
        }
    }

    private ulong _commitHeaderLsn;
    private byte[] _commitHeader = [];
    private (ulong CommitLsn, int Session, Action<DeliveryReport<byte[]?, byte[]?>> Handler)? _handler;

    /// <summary>The delivery handler of a transaction's counted events (one per transaction, not one per event).</summary>
    private Action<DeliveryReport<byte[]?, byte[]?>> CountedHandler(ulong commitLsn, int session)
    {
        if (_handler is { } cached && cached.CommitLsn == commitLsn && cached.Session == session)
        {
            return cached.Handler;
        }

        Action<DeliveryReport<byte[]?, byte[]?>> handler = report =>
        {
            var ok = report.Error.Code == ErrorCode.NoError;
            _gate.Delivered(commitLsn, session, ok);
            if (!ok)
            {
                _gate.Fail(session, new KafkaException(report.Error));
            }
        };
        _handler = (commitLsn, session, handler);
        return handler;
    }

    private static byte[] Ascii(ulong value)
    {
        Span<byte> buffer = stackalloc byte[20];
        System.Buffers.Text.Utf8Formatter.TryFormat(value, buffer, out var written);
        return buffer[..written].ToArray();
    }

    /// <summary>Waits until everything produced so far was delivered (or failed), at most <paramref name="timeout"/>.</summary>
    public int Flush(TimeSpan timeout) => _producer.Flush(timeout);

    public void Dispose()
    {
        try
        {
            _producer.Flush(TimeSpan.FromSeconds(5));
        }
        catch (KafkaException)
        {
        }

        _producer.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "CDC: published the schema of {Table} as {SchemaId} to {Topic}")]
    private partial void LogSchemaPublished(string table, string schemaId, string topic);

    [LoggerMessage(Level = LogLevel.Error, Message = "CDC producer: fatal Kafka error: {Reason}")]
    private partial void LogFatal(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CDC producer (librdkafka {Facility}): {Message}")]
    private partial void LogLibrdkafka(string facility, string message);
}
