using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace CableHub.Pipelines.Ingest.Writing;

/// <summary>
/// Copies dead letters to a Kafka topic: the original key and value, the original headers, and Kafka Connect's
/// dead-letter headers naming where the message came from and why it was refused:
/// <c>__connect.errors.topic</c>, <c>__connect.errors.partition</c>, <c>__connect.errors.offset</c>,
/// <c>__connect.errors.exception.message</c>, plus <c>__connect.errors.connector.name</c> = <c>cablehub-warehouse-ingest</c>.
/// </summary>
internal sealed class DeadLetterPublisher : IDisposable
{
    public const string TopicHeader = "__connect.errors.topic";
    public const string PartitionHeader = "__connect.errors.partition";
    public const string OffsetHeader = "__connect.errors.offset";
    public const string ReasonHeader = "__connect.errors.exception.message";
    public const string ConnectorHeader = "__connect.errors.connector.name";

    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly string _topic;
    private readonly ILogger _logger;

    public DeadLetterPublisher(string bootstrapServers, string topic, IDictionary<string, string> extraProperties, ILogger logger)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = false,
            LingerMs = 5,
            MessageTimeoutMs = 30_000,
            ClientId = "cablehub-ingest-dlq",
        };
        foreach (var (key, value) in extraProperties)
        {
            config.Set(key, value);
        }

        _producer = new ProducerBuilder<byte[]?, byte[]?>(config)
            .SetErrorHandler((_, error) => logger.LogWarning("Dead-letter producer: {Reason}", error.Reason))
            .Build();
        _topic = topic;
        _logger = logger;
    }

    /// <summary>Publishes all and waits for every delivery report; throws when any failed.</summary>
    public async Task PublishAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken)
    {
        var deliveries = new List<Task<DeliveryResult<byte[]?, byte[]?>>>(deadLetters.Count);
        foreach (var deadLetter in deadLetters)
        {
            var headers = new Headers();
            if (deadLetter.Headers is not null)
            {
                foreach (var (name, value) in deadLetter.Headers)
                {
                    headers.Add(name, value);
                }
            }

            headers.Add(TopicHeader, Encoding.UTF8.GetBytes(deadLetter.Origin.Topic));
            headers.Add(PartitionHeader, Encoding.UTF8.GetBytes(deadLetter.Origin.Partition.ToString(CultureInfo.InvariantCulture)));
            headers.Add(OffsetHeader, Encoding.UTF8.GetBytes(deadLetter.Origin.Offset.ToString(CultureInfo.InvariantCulture)));
            headers.Add(ReasonHeader, Encoding.UTF8.GetBytes(deadLetter.Reason));
            headers.Add(ConnectorHeader, "cablehub-warehouse-ingest"u8.ToArray());
            deliveries.Add(_producer.ProduceAsync(
                _topic,
                new Message<byte[]?, byte[]?> { Key = deadLetter.Origin.Key, Value = deadLetter.Origin.Value, Headers = headers },
                cancellationToken));
        }

        await Task.WhenAll(deliveries).ConfigureAwait(false);
        _logger.LogDebug("Published {Count} dead letters to {Topic}", deadLetters.Count, _topic);
    }

    public void Dispose()
    {
        try
        {
            _producer.Flush(TimeSpan.FromSeconds(5));
        }
        finally
        {
            _producer.Dispose();
        }
    }
}
