using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CableHub.Pipelines.Cdc.Delivery;
using CableHub.Testing;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CableHub.Pipelines.Cdc.Tests.Cdc;

/// <summary>One throwaway PostgreSQL cluster and one embedded Kafka shared by the CDC tests (each test has its own database, slot and topic prefix).</summary>
public sealed class CdcEnvironment : IAsyncLifetime
{
    public PostgresFixture Postgres { get; } = new();

    public KafkaFixture Kafka { get; } = new();

    public async ValueTask InitializeAsync()
    {
        await Postgres.InitializeAsync();
        await Kafka.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Kafka.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}

[CollectionDefinition("cdc")]
public sealed class CdcCollection : ICollectionFixture<CdcEnvironment>;

/// <summary>A consumed Kafka message with its key and value parsed.</summary>
public sealed record Consumed(string Topic, int Partition, long Offset, JsonElement? Key, JsonElement? Value, IReadOnlyDictionary<string, string> Headers)
{
    public JsonElement Payload => Value!.Value.GetProperty("payload");

    public string Op => Payload.GetProperty("op").GetString()!;

    public JsonElement Source => Payload.GetProperty("source");

    public bool IsTombstone => Value is null;

    public (ulong Commit, ulong Lsn) Sequence
    {
        get
        {
            using var doc = JsonDocument.Parse(Source.GetProperty("sequence").GetString()!);
            return (ulong.Parse(doc.RootElement[0].GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                ulong.Parse(doc.RootElement[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}

/// <summary>One test's database, slot, topic prefix and reader.</summary>
public sealed class CdcScenario : IAsyncDisposable
{
    private readonly CdcEnvironment _env;
    private CancellationTokenSource? _stop;
    private Task? _run;

    private CdcScenario(CdcEnvironment env, string connectionString, string name)
    {
        _env = env;
        ConnectionString = connectionString;
        Name = name;
        Prefix = "p" + name;
    }

    public string ConnectionString { get; }

    public string Name { get; }

    public string Prefix { get; }

    public string Slot => "s" + Name;

    public CdcReader? Reader { get; private set; }

    public static async Task<CdcScenario> CreateAsync(CdcEnvironment env, string ddl)
    {
        var name = Guid.NewGuid().ToString("N")[..12];
        var cs = await env.Postgres.CreateDatabaseAsync("t" + name);
        var scenario = new CdcScenario(env, cs, name);
        await scenario.ExecAsync("CREATE SCHEMA hub; " + ddl);
        return scenario;
    }

    public string Topic(string table) => $"{Prefix}.hub.{table}";

    public CdcReaderOptions Options(AcknowledgementMode mode = AcknowledgementMode.Broker, SnapshotMode snapshot = SnapshotMode.Never)
    {
        var options = new CdcReaderOptions
        {
            ConnectionString = ConnectionString,
            BootstrapServers = _env.Kafka.BootstrapServers,
            Slot = Slot,
            Publication = "pub_" + Name,
            TopicPrefix = Prefix,
            Acknowledgement = mode,
            Snapshot = snapshot,
            SchemaMode = SchemaMode.Inline, // Debezium's format with schemas; SchemaPublicationTests covers Published

            StatusInterval = TimeSpan.FromMilliseconds(200),
            HeartbeatInterval = TimeSpan.FromSeconds(1),
            RetryDelay = TimeSpan.FromMilliseconds(200),
            RetryMaxDelay = TimeSpan.FromSeconds(2),
        };
        options.ProducerProperties["linger.ms"] = "2";
        return options;
    }

    public async Task<CdcReader> StartAsync(CdcReaderOptions? options = null)
    {
        options ??= Options();
        Reader = new CdcReader(options, _env.Kafka.Topics, TestLogging.Factory.CreateLogger("cdc-" + Name));
        _stop = new CancellationTokenSource();
        _run = Task.Run(() => Reader.RunAsync(_stop.Token));
        var ready = await Task.WhenAny(Reader.Streaming, _run, Task.Delay(TimeSpan.FromSeconds(60)));
        if (ready != Reader.Streaming)
        {
            if (_run.IsFaulted)
            {
                await _run;
            }

            throw new TimeoutException("the CDC reader did not start streaming");
        }

        return Reader;
    }

    public async Task StopAsync()
    {
        if (_stop is null)
        {
            return;
        }

        await _stop.CancelAsync();
        await _run!.WaitAsync(TimeSpan.FromSeconds(60));
        _stop.Dispose();
        _stop = null;
    }

    public async Task ExecAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
#pragma warning disable CA2100
        await using var cmd = new NpgsqlCommand(sql, conn);
#pragma warning restore CA2100
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<T?> ScalarAsync<T>(string sql)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
#pragma warning disable CA2100
        await using var cmd = new NpgsqlCommand(sql, conn);
#pragma warning restore CA2100
        var value = await cmd.ExecuteScalarAsync();
        return value is DBNull or null ? default : (T)value;
    }

    /// <summary>The slot's confirmed_flush_lsn (0 when the slot does not exist).</summary>
    public async Task<ulong> ConfirmedFlushAsync()
    {
        var text = await ScalarAsync<string>($"SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '{Slot}'");
        return text is null ? 0 : (ulong)NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(text);
    }

    /// <summary>Reads every partition of the given topics from the beginning until <paramref name="count"/> messages (or the timeout).</summary>
    public List<Consumed> Consume(int count, TimeSpan timeout, params string[] tables) => ConsumeUntil(r => r.Count >= count, timeout, tables);

    /// <summary>Reads every partition of the given topics from the beginning until <paramref name="done"/> holds (or the timeout).</summary>
    public List<Consumed> ConsumeUntil(Func<List<Consumed>, bool> done, TimeSpan timeout, params string[] tables)
    {
        foreach (var t in tables)
        {
            _env.Kafka.EnsureTopic(Topic(t), 3);
        }

        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(_env.Kafka.Consumer()).Build();
        consumer.Assign(tables.SelectMany(t => Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(Topic(t), p, Offset.Beginning))));
        var result = new List<Consumed>();
        var watch = Stopwatch.StartNew();
        while (!done(result) && watch.Elapsed < timeout)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r is null || r.IsPartitionEOF)
            {
                continue;
            }

            result.Add(new Consumed(
                r.Topic, r.Partition.Value, r.Offset.Value,
                r.Message.Key is null ? null : JsonDocument.Parse(r.Message.Key).RootElement.Clone(),
                r.Message.Value is null ? null : JsonDocument.Parse(r.Message.Value).RootElement.Clone(),
                r.Message.Headers.ToDictionary(h => h.Key, h => Encoding.ASCII.GetString(h.GetValueBytes()))));
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            await ExecAsync($"SELECT pg_drop_replication_slot('{Slot}') FROM pg_replication_slots WHERE slot_name = '{Slot}' AND NOT active");
        }
        catch (PostgresException)
        {
        }
    }
}
