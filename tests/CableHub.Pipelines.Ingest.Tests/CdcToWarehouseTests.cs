using System.Globalization;
using CableHub.Pipelines.Cdc;
using CableHub.Pipelines.Cdc.Delivery;
using CableHub.Testing;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CableHub.Pipelines.Ingest.Tests;

/// <summary>
/// PostgreSQL → the hub's CDC reader → embedded Kafka → the ingester → embedded ClickHouse: after snapshot, inserts,
/// updates (TOAST included), a primary-key change, a delete and a truncate, the warehouse's current state equals the
/// operational table, and the replication slot only advanced with the warehouse's acknowledgements.
/// </summary>
public sealed class CdcToWarehouseTests(ClickHouseFixture clickHouse, PostgresFixture postgres, KafkaFixture kafka)
    : IClassFixture<PostgresFixture>, IClassFixture<KafkaFixture>
{
    private const string Schema = """
        CREATE SCHEMA hub;
        CREATE TABLE hub.account (
            id bigint PRIMARY KEY,
            customer_id uuid NOT NULL,
            name text NOT NULL,
            balance numeric(12,2) NOT NULL,
            rate double precision,
            active boolean NOT NULL,
            opened_on date,
            updated_at timestamptz NOT NULL,
            local_ts timestamp,
            tags text[],
            meta jsonb,
            photo bytea,
            small smallint,
            notes text);
        CREATE TABLE hub.plan (code text PRIMARY KEY, price numeric(10,2) NOT NULL);
        """;

    private const string PostgresState = """
        SELECT id::text, customer_id::text, name, (balance * 100)::bigint::text, coalesce(rate::text, 'NULL'), active::text,
               coalesce(opened_on::text, 'NULL'), to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),
               coalesce(to_char(local_ts, 'YYYY-MM-DD HH24:MI:SS.US'), 'NULL'), coalesce(array_to_string(tags, ','), ''),
               coalesce(meta::text, 'NULL'), coalesce(encode(photo, 'hex'), 'NULL'), coalesce(small::text, 'NULL'),
               coalesce(md5(notes), 'NULL')
        FROM hub.account AS a ORDER BY a.id
        """;

    private const string WarehouseState = """
        SELECT toString(id), toString(customer_id), name, toString(toInt64(balance * 100)), ifNull(toString(rate), 'NULL'),
               toString(active), ifNull(toString(opened_on), 'NULL'), toString(updated_at), ifNull(toString(local_ts), 'NULL'),
               arrayStringConcat(tags, ','), ifNull(meta, 'NULL'), ifNull(lower(hex(photo)), 'NULL'), ifNull(toString(small), 'NULL'),
               ifNull(lower(hex(MD5(notes))), 'NULL')
        FROM {hub}.account ORDER BY id
        """;

    [Fact]
    public async Task The_warehouse_mirrors_the_operational_tables_and_the_slot_follows_its_acknowledgements()
    {
        var ct = TestContext.Current.CancellationToken;
        var name = Guid.NewGuid().ToString("N")[..10];
        var pg = await postgres.CreateDatabaseAsync("w" + name);
        await ExecAsync(pg, Schema);
        await ExecAsync(pg, """
            INSERT INTO hub.account VALUES
              (1, '0b3c6a2e-6f7d-4c39-9c55-3d1f1f0d2a11', 'Ann', 12.50, 1.5, true, '2024-01-02', '2024-03-01 10:00:00.123456+00', '2024-03-01 11:00:00.5', '{a,b}', '{"k": 1}', '\x0001ff', 3, 'short'),
              (2, '1b3c6a2e-6f7d-4c39-9c55-3d1f1f0d2a11', 'Bob', 0.00, NULL, false, NULL, '2024-03-02 10:00:00+00', NULL, NULL, NULL, NULL, NULL, NULL),
              (3, '2b3c6a2e-6f7d-4c39-9c55-3d1f1f0d2a11', 'Cid', -7.25, 0.25, true, '1999-12-31', '2024-03-03 10:00:00+00', NULL, '{}', '[]', '\x', -1, 'x');
            INSERT INTO hub.plan VALUES ('basic', 9.99), ('premium', 19.90);
            """);

        using var h = new IngestHarness(clickHouse);
        var prefix = "p" + name;
        var cdcOptions = new CdcReaderOptions
        {
            ConnectionString = pg,
            BootstrapServers = kafka.BootstrapServers,
            Slot = "s" + name,
            Publication = "pub_" + name,
            TopicPrefix = prefix,
            Acknowledgement = AcknowledgementMode.Sink,
            Snapshot = SnapshotMode.Initial,
            StatusInterval = TimeSpan.FromMilliseconds(200),
            HeartbeatInterval = TimeSpan.FromSeconds(1),
            RetryDelay = TimeSpan.FromMilliseconds(200),
            RetryMaxDelay = TimeSpan.FromSeconds(2),
        };
        var reader = new CdcReader(cdcOptions, kafka.Topics, TestLogging.Factory.CreateLogger("cdc"));
        var ingestOptions = new WarehouseIngesterOptions
        {
            BootstrapServers = kafka.BootstrapServers,
            ClickHouseConnectionString = clickHouse.ConnectionString,
            GroupId = "ingest-" + name,
            TopicPattern = $@"^{prefix}\.hub\..+",
            DeadLetterTopic = $"{prefix}.dlq.ingest",
            SchemaTopic = $"{prefix}._schemas", // the reader publishes schemas there; events carry only their id
            Naming = h.Naming,
            FlushInterval = TimeSpan.FromMilliseconds(200),
            TopicRefreshInterval = TimeSpan.FromSeconds(1),
            CompressInserts = false,
        };
        kafka.EnsureTopic(ingestOptions.DeadLetterTopic, 1);
        foreach (var (key, value) in kafka.Consumer())
        {
            if (key is "session.timeout.ms" or "heartbeat.interval.ms" or "max.poll.interval.ms")
            {
                ingestOptions.ConsumerProperties[key] = value;
            }
        }

        await using var ingester = new WarehouseIngester(ingestOptions, TestLogging.Factory, IngestAcknowledger.PerCommit(reader.Gate.Acknowledge));
        using var stop = new CancellationTokenSource();
        var cdcRun = Task.Run(() => reader.RunAsync(stop.Token), ct);
        var ingestRun = Task.Run(() => ingester.RunAsync(stop.Token), ct);
        try
        {
            (await Task.WhenAny(reader.Streaming, cdcRun, Task.Delay(TimeSpan.FromSeconds(60), ct))).ShouldBe(reader.Streaming);

            var bigText = string.Concat(Enumerable.Repeat("toasted text ", 20_000)); // compressed/out of line in PostgreSQL
            await ExecAsync(pg, $$$"""
                INSERT INTO hub.account VALUES
                  (4, '3b3c6a2e-6f7d-4c39-9c55-3d1f1f0d2a11', 'Dee', 100.00, 2.0, true, '2024-02-29', '2024-03-04 10:00:00.000001+00', '2024-03-04 00:00:00', '{"x,y",z}', '{"nested": {"a": [1, 2]}}', '\xdeadbeef', 32767, '{{{bigText}}}'),
                  (5, '4b3c6a2e-6f7d-4c39-9c55-3d1f1f0d2a11', 'Eve', 5.05, NULL, false, NULL, '2024-03-05 10:00:00+00', NULL, NULL, NULL, NULL, NULL, NULL);
                """);
            await ExecAsync(pg, """
                BEGIN;
                UPDATE hub.account SET balance = balance + 1, tags = '{c}', meta = '{"k": 2}', updated_at = '2024-04-01 00:00:00+00' WHERE id = 1;
                UPDATE hub.account SET name = 'Dee II' WHERE id = 4;
                COMMIT;
                UPDATE hub.account SET id = 20 WHERE id = 2;
                DELETE FROM hub.account WHERE id = 3;
                TRUNCATE hub.plan;
                INSERT INTO hub.plan VALUES ('gold', 29.00);
                UPDATE hub.account SET small = 7 WHERE id = 4;
                """);

            var expected = await PostgresRowsAsync(pg, PostgresState);
            expected.Select(r => r[0]).ShouldBe(["1", "4", "5", "20"]);
            await WaitUntilAsync(
                async () =>
                {
                    try
                    {
                        // Topics (tables) are consumed independently: wait for both tables' final state.
                        return (await h.QueryAsync(WarehouseState)).Select(r => string.Join('|', r)).SequenceEqual(expected.Select(r => string.Join('|', r)))
                               && (await h.QueryAsync("SELECT code FROM {hub}.plan ORDER BY code")).Select(r => r[0]).SequenceEqual(["gold"]);
                    }
                    catch (ClickHouse.Driver.ClickHouseServerException e) when (e.ErrorCode == 60)
                    {
                        return false; // the raw table and its view appear with the first event
                    }
                },
                "the warehouse to match PostgreSQL");

            (await h.QueryAsync(WarehouseState)).ShouldBe(expected);
            (await h.QueryAsync("SELECT code, toString(price) FROM {hub}.plan ORDER BY code")).ShouldBe([["gold", "29"]]);
            (await h.ScalarAsync("SELECT count() FROM {raw}._dead_letter")).ShouldBe("0");
            (await h.QueryAsync("SELECT name, type FROM system.columns WHERE database = '" + h.Raw + "' AND table = 'hub_account' AND name IN ('balance', 'updated_at', 'local_ts', 'customer_id', 'opened_on', 'tags') ORDER BY name"))
                .ShouldBe(
                [
                    ["balance", "Decimal(38, 2)"], ["customer_id", "UUID"], ["local_ts", "Nullable(DateTime64(6, 'UTC'))"],
                    ["opened_on", "Nullable(Date32)"], ["tags", "Array(Nullable(String))"], ["updated_at", "DateTime64(6, 'UTC')"],
                ]);

            // The slot moves only with the warehouse's acknowledgements: everything acknowledged, nothing pending.
            await WaitUntilAsync(async () => reader.Gate.Pending == 0 && reader.Gate.InFlight == 0, "the gate to settle");
            var confirmed = await ScalarAsync(pg, $"SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = 's{name}'");
            var current = await ScalarAsync(pg, "SELECT pg_current_wal_lsn()::text");
            NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(confirmed!).ShouldBeGreaterThan(new NpgsqlTypes.NpgsqlLogSequenceNumber(0));
            ((ulong)NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(current!)).ShouldBeGreaterThanOrEqualTo(reader.Gate.SafeLsn);
            ingester.Stats.Snapshot().DeadLetters.ShouldBe(0);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(cdcRun, ingestRun).WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    private static async Task ExecAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
#pragma warning disable CA2100 // test SQL
        await using var cmd = new NpgsqlCommand(sql, conn);
#pragma warning restore CA2100
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<string?> ScalarAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
#pragma warning disable CA2100 // test SQL
        await using var cmd = new NpgsqlCommand(sql, conn);
#pragma warning restore CA2100
        return (await cmd.ExecuteScalarAsync())?.ToString();
    }

    private static async Task<List<string[]>> PostgresRowsAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
#pragma warning disable CA2100 // test SQL
        await using var cmd = new NpgsqlCommand(sql, conn);
#pragma warning restore CA2100
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<string[]>();
        while (await reader.ReadAsync())
        {
            var row = new string[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)!;
            }

            rows.Add(row);
        }

        return rows;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"waited 90 s for {what}");
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }
}
