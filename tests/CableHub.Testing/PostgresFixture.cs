using CableHub.Core.Store.Embedded;
using Npgsql;
using Xunit;

namespace CableHub.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster (wal_level=logical, fsync off) on a free port, removed afterwards.
/// Use as a class or collection fixture; <see cref="CreateDatabaseAsync"/> gives a test its own database.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("cablehub-pg");
    private EmbeddedPostgres? _server;

    public string ConnectionString => _server?.ConnectionString ?? throw new InvalidOperationException("not started");

    public int Port => _server?.Port ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync()
    {
        _server = await EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresOptions(_dir.Path, Network.FreePort(), Durable: false),
            Microsoft.Extensions.Logging.LoggerFactoryExtensions.CreateLogger<PostgresFixture>(TestLogging.Factory));
    }

    /// <summary>A new empty database on this cluster; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= "t_" + Guid.NewGuid().ToString("N")[..12];
        await using (var conn = new NpgsqlConnection(ConnectionString))
        {
            await conn.OpenAsync();
#pragma warning disable CA2100 // generated identifier
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
#pragma warning restore CA2100
            await cmd.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        await EmbeddedPostgres.DeleteClusterAsync(_dir.Path);
        _dir.Dispose();
    }
}
