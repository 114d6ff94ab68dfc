using System.Text;
using CableHub.Pipelines.Ingest.Envelopes;
using CableHub.Testing;

namespace CableHub.Pipelines.Ingest.Tests;

/// <summary>Conversion semantics end to end into the embedded ClickHouse (no broker): exact FINAL state.</summary>
public sealed class ClickHouseIngestTests(ClickHouseFixture clickHouse)
{
    private static readonly string[][] ProductsFinalState =
    [
        ["101", "scooter", "Small 2-wheel scooter", "3.14"],
        ["102", "car battery", "12V car battery", "8.1"],
        ["103", "12-pack drill bits", "12-pack of drill bits with sizes ranging from #40 to #3", "0.8"],
        ["104", "hammer", "12oz carpenter's hammer", "0.75"],
        ["105", "hammer", "14oz carpenter's hammer", "0.875"],
        ["106", "hammer", "18oz carpenter hammer", "1"],
        ["107", "rocks", "box of assorted rocks", "5.1"],
        ["108", "jacket", "water resistent black wind breaker", "0.1"],
        ["109", "spare tire", "24 inch spare tire", "22.2"],
        ["110", "jacket", "new water resistent white wind breaker", "0.5"],
    ];

    private async Task AddFixtureAsync(IngestHarness h, string fixture)
    {
        foreach (var line in Fixture.Lines(fixture))
        {
            await h.AddAsync(IngestHarness.KeyFor(line), line);
        }
    }

    private static Task<List<string[]>> ProductsAsync(IngestHarness h) =>
        h.QueryAsync("SELECT id, name, description, weight FROM {hub}.inventory_products ORDER BY id");

    [Fact]
    public async Task Real_connector_events_without_schema_give_the_exact_final_state()
    {
        using var h = new IngestHarness(clickHouse);
        await AddFixtureAsync(h, Fixture.SchemaExclude);
        h.Processor.Batch.RowCount.ShouldBe(16);
        await h.FlushAsync();

        (await ProductsAsync(h)).ShouldBe(ProductsFinalState);
        (await h.QueryAsync("SELECT name, type FROM system.columns WHERE database = '" + h.Raw + "' AND table = 'inventory_products' AND name NOT LIKE '\\_%' ORDER BY position"))
            .ShouldBe([["id", "Int64"], ["name", "Nullable(String)"], ["description", "Nullable(String)"], ["weight", "Nullable(Float64)"]]);
        // FINAL hides rows whose newest version is deleted; the raw history keeps the delete.
        (await h.QueryAsync("SELECT _op, _is_deleted, toString(_version), _lsn, _tx_id FROM {raw}.inventory_products WHERE id = 111 ORDER BY _version DESC LIMIT 1"))
            .ShouldBe([["d", "1", new UInt128(34133800, 0).ToString(), "34133800", "608"]]);
        (await h.ScalarAsync("SELECT count() FROM {raw}.inventory_products FINAL WHERE id = 111")).ShouldBe("0");
        (await h.QueryAsync("SELECT engine, sorting_key FROM system.tables WHERE database = '" + h.Raw + "' AND name = 'inventory_products'"))
            .ShouldBe([["ReplacingMergeTree", "(id)"]]);
        (await h.ScalarAsync("SELECT engine_full FROM system.tables WHERE database = '" + h.Raw + "' AND name = 'inventory_products'"))
            .ShouldStartWith("ReplacingMergeTree(_version, _is_deleted)");
    }

