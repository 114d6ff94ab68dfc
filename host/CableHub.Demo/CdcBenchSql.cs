namespace CableHub.Demo;

/// <summary>DEV ONLY: the SQL of <c>bench cdc</c>: two tables of its own in the replicated schema, and the statements that load them
/// (static fields, not constants: a constant would be copied into the host's code).</summary>
public static class CdcBenchSql
{
    /// <summary>The table the throughput phases fill, update and delete from.</summary>
    public static readonly string AccountTable = "hub.bench_account";

    /// <summary>The bench's own tables (the reader publishes the whole schema, so they are captured like module tables).</summary>
    public static readonly string CreateTables = """
        CREATE SCHEMA IF NOT EXISTS hub;
        CREATE TABLE hub.bench_account (
          id bigint PRIMARY KEY, customer_id uuid NOT NULL, name text NOT NULL, balance numeric(12,2) NOT NULL,
          active boolean NOT NULL, plan_code text, opened_on date, updated_at timestamptz NOT NULL, version int NOT NULL);
        CREATE TABLE hub.bench_lag (
          seq bigint NOT NULL, i int NOT NULL, customer_id uuid NOT NULL, amount numeric(12,2) NOT NULL,
          note text, created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (seq, i));
        """;

    /// <summary>Inserts rows <c>$1 + 1 .. $1 + $2</c>.</summary>
    public static readonly string InsertAccounts = """
        INSERT INTO hub.bench_account
        SELECT g, md5(g::text)::uuid, 'customer ' || g, (g % 100000) / 100.0, g % 3 <> 0, 'PLAN-' || (g % 7),
               date '2020-01-01' + (g % 2000)::int, now(), 0
        FROM generate_series($1 + 1, $1 + $2) AS g
        """;

    /// <summary>Inserts <c>$2</c> probe rows of transaction <c>$1</c>.</summary>
    public static readonly string InsertLagProbe = """
        INSERT INTO hub.bench_lag (seq, i, customer_id, amount, note)
        SELECT $1, g, md5(($1 * 1000 + g)::text)::uuid, g / 10.0, 'lag probe ' || g FROM generate_series(1, $2) AS g
        """;

    public static readonly string CountAccounts = "SELECT count(*) FROM hub.bench_account";

    public static readonly string WarehouseCountAccounts = "SELECT count() FROM hub.bench_account";

    public static readonly string UpdateAccounts = "UPDATE hub.bench_account SET balance = balance + 1, version = version + 1, updated_at = now() WHERE id > $1 AND id <= $2";

    public static readonly string DeleteAccounts = "DELETE FROM hub.bench_account WHERE id > $1 AND id <= $2";

    public static readonly string MaxAccountId = "SELECT coalesce(max(id), 0) FROM hub.bench_account";

    public static readonly string WarehouseLagProbes = "SELECT seq, count() FROM hub.bench_lag WHERE seq >= {from:Int64} GROUP BY seq";

    public static readonly string TouchAccounts = "UPDATE hub.bench_account SET version = version + 1, updated_at = now() WHERE id >= $1 AND id < $2";
}
