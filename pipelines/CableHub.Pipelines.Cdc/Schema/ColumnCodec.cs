using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CableHub.Pipelines.Cdc.Schema;

/// <summary>The Kafka Connect representation a PostgreSQL type is encoded as (Debezium's PostgreSQL connector defaults).</summary>
internal enum ValueKind
{
    Boolean,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    String,
    Numeric,
    Money,
    Bytes,
    Date,
    MicroTimestamp,
    MilliTimestamp,
    ZonedTimestamp,
    MicroTime,
    ZonedTime,
    MicroDuration,
    BitBoolean,
    Array,
}

/// <summary>
/// Encodes one column: its Connect field schema and its values, from PostgreSQL's text output (the walsender and the
/// snapshot session both run with <c>DateStyle=ISO</c>, <c>TimeZone=UTC</c>, <c>IntervalStyle=iso_8601</c>,
/// <c>bytea_output=hex</c>, <c>extra_float_digits=3</c>, <c>lc_monetary=C</c>).
/// Mapping as Debezium with <c>decimal.handling.mode=string</c>, <c>time.precision.mode=adaptive_time_microseconds</c>,
/// <c>binary.handling.mode=bytes</c>, <c>interval.handling.mode=numeric</c>.
/// </summary>
internal sealed class ColumnCodec
{
    public const string UnavailableValue = "__debezium_unavailable_value";

    /// <summary>Non-ASCII text unescaped (as Kafka Connect's JSON converter writes it); quotes and controls escaped.</summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;
    private static readonly int EpochDayNumber = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
    private static readonly string[] TimestampFormats = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF"];
    private static readonly string[] ZonedFormats =
        ["yyyy-MM-dd HH:mm:sszz", "yyyy-MM-dd HH:mm:ss.FFFFFFFzz", "yyyy-MM-dd HH:mm:sszzz", "yyyy-MM-dd HH:mm:ss.FFFFFFFzzz"];

    private ColumnCodec(ValueKind kind, string connectType, string? name = null, IReadOnlyDictionary<string, string>? parameters = null, ColumnCodec? element = null)
    {
        Kind = kind;
        ConnectType = connectType;
        SemanticName = name;
        Parameters = parameters;
        Element = element;
    }

    public ValueKind Kind { get; }

    /// <summary>Connect schema type: boolean, int16, int32, int64, float, double, string, bytes, array.</summary>
    public string ConnectType { get; }

    /// <summary>Connect schema name, e.g. <c>io.debezium.time.MicroTimestamp</c>.</summary>
    public string? SemanticName { get; }

    public IReadOnlyDictionary<string, string>? Parameters { get; }

    public ColumnCodec? Element { get; }

    /// <summary>True when the type has no specific mapping and its text is passed on as a string.</summary>
    public bool IsFallback { get; private init; }

