using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CableHub.Demo;
using CableHub.Host.Configuration;
using CableHub.Host.Infrastructure;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using Spectre.Console;

namespace CableHub.Host.Cli.Bench;

/// <summary>
/// <c>bench cdc</c>: the change stream's speed, from one run on throwaway embedded servers (temp folder, free ports),
/// with the hub's own pipeline configuration (<see cref="PipelineRoles"/>):
/// <list type="number">
/// <item>N mixed changes (inserts, updates, deletes in transactions of 1,000; 9-column rows, REPLICA IDENTITY FULL) are
/// written while two slots wait: the CDC reader's and a bare one;</item>
/// <item><c>pgoutput_raw_per_s</c>: the bare slot read with Npgsql's pgoutput client, nothing decoded;</item>
/// <item><c>cdc_capture_per_s</c>: the CDC reader alone (broker acknowledgement) until every change is acknowledged by the broker;</item>
/// <item><c>ingest_rows_per_s</c>: the warehouse ingester alone (reader stopped) draining that backlog into ClickHouse;</item>
/// <item><c>end_to_end_lag_p99_ms</c>: reader and ingester together (sink acknowledgement, as <c>up</c> runs them) under a
/// steady load; lag = commit → every row of the transaction visible in <c>hub.*</c>.</item>
/// </list>
/// </summary>
public static class CdcBench
{
    private const int ChangesPerTransaction = 1_000;
    private const int LagRowsPerTransaction = 100;