    [Fact]
    public async Task Real_connector_events_with_schema_give_the_exact_final_state_and_schema_types()
    {
        using var h = new IngestHarness(clickHouse);
        await AddFixtureAsync(h, Fixture.SchemaInclude);
        await h.FlushAsync();

        (await ProductsAsync(h)).ShouldBe(ProductsFinalState);
        (await h.QueryAsync("SELECT name, type FROM system.columns WHERE database = '" + h.Raw + "' AND table = 'inventory_products' ORDER BY position"))
            .ShouldBe(
            [
                ["id", "Int32"], ["name", "String"], ["description", "Nullable(String)"], ["weight", "Nullable(Float64)"],
                ["_version", "UInt128"], ["_is_deleted", "UInt8"], ["_op", "LowCardinality(String)"], ["_source_ts", "DateTime64(3, 'UTC')"],
                ["_lsn", "UInt64"], ["_tx_id", "Nullable(UInt64)"], ["_topic", "LowCardinality(String)"], ["_partition", "Int32"],
                ["_offset", "Int64"], ["_ingested_at", "DateTime64(3, 'UTC')"],
            ]);
    }

    [Fact]
    public async Task Deletes_without_before_image_are_identified_by_the_message_key()
    {
        // Captured without REPLICA IDENTITY FULL: before is null for u and d; the delete has before = after = null.
        using var h = new IngestHarness(clickHouse);
        var lines = Fixture.Lines(Fixture.ReplicaIdentity);
        foreach (var line in lines.Take(15))
        {
            await h.AddAsync(IngestHarness.KeyFor(line), line);
        }

        await h.AddAsync("""{"id":111}""", Encoding.UTF8.GetString(lines[15]));
        await h.FlushAsync();

        (await ProductsAsync(h)).ShouldBe(ProductsFinalState);
    }

    [Fact]
    public async Task Replayed_events_collapse_in_final()
    {
        using var h = new IngestHarness(clickHouse);
        await AddFixtureAsync(h, Fixture.SchemaInclude);
        await h.FlushAsync();
        await AddFixtureAsync(h, Fixture.SchemaInclude); // the consumer restarted before committing: everything again
        await h.FlushAsync();
        await AddFixtureAsync(h, Fixture.SchemaInclude);
        await h.FlushAsync();

        (await ProductsAsync(h)).ShouldBe(ProductsFinalState);
        (await h.ScalarAsync("SELECT count() FROM {raw}.inventory_products FINAL")).ShouldBe("10"); // 111 is deleted
        await h.QueryAsync("OPTIMIZE TABLE {raw}.inventory_products FINAL");
        (await ProductsAsync(h)).ShouldBe(ProductsFinalState);
    }

    [Fact]
    public async Task An_older_version_arriving_after_a_newer_one_does_not_win()
    {
        using var h = new IngestHarness(clickHouse);
        var newer = """{"after":{"id":1,"plan":"premium"},"source":{"schema":"hub","table":"subscription","lsn":300,"sequence":["290","300"]},"op":"u"}""";
        var older = """{"after":{"id":1,"plan":"basic"},"source":{"schema":"hub","table":"subscription","lsn":200,"sequence":["190","200"]},"op":"u"}""";
        var olderDelete = """{"before":{"id":1},"after":null,"source":{"schema":"hub","table":"subscription","lsn":250,"sequence":["240","250"]},"op":"d"}""";
        await h.AddAsync("""{"id":1}""", newer, "cablehub.hub.subscription");
        await h.FlushAsync();
        await h.AddAsync("""{"id":1}""", older, "cablehub.hub.subscription");
        await h.AddAsync("""{"id":1}""", olderDelete, "cablehub.hub.subscription");
        await h.FlushAsync();

        (await h.QueryAsync("SELECT id, plan FROM {hub}.subscription")).ShouldBe([["1", "premium"]]);
    }

    [Fact]
    public async Task Within_one_transaction_the_later_change_wins()
    {
        using var h = new IngestHarness(clickHouse);
        await h.AddAsync("""{"id":7}""", """{"after":{"id":7,"v":"first"},"source":{"schema":"hub","table":"t","lsn":1001,"sequence":["1100","1001"]},"op":"c"}""", "cablehub.hub.t");
        await h.AddAsync("""{"id":7}""", """{"after":{"id":7,"v":"second"},"source":{"schema":"hub","table":"t","lsn":1002,"sequence":["1100","1002"]},"op":"u"}""", "cablehub.hub.t");
        await h.FlushAsync();

        (await h.QueryAsync("SELECT v FROM {hub}.t")).ShouldBe([["second"]]);
    }

