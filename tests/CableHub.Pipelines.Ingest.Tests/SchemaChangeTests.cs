using System.Diagnostics;
using System.Globalization;
using CableHub.Pipelines.Cdc;
using CableHub.Pipelines.Cdc.Delivery;
using CableHub.Testing;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CableHub.Pipelines.Ingest.Tests;

/// <summary>
/// While a writer keeps inserting and updating, the source table gains a column, loses one, and a new table appears —
/// the reader and the ingester keep running (one reader session, no restart) and the warehouse ends equal to PostgreSQL:
/// the new column typed from the published schema, the dropped one no longer filled, the new table created and complete.
/// </summary>
public sealed class SchemaChangeTests(ClickHouseFixture clickHouse, PostgresFixture postgres, KafkaFixture kafka)
    : IClassFixture<PostgresFixture>, IClassFixture<KafkaFixture>
{
    [Fact]
    public async Task Add_column_drop_column_and_a_new_table_while_streaming_lose_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var name = Guid.NewGuid().ToString("N")[..10];
        var pg = await postgres.CreateDatabaseAsync("sc" + name);
        await ExecAsync(pg, """
            CREATE SCHEMA hub;
            CREATE TABLE hub.stream (id bigint PRIMARY KEY, v int NOT NULL, dropme text NOT NULL DEFAULT 'gone soon');
            """, ct);

        using var h = new IngestHarness(clickHouse);
        var prefix = "sc" + name;
        var reader = new CdcReader(
            new CdcReaderOptions
            {
                ConnectionString = pg,
                BootstrapServers = kafka.BootstrapServers,
                Slot = "s" + name,
                Publication = "pub_" + name,
                TopicPrefix = prefix,
                Acknowledgement = AcknowledgementMode.Sink,
                StatusInterval = TimeSpan.FromMilliseconds(200),
                HeartbeatInterval = TimeSpan.FromSeconds(1),
            },
            kafka.Topics,
            TestLogging.Factory.CreateLogger("cdc"));
        var ingestOptions = new WarehouseIngesterOptions
        {
            BootstrapServers = kafka.BootstrapServers,
            ClickHouseConnectionString = clickHouse.ConnectionString,
            GroupId = "ingest-" + name,
            TopicPattern = $@"^{prefix}\.hub\..+",
            DeadLetterTopic = $"{prefix}.dlq.ingest",
            SchemaTopic = $"{prefix}._schemas",
            Naming = h.Naming,
            FlushInterval = TimeSpan.FromMilliseconds(200),
            TopicRefreshInterval = TimeSpan.FromSeconds(1),
            CompressInserts = false,
        };
        ingestOptions.ConsumerProperties["session.timeout.ms"] = "3000";
        ingestOptions.ConsumerProperties["heartbeat.interval.ms"] = "500";
        kafka.EnsureTopic(ingestOptions.DeadLetterTopic, 1);
        await using var ingester = new WarehouseIngester(ingestOptions, TestLogging.Factory, IngestAcknowledger.PerCommit(reader.Gate.Acknowledge));
        using var stop = new CancellationTokenSource();
        var cdcRun = Task.Run(() => reader.RunAsync(stop.Token), ct);
        var ingestRun = Task.Run(() => ingester.RunAsync(stop.Token), ct);
        using var writerStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            await reader.Streaming.WaitAsync(TimeSpan.FromSeconds(60), ct);

            // A writer that never stops during the DDL: inserts, and updates of rows written a moment ago.
            var written = 0L;
            var writer = Task.Run(
                async () =>
                {
                    await using var conn = new NpgsqlConnection(pg);
                    await conn.OpenAsync(ct);
                    for (var k = 1L; !writerStop.IsCancellationRequested; k++)
                    {
                        await using var batch = new NpgsqlBatch(conn)
                        {
                            BatchCommands =
                            {
                                new NpgsqlBatchCommand("INSERT INTO hub.stream (id, v) SELECT g, g % 1000 FROM generate_series($1 * 20 + 1, $1 * 20 + 20) AS g")
                                {
                                    Parameters = { new() { Value = k } },
                                },
                                new NpgsqlBatchCommand("UPDATE hub.stream SET v = v + 1 WHERE id > ($1 - 1) * 20 AND id <= ($1 - 1) * 20 + 5")
                                {
                                    Parameters = { new() { Value = k } },
                                },
                            },
                        };
                        await batch.ExecuteNonQueryAsync(CancellationToken.None);
                        Interlocked.Exchange(ref written, k);
                        await Task.Delay(10, CancellationToken.None);
                    }
                },
                CancellationToken.None);

            async Task AfterMoreRowsAsync()
            {
                var at = Interlocked.Read(ref written);
                await WaitUntilAsync(() => Task.FromResult(Interlocked.Read(ref written) >= at + 20 || writer.IsCompleted), "the writer");
            }

            await AfterMoreRowsAsync();
            await ExecAsync(pg, "ALTER TABLE hub.stream ADD COLUMN extra timestamptz", ct);
            await AfterMoreRowsAsync();
            await ExecAsync(pg, "UPDATE hub.stream SET extra = '2024-06-01 12:00:00.5+00'::timestamptz + id * interval '1 second' WHERE id % 3 = 0", ct);
            await AfterMoreRowsAsync();
            await ExecAsync(pg, "ALTER TABLE hub.stream DROP COLUMN dropme", ct);
            await AfterMoreRowsAsync();
            await ExecAsync(pg, """
                CREATE TABLE hub.fresh (id int PRIMARY KEY, label text NOT NULL, amount numeric(8,3));
                INSERT INTO hub.fresh SELECT g, 'label ' || g, g / 8.0 FROM generate_series(1, 500) AS g;
                UPDATE hub.fresh SET label = 'changed' WHERE id <= 10;
                DELETE FROM hub.fresh WHERE id > 490;
                """, ct);
            await ExecAsync(pg, "UPDATE hub.stream SET extra = '2030-01-01 00:00:00+00' WHERE id % 3 = 1", ct);
            await AfterMoreRowsAsync();
            await writerStop.CancelAsync();
            await writer;

            const string PgStream = "SELECT id::text, v::text, coalesce(to_char(extra AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), 'NULL') FROM hub.stream ORDER BY id";
            const string ChStream = "SELECT toString(id), toString(v), ifNull(toString(extra), 'NULL') FROM {hub}.stream ORDER BY id";
            const string PgFresh = "SELECT id::text, label, (amount * 1000)::bigint::text FROM hub.fresh ORDER BY id";
            const string ChFresh = "SELECT toString(id), label, toString(toInt64(amount * 1000)) FROM {hub}.fresh ORDER BY id";
            var expectedStream = await PostgresRowsAsync(pg, PgStream, ct);
            var expectedFresh = await PostgresRowsAsync(pg, PgFresh, ct);
            expectedFresh.Count.ShouldBe(490);
            await WaitUntilAsync(
                async () =>
                {
                    try
                    {
                        return Same(await h.QueryAsync(ChStream), expectedStream) && Same(await h.QueryAsync(ChFresh), expectedFresh);
                    }
                    catch (ClickHouse.Driver.ClickHouseServerException e) when (e.ErrorCode is 60 or 47)
                    {
                        return false; // the new table, or the new column, is not there yet
                    }
                },
                "the warehouse to match PostgreSQL",
                async () => $"stream: {await DescribeAsync(h, ChStream, expectedStream)}; fresh: {await DescribeAsync(h, ChFresh, expectedFresh)}; " +
                            $"ingester {System.Text.Json.JsonSerializer.Serialize(ingester.Stats.Snapshot())}; reader events {reader.Stats.Events}, in flight {reader.Gate.InFlight}");

            reader.Stats.Sessions.ShouldBe(1); // no restart
            (await h.ScalarAsync("SELECT count() FROM {raw}._dead_letter")).ShouldBe("0");
            (await h.QueryAsync($"SELECT name, type FROM system.columns WHERE database = '{h.Raw}' AND table = 'hub_stream' AND name IN ('extra', 'dropme') ORDER BY name"))
                .ShouldBe([["dropme", "String"], ["extra", "Nullable(DateTime64(6, 'UTC'))"]]);
            (await h.QueryAsync($"SELECT type FROM system.columns WHERE database = '{h.Raw}' AND table = 'hub_fresh' AND name = 'amount'")).ShouldBe([["Nullable(Decimal(38, 3))"]]);

            // Rows written before the drop keep the value they had; rows written after it have none.
            var droppedAt = await h.ScalarAsync("SELECT countIf(dropme = 'gone soon') FROM {hub}.stream");
            long.Parse(droppedAt, CultureInfo.InvariantCulture).ShouldBeGreaterThan(0);
            long.Parse(await h.ScalarAsync("SELECT countIf(dropme = '') FROM {hub}.stream"), CultureInfo.InvariantCulture).ShouldBeGreaterThan(0);
        }
        finally
        {
            await writerStop.CancelAsync();
            await stop.CancelAsync();
            await Task.WhenAll(cdcRun, ingestRun).WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    /// <summary>Same rows, whatever the order (PostgreSQL sorts the text key as text, ClickHouse the number).</summary>
    private static bool Same(List<string[]> actual, List<string[]> expected) =>
        actual.Count == expected.Count
        && actual.Select(r => string.Join('|', r)).Order(StringComparer.Ordinal).SequenceEqual(expected.Select(r => string.Join('|', r)).Order(StringComparer.Ordinal));

    private static async Task<string> DescribeAsync(IngestHarness h, string sql, List<string[]> expected)
    {
        try
        {
            var actual = await h.QueryAsync(sql);
            var expectedRows = expected.Select(r => string.Join('|', r)).ToHashSet();
            var actualRows = actual.Select(r => string.Join('|', r)).ToHashSet();
            return $"{actual.Count} rows (expected {expected.Count}); missing [{string.Join(", ", expectedRows.Except(actualRows).Take(5))}] " +
                   $"unexpected [{string.Join(", ", actualRows.Except(expectedRows).Take(5))}]";
        }
        catch (ClickHouse.Driver.ClickHouseServerException e)
        {
            return e.Message;
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, Func<Task<string>>? describe = null)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(120))
            {
                throw new TimeoutException($"waited 120 s for {what}" + (describe is null ? "" : ": " + await describe()));
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static async Task ExecAsync(string pg, string sql, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(pg);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<List<string[]>> PostgresRowsAsync(string pg, string sql, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(pg);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<string[]>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetString)]);
        }

        return rows;
    }
}
