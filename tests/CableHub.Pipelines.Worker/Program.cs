using CableHub.Pipelines.Cdc;
using CableHub.Pipelines.Cdc.Delivery;
using CableHub.Pipelines.Ingest;
using CableHub.Pipelines.Kafka;
using Microsoft.Extensions.Logging;

// Runs ONE pipeline role against external servers until stdin closes or the process is killed:
//   cdc    --postgres CS --kafka BS --prefix P --slot S --publication PUB [--partitions N]
//   ingest --kafka BS --clickhouse CS --prefix P --group G --raw-db R --view-db V
// Prints "READY" on stdout once streaming (cdc) or assigned partitions (ingest). Kafka topics are created through the
// embedded broker's API by the test (a mock cluster cannot create them through the admin API), so the reader is given
// a provisioner that only checks nothing.
var options = Args.Parse(args.Skip(1));
using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning).AddFilter("CableHub", LogLevel.Information));
using var stop = new CancellationTokenSource();
_ = Task.Run(async () =>
{
    // The parent closes stdin to ask for a clean stop; SIGKILL needs no cooperation.
    await Console.In.ReadToEndAsync().ConfigureAwait(false);
    await stop.CancelAsync().ConfigureAwait(false);
});

switch (args.FirstOrDefault())
{
    case "cdc":
    {
        var reader = new CdcReader(
            new CdcReaderOptions
            {
                ConnectionString = options["postgres"],
                BootstrapServers = options["kafka"],
                TopicPrefix = options["prefix"],
                Slot = options["slot"],
                Publication = options["publication"],
                TopicPartitions = int.Parse(options.GetValueOrDefault("partitions", "6"), System.Globalization.CultureInfo.InvariantCulture),
                Acknowledgement = AcknowledgementMode.Broker,
                StatusInterval = TimeSpan.FromMilliseconds(200),
                HeartbeatInterval = TimeSpan.FromSeconds(1),
                RetryDelay = TimeSpan.FromMilliseconds(200),
                RetryMaxDelay = TimeSpan.FromSeconds(2),
            },
            new ExistingTopics(),
            loggers.CreateLogger("cdc"));
        var run = reader.RunAsync(stop.Token);
        await Task.WhenAny(reader.Streaming, run).ConfigureAwait(false);
        Console.WriteLine("READY");
        await run.ConfigureAwait(false);
        break;
    }

    case "ingest":
    {
        var ingestOptions = new WarehouseIngesterOptions
        {
            BootstrapServers = options["kafka"],
            ClickHouseConnectionString = options["clickhouse"],
            GroupId = options["group"],
            TopicPattern = $@"^{System.Text.RegularExpressions.Regex.Escape(options["prefix"])}\.hub\..+",
            DeadLetterTopic = options["prefix"] + ".dlq.ingest",
            SchemaTopic = options["prefix"] + "._schemas",
            Naming = new RawTableNaming { RawDatabase = options["raw-db"], ViewDatabase = options["view-db"] },
            FlushInterval = TimeSpan.FromMilliseconds(250),
            TopicRefreshInterval = TimeSpan.FromSeconds(1),
            CompressInserts = false,
        };
        ingestOptions.ConsumerProperties["session.timeout.ms"] = "3000";
        ingestOptions.ConsumerProperties["heartbeat.interval.ms"] = "500";
        await using var ingester = new WarehouseIngester(ingestOptions, loggers);
        var run = ingester.RunAsync(stop.Token);
        while (!run.IsCompleted && ingester.Stats.Snapshot().AssignedPartitions.Count == 0)
        {
            await Task.Delay(50).ConfigureAwait(false);
        }

        Console.WriteLine("READY");
        await run.ConfigureAwait(false);
        break;
    }

    default:
        await Console.Error.WriteLineAsync("usage: cdc|ingest --key value ...").ConfigureAwait(false);
        return 2;
}

return 0;

internal static class Args
{
    public static Dictionary<string, string> Parse(IEnumerable<string> args)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var key = e.Current.TrimStart('-');
            result[key] = e.MoveNext() ? e.Current : throw new ArgumentException($"--{key} needs a value");
        }

        return result;
    }
}

/// <summary>Topics are created by the test through the embedded broker's API.</summary>
internal sealed class ExistingTopics : ITopicProvisioner
{
    public Task EnsureTopicAsync(string topic, int partitions, CancellationToken cancellationToken) => Task.CompletedTask;
}
