using CableHub.Testing;
using Confluent.Kafka;

namespace CableHub.Pipelines.Ingest.Tests;

/// <summary>Producer and inspection helpers on the embedded Kafka; every test gets its own topic prefix.</summary>
internal sealed class KafkaTestClient : IDisposable
{
    public const int Partitions = 4;

    private readonly KafkaFixture _kafka;
    private readonly IProducer<byte[]?, byte[]?> _producer;

    public KafkaTestClient(KafkaFixture kafka)
    {
        _kafka = kafka;
        Prefix = "t" + Guid.NewGuid().ToString("N")[..8];
        var config = kafka.Producer();
        config.EnableIdempotence = false;
        config.Partitioner = Partitioner.Consistent;
        _producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build();
        kafka.EnsureTopic(DeadLetterTopic, 1);
    }

    public string BootstrapServers => _kafka.BootstrapServers;

    /// <summary>This test's topic prefix (instead of <c>cablehub</c>).</summary>
    public string Prefix { get; }

    public string TopicPattern => $@"^{Prefix}\.hub\..+";

    public string DeadLetterTopic => $"{Prefix}.dlq.ingest";

    public string Topic(string table) => $"{Prefix}.hub.{table}";

    /// <summary>The fast consumer-group timings the embedded broker needs, as librdkafka properties for the ingester.</summary>
    public void ConfigureConsumer(IDictionary<string, string> properties)
    {
        foreach (var (key, value) in _kafka.Consumer())
        {
            if (key is "session.timeout.ms" or "heartbeat.interval.ms" or "max.poll.interval.ms" or "topic.metadata.refresh.interval.ms")
            {
                properties[key] = value;
            }
        }
    }

    public string CreateTopic(string topic)
    {
        _kafka.EnsureTopic(topic, Partitions);
        return topic;
    }

    public Task ProduceAsync(string topic, int partition, byte[]? key, byte[]? value) =>
        _producer.ProduceAsync(new TopicPartition(topic, partition), new Message<byte[]?, byte[]?> { Key = key, Value = value });

    public void Produce(string topic, int partition, byte[]? key, byte[]? value) =>
        _producer.Produce(new TopicPartition(topic, partition), new Message<byte[]?, byte[]?> { Key = key, Value = value });

    public void Flush() => _producer.Flush(TimeSpan.FromSeconds(60));

    /// <summary>Committed offsets of a group for partitions 0..3 of <paramref name="topic"/> (negative = none).</summary>
    public IReadOnlyList<long> Committed(string groupId, string topic)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(_kafka.Consumer(groupId)).Build();
        return consumer.Committed(Enumerable.Range(0, Partitions).Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(10))
            .OrderBy(o => o.Partition.Value)
            .Select(o => o.Offset.Value)
            .ToList();
    }

    /// <summary>Reads every message of a topic's partitions.</summary>
    public List<ConsumeResult<byte[]?, byte[]?>> ReadAll(string topic, int partitions, int expected, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(_kafka.Consumer()).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var results = new List<ConsumeResult<byte[]?, byte[]?>>();
        var until = DateTime.UtcNow + timeout;
        while (results.Count < expected && DateTime.UtcNow < until)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: not null } result)
            {
                results.Add(result);
            }
        }

        return results;
    }

    public void Dispose() => _producer.Dispose();
}
