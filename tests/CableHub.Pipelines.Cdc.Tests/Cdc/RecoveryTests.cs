using CableHub.Pipelines.Cdc.Delivery;
using CableHub.Pipelines.Kafka;
using CableHub.Testing;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace CableHub.Pipelines.Cdc.Tests.Cdc;

[Collection("cdc")]
public sealed class RecoveryTests(CdcEnvironment env)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Sink_mode_replays_from_the_slot_when_the_sink_does_not_acknowledge_in_time()
    {
        await using var s = await CdcScenario.CreateAsync(env, "CREATE TABLE hub.t (id int PRIMARY KEY);");
        var options = s.Options(AcknowledgementMode.Sink);
        options.SinkAcknowledgementTimeout = TimeSpan.FromSeconds(2);
        var reader = await s.StartAsync(options);
        await s.ExecAsync("INSERT INTO hub.t VALUES (1)");

        // the sink stays silent: the transaction is streamed again (a second copy on the topic)
        var copies = s.Consume(2, Wait, "t");
        copies.Count.ShouldBe(2);
        copies.Select(m => m.Sequence).Distinct().Count().ShouldBe(1);
        reader.Stats.Sessions.ShouldBeGreaterThanOrEqualTo(2);
        var commit = copies[0].Sequence.Commit;
        (await s.ConfirmedFlushAsync()).ShouldBeLessThanOrEqualTo(commit);

        // acknowledging every delivered copy lets the slot pass the transaction
        await DeliveryTests.WaitUntil(async () =>
        {
            reader.Gate.Acknowledge(commit, 1);
            await Task.Delay(300);
            return await s.ConfirmedFlushAsync() > commit;
        });
    }

    [Fact]
    public async Task A_lost_broker_is_survived_and_undelivered_changes_are_produced_again()
    {
        var port = Network.FreePort();
        var log = new OutputLogger("broker-loss");
        var kafka = await EmbeddedKafka.StartAsync(new EmbeddedKafkaOptions { Port = port }, log);
        await using var s = await CdcScenario.CreateAsync(env, "CREATE TABLE hub.t (id int PRIMARY KEY);");
        var options = s.Options();
        options.BootstrapServers = kafka.BootstrapServers;
        options.ProducerProperties["message.timeout.ms"] = "3000";
        var reader = new CdcReader(options, new ProvisionerProxy(() => kafka), log);
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => reader.RunAsync(stop.Token));
        await reader.Streaming.WaitAsync(Wait);
        await s.ExecAsync("INSERT INTO hub.t VALUES (1)");
        await DeliveryTests.WaitUntil(async () => await s.ConfirmedFlushAsync() > 0 && reader.Gate.SafeLsn > 0);
        var confirmedBefore = await s.ConfirmedFlushAsync();

        await kafka.DisposeAsync(); // the broker is gone (and with it every message)
        var afterInsert = (ulong)NpgsqlTypes.NpgsqlLogSequenceNumber.Parse((await s.ScalarAsync<string>("INSERT INTO hub.t VALUES (2); SELECT pg_current_wal_insert_lsn()::text"))!);
        await Task.Delay(4000);
        // heartbeats committed before the insert may be confirmed, the undelivered insert (ending at or before afterInsert) may not
        (await s.ConfirmedFlushAsync()).ShouldBeLessThan(afterInsert, $"nothing undelivered is confirmed (events {reader.Stats.Events}, in flight {reader.Gate.InFlight}, pending {reader.Gate.Pending}, sessions {reader.Stats.Sessions}, safe {reader.Gate.SafeLsn}, skipped {reader.Stats.SkippedTransactions}, tx {reader.Stats.Transactions}, safe commit {reader.Gate.SafeCommitLsn})");
        confirmedBefore = await s.ConfirmedFlushAsync();

        kafka = await EmbeddedKafka.StartAsync(new EmbeddedKafkaOptions { Port = port }, log);
        try
        {
            kafka.EnsureTopic($"{s.Prefix}.hub.t", 3);
            using var consumer = new ConsumerBuilder<byte[], byte[]>(KafkaClientSettings.ManualCommitConsumer(kafka.BootstrapServers, "g")).Build();
            consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset($"{s.Prefix}.hub.t", p, Offset.Beginning)));
            var seen = new List<string>();
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (!seen.Any(v => v.Contains("\"after\":{\"id\":2}", StringComparison.Ordinal)) && watch.Elapsed < Wait)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message.Value: { } value })
                {
                    seen.Add(System.Text.Encoding.UTF8.GetString(value));
                }
            }

            seen.ShouldContain(v => v.Contains("\"after\":{\"id\":2}", StringComparison.Ordinal));
            await DeliveryTests.WaitUntil(async () => await s.ConfirmedFlushAsync() > confirmedBefore);
            reader.Stats.Sessions.ShouldBeGreaterThanOrEqualTo(2);
        }
        finally
        {
            await stop.CancelAsync();
            await run.WaitAsync(Wait);
            await kafka.DisposeAsync();
        }
    }

    private sealed class ProvisionerProxy(Func<EmbeddedKafka> kafka) : ITopicProvisioner
    {
        public Task EnsureTopicAsync(string topic, int partitions, CancellationToken cancellationToken) =>
            new EmbeddedKafkaTopicProvisioner(kafka()).EnsureTopicAsync(topic, partitions, cancellationToken);
    }
}
