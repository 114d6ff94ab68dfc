using System.Diagnostics;
using System.Text;
using CableHub.Pipelines.Kafka;
using CableHub.Testing;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace CableHub.Pipelines.Cdc.Tests.Kafka;

public sealed class EmbeddedKafkaTests(KafkaFixture kafka) : IClassFixture<KafkaFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Native_library_is_the_one_Confluent_Kafka_loaded()
    {
        var path = EmbeddedKafka.NativeLibraryPath;
        // exactly one librdkafka file is mapped in this process, and it is ours
        var mapped = File.ReadLines("/proc/self/maps")
            .Select(l => l.IndexOf('/', StringComparison.Ordinal) is var i and >= 0 ? l[i..].Trim() : "")
            .Where(p => Path.GetFileName(p).Contains("librdkafka", StringComparison.Ordinal))
            .Distinct()
            .ToList();
        mapped.ShouldBe([path]);
        Library.Version.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Metadata_advertises_the_fixed_proxy_address_not_the_mock_port()
    {
        kafka.BootstrapServers.ShouldBe($"127.0.0.1:{kafka.Port}");
        kafka.Kafka.InternalBootstrapServers.ShouldNotContain($":{kafka.Port}");
        var topic = kafka.NewTopic("meta", partitions: 5);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        metadata.Brokers.Single().Port.ShouldBe(kafka.Port);
        metadata.Brokers.Single().Host.ShouldBe("127.0.0.1");
        metadata.Topics.Single().Partitions.Count.ShouldBe(5);
        await Task.CompletedTask;
    }

    [Fact]
    public void EnsureTopic_creates_once_and_keeps_the_partition_count()
    {
        var name = "ensure." + Guid.NewGuid().ToString("N");
        kafka.EnsureTopic(name, 2).ShouldBeTrue();
        kafka.EnsureTopic(name, 7).ShouldBeFalse();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        admin.GetMetadata(name, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Count.ShouldBe(2);
    }

    [Fact]
    public async Task Produce_and_consume_through_the_proxy_keep_order_per_partition()
    {
        var topic = kafka.NewTopic("pc", partitions: 3);
        const int count = 5_000;
        using (var producer = new ProducerBuilder<string, string>(kafka.Producer()).Build())
        {
            for (var i = 0; i < count; i++)
            {
                producer.Produce(topic, new Message<string, string> { Key = "k" + (i % 10), Value = i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            }

            producer.Flush(TimeSpan.FromSeconds(30)).ShouldBe(0);
        }

        using var consumer = new ConsumerBuilder<string, string>(kafka.Consumer()).Build();
        consumer.Subscribe(topic);
        var seen = new Dictionary<string, List<int>>();
        var received = 0;
        var deadline = Stopwatch.StartNew();
        while (received < count && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                continue;
            }

            received++;
            if (!seen.TryGetValue(result.Message.Key, out var list))
            {
                seen[result.Message.Key] = list = [];
            }

            list.Add(int.Parse(result.Message.Value, System.Globalization.CultureInfo.InvariantCulture));
        }

        received.ShouldBe(count);
        seen.Count.ShouldBe(10);
        foreach (var (key, values) in seen)
        {
            values.ShouldBe(values.Order().ToList(), $"order of key {key}");
            values.Count.ShouldBe(count / 10);
        }

        consumer.Close();
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Kcat_in_another_process_lists_produces_and_consumes()
    {
        var topic = kafka.NewTopic("kcat", partitions: 2);
        var list = await RunAsync("kcat", $"-b {kafka.BootstrapServers} -L -t {topic}", null);
        list.ExitCode.ShouldBe(0, list.Error);
        list.Output.ShouldContain($"127.0.0.1:{kafka.Port}");
        list.Output.ShouldContain($"topic \"{topic}\" with 2 partitions");

        var produce = await RunAsync("kcat", $"-b {kafka.BootstrapServers} -P -t {topic} -K: -p 0", "a:one\nb:two\nc:three\n");
        produce.ExitCode.ShouldBe(0, produce.Error);

        // a .NET consumer sees what the other process produced
        using var consumer = new ConsumerBuilder<string, string>(kafka.Consumer()).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var values = new List<string>();
        var watch = Stopwatch.StartNew();
        while (values.Count < 3 && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } r)
            {
                values.Add($"{r.Message.Key}:{r.Message.Value}");
            }
        }

        values.ShouldBe(["a:one", "b:two", "c:three"]);

        // and the other process consumes what .NET produced
        using (var producer = new ProducerBuilder<string, string>(kafka.Producer()).Build())
        {
            await producer.ProduceAsync(new TopicPartition(topic, 1), new Message<string, string> { Key = "x", Value = "from-dotnet" }, Ct);
        }

        var consume = await RunAsync("kcat", $"-b {kafka.BootstrapServers} -C -t {topic} -p 1 -o beginning -c 1 -e -f %k=%s\\n", null);
        consume.ExitCode.ShouldBe(0, consume.Error);
        consume.Output.Trim().ShouldBe("x=from-dotnet");
    }

    [Fact]
    public async Task A_second_broker_on_the_same_fixed_port_is_refused_clearly()
    {
        var error = await Should.ThrowAsync<InvalidOperationException>(() => EmbeddedKafka.StartAsync(
            new EmbeddedKafkaOptions { Port = kafka.Port }, TestLogging.Factory.CreateLogger("second"), Ct));
        error.Message.ShouldContain($"127.0.0.1:{kafka.Port}");
    }

    [Fact]
    public async Task Two_brokers_each_behind_their_own_proxy()
    {
        await using var two = await EmbeddedKafka.StartAsync(new EmbeddedKafkaOptions { Port = 0, Brokers = 2 }, TestLogging.Factory.CreateLogger("two"), Ct);
        two.BootstrapServers.Split(',').Length.ShouldBe(2);
        two.EnsureTopic("two.brokers", 4);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = two.BootstrapServers }).Build();
        var metadata = admin.GetMetadata("two.brokers", TimeSpan.FromSeconds(10));
        metadata.Brokers.Select(b => $"{b.Host}:{b.Port}").Order().ShouldBe(two.BootstrapServers.Split(',').Order());
        using var producer = new ProducerBuilder<Null, string>(KafkaClientSettings.ReliableProducer(two.BootstrapServers, "two")).Build();
        for (var p = 0; p < 4; p++)
        {
            var r = await producer.ProduceAsync(new TopicPartition("two.brokers", p), new Message<Null, string> { Value = "v" }, Ct);
            r.Status.ShouldBe(PersistenceStatus.Persisted);
        }
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string file, string arguments, string? input)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
