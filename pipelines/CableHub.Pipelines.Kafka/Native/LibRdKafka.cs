using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace CableHub.Pipelines.Kafka.Native;

/// <summary>
/// The few librdkafka functions Confluent.Kafka does not wrap: creating a handle of our own and the mock cluster API.
/// Every call resolves to the very file Confluent.Kafka loaded (on Debian 12 that is <c>centos8-librdkafka.so</c>,
/// because the default build needs <c>libsasl2.so.3</c>): one librdkafka in the process.
/// </summary>
internal static partial class LibRdKafka
{
    internal const string LibraryName = "cablehub-librdkafka";

    private static readonly Lock Gate = new();
    private static IntPtr _handle;

    /// <summary>Loads librdkafka through Confluent.Kafka and points our imports at the same file.</summary>
    public static string EnsureLoaded()
    {
        lock (Gate)
        {
            if (_handle != IntPtr.Zero)
            {
                return LoadedPath!;
            }

            Library.Load();
            LoadedPath = FindLoadedLibrary()
                ?? throw new DllNotFoundException("Confluent.Kafka reported librdkafka loaded, but no librdkafka*.so is mapped in this process (/proc/self/maps).");
            _handle = NativeLibrary.Load(LoadedPath);
            NativeLibrary.SetDllImportResolver(typeof(LibRdKafka).Assembly, Resolve);
            return LoadedPath;
        }
    }

    /// <summary>The path of the librdkafka file both Confluent.Kafka and our imports use.</summary>
    public static string? LoadedPath { get; private set; }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
        => libraryName == LibraryName ? _handle : IntPtr.Zero;

    private static string? FindLoadedLibrary()
    {
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                continue;
            }

            var path = line[slash..].Trim();
            var name = Path.GetFileName(path);
            if (name.EndsWith("librdkafka.so", StringComparison.Ordinal) || name.Contains("librdkafka.so.", StringComparison.Ordinal))
            {
                return path;
            }
        }

        return null;
    }

    public const int ProducerType = 0;
    public const int ConfOk = 0;
    public const int ErrTopicAlreadyExists = 36;

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_new")]
    public static partial IntPtr ConfNew();

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_destroy")]
    public static partial void ConfDestroy(IntPtr conf);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_set", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int ConfSet(IntPtr conf, string name, string value, byte[] errstr, nuint errstrSize);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_new")]
    public static partial IntPtr New(int type, IntPtr conf, byte[] errstr, nuint errstrSize);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_destroy")]
    public static partial void Destroy(IntPtr rk);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_err2str")]
    public static partial IntPtr ErrorToString(int err);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_new")]
    public static partial IntPtr MockClusterNew(IntPtr rk, int brokerCount);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_destroy")]
    public static partial void MockClusterDestroy(IntPtr mockCluster);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
    public static partial IntPtr MockClusterBootstraps(IntPtr mockCluster);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_topic_create", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MockTopicCreate(IntPtr mockCluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_group_initial_rebalance_delay_ms")]
    public static partial int MockGroupInitialRebalanceDelayMs(IntPtr mockCluster, int delayMs);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_host_port", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void MockBrokerSetHostPort(IntPtr mockCluster, int brokerId, string host, int port);

    public static string ErrorText(int err) => Marshal.PtrToStringUTF8(ErrorToString(err)) ?? $"error {err}";

    public static string ErrorBufferText(byte[] buffer)
    {
        var end = Array.IndexOf(buffer, (byte)0);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
    }
}