    public static Command Build()
    {
        var changes = new Option<int>("--changes") { Description = "changes written for the raw read, capture and ingest phases", DefaultValueFactory = _ => 400_000 };
        var rate = new Option<int>("--rate") { Description = "changes per second of the lag phase", DefaultValueFactory = _ => 20_000 };
        var seconds = new Option<int>("--seconds") { Description = "length of the lag phase", DefaultValueFactory = _ => 20 };
        // 24: the backlog of the ingest phase (warm-up + --changes + tombstones, ~150 compressed bytes each) must fit the embedded
        // broker's 5 MiB per partition; at 12 it was at the edge (≈ 36k messages per partition) and lost the oldest.
        var partitions = new Option<int>("--partitions") { Description = "partitions per change topic (the embedded broker keeps 5 MiB per partition)", DefaultValueFactory = _ => 24 };
        var command = new Command("cdc", "CDC throughput and lag: bare pgoutput read, capture, ingest, end-to-end lag (throwaway embedded servers)")
        {
            changes, rate, seconds, partitions,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(changes);
            var lagRate = parse.GetValue(rate);
            var lagSeconds = parse.GetValue(seconds);
            var topicPartitions = parse.GetValue(partitions);
            if (n < ChangesPerTransaction || lagRate < 2 * LagRowsPerTransaction || lagSeconds < 1 || topicPartitions < 1)
            {
                await Console.Error.WriteLineAsync($"--changes must be at least {ChangesPerTransaction}, --rate at least {2 * LagRowsPerTransaction}, --seconds and --partitions at least 1").ConfigureAwait(false);
                return 2;
            }

            var configuration = HubCli.Configuration(parse);
            using var serilog = Logging.CreateLogger(new ConfigurationBuilder().AddConfiguration(configuration)
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:Level"] = "Warning" }).Build());
            using var loggers = new Serilog.Extensions.Logging.SerilogLoggerFactory(serilog);
            var root = Path.Combine(Path.GetTempPath(), "cablehub-bench-cdc-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(root);
            File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
            var settings = new HubSettings { DataDirectory = root };
            settings.Postgres.Embedded.Port = FreePort();
            settings.Postgres.Embedded.Durable = false;
            settings.Kafka.Embedded.Port = FreePort();
            settings.Kafka.Partitions = topicPartitions;
            settings.ClickHouse.Embedded.Port = FreePort();
            try
            {
                await using var infra = await HubInfrastructure.StartAsync(settings, loggers, postgres: true, kafka: true, clickHouse: true, ct).ConfigureAwait(false);
                var run = new Run(settings, infra, loggers);
                try
                {
                    return await run.ExecuteAsync(n, lagRate, lagSeconds, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    AnsiConsole.MarkupLineInterpolated($"[red]bench cdc failed: {e}[/]");
                    return 1;
                }
            }
            finally
            {
                _ = await BenchScratch.RemoveAsync(root).ConfigureAwait(false); // says what failed; never hides the run's outcome
            }
        });
        return command;
    }

    private sealed class Run(HubSettings settings, HubInfrastructure infra, ILoggerFactory loggers)
    {
        private const string RawSlot = "bench_raw";

        public async Task<int> ExecuteAsync(int changes, int lagRate, int lagSeconds, CancellationToken ct)
        {
            AnsiConsole.MarkupLineInterpolated($"[grey]bench cdc: {changes:N0} changes, lag phase {lagRate:N0} changes/s for {lagSeconds} s, {settings.Kafka.Partitions} partitions per topic; load average {BenchScratch.LoadAverage()}[/]");
            await ExecAsync(CdcBenchSql.CreateTables, ct).ConfigureAwait(false);

            // The reader creates its publication and slot (empty snapshot, marked complete), then stops; a bare slot joins it.
            settings.Roles = "cdc";
            var setup = new PipelineRoles(settings, infra, loggers);
            await setup.PrepareAsync(ct).ConfigureAwait(false);
            using (var stop = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                var reader = setup.Cdc!.RunAsync(stop.Token);
                await setup.Cdc.Streaming.WaitAsync(TimeSpan.FromSeconds(120), ct).ConfigureAwait(false);
                while (await ScalarAsync<bool?>("SELECT snapshot_completed_at IS NOT NULL FROM cablehub_cdc.slot_state", ct).ConfigureAwait(false) != true)
                {
                    await Task.Delay(50, ct).ConfigureAwait(false);
                }

                await stop.CancelAsync().ConfigureAwait(false);
                await reader.ConfigureAwait(false);
            }

            await ExecAsync($"SELECT pg_create_logical_replication_slot('{RawSlot}', 'pgoutput')", ct).ConfigureAwait(false);

            // 0. Warm-up, untimed: the same path once over a smaller set, so the measured phases run compiled code (a server
            //    process runs for days; a cold JIT would take a third of the CPU of a phase this short).
            // Two rounds: the runtime's tiered compiler counts calls only once start-up's first compilations calmed down, so
            // after one round the hot paths were still being recompiled during the measured phases (JIT threads took a fifth
            // of the process's CPU, perf, 2026-12-05); a server runs for days. Then wait until the compiler is idle.
            var warmUp = Math.Max(20, changes / ChangesPerTransaction / 5);
            var written = 0;
            long raw = 0;
            for (var round = 0; round < 2; round++)
            {
                written = 0;
                await Phase("warm-up: writing", warmUp, () => written, WriteChangesAsync(round * warmUp, warmUp, () => written++, ct)).ConfigureAwait(false);
                raw = 0;
                var warmUpChanges = Expected(round * warmUp, warmUp);
                await Phase("warm-up: pgoutput read", warmUpChanges, () => Interlocked.Read(ref raw), ReadRawAsync(warmUpChanges, () => Interlocked.Increment(ref raw), ct)).ConfigureAwait(false);
                settings.Roles = "cdc";
                var warmCapture = await CaptureAsync("warm-up: capture", warmUpChanges, ct).ConfigureAwait(false);
                settings.Roles = "ingest";
                await IngestAsync("warm-up: ingest", warmCapture.Messages, ct).ConfigureAwait(false);
                AnsiConsole.MarkupLineInterpolated($"warm-up round {round + 1}: {warmUpChanges:N0} changes read, captured and ingested; load average {BenchScratch.LoadAverage()}");
            }

            var settle = await JitSettledAsync(ct).ConfigureAwait(false);
            AnsiConsole.MarkupLineInterpolated($"JIT idle after {settle.TotalSeconds:0.0} s ({System.Runtime.JitInfo.GetCompiledMethodCount():N0} methods compiled so far)");
            warmUp *= 2;

            // 1. The changes.
            var transactions = changes / ChangesPerTransaction;
            written = 0;
            var clock = Stopwatch.StartNew();
            await Phase("writing changes", transactions, () => written, WriteChangesAsync(warmUp, transactions, () => written++, ct)).ConfigureAwait(false);
            var expected = Expected(warmUp, transactions);
            AnsiConsole.MarkupLineInterpolated($"wrote {transactions:N0} transactions ({expected:N0} changes) in {clock.Elapsed.TotalSeconds:0.0} s");

            // 2. Bare pgoutput read.
            raw = 0;
            clock.Restart();
            var rawCount = await Phase("pgoutput read", expected, () => Interlocked.Read(ref raw), ReadRawAsync(expected, () => Interlocked.Increment(ref raw), ct)).ConfigureAwait(false);
            var rawSeconds = clock.Elapsed.TotalSeconds;
            AnsiConsole.MarkupLineInterpolated($"pgoutput: {rawCount:N0} changes in {rawSeconds:0.00} s; load average {BenchScratch.LoadAverage()}");
            await ExecAsync($"SELECT pg_drop_replication_slot('{RawSlot}')", ct).ConfigureAwait(false);

            // 3. Capture: the reader alone, until the broker acknowledged every change.
            settings.Roles = "cdc";
            var capture = await CaptureAsync("capture (reader → broker)", rawCount, ct).ConfigureAwait(false);
            AnsiConsole.MarkupLineInterpolated($"capture: {capture.Events:N0} change events (+{capture.Messages - capture.Events:N0} tombstones) acknowledged by the broker in {capture.Seconds:0.00} s, {capture.Cpu.TotalMicroseconds / capture.Events:0.0} µs CPU per change in this process (JIT busy {capture.Jit.TotalMilliseconds:0} ms during the phase); load average {BenchScratch.LoadAverage()}");

            // 4. Ingest: the ingester alone drains the backlog.
            settings.Roles = "ingest";
            var ingest = await IngestAsync("ingest (broker → ClickHouse)", capture.Messages, ct).ConfigureAwait(false);
            AnsiConsole.MarkupLineInterpolated($"ingest: {ingest.Rows:N0} rows ({capture.Messages:N0} messages) in ClickHouse in {ingest.Seconds:0.00} s, {ingest.Cpu.TotalMicroseconds / Math.Max(1, ingest.Rows):0.0} µs CPU per row (ingester and ClickHouse; JIT busy {ingest.Jit.TotalMilliseconds:0} ms during the phase); load average {BenchScratch.LoadAverage()}");
            var source = await ScalarAsync<long>(CdcBenchSql.CountAccounts, ct).ConfigureAwait(false);
            var warehouse = await WarehouseCountAsync(CdcBenchSql.WarehouseCountAccounts, ct).ConfigureAwait(false);
            if (source != warehouse)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]the warehouse has {warehouse:N0} rows of {CdcBenchSql.AccountTable}, PostgreSQL {source:N0}: data was lost (the embedded broker keeps 5 MiB per partition; try more --partitions or fewer --changes)[/]");
                return 1;
            }

            // 5. End-to-end lag under a steady load, reader and ingester together (sink acknowledgement).
            settings.Roles = "cdc,ingest";
            var both = new PipelineRoles(settings, infra, loggers);
            List<double> lags;
            double achievedRate;
            using (var stop = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                var running = Task.WhenAll(both.Cdc!.RunAsync(stop.Token), both.Ingester!.RunAsync(stop.Token));
                try
                {
                    await WaitAsync(() => both.Cdc.Streaming.IsCompleted && both.Ingester.Stats.Snapshot().AssignedPartitions.Count > 0, () => 0, "the pipeline's start", running, ct).ConfigureAwait(false);
                    (lags, achievedRate) = await MeasureLagAsync(lagRate, lagSeconds, running, ct).ConfigureAwait(false);
                }
                finally
                {
                    await stop.CancelAsync().ConfigureAwait(false);
                    await running.ConfigureAwait(false);
                    await both.Ingester.DisposeAsync().ConfigureAwait(false);
                }
            }

            lags.Sort();
            AnsiConsole.MarkupLineInterpolated($"lag: {lags.Count:N0} transactions at {achievedRate:N0} changes/s; p50 {Percentile(lags, 0.50):0} ms, p99 {Percentile(lags, 0.99):0} ms, max {lags[^1]:0} ms; load average {BenchScratch.LoadAverage()}");
            if (achievedRate < lagRate * 0.9)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]the load generator reached only {achievedRate:N0} of {lagRate:N0} changes/s (machine busy?)[/]");
            }

