using Microsoft.Extensions.Logging;
using Npgsql;

namespace CableHub.Pipelines.Cdc.Replication;

/// <summary>What the slot and the state table say at the start of a session.</summary>
internal readonly record struct SlotState(bool SlotExists, string? SlotDatabase, bool SlotActive, bool SnapshotCompleted, ulong? SnapshotLsn);

/// <summary>Prepares the source database: publication, replica identity, event trigger, state table; reads and writes the slot state.</summary>
internal sealed partial class SourceSetup(NpgsqlDataSource dataSource, CdcReaderOptions options, ILogger logger)
{
    private string StateTable => CdcSql.Quote(options.StateSchema, "slot_state");

    public async Task<string> PrepareAsync(CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var database = (string)(await Scalar(conn, CdcSql.CurrentDatabase, cancellationToken).ConfigureAwait(false))!;

        foreach (var schema in options.Schemas)
        {
            if (Convert.ToInt64(await Scalar(conn, CdcSql.SchemaExists, cancellationToken, ("name", schema)).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                throw new InvalidOperationException($"CDC: schema \"{schema}\" does not exist in database \"{database}\" (yet); the publication needs it.");
            }
        }

        await EnsurePublicationAsync(conn, cancellationToken).ConfigureAwait(false);
        await Execute(conn, $"CREATE SCHEMA IF NOT EXISTS {CdcSql.Quote(options.StateSchema)}", cancellationToken).ConfigureAwait(false);
        await Execute(conn, string.Format(System.Globalization.CultureInfo.InvariantCulture, CdcSql.CreateStateTable, StateTable), cancellationToken).ConfigureAwait(false);
        if (options.EnsureReplicaIdentityFull)
        {
            await EnsureReplicaIdentityAsync(conn, cancellationToken).ConfigureAwait(false);
            await EnsureEventTriggerAsync(conn, cancellationToken).ConfigureAwait(false);
        }

        return database;
    }

    private async Task EnsurePublicationAsync(NpgsqlConnection conn, CancellationToken cancellationToken)
    {
        var schemas = string.Join(", ", options.Schemas.Select(CdcSql.Quote));
        var exists = Convert.ToInt64(await Scalar(conn, CdcSql.PublicationExists, cancellationToken, ("name", options.Publication)).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) > 0;
        if (!exists)
        {
            try
            {
                await Execute(conn, $"CREATE PUBLICATION {CdcSql.Quote(options.Publication)} FOR TABLES IN SCHEMA {schemas}", cancellationToken).ConfigureAwait(false);
                LogPublicationCreated(options.Publication, schemas);
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateObject)
            {
                // created concurrently
            }
        }

        var published = new HashSet<string>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand(CdcSql.PublicationSchemas, conn))
        {
            cmd.Parameters.AddWithValue("name", options.Publication);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                published.Add(reader.GetString(0));
            }
        }