    [Fact]
    public async Task Create_update_delete_tombstone_and_snapshot_give_the_exact_state()
    {
        using var h = new IngestHarness(clickHouse);
        const string topic = "cablehub.hub.customer";
        await h.AddAsync("""{"id":1}""", """{"after":{"id":1,"name":"Ann"},"source":{"schema":"hub","table":"customer","lsn":100,"snapshot":"true"},"op":"r"}""", topic);
        await h.AddAsync("""{"id":2}""", """{"after":{"id":2,"name":"Bob"},"source":{"schema":"hub","table":"customer","lsn":100,"snapshot":"last"},"op":"r"}""", topic);
        await h.AddAsync("""{"id":3}""", """{"after":{"id":3,"name":"Cid"},"source":{"schema":"hub","table":"customer","lsn":205,"sequence":["210","205"]},"op":"c"}""", topic);
        await h.AddAsync("""{"id":1}""", """{"before":{"id":1,"name":"Ann"},"after":{"id":1,"name":"Anne"},"source":{"schema":"hub","table":"customer","lsn":305,"sequence":["310","305"]},"op":"u"}""", topic);
        await h.AddAsync("""{"id":2}""", """{"before":{"id":2,"name":null},"after":null,"source":{"schema":"hub","table":"customer","lsn":405,"sequence":["410","405"]},"op":"d"}""", topic);
        await h.AddAsync("""{"id":2}""", null, topic); // tombstone after the delete
        h.Processor.Batch.Tombstones.ShouldBe(1);
        h.Processor.Batch.RowCount.ShouldBe(5);
        await h.FlushAsync();

        (await h.QueryAsync("SELECT id, name FROM {hub}.customer ORDER BY id")).ShouldBe([["1", "Anne"], ["3", "Cid"]]);
        (await h.QueryAsync("SELECT id, argMax(_op, _version), argMax(_is_deleted, _version), argMax(name, _version) FROM {raw}.hub_customer GROUP BY id ORDER BY id"))
            .ShouldBe([["1", "u", "0", "Anne"], ["2", "d", "1", "NULL"], ["3", "c", "0", "Cid"]]);
    }

    [Fact]
    public async Task Truncate_deletes_current_rows_and_later_rows_and_stays_applied_on_replay()
    {
        using var h = new IngestHarness(clickHouse);
        const string topic = "cablehub.hub.invoice";
        string Row(int id, int lsn) => $$"""{"after":{"id":{{id}},"amount":"{{id}}.00"},"source":{"schema":"hub","table":"invoice","lsn":{{lsn}},"sequence":["{{lsn}}","{{lsn}}"]},"op":"c"}""";
        const string truncate = """{"source":{"schema":"hub","table":"invoice","lsn":500,"sequence":["500","500"],"txId":9},"op":"t"}""";

        await h.AddAsync("""{"id":1}""", Row(1, 100), topic);
        await h.AddAsync("""{"id":2}""", Row(2, 200), topic);
        await h.FlushAsync();
        await h.AddAsync("""{"id":3}""", Row(3, 300), topic);       // same batch as the truncate, before it
        await h.AddAsync(null, truncate, topic);
        await h.AddAsync("""{"id":4}""", Row(4, 600), topic);       // after the truncate
        await h.FlushAsync();

        (await h.QueryAsync("SELECT id FROM {hub}.invoice ORDER BY id")).ShouldBe([["4"]]);
        (await h.QueryAsync("SELECT id, argMax(_op, _version), toString(max(_version)) FROM {raw}.hub_invoice GROUP BY id HAVING argMax(_is_deleted, _version) = 1 ORDER BY id"))
            .ShouldBe([["1", "t", new UInt128(500, 500).ToString()], ["2", "t", new UInt128(500, 500).ToString()], ["3", "c", new UInt128(300, 300).ToString()]]);

        // Replay of everything (new ingester, empty caches): still only row 4.
        var sameDatabases = new IngestHarnessReplay(h);
        await sameDatabases.ReplayAsync(
        [
            ("""{"id":1}""", Row(1, 100)), ("""{"id":2}""", Row(2, 200)), ("""{"id":3}""", Row(3, 300)), (null, truncate), ("""{"id":4}""", Row(4, 600)),
        ], topic);
        (await h.QueryAsync("SELECT id FROM {hub}.invoice ORDER BY id")).ShouldBe([["4"]]);
        (await h.ScalarAsync("SELECT count() FROM {raw}._truncations FINAL")).ShouldBe("1");
    }