    public static ColumnCodec For(PgType type, int typeModifier)
    {
        if (type.Element is { } element)
        {
            var items = For(element, -1);
            return new ColumnCodec(ValueKind.Array, "array", element: items);
        }

        if (type.Kind == 'e')
        {
            return new ColumnCodec(ValueKind.String, "string", "io.debezium.data.Enum",
                new Dictionary<string, string> { ["allowed"] = string.Join(',', type.EnumLabels ?? []) });
        }

        var modifier = typeModifier >= 0 ? typeModifier : type.DomainTypeModifier;
        switch (type.Name)
        {
            case "bool":
                return new ColumnCodec(ValueKind.Boolean, "boolean");
            case "int2":
                return new ColumnCodec(ValueKind.Int16, "int16");
            case "int4":
                return new ColumnCodec(ValueKind.Int32, "int32");
            case "int8":
            case "oid":
                return new ColumnCodec(ValueKind.Int64, "int64");
            case "float4":
                return new ColumnCodec(ValueKind.Float32, "float");
            case "float8":
                return new ColumnCodec(ValueKind.Float64, "double");
            case "numeric":
                return new ColumnCodec(ValueKind.Numeric, "string", parameters: NumericParameters(modifier));
            case "money":
                return new ColumnCodec(ValueKind.Money, "string", parameters: new Dictionary<string, string>
                {
                    ["__debezium.source.column.type"] = "MONEY",
                    ["__debezium.source.column.scale"] = "2",
                });
            case "text":
            case "varchar":
            case "bpchar":
            case "char":
            case "name":
            case "citext":
            case "inet":
            case "cidr":
            case "macaddr":
            case "macaddr8":
                return new ColumnCodec(ValueKind.String, "string");
            case "uuid":
                return new ColumnCodec(ValueKind.String, "string", "io.debezium.data.Uuid");
            case "json":
            case "jsonb":
                return new ColumnCodec(ValueKind.String, "string", "io.debezium.data.Json");
            case "xml":
                return new ColumnCodec(ValueKind.String, "string", "io.debezium.data.Xml");
            case "ltree":
                return new ColumnCodec(ValueKind.String, "string", "io.debezium.data.Ltree");
            case "bytea":
                return new ColumnCodec(ValueKind.Bytes, "bytes");
            case "date":
                return new ColumnCodec(ValueKind.Date, "int32", "io.debezium.time.Date");
            case "timestamp":
                return modifier is >= 0 and <= 3
                    ? new ColumnCodec(ValueKind.MilliTimestamp, "int64", "io.debezium.time.Timestamp")
                    : new ColumnCodec(ValueKind.MicroTimestamp, "int64", "io.debezium.time.MicroTimestamp");
            case "timestamptz":
                return new ColumnCodec(ValueKind.ZonedTimestamp, "string", "io.debezium.time.ZonedTimestamp");
            case "time":
                return new ColumnCodec(ValueKind.MicroTime, "int64", "io.debezium.time.MicroTime");
            case "timetz":
                return new ColumnCodec(ValueKind.ZonedTime, "string", "io.debezium.time.ZonedTime");
            case "interval":
                return new ColumnCodec(ValueKind.MicroDuration, "int64", "io.debezium.time.MicroDuration");
            case "bit" when modifier == 1:
                return new ColumnCodec(ValueKind.BitBoolean, "boolean");
            default:
                return new ColumnCodec(ValueKind.String, "string") { IsFallback = true };
        }
    }

    private static Dictionary<string, string> NumericParameters(int modifier)
    {
        var parameters = new Dictionary<string, string> { ["__debezium.source.column.type"] = "NUMERIC" };
        if (modifier >= 4)
        {
            var precision = ((modifier - 4) >> 16) & 0xFFFF;
            var scale = (short)(((modifier - 4) & 0x7FF) << 5) >> 5; // 11-bit signed scale (PostgreSQL 15)
            parameters["__debezium.source.column.length"] = precision.ToString(CultureInfo.InvariantCulture);
            parameters["__debezium.source.column.scale"] = scale.ToString(CultureInfo.InvariantCulture);
        }

        return parameters;
    }

    /// <summary>Writes the field schema <c>{"type":…,"optional":…,"name":…,"version":…,"parameters":…,"field":…}</c>.</summary>
    public void WriteFieldSchema(Utf8JsonWriter writer, string? field, bool optional)
    {
        writer.WriteStartObject();
        writer.WriteString("type", ConnectType);
        if (Element is not null)
        {
            writer.WritePropertyName("items");
            Element.WriteFieldSchema(writer, null, optional: true);
        }

        writer.WriteBoolean("optional", optional);
        if (SemanticName is not null)
        {
            writer.WriteString("name", SemanticName);
            writer.WriteNumber("version", 1);
        }

        if (Parameters is { Count: > 0 })
        {
            writer.WriteStartObject("parameters");
            foreach (var (k, v) in Parameters)
            {
                writer.WriteString(k, v);
            }

            writer.WriteEndObject();
        }

        if (field is not null)
        {
            writer.WriteString("field", field);
        }

        writer.WriteEndObject();
    }

