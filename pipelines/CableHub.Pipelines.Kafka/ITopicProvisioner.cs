namespace CableHub.Pipelines.Kafka;

/// <summary>Makes sure topics exist before they are produced to. Production: <see cref="AdminClientTopicProvisioner"/>; dev: <see cref="EmbeddedKafkaTopicProvisioner"/>.</summary>
public interface ITopicProvisioner
{
    /// <summary>Creates <paramref name="topic"/> with <paramref name="partitions"/> partitions unless it exists (an existing topic is left as it is).</summary>
    Task EnsureTopicAsync(string topic, int partitions, CancellationToken cancellationToken);

    /// <summary>As <see cref="EnsureTopicAsync(string,int,CancellationToken)"/>, with topic configs (e.g. <c>cleanup.policy=compact</c>) where the broker supports them.</summary>
    Task EnsureTopicAsync(string topic, int partitions, IReadOnlyDictionary<string, string> configs, CancellationToken cancellationToken) =>
        EnsureTopicAsync(topic, partitions, cancellationToken);
}

/// <summary>Creates topics through the embedded broker's mock API (its admin API cannot).</summary>
public sealed class EmbeddedKafkaTopicProvisioner(EmbeddedKafka kafka) : ITopicProvisioner
{
    public Task EnsureTopicAsync(string topic, int partitions, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        kafka.EnsureTopic(topic, partitions);
        return Task.CompletedTask;
    }
}