    [Fact]
    public async Task A_truncate_read_before_older_rows_from_another_partition_still_deletes_them()
    {
        using var h = new IngestHarness(clickHouse);
        const string topic = "cablehub.hub.plan";
        string Row(int id, int lsn) => $$"""{"after":{"id":{{id}}},"source":{"schema":"hub","table":"plan","lsn":{{lsn}},"sequence":["{{lsn}}","{{lsn}}"]},"op":"r"}""";
        await h.AddAsync(null, """{"source":{"schema":"hub","table":"plan","lsn":500,"sequence":["500","500"]},"op":"t"}""", topic, partition: 2);
        await h.FlushAsync(); // no table yet: the truncation is only recorded

        await h.AddAsync("""{"id":1}""", Row(1, 100), topic, partition: 0);
        await h.AddAsync("""{"id":2}""", Row(2, 100), topic, partition: 1);
        await h.AddAsync("""{"id":3}""", Row(3, 700), topic, partition: 1);
        await h.FlushAsync();

        (await h.QueryAsync("SELECT id FROM {hub}.plan ORDER BY id")).ShouldBe([["3"]]);
    }

    [Fact]
    public async Task A_new_field_adds_a_column_and_the_view_shows_it()
    {
        using var h = new IngestHarness(clickHouse);
        const string topic = "cablehub.hub.device";
        const string schemaV1 = """{"type":"struct","fields":[{"type":"struct","optional":true,"field":"after","fields":[{"type":"int64","optional":false,"field":"id"},{"type":"string","optional":false,"field":"serial"}]},{"type":"struct","optional":false,"field":"source","fields":[]},{"type":"string","optional":false,"field":"op"}]}""";
        const string schemaV2 = """{"type":"struct","fields":[{"type":"struct","optional":true,"field":"after","fields":[{"type":"int64","optional":false,"field":"id"},{"type":"string","optional":false,"field":"serial"},{"type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp","field":"activated_at"}]},{"type":"struct","optional":false,"field":"source","fields":[]},{"type":"string","optional":false,"field":"op"}]}""";
        await h.AddAsync("""{"id":1}""", $$$"""{"schema":{{{schemaV1}}},"payload":{"after":{"id":1,"serial":"STB-1"},"source":{"schema":"hub","table":"device","lsn":10},"op":"c"}}""", topic);
        await h.FlushAsync();
        await h.AddAsync("""{"id":2}""", $$$"""{"schema":{{{schemaV2}}},"payload":{"after":{"id":2,"serial":"STB-2","activated_at":1704164645123456},"source":{"schema":"hub","table":"device","lsn":20},"op":"c"}}""", topic);
        // schemaless event in the same batch with yet another field
        await h.AddAsync("""{"id":3}""", """{"after":{"id":3,"serial":"STB-3","activated_at":1704164645000000,"firmware":"1.2.3"},"source":{"schema":"hub","table":"device","lsn":30},"op":"c"}""", topic);
        await h.FlushAsync();

        (await h.QueryAsync("SELECT id, serial, activated_at, firmware FROM {hub}.device ORDER BY id"))
            .ShouldBe(
            [
                ["1", "STB-1", "NULL", "NULL"],
                ["2", "STB-2", "01/02/2024 03:04:05", "NULL"],
                ["3", "STB-3", "01/02/2024 03:04:05", "1.2.3"],
            ]);
        (await h.ScalarAsync("SELECT toString(activated_at) FROM {hub}.device WHERE id = 2")).ShouldBe("2024-01-02 03:04:05.123456");
        (await h.QueryAsync("SELECT name, type FROM system.columns WHERE database = '" + h.Raw + "' AND table = 'hub_device' AND name IN ('activated_at', 'firmware') ORDER BY name"))
            .ShouldBe([["activated_at", "Nullable(DateTime64(6, 'UTC'))"], ["firmware", "Nullable(String)"]]);
    }

