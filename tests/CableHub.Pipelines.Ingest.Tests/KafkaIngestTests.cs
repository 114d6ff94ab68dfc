using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using CableHub.Testing;

namespace CableHub.Pipelines.Ingest.Tests;

/// <summary>The whole ingester: the embedded Kafka (librdkafka mock cluster), a consumer group, ClickHouse, commits.</summary>
public sealed class KafkaIngestTests(ClickHouseFixture clickHouse, KafkaFixture kafka) : IClassFixture<KafkaFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly KafkaTestClient _kafka = new(kafka);
    private readonly IngestHarness _h = new(clickHouse);
    private readonly string _group = "ingest-" + Guid.NewGuid().ToString("N")[..8];

    private WarehouseIngester NewIngester(IIngestAcknowledger? acknowledger = null, Action<WarehouseIngesterOptions>? configure = null)
    {
        var options = new WarehouseIngesterOptions
        {
            BootstrapServers = _kafka.BootstrapServers,
            ClickHouseConnectionString = clickHouse.ConnectionString,
            GroupId = _group,
            TopicPattern = _kafka.TopicPattern,
            DeadLetterTopic = _kafka.DeadLetterTopic,
            Naming = _h.Naming,
            FlushInterval = TimeSpan.FromMilliseconds(200),
            TopicRefreshInterval = TimeSpan.FromSeconds(1),
            CompressInserts = true,
            Retry = new RetrySettings { MaxRetryAttempts = 5, BaseDelay = TimeSpan.FromMilliseconds(50) },
        };
        _kafka.ConfigureConsumer(options.ConsumerProperties);
        configure?.Invoke(options);
        return new WarehouseIngester(options, TestLogging.Factory, acknowledger);
    }

    private async Task ProduceFixtureAsync(string topic, string fixture)
    {
        foreach (var line in Fixture.Lines(fixture))
        {
            await _kafka.ProduceAsync(topic, 0, IngestHarness.KeyFor(line), line);
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"waited {Patience} for {what}");
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static async Task StopAsync(CancellationTokenSource stop, Task run)
    {
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Ingests_matching_topics_commits_offsets_and_acknowledges_commit_lsns()
    {
        var topic = _kafka.CreateTopic(_kafka.Topic("products"));
        await ProduceFixtureAsync(topic, Fixture.SchemaInclude);
        var other = _kafka.CreateTopic($"{_kafka.Prefix}.other.products");
        await _kafka.ProduceAsync(other, 0, """{"id":999}"""u8.ToArray(), Fixture.Lines(Fixture.SchemaInclude)[0]); // not matched
        var acknowledged = new ConcurrentQueue<(ulong Lsn, int Events)>();
        var batches = new ConcurrentQueue<IngestedBatch>();
        await using var ingester = NewIngester(IngestAcknowledger.FromDelegate((batch, _) =>
        {
            batches.Enqueue(batch);
            foreach (var commit in batch.Commits)
            {
                acknowledged.Enqueue((commit.CommitLsn, commit.Events));
            }

            return ValueTask.CompletedTask;
        }));
        using var stop = new CancellationTokenSource();
        var run = ingester.RunAsync(stop.Token);

        await WaitUntilAsync(async () => ingester.Stats.EventsIngested >= 16, "16 events");
        (await _h.QueryAsync("SELECT id, name, weight FROM {hub}.inventory_products ORDER BY id")).Count.ShouldBe(10);

        // A topic created while running is found through the pattern.
        var late = _kafka.CreateTopic(_kafka.Topic("late"));
        await _kafka.ProduceAsync(late, 0, """{"id":1}"""u8.ToArray(), """{"after":{"id":1,"x":"late"},"source":{"schema":"hub","table":"late","lsn":900,"sequence":["901","900"]},"op":"c"}"""u8.ToArray());
        await WaitUntilAsync(async () => ingester.Stats.EventsIngested >= 17, "the late topic");
        await StopAsync(stop, run);

        (await _h.QueryAsync("SELECT x FROM {hub}.late")).ShouldBe([["late"]]);
        (await _h.QueryAsync($"SELECT count() FROM {{raw}}.inventory_products WHERE _topic != '{topic}'")).ShouldBe([["0"]]);
        _kafka.Committed(_group, topic)[0].ShouldBe(16);
        _kafka.Committed(_group, late)[0].ShouldBe(1);
        _kafka.Committed(_group, other)[0].ShouldBeLessThan(0);

        // Per commit LSN (no sequence in these old events: lsn), as many events as carried it.
        var byLsn = acknowledged.GroupBy(a => a.Lsn).ToDictionary(g => g.Key, g => g.Sum(a => a.Events));
        byLsn[34078720UL].ShouldBe(9); // the snapshot
        byLsn[34133800UL].ShouldBe(1); // the delete
        byLsn[901UL].ShouldBe(1);      // sequence[0] of the hub reader's event
        batches.Sum(b => b.Events).ShouldBe(17);
        batches.SelectMany(b => b.CommittedOffsets).ShouldContain(new PartitionOffset(topic, 0, 16));

        var stats = ingester.Stats.Snapshot();
        stats.State.ShouldBe(IngesterState.Stopped);
        stats.RowsWritten.ShouldBe(17);
        stats.DeadLetters.ShouldBe(0);
        stats.Lag.ShouldBe(0);
        stats.Batches.ShouldBeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task A_consumer_restarted_before_committing_replays_and_final_has_no_duplicates()
    {
        var topic = _kafka.CreateTopic(_kafka.Topic("products"));
        await ProduceFixtureAsync(topic, Fixture.SchemaExclude);

        // One batch holding all 16 events: the crash comes after ClickHouse has all of them.
        await using (var crashing = NewIngester(configure: o => { o.BatchSize = 16; o.FlushInterval = TimeSpan.FromSeconds(30); }))
        {
            crashing.BeforeCommit = () => throw new InvalidOperationException("crash between ClickHouse and the offset commit");
            var error = await Should.ThrowAsync<InvalidOperationException>(() => crashing.RunAsync(TestContext.Current.CancellationToken));
            error.Message.ShouldContain("crash between");
            crashing.Stats.Snapshot().State.ShouldBe(IngesterState.Faulted);
        }

        (await _h.ScalarAsync("SELECT count() FROM {hub}.inventory_products")).ShouldBe("10"); // ClickHouse has it…
        _kafka.Committed(_group, topic)[0].ShouldBeLessThan(0);                                // …Kafka does not.

        await using var restarted = NewIngester();
        using var stop = new CancellationTokenSource();
        var run = restarted.RunAsync(stop.Token);
        await WaitUntilAsync(async () => restarted.Stats.EventsIngested >= 16, "the replay");
        await StopAsync(stop, run);

        restarted.Stats.RowsWritten.ShouldBe(16); // everything was written again…
        (await _h.QueryAsync("SELECT id, name, description, weight FROM {hub}.inventory_products ORDER BY id")).Count.ShouldBe(10); // …and collapsed
        (await _h.ScalarAsync("SELECT count() FROM {raw}.inventory_products FINAL")).ShouldBe("10");
        (await _h.ScalarAsync("SELECT description FROM {hub}.inventory_products WHERE id = 106")).ShouldBe("18oz carpenter hammer");
        _kafka.Committed(_group, topic)[0].ShouldBe(16);
    }

    [Fact]
    public async Task Bad_messages_go_to_the_dead_letter_topic_and_table_and_offsets_move_on()
    {
        var topic = _kafka.CreateTopic(_kafka.Topic("account"));
        await _kafka.ProduceAsync(topic, 1, """{"id":1}"""u8.ToArray(), """{"after":{"id":1,"v":"a"},"source":{"schema":"hub","table":"account","lsn":10},"op":"c"}"""u8.ToArray());
        await _kafka.ProduceAsync(topic, 1, """{"id":2}"""u8.ToArray(), "{not json"u8.ToArray());
        await _kafka.ProduceAsync(topic, 1, """{"id":3}"""u8.ToArray(), """{"after":{"id":3,"v":"c"},"source":{"schema":"hub","table":"account","lsn":30},"op":"c"}"""u8.ToArray());
        await _kafka.ProduceAsync(topic, 1, """{"id":3}"""u8.ToArray(), null); // tombstone

        await using var ingester = NewIngester();
        using var stop = new CancellationTokenSource();
        var run = ingester.RunAsync(stop.Token);
        await WaitUntilAsync(async () => ingester.Stats.EventsIngested >= 4, "4 messages");
        await StopAsync(stop, run);

        (await _h.QueryAsync("SELECT id, v FROM {hub}.account ORDER BY id")).ShouldBe([["1", "a"], ["3", "c"]]);
        _kafka.Committed(_group, topic)[1].ShouldBe(4);
        (await _h.QueryAsync("SELECT topic, partition, offset, key, value FROM {raw}._dead_letter"))
            .ShouldBe([[topic, "1", "1", """{"id":2}""", "{not json"]]);

        var dlq = _kafka.ReadAll(_kafka.DeadLetterTopic, 1, 1, TimeSpan.FromSeconds(20));
        dlq.Count.ShouldBe(1);
        var message = dlq[0].Message;
        Encoding.UTF8.GetString(message.Value!).ShouldBe("{not json");
        Encoding.UTF8.GetString(message.Key!).ShouldBe("""{"id":2}""");
        string Header(string name) => Encoding.UTF8.GetString(message.Headers.GetLastBytes(name));
        Header("__connect.errors.topic").ShouldBe(topic);
        Header("__connect.errors.partition").ShouldBe("1");
        Header("__connect.errors.offset").ShouldBe("1");
        Header("__connect.errors.exception.message").ShouldStartWith("value: malformed JSON at line 1");

        var stats = ingester.Stats.Snapshot();
        stats.DeadLetters.ShouldBe(1);
        stats.Tombstones.ShouldBe(1);
        stats.RowsWritten.ShouldBe(2);
    }

    [Fact]
    public async Task A_row_clickhouse_refuses_is_dead_lettered_with_its_original_message()
    {
        var topic = _kafka.CreateTopic(_kafka.Topic("payment"));
        await _h.Tables.EnsureInfrastructureAsync(TestContext.Current.CancellationToken);
        await _h.Tables.EnsureTableAsync("hub", "payment", """{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"},{"type":"int64","optional":false,"field":"cents"}]}""", ["id"], TestContext.Current.CancellationToken);
        await _h.QueryAsync("ALTER TABLE {raw}.hub_payment ADD CONSTRAINT non_negative CHECK cents >= 0");
        string Event(int id, int cents) => $$"""{"after":{"id":{{id}},"cents":{{cents}}},"source":{"schema":"hub","table":"payment","lsn":{{id}}},"op":"c"}""";
        await _kafka.ProduceAsync(topic, 2, """{"id":1}"""u8.ToArray(), Encoding.UTF8.GetBytes(Event(1, 100)));
        await _kafka.ProduceAsync(topic, 2, """{"id":2}"""u8.ToArray(), Encoding.UTF8.GetBytes(Event(2, -5)));
        await _kafka.ProduceAsync(topic, 2, """{"id":3}"""u8.ToArray(), Encoding.UTF8.GetBytes(Event(3, 300)));

        await using var ingester = NewIngester();
        using var stop = new CancellationTokenSource();
        var run = ingester.RunAsync(stop.Token);
        try
        {
            await WaitUntilAsync(async () => _kafka.Committed(_group, topic)[2] == 3, "all three committed");
        }
        finally
        {
            await StopAsync(stop, run);
        }

        (await _h.QueryAsync("SELECT id FROM {hub}.payment ORDER BY id")).ShouldBe([["1"], ["3"]]);
        var deadLetter = (await _h.QueryAsync("SELECT offset, key, value, reason FROM {raw}._dead_letter")).Single();
        deadLetter[0].ShouldBe("1");
        deadLetter[1].ShouldBe("""{"id":2}""");
        deadLetter[2].ShouldBe(Event(2, -5));
        deadLetter[3].ShouldContain("VIOLATED_CONSTRAINT");
        var copy = _kafka.ReadAll(_kafka.DeadLetterTopic, 1, 1, TimeSpan.FromSeconds(20)).Single();
        Encoding.UTF8.GetString(copy.Message.Value!).ShouldBe(Event(2, -5));
    }

    [Fact]
    public async Task While_clickhouse_is_unreachable_the_batch_is_retried_and_nothing_is_committed()
    {
        var topic = _kafka.CreateTopic(_kafka.Topic("ticket"));
        await using var proxy = new TcpToggleProxy(clickHouse.HttpAddress);
        var viaProxy = System.Text.RegularExpressions.Regex.Replace(clickHouse.ConnectionString, @"Port=\d+", $"Port={proxy.Port}");
        viaProxy.ShouldContain($"Port={proxy.Port}");
        string Event(int id) => $$"""{"after":{"id":{{id}},"state":"open"},"source":{"schema":"hub","table":"ticket","lsn":{{id}}},"op":"c"}""";

        await using var ingester = NewIngester(configure: o =>
        {
            o.ClickHouseConnectionString = viaProxy;
            o.Retry = new RetrySettings { BaseDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(300) }; // retry forever
        });
        using var stop = new CancellationTokenSource();
        var run = ingester.RunAsync(stop.Token);
        try
        {
            await _kafka.ProduceAsync(topic, 0, """{"id":1}"""u8.ToArray(), Encoding.UTF8.GetBytes(Event(1)));
            await WaitUntilAsync(async () => _kafka.Committed(_group, topic)[0] == 1, "the first event committed");

            proxy.Down();
            for (var id = 2; id <= 4; id++)
            {
                await _kafka.ProduceAsync(topic, 0, Encoding.UTF8.GetBytes($$"""{"id":{{id}}}"""), Encoding.UTF8.GetBytes(Event(id)));
            }

            await WaitUntilAsync(async () => ingester.Stats.Snapshot().Retries >= 3, "retries");
            _kafka.Committed(_group, topic)[0].ShouldBe(1);

            // Live lag: what is read but not in the warehouse counts as behind, with its age.
            await WaitUntilAsync(async () => ingester.Stats.Lag == 3 && ingester.Stats.Snapshot().LagSeconds > 0, "the lag to show the 3 unwritten events");
            ingester.Stats.Snapshot().State.ShouldBe(IngesterState.Retrying);
            ingester.Stats.Snapshot().LastError.ShouldNotBeNull();

            proxy.Up();
            await WaitUntilAsync(async () => _kafka.Committed(_group, topic)[0] == 4, "the rest committed after ClickHouse came back");
            await WaitUntilAsync(async () => ingester.Stats.Lag == 0 && ingester.Stats.Snapshot().LagSeconds == 0, "the lag back to 0");
        }
        finally
        {
            await StopAsync(stop, run);
        }

        (await _h.QueryAsync("SELECT id FROM {hub}.ticket ORDER BY id")).ShouldBe([["1"], ["2"], ["3"], ["4"]]);
        ingester.Stats.DeadLetters.ShouldBe(0);
        ingester.Stats.Snapshot().State.ShouldBe(IngesterState.Stopped);
    }

    /// <summary>
    /// Throughput end to end (broker → ingester → ClickHouse, committed), printed as a RESULT line. Not a speed
    /// assertion: it checks that every event landed once; the figure goes into the report/benchmarks.
    /// </summary>
    [Fact]
    [Trait("Category", "Measurement")]
    public async Task Throughput_end_to_end()
    {
        // 4 topics × 4 partitions; ~560-byte events: 100k events stay below the mock broker's 5 MiB per partition.
        const int tables = 4;
        const int perTable = 25_000;
        const int total = tables * perTable;
        var produce = Stopwatch.StartNew();
        for (var t = 0; t < tables; t++)
        {
            var topic = _kafka.CreateTopic(_kafka.Topic($"bench{t}"));
            for (var i = 0; i < perTable; i++)
            {
                var lsn = 1_000_000L + (i * 10);
                var value = $$"""{"before":null,"after":{"id":{{i}},"account_id":"0b3c6a2e-6f7d-4c39-9c55-3d1f1f0d2a11","status":"active","plan":"premium-hd","amount":"{{i % 1000}}.50","updated_at":"2024-03-01T10:00:00.123456Z","device_count":{{i % 7}}},"source":{"version":"2.7.0","connector":"postgresql","name":"cablehub","ts_ms":1709287200000,"snapshot":"false","db":"cablehub","schema":"hub","table":"bench{{t}}","txId":{{i}},"lsn":{{lsn}},"sequence":["{{lsn + 5}}","{{lsn}}"]},"op":"c","ts_ms":1709287200001}""";
                _kafka.Produce(topic, i % 4, Encoding.UTF8.GetBytes($$"""{"id":{{i}}}"""), Encoding.UTF8.GetBytes(value));
            }
        }

        _kafka.Flush();
        produce.Stop();

        await using var ingester = NewIngester(configure: o => { o.BatchSize = 50_000; o.FlushInterval = TimeSpan.FromSeconds(1); });
        using var stop = new CancellationTokenSource();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var gcBefore = GC.GetTotalPauseDuration();
        var clock = Stopwatch.StartNew();
        var run = ingester.RunAsync(stop.Token);
        TimeSpan firstBatch = default;
        try
        {
            await WaitUntilAsync(
                async () =>
                {
                    if (firstBatch == default && ingester.Stats.Batches > 0)
                    {
                        firstBatch = clock.Elapsed; // group join + first batch
                    }

                    return ingester.Stats.EventsIngested >= total;
                },
                $"{total} events (got {ingester.Stats.EventsIngested})");
            clock.Stop();
        }
        finally
        {
            await StopAsync(stop, run);
        }

        var rate = total / clock.Elapsed.TotalSeconds;
        var output = TestContext.Current.TestOutputHelper!;
        output.WriteLine($"ingest: {total} events in {clock.Elapsed.TotalSeconds:F2} s from start (first batch after {firstBatch.TotalSeconds:F2} s: group join), {ingester.Stats.Batches} batches; produce took {produce.Elapsed.TotalSeconds:F2} s");
        output.WriteLine($"process CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds:F2} s (broker and ClickHouse engine run in this process too), GC pauses {(GC.GetTotalPauseDuration() - gcBefore).TotalMilliseconds:F0} ms");
        output.WriteLine($"RESULT ingest_events_per_second {rate:F0} events/s");
        output.WriteLine($"RESULT ingest_events_per_second_after_join {(total - 0) / (clock.Elapsed - firstBatch).TotalSeconds:F0} events/s");

        for (var t = 0; t < tables; t++)
        {
            (await _h.ScalarAsync($"SELECT count() FROM {{hub}}.bench{t}")).ShouldBe(perTable.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        ingester.Stats.DeadLetters.ShouldBe(0);
    }

    public void Dispose()
    {
        _h.Dispose();
        _kafka.Dispose();
    }
}
