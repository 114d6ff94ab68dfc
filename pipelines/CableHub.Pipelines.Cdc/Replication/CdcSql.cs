namespace CableHub.Pipelines.Cdc.Replication;

/// <summary>The SQL the CDC reader runs (identifiers are quoted by the caller with <see cref="Quote"/>).</summary>
internal static class CdcSql
{
    /// <summary>Session settings for the walsender and the snapshot session: the text output the codecs parse.</summary>
    public const string SessionOptions =
        "-c DateStyle=ISO -c TimeZone=UTC -c IntervalStyle=iso_8601 -c bytea_output=hex -c extra_float_digits=3 -c lc_monetary=C";

    public const string PublicationExists = "SELECT count(*) FROM pg_publication WHERE pubname = @name";

    public const string PublicationSchemas =
        "SELECT n.nspname FROM pg_publication_namespace pn JOIN pg_publication p ON p.oid = pn.pnpubid " +
        "JOIN pg_namespace n ON n.oid = pn.pnnspid WHERE p.pubname = @name";

    public const string SchemaExists = "SELECT count(*) FROM pg_namespace WHERE nspname = @name";

    /// <summary>Tables of the given schemas whose replica identity is not FULL.</summary>
    public const string TablesWithoutFullIdentity =
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
        "WHERE n.nspname = ANY(@schemas) AND c.relkind IN ('r', 'p') AND c.relreplident <> 'f' ORDER BY 1, 2";

    public const string EventTriggerExists = "SELECT count(*) FROM pg_event_trigger WHERE evtname = @name";

    /// <summary>
    /// A function run by an event trigger after CREATE TABLE: sets REPLICA IDENTITY FULL on new tables of the listed
    /// schemas, in the creating transaction, so their first updates already carry complete before images.
    /// {0} = function name (qualified), {1} = schema array literal.
    /// </summary>
    public const string ReplicaIdentityFunction = """
        CREATE OR REPLACE FUNCTION {0}() RETURNS event_trigger LANGUAGE plpgsql AS $fn$
        DECLARE r record;
        BEGIN
          FOR r IN SELECT * FROM pg_event_trigger_ddl_commands()
                   WHERE command_tag IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO') AND object_type = 'table'
          LOOP
            IF r.schema_name = ANY({1}::text[]) THEN
              EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', r.object_identity);
            END IF;
          END LOOP;
        END $fn$
        """;

    public const string SlotInfo =
        "SELECT database, plugin, active, confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = @name AND slot_type = 'logical'";

    public const string ConfirmedFlush = "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = @name";

    /// <summary>{0} = state table (qualified).</summary>
    public const string CreateStateTable = """
        CREATE TABLE IF NOT EXISTS {0} (
          slot_name text PRIMARY KEY,
          snapshot_lsn pg_lsn NOT NULL,
          snapshot_started_at timestamptz NOT NULL DEFAULT now(),
          snapshot_completed_at timestamptz
        )
        """;

    public const string ReadState = "SELECT snapshot_lsn::text, snapshot_completed_at IS NOT NULL FROM {0} WHERE slot_name = @slot";

    public const string WriteStateStarted = """
        INSERT INTO {0} (slot_name, snapshot_lsn, snapshot_started_at, snapshot_completed_at)
        VALUES (@slot, @lsn::pg_lsn, now(), CASE WHEN @completed THEN now() END)
        ON CONFLICT (slot_name) DO UPDATE
          SET snapshot_lsn = excluded.snapshot_lsn, snapshot_started_at = excluded.snapshot_started_at,
              snapshot_completed_at = excluded.snapshot_completed_at
        """;

    public const string WriteStateCompleted = "UPDATE {0} SET snapshot_completed_at = now() WHERE slot_name = @slot AND snapshot_lsn = @lsn::pg_lsn";

    public const string PublishedTables =
        "SELECT c.oid, pt.schemaname, pt.tablename FROM pg_publication_tables pt " +
        "JOIN pg_namespace n ON n.nspname = pt.schemaname JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = pt.tablename " +
        "WHERE pt.pubname = @name ORDER BY 2, 3";

    /// <summary>Columns (streamed ones: not dropped, not generated) with nullability and primary-key position.</summary>
    public const string Columns = """
        SELECT a.attname, a.atttypid, a.atttypmod, a.attnotnull,
               (SELECT k.ord FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                 WHERE i.indrelid = a.attrelid AND i.indisprimary AND k.attnum = a.attnum) AS key_position
        FROM pg_attribute a
        WHERE a.attrelid = @relid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
        ORDER BY a.attnum
        """;

    public const string RelationName =
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = @relid";

    public const string Types = """
        SELECT t.oid, t.typname, t.typtype, t.typcategory, t.typelem, t.typbasetype, t.typtypmod,
               CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END
        FROM pg_type t WHERE t.oid = ANY(@oids)
        """;

    /// <summary>The WAL's end and the slot's confirmed position (null row: no such slot).</summary>
    public const string SlotPosition =
        "SELECT pg_current_wal_lsn()::text, confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = @name";

    public const string Heartbeat = "SELECT pg_logical_emit_message(true, 'cablehub_cdc.heartbeat', '')";

    public const string CurrentDatabase = "SELECT current_database()";

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string Quote(string schema, string name) => Quote(schema) + "." + Quote(name);
}
