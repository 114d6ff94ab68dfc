using CableHub.Pipelines.Kafka;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Xunit;

namespace CableHub.Testing;

/// <summary>
/// A throwaway embedded Kafka (librdkafka's mock cluster behind a proxy on a free port), memory only, removed afterwards.
/// Create topics with <see cref="EnsureTopic"/> (the admin API cannot on the mock); clients take
/// <see cref="BootstrapServers"/> and the fast-group settings from <see cref="Producer"/> / <see cref="Consumer"/>.
/// </summary>
public sealed class KafkaFixture : IAsyncLifetime
{
    private EmbeddedKafka? _kafka;

    public EmbeddedKafka Kafka => _kafka ?? throw new InvalidOperationException("not started");

    public string BootstrapServers => Kafka.BootstrapServers;

    public int Port => Kafka.Port;

    public ITopicProvisioner Topics => new EmbeddedKafkaTopicProvisioner(Kafka);

    public async ValueTask InitializeAsync()
    {
        _kafka = await EmbeddedKafka.StartAsync(
            new EmbeddedKafkaOptions { Port = 0 },
            TestLogging.Factory.CreateLogger<KafkaFixture>()).ConfigureAwait(false);
    }

    public bool EnsureTopic(string topic, int partitions = 0) => Kafka.EnsureTopic(topic, partitions);

    /// <summary>A fresh topic name with the given prefix, created with <paramref name="partitions"/> partitions.</summary>
    public string NewTopic(string prefix = "t", int partitions = 1)
    {
        var name = $"{prefix}.{Guid.NewGuid():N}";
        Kafka.EnsureTopic(name, partitions);
        return name;
    }

    public ProducerConfig Producer(string clientId = "test-producer") =>
        KafkaClientSettings.ForFastGroups(KafkaClientSettings.ReliableProducer(BootstrapServers, clientId));

    public ConsumerConfig Consumer(string? groupId = null) =>
        KafkaClientSettings.ForFastGroups(KafkaClientSettings.ManualCommitConsumer(BootstrapServers, groupId ?? "test-" + Guid.NewGuid().ToString("N")));

    public async ValueTask DisposeAsync()
    {
        if (_kafka is not null)
        {
            await _kafka.DisposeAsync().ConfigureAwait(false);
        }
    }
}
