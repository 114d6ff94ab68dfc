using System.Data;
using Dapper;
using DbUp;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CableHub.Core.Store;

/// <summary>The operational PostgreSQL database: schema migrations and the data source the stores use.</summary>
public static class OperationalStore
{
    private const long MigrationLockKey = 0x43_61_62_6C_65_48_75_62; // "CableHub"

    static OperationalStore()
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SqlMapper.AddTypeHandler(new DateTimeOffsetHandler());
    }

    /// <summary>A data source for the stores (Dapper configured for snake_case columns and UTC timestamps).</summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString, ILoggerFactory? loggerFactory = null)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (loggerFactory is not null)
        {
            builder.UseLoggerFactory(loggerFactory);
        }

        return builder.Build();
    }

    /// <summary>
    /// Applies the SQL migrations under <c>Store/Migrations</c> that have not run yet, each in its own
    /// transaction, journaled in <c>public.schema_migrations</c>. Concurrent callers are serialised by an
    /// advisory lock, so several hub processes may start at once.
    /// </summary>
    public static async Task MigrateAsync(string connectionString, ILogger logger, CancellationToken ct = default)
    {
        await using var lockConnection = new NpgsqlConnection(connectionString);
        await lockConnection.OpenAsync(ct).ConfigureAwait(false);
        await lockConnection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@key)", new { key = MigrationLockKey }, cancellationToken: ct)).ConfigureAwait(false);
        try
        {
            var upgrader = DeployChanges.To
                .PostgresqlDatabase(connectionString)
                .WithScriptsEmbeddedInAssembly(typeof(OperationalStore).Assembly, name => name.Contains(".Store.Migrations.", StringComparison.Ordinal))
                .JournalToPostgresqlTable("public", "schema_migrations")
                .WithTransactionPerScript()
                .LogTo(logger)
                .Build();
            var result = upgrader.PerformUpgrade();
            if (!result.Successful)
            {
                throw new InvalidOperationException($"database migration {result.ErrorScript?.Name} failed: {result.Error?.Message}", result.Error);
            }
        }
        finally
        {
            await lockConnection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_unlock(@key)", new { key = MigrationLockKey }, cancellationToken: CancellationToken.None)).ConfigureAwait(false);
        }
    }

    /// <summary>timestamptz arrives from Npgsql as a UTC DateTime; the domain uses DateTimeOffset.</summary>
    private sealed class DateTimeOffsetHandler : SqlMapper.TypeHandler<DateTimeOffset>
    {
        public override void SetValue(IDbDataParameter parameter, DateTimeOffset value) => parameter.Value = value.ToUniversalTime();

        public override DateTimeOffset Parse(object value) => value switch
        {
            DateTime dt => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
            DateTimeOffset dto => dto,
            _ => throw new DataException($"cannot convert {value.GetType()} to DateTimeOffset"),
        };
    }
}
