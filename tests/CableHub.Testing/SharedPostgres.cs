using System.Security.Cryptography;
using System.Text;
using CableHub.DevServers.Postgres;
using CableHub.Modules;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CableHub.Testing;

/// <summary>
/// ONE PostgreSQL cluster for all the tests of a process: the one <c>./cablehub test</c> started for the whole run (its
/// superuser connection string in <see cref="EnvironmentVariable"/>), or else one throwaway cluster started on first use
/// and stopped when the process exits. Tests get databases of their own on it (<see cref="TestDatabases"/>).
/// </summary>
public static class SharedPostgres
{
    /// <summary>Set by the launcher: a superuser connection string (database <c>postgres</c>) of the run's cluster.</summary>
    public const string EnvironmentVariable = "CABLEHUB_TEST_POSTGRES";

    private static readonly Lazy<Task<string>> Server = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    private static EmbeddedPostgres? _owned;
    private static TempDirectory? _directory;

    /// <summary>Superuser connection string of the cluster (database <c>postgres</c>, no pooling).</summary>
    public static Task<string> AdminConnectionStringAsync() => Server.Value;

    private static async Task<string> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } given)
        {
            return new NpgsqlConnectionStringBuilder(given) { Database = "postgres", Pooling = false }.ConnectionString;
        }

        _directory = new TempDirectory("cablehub-pg");
        _owned = await EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresOptions(_directory.Path, Network.FreePort(), Durable: false),
            TestLogging.Factory.CreateLogger("SharedPostgres")).ConfigureAwait(false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            NpgsqlConnection.ClearAllPools();
            _owned.StopAsync().GetAwaiter().GetResult();
            // As root the cluster may live outside the directory (a postgres-owned folder linked from it): delete both.
            EmbeddedPostgres.DeleteClusterAsync(_directory.Path).GetAwaiter().GetResult();
            _directory.Dispose();
        };
        return new NpgsqlConnectionStringBuilder(_owned.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
    }
}

/// <summary>
/// Databases for tests on the <see cref="SharedPostgres"/> cluster: empty ones, or copies of a template migrated ONCE per
/// cluster with every module's migrations (<c>CREATE DATABASE … TEMPLATE</c>: milliseconds instead of a migration run).
/// </summary>
public static class TestDatabases
{
    private const long TemplateLockKey = 0x54_65_6D_70_6C_61_74_65; // "Template"
    private static readonly Lazy<Task<string>> Template = new(EnsureTemplateAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>A new empty database; returns its connection string.</summary>
    public static async Task<string> CreateEmptyAsync(string? name = null)
    {
        var admin = await SharedPostgres.AdminConnectionStringAsync().ConfigureAwait(false);
        name ??= NewName();
        await ExecuteAsync(admin, $"CREATE DATABASE {Quote(name)}").ConfigureAwait(false);
        return Database(admin, name);
    }

    /// <summary>A new database with the hub's whole schema (every module migrated), copied from the template.</summary>
    public static async Task<string> CreateMigratedAsync(string? name = null)
    {
        var admin = await SharedPostgres.AdminConnectionStringAsync().ConfigureAwait(false);
        var template = await Template.Value.ConfigureAwait(false);
        name ??= NewName();
        await ExecuteAsync(admin, $"CREATE DATABASE {Quote(name)} TEMPLATE {Quote(template)}").ConfigureAwait(false);
        return Database(admin, name);
    }

    private static string NewName() => "t_" + Guid.NewGuid().ToString("N")[..12];

    private static string Database(string admin, string name) =>
        new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = true }.ConnectionString;

    /// <summary>The template of this migration set (name carries a hash of every script), built by whichever test process comes first.</summary>
    private static async Task<string> EnsureTemplateAsync()
    {
        var admin = await SharedPostgres.AdminConnectionStringAsync().ConfigureAwait(false);
        var template = "cablehub_template_" + MigrationsHash();
        await using var conn = new NpgsqlConnection(admin);
        await conn.OpenAsync().ConfigureAwait(false);
        await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_lock($1)", conn) { Parameters = { new() { Value = TemplateLockKey } } })
        {
            await lockCmd.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        try
        {
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", conn);
            exists.Parameters.AddWithValue(template);
            if (await exists.ExecuteScalarAsync().ConfigureAwait(false) is not null)
            {
                return template;
            }

            // Built under another name and renamed when complete, so nobody copies a half-migrated template.
            var building = template + "_building";
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {Quote(building)}").ConfigureAwait(false);
            await ExecuteAsync(admin, $"CREATE DATABASE {Quote(building)}").ConfigureAwait(false);
            var target = new NpgsqlConnectionStringBuilder(admin) { Database = building, Pooling = false }.ConnectionString;
            await HubModules.MigrateAsync(target, TestLogging.Factory.CreateLogger("TemplateMigrations")).ConfigureAwait(false);
            await ExecuteAsync(admin, $"ALTER DATABASE {Quote(building)} RENAME TO {Quote(template)}").ConfigureAwait(false);
            await ExecuteAsync(admin, $"ALTER DATABASE {Quote(template)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false").ConfigureAwait(false);
            return template;
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", conn) { Parameters = { new() { Value = TemplateLockKey } } };
            await unlock.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    private static string MigrationsHash()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var module in HubModules.Migrations)
        {
            foreach (var (name, sql) in module.Scripts())
            {
                sha.AppendData(Encoding.UTF8.GetBytes(module.Module + "\n" + name + "\n" + sql + "\n"));
            }
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync().ConfigureAwait(false);
#pragma warning disable CA2100 // identifiers are generated and quoted
        await using var cmd = new NpgsqlCommand(sql, conn);
#pragma warning restore CA2100
        await cmd.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
