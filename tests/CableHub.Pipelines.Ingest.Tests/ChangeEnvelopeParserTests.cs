using System.Text;
using CableHub.Pipelines.Ingest.Envelopes;

namespace CableHub.Pipelines.Ingest.Tests;

public sealed class ChangeEnvelopeParserTests
{
    private readonly ChangeEnvelopeParser _parser = new();

    private ChangeEnvelope Change(string value, string? key = null)
    {
        var outcome = _parser.Parse(key is null ? null : Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));
        outcome.Kind.ShouldBe(ParseOutcomeKind.Change);
        return outcome.Envelope!;
    }

    private InvalidEnvelopeException Invalid(string value) =>
        Should.Throw<InvalidEnvelopeException>(() => _parser.Parse(null, Encoding.UTF8.GetBytes(value)));

    [Fact]
    public void Debezium_docs_event_with_schema_and_string_sequence_gives_version_from_sequence()
    {
        using var e = Change(Fixture.Text(Fixture.CreateWithSchema));

        e.Operation.ShouldBe(ChangeOperation.Create);
        e.SourceSchema.ShouldBe("public");
        e.SourceTable.ShouldBe("customers");
        e.Lsn.ShouldBe(24023128UL);
        e.CommitLsn.ShouldBe(24023119UL); // sequence[0]
        e.Version.ShouldBe(new UInt128(24023119UL, 24023128UL));
        e.TxId.ShouldBe(555UL);
        e.SourceTimestamp.ShouldBe(DateTimeOffset.FromUnixTimeMilliseconds(1559033904863));
        e.After!.Value.GetProperty("first_name").GetString().ShouldBe("Anne");
        e.RowSchema.ShouldNotBeNull();
        e.RowSchema.Fields.Select(f => f.Name).ShouldBe(["id", "first_name", "last_name", "email"]);
        e.RowSchema.Fields[0].Schema.Type.ShouldBe("int32");
        e.RowSchema.Fields[0].Schema.Optional.ShouldBeFalse();
    }

    [Fact]
    public void A_schemaless_event_takes_the_schema_its_header_id_names()
    {
        using var doc = System.Text.Json.JsonDocument.Parse(Fixture.Text(Fixture.CreateWithSchema));
        var envelope = ConnectSchema.Parse(doc.RootElement.GetProperty("schema"), "schema");
        var keySchema = ConnectSchema.Parse("""{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"k"}""");
        var parser = new ChangeEnvelopeParser(new FixedSchemas(new PublishedSchema("0123456789abcdef", envelope, keySchema)));
        var payload = Encoding.UTF8.GetBytes(doc.RootElement.GetProperty("payload").GetRawText());

        using var published = parser.Parse(Encoding.UTF8.GetBytes("""{"id":1004}"""), payload, "0123456789abcdef").Envelope!;
        published.RowSchema.ShouldNotBeNull();
        published.RowSchema.Fields.Select(f => f.Name).ShouldBe(["id", "first_name", "last_name", "email"]);
        published.KeySchema.ShouldBeSameAs(keySchema);
        published.Key!.Value.GetProperty("id").GetInt32().ShouldBe(1004);
        published.Version.ShouldBe(new UInt128(24023119UL, 24023128UL));

        // an id nobody published: read as schemaless, as before schemas were published
        using var unknown = parser.Parse(null, payload, "ffffffffffffffff").Envelope!;
        unknown.RowSchema.ShouldBeNull();
        unknown.After!.Value.GetProperty("first_name").GetString().ShouldBe("Anne");
    }

    private sealed class FixedSchemas(PublishedSchema schema) : IPublishedSchemas
    {
        public PublishedSchema? Find(string id) => id == schema.Id ? schema : null;
    }

    [Fact]
    public void Real_connector_output_without_schema_and_without_sequence_uses_lsn()
    {
        var lines = Fixture.Lines(Fixture.SchemaExclude);
        lines.Count.ShouldBe(16);
        var envelopes = lines.Select(l => _parser.Parse(null, l).Envelope!).ToList();
        try
        {
            envelopes.Select(e => e.Op).ShouldBe(["r", "r", "r", "r", "r", "r", "r", "r", "r", "u", "u", "c", "c", "u", "u", "d"]);
            envelopes[0].Version.ShouldBe(new UInt128(34078720UL, 0UL));
            envelopes[0].SourceSchema.ShouldBe("inventory");
            envelopes[0].SourceTable.ShouldBe("products");
            envelopes[0].RowSchema.ShouldBeNull();
            envelopes[15].Operation.ShouldBe(ChangeOperation.Delete);
            envelopes[15].Before!.Value.GetProperty("id").GetInt32().ShouldBe(111);
            envelopes[15].After.ShouldBeNull();

            // Versions grow along the stream: every change is newer than the snapshot and than the one before.
            for (var i = 9; i < envelopes.Count; i++)
            {
                envelopes[i].Version.ShouldBeGreaterThan(envelopes[i - 1].Version);
            }
        }
        finally
        {
            envelopes.ForEach(e => e.Dispose());
        }
    }

    [Fact]
    public void Real_connector_output_with_schema_exposes_the_row_schema()
    {
        using var e = _parser.Parse(null, Fixture.Lines(Fixture.SchemaInclude)[0]).Envelope!;

        e.RowSchema!.Fields.Select(f => (f.Name, f.Schema.Type, f.Schema.Optional))
            .ShouldBe([("id", "int32", false), ("name", "string", false), ("description", "string", true), ("weight", "double", true)]);
        e.After!.Value.GetProperty("weight").GetDouble().ShouldBe(3.14);
    }

    [Fact]
    public void Hub_reader_sequence_as_a_real_array_gives_commit_lsn_and_change_lsn()
    {
        using var e = Change("""{"before":null,"after":{"id":1},"source":{"schema":"hub","table":"customer","lsn":105,"sequence":["100","105"],"txId":7,"ts_ms":1700000000000},"op":"c","ts_ms":1700000000001}""");

        e.CommitLsn.ShouldBe(100UL);
        e.Lsn.ShouldBe(105UL);
        e.Version.ShouldBe(new UInt128(100UL, 105UL));
        EventVersion.CommitPart(e.Version).ShouldBe(100UL);
        EventVersion.ChangePart(e.Version).ShouldBe(105UL);
    }

    [Fact]
    public void Debezium_first_transaction_after_start_has_a_null_last_commit_and_falls_back_to_lsn()
    {
        using var e = Change("""{"after":{"id":1},"source":{"schema":"hub","table":"t","lsn":500,"sequence":"[null,\"500\"]"},"op":"u"}""");

        e.Version.ShouldBe(new UInt128(500UL, 500UL));
        e.CommitLsn.ShouldBe(500UL);
    }

    [Fact]
    public void The_message_key_is_read_with_or_without_schema()
    {
        using (var e = Change("""{"after":{"id":1},"source":{"schema":"s","table":"t","lsn":1},"op":"c"}""", """{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"x.Key"},"payload":{"id":1}}"""))
        {
            e.Key!.Value.GetProperty("id").GetInt32().ShouldBe(1);
            e.KeySchema!.Fields.Single().Name.ShouldBe("id");
        }

        using (var e = Change("""{"after":{"id":1},"source":{"schema":"s","table":"t","lsn":1},"op":"c"}""", """{"id":1}"""))
        {
            e.Key!.Value.GetProperty("id").GetInt32().ShouldBe(1);
            e.KeySchema.ShouldBeNull();
        }
    }

    [Fact]
    public void Tombstones_are_recognised()
    {
        _parser.Parse(null, null).Kind.ShouldBe(ParseOutcomeKind.Tombstone);
        _parser.Parse("""{"id":1}"""u8.ToArray(), Array.Empty<byte>()).Kind.ShouldBe(ParseOutcomeKind.Tombstone);
        _parser.Parse(null, Fixture.Bytes(Fixture.Tombstone)).Kind.ShouldBe(ParseOutcomeKind.Tombstone);
    }

    [Fact]
    public void Logical_decoding_messages_and_transaction_markers_are_ignored()
    {
        var message = _parser.Parse(null, """{"source":{"schema":"","table":"","lsn":46523128,"txId":556},"op":"m","message":{"prefix":"foo","content":"Ymfy"}}"""u8.ToArray());
        message.Kind.ShouldBe(ParseOutcomeKind.Ignored);
        message.CommitLsn.ShouldBe(46523128UL);

        _parser.Parse(null, """{"status":"BEGIN","id":"571:53195829","ts_ms":1486500577125,"event_count":null,"data_collections":null}"""u8.ToArray())
            .Kind.ShouldBe(ParseOutcomeKind.Ignored);
    }

    [Theory]
    [InlineData("docs-postgresql-adoc/05-update-value.json.txt")]
    [InlineData("docs-postgresql-adoc/06-delete-value.json.txt")]
    [InlineData("docs-postgresql-adoc/07-truncate-value.json.txt")]
    [InlineData("docs-postgresql-adoc/01-transaction-metadata-BEGIN-END.json.txt")]
    public void Documentation_pseudo_json_is_rejected_with_line_and_position(string fixture)
    {
        var error = Should.Throw<InvalidEnvelopeException>(() => _parser.Parse(null, Fixture.Bytes(fixture)));

        error.Message.ShouldStartWith("value: malformed JSON at line ");
    }

    [Fact]
    public void Errors_name_the_member_and_the_reason()
    {
        Invalid("""{"schema":{"type":"struct"},"payload":{"after":{"id":1},"op":"c"}}""").Message.ShouldBe("payload.source: missing or not an object");
        Invalid("""{"after":{"id":1},"source":{"schema":"s","table":"t","lsn":1}}""").Message.ShouldBe("value.op: missing (not a Debezium change event)");
        Invalid("""{"after":{"id":1},"source":{"schema":"s","table":"t","lsn":1},"op":"x"}""").Message.ShouldContain("unknown operation \"x\"");
        Invalid("""{"after":{"id":1},"source":{"schema":"s","table":"t"},"op":"c"}""").Message.ShouldContain("neither lsn nor sequence");
        Invalid("""{"after":{"id":1},"source":{"schema":"s","table":"t","lsn":"abc"},"op":"c"}""").Message.ShouldStartWith("value.source.lsn: expected an unsigned 64-bit integer");
        Invalid("""{"after":{"id":1},"source":{"schema":"s","table":"t","sequence":"[1,2,3]"},"op":"c"}""").Message.ShouldStartWith("value.source.sequence: expected a two-element array");
        Invalid("""{"after":{"id":1},"source":{"schema":"s","lsn":1},"op":"c"}""").Message.ShouldBe("value.source.table: missing or empty");
        Invalid("""{"after":[1],"source":{"schema":"s","table":"t","lsn":1},"op":"c"}""").Message.ShouldBe("value.after: expected an object or null, found Array");
        Invalid("[1,2]").Message.ShouldStartWith("value: a change event must be a JSON object");
        Invalid("""{"op":"c","after":""").Message.ShouldStartWith("value: malformed JSON at line 1");
    }

    [Fact]
    public void A_repeated_schema_is_parsed_once()
    {
        var line = Fixture.Lines(Fixture.SchemaInclude)[0];
        using var first = _parser.Parse(null, line).Envelope!;
        using var second = _parser.Parse(null, line.ToArray()).Envelope!;

        second.RowSchema.ShouldBeSameAs(first.RowSchema);
    }
}
