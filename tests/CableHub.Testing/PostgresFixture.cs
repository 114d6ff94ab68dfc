using Npgsql;
using Xunit;

namespace CableHub.Testing;

/// <summary>
/// PostgreSQL for a test class or collection: a handle on the process's (or the run's) <see cref="SharedPostgres"/>
/// cluster — no cluster of its own. <see cref="CreateDatabaseAsync"/> gives a test its own empty database,
/// <see cref="CreateMigratedDatabaseAsync"/> one with the hub's schema (from the template).
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private string? _admin;

    /// <summary>Superuser connection string of the cluster (database <c>postgres</c>).</summary>
    public string ConnectionString => _admin ?? throw new InvalidOperationException("not started");

    public int Port => new NpgsqlConnectionStringBuilder(ConnectionString).Port;

    public async ValueTask InitializeAsync() => _admin = await SharedPostgres.AdminConnectionStringAsync();

    /// <summary>A new empty database on the cluster; returns its connection string.</summary>
    public Task<string> CreateDatabaseAsync(string? name = null) => TestDatabases.CreateEmptyAsync(name);

    /// <summary>A new database with every module's tables (a copy of the migrated template).</summary>
    public Task<string> CreateMigratedDatabaseAsync(string? name = null) => TestDatabases.CreateMigratedAsync(name);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
