using Confluent.Kafka;

namespace CableHub.Pipelines.Kafka;

/// <summary>
/// Client configurations the hub's producers and consumers start from. <see cref="ForFastGroups"/> adds the timings
/// that keep consumer-group rebalances short (needed against the embedded mock broker, whose rejoin waits
/// <c>session.timeout.ms - 1 s</c>); they are tuning only, correct on any Kafka.
/// </summary>
public static class KafkaClientSettings
{
    /// <summary>An idempotent, acks=all producer: ordered per partition, no duplicates from its own retries.</summary>
    public static ProducerConfig ReliableProducer(string bootstrapServers, string clientId) => new()
    {
        BootstrapServers = bootstrapServers,
        ClientId = clientId,
        Acks = Acks.All,
        EnableIdempotence = true,
        MaxInFlight = 5,
        LingerMs = 5,
        CompressionType = CompressionType.Lz4,
        BatchSize = 1_000_000,
        QueueBufferingMaxMessages = 500_000,
        QueueBufferingMaxKbytes = 1_048_576,
        MessageTimeoutMs = 120_000,
        // Java-compatible key hashing: the same key lands in the same partition as with Kafka Connect / Debezium.
        Partitioner = Partitioner.Murmur2Random,
    };

    /// <summary>A consumer that commits explicitly (after the sink has the data) and starts at the earliest offset.</summary>
    public static ConsumerConfig ManualCommitConsumer(string bootstrapServers, string groupId) => new()
    {
        BootstrapServers = bootstrapServers,
        GroupId = groupId,
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        IsolationLevel = IsolationLevel.ReadUncommitted,
    };

    /// <summary>Short group timings (session 3 s, heartbeat 500 ms, quick metadata refresh).</summary>
    public static TConfig ForFastGroups<TConfig>(TConfig config)
        where TConfig : ClientConfig
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Set("topic.metadata.refresh.interval.ms", "2000");
        if (config is ConsumerConfig consumer)
        {
            consumer.SessionTimeoutMs = 3000;
            consumer.HeartbeatIntervalMs = 500;
            consumer.MaxPollIntervalMs = 30_000;
        }

        return config;
    }
}