    /// <summary>Debezium's placeholder for an unchanged TOASTed value the stream did not carry.</summary>
    public void WriteUnavailable(Utf8JsonWriter writer)
    {
        switch (Kind)
        {
            case ValueKind.Bytes:
                writer.WriteBase64StringValue(Encoding.UTF8.GetBytes(UnavailableValue));
                break;
            case ValueKind.Array:
                writer.WriteStartArray();
                if (Element is { } element)
                {
                    element.WriteUnavailable(writer);
                }

                writer.WriteEndArray();
                break;
            case ValueKind.String or ValueKind.Numeric or ValueKind.Money:
                writer.WriteStringValue(UnavailableValue);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    /// <summary>Writes the value of <paramref name="text"/> (PostgreSQL text output); false (and nothing written) when it cannot be encoded as the schema says.</summary>
    public bool TryWrite(Utf8JsonWriter writer, string text)
    {
        var s = text.AsSpan();
        var inv = CultureInfo.InvariantCulture;
        switch (Kind)
        {
            case ValueKind.Boolean:
                if (s is "t" or "true")
                {
                    writer.WriteBooleanValue(true);
                    return true;
                }

                if (s is "f" or "false")
                {
                    writer.WriteBooleanValue(false);
                    return true;
                }

                return false;
            case ValueKind.BitBoolean:
                if (s is "1" or "0")
                {
                    writer.WriteBooleanValue(s is "1");
                    return true;
                }

                return false;
            case ValueKind.Int16 or ValueKind.Int32 or ValueKind.Int64:
                if (long.TryParse(s, NumberStyles.AllowLeadingSign, inv, out var integer))
                {
                    writer.WriteNumberValue(integer);
                    return true;
                }

                return false;
            case ValueKind.Float32:
                if (float.TryParse(s, NumberStyles.Float, inv, out var single) && float.IsFinite(single))
                {
                    writer.WriteNumberValue(single);
                    return true;
                }

                return false;
            case ValueKind.Float64:
                if (double.TryParse(s, NumberStyles.Float, inv, out var dbl) && double.IsFinite(dbl))
                {
                    writer.WriteNumberValue(dbl);
                    return true;
                }

                return false;
            case ValueKind.String or ValueKind.Numeric:
                writer.WriteStringValue(s);
                return true;
            case ValueKind.Money:
                return TryWriteMoney(writer, s);
            case ValueKind.Bytes:
                return TryWriteBytes(writer, s);
            case ValueKind.Date:
                if (IsoText.TryParseDate(s, out var days))
                {
                    writer.WriteNumberValue(days);
                    return true;
                }

                if (DateOnly.TryParseExact(s, "yyyy-MM-dd", inv, DateTimeStyles.None, out var date))
                {
                    writer.WriteNumberValue(date.DayNumber - EpochDayNumber);
                    return true;
                }

                return false;
            case ValueKind.MicroTimestamp or ValueKind.MilliTimestamp:
                if (IsoText.TryParseTimestamp(s, out var epochTicks, out var rest) && rest == 0)
                {
                    writer.WriteNumberValue(Kind == ValueKind.MilliTimestamp
                        ? FloorDiv(epochTicks, TimeSpan.TicksPerMillisecond)
                        : FloorDiv(epochTicks, TimeSpan.TicksPerMicrosecond));
                    return true;
                }

                if (DateTime.TryParseExact(s, TimestampFormats, inv, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var local))
                {
                    var ticks = local.Ticks - EpochTicks;
                    writer.WriteNumberValue(Kind == ValueKind.MilliTimestamp
                        ? FloorDiv(ticks, TimeSpan.TicksPerMillisecond)
                        : FloorDiv(ticks, TimeSpan.TicksPerMicrosecond));
                    return true;
                }

                return false;
            case ValueKind.ZonedTimestamp:
                if (IsoText.TryWriteUtcTimestamp(writer, s))
                {
                    return true;
                }

                if (DateTimeOffset.TryParseExact(s, ZonedFormats, inv, DateTimeStyles.None, out var zoned))
                {
                    writer.WriteStringValue(FormatZoned(zoned.UtcDateTime));
                    return true;
                }

                return false;
            case ValueKind.MicroTime:
                if (TryParseTime(s, out var time))
                {
                    writer.WriteNumberValue(time / TimeSpan.TicksPerMicrosecond);
                    return true;
                }

                return false;
            case ValueKind.ZonedTime:
                return TryWriteZonedTime(writer, s);
            case ValueKind.MicroDuration:
                if (IsoInterval.TryParseMicros(s, out var micros))
                {
                    writer.WriteNumberValue(micros);
                    return true;
                }

                return false;
            case ValueKind.Array:
                return TryWriteArray(writer, text);
            default:
                return false;
        }
    }

    private static long FloorDiv(long a, long b) => (a / b) - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0);

    internal static string FormatZoned(DateTime utc)
    {
        var text = utc.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture);
        return (text.EndsWith('.') ? text[..^1] : text) + "Z";
    }

