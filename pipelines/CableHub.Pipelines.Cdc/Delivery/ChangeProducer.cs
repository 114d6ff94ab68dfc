using System.Globalization;
using System.Text;
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

    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly AcknowledgementGate _gate;
    private readonly ITopicProvisioner _topics;
    private readonly int _partitions;
    private readonly ILogger _logger;
    private readonly HashSet<string> _ensured = new(StringComparer.Ordinal);

    public ChangeProducer(CdcReaderOptions options, AcknowledgementGate gate, ITopicProvisioner topics, ILogger logger)
    {
        _gate = gate;
        _topics = topics;
        _partitions = options.TopicPartitions;
        _logger = logger;
        var config = KafkaClientSettings.ReliableProducer(options.BootstrapServers, "cablehub-cdc");
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

    /// <summary>Produces one message. <paramref name="counted"/>: a change event (counted by the gate), not a tombstone.</summary>
    public async ValueTask ProduceAsync(
        string topic, byte[]? key, byte[]? value, ulong commitLsn, ulong lsn, long ordinal, bool counted, int session, CancellationToken cancellationToken)
    {
        var headers = new Headers
        {
            { CommitLsnHeader, Encoding.ASCII.GetBytes(commitLsn.ToString(CultureInfo.InvariantCulture)) },
            { ChangeLsnHeader, Encoding.ASCII.GetBytes(lsn.ToString(CultureInfo.InvariantCulture)) },
            { OrdinalHeader, Encoding.ASCII.GetBytes(ordinal.ToString(CultureInfo.InvariantCulture)) },
        };
        var message = new Message<byte[]?, byte[]?> { Key = key, Value = value, Headers = headers };
        Action<DeliveryReport<byte[]?, byte[]?>> handler = counted
            ? report =>
            {
                var ok = report.Error.Code == ErrorCode.NoError;
                _gate.Delivered(commitLsn, session, ok);
                if (!ok)
                {
                    _gate.Fail(session, new KafkaException(report.Error));
                }
            }
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

    [LoggerMessage(Level = LogLevel.Error, Message = "CDC producer: fatal Kafka error: {Reason}")]
    private partial void LogFatal(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CDC producer (librdkafka {Facility}): {Message}")]
    private partial void LogLibrdkafka(string facility, string message);
}
