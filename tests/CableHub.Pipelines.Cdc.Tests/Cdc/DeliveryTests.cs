using System.Diagnostics;
using System.Text.Json;
using CableHub.Pipelines.Cdc.Delivery;
using Npgsql;

namespace CableHub.Pipelines.Cdc.Tests.Cdc;

[Collection("cdc")]
public sealed class DeliveryTests(CdcEnvironment env)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Snapshot_streams_existing_rows_as_reads_then_changes_follow()
    {
        await using var s = await CdcScenario.CreateAsync(env, """
            CREATE TABLE hub.a (id int PRIMARY KEY, v text);
            CREATE TABLE hub.b (id int PRIMARY KEY, v text);
            INSERT INTO hub.a SELECT g, 'a' || g FROM generate_series(1, 500) g;
            INSERT INTO hub.b SELECT g, 'b' || g FROM generate_series(1, 300) g;
            """);
        var reader = await s.StartAsync(s.Options(snapshot: SnapshotMode.Initial));
        await s.ExecAsync("INSERT INTO hub.a VALUES (501, 'new'); UPDATE hub.b SET v = 'changed' WHERE id = 1;");
        var messages = s.Consume(802, Wait, "a", "b");
        messages.Count.ShouldBe(802);
        var reads = messages.Where(m => m.Op == "r").ToList();
        reads.Count.ShouldBe(800);
        reads.Select(m => m.Payload.GetProperty("after").GetProperty("id").GetInt32() + (m.Topic.EndsWith(".b", StringComparison.Ordinal) ? 10_000 : 0))
            .Distinct().Count().ShouldBe(800);
        var snapshotLsn = reads[0].Sequence.Commit;
        reads.ShouldAllBe(m => m.Sequence.Commit == snapshotLsn && m.Source.GetProperty("lsn").GetUInt64() == snapshotLsn);
        reads.ShouldAllBe(m => m.Payload.GetProperty("before").ValueKind == JsonValueKind.Null);
        reads.Select(m => m.Source.GetProperty("snapshot").GetString()).Distinct().Order().ShouldBe(["first", "last", "true"]);
        reads.Count(m => m.Source.GetProperty("snapshot").GetString() == "first").ShouldBe(1);
        reads.Count(m => m.Source.GetProperty("snapshot").GetString() == "last").ShouldBe(1);

        var changes = messages.Where(m => m.Op != "r").ToList();
        changes.Select(m => m.Op).Order().ShouldBe(["c", "u"]);
        changes.ShouldAllBe(m => m.Sequence.Commit > snapshotLsn);
        // per key: the read comes before the update
        var b1 = messages.Where(m => m.Topic == s.Topic("b") && m.Key!.Value.GetProperty("payload").GetProperty("id").GetInt32() == 1).OrderBy(m => m.Offset).Select(m => m.Op);
        b1.ShouldBe(["r", "u"]);

        reader.Stats.SnapshotRows.ShouldBe(800);
        await WaitUntil(async () => await s.ScalarAsync<bool>($"SELECT snapshot_completed_at IS NOT NULL FROM cablehub_cdc.slot_state WHERE slot_name = '{s.Slot}'"));
    }

    [Fact]
    public async Task An_interrupted_snapshot_is_taken_again_on_the_next_start()
    {
        await using var s = await CdcScenario.CreateAsync(env, "CREATE TABLE hub.a (id int PRIMARY KEY); INSERT INTO hub.a SELECT generate_series(1, 50);");
        // the sink never acknowledges: the snapshot stays incomplete
        await s.StartAsync(s.Options(AcknowledgementMode.Sink, SnapshotMode.Initial));
        s.Consume(50, Wait, "a").Count.ShouldBe(50);
        await s.StopAsync();
        (await s.ScalarAsync<bool>($"SELECT snapshot_completed_at IS NOT NULL FROM cablehub_cdc.slot_state WHERE slot_name = '{s.Slot}'")).ShouldBeFalse();

        var reader = await s.StartAsync(s.Options(AcknowledgementMode.Broker, SnapshotMode.Initial));
        reader.Stats.SnapshotRows.ShouldBe(50);
        s.Consume(100, Wait, "a").Count(m => m.Op == "r").ShouldBe(100);
        await WaitUntil(async () => await s.ScalarAsync<bool>($"SELECT snapshot_completed_at IS NOT NULL FROM cablehub_cdc.slot_state WHERE slot_name = '{s.Slot}'"));
    }

    [Fact]
    public async Task Changes_of_one_row_stay_in_one_partition_in_commit_order()
    {
        await using var s = await CdcScenario.CreateAsync(env, "CREATE TABLE hub.counter (id int PRIMARY KEY, n int NOT NULL);");
        await s.StartAsync();
        await s.ExecAsync("INSERT INTO hub.counter SELECT g, 0 FROM generate_series(1, 20) g");
        for (var round = 1; round <= 25; round++)
        {
            // several changes of the same rows inside one transaction, and across transactions
            await s.ExecAsync($"BEGIN; UPDATE hub.counter SET n = n + 1; UPDATE hub.counter SET n = n + 1 WHERE id % 2 = 0; COMMIT;");
        }

        var expected = 20 + (25 * (20 + 10));
        var messages = s.Consume(expected, Wait, "counter");
        messages.Count.ShouldBe(expected);
        foreach (var row in messages.GroupBy(m => m.Key!.Value.GetProperty("payload").GetProperty("id").GetInt32()))
        {
            row.Select(m => m.Partition).Distinct().Count().ShouldBe(1, $"row {row.Key} in one partition");
            var ordered = row.OrderBy(m => m.Offset).ToList();
            var values = ordered.Select(m => m.Payload.GetProperty("after").GetProperty("n").GetInt32()).ToList();
            values.ShouldBe(Enumerable.Range(0, values.Count).ToList(), $"row {row.Key} in order");
            var versions = ordered.Select(m => m.Sequence).ToList();
            versions.ShouldBe(versions.OrderBy(v => v.Commit).ThenBy(v => v.Lsn).ToList());
            versions.Distinct().Count().ShouldBe(versions.Count, "versions are unique per row");
        }
    }

    [Fact]
    public async Task Stopping_restarting_and_killed_connections_lose_nothing()
    {
        await using var s = await CdcScenario.CreateAsync(env, "CREATE TABLE hub.item (id int PRIMARY KEY, v int);");
        await s.StartAsync();
        using var writing = new CancellationTokenSource();
        var written = 0;
        var writer = Task.Run(async () =>
        {
            await using var conn = new NpgsqlConnection(s.ConnectionString);
            await conn.OpenAsync();
            for (var i = 1; i <= 3000; i++)
            {
                await using var cmd = new NpgsqlCommand("INSERT INTO hub.item VALUES (@i, 0)", conn);
                cmd.Parameters.AddWithValue("i", i);
                await cmd.ExecuteNonQueryAsync();
                written = i;
                if (i % 10 == 0)
                {
                    await Task.Delay(1);
                }
            }
        });

        await WaitUntil(() => Task.FromResult(written > 500));
        await s.StopAsync(); // stopped mid-stream
        await WaitUntil(() => Task.FromResult(written > 1200));
        var reader = await s.StartAsync();
        await WaitUntil(() => Task.FromResult(written > 2000));
        // kill the walsender under the running reader: it reconnects and resumes from the slot
        await s.ExecAsync($"SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '{s.Slot}'");
        await writer;

        static HashSet<int> Ids(List<Consumed> messages) => messages.Select(m => m.Payload.GetProperty("after").GetProperty("id").GetInt32()).ToHashSet();
        var messages = s.ConsumeUntil(m => Ids(m).Count >= 3000, Wait, "item");
        var ids = Ids(messages);
        ids.Count.ShouldBe(3000, "every insert arrives at least once");
        await WaitUntil(() => Task.FromResult(reader.Stats.Sessions >= 2));
    }

    [Fact]
    public async Task With_the_sink_gate_the_slot_does_not_pass_an_unacknowledged_transaction()
    {
        await using var s = await CdcScenario.CreateAsync(env, "CREATE TABLE hub.t (id int PRIMARY KEY);");
        var reader = await s.StartAsync(s.Options(AcknowledgementMode.Sink));
        await WaitUntil(async () => await s.ConfirmedFlushAsync() > 0);
        await s.ExecAsync("INSERT INTO hub.t VALUES (1), (2)");
        await s.ExecAsync("INSERT INTO hub.t VALUES (3)");
        var messages = s.Consume(3, Wait, "t");
        messages.Count.ShouldBe(3);
        var commits = messages.Select(m => m.Sequence.Commit).Distinct().Order().ToList();
        commits.Count.ShouldBe(2);

        // heartbeats and status updates go on, but the slot stays before the first transaction
        await Task.Delay(2500);
        (await s.ConfirmedFlushAsync()).ShouldBeLessThanOrEqualTo(commits[0]);
        reader.Gate.Pending.ShouldBeGreaterThanOrEqualTo(2);

        // the second transaction acknowledged first: still blocked by the first
        reader.Gate.Acknowledge(commits[1], 1);
        await Task.Delay(1000);
        (await s.ConfirmedFlushAsync()).ShouldBeLessThanOrEqualTo(commits[0]);

        // a partial acknowledgement of the first is not enough
        reader.Gate.Acknowledge(commits[0], 1);
        await Task.Delay(1000);
        (await s.ConfirmedFlushAsync()).ShouldBeLessThanOrEqualTo(commits[0]);

        reader.Gate.Acknowledge(commits[0], 1);
        await WaitUntil(async () => await s.ConfirmedFlushAsync() > commits[1]);
    }

    [Fact]
    public async Task With_the_broker_gate_the_slot_advances_after_delivery_and_a_restart_replays_nothing_confirmed()
    {
        await using var s = await CdcScenario.CreateAsync(env, "CREATE TABLE hub.t (id int PRIMARY KEY);");
        var reader = await s.StartAsync();
        await s.ExecAsync("INSERT INTO hub.t SELECT generate_series(1, 100)");
        var first = s.Consume(100, Wait, "t");
        var commit = first.Select(m => m.Sequence.Commit).Distinct().Single();
        await WaitUntil(async () => await s.ConfirmedFlushAsync() > commit);
        await s.StopAsync();
        var again = await s.StartAsync();
        await s.ExecAsync("INSERT INTO hub.t VALUES (101)");
        var all = s.Consume(102, TimeSpan.FromSeconds(5), "t");
        all.Count.ShouldBe(101);
        again.Stats.Events.ShouldBe(1);
    }

    [Fact]
    public async Task Throughput_end_to_end()
    {
        const int rows = 100_000;
        await using var s = await CdcScenario.CreateAsync(env, "CREATE TABLE hub.bulk (id int PRIMARY KEY, name text, amount numeric(12,2), at timestamptz);");
        var reader = await s.StartAsync();
        var watch = Stopwatch.StartNew();
        await s.ExecAsync($"INSERT INTO hub.bulk SELECT g, 'name ' || g, g * 1.5, now() FROM generate_series(1, {rows}) g");
        var inserted = watch.Elapsed;
        var progress = Task.Run(async () =>
        {
            while (reader.Stats.Events < rows || reader.Gate.InFlight > 0)
            {
                await Task.Delay(5000);
                TestContext.Current.TestOutputHelper?.WriteLine($"throughput progress: {watch.Elapsed.TotalSeconds:F0} s events={reader.Stats.Events} inflight={reader.Gate.InFlight} safe={reader.Gate.SafeLsn} pending={reader.Gate.Pending}");
            }
        });
        await WaitUntil(() => Task.FromResult(reader.Gate.SafeLsn > 0 && reader.Stats.Events >= rows && reader.Gate.InFlight == 0), TimeSpan.FromMinutes(3));
        var elapsed = watch.Elapsed;
        var rate = rows / elapsed.TotalSeconds;
        TestContext.Current.TestOutputHelper?.WriteLine($"CDC throughput: {rows} inserts captured, encoded and acknowledged by Kafka in {elapsed.TotalSeconds:F2} s (INSERT itself {inserted.TotalSeconds:F2} s): {rate:F0} changes/s");
        TestContext.Current.TestOutputHelper?.WriteLine($"RESULT cdc_throughput {rate:F0} changes/s");
        reader.Stats.Events.ShouldBe(rows);
    }

    internal static async Task WaitUntil(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > (timeout ?? TimeSpan.FromSeconds(60)))
            {
                throw new TimeoutException("condition not met in time");
            }

            await Task.Delay(100);
        }
    }
}