    [Fact]
    public async Task Bad_events_are_dead_lettered_with_a_reason_and_the_rest_of_the_batch_lands()
    {
        using var h = new IngestHarness(clickHouse);
        const string topic = "cablehub.hub.account";
        await h.AddAsync("""{"id":1}""", """{"after":{"id":1,"balance":"10.00"},"source":{"schema":"hub","table":"account","lsn":10},"op":"c"}""", topic); // offset 0
        await h.AddAsync("""{"id":2}""", """{"after":{"id":2,"balance":"1""", topic);                                                                  // 1: malformed JSON
        await h.AddAsync("""{"id":3}""", """{"schema":{"type":"struct"},"payload":{"op":"c"}}""", topic);                                          // 2: no source
        await h.AddAsync("""{"id":4}""", """{"after":{"id":"four","balance":"1.00"},"source":{"schema":"hub","table":"account","lsn":40},"op":"c"}""", topic); // 3: wrong type
        await h.AddAsync(null, """{"after":{"balance":"2.00"},"source":{"schema":"hub","table":"account","lsn":50},"op":"c"}""", topic);          // 4: no key value
        await h.AddAsync("""{"id":6}""", """{"after":{"id":6,"balance":"6.00"},"source":{"schema":"hub","table":"account","lsn":60},"op":"c"}""", topic); // 5
        h.Processor.Batch.DeadLetters.Count.ShouldBe(4);
        await h.FlushAsync();

        (await h.QueryAsync("SELECT id, balance FROM {hub}.account ORDER BY id")).ShouldBe([["1", "10.00"], ["6", "6.00"]]);
        var deadLetters = await h.QueryAsync("SELECT offset, reason, key, length(value) > 0 FROM {raw}._dead_letter FINAL ORDER BY offset");
        deadLetters.Select(d => d[0]).ShouldBe(["1", "2", "3", "4"]);
        deadLetters[0][1].ShouldStartWith("value: malformed JSON at line 1");
        deadLetters[1][1].ShouldBe("payload.source: missing or not an object");
        deadLetters[2][1].ShouldBe("hub.account: payload.after.id: \"four\" expected an integer (column type Int64)");
        deadLetters[3][1].ShouldBe("hub.account: payload.after.id: key column \"id\" is missing or null");
        deadLetters[0][2].ShouldBe("""{"id":2}""");
        deadLetters.Select(d => d[3]).ShouldBe(["1", "1", "1", "1"]);
    }

