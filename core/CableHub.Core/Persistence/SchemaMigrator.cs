using Dapper;
using DbUp;
using DbUp.Engine;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CableHub.Core.Persistence;

/// <summary>
/// Applies every module's own SQL migrations, module by module in the declared order (a module's tables may reference
/// tables of modules before it), each script in its own transaction, journaled per module in
/// <c>cablehub_migrations.&lt;module&gt;</c> (DbUp). Concurrent callers are serialised by an advisory lock, so several
/// hub processes may start at once.
/// </summary>
/// <remarks>
/// Databases created before the split into modules journaled one stream in <c>public.schema_migrations</c>. A module
/// script whose header names the scripts it replaces (<c>-- replaces: CableHub.Core.Store.Migrations.0001_….sql</c>)
/// is recorded as applied, without running, when all of those are in that journal.
/// </remarks>
public static class SchemaMigrator
{
    public const string JournalSchema = "cablehub_migrations";
    private const long MigrationLockKey = 0x43_61_62_6C_65_48_75_62; // "CableHub"
    private const string ReplacesHeader = "-- replaces:";

    public static async Task MigrateAsync(string connectionString, IReadOnlyList<ModuleMigrations> modules, ILogger logger, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(modules);
        ArgumentNullException.ThrowIfNull(logger);
        var duplicate = modules.GroupBy(m => m.Module, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"module '{duplicate.Key}' is listed twice", nameof(modules));
        }

        await using var lockConnection = new NpgsqlConnection(connectionString);
        await lockConnection.OpenAsync(ct).ConfigureAwait(false);
        await lockConnection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@key)", new { key = MigrationLockKey }, cancellationToken: ct)).ConfigureAwait(false);
        try
        {
            await lockConnection.ExecuteAsync(new CommandDefinition($"CREATE SCHEMA IF NOT EXISTS {JournalSchema}", cancellationToken: ct)).ConfigureAwait(false);
            var legacy = await LegacyJournalAsync(lockConnection, ct).ConfigureAwait(false);
            foreach (var module in modules)
            {
                ct.ThrowIfCancellationRequested();
                Migrate(connectionString, module, legacy, logger);
            }
        }
        finally
        {
            await lockConnection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_unlock(@key)", new { key = MigrationLockKey }, cancellationToken: CancellationToken.None)).ConfigureAwait(false);
        }
    }

    /// <summary>The scripts a module script replaces (its <c>-- replaces:</c> header lines).</summary>
    public static IReadOnlyList<string> Replaces(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        return sql.Split('\n')
            .Select(l => l.Trim())
            .TakeWhile(l => l.StartsWith("--", StringComparison.Ordinal))
            .Where(l => l.StartsWith(ReplacesHeader, StringComparison.Ordinal))
            .SelectMany(l => l[ReplacesHeader.Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .ToList();
    }

    private static void Migrate(string connectionString, ModuleMigrations module, IReadOnlySet<string> legacy, ILogger logger)
    {
        var scripts = module.Scripts();
        if (scripts.Count == 0)
        {
            throw new InvalidOperationException($"module '{module.Module}' has no migrations under {module.ResourcePrefix} in {module.Assembly.GetName().Name}");
        }

        if (legacy.Count > 0)
        {
            // Scripts whose whole content was applied by the old single stream: journal them without running.
            var adopted = scripts.Where(s => Replaces(s.Sql) is { Count: > 0 } r && r.All(legacy.Contains)).ToList();
            if (adopted.Count > 0)
            {
                var marked = Engine(connectionString, module, adopted, logger).MarkAsExecuted();
                if (!marked.Successful)
                {
                    throw new InvalidOperationException($"recording the {module.Module} migrations applied before the module split failed: {marked.Error?.Message}", marked.Error);
                }
            }
        }

        var result = Engine(connectionString, module, scripts, logger).PerformUpgrade();
        if (!result.Successful)
        {
            throw new InvalidOperationException($"{module.Module} migration {result.ErrorScript?.Name} failed: {result.Error?.Message}", result.Error);
        }
    }

    private static UpgradeEngine Engine(string connectionString, ModuleMigrations module, IEnumerable<(string Name, string Sql)> scripts, ILogger logger) =>
        DeployChanges.To
            .PostgresqlDatabase(connectionString)
            .WithScripts(scripts.Select(s => new SqlScript(s.Name, s.Sql)))
            .JournalToPostgresqlTable(JournalSchema, module.Module)
            .WithTransactionPerScript()
            .LogTo(logger)
            .Build();

    private static async Task<IReadOnlySet<string>> LegacyJournalAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT to_regclass('public.schema_migrations') IS NOT NULL", cancellationToken: ct)).ConfigureAwait(false);
        if (!exists)
        {
            return new HashSet<string>();
        }

        var names = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT scriptname FROM public.schema_migrations", cancellationToken: ct)).ConfigureAwait(false);
        return names.ToHashSet(StringComparer.Ordinal);
    }
}
