using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CableHub.Testing;
using Npgsql;

namespace CableHub.Pipelines.Ingest.Tests;

/// <summary>
/// Mixed inserts, updates, deletes (primary-key updates and a TRUNCATE included) over three tables, while the CDC reader
/// and the warehouse ingester — each a process of its own, broker acknowledgement — are SIGKILLed and restarted several
/// times. Afterwards, per table, the warehouse's current state (<c>FINAL</c>) equals PostgreSQL: row count and a checksum
/// over all columns of all rows. <c>CABLEHUB_CRASH_CHANGES</c> sets the number of changes (default 1,000,000: about two
/// minutes here), <c>CABLEHUB_CRASH_KILLS</c> the kills per process (default 3).
/// </summary>
[Trait("Category", "Slow")]
public sealed class CrashConsistencyTests(ClickHouseFixture clickHouse, PostgresFixture postgres, KafkaFixture kafka)
    : IClassFixture<PostgresFixture>, IClassFixture<KafkaFixture>
{
    /// <summary>
    /// The embedded broker keeps 5 MiB per partition (~26k of these messages): room for the backlog while the ingester
    /// is down or, on a loaded CI machine, behind the load (12 was at the edge in bench cdc).
    /// </summary>
    private const int Partitions = 24;

    private const string Schema = """
        CREATE SCHEMA hub;
        CREATE TABLE hub.account (
          id bigint PRIMARY KEY, customer_id uuid NOT NULL, name text NOT NULL, balance numeric(12,2) NOT NULL,
          active boolean NOT NULL, opened_on date, updated_at timestamptz NOT NULL, note text, meta jsonb);
        CREATE TABLE hub.order_line (
          order_id bigint NOT NULL, line int NOT NULL, sku text NOT NULL, qty int NOT NULL, price numeric(10,2) NOT NULL,
          PRIMARY KEY (order_id, line));
        CREATE TABLE hub.device (serial text PRIMARY KEY, model text NOT NULL, status text NOT NULL, changed_at timestamptz NOT NULL);
        """;

    /// <summary>One transaction of the load (about 330 changes); $1 = its number (from 1).</summary>
    private static readonly string[] Transaction =
    [
        """
        INSERT INTO hub.account (id, customer_id, name, balance, active, opened_on, updated_at, note, meta)
        SELECT g, md5(g::text)::uuid, 'customer ' || g, (g % 100000) / 100.0, g % 3 <> 0, date '2020-01-01' + (g % 2000)::int, now(),
               CASE WHEN g % 5 = 0 THEN NULL ELSE 'note ' || g END, jsonb_build_object('g', g, 'tags', jsonb_build_array('a', g % 7))
        FROM generate_series($1 * 100 + 1, $1 * 100 + 100) AS g
        """,
        "UPDATE hub.account SET balance = balance + 1.25, updated_at = now(), note = 'updated in ' || $1 WHERE id > ($1 - 1) * 100 AND id <= ($1 - 1) * 100 + 80",
        "DELETE FROM hub.account WHERE id > ($1 - 5) * 100 + 80 AND id <= ($1 - 5) * 100 + 100",
        "UPDATE hub.account SET id = id + 100000000 WHERE id > ($1 - 3) * 100 AND id <= ($1 - 3) * 100 + 3",
        "INSERT INTO hub.order_line SELECT $1, l, 'SKU-' || (l * 7 % 13), l, l * 1.5 FROM generate_series(1, 40) AS l",
        "UPDATE hub.order_line SET qty = qty + 1, price = price + 0.01 WHERE order_id = $1 - 1 AND line <= 25",
        "DELETE FROM hub.order_line WHERE order_id = $1 - 2 AND line > 35",
        "UPDATE hub.order_line SET line = line + 1000 WHERE order_id = $1 - 2 AND line = 1",
        "INSERT INTO hub.device SELECT 'SN' || lpad(g::text, 9, '0'), 'MODEL-' || (g % 4), 'in_stock', now() FROM generate_series($1 * 30 + 1, $1 * 30 + 30) AS g",
        "UPDATE hub.device SET status = 'installed', changed_at = now() WHERE serial IN (SELECT 'SN' || lpad(g::text, 9, '0') FROM generate_series(($1 - 1) * 30 + 1, ($1 - 1) * 30 + 20) AS g)",
        "DELETE FROM hub.device WHERE serial IN (SELECT 'SN' || lpad(g::text, 9, '0') FROM generate_series(($1 - 3) * 30 + 21, ($1 - 3) * 30 + 24) AS g)",
        "UPDATE hub.device SET serial = 'RN' || substr(serial, 3) WHERE serial = 'SN' || lpad((($1 - 2) * 30 + 25)::text, 9, '0')",
    ];

    /// <summary>Per table: key, then every column as text, the same text in both databases.</summary>
    private static readonly (string Table, string Postgres, string ClickHouse)[] States =
    [
        ("account",
            """
            SELECT id::text, customer_id::text, name, (balance * 100)::bigint::text, active::text, coalesce(opened_on::text, 'NULL'),
                   to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), coalesce(note, 'NULL'), coalesce(meta::text, 'NULL')
            FROM hub.account
            """,
            """
            SELECT toString(id), toString(customer_id), name, toString(toInt64(balance * 100)), toString(active), ifNull(toString(opened_on), 'NULL'),
                   toString(updated_at), ifNull(note, 'NULL'), ifNull(meta, 'NULL')
            FROM {hub}.account
            """),
        ("order_line",
            "SELECT order_id::text || '/' || line::text, sku, qty::text, (price * 100)::bigint::text FROM hub.order_line",
            "SELECT toString(order_id) || '/' || toString(line), sku, toString(qty), toString(toInt64(price * 100)) FROM {hub}.order_line"),
        ("device",
            "SELECT serial, model, status, to_char(changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM hub.device",
            "SELECT serial, model, status, toString(changed_at) FROM {hub}.device"),
    ];

    [Fact]
    public async Task Killed_reader_and_ingester_leave_the_warehouse_equal_to_the_source()
    {
        var ct = TestContext.Current.CancellationToken;
        var changes = int.Parse(Environment.GetEnvironmentVariable("CABLEHUB_CRASH_CHANGES") ?? "1000000", CultureInfo.InvariantCulture);
        var kills = int.Parse(Environment.GetEnvironmentVariable("CABLEHUB_CRASH_KILLS") ?? "3", CultureInfo.InvariantCulture);
        var name = Guid.NewGuid().ToString("N")[..10];
        var pg = await postgres.CreateDatabaseAsync("crash" + name);
        await ExecAsync(pg, Schema, ct);
        var prefix = "crash" + name;
        foreach (var table in States.Select(s => s.Table))
        {
            kafka.EnsureTopic($"{prefix}.hub.{table}", Partitions);
        }

        kafka.EnsureTopic($"{prefix}._schemas", 1);
        kafka.EnsureTopic($"{prefix}.dlq.ingest", 1);

        using var h = new IngestHarness(clickHouse);
        using var reader = new PipelineProcess("cdc",
        [
            "--postgres", pg, "--kafka", kafka.BootstrapServers, "--prefix", prefix, "--slot", "s" + name, "--publication", "pub_" + name,
            "--partitions", Partitions.ToString(CultureInfo.InvariantCulture),
        ]);
        using var ingester = new PipelineProcess("ingest",
        [
            "--kafka", kafka.BootstrapServers, "--clickhouse", clickHouse.ConnectionString, "--prefix", prefix, "--group", "ingest-" + name,
            "--raw-db", h.Raw, "--view-db", h.Hub,
        ]);
        reader.Start();
        ingester.Start();
        await WaitForSlotAsync(pg, "s" + name, reader, ct);

        // The load, in transactions of ~330 changes; one TRUNCATE half-way.
        var written = 0L;
        var clock = Stopwatch.StartNew();
        var load = Task.Run(
            async () =>
            {
                await using var conn = new NpgsqlConnection(pg);
                await conn.OpenAsync(ct);
                var truncated = false;
                for (var k = 1L; Volatile.Read(ref written) < changes; k++)
                {
                    if (!truncated && Volatile.Read(ref written) >= changes / 2)
                    {
                        await using var truncate = new NpgsqlCommand("TRUNCATE hub.device", conn);
                        await truncate.ExecuteNonQueryAsync(ct);
                        truncated = true;
                        Interlocked.Increment(ref written);
                    }

                    await using var batch = new NpgsqlBatch(conn);
                    foreach (var sql in Transaction)
                    {
                        batch.BatchCommands.Add(new NpgsqlBatchCommand(sql) { Parameters = { new() { Value = k } } });
                    }

                    await using var tx = await conn.BeginTransactionAsync(ct);
                    batch.Transaction = tx;
                    var affected = await batch.ExecuteNonQueryAsync(ct);
                    await tx.CommitAsync(ct);
                    Interlocked.Add(ref written, affected);
                }
            },
            ct);

        // Chaos: SIGKILL the reader and the ingester in turn at random moments, restart each after a short pause.
        var random = new Random(20240501);
        while (!load.IsCompleted || reader.Kills < kills || ingester.Kills < kills)
        {
            await Task.WhenAny(load, Task.Delay(random.Next(1_500, 4_000), ct));
            if (load.IsFaulted)
            {
                await load;
            }

            if (reader.Kills >= kills && ingester.Kills >= kills)
            {
                continue;
            }

            var victim = reader.Kills <= ingester.Kills ? reader : ingester;
            victim.Kill();
            await Task.Delay(random.Next(100, 1_000), ct);
            victim.Start();
        }

        await load;
        var loadSeconds = clock.Elapsed.TotalSeconds;
        TestContext.Current.TestOutputHelper?.WriteLine($"{written:N0} changes in {loadSeconds:0.0} s; reader killed {reader.Kills}x, ingester killed {ingester.Kills}x");

        // Converge: every table's FINAL state equals PostgreSQL's (count and checksum over all columns). Gives up after
        // 4 minutes without progress (the warehouse's counts and checksums stand still), so a slow CI machine still converges.
        var deadline = Stopwatch.StartNew();
        var previous = string.Empty;
        List<string> differences;
        var summary = new List<string>();
        while (true)
        {
            differences = [];
            summary.Clear();
            foreach (var (table, pgSql, chSql) in States)
            {
                var source = await PostgresRowsAsync(pg, pgSql, ct);
                var warehouse = await WarehouseRowsAsync(h, chSql);
                var (sourceSum, warehouseSum) = (Checksum(source), Checksum(warehouse));
                if (source.Count != warehouse.Count || sourceSum != warehouseSum)
                {
                    var missing = source.Keys.Except(warehouse.Keys).Take(3);
                    var extra = warehouse.Keys.Except(source.Keys).Take(3);
                    var changed = source.Keys.Intersect(warehouse.Keys).Where(k => source[k] != warehouse[k]).Take(3).Select(k => $"{k}: {source[k]} ≠ {warehouse[k]}");
                    differences.Add($"{table}: PostgreSQL {source.Count:N0} rows (checksum {sourceSum:x16}), warehouse {warehouse.Count:N0} ({warehouseSum:x16}); " +
                                    $"missing [{string.Join(", ", missing)}] extra [{string.Join(", ", extra)}] changed [{string.Join("; ", changed)}]");
                }
                else
                {
                    summary.Add($"{table}: {source.Count:N0} rows, checksum {sourceSum:x16} in both");
                }
            }

            if (differences.Count == 0 || deadline.Elapsed > TimeSpan.FromMinutes(4) || clock.Elapsed > TimeSpan.FromMinutes(30))
            {
                break;
            }

            var state = string.Join("\n", differences);
            if (state != previous)
            {
                previous = state;
                deadline.Restart();
            }

            // Only the test kills them: a worker that ended by itself failed.
            reader.Running.ShouldBeTrue($"the reader exited by itself:\n{reader.Tail()}");
            ingester.Running.ShouldBeTrue($"the ingester exited by itself:\n{ingester.Tail()}");

            await Task.Delay(2_000, ct);
        }

        if (differences.Count > 0)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"--- reader\n{reader.Tail(60_000)}\n--- ingester\n{ingester.Tail(60_000)}");
        }

        differences.ShouldBeEmpty(
            $"after {written:N0} changes, {reader.Kills} reader and {ingester.Kills} ingester kills:\n{string.Join('\n', differences)}\n" +
            $"--- reader\n{reader.Tail()}\n--- ingester\n{ingester.Tail()}");
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("; ", summary) + $"; converged {deadline.Elapsed.TotalSeconds:0} s after the load");
        (await h.ScalarAsync("SELECT count() FROM {raw}._dead_letter")).ShouldBe("0");
        (await h.ScalarAsync("SELECT count() FROM {raw}._truncations")).ShouldNotBe("0");
        reader.Kills.ShouldBeGreaterThanOrEqualTo(kills);
        ingester.Kills.ShouldBeGreaterThanOrEqualTo(kills);
    }

    /// <summary>The reader created its slot (before the load starts, so every change is captured).</summary>
    private static async Task WaitForSlotAsync(string pg, string slot, PipelineProcess reader, CancellationToken ct)
    {
        var until = Stopwatch.StartNew();
        while (await ScalarAsync(pg, $"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{slot}'", ct) is 0L)
        {
            if (until.Elapsed > TimeSpan.FromSeconds(90))
            {
                throw new TimeoutException("the reader created no slot:\n" + reader.Tail());
            }

            await Task.Delay(100, ct);
        }
    }

    /// <summary>Sum of the rows' SHA-256 (first 8 bytes): independent of row order.</summary>
    private static ulong Checksum(Dictionary<string, string> rows)
    {
        ulong sum = 0;
        foreach (var (key, row) in rows)
        {
            sum += BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(key + "\u0001" + row)), 0);
        }

        return sum;
    }

    private static async Task<Dictionary<string, string>> PostgresRowsAsync(string pg, string sql, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(pg);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            rows[reader.GetString(0)] = string.Join('|', Enumerable.Range(1, reader.FieldCount - 1).Select(reader.GetString));
        }

        return rows;
    }

    private static async Task<Dictionary<string, string>> WarehouseRowsAsync(IngestHarness h, string sql)
    {
        try
        {
            var rows = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var row in await h.QueryAsync(sql))
            {
                rows[row[0]] = string.Join('|', row.Skip(1));
            }

            return rows;
        }
        catch (ClickHouse.Driver.ClickHouseServerException e) when (e.ErrorCode == 60)
        {
            return []; // the raw table and its view appear with the first event
        }
    }

    private static async Task ExecAsync(string pg, string sql, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(pg);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<object?> ScalarAsync(string pg, string sql, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(pg);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteScalarAsync(ct);
    }
}
