using System.Buffers;
using System.Text.Json;

namespace CableHub.Pipelines.Cdc.Schema;

/// <summary>One column of a captured table.</summary>
internal sealed record ColumnSchema(string Name, string TypeName, ColumnCodec Codec, bool Optional, bool IsKey)
{
    /// <summary>The name pre-encoded for the JSON writer.</summary>
    public JsonEncodedText JsonName { get; } = JsonEncodedText.Encode(Name, ColumnCodec.WriterOptions.Encoder);

    /// <summary>Not on the table's column allowlist: left out of its schemas and events (never leaves PostgreSQL).</summary>
    public bool Excluded { get; init; }
}

/// <summary>
/// A captured table as the envelopes describe it: its columns in stream order, its primary key, its topic and the
/// Kafka Connect schemas (envelope and key) pre-serialized once.
/// </summary>
internal sealed class TableSchema
{
    public TableSchema(uint relationId, string schema, string table, IReadOnlyList<ColumnSchema> columns, string topicPrefix, int[]? keyIndexes = null)
    {
        RelationId = relationId;
        Schema = schema;
        Table = table;
        Columns = columns;
        KeyIndexes = keyIndexes ?? [.. columns.Select((c, i) => (c, i)).Where(x => x.c.IsKey).Select(x => x.i)];
        Topic = $"{topicPrefix}.{schema}.{table}";
        EnvelopeSchemaJson = BuildEnvelopeSchema(topicPrefix);
        KeySchemaJson = KeyIndexes.Length == 0 ? null : BuildKeySchema();
        SchemaId = ComputeSchemaId(KeySchemaJson, EnvelopeSchemaJson);
    }

    /// <summary>
    /// Identifies this version of the table's schemas (key and envelope): 16 hex digits of their SHA-256. Events of the
    /// table carry it in the <c>cablehub.schema_id</c> header when schemas are published instead of inlined.
    /// </summary>
    public string SchemaId { get; }

    /// <summary>The id as the header carries it (ASCII).</summary>
    public byte[] SchemaIdBytes => _schemaIdBytes ??= System.Text.Encoding.ASCII.GetBytes(SchemaId);

    private byte[]? _schemaIdBytes;

    /// <summary>
    /// The record published to the schema topic: <c>{"id","topic","schema","table","key":&lt;key schema or null&gt;,"value":&lt;envelope schema&gt;}</c>.
    /// </summary>
    public byte[] SchemaRecordJson()
    {
        var buffer = new ArrayBufferWriter<byte>(EnvelopeSchemaJson.Length + 512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", SchemaId);
            w.WriteString("topic", Topic);
            w.WriteString("schema", Schema);
            w.WriteString("table", Table);
            w.WritePropertyName("key");
            if (KeySchemaJson is null)
            {
                w.WriteNullValue();
            }
            else
            {
                w.WriteRawValue(KeySchemaJson, skipInputValidation: true);
            }

            w.WritePropertyName("value");
            w.WriteRawValue(EnvelopeSchemaJson, skipInputValidation: true);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public uint RelationId { get; }

    public string Schema { get; }

    public string Table { get; }

    public IReadOnlyList<ColumnSchema> Columns { get; }

    /// <summary>Indexes (into <see cref="Columns"/>) of the primary-key columns, in key order; empty: the table has no primary key.</summary>
    public int[] KeyIndexes { get; }

    public string Topic { get; }

    public byte[] EnvelopeSchemaJson { get; }

    public byte[]? KeySchemaJson { get; }

    public string QualifiedName => $"{Schema}.{Table}";

    private byte[] BuildEnvelopeSchema(string prefix)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            var baseName = $"{prefix}.{Schema}.{Table}";
            w.WriteStartObject();
            w.WriteString("type", "struct");
            w.WriteStartArray("fields");
            WriteRowStruct(w, baseName + ".Value", "before");
            WriteRowStruct(w, baseName + ".Value", "after");
            SourceSchema.Write(w);
            SourceSchema.WriteTransaction(w);
            Simple(w, "string", false, "op");
            Simple(w, "int64", true, "ts_ms");
            Simple(w, "int64", true, "ts_us");
            Simple(w, "int64", true, "ts_ns");
            w.WriteEndArray();
            w.WriteBoolean("optional", false);
            w.WriteString("name", baseName + ".Envelope");
            w.WriteNumber("version", 2);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private void WriteRowStruct(Utf8JsonWriter w, string name, string field)
    {
        w.WriteStartObject();
        w.WriteString("type", "struct");
        w.WriteStartArray("fields");
        foreach (var column in Columns)
        {
            if (column.Excluded)
            {
                continue;
            }

            column.Codec.WriteFieldSchema(w, column.Name, column.Optional);
        }

        w.WriteEndArray();
        w.WriteBoolean("optional", true);
        w.WriteString("name", name);
        w.WriteString("field", field);
        w.WriteEndObject();
    }

    private byte[] BuildKeySchema()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "struct");
            w.WriteStartArray("fields");
            foreach (var i in KeyIndexes)
            {
                Columns[i].Codec.WriteFieldSchema(w, Columns[i].Name, optional: false);
            }

            w.WriteEndArray();
            w.WriteBoolean("optional", false);
            w.WriteString("name", TopicBase + ".Key");
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private string TopicBase => Topic;

    internal static string ComputeSchemaId(byte[]? keySchema, byte[] envelopeSchema)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        sha.AppendData(keySchema ?? "null"u8.ToArray());
        sha.AppendData("\n"u8);
        sha.AppendData(envelopeSchema);
        return Convert.ToHexStringLower(sha.GetHashAndReset().AsSpan(0, 8));
    }

