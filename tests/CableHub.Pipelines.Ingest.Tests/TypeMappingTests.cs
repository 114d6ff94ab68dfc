using System.Numerics;
using System.Text.Json;
using CableHub.Pipelines.Ingest.Envelopes;
using CableHub.Pipelines.Ingest.Schema;
using ClickHouse.Driver.Numerics;

namespace CableHub.Pipelines.Ingest.Tests;

public sealed class TypeMappingTests
{
    private static ConnectSchema Schema(string json) => ConnectSchema.Parse(json);

    private static string Map(string json) => ConnectTypeMapping.Map(Schema(json), "f").ToSql();

    [Theory]
    [InlineData("""{"type":"int8"}""", "Int8")]
    [InlineData("""{"type":"int16","optional":true}""", "Nullable(Int16)")]
    [InlineData("""{"type":"int32"}""", "Int32")]
    [InlineData("""{"type":"int64"}""", "Int64")]
    [InlineData("""{"type":"float"}""", "Float32")]
    [InlineData("""{"type":"double","optional":true}""", "Nullable(Float64)")]
    [InlineData("""{"type":"boolean"}""", "Bool")]
    [InlineData("""{"type":"string","optional":true}""", "Nullable(String)")]
    [InlineData("""{"type":"bytes"}""", "String")]
    [InlineData("""{"type":"string","name":"io.debezium.time.ZonedTimestamp"}""", "DateTime64(6, 'UTC')")]
    [InlineData("""{"type":"int64","name":"io.debezium.time.MicroTimestamp","optional":true}""", "Nullable(DateTime64(6, 'UTC'))")]
    [InlineData("""{"type":"int64","name":"io.debezium.time.Timestamp"}""", "DateTime64(3, 'UTC')")]
    [InlineData("""{"type":"int64","name":"io.debezium.time.NanoTimestamp"}""", "DateTime64(9, 'UTC')")]
    [InlineData("""{"type":"int32","name":"io.debezium.time.Date"}""", "Date32")]
    [InlineData("""{"type":"int64","name":"io.debezium.time.MicroTime"}""", "Int64")]
    [InlineData("""{"type":"string","name":"io.debezium.data.Uuid"}""", "UUID")]
    [InlineData("""{"type":"string","name":"io.debezium.data.Json","optional":true}""", "Nullable(String)")]
    [InlineData("""{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2","connect.decimal.precision":"10"}}""", "Decimal(38, 2)")]
    [InlineData("""{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"4","connect.decimal.precision":"50"}}""", "Decimal(50, 4)")]
    [InlineData("""{"type":"string","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}""", "Decimal(38, 2)")]
    [InlineData("""{"type":"string","parameters":{"__debezium.source.column.type":"NUMERIC","__debezium.source.column.length":"12","__debezium.source.column.scale":"3"}}""", "Decimal(38, 3)")]
    [InlineData("""{"type":"string","parameters":{"__debezium.source.column.type":"NUMERIC"}}""", "String")]
    [InlineData("""{"type":"string","parameters":{"__debezium.source.column.type":"NUMERIC","__debezium.source.column.length":"60","__debezium.source.column.scale":"10"}}""", "Decimal(60, 10)")]
    [InlineData("""{"type":"string","parameters":{"__debezium.source.column.type":"MONEY","__debezium.source.column.scale":"2"}}""", "Decimal(38, 2)")]
    [InlineData("""{"type":"struct","name":"io.debezium.data.VariableScaleDecimal","fields":[{"field":"scale","type":"int32"},{"field":"value","type":"bytes"}]}""", "String")]
    [InlineData("""{"type":"array","items":{"type":"string","optional":true}}""", "Array(Nullable(String))")]
    [InlineData("""{"type":"array","optional":true,"items":{"type":"int32"}}""", "Array(Int32)")]
    [InlineData("""{"type":"map","keys":{"type":"string"},"values":{"type":"string"}}""", "String")]
    public void Connect_schemas_map_to_clickhouse_types(string schema, string expected) => Map(schema).ShouldBe(expected);

    [Fact]
    public void Unknown_connect_types_are_refused_naming_the_field() =>
        Should.Throw<InvalidEnvelopeException>(() => Map("""{"type":"int1024"}""")).Message.ShouldBe("f: unsupported Connect type \"int1024\"");