    [Fact]
    public async Task Values_the_column_cannot_hold_are_dead_lettered_before_clickhouse()
    {
        using var h = new IngestHarness(clickHouse);
        const string topic = "cablehub.hub.plan";
        // Date32 holds 1900..2299; days = 200000 is year 2517: refused by the converter. A Decimal(38, 2) with 3
        // fractional digits likewise. Both are caught before ClickHouse; the neighbours land.
        const string schema = """{"type":"struct","fields":[{"type":"struct","optional":true,"field":"after","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"int32","optional":true,"name":"io.debezium.time.Date","field":"starts"},{"type":"string","optional":true,"name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"},"field":"price"}]},{"type":"struct","optional":false,"field":"source","fields":[]},{"type":"string","optional":false,"field":"op"}]}""";
        string Event(int id, int days, string price) => $$$"""{"schema":{{{schema}}},"payload":{"after":{"id":{{{id}}},"starts":{{{days}}},"price":"{{{price}}}"},"source":{"schema":"hub","table":"plan","lsn":{{{id}}}},"op":"c"}}""";
        await h.AddAsync("""{"id":1}""", Event(1, 19724, "9.99"), topic);
        await h.AddAsync("""{"id":2}""", Event(2, 200000, "9.99"), topic);
        await h.AddAsync("""{"id":3}""", Event(3, 19724, "9.999"), topic);
        await h.AddAsync("""{"id":4}""", Event(4, 19725, "19.90"), topic);
        await h.FlushAsync();

        (await h.QueryAsync("SELECT id, toString(starts), toString(price) FROM {hub}.plan ORDER BY id")).ShouldBe([["1", "2024-01-02", "9.99"], ["4", "2024-01-03", "19.9"]]);
        (await h.QueryAsync("SELECT offset FROM {raw}._dead_letter ORDER BY offset")).ShouldBe([["1"], ["2"]]);
    }

