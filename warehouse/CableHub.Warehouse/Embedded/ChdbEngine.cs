using System.Text;

namespace CableHub.Warehouse.Embedded;

/// <summary>
/// The chDB engine on a persistent data path (ClickHouse's <c>--path</c>). chDB runs one data path per
/// process and one process per path (a second process fails with "Cannot lock file"); the data
/// survives kill -9. Open connections with <see cref="OpenConnection"/>; they query concurrently.
/// Dev/test engine only: production uses a ClickHouse server.
/// </summary>
public sealed unsafe class ChdbEngine : IDisposable
{
    private static readonly Lock ProcessGate = new();
    private static ChdbEngine? _openEngine;

    private readonly Lock _gate = new();
    private readonly HashSet<ChdbConnection> _connections = [];
    private readonly ChdbConnection _primary;
    private bool _disposed;

    private ChdbEngine(string dataPath)
    {
        DataPath = dataPath;
        _primary = new ChdbConnection(Connect(dataPath), this);
        _connections.Add(_primary);
        Version = ChdbLibrary.EngineVersion();
    }

    /// <summary>Full path of the data directory.</summary>
    public string DataPath { get; }

    /// <summary>Engine version (e.g. <c>26.7.3</c>).</summary>
    public string Version { get; }

    /// <summary>
    /// Opens the engine on <paramref name="dataPath"/> (created if missing). The library must be loaded
    /// (<see cref="ChdbLibrary.Load"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">Another engine is open in this process, or the path is locked by another process.</exception>
    public static ChdbEngine Open(string dataPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataPath);
        ChdbLibrary.EnsureLoaded();
        var fullPath = Path.GetFullPath(dataPath);
        lock (ProcessGate)
        {
            if (_openEngine is { } open)
            {
                throw new InvalidOperationException(
                    $"A chDB engine on '{open.DataPath}' is already open in this process; chDB runs one data path per process. Dispose it before opening '{fullPath}'.");
            }

            Directory.CreateDirectory(fullPath);
            var engine = new ChdbEngine(fullPath);
            _openEngine = engine;
            return engine;
        }
    }

    /// <summary>A new connection (session) to this engine; dispose it when done.</summary>
    public ChdbConnection OpenConnection()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var connection = new ChdbConnection(Connect(DataPath), this);
            _connections.Add(connection);
            return connection;
        }
    }

    /// <summary>Closes every connection of this engine; afterwards the process may open an engine again.</summary>
    public void Dispose()
    {
        ChdbConnection[] connections;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            connections = [.. _connections.Where(c => c != _primary)];
        }

        foreach (var connection in connections)
        {
            connection.Dispose();
        }

        // The first connection booted the engine; it goes last.
        _primary.Dispose();
        lock (ProcessGate)
        {
            if (ReferenceEquals(_openEngine, this))
            {
                _openEngine = null;
            }
        }
    }

    internal void Forget(ChdbConnection connection)
    {
        lock (_gate)
        {
            _connections.Remove(connection);
        }
    }

    private static ChdbConnectionHandle Connect(string dataPath)
    {
        byte[][] args = [Encoding.UTF8.GetBytes("chdb\0"), Encoding.UTF8.GetBytes($"--path={dataPath}\0")];
        fixed (byte* a0 = args[0], a1 = args[1])
        {
            var argv = stackalloc byte*[] { a0, a1, null };
            var pointer = ChdbNative.Connect(2, argv);
            if (pointer == IntPtr.Zero || ChdbNative.Deref(pointer) == IntPtr.Zero)
            {
                throw new InvalidOperationException(
                    $"chDB could not open the data path '{dataPath}'. Usually another process uses it (one process per path: " +
                    "\"Cannot lock file .../status\" on stderr), or this process has chDB open on another path. The engine's reason is on stderr.");
            }

            return ChdbConnectionHandle.FromPointer(pointer);
        }
    }
}
