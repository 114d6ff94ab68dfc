namespace CableHub.Pipelines.Kafka;

/// <summary>Settings of an <see cref="EmbeddedKafka"/>; the host binds them from configuration (<c>Kafka:Embedded:*</c>).</summary>
public sealed class EmbeddedKafkaOptions
{
    /// <summary>
    /// The fixed port clients bootstrap from (default 9092). Broker <c>n</c> (1-based) is served on <c>Port + n - 1</c>.
    /// 0 picks free ports (tests).
    /// </summary>
    public int Port { get; set; } = 9092;

    /// <summary>Address the fixed-port proxies listen on.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>Host name the brokers advertise in metadata; clients connect to <c>AdvertisedHost:port</c>.</summary>
    public string AdvertisedHost { get; set; } = "127.0.0.1";

    /// <summary>Number of mock brokers (each behind its own proxy port).</summary>
    public int Brokers { get; set; } = 1;

    /// <summary>Partitions of topics created without an explicit count (and of topics auto-created by a producer).</summary>
    public int DefaultPartitions { get; set; } = 3;

    /// <summary>Consumer-group initial rebalance delay; the mock's own default is 3 s, 0 lets groups form at once.</summary>
    public TimeSpan GroupInitialRebalanceDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Topics created at start: name → partitions (0 or less: <see cref="DefaultPartitions"/>).</summary>
    public IDictionary<string, int> Topics { get; } = new Dictionary<string, int>(StringComparer.Ordinal);
}
