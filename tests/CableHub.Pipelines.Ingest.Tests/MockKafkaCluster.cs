using Confluent.Kafka;

namespace CableHub.Pipelines.Ingest.Tests;

/// <summary>
/// Local stand-in until the Kafka engineer's EmbeddedKafka/KafkaFixture lands: librdkafka's mock cluster (real Kafka
/// wire protocol on loopback, memory only), created by a client with <c>test.mock.num.brokers</c>. Topics are created
/// on first produce (4 partitions).
/// </summary>
internal sealed class MockKafkaCluster : IDisposable
{
    private readonly IProducer<byte[]?, byte[]?> _host;
    private readonly IProducer<byte[]?, byte[]?> _producer;

    public MockKafkaCluster()
    {
        _host = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig(new Dictionary<string, string> { ["test.mock.num.brokers"] = "1" }))
            .SetLogHandler((_, _) => { })
            .Build();
        using var admin = new DependentAdminClientBuilder(_host.Handle).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        BootstrapServers = string.Join(",", metadata.Brokers.Select(b => $"{b.Host}:{b.Port}"));
        _producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = BootstrapServers, LingerMs = 5, Acks = Acks.All }).Build();
    }

    public string BootstrapServers { get; }

    /// <summary>Consumer settings the mock needs for quick group (re)joins.</summary>
    public static void ConfigureForMock(IDictionary<string, string> consumerProperties)
    {
        consumerProperties["session.timeout.ms"] = "3000";
        consumerProperties["heartbeat.interval.ms"] = "500";
    }

    public Task ProduceAsync(string topic, int partition, byte[]? key, byte[]? value) =>
        _producer.ProduceAsync(new TopicPartition(topic, partition), new Message<byte[]?, byte[]?> { Key = key, Value = value });

    public void Produce(string topic, int partition, byte[]? key, byte[]? value) =>
        _producer.Produce(new TopicPartition(topic, partition), new Message<byte[]?, byte[]?> { Key = key, Value = value });

    public void Flush() => _producer.Flush(TimeSpan.FromSeconds(30));

    /// <summary>Committed offsets of a group for partitions 0..3 of <paramref name="topic"/> (-1001 = none).</summary>
    public IReadOnlyList<long> Committed(string groupId, string topic)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = BootstrapServers, GroupId = groupId, EnableAutoCommit = false }).Build();
        return consumer.Committed(Enumerable.Range(0, 4).Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(10))
            .OrderBy(o => o.Partition.Value)
            .Select(o => o.Offset.Value)
            .ToList();
    }

    /// <summary>Reads every message of partitions 0..3 of a topic.</summary>
    public List<ConsumeResult<byte[]?, byte[]?>> ReadAll(string topic, int expected, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig { BootstrapServers = BootstrapServers, GroupId = "reader-" + Guid.NewGuid().ToString("N"), EnableAutoCommit = false }).Build();
        consumer.Assign(Enumerable.Range(0, 4).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
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

    public void Dispose()
    {
        _producer.Dispose();
        _host.Dispose();
    }
}