    [Theory]
    [InlineData("UInt128")]
    [InlineData("LowCardinality(String)")]
    [InlineData("Nullable(DateTime64(6, 'UTC'))")]
    [InlineData("Decimal(38, 2)")]
    [InlineData("Array(Nullable(Int32))")]
    [InlineData("LowCardinality(Nullable(String))")]
    [InlineData("UUID")]
    [InlineData("Date32")]
    public void Types_read_back_from_system_columns_render_the_same(string sql) => ColumnType.Parse(sql).ToSql().ShouldBe(sql);

    [Fact]
    public void Decimal128_as_system_columns_may_print_it_is_understood() =>
        ColumnType.Parse("Decimal128(4)").ShouldBe(ColumnType.Decimal(38, 4));

    private static object? Convert(string json, ColumnType type, string? schema = null)
    {
        using var doc = JsonDocument.Parse(json);
        return ValueConverter.Convert(doc.RootElement, type, schema is null ? null : Schema(schema), "col");
    }

    private static string Refused(string json, ColumnType type, string? schema = null) =>
        Should.Throw<InvalidEnvelopeException>(() => Convert(json, type, schema)).Message;

    [Fact]
    public void Integers_are_range_checked()
    {
        Convert("127", ColumnType.Int8).ShouldBe((sbyte)127);
        Convert("-5", ColumnType.Int32).ShouldBe(-5);
        Convert("9007199254740993", ColumnType.Int64).ShouldBe(9007199254740993L);
        Refused("128", ColumnType.Int8).ShouldBe("col: 128 is out of range (column type Int8)");
        Refused("\"12\"", ColumnType.Int32).ShouldBe("col: \"12\" expected an integer (column type Int32)");
        Refused("1.5", ColumnType.Int64).ShouldBe("col: 1.5 is not an integer in range (column type Int64)");
    }

    [Fact]
    public void Nulls_need_a_nullable_column()
    {
        Convert("null", ColumnType.Int32.AsNullable()).ShouldBeNull();
        Convert("null", ColumnType.ArrayOf(ColumnType.Int32)).ShouldBe(Array.Empty<object?>());
        Refused("null", ColumnType.String).ShouldBe("col: null is null but the column is not Nullable (column type String)");
    }

