using System.Text.Json;

namespace CableHub.Pipelines.Cdc.Tests.Cdc;

[Collection("cdc")]
public sealed class ChangeEventTests(CdcEnvironment env)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Insert_update_delete_pk_update_and_truncate_become_debezium_events_in_order()
    {
        await using var s = await CdcScenario.CreateAsync(env, "CREATE TABLE hub.customer (id int PRIMARY KEY, name text NOT NULL, email text);");
        await s.StartAsync();
        await s.ExecAsync("INSERT INTO hub.customer VALUES (1, 'Anne', 'anne@example.org')");
        await s.ExecAsync("UPDATE hub.customer SET email = 'a@example.org' WHERE id = 1");
        await s.ExecAsync("INSERT INTO hub.customer VALUES (2, 'Bob', NULL)");
        await s.ExecAsync("DELETE FROM hub.customer WHERE id = 2");
        await s.ExecAsync("UPDATE hub.customer SET id = 10 WHERE id = 1");
        await s.ExecAsync("TRUNCATE hub.customer");

        // c, u, c, d, tombstone, d, tombstone, c, t
        var messages = s.Consume(9, Wait, "customer");
        messages.Count.ShouldBe(9);
        var byKey = messages.Where(m => m.Key is not null).GroupBy(m => m.Key!.Value.GetProperty("payload").GetProperty("id").GetInt32())
            .ToDictionary(g => g.Key, g => g.OrderBy(m => m.Offset).ToList());

        var one = byKey[1];
        one.Select(m => m.IsTombstone ? "tombstone" : m.Op).ShouldBe(["c", "u", "d", "tombstone"]);
        var insert = one[0].Payload;
        insert.GetProperty("before").ValueKind.ShouldBe(JsonValueKind.Null);
        insert.GetProperty("after").GetProperty("name").GetString().ShouldBe("Anne");
        var update = one[1].Payload;
        update.GetProperty("before").GetProperty("email").GetString().ShouldBe("anne@example.org"); // REPLICA IDENTITY FULL
        update.GetProperty("after").GetProperty("email").GetString().ShouldBe("a@example.org");
        var pkDelete = one[2].Payload;
        pkDelete.GetProperty("before").GetProperty("id").GetInt32().ShouldBe(1);
        pkDelete.GetProperty("after").ValueKind.ShouldBe(JsonValueKind.Null);
        one[3].Key!.Value.GetProperty("payload").GetProperty("id").GetInt32().ShouldBe(1);

        byKey[2].Select(m => m.IsTombstone ? "tombstone" : m.Op).ShouldBe(["c", "d", "tombstone"]);
        byKey[2][1].Payload.GetProperty("before").GetProperty("name").GetString().ShouldBe("Bob");

        var ten = byKey[10].Single();
        ten.Op.ShouldBe("c");
        ten.Payload.GetProperty("after").GetProperty("email").GetString().ShouldBe("a@example.org");
        ten.Sequence.ShouldBe(one[2].Sequence); // the delete and the create come from the same change

        var truncate = messages.Single(m => m.Key is null);
        truncate.Op.ShouldBe("t");
        truncate.Payload.GetProperty("before").ValueKind.ShouldBe(JsonValueKind.Null);
        truncate.Payload.GetProperty("after").ValueKind.ShouldBe(JsonValueKind.Null);
        truncate.Source.GetProperty("table").GetString().ShouldBe("customer");

        // source block, versions and headers
        var source = insert.GetProperty("source");
        source.GetProperty("connector").GetString().ShouldBe("postgresql");
        source.GetProperty("name").GetString().ShouldBe(s.Prefix);
        source.GetProperty("db").GetString().ShouldBe("t" + s.Name);
        source.GetProperty("schema").GetString().ShouldBe("hub");
        source.GetProperty("snapshot").GetString().ShouldBe("false");
        source.GetProperty("txId").GetInt64().ShouldBeGreaterThan(0);
        var (commit, lsn) = one[0].Sequence;
        source.GetProperty("lsn").GetUInt64().ShouldBe(lsn);
        commit.ShouldBeGreaterThan(lsn);
        one[0].Headers["cablehub.commit_lsn"].ShouldBe(commit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        one[0].Headers["cablehub.ordinal"].ShouldBe("1");
        insert.GetProperty("transaction").GetProperty("id").GetString().ShouldBe($"{source.GetProperty("txId").GetInt64()}:{commit}");
        insert.GetProperty("transaction").GetProperty("total_order").GetInt64().ShouldBe(1);

        var versions = one.Where(m => !m.IsTombstone).Select(m => m.Sequence).ToList();
        versions.ShouldBe(versions.OrderBy(v => v.Commit).ThenBy(v => v.Lsn).ToList());
        versions.Select(v => v.Commit).Distinct().Count().ShouldBe(3);
    }

    [Fact]
    public async Task Envelope_and_key_have_the_shape_of_real_Debezium_events()
    {
        await using var s = await CdcScenario.CreateAsync(env, "CREATE TABLE hub.customers (id int PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL, email text NOT NULL);");
        await s.StartAsync();
        await s.ExecAsync("INSERT INTO hub.customers VALUES (1, 'Anne', 'Kretchmar', 'annek@noanswer.org')");
        var ours = s.Consume(1, Wait, "customers").Single();

        using var docs = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "debezium", "04-create-value-with-schema.json.txt")));
        var reference = docs.RootElement;
        using var flink = JsonDocument.Parse(File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "debezium", "debezium-postgres-data-schema-include.txt")).First());

        var value = ours.Value!.Value;
        Names(value).ShouldBe(Names(reference));
        // payload: every field of Debezium's envelope, plus "transaction" as real Debezium output has it
        Names(reference.GetProperty("payload")).Except(Names(ours.Payload)).ShouldBeEmpty();
        Names(flink.RootElement.GetProperty("payload")).Except(Names(ours.Payload)).ShouldBeEmpty();
        Names(reference.GetProperty("payload").GetProperty("source")).Except(Names(ours.Source)).ShouldBeEmpty();
        Names(flink.RootElement.GetProperty("payload").GetProperty("source")).Except(Names(ours.Source)).ShouldBeEmpty();

        // schema: same envelope field list; the row structs are identical for the same table
        var ourSchema = value.GetProperty("schema");
        var refSchema = reference.GetProperty("schema");
        FieldNames(refSchema).Except(FieldNames(ourSchema)).ShouldBeEmpty();
        ourSchema.GetProperty("type").GetString().ShouldBe("struct");
        ourSchema.GetProperty("name").GetString().ShouldBe($"{s.Prefix}.hub.customers.Envelope");
        var ourAfter = Field(ourSchema, "after");
        var refAfter = Field(refSchema, "after");
        Compact(ourAfter.GetProperty("fields")).ShouldBe(Compact(refAfter.GetProperty("fields")));
        ourAfter.GetProperty("optional").GetBoolean().ShouldBeTrue();
        ourAfter.GetProperty("name").GetString().ShouldBe($"{s.Prefix}.hub.customers.Value");
        Field(ourSchema, "source").GetProperty("name").GetString().ShouldBe("io.debezium.connector.postgresql.Source");
        FieldNames(Field(refSchema, "source")).Except(FieldNames(Field(ourSchema, "source"))).ShouldBeEmpty();
        var flinkSchema = flink.RootElement.GetProperty("schema");
        Compact(Field(ourSchema, "transaction").GetProperty("fields")).ShouldBe(Compact(Field(flinkSchema, "transaction").GetProperty("fields")));
        Compact(ours.Payload.GetProperty("after")).ShouldBe(Compact(reference.GetProperty("payload").GetProperty("after")));
        ours.Op.ShouldBe(reference.GetProperty("payload").GetProperty("op").GetString());

        // key: {"schema":{struct of the primary key},"payload":{"id":1}} as Debezium's docs show
        var key = ours.Key!.Value;
        key.GetProperty("schema").GetProperty("name").GetString().ShouldBe($"{s.Prefix}.hub.customers.Key");
        key.GetProperty("schema").GetProperty("fields").GetRawText().ShouldBe("""[{"type":"int32","optional":false,"field":"id"}]""");
        key.GetProperty("payload").GetRawText().ShouldBe("""{"id":1}""");
    }

    [Fact]
    public async Task Types_are_encoded_as_Debezium_encodes_them()
    {
        await using var s = await CdcScenario.CreateAsync(env, """
            CREATE TYPE hub.mood AS ENUM ('sad', 'ok', 'happy');
            CREATE DOMAIN hub.positive AS int CHECK (VALUE > 0);
            CREATE TABLE hub.all_types (
              id bigint PRIMARY KEY, s smallint, i int NOT NULL, b boolean, r real, d double precision,
              n numeric(12,2), nu numeric, m money, t text, v varchar(20), c char(3), u uuid, j json, jb jsonb,
              ts timestamp, ts3 timestamp(3), tz timestamptz, dt date, tm time, ttz timetz, iv interval,
              by bytea, ia int[], ta text[], e hub.mood, dom hub.positive, inet_col inet, bit1 bit(1), x xml);
            """);
        await s.StartAsync();
        await s.ExecAsync("""
            INSERT INTO hub.all_types VALUES (
              1, -7, 42, true, 1.5, 2.25,
              12345.67, 0.000000000000000000000001, 1234.56, 'text ü', 'var', 'ab', '0e4f3c5a-8d7b-4c2e-9f1a-123456789abc', '{"a": [1, 2]}', '{"b": 1}',
              '2024-02-29 13:14:15.123456', '2024-02-29 13:14:15.123', '2024-02-29 13:14:15.5+02', '2024-02-29', '13:14:15.25', '13:14:15+02', '1 year 2 months 3 days 04:05:06.5',
              '\x00ff10', '{1,NULL,3}', '{"a b","c,d",NULL}', 'happy', 5, '10.0.0.1/32', B'1', '<a>1</a>')
            """);
        var e = s.Consume(1, Wait, "all_types").Single();
        var after = e.Payload.GetProperty("after");
        var schema = Field(e.Value!.Value.GetProperty("schema"), "after");

        void Is(string column, string json, string type, string? name = null)
        {
            after.GetProperty(column).GetRawText().ShouldBe(json, column);
            var f = Field(schema, column);
            f.GetProperty("type").GetString().ShouldBe(type, column);
            (f.TryGetProperty("name", out var n) ? n.GetString() : null).ShouldBe(name, column);
        }

        Is("id", "1", "int64");
        Is("s", "-7", "int16");
        Is("i", "42", "int32");
        Field(schema, "i").GetProperty("optional").GetBoolean().ShouldBeFalse();
        Field(schema, "s").GetProperty("optional").GetBoolean().ShouldBeTrue();
        Is("b", "true", "boolean");
        Is("r", "1.5", "float");
        Is("d", "2.25", "double");
        Is("n", "\"12345.67\"", "string");
        Field(schema, "n").GetProperty("parameters").GetProperty("__debezium.source.column.scale").GetString().ShouldBe("2");
        Field(schema, "n").GetProperty("parameters").GetProperty("__debezium.source.column.length").GetString().ShouldBe("12");
        Is("nu", "\"0.000000000000000000000001\"", "string");
        Field(schema, "nu").GetProperty("parameters").TryGetProperty("__debezium.source.column.scale", out _).ShouldBeFalse();
        Is("m", "\"1234.56\"", "string");
        Is("t", "\"text ü\"", "string");
        Is("v", "\"var\"", "string");
        Is("c", "\"ab \"", "string");
        Is("u", "\"0e4f3c5a-8d7b-4c2e-9f1a-123456789abc\"", "string", "io.debezium.data.Uuid");
        Is("j", "\"{\\\"a\\\": [1, 2]}\"", "string", "io.debezium.data.Json");
        Is("jb", "\"{\\\"b\\\": 1}\"", "string", "io.debezium.data.Json");
        var micros = (new DateTime(2024, 2, 29, 13, 14, 15, DateTimeKind.Utc).Ticks - DateTime.UnixEpoch.Ticks) / 10 + 123456;
        Is("ts", micros.ToString(System.Globalization.CultureInfo.InvariantCulture), "int64", "io.debezium.time.MicroTimestamp");
        Is("ts3", (micros / 1000).ToString(System.Globalization.CultureInfo.InvariantCulture), "int64", "io.debezium.time.Timestamp");
        Is("tz", "\"2024-02-29T11:14:15.5Z\"", "string", "io.debezium.time.ZonedTimestamp");
        Is("dt", "19782", "int32", "io.debezium.time.Date");
        Is("tm", (((13 * 3600L) + (14 * 60) + 15) * 1_000_000 + 250_000).ToString(System.Globalization.CultureInfo.InvariantCulture), "int64", "io.debezium.time.MicroTime");
        Is("ttz", "\"11:14:15Z\"", "string", "io.debezium.time.ZonedTime");
        var duration = (long)Math.Round((14 * 365.25 / 12 * 86_400_000_000d) + (3 * 86_400_000_000d) + (4 * 3_600_000_000d) + (5 * 60_000_000d) + 6_500_000d);
        Is("iv", duration.ToString(System.Globalization.CultureInfo.InvariantCulture), "int64", "io.debezium.time.MicroDuration");
        Is("by", "\"AP8Q\"", "bytes");
        Is("ia", "[1,null,3]", "array");
        Field(schema, "ia").GetProperty("items").GetProperty("type").GetString().ShouldBe("int32");
        Is("ta", "[\"a b\",\"c,d\",null]", "array");
        Is("e", "\"happy\"", "string", "io.debezium.data.Enum");
        Field(schema, "e").GetProperty("parameters").GetProperty("allowed").GetString().ShouldBe("sad,ok,happy");
        Is("dom", "5", "int32");
        Is("inet_col", "\"10.0.0.1\"", "string"); // PostgreSQL prints a host address without /32
        Is("bit1", "true", "boolean");
        Is("x", "\"<a>1</a>\"", "string", "io.debezium.data.Xml");
    }

    [Fact]
    public async Task A_value_that_cannot_be_encoded_is_sent_as_text_and_the_stream_goes_on()
    {
        await using var s = await CdcScenario.CreateAsync(env, "CREATE TABLE hub.dates (id int PRIMARY KEY, d date, ts timestamp);");
        await s.StartAsync();
        await s.ExecAsync("INSERT INTO hub.dates VALUES (1, 'infinity', '-infinity'); INSERT INTO hub.dates VALUES (2, '2020-01-01', '2020-01-01 00:00:00')");
        var events = s.Consume(2, Wait, "dates").OrderBy(m => m.Payload.GetProperty("after").GetProperty("id").GetInt32()).ToList();
        events.Count.ShouldBe(2);
        events[0].Payload.GetProperty("after").GetProperty("d").GetString().ShouldBe("infinity");
        events[0].Payload.GetProperty("after").GetProperty("ts").GetString().ShouldBe("-infinity");
        events[1].Payload.GetProperty("after").GetProperty("d").GetInt32().ShouldBe(18262);
    }

    [Fact]
    public async Task Unchanged_toasted_values_are_filled_from_the_full_before_image_or_marked_unavailable()
    {
        await using var s = await CdcScenario.CreateAsync(env, """
            CREATE TABLE hub.docs (id int PRIMARY KEY, flag int, body text);
            CREATE TABLE hub.docs_default (id int PRIMARY KEY, flag int, body text);
            """);
        var options = s.Options();
        options.EnsureReplicaIdentityFull = false;
        await s.ExecAsync("ALTER TABLE hub.docs REPLICA IDENTITY FULL");
        await s.StartAsync(options);
        // ~100 kB of incompressible text: stored out of line (TOAST)
        var big = "(SELECT string_agg(md5(g::text), '') FROM generate_series(1, 3000) g)";
        await s.ExecAsync($"INSERT INTO hub.docs VALUES (1, 0, {big}); INSERT INTO hub.docs_default VALUES (1, 0, {big});");
        await s.ExecAsync("UPDATE hub.docs SET flag = 1; UPDATE hub.docs_default SET flag = 1;");
        var full = s.Consume(2, Wait, "docs").OrderBy(m => m.Offset).ToList();
        var partial = s.Consume(2, Wait, "docs_default").OrderBy(m => m.Offset).ToList();
        var original = full[0].Payload.GetProperty("after").GetProperty("body").GetString()!;
        original.Length.ShouldBe(96_000);
        full[1].Op.ShouldBe("u");
        full[1].Payload.GetProperty("after").GetProperty("body").GetString().ShouldBe(original);
        partial[1].Op.ShouldBe("u");
        partial[1].Payload.GetProperty("before").ValueKind.ShouldBe(JsonValueKind.Null); // REPLICA IDENTITY DEFAULT, key unchanged
        partial[1].Payload.GetProperty("after").GetProperty("body").GetString().ShouldBe("__debezium_unavailable_value");
        partial[1].Payload.GetProperty("after").GetProperty("flag").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task A_table_created_later_is_captured_with_full_replica_identity()
    {
        await using var s = await CdcScenario.CreateAsync(env, "CREATE TABLE hub.first (id int PRIMARY KEY);");
        await s.StartAsync();
        await s.ExecAsync("CREATE TABLE hub.later (id int PRIMARY KEY, name text); INSERT INTO hub.later VALUES (1, 'x');");
        (await s.ScalarAsync<char>("SELECT relreplident FROM pg_class WHERE oid = 'hub.later'::regclass")).ShouldBe('f');
        await s.ExecAsync("UPDATE hub.later SET name = 'y'");
        var events = s.Consume(2, Wait, "later").OrderBy(m => m.Offset).ToList();
        events.Select(m => m.Op).ShouldBe(["c", "u"]);
        events[1].Payload.GetProperty("before").GetProperty("name").GetString().ShouldBe("x");
    }

    internal static string Compact(JsonElement e) => JsonSerializer.Serialize(e);

    internal static IEnumerable<string> Names(JsonElement e) => e.EnumerateObject().Select(p => p.Name).ToList();

    internal static IEnumerable<string> FieldNames(JsonElement structSchema) =>
        structSchema.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("field").GetString()!).ToList();

    internal static JsonElement Field(JsonElement structSchema, string name) =>
        structSchema.GetProperty("fields").EnumerateArray().Single(f => f.GetProperty("field").GetString() == name);
}