    [Fact]
    public async Task Rows_clickhouse_refuses_are_isolated_by_bisection_and_dead_lettered()
    {
        using var h = new IngestHarness(clickHouse);
        const string topic = "cablehub.hub.payment";
        await h.Tables.EnsureTableAsync("hub", "payment", """{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"},{"type":"int64","optional":false,"field":"cents"}]}""", ["id"], TestContext.Current.CancellationToken);
        await h.QueryAsync("ALTER TABLE {raw}.hub_payment ADD CONSTRAINT non_negative CHECK cents >= 0");
        for (var id = 1; id <= 20; id++)
        {
            var cents = id is 7 or 16 ? -1 : id * 100;
            await h.AddAsync($$"""{"id":{{id}}}""", $$"""{"after":{"id":{{id}},"cents":{{cents}}},"source":{"schema":"hub","table":"payment","lsn":{{id}}},"op":"c"}""", topic);
        }

        await h.FlushAsync();

        (await h.ScalarAsync("SELECT count() FROM {hub}.payment")).ShouldBe("18");
        (await h.ScalarAsync("SELECT sum(cents) FROM {hub}.payment")).ShouldBe(((Enumerable.Range(1, 20).Sum() - 7 - 16) * 100).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var deadLetters = await h.QueryAsync("SELECT offset, reason FROM {raw}._dead_letter ORDER BY offset");
        deadLetters.Select(d => d[0]).ShouldBe(["6", "15"]);
        deadLetters.ShouldAllBe(d => d[1].Contains("ClickHouse refused the row") && d[1].Contains("VIOLATED_CONSTRAINT"));
    }

    [Fact]
    public async Task Unchanged_toast_placeholders_keep_the_previous_value()
    {
        using var h = new IngestHarness(clickHouse);
        const string topic = "cablehub.hub.note";
        const string schema = """{"type":"struct","fields":[{"type":"struct","optional":true,"field":"before","fields":[]},{"type":"struct","optional":true,"field":"after","fields":[{"type":"int64","optional":false,"field":"id"},{"type":"string","optional":true,"field":"body"},{"type":"bytes","optional":true,"field":"blob"},{"type":"array","optional":true,"items":{"type":"string","optional":true},"field":"tags"},{"type":"string","optional":true,"field":"state"}]},{"type":"struct","optional":false,"field":"source","fields":[]},{"type":"string","optional":false,"field":"op"}]}""";
        const string unavailable = "__debezium_unavailable_value";
        var unavailableBytes = Convert.ToBase64String(Encoding.UTF8.GetBytes(unavailable));
        string Event(int id, int lsn, string op, string body, string blob, string tags, string state) =>
            $$$"""{"schema":{{{schema}}},"payload":{"before":null,"after":{"id":{{{id}}},"body":"{{{body}}}","blob":"{{{blob}}}","tags":{{{tags}}},"state":"{{{state}}}"},"source":{"schema":"hub","table":"note","lsn":{{{lsn}}}},"op":"{{{op}}}"}}""";
        var longText = new string('x', 3000);
        var blob = Convert.ToBase64String([0, 1, 2, 255]);

        // 1: created and updated in the same batch; 2: created in one batch, updated in the next; 3: never seen before.
        await h.AddAsync("""{"id":1}""", Event(1, 10, "c", longText, blob, """["a","b"]""", "new"), topic);
        await h.AddAsync("""{"id":1}""", Event(1, 20, "u", unavailable, unavailableBytes, $"""["{unavailable}"]""", "edited"), topic);
        await h.AddAsync("""{"id":2}""", Event(2, 30, "c", "two", blob, """["c"]""", "new"), topic);
        await h.FlushAsync();
        await h.AddAsync("""{"id":2}""", Event(2, 40, "u", unavailable, unavailableBytes, $"""["{unavailable}"]""", "edited"), topic);
        await h.AddAsync("""{"id":3}""", Event(3, 50, "u", unavailable, blob, """["d"]""", "edited"), topic);
        await h.FlushAsync();

        (await h.QueryAsync("SELECT id, length(body), hex(blob), toString(tags), state FROM {hub}.note ORDER BY id"))
            .ShouldBe(
            [
                ["1", "3000", "000102FF", "['a','b']", "edited"],
                ["2", "3", "000102FF", "['c']", "edited"],
                ["3", "NULL", "000102FF", "['d']", "edited"],
            ]);
        (await h.ScalarAsync("SELECT count() FROM {raw}._dead_letter")).ShouldBe("0");
    }

    [Fact]
    public async Task A_raw_table_dropped_by_hand_is_recreated_and_the_batch_lands()
    {
        using var h = new IngestHarness(clickHouse);
        const string topic = "cablehub.hub.region";
        string Event(int id, string name) => $$"""{"after":{"id":{{id}},"name":"{{name}}"},"source":{"schema":"hub","table":"region","lsn":{{id}}},"op":"c"}""";
        await h.AddAsync("""{"id":1}""", Event(1, "north"), topic);
        await h.FlushAsync();
        await h.QueryAsync("DROP TABLE {raw}.hub_region");

        await h.AddAsync("""{"id":2}""", Event(2, "south"), topic);
        await h.FlushAsync();

        (await h.QueryAsync("SELECT id, name FROM {hub}.region ORDER BY id")).ShouldBe([["2", "south"]]);
        (await h.ScalarAsync("SELECT sorting_key FROM system.tables WHERE database = '" + h.Raw + "' AND name = 'hub_region'")).ShouldBe("(id)");
    }

    [Fact]
    public async Task Ensure_table_creates_the_raw_table_and_view_before_any_event()
    {
        using var h = new IngestHarness(clickHouse);
        var rowSchema = ConnectSchema.Parse("""
            {"type":"struct","name":"cablehub.hub.invoice.Value","optional":true,"fields":[
              {"type":"int64","optional":false,"field":"id"},
              {"type":"string","optional":false,"name":"io.debezium.data.Uuid","field":"account_id"},
              {"type":"string","optional":false,"name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"},"field":"total"},
              {"type":"string","optional":false,"field":"currency"},
              {"type":"string","optional":false,"name":"io.debezium.time.ZonedTimestamp","field":"issued_at"},
              {"type":"int32","optional":true,"name":"io.debezium.time.Date","field":"due_on"},
              {"type":"string","optional":true,"name":"io.debezium.data.Json","field":"lines"},
              {"type":"boolean","optional":false,"field":"paid"},
              {"type":"array","optional":true,"items":{"type":"string","optional":false},"field":"tags"}]}
            """);
        await h.Tables.EnsureTableAsync("hub", "invoice", rowSchema, ["id"], TestContext.Current.CancellationToken);
        await h.Tables.EnsureTableAsync("hub", "invoice", rowSchema, ["id"], TestContext.Current.CancellationToken); // idempotent

        (await h.ScalarAsync("SELECT count() FROM {hub}.invoice")).ShouldBe("0");
        (await h.QueryAsync("SELECT name, type FROM system.columns WHERE database = '" + h.Hub + "' AND table = 'invoice' ORDER BY position"))
            .ShouldBe(
            [
                ["id", "Int64"], ["account_id", "UUID"], ["total", "Decimal(38, 2)"], ["currency", "String"], ["issued_at", "DateTime64(6, 'UTC')"],
                ["due_on", "Nullable(Date32)"], ["lines", "Nullable(String)"], ["paid", "Bool"], ["tags", "Array(String)"],
            ]);

        // A schemaless event (the hub reader with schemas.enable=false) converts by the table's column types.
        await h.AddAsync("""{"id":5}""", """{"after":{"id":5,"account_id":"0b3c6a2e-6f7d-4c39-9c55-3d1f1f0d2a11","total":"1234.50","currency":"EUR","issued_at":"2024-03-01T10:00:00.5Z","due_on":19783,"lines":"[{\"sku\":\"HD\"}]","paid":false,"tags":["a","b"]},"source":{"schema":"hub","table":"invoice","lsn":77,"sequence":["80","77"],"txId":12,"ts_ms":1709287200000},"op":"c"}""", "cablehub.hub.invoice");
        await h.FlushAsync();
        (await h.QueryAsync("SELECT id, toString(account_id), toString(total), currency, toString(issued_at), toString(due_on), lines, paid, toString(tags) FROM {hub}.invoice"))
            .ShouldBe([["5", "0b3c6a2e-6f7d-4c39-9c55-3d1f1f0d2a11", "1234.5", "EUR", "2024-03-01 10:00:00.500000", "2024-03-01", """[{"sku":"HD"}]""", "False", "['a','b']"]]);
        (await h.QueryAsync("SELECT toString(_version), _lsn, _tx_id, toString(_source_ts), _topic, _partition, _offset FROM {raw}.hub_invoice"))
            .ShouldBe([[new UInt128(80, 77).ToString(), "77", "12", "2024-03-01 10:00:00.000", "cablehub.hub.invoice", "0", "0"]]);
    }

    [Fact]
    public async Task Debezium_documentation_event_lands()
    {
        using var h = new IngestHarness(clickHouse);
        await h.AddAsync("""{"id":1}""", Fixture.Text(Fixture.CreateWithSchema), "PostgreSQL_server.public.customers");
        await h.FlushAsync();

        (await h.QueryAsync("SELECT id, first_name, last_name, email FROM {hub}.public_customers")).ShouldBe([["1", "Anne", "Kretchmar", "annek@noanswer.org"]]);
    }
}

/// <summary>Replays events through a fresh processor on the same databases (a restarted ingester with empty caches).</summary>
internal sealed class IngestHarnessReplay(IngestHarness original)
{
    public async Task ReplayAsync(IEnumerable<(string? Key, string Value)> events, string topic)
    {
        var client = original.Client;
        var logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var retry = new RetrySettings { MaxRetryAttempts = 3 };
        var tables = new Schema.RawTableManager(client, original.Naming, retry, logger, new IngestStats());
        var writer = new Writing.ClickHouseBatchWriter(client, tables, Writing.ClickHouseErrors.RetryPipeline(retry, logger, new IngestStats(), "insert"), compress: false, logger);
        var processor = new Writing.BatchProcessor(new Conversion.EventConverter(tables), writer, null, new IngestStats(), logger);
        var offset = 0L;
        foreach (var (key, value) in events)
        {
            await processor.AddAsync(new Conversion.MessageOrigin(topic, 0, offset++, key is null ? null : Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value)), null, TestContext.Current.CancellationToken);
        }

        await processor.WriteAsync(processor.Batch, TestContext.Current.CancellationToken);
    }
}