    [Fact]
    public void Timestamps_follow_the_semantic_type_or_the_column_unit()
    {
        var expected = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234560);
        Convert("\"2024-01-02T03:04:05.123456Z\"", ColumnType.DateTime64(6), """{"type":"string","name":"io.debezium.time.ZonedTimestamp"}""").ShouldBe(expected);
        Convert("\"2024-01-02T05:04:05.123456+02:00\"", ColumnType.DateTime64(6)).ShouldBe(expected);
        Convert("1704164645123456", ColumnType.DateTime64(6), """{"type":"int64","name":"io.debezium.time.MicroTimestamp"}""").ShouldBe(expected);
        Convert("1704164645123456", ColumnType.DateTime64(6)).ShouldBe(expected); // no schema: the column's unit (µs)
        Convert("1704164645123", ColumnType.DateTime64(6), """{"type":"int64","name":"io.debezium.time.Timestamp"}""").ShouldBe(expected.AddTicks(-4560));
        Refused("\"yesterday\"", ColumnType.DateTime64(6)).ShouldStartWith("col: \"yesterday\" expected an ISO-8601 timestamp");
        Refused("true", ColumnType.DateTime64(3)).ShouldContain("expected a timestamp");
    }

    [Fact]
    public void Dates_are_days_since_the_epoch()
    {
        Convert("19724", ColumnType.Date32, """{"type":"int32","name":"io.debezium.time.Date"}""").ShouldBe(new DateTimeOffset(2024, 1, 2, 0, 0, 0, TimeSpan.Zero));
        Convert("\"2024-01-02\"", ColumnType.Date32).ShouldBe(new DateTimeOffset(2024, 1, 2, 0, 0, 0, TimeSpan.Zero));
        Refused("200000", ColumnType.Date32).ShouldContain("outside Date32's range");
    }

    [Fact]
    public void Decimals_are_exact_and_refuse_what_the_column_cannot_hold()
    {
        var money = ColumnType.Decimal(38, 2);
        Convert("\"1234.50\"", money).ShouldBe(new ClickHouseDecimal(123450, 2));
        Convert("\"-0.5\"", money).ShouldBe(new ClickHouseDecimal(-50, 2));
        Convert("12.3", money).ShouldBe(new ClickHouseDecimal(1230, 2));
        Convert("\"1.5E+2\"", money).ShouldBe(new ClickHouseDecimal(15000, 2));
        Convert("\"99999999999999999999999999999999999.99\"", money).ShouldBe(new ClickHouseDecimal(BigInteger.Parse("9999999999999999999999999999999999999", System.Globalization.CultureInfo.InvariantCulture), 2));

        // decimal.handling.mode=precise: base64 of the big-endian unscaled value (0x3039 = 12345), scale 2
        Convert("\"MDk=\"", money, """{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}""").ShouldBe(new ClickHouseDecimal(12345, 2));
        // negative: 0xCFC7 = -12345
        Convert("\"z8c=\"", money, """{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}""").ShouldBe(new ClickHouseDecimal(-12345, 2));

        Refused("\"1.234\"", money).ShouldBe("col: \"1.234\" has more than 2 fractional digits (column type Decimal(38, 2))");
        Refused("\"999999999999999999999999999999999999999\"", money).ShouldContain("has more than 38 digits");
        Refused("\"NAN\"", money).ShouldContain("is not a decimal number");
        Refused("\"12,50\"", money).ShouldContain("is not a decimal number");
    }

    [Fact]
    public void Variable_scale_decimals_become_exact_text()
    {
        Convert("""{"scale":3,"value":"MDk="}""", ColumnType.String, """{"type":"struct","name":"io.debezium.data.VariableScaleDecimal","fields":[{"field":"scale","type":"int32"},{"field":"value","type":"bytes"}]}""")
            .ShouldBe("12.345");
        ValueConverter.FormatDecimal(new BigInteger(-5), 3).ShouldBe("-0.005");
    }

    [Fact]
    public void Bytes_uuids_json_and_arrays()
    {
        Convert("\"AQID\"", ColumnType.String, """{"type":"bytes"}""").ShouldBe(new byte[] { 1, 2, 3 });
        Convert("\"AQID\"", ColumnType.String).ShouldBe("AQID"); // no schema: a string stays a string
        Convert("\"0b3c6a2e-6f7d-4c39-9c55-3d1f1f0d2a11\"", ColumnType.Uuid).ShouldBe(Guid.Parse("0b3c6a2e-6f7d-4c39-9c55-3d1f1f0d2a11"));
        Convert("""{"a":[1,2]}""", ColumnType.String).ShouldBe("""{"a":[1,2]}""");
        Convert("[1,null,3]", ColumnType.ArrayOf(ColumnType.Int32.AsNullable())).ShouldBe(new object?[] { 1, null, 3 });
        Refused("\"not-a-uuid\"", ColumnType.Uuid).ShouldContain("expected a UUID string");
        Refused("[1,\"x\"]", ColumnType.ArrayOf(ColumnType.Int32)).ShouldStartWith("col[1]: \"x\" expected an integer");
        Refused("\"%%%\"", ColumnType.String, """{"type":"bytes"}""").ShouldContain("expected base64");
        Refused("5", ColumnType.String).ShouldContain("expected a string");
        Refused("1", ColumnType.Bool).ShouldContain("expected true or false");
    }

    [Fact]
    public void Metadata_column_count_matches_the_layout() => MetadataColumns.All.Length.ShouldBe(MetadataColumns.Count);

    [Fact]
    public void Generated_ddl_orders_by_the_key_and_quotes_names()
    {
        var sql = RawTableManager.CreateTableSql(
            "raw",
            "hub_customer",
            [new RawColumn("id", ColumnType.Int64), new RawColumn("we`ird", ColumnType.String.AsNullable())],
            ["id"],
            "it's");

        sql.ShouldContain("`we\\`ird` Nullable(String)");
        sql.ShouldContain("`_version` UInt128");
        sql.ShouldContain("ENGINE = ReplacingMergeTree(`_version`, `_is_deleted`)");
        sql.ShouldContain("ORDER BY (`id`)");
        sql.ShouldContain("COMMENT 'it\\'s'");
    }
}
