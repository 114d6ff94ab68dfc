using Npgsql;

namespace CableHub.Host.Cli.Bench;

/// <summary>
/// A throwaway database on the hub's PostgreSQL cluster for one bench run (<c>cablehub_bench_xxxxxxxx</c>): created empty,
/// dropped afterwards unless the run asked to keep it.
/// </summary>
internal static class BenchDatabase
{
    /// <summary>Creates a database with a fresh name on <paramref name="clusterConnectionString"/>'s server; returns its name.</summary>
    public static async Task<string> CreateAsync(string clusterConnectionString, CancellationToken ct)
    {
        var database = "cablehub_bench_" + Guid.NewGuid().ToString("N")[..8];
        await ExecuteAsync(clusterConnectionString, $"CREATE DATABASE \"{database}\"", ct).ConfigureAwait(false);
        return database;
    }

    /// <summary>Drops <paramref name="database"/> (closing pooled connections first), or says it was kept.</summary>
    public static async Task DropAsync(string clusterConnectionString, string database, bool keep)
    {
        if (keep)
        {
            Console.WriteLine($"Kept database {database}");
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(clusterConnectionString, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", CancellationToken.None).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct).ConfigureAwait(false);
#pragma warning disable CA2100 // generated database name
        await using var cmd = new NpgsqlCommand(sql, conn);
#pragma warning restore CA2100
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
