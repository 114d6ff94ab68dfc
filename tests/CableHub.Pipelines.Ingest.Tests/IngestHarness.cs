using System.Globalization;
using System.Text;
using System.Text.Json;
using CableHub.Pipelines.Ingest.Conversion;
using CableHub.Pipelines.Ingest.Schema;
using CableHub.Pipelines.Ingest.Writing;
using CableHub.Testing;
using ClickHouse.Driver;
using Microsoft.Extensions.Logging;

[assembly: AssemblyFixture(typeof(ClickHouseFixture))]

namespace CableHub.Pipelines.Ingest.Tests;

/// <summary>
/// Drives the ingester's Kafka-independent core (parse → convert → batch → ClickHouse) against the embedded ClickHouse,
/// with its own <c>raw_*</c>/<c>hub_*</c> databases so tests do not see each other.
/// </summary>
internal sealed class IngestHarness : IDisposable
{
    private readonly Dictionary<(string Topic, int Partition), long> _offsets = [];

    public IngestHarness(ClickHouseFixture clickHouse, RetrySettings? retry = null)
    {
        var id = Guid.NewGuid().ToString("N")[..10];
        Naming = new RawTableNaming { RawDatabase = $"raw_{id}", ViewDatabase = $"hub_{id}" };
        Client = clickHouse.CreateClient();
        var logger = TestLogging.Factory.CreateLogger<IngestHarness>();
        retry ??= new RetrySettings { MaxRetryAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(50) };
        Tables = new RawTableManager(Client, Naming, retry, logger, Stats);
        var writer = new ClickHouseBatchWriter(Client, Tables, ClickHouseErrors.RetryPipeline(retry, logger, Stats, "insert"), compress: true, logger);
        Processor = new BatchProcessor(new EventConverter(Tables), writer, null, Stats, logger);
    }

    public RawTableNaming Naming { get; }

    public ClickHouseClient Client { get; }

    public IngestStats Stats { get; } = new();

    public RawTableManager Tables { get; }

    public BatchProcessor Processor { get; }

    public string Raw => Naming.RawDatabase;

    public string Hub => Naming.ViewDatabase;

    /// <summary>Adds one message as if consumed from <paramref name="topic"/>; offsets count up per partition.</summary>
    public ValueTask AddAsync(byte[]? key, byte[]? value, string topic = "cablehub.inventory.products", int partition = 0)
    {
        var offset = _offsets.GetValueOrDefault((topic, partition));
        _offsets[(topic, partition)] = offset + 1;
        return Processor.AddAsync(new MessageOrigin(topic, partition, offset, key, value), null, TestContext.Current.CancellationToken);
    }

    public ValueTask AddAsync(string? key, string? value, string topic = "cablehub.inventory.products", int partition = 0) =>
        AddAsync(key is null ? null : Encoding.UTF8.GetBytes(key), value is null ? null : Encoding.UTF8.GetBytes(value), topic, partition);

    /// <summary>Writes and clears the batch, as one flush of the ingester.</summary>
    public async Task FlushAsync()
    {
        await Processor.WriteAsync(Processor.Batch, TestContext.Current.CancellationToken);
        Processor.Batch.Clear();
    }

    /// <summary>Rows of a query as invariant strings (NULL as "NULL"); <c>{raw}</c>/<c>{hub}</c> name this harness' databases.</summary>
    public async Task<List<string[]>> QueryAsync(string sql)
    {
        sql = sql.Replace("{raw}", $"`{Raw}`", StringComparison.Ordinal).Replace("{hub}", $"`{Hub}`", StringComparison.Ordinal);
        using var reader = await Client.ExecuteReaderAsync(sql, null, null, TestContext.Current.CancellationToken);
        var rows = new List<string[]>();
        while (reader.Read())
        {
            var row = new string[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)!;
            }

            rows.Add(row);
        }

        return rows;
    }

    public async Task<string> ScalarAsync(string sql) => (await QueryAsync(sql)).Single().Single();

    /// <summary>The Debezium key a connector would have written for a row with this id (the Flink fixtures carry values only).</summary>
    public static byte[] KeyFor(byte[] value)
    {
        using var doc = JsonDocument.Parse(value);
        var payload = doc.RootElement.TryGetProperty("payload", out var p) ? p : doc.RootElement;
        var image = payload.GetProperty("after").ValueKind == JsonValueKind.Object ? payload.GetProperty("after") : payload.GetProperty("before");
        return Encoding.UTF8.GetBytes($$"""{"id":{{image.GetProperty("id").GetInt32()}}}""");
    }

    public void Dispose() => Client.Dispose();
}
