using CableHub.Warehouse.Embedded;
using ClickHouse.Driver;
using Microsoft.Extensions.Logging;
using Xunit;

namespace CableHub.Testing;

/// <summary>
/// A throwaway embedded ClickHouse (chDB behind ClickHouse's HTTP interface) on a temp directory and a
/// free port, removed afterwards. Talk to it with ClickHouse.Driver through <see cref="ConnectionString"/>.
/// chDB runs one engine per process, so fixtures of one test assembly take turns: a second fixture
/// waits until the first is disposed (use it as a class or collection fixture, never two at once in one test).
/// </summary>
public sealed class ClickHouseFixture : IAsyncLifetime
{
    private static readonly SemaphoreSlim ProcessLease = new(1, 1);
    private static readonly TimeSpan LeaseTimeout = TimeSpan.FromMinutes(10);

    private readonly TempDirectory _dir = new("cablehub-ch");
    private EmbeddedClickHouse? _server;
    private bool _leased;

    public EmbeddedClickHouse Server => _server ?? throw new InvalidOperationException("not started");

    /// <summary>ClickHouse.Driver connection string (database <c>default</c>).</summary>
    public string ConnectionString => Server.ConnectionString;

    public Uri HttpAddress => Server.HttpAddress;

    public string DataPath => _dir.Sub("data");

    public async ValueTask InitializeAsync()
    {
        var library = ChdbLibrary.DefaultPath();
        if (!File.Exists(library))
        {
            throw new InvalidOperationException(
                $"The chDB engine is not in the cache ({library}). Run warehouse/engine/fetch-chdb.sh once " +
                "(./cablehub build/test runs it) to fetch the pinned, integrity-checked libchdb.so.");
        }

        if (!await ProcessLease.WaitAsync(LeaseTimeout).ConfigureAwait(false))
        {
            throw new TimeoutException($"Another ClickHouseFixture in this test process held the embedded engine for {LeaseTimeout}; chDB runs one engine per process.");
        }

        _leased = true;
        await StartAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the engine and starts it again on the same data directory (a new port).</summary>
    public async Task RestartAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
            _server = null;
        }

        await StartAsync().ConfigureAwait(false);
    }

    /// <summary>A driver client for this engine; dispose it.</summary>
    public ClickHouseClient CreateClient() => new(ConnectionString);

    /// <summary>A new empty database; returns a connection string that uses it.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= "t_" + Guid.NewGuid().ToString("N")[..12];
        using var client = CreateClient();
#pragma warning disable CA2100 // generated identifier
        await client.ExecuteNonQueryAsync($"CREATE DATABASE `{name}`").ConfigureAwait(false);
#pragma warning restore CA2100
        return new ClickHouse.Driver.ADO.ClickHouseConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_server is not null)
            {
                await _server.DisposeAsync().ConfigureAwait(false);
                _server = null;
            }
        }
        finally
        {
            _dir.Dispose();
            if (_leased)
            {
                _leased = false;
                ProcessLease.Release();
            }
        }
    }

    private async Task StartAsync()
    {
        var logger = TestLogging.Factory.CreateLogger<ClickHouseFixture>();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                _server = await EmbeddedClickHouse.StartAsync(new EmbeddedClickHouseOptions(DataPath, ChdbLibrary.DefaultPath(), Network.FreePort()), logger).ConfigureAwait(false);
                return;
            }
            catch (IOException) when (attempt < 3)
            {
                // The free port was taken in between; try another.
            }
        }
    }
}