            Console.WriteLine(Result("pgoutput_raw_per_s", rawCount / rawSeconds, "changes/s"));
            Console.WriteLine(Result("cdc_capture_per_s", capture.Events / capture.Seconds, "changes/s"));
            Console.WriteLine(Result("cdc_capture_of_raw", 100.0 * capture.Events / capture.Seconds / (rawCount / rawSeconds), "%"));
            Console.WriteLine(Result("cdc_capture_cpu_per_change", capture.Cpu.TotalMicroseconds / capture.Events, "us"));
            Console.WriteLine(Result("cdc_capture_jit_ms", capture.Jit.TotalMilliseconds, "ms"));
            Console.WriteLine(Result("ingest_rows_per_s", ingest.Rows / ingest.Seconds, "rows/s"));
            Console.WriteLine(Result("ingest_cpu_per_row", ingest.Cpu.TotalMicroseconds / Math.Max(1, ingest.Rows), "us"));
            Console.WriteLine(Result("ingest_jit_ms", ingest.Jit.TotalMilliseconds, "ms"));
            Console.WriteLine(Result("end_to_end_lag_rate", achievedRate, "changes/s"));
            Console.WriteLine(Result("end_to_end_lag_p50_ms", Percentile(lags, 0.50), "ms"));
            Console.WriteLine(Result("end_to_end_lag_p99_ms", Percentile(lags, 0.99), "ms"));
            Console.WriteLine(Result("peak_working_set", Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0, "MB"));
            return 0;
        }

        private sealed record CaptureResult(long Events, long Messages, double Seconds, TimeSpan Cpu, TimeSpan Jit);

        private sealed record IngestResult(long Rows, double Seconds, TimeSpan Cpu, TimeSpan Jit);

        /// <summary>Waits (at most a minute) until the JIT compiled fewer than 10 methods in the last 2 seconds; returns how long it took.</summary>
        private static async Task<TimeSpan> JitSettledAsync(CancellationToken ct)
        {
            var clock = Stopwatch.StartNew();
            var last = System.Runtime.JitInfo.GetCompiledMethodCount();
            while (clock.Elapsed < TimeSpan.FromMinutes(1))
            {
                await Task.Delay(TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
                var now = System.Runtime.JitInfo.GetCompiledMethodCount();
                if (now - last < 10)
                {
                    break;
                }

                last = now;
            }

            return clock.Elapsed;
        }

        /// <summary>Runs a reader (broker acknowledgement) until the broker acknowledged <paramref name="expected"/> changes.</summary>
        private async Task<CaptureResult> CaptureAsync(string title, long expected, CancellationToken ct)
        {
            var cdc = new PipelineRoles(settings, infra, loggers).Cdc!;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var clock = Stopwatch.StartNew();
            var cpu = CpuTime();
            var jit = System.Runtime.JitInfo.GetCompilationTime();
            var reader = cdc.RunAsync(stop.Token);
            try
            {
                await Phase(title, expected, () => cdc.Stats.Events, WaitAsync(
                    () => cdc.Stats.Events >= expected && cdc.Gate.InFlight == 0 && cdc.Gate.Pending == 0,
                    () => cdc.Stats.Events,
                    "the reader",
                    reader,
                    ct)).ConfigureAwait(false);
                return new CaptureResult(cdc.Stats.Events, cdc.Stats.Events + cdc.Stats.Tombstones, clock.Elapsed.TotalSeconds, CpuTime() - cpu, System.Runtime.JitInfo.GetCompilationTime() - jit);
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await reader.ConfigureAwait(false);
            }
        }

        /// <summary>Runs an ingester until it handled <paramref name="messages"/> messages; the clock starts once it has its partitions.</summary>
        private async Task<IngestResult> IngestAsync(string title, long messages, CancellationToken ct)
        {
            var ingester = new PipelineRoles(settings, infra, loggers).Ingester!;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var running = ingester.RunAsync(stop.Token);
            try
            {
                await WaitAsync(() => ingester.Stats.Snapshot().AssignedPartitions.Count > 0, () => 0, "the ingester's group join", running, ct).ConfigureAwait(false);
                var clock = Stopwatch.StartNew();
                var cpu = CpuTime();
                var jit = System.Runtime.JitInfo.GetCompilationTime();
                var rowsBefore = ingester.Stats.RowsWritten;
                await Phase(title, messages, () => ingester.Stats.EventsIngested, WaitAsync(
                    () => ingester.Stats.EventsIngested >= messages,
                    () => ingester.Stats.EventsIngested,
                    "the ingester",
                    running,
                    ct)).ConfigureAwait(false);
                return new IngestResult(ingester.Stats.RowsWritten - rowsBefore, clock.Elapsed.TotalSeconds, CpuTime() - cpu, System.Runtime.JitInfo.GetCompilationTime() - jit);
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await running.ConfigureAwait(false);
                await ingester.DisposeAsync().ConfigureAwait(false);
            }
        }

        /// <summary>Transactions of 1,000 changes: 400 inserts, 500 updates (of rows just inserted and of the previous transaction's), 100 deletes.</summary>
        /// <summary>Changes of transactions <paramref name="first"/> … <paramref name="first"/> + <paramref name="count"/> - 1 (see <see cref="WriteChangesAsync"/>).</summary>
        private static long Expected(int first, int count) => (count * (long)ChangesPerTransaction) - (first == 0 ? 200 : 0);

        private async Task WriteChangesAsync(int first, int transactions, Action done, CancellationToken ct)
        {
            await using var conn = new NpgsqlConnection(infra.PostgresConnectionString);
            await conn.OpenAsync(ct).ConfigureAwait(false);
            for (var k = (long)first; k < first + transactions; k++)
            {
                var inserts = 400L;
                var updates = k == 0 ? 400L : 500L;
                var deletes = k == 0 ? 0L : 100L;
                var baseId = k * inserts;
                await using var batch = new NpgsqlBatch(conn)
                {
                    BatchCommands =
                    {
                        new NpgsqlBatchCommand(CdcBenchSql.InsertAccounts) { Parameters = { new() { Value = baseId }, new() { Value = inserts } } },
                        new NpgsqlBatchCommand(CdcBenchSql.UpdateAccounts)
                        {
                            Parameters = { new() { Value = baseId + inserts - updates }, new() { Value = baseId + inserts } },
                        },
                        new NpgsqlBatchCommand(CdcBenchSql.DeleteAccounts)
                        {
                            Parameters = { new() { Value = baseId - inserts }, new() { Value = baseId - inserts + deletes } },
                        },
                    },
                };
                await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
                batch.Transaction = tx;
                await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                await tx.CommitAsync(ct).ConfigureAwait(false);
                done();
            }
        }

        /// <summary>Reads the bare slot until <paramref name="expected"/> row changes were read; values are not decoded.</summary>
        private async Task<long> ReadRawAsync(long expected, Action counted, CancellationToken ct)
        {
            var builder = new NpgsqlConnectionStringBuilder(infra.PostgresConnectionString);
            await using var replication = new LogicalReplicationConnection(builder.ConnectionString);
            await replication.Open(ct).ConfigureAwait(false);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var options = new PgOutputReplicationOptions("cablehub_cdc", PgOutputProtocolVersion.V1, binary: false, messages: true);
            long count = 0;
            try
            {
                await foreach (var message in replication.StartReplication(new PgOutputReplicationSlot(RawSlot), options, stop.Token).ConfigureAwait(false))
                {
                    switch (message)
                    {
                        case InsertMessage or UpdateMessage or DeleteMessage:
                            count++;
                            counted();
                            break;
                        case CommitMessage commit:
                            replication.SetReplicationStatus(commit.TransactionEndLsn);
                            if (count >= expected)
                            {
                                // confirmed before the stream is cancelled: the next read starts after this transaction
                                await replication.SendStatusUpdate(ct).ConfigureAwait(false);
                                await stop.CancelAsync().ConfigureAwait(false);
                            }

                            break;
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested && !ct.IsCancellationRequested)
            {
            }

            return count;
        }

        /// <summary>
        /// Writes transactions of 100 inserts into the lag-probe table (one <c>seq</c> each) and 100 updates of
        /// the account table at the given rate, and polls the lag-probe table for the transactions whose rows are all visible.
        /// </summary>
        private async Task<(List<double> Lags, double Rate)> MeasureLagAsync(int rate, int seconds, Task pipeline, CancellationToken ct)
        {
            const int changesPerTx = 2 * LagRowsPerTransaction;
            var txCount = (int)((long)rate * seconds / changesPerTx);
            var interval = Stopwatch.Frequency * changesPerTx / (double)rate;
            var committedAt = new long[txCount + 1];
            var visibleAt = new long[txCount + 1];
            var committed = 0;
            var visible = 0;
            var maxId = await ScalarAsync<long>(CdcBenchSql.MaxAccountId, ct).ConfigureAwait(false);

            using var pollStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var poller = Task.Run(
                async () =>
                {
                    using var client = new ClickHouseClient(infra.ClickHouseConnectionString);
                    var from = 1L;
                    var counts = new Dictionary<long, long>();
                    while (from <= txCount)
                    {
                        pollStop.Token.ThrowIfCancellationRequested();
                        var parameters = new ClickHouseParameterCollection();
                        parameters.AddParameter("from", from);
                        ClickHouse.Driver.ADO.Readers.ClickHouseDataReader? result = null;
                        try
                        {
                            result = await client.ExecuteReaderAsync(CdcBenchSql.WarehouseLagProbes, parameters, null, pollStop.Token).ConfigureAwait(false);
                        }
                        catch (ClickHouseServerException e) when (e.ErrorCode == 60)
                        {
                            // the ingester has not created the table yet
                        }

                        using (var reader = result)
                        {
                            var now = Stopwatch.GetTimestamp();
                            while (reader is not null && reader.Read())
                            {
                                var seq = Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture);
                                if (seq <= txCount && visibleAt[seq] == 0 && Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture) >= LagRowsPerTransaction)
                                {
                                    visibleAt[seq] = now;
                                    Interlocked.Increment(ref visible);
                                }
                            }
                        }

                        while (from <= txCount && visibleAt[from] != 0)
                        {
                            from++;
                        }

                        // every query costs the embedded engine a few ms of CPU: poll often enough for the figure, not more
                        await Task.Delay(100, pollStop.Token).ConfigureAwait(false);
                    }
                },
                CancellationToken.None);

            var generator = Task.Run(
                async () =>
                {
                    await using var conn = new NpgsqlConnection(infra.PostgresConnectionString);
                    await conn.OpenAsync(ct).ConfigureAwait(false);
                    var start = Stopwatch.GetTimestamp();
                    for (var seq = 1L; seq <= txCount; seq++)
                    {
                        var due = start + (long)((seq - 1) * interval);
                        var wait = due - Stopwatch.GetTimestamp();
                        if (wait > 0)
                        {
                            await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency), ct).ConfigureAwait(false);
                        }

                        var low = 1 + ((seq * LagRowsPerTransaction) % Math.Max(1, maxId - LagRowsPerTransaction));
                        await using var batch = new NpgsqlBatch(conn)
                        {
                            BatchCommands =
                            {
                                new NpgsqlBatchCommand(CdcBenchSql.InsertLagProbe) { Parameters = { new() { Value = seq }, new() { Value = LagRowsPerTransaction } } },
                                new NpgsqlBatchCommand(CdcBenchSql.TouchAccounts)
                                {
                                    Parameters = { new() { Value = low }, new() { Value = low + LagRowsPerTransaction } },
                                },
                            },
                        };
                        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
                        batch.Transaction = tx;
                        await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                        await tx.CommitAsync(ct).ConfigureAwait(false);
                        committedAt[seq] = Stopwatch.GetTimestamp();
                        Interlocked.Increment(ref committed);
                    }

                    return Stopwatch.GetElapsedTime(start).TotalSeconds;
                },
                ct);

            var generatorSeconds = await Phase($"lag at {rate:N0} changes/s (committed)", txCount, () => Volatile.Read(ref committed), generator).ConfigureAwait(false);
            try
            {
                await Phase("lag: waiting for the warehouse", txCount, () => Volatile.Read(ref visible), WaitAsync(() => poller.IsCompleted, () => Volatile.Read(ref visible), "the warehouse", pipeline, ct)).ConfigureAwait(false);
                await poller.ConfigureAwait(false);
            }
            finally
            {
                await pollStop.CancelAsync().ConfigureAwait(false);
            }

            var lags = new List<double>(txCount);
            for (var seq = 1; seq <= txCount; seq++)
            {
                lags.Add(Math.Max(0, (visibleAt[seq] - committedAt[seq]) * 1000.0 / Stopwatch.Frequency));
            }

            return (lags, txCount * (double)changesPerTx / generatorSeconds);
        }

        /// <summary>Waits until <paramref name="done"/>; fails when <paramref name="progress"/> stands still for 2 minutes or the watched task ends.</summary>
        private static async Task WaitAsync(Func<bool> done, Func<long> progress, string what, Task watched, CancellationToken ct)
        {
            var still = Stopwatch.StartNew();
            var last = long.MinValue;
            while (!done())
            {
                if (watched.IsCompleted)
                {
                    await watched.ConfigureAwait(false);
                    throw new InvalidOperationException($"{what} stopped before the phase ended");
                }

                var now = progress();
                if (now != last)
                {
                    last = now;
                    still.Restart();
                }
                else if (still.Elapsed > TimeSpan.FromMinutes(2))
                {
                    throw new TimeoutException($"{what} made no progress for 2 minutes (at {now:N0}); if the log shows 'Offset out of range', the embedded broker dropped the oldest messages (5 MiB per partition): more --partitions or fewer --changes");
                }

                await Task.Delay(5, ct).ConfigureAwait(false);
            }
        }

        private async Task ExecAsync(string sql, CancellationToken ct)
        {
            await using var conn = new NpgsqlConnection(infra.PostgresConnectionString);
            await conn.OpenAsync(ct).ConfigureAwait(false);
#pragma warning disable CA2100 // the bench's own SQL
            await using var cmd = new NpgsqlCommand(sql, conn);
#pragma warning restore CA2100
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        private async Task<T?> ScalarAsync<T>(string sql, CancellationToken ct)
        {
            await using var conn = new NpgsqlConnection(infra.PostgresConnectionString);
            await conn.OpenAsync(ct).ConfigureAwait(false);
#pragma warning disable CA2100 // the bench's own SQL
            await using var cmd = new NpgsqlCommand(sql, conn);
#pragma warning restore CA2100
            var value = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
            return value is null or DBNull ? default : (T)value;
        }

        private async Task<long> WarehouseCountAsync(string sql, CancellationToken ct)
        {
            using var client = new ClickHouseClient(infra.ClickHouseConnectionString);
            return Convert.ToInt64(await client.ExecuteScalarAsync(sql, null, null, ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Shows a progress bar fed by <paramref name="current"/> until <paramref name="work"/> ends.</summary>
    private static async Task<T> Phase<T>(string title, double total, Func<double> current, Task<T> work)
    {
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(title, maxValue: Math.Max(1, total));
                while (!work.IsCompleted)
                {
                    task.Value = Math.Min(current(), task.MaxValue);
                    await Task.WhenAny(work, Task.Delay(250)).ConfigureAwait(false);
                }

                task.Value = task.MaxValue;
            }).ConfigureAwait(false);
        return await work.ConfigureAwait(false);
    }

    private static async Task Phase(string title, double total, Func<double> current, Task work) =>
        await Phase(title, total, current, work.ContinueWith(t => { t.GetAwaiter().GetResult(); return 0; }, TaskScheduler.Default)).ConfigureAwait(false);

    private static TimeSpan CpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static string Result(string name, double value, string unit) =>
        string.Create(CultureInfo.InvariantCulture, $"RESULT {name} {value:0.##} {unit}");

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
