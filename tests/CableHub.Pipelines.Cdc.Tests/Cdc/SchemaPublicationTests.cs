using System.Text.Json;
using CableHub.Pipelines.Cdc.Delivery;
using Confluent.Kafka;

namespace CableHub.Pipelines.Cdc.Tests.Cdc;

/// <summary>
/// <see cref="SchemaMode.Published"/>: events carry the bare payload and the header <c>cablehub.schema_id</c>; the
/// schema of each table version is on <c>&lt;prefix&gt;._schemas</c> (key = id) before its first event, and a column
/// added while streaming gives a new id with the new field.
/// </summary>
[Collection("cdc")]
public sealed class SchemaPublicationTests(CdcEnvironment env)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Events_reference_a_schema_published_once_per_table_version()
    {
        await using var s = await CdcScenario.CreateAsync(env, "CREATE TABLE hub.item (id int PRIMARY KEY, price numeric(10,2) NOT NULL, at timestamptz);");
        var options = s.Options(AcknowledgementMode.Broker);
        options.SchemaMode = SchemaMode.Published;
        await s.StartAsync(options);
        await s.ExecAsync("INSERT INTO hub.item VALUES (1, 9.99, '2024-05-01 10:00:00.25+00'), (2, 1.00, NULL)");
        await s.ExecAsync("ALTER TABLE hub.item ADD COLUMN label text");
        await s.ExecAsync("INSERT INTO hub.item VALUES (3, 2.50, NULL, 'new')");

        var messages = s.Consume(3, Wait, "item").OrderBy(m => m.Key!.Value.GetProperty("id").GetInt32()).ToList();
        messages.Count.ShouldBe(3);
        foreach (var m in messages)
        {
            m.Value!.Value.TryGetProperty("schema", out _).ShouldBeFalse(); // bare payload (schemas.enable=false)
            m.Value.Value.GetProperty("op").GetString().ShouldBe("c");
            m.Key!.Value.TryGetProperty("schema", out _).ShouldBeFalse();
            m.Headers.ShouldContainKey("cablehub.schema_id");
        }

        messages[0].Value!.Value.GetProperty("after").GetProperty("price").GetString().ShouldBe("9.99");
        messages[0].Value!.Value.GetProperty("after").GetProperty("at").GetString().ShouldBe("2024-05-01T10:00:00.25Z");
        var before = messages[0].Headers["cablehub.schema_id"];
        messages[1].Headers["cablehub.schema_id"].ShouldBe(before);
        var after = messages[2].Headers["cablehub.schema_id"];
        after.ShouldNotBe(before);
        after.Length.ShouldBe(16);

        var schemas = ReadSchemaTopic($"{s.Prefix}._schemas");
        schemas.Keys.ShouldBe([before, after], ignoreOrder: true);
        Fields(schemas[before], "after").ShouldBe(["id", "price", "at"]);
        Fields(schemas[after], "after").ShouldBe(["id", "price", "at", "label"]);
        schemas[after].GetProperty("topic").GetString().ShouldBe(s.Topic("item"));
        schemas[after].GetProperty("key").GetProperty("fields")[0].GetProperty("field").GetString().ShouldBe("id");
        var price = schemas[before].GetProperty("value").GetProperty("fields").EnumerateArray().First(f => f.GetProperty("field").GetString() == "after")
            .GetProperty("fields").EnumerateArray().First(f => f.GetProperty("field").GetString() == "price");
        price.GetProperty("parameters").GetProperty("__debezium.source.column.scale").GetString().ShouldBe("2");
    }

    private static string[] Fields(JsonElement record, string row) =>
        [.. record.GetProperty("value").GetProperty("fields").EnumerateArray().First(f => f.GetProperty("field").GetString() == row)
            .GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("field").GetString()!)];

    private Dictionary<string, JsonElement> ReadSchemaTopic(string topic)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(env.Kafka.Consumer()).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var high = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10)).High.Value;
        var result = new Dictionary<string, JsonElement>();
        var until = DateTime.UtcNow + Wait;
        while (DateTime.UtcNow < until && (result.Count == 0 || consumer.Position(new TopicPartition(topic, 0)).Value < high))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: { } message, IsPartitionEOF: false })
            {
                using var doc = JsonDocument.Parse(message.Value);
                result[message.Key] = doc.RootElement.Clone();
                doc.RootElement.GetProperty("id").GetString().ShouldBe(message.Key);
            }
        }

        return result;
    }
}
