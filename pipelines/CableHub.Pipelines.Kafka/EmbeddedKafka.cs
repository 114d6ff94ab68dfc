using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using CableHub.Pipelines.Kafka.Native;
using Microsoft.Extensions.Logging;

namespace CableHub.Pipelines.Kafka;

/// <summary>
/// A Kafka-protocol broker hosted in this process: librdkafka's mock cluster (a test double that speaks the real wire
/// protocol), reachable on a fixed address through a small TCP proxy per broker. The brokers advertise the proxy
/// addresses in metadata, so any Kafka client of any process (Confluent.Kafka, kcat, Java) bootstraps from
/// <see cref="BootstrapServers"/> and stays on the proxies.
/// <para>
/// DEV ONLY. Messages live in memory only and are gone when the process ends; each partition keeps at most 5 MiB
/// (older batches are silently dropped); the admin API cannot create topics (use <see cref="EnsureTopic"/>);
/// transactions are not reliable. Production uses a real Kafka cluster.
/// </para>
/// </summary>
public sealed partial class EmbeddedKafka : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly List<TcpForwarder> _proxies;
    private readonly int _defaultPartitions;
    private readonly Lock _gate = new();
    private IntPtr _handle;
    private IntPtr _cluster;

    private EmbeddedKafka(IntPtr handle, IntPtr cluster, List<TcpForwarder> proxies, int defaultPartitions, string internalBootstraps, ILogger logger)
    {
        _handle = handle;
        _cluster = cluster;
        _proxies = proxies;
        _defaultPartitions = defaultPartitions;
        _logger = logger;
        InternalBootstrapServers = internalBootstraps;
        BootstrapServers = string.Join(',', proxies.Select(p => $"127.0.0.1:{p.Port.ToString(CultureInfo.InvariantCulture)}"));
    }

    /// <summary>The fixed addresses (one per broker) clients bootstrap from, e.g. <c>127.0.0.1:9092</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>The mock brokers' own random loopback ports (not advertised; for diagnostics only).</summary>
    public string InternalBootstrapServers { get; }

    /// <summary>The port of the first broker's proxy.</summary>
    public int Port => _proxies[0].Port;

    /// <summary>The librdkafka file hosting the cluster (the one Confluent.Kafka loaded).</summary>
    public static string NativeLibraryPath => LibRdKafka.EnsureLoaded();

    public static Task<EmbeddedKafka> StartAsync(EmbeddedKafkaOptions options, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        if (options.Brokers < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Brokers, "EmbeddedKafkaOptions.Brokers must be at least 1");
        }

        if (options.DefaultPartitions < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.DefaultPartitions, "EmbeddedKafkaOptions.DefaultPartitions must be at least 1");
        }

        if (options.Port is < 0 or > 65535 || (options.Port > 0 && options.Port + options.Brokers - 1 > 65535))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Port, "EmbeddedKafkaOptions.Port must be 0 (free ports) or leave room for one port per broker below 65536");
        }

        cancellationToken.ThrowIfCancellationRequested();
        return Task.Run(() => Start(options, logger), cancellationToken);
    }

    private static EmbeddedKafka Start(EmbeddedKafkaOptions options, ILogger logger)
    {
        var library = LibRdKafka.EnsureLoaded();
        var listen = IPAddress.Parse(options.ListenAddress);
        var handle = CreateHandle();
        IntPtr cluster = IntPtr.Zero;
        var proxies = new List<TcpForwarder>();
        try
        {
            cluster = LibRdKafka.MockClusterNew(handle, options.Brokers);
            if (cluster == IntPtr.Zero)
            {
                throw new InvalidOperationException("librdkafka could not create the mock cluster (rd_kafka_mock_cluster_new returned NULL)");
            }

            // Read the real listener ports before re-advertising: the bootstraps string follows the advertised address.
            var internalBootstraps = Marshal.PtrToStringUTF8(LibRdKafka.MockClusterBootstraps(cluster))
                ?? throw new InvalidOperationException("rd_kafka_mock_cluster_bootstraps returned NULL");
            var brokers = ParseBootstraps(internalBootstraps);
            if (brokers.Count != options.Brokers)
            {
                throw new InvalidOperationException($"The mock cluster reported {brokers.Count} listeners for {options.Brokers} brokers: \"{internalBootstraps}\"");
            }

            for (var i = 0; i < brokers.Count; i++)
            {
                var port = options.Port == 0 ? 0 : options.Port + i;
                var proxy = TcpForwarder.Start(listen, port, brokers[i], logger);
                proxies.Add(proxy);
                LibRdKafka.MockBrokerSetHostPort(cluster, i + 1, options.AdvertisedHost, proxy.Port);
            }

            LibRdKafka.MockGroupInitialRebalanceDelayMs(cluster, (int)options.GroupInitialRebalanceDelay.TotalMilliseconds);

            var kafka = new EmbeddedKafka(handle, cluster, proxies, options.DefaultPartitions, internalBootstraps, logger);
            foreach (var (topic, partitions) in options.Topics)
            {
                kafka.EnsureTopic(topic, partitions > 0 ? partitions : options.DefaultPartitions);
            }

            kafka.LogStarted(kafka.BootstrapServers, options.Brokers, library);
            return kafka;
        }
        catch
        {
            foreach (var proxy in proxies)
            {
                proxy.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            if (cluster != IntPtr.Zero)
            {
                LibRdKafka.MockClusterDestroy(cluster);
            }

            LibRdKafka.Destroy(handle);
            throw;
        }
    }

    private static IntPtr CreateHandle()
    {
        var errors = new byte[512];
        var conf = LibRdKafka.ConfNew();
        Set(conf, "client.id", "cablehub-embedded-kafka", errors);
        Set(conf, "log_level", "3", errors);
        var handle = LibRdKafka.New(LibRdKafka.ProducerType, conf, errors, (nuint)errors.Length);
        if (handle == IntPtr.Zero)
        {
            LibRdKafka.ConfDestroy(conf);
            throw new InvalidOperationException($"rd_kafka_new failed: {LibRdKafka.ErrorBufferText(errors)}");
        }

        return handle; // rd_kafka_new took ownership of conf
    }

    private static void Set(IntPtr conf, string name, string value, byte[] errors)
    {
        if (LibRdKafka.ConfSet(conf, name, value, errors, (nuint)errors.Length) != LibRdKafka.ConfOk)
        {
            LibRdKafka.ConfDestroy(conf);
            throw new InvalidOperationException($"librdkafka rejected {name}={value}: {LibRdKafka.ErrorBufferText(errors)}");
        }
    }

    private static List<IPEndPoint> ParseBootstraps(string bootstraps)
    {
        var result = new List<IPEndPoint>();
        foreach (var part in bootstraps.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.LastIndexOf(':');
            var host = part[..colon];
            var port = int.Parse(part[(colon + 1)..], CultureInfo.InvariantCulture);
            var address = host is "localhost" or "" ? IPAddress.Loopback : IPAddress.Parse(host.Trim('[', ']'));
            result.Add(new IPEndPoint(address, port));
        }

        return result;
    }

    /// <summary>
    /// Creates <paramref name="topic"/> with <paramref name="partitions"/> partitions (0: the default count) unless it
    /// exists; returns true when it was created now. An existing topic keeps its partition count.
    /// </summary>
    public bool EnsureTopic(string topic, int partitions = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
            var err = LibRdKafka.MockTopicCreate(_cluster, topic, partitions > 0 ? partitions : _defaultPartitions, 1);
            return err switch
            {
                0 => true,
                LibRdKafka.ErrTopicAlreadyExists => false,
                _ => throw new InvalidOperationException($"The embedded Kafka could not create topic \"{topic}\": {LibRdKafka.ErrorText(err)}"),
            };
        }
    }

    public async ValueTask DisposeAsync()
    {
        IntPtr cluster, handle;
        lock (_gate)
        {
            cluster = _cluster;
            handle = _handle;
            _cluster = IntPtr.Zero;
            _handle = IntPtr.Zero;
        }

        if (cluster == IntPtr.Zero)
        {
            return;
        }

        foreach (var proxy in _proxies)
        {
            await proxy.DisposeAsync().ConfigureAwait(false);
        }

        await Task.Run(() =>
        {
            LibRdKafka.MockClusterDestroy(cluster);
            LibRdKafka.Destroy(handle);
        }).ConfigureAwait(false);
        LogStopped(BootstrapServers);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "EMBEDDED KAFKA (DEV ONLY, MEMORY ONLY) listening on {BootstrapServers} ({Brokers} broker(s), librdkafka mock cluster from {Library}). " +
        "Every message is lost when this process stops; partitions keep at most 5 MiB. NEVER use it in production: configure Kafka:BootstrapServers.")]
    private partial void LogStarted(string bootstrapServers, int brokers, string library);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedded Kafka on {BootstrapServers} stopped; its messages are gone.")]
    private partial void LogStopped(string bootstrapServers);
}
