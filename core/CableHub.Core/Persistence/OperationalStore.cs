using System.Data;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CableHub.Core.Persistence;

/// <summary>The operational PostgreSQL database: the data source the module stores use (migrations: <see cref="SchemaMigrator"/>).</summary>
public static class OperationalStore
{
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
