using System.Globalization;
using CableHub.Pipelines.Ingest.Envelopes;

namespace CableHub.Pipelines.Ingest.Schema;

/// <summary>
/// Maps a Kafka Connect field schema (as Debezium's PostgreSQL connector writes it) to the ClickHouse column type of
/// the raw table.
/// <list type="table">
/// <item><term>int8 / int16 / int32 / int64</term><description>Int8 / Int16 / Int32 / Int64</description></item>
/// <item><term>float (float32) / double (float64)</term><description>Float32 / Float64</description></item>
/// <item><term>boolean</term><description>Bool</description></item>
/// <item><term>string, io.debezium.data.Json / Xml / Enum / EnumSet / Ltree, map, struct</term><description>String (structs and maps as JSON text)</description></item>
/// <item><term>bytes</term><description>String holding the decoded bytes</description></item>
/// <item><term>io.debezium.time.ZonedTimestamp (ISO string), MicroTimestamp (µs)</term><description>DateTime64(6, 'UTC')</description></item>
/// <item><term>io.debezium.time.Timestamp, org.apache.kafka.connect.data.Timestamp (ms)</term><description>DateTime64(3, 'UTC')</description></item>
/// <item><term>io.debezium.time.NanoTimestamp (ns)</term><description>DateTime64(9, 'UTC')</description></item>
/// <item><term>io.debezium.time.Date, org.apache.kafka.connect.data.Date (days)</term><description>Date32</description></item>
/// <item><term>io.debezium.time.MicroTime / Time / NanoTime</term><description>Int64 (time of day in the unit of the source)</description></item>
/// <item><term>io.debezium.data.Uuid</term><description>UUID</description></item>
/// <item><term>org.apache.kafka.connect.data.Decimal (bytes, decimal.handling.mode=precise; or string) with parameter <c>scale</c></term>
/// <description>Decimal(P, S): P = <c>connect.decimal.precision</c> when given and above 38 (max 76), else 38</description></item>
/// <item><term>string (decimal.handling.mode=string) carrying <c>__debezium.source.column.type</c> NUMERIC/DECIMAL/MONEY and
/// <c>__debezium.source.column.scale</c> (column.propagate.source.type; the hub reader always writes them)</term>
/// <description>Decimal(38, S), or Decimal(length, S) when <c>__debezium.source.column.length</c> is above 38 (max 76)</description></item>
/// <item><term>string decimals whose scale is unknown, io.debezium.data.VariableScaleDecimal</term><description>String (the exact decimal text): a guessed scale would round money</description></item>
/// <item><term>array</term><description>Array(element) (arrays are never Nullable; a null array is written empty)</description></item>
/// <item><term>optional</term><description>Nullable(T)</description></item>
/// </list>
/// </summary>
internal static class ConnectTypeMapping
{
    public const string DecimalName = "org.apache.kafka.connect.data.Decimal";
    public const string VariableScaleDecimalName = "io.debezium.data.VariableScaleDecimal";

    public static ColumnType Map(ConnectSchema schema, string path)
    {
        var core = MapCore(schema, path);
        return schema.Optional ? core.AsNullable() : core;
    }

    private static ColumnType MapCore(ConnectSchema schema, string path)
    {
        switch (schema.Name)
        {
            case "io.debezium.time.ZonedTimestamp":
            case "io.debezium.time.MicroTimestamp":
                return ColumnType.DateTime64(6);
            case "io.debezium.time.Timestamp":
            case "org.apache.kafka.connect.data.Timestamp":
                return ColumnType.DateTime64(3);
            case "io.debezium.time.NanoTimestamp":
                return ColumnType.DateTime64(9);
            case "io.debezium.time.Date":
            case "org.apache.kafka.connect.data.Date":
                return ColumnType.Date32;
            case "io.debezium.data.Uuid":
                return ColumnType.Uuid;
            case DecimalName:
                return DecimalFromParameters(schema, path) ?? ColumnType.String;
            case VariableScaleDecimalName:
                return ColumnType.String;
            default:
                break;
        }

        switch (schema.Type)
        {
            case "int8":
                return ColumnType.Int8;
            case "int16":
                return ColumnType.Int16;
            case "int32":
                return ColumnType.Int32;
            case "int64":
                return ColumnType.Int64;
            case "float":
            case "float32":
                return ColumnType.Float32;
            case "double":
            case "float64":
                return ColumnType.Float64;
            case "boolean":
                return ColumnType.Bool;
            case "string":
                return PropagatedNumeric(schema) ?? ColumnType.String;
            case "bytes":
            case "map":
            case "struct":
                return ColumnType.String;
            case "array":
                var items = schema.Items ?? throw new InvalidEnvelopeException($"{path}: array schema without \"items\"");
                return ColumnType.ArrayOf(Map(items, path + "[]"));
            default:
                throw new InvalidEnvelopeException($"{path}: unsupported Connect type \"{schema.Type}\"");
        }
    }

    private static ColumnType? DecimalFromParameters(ConnectSchema schema, string path)
    {
        if (!schema.Parameters.TryGetValue("scale", out var scaleText))
        {
            return null;
        }

        if (!int.TryParse(scaleText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var scale) || scale < 0 || scale > 76)
        {
            throw new InvalidEnvelopeException($"{path}: Decimal scale \"{scaleText}\" is not an integer between 0 and 76");
        }

        var precision = 38;
        if (schema.Parameters.TryGetValue("connect.decimal.precision", out var precisionText)
            && int.TryParse(precisionText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var declared)
            && declared > 38)
        {
            precision = Math.Min(declared, 76);
        }

        return scale > precision ? null : ColumnType.Decimal(precision, scale);
    }

    private static ColumnType? PropagatedNumeric(ConnectSchema schema)
    {
        if (schema.Parameters.TryGetValue("__debezium.source.column.type", out var sourceType)
            && (sourceType.Equals("NUMERIC", StringComparison.OrdinalIgnoreCase) || sourceType.Equals("DECIMAL", StringComparison.OrdinalIgnoreCase)
                || sourceType.Equals("MONEY", StringComparison.OrdinalIgnoreCase))
            && schema.Parameters.TryGetValue("__debezium.source.column.scale", out var scaleText)
            && int.TryParse(scaleText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var scale)
            && scale is >= 0 and <= 38)
        {
            var precision = schema.Parameters.TryGetValue("__debezium.source.column.length", out var lengthText)
                            && int.TryParse(lengthText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var length)
                            && length > 38
                ? Math.Min(length, 76)
                : 38;
            return ColumnType.Decimal(precision, scale);
        }

        return null;
    }
}