    private static bool TryWriteMoney(Utf8JsonWriter writer, ReadOnlySpan<char> s)
    {
        Span<char> buffer = stackalloc char[s.Length];
        var n = 0;
        foreach (var c in s)
        {
            if (c is '$' or ',' or ' ')
            {
                continue;
            }

            if (c is not (>= '0' and <= '9') and not '.' and not '-')
            {
                return false;
            }

            buffer[n++] = c;
        }

        if (n == 0)
        {
            return false;
        }

        writer.WriteStringValue(buffer[..n]);
        return true;
    }

    private static bool TryWriteBytes(Utf8JsonWriter writer, ReadOnlySpan<char> s)
    {
        if (!s.StartsWith("\\x", StringComparison.Ordinal) || (s.Length % 2) != 0)
        {
            return false;
        }

        var hex = s[2..];
        var length = hex.Length / 2;
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            if (Convert.FromHexString(hex, rented, out _, out var written) != OperationStatus.Done)
            {
                return false;
            }

            writer.WriteBase64StringValue(rented.AsSpan(0, written));
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>PostgreSQL time text <c>HH:MM:SS[.ffffff]</c> (24:00:00 allowed) as ticks.</summary>
    private static bool TryParseTime(ReadOnlySpan<char> s, out long ticks)
    {
        ticks = 0;
        if (s.Length < 8 || s[2] != ':' || s[5] != ':'
            || !int.TryParse(s[..2], NumberStyles.None, CultureInfo.InvariantCulture, out var h)
            || !int.TryParse(s[3..5], NumberStyles.None, CultureInfo.InvariantCulture, out var m)
            || !int.TryParse(s[6..8], NumberStyles.None, CultureInfo.InvariantCulture, out var sec))
        {
            return false;
        }

        long fraction = 0;
        if (s.Length > 8)
        {
            if (s[8] != '.' || s.Length > 16)
            {
                return false;
            }

            var digits = s[9..];
            if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out fraction))
            {
                return false;
            }

            for (var i = digits.Length; i < 7; i++)
            {
                fraction *= 10;
            }
        }

        ticks = (((h * 60L) + m) * 60L + sec) * TimeSpan.TicksPerSecond + fraction;
        return h <= 24;
    }

    private static bool TryWriteZonedTime(Utf8JsonWriter writer, ReadOnlySpan<char> s)
    {
        var sign = s.LastIndexOfAny('+', '-');
        if (sign < 8 || !TryParseTime(s[..sign], out var ticks))
        {
            return false;
        }

        var zone = s[(sign + 1)..];
        var parts = zone.ToString().Split(':');
        if (parts.Length is < 1 or > 3 || !parts.All(p => p.Length == 2 && p.All(char.IsAsciiDigit)))
        {
            return false;
        }

        var offset = (int.Parse(parts[0], CultureInfo.InvariantCulture) * 3600)
            + (parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) * 60 : 0)
            + (parts.Length > 2 ? int.Parse(parts[2], CultureInfo.InvariantCulture) : 0);
        if (s[sign] == '-')
        {
            offset = -offset;
        }

        var utc = ticks - (offset * TimeSpan.TicksPerSecond);
        utc = ((utc % TimeSpan.TicksPerDay) + TimeSpan.TicksPerDay) % TimeSpan.TicksPerDay;
        var text = new TimeSpan(utc).ToString("hh':'mm':'ss'.'FFFFFF", CultureInfo.InvariantCulture).TrimEnd('.');
        writer.WriteStringValue(text + "Z");
        return true;
    }

    private bool TryWriteArray(Utf8JsonWriter writer, string text)
    {
        if (!PgArrayText.TryParse(text, out var elements))
        {
            return false;
        }

        var element = Element!;
        var buffer = new ArrayBufferWriter<byte>(Math.Max(16, text.Length * 2));
        using (var scratch = new Utf8JsonWriter(buffer, WriterOptions))
        {
            scratch.WriteStartArray();
            foreach (var item in elements)
            {
                if (item is null)
                {
                    scratch.WriteNullValue();
                }
                else if (!element.TryWrite(scratch, item))
                {
                    return false;
                }
            }

            scratch.WriteEndArray();
        }

        writer.WriteRawValue(buffer.WrittenSpan, skipInputValidation: true);
        return true;
    }
}