        foreach (var schema in options.Schemas.Where(s => !published.Contains(s)))
        {
            await Execute(conn, $"ALTER PUBLICATION {CdcSql.Quote(options.Publication)} ADD TABLES IN SCHEMA {CdcSql.Quote(schema)}", cancellationToken).ConfigureAwait(false);
            LogPublicationExtended(options.Publication, schema);
        }
    }

    private async Task EnsureReplicaIdentityAsync(NpgsqlConnection conn, CancellationToken cancellationToken)
    {
        var tables = new List<(string Schema, string Table)>();
        await using (var cmd = new NpgsqlCommand(CdcSql.TablesWithoutFullIdentity, conn))
        {
            cmd.Parameters.AddWithValue("schemas", options.Schemas.ToArray());
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tables.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (schema, table) in tables)
        {
            await SetReplicaIdentityFullAsync(conn, schema, table, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>ALTER TABLE … REPLICA IDENTITY FULL (waits at most 5 s for the lock).</summary>
    public async Task SetReplicaIdentityFullAsync(string schema, string table, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await SetReplicaIdentityFullAsync(conn, schema, table, cancellationToken).ConfigureAwait(false);
    }

    private async Task SetReplicaIdentityFullAsync(NpgsqlConnection conn, string schema, string table, CancellationToken cancellationToken)
    {
        try
        {
            await Execute(conn, $"SET lock_timeout = '5s'; ALTER TABLE {CdcSql.Quote(schema, table)} REPLICA IDENTITY FULL; RESET lock_timeout", cancellationToken).ConfigureAwait(false);
            LogReplicaIdentitySet(schema, table);
        }
        catch (PostgresException e)
        {
            LogReplicaIdentityFailed(schema, table, e.MessageText);
        }
    }

    private async Task EnsureEventTriggerAsync(NpgsqlConnection conn, CancellationToken cancellationToken)
    {
        var function = CdcSql.Quote(options.StateSchema, "set_replica_identity_full");
        var trigger = CdcSql.Quote(options.Slot + "_replica_identity");
        var schemas = "ARRAY[" + string.Join(", ", options.Schemas.Select(s => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'")) + "]";
        try
        {
            await Execute(conn, string.Format(System.Globalization.CultureInfo.InvariantCulture, CdcSql.ReplicaIdentityFunction, function, schemas), cancellationToken).ConfigureAwait(false);
            var exists = Convert.ToInt64(await Scalar(conn, CdcSql.EventTriggerExists, cancellationToken, ("name", options.Slot + "_replica_identity")).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) > 0;
            if (!exists)
            {
                await Execute(conn,
                    $"CREATE EVENT TRIGGER {trigger} ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO') EXECUTE FUNCTION {function}()",
                    cancellationToken).ConfigureAwait(false);
            }
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.DuplicateObject)
        {
            LogEventTriggerFailed(e.MessageText);
        }
    }

    public async Task<SlotState> ReadSlotStateAsync(CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        bool exists = false, active = false;
        string? database = null;
        await using (var cmd = new NpgsqlCommand(CdcSql.SlotInfo, conn))
        {
            cmd.Parameters.AddWithValue("name", options.Slot);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                exists = true;
                database = reader.GetString(0);
                active = reader.GetBoolean(2);
            }
        }

        bool completed = false;
        ulong? snapshotLsn = null;
#pragma warning disable CA2100 // identifiers quoted
        await using (var cmd = new NpgsqlCommand(string.Format(System.Globalization.CultureInfo.InvariantCulture, CdcSql.ReadState, StateTable), conn))
#pragma warning restore CA2100
        {
            cmd.Parameters.AddWithValue("slot", options.Slot);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                snapshotLsn = (ulong)NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(reader.GetString(0));
                completed = reader.GetBoolean(1);
            }
        }

        return new SlotState(exists, database, active, completed, snapshotLsn);
    }

    public async Task WriteSnapshotStartedAsync(ulong lsn, bool completed, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
#pragma warning disable CA2100 // identifiers quoted
        await using var cmd = new NpgsqlCommand(string.Format(System.Globalization.CultureInfo.InvariantCulture, CdcSql.WriteStateStarted, StateTable), conn);
#pragma warning restore CA2100
        cmd.Parameters.AddWithValue("slot", options.Slot);
        cmd.Parameters.AddWithValue("lsn", new NpgsqlTypes.NpgsqlLogSequenceNumber(lsn).ToString());
        cmd.Parameters.AddWithValue("completed", completed);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task WriteSnapshotCompletedAsync(ulong lsn, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
#pragma warning disable CA2100 // identifiers quoted
        await using var cmd = new NpgsqlCommand(string.Format(System.Globalization.CultureInfo.InvariantCulture, CdcSql.WriteStateCompleted, StateTable), conn);
#pragma warning restore CA2100
        cmd.Parameters.AddWithValue("slot", options.Slot);
        cmd.Parameters.AddWithValue("lsn", new NpgsqlTypes.NpgsqlLogSequenceNumber(lsn).ToString());
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The WAL's current end and the slot's confirmed position; null when the slot does not exist.</summary>
    public async Task<(ulong Wal, ulong Confirmed)?> SlotPositionAsync(CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(CdcSql.SlotPosition, conn);
        cmd.Parameters.AddWithValue("name", options.Slot);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || reader.IsDBNull(0) || reader.IsDBNull(1))
        {
            return null;
        }

        return ((ulong)NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(reader.GetString(0)), (ulong)NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(reader.GetString(1)));
    }

    public async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await Execute(conn, CdcSql.Heartbeat, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<object?> Scalar(NpgsqlConnection conn, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
#pragma warning disable CA2100 // constant SQL
        await using var cmd = new NpgsqlCommand(sql, conn);
#pragma warning restore CA2100
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }

        return await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task Execute(NpgsqlConnection conn, string sql, CancellationToken cancellationToken)
    {
#pragma warning disable CA2100 // constant SQL with quoted identifiers
        await using var cmd = new NpgsqlCommand(sql, conn);
#pragma warning restore CA2100
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "CDC: created publication {Publication} for tables in schema {Schemas}")]
    private partial void LogPublicationCreated(string publication, string schemas);

    [LoggerMessage(Level = LogLevel.Information, Message = "CDC: added schema {Schema} to publication {Publication}")]
    private partial void LogPublicationExtended(string publication, string schema);

    [LoggerMessage(Level = LogLevel.Information, Message = "CDC: set REPLICA IDENTITY FULL on {Schema}.{Table}")]
    private partial void LogReplicaIdentitySet(string schema, string table);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CDC: could not set REPLICA IDENTITY FULL on {Schema}.{Table} ({Reason}); its updates and deletes carry only the key in \"before\"")]
    private partial void LogReplicaIdentityFailed(string schema, string table, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CDC: no event trigger for new tables' replica identity ({Reason}); new tables get REPLICA IDENTITY FULL when they first appear in the stream")]
    private partial void LogEventTriggerFailed(string reason);
}
