using CableHub.DevServers.Postgres;
using CableHub.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CableHub.Core.Tests;

public sealed class EmbeddedPostgresTests
{
    [Fact]
    public async Task Cluster_is_created_with_logical_wal_and_reused_after_restart()
    {
        using var dir = new TempDirectory();
        var options = new EmbeddedPostgresOptions(dir.Path, Network.FreePort(), Durable: false);
        string connectionString;
        await using (var pg = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance, TestContext.Current.CancellationToken))
        {
            connectionString = pg.ConnectionString;
            await using var conn = new NpgsqlConnection(pg.ConnectionString);
            await conn.OpenAsync(TestContext.Current.CancellationToken);
            await using var cmd = new NpgsqlCommand("SHOW wal_level", conn);
            (await cmd.ExecuteScalarAsync(TestContext.Current.CancellationToken)).ShouldBe("logical");
            await using var create = new NpgsqlCommand("CREATE TABLE kept(x int); INSERT INTO kept VALUES (42)", conn);
            await create.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await using (var again = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance, TestContext.Current.CancellationToken))
        {
            await using var conn = new NpgsqlConnection(again.ConnectionString);
            await conn.OpenAsync(TestContext.Current.CancellationToken);
            await using var cmd = new NpgsqlCommand("SELECT x FROM kept", conn);
            (await cmd.ExecuteScalarAsync(TestContext.Current.CancellationToken)).ShouldBe(42);
        }
    }

    [Fact]
    public async Task A_server_left_running_by_a_killed_process_is_reused()
    {
        using var dir = new TempDirectory();
        var options = new EmbeddedPostgresOptions(dir.Path, Network.FreePort(), Durable: false);
        var first = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance, TestContext.Current.CancellationToken);
        // Simulate a killed owner: do not stop; a second start must find and reuse the running server.
        try
        {
            var second = await EmbeddedPostgres.StartAsync(options with { Port = Network.FreePort() }, NullLogger.Instance, TestContext.Current.CancellationToken);
            second.Port.ShouldBe(first.Port);
            await using var conn = new NpgsqlConnection(second.ConnectionString);
            await conn.OpenAsync(TestContext.Current.CancellationToken);
        }
        finally
        {
            await first.StopAsync(TestContext.Current.CancellationToken);
        }
    }
}