    internal static void Simple(Utf8JsonWriter w, string type, bool optional, string field)
    {
        w.WriteStartObject();
        w.WriteString("type", type);
        w.WriteBoolean("optional", optional);
        w.WriteString("field", field);
        w.WriteEndObject();
    }
}

/// <summary>The schema of Debezium's PostgreSQL <c>source</c> block and of the <c>transaction</c> block.</summary>
internal static class SourceSchema
{
    public const string SnapshotAllowed = "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental";

    public static void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "struct");
        w.WriteStartArray("fields");
        TableSchema.Simple(w, "string", false, "version");
        TableSchema.Simple(w, "string", false, "connector");
        TableSchema.Simple(w, "string", false, "name");
        TableSchema.Simple(w, "int64", false, "ts_ms");
        w.WriteStartObject();
        w.WriteString("type", "string");
        w.WriteBoolean("optional", true);
        w.WriteString("name", "io.debezium.data.Enum");
        w.WriteNumber("version", 1);
        w.WriteStartObject("parameters");
        w.WriteString("allowed", SnapshotAllowed);
        w.WriteEndObject();
        w.WriteString("default", "false");
        w.WriteString("field", "snapshot");
        w.WriteEndObject();
        TableSchema.Simple(w, "string", false, "db");
        TableSchema.Simple(w, "string", true, "sequence");
        TableSchema.Simple(w, "int64", true, "ts_us");
        TableSchema.Simple(w, "int64", true, "ts_ns");
        TableSchema.Simple(w, "string", false, "schema");
        TableSchema.Simple(w, "string", false, "table");
        TableSchema.Simple(w, "int64", true, "txId");
        TableSchema.Simple(w, "int64", true, "lsn");
        TableSchema.Simple(w, "int64", true, "xmin");
        w.WriteEndArray();
        w.WriteBoolean("optional", false);
        w.WriteString("name", "io.debezium.connector.postgresql.Source");
        w.WriteString("field", "source");
        w.WriteEndObject();
    }

    public static void WriteTransaction(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "struct");
        w.WriteStartArray("fields");
        TableSchema.Simple(w, "string", false, "id");
        TableSchema.Simple(w, "int64", false, "total_order");
        TableSchema.Simple(w, "int64", false, "data_collection_order");
        w.WriteEndArray();
        w.WriteBoolean("optional", true);
        w.WriteString("name", "event.block");
        w.WriteNumber("version", 1);
        w.WriteString("field", "transaction");
        w.WriteEndObject();
    }
}
