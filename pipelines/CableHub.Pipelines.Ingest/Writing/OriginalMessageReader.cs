using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace CableHub.Pipelines.Ingest.Writing;

/// <summary>
/// Reads one message back from Kafka by its position. Batched rows do not keep their message's bytes (they would
/// double what the garbage collector copies while the batch waits for its flush); when ClickHouse refuses a row, its
/// original key and value are read again for the dead letter.
/// </summary>
internal sealed class OriginalMessageReader(string bootstrapServers, IDictionary<string, string> consumerProperties, ILogger logger)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public (byte[]? Key, byte[]? Value)? Read(string topic, int partition, long offset)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "cablehub-ingest-refetch",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            ClientId = "cablehub-ingest-refetch",
        };
        foreach (var (key, value) in consumerProperties)
        {
            if (!key.StartsWith("group.", StringComparison.Ordinal) && key is not ("session.timeout.ms" or "heartbeat.interval.ms" or "max.poll.interval.ms"))
            {
                config.Set(key, value);
            }
        }

        try
        {
            using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
            consumer.Assign(new TopicPartitionOffset(topic, partition, offset));
            var until = Environment.TickCount64 + (long)Timeout.TotalMilliseconds; // a timeout: monotonic, not wall-clock
            while (Environment.TickCount64 < until)
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
                if (result?.Message is not null && result.Offset.Value == offset)
                {
                    return (result.Message.Key, result.Message.Value);
                }

                if (result is not null && result.Offset.Value > offset)
                {
                    break; // the broker no longer has it (retention)
                }
            }
        }
        catch (KafkaException e)
        {
            logger.LogWarning(e, "Reading {Topic}/{Partition}@{Offset} back for its dead letter failed", topic, partition, offset);
        }

        return null;
    }
}
