using System.Collections.Concurrent;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace CableHub.Pipelines.Kafka;

/// <summary>Creates topics on a real Kafka cluster with the admin API (CreateTopics); an existing topic is fine.</summary>
public sealed class AdminClientTopicProvisioner : ITopicProvisioner, IDisposable
{
    private readonly IAdminClient _admin;
    private readonly short _replicationFactor;
    private readonly TimeSpan _timeout;
    private readonly ConcurrentDictionary<string, bool> _known = new(StringComparer.Ordinal);

    /// <param name="config">Admin client settings (bootstrap servers, security).</param>
    /// <param name="replicationFactor">-1: the broker's <c>default.replication.factor</c>.</param>
    /// <param name="timeout">How long one CreateTopics request may take.</param>
    public AdminClientTopicProvisioner(AdminClientConfig config, short replicationFactor = -1, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        _admin = new AdminClientBuilder(config).Build();
        _replicationFactor = replicationFactor;
        _timeout = timeout ?? TimeSpan.FromSeconds(30);
    }

    public Task EnsureTopicAsync(string topic, int partitions, CancellationToken cancellationToken) =>
        EnsureTopicAsync(topic, partitions, new Dictionary<string, string>(), cancellationToken);

    public async Task EnsureTopicAsync(string topic, int partitions, IReadOnlyDictionary<string, string> configs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configs);
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        if (_known.ContainsKey(topic))
        {
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            await _admin.CreateTopicsAsync(
                [new TopicSpecification
                {
                    Name = topic,
                    NumPartitions = partitions > 0 ? partitions : -1,
                    ReplicationFactor = _replicationFactor,
                    Configs = configs.Count == 0 ? null : configs.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
                }],
                new CreateTopicsOptions { RequestTimeout = _timeout, OperationTimeout = _timeout }).ConfigureAwait(false);
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
        }

        _known[topic] = true;
    }

    public void Dispose() => _admin.Dispose();
}
