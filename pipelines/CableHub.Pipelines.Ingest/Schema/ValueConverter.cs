using System.Globalization;
using System.Numerics;
using System.Text;
using System.Runtime.InteropServices;
using System.Text.Json;
using CableHub.Pipelines.Ingest.Envelopes;
using ClickHouse.Driver.Numerics;

namespace CableHub.Pipelines.Ingest.Schema;

/// <summary>
/// Converts one JSON field value of a change event into the .NET value ClickHouse.Driver writes for the column type.
/// The column type decides; the Connect field schema (when the event has one) resolves what JSON alone cannot
/// (bytes are base64, timestamps' units, precise decimals). Without a schema, numbers into DateTime64 columns are read
/// in the column's own unit (ms for precision 3, µs for 6, ns for 9) and into Date32 as days, as Debezium writes them.
/// Wrong JSON kinds are errors (<see cref="InvalidEnvelopeException"/>), never silent coercions.
/// </summary>
internal static class ValueConverter
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    /// <summary>The value written when a non-Nullable column has no value in the event (partial delete images, dropped source columns).</summary>
    public static object? DefaultFor(ColumnType type)
    {
        if (type.Nullable)
        {
            return null;
        }

        return type.Kind switch
        {
            ColumnKind.Int8 => (sbyte)0,
            ColumnKind.Int16 => (short)0,
            ColumnKind.Int32 => 0,
            ColumnKind.Int64 => 0L,
            ColumnKind.UInt8 => (byte)0,
            ColumnKind.UInt16 => (ushort)0,
            ColumnKind.UInt32 => 0U,
            ColumnKind.UInt64 => 0UL,
            ColumnKind.UInt128 => BigInteger.Zero,
            ColumnKind.Float32 => 0f,
            ColumnKind.Float64 => 0d,
            ColumnKind.Bool => false,
            ColumnKind.String => string.Empty,
            ColumnKind.DateTime64 => Epoch,
            ColumnKind.Date32 => Epoch,
            ColumnKind.Uuid => Guid.Empty,
            ColumnKind.Decimal => new ClickHouseDecimal(BigInteger.Zero, 0),
            ColumnKind.Array => Array.Empty<object?>(),
            _ => null,
        };
    }

    /// <summary>Converts <paramref name="value"/>; <paramref name="place"/> names the field in errors (e.g. <c>payload.after.age</c>).</summary>
    public static object? Convert(JsonElement value, ColumnType type, ConnectSchema? schema, string place)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            if (type.Nullable)
            {
                return null;
            }

            if (type.Kind == ColumnKind.Array)
            {
                return Array.Empty<object?>();
            }

            throw Error(place, type, value, "is null but the column is not Nullable");
        }

        switch (type.Kind)
        {
            case ColumnKind.Int8: return checked((sbyte)Integer(value, type, place, sbyte.MinValue, sbyte.MaxValue));
            case ColumnKind.Int16: return checked((short)Integer(value, type, place, short.MinValue, short.MaxValue));
            case ColumnKind.Int32: return checked((int)Integer(value, type, place, int.MinValue, int.MaxValue));
            case ColumnKind.Int64: return Integer(value, type, place, long.MinValue, long.MaxValue);
            case ColumnKind.UInt8: return checked((byte)Integer(value, type, place, 0, byte.MaxValue));
            case ColumnKind.UInt16: return checked((ushort)Integer(value, type, place, 0, ushort.MaxValue));
            case ColumnKind.UInt32: return checked((uint)Integer(value, type, place, 0, uint.MaxValue));
            case ColumnKind.UInt64:
                return value.ValueKind == JsonValueKind.Number && value.TryGetUInt64(out var u64)
                    ? u64
                    : throw Error(place, type, value, "expected an unsigned 64-bit integer");
            case ColumnKind.UInt128:
                return value.ValueKind == JsonValueKind.Number && BigInteger.TryParse(value.GetRawText(), NumberStyles.None, CultureInfo.InvariantCulture, out var big)
                    ? big
                    : throw Error(place, type, value, "expected an unsigned integer");
            case ColumnKind.Float32: return (float)Floating(value, type, place);
            case ColumnKind.Float64: return Floating(value, type, place);
            case ColumnKind.Bool:
                return value.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw Error(place, type, value, "expected true or false"),
                };
            case ColumnKind.String: return Text(value, type, schema, place);
            case ColumnKind.DateTime64: return Timestamp(value, type, schema, place);
            case ColumnKind.Date32: return Date(value, type, schema, place);
            case ColumnKind.Uuid:
                return value.ValueKind == JsonValueKind.String && Guid.TryParse(value.GetString(), out var guid)
                    ? guid
                    : throw Error(place, type, value, "expected a UUID string");
            case ColumnKind.Decimal: return Decimal(value, type, schema, place);
            case ColumnKind.Array:
                if (value.ValueKind != JsonValueKind.Array)
                {
                    throw Error(place, type, value, "expected an array");
                }

                var items = new object?[value.GetArrayLength()];
                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    items[i] = Convert(item, type.Element!, schema?.Items, $"{place}[{i}]");
                    i++;
                }

                return items;
            default:
                throw Error(place, type, value, "the ingester does not write this column type");
        }
    }

    private static long Integer(JsonElement value, ColumnType type, string place, long min, long max)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            throw Error(place, type, value, "expected an integer");
        }

        if (!value.TryGetInt64(out var n))
        {
            throw Error(place, type, value, "is not an integer in range");
        }

        return n < min || n > max ? throw Error(place, type, value, "is out of range") : n;
    }

    private static double Floating(JsonElement value, ColumnType type, string place)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            return value.GetDouble();
        }

        // Connect's JSON converter may write non-finite doubles as strings.
        if (value.ValueKind == JsonValueKind.String)
        {
            switch (value.GetString())
            {
                case "NaN": return double.NaN;
                case "Infinity": return double.PositiveInfinity;
                case "-Infinity": return double.NegativeInfinity;
            }
        }

        throw Error(place, type, value, "expected a number");
    }

    private static object Text(JsonElement value, ColumnType type, ConnectSchema? schema, string place)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String when schema is { Type: "bytes" } && schema.Name != ConnectTypeMapping.DecimalName:
                return Base64(value, type, place);
            case JsonValueKind.String when schema is { Type: "bytes", Name: ConnectTypeMapping.DecimalName }:
                return PreciseDecimal(value, type, schema, place).ToString(CultureInfo.InvariantCulture);
            case JsonValueKind.String:
                return value.GetString()!;
            case JsonValueKind.Object when schema?.Name == ConnectTypeMapping.VariableScaleDecimalName:
                return VariableScaleDecimal(value, type, place);
            case JsonValueKind.Object or JsonValueKind.Array:
                return value.GetRawText(); // struct / map / array into a String column: JSON text
            default:
                throw Error(place, type, value, "expected a string");
        }
    }

    private static byte[] Base64(JsonElement value, ColumnType type, string place)
    {
        try
        {
            return value.GetBytesFromBase64();
        }
        catch (FormatException)
        {
            throw Error(place, type, value, "expected base64 (Connect bytes)");
        }
    }

    private static DateTimeOffset Timestamp(JsonElement value, ColumnType type, ConnectSchema? schema, string place)
    {
        try
        {
            if (value.ValueKind == JsonValueKind.String)
            {
                if (TryParseUtcIso(JsonMarshal.GetRawUtf8Value(value), out var fast))
                {
                    return fast;
                }

                return DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
                    ? parsed.ToUniversalTime()
                    : throw Error(place, type, value, "expected an ISO-8601 timestamp");
            }

            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n))
            {
                var unit = schema?.Name switch
                {
                    "io.debezium.time.MicroTimestamp" => 6,
                    "io.debezium.time.Timestamp" or "org.apache.kafka.connect.data.Timestamp" => 3,
                    "io.debezium.time.NanoTimestamp" => 9,
                    _ => type.Precision is 0 or 3 or 6 or 9 ? type.Precision : 3,
                };
                return unit switch
                {
                    0 => Epoch.AddSeconds(n),
                    3 => Epoch.AddMilliseconds(n),
                    6 => Epoch.AddTicks(checked(n * 10)),
                    _ => Epoch.AddTicks(n / 100),
                };
            }
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            throw Error(place, type, value, "is outside the representable time range");
        }

        throw Error(place, type, value, "expected a timestamp (ISO-8601 string or epoch number)");
    }

    private static DateTimeOffset Date(JsonElement value, ColumnType type, ConnectSchema? schema, string place)
    {
        DateTimeOffset result;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var days))
        {
            result = Epoch.AddDays(days);
        }
        else if (value.ValueKind == JsonValueKind.String && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            result = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        }
        else
        {
            throw Error(place, type, value, schema is null ? "expected days since 1970-01-01 or a yyyy-MM-dd string" : $"expected days since 1970-01-01 ({schema})");
        }

        return result.Year is < 1900 or > 2299
            ? throw Error(place, type, value, "is outside Date32's range 1900-01-01..2299-12-31")
            : result;
    }

    private static ClickHouseDecimal Decimal(JsonElement value, ColumnType type, ConnectSchema? schema, string place)
    {
        ClickHouseDecimal parsed;
        if (value.ValueKind == JsonValueKind.String && schema is { Type: "bytes" })
        {
            parsed = PreciseDecimal(value, type, schema, place);
        }
        else if (value.ValueKind == JsonValueKind.Object && schema?.Name == ConnectTypeMapping.VariableScaleDecimalName)
        {
            parsed = ParseDecimalText(VariableScaleDecimal(value, type, place), type, value, place);
        }
        else if (value.ValueKind is JsonValueKind.String)
        {
            if (TrySmallDecimal(JsonMarshal.GetRawUtf8Value(value)[1..^1], type, out var small))
            {
                return new ClickHouseDecimal(new BigInteger(small), type.Scale);
            }

            parsed = ParseDecimalText(value.GetString()!, type, value, place);
        }
        else if (value.ValueKind is JsonValueKind.Number)
        {
            parsed = ParseDecimalText(value.GetRawText(), type, value, place);
        }
        else
        {
            throw Error(place, type, value, "expected a decimal string or number");
        }

        // Refuse what the column cannot hold exactly: more fractional digits than its scale, more digits than its precision.
        var mantissa = parsed.Mantissa;
        var scale = parsed.Scale;
        while (scale > type.Scale)
        {
            var quotient = BigInteger.DivRem(mantissa, 10, out var remainder);
            if (!remainder.IsZero)
            {
                throw Error(place, type, value, $"has more than {type.Scale} fractional digits");
            }

            mantissa = quotient;
            scale--;
        }

        var scaled = mantissa * BigInteger.Pow(10, type.Scale - scale);
        if (ClickHouseDecimal.NumberOfDigits(scaled) > type.Precision)
        {
            throw Error(place, type, value, $"has more than {type.Precision} digits");
        }

        return new ClickHouseDecimal(scaled, type.Scale);
    }

    /// <summary>
    /// The common case without big-number arithmetic: <c>-?digits[.digits]</c> with at most 18 digits once scaled to the
    /// column's scale (fractional digits beyond it must be zeros), within the column's precision → the unscaled value at the
    /// column's scale. Anything else: false (the general path decides, and refuses what does not fit).
    /// </summary>
    private static bool TrySmallDecimal(ReadOnlySpan<byte> s, ColumnType type, out long result)
    {
        result = 0;
        var negative = s.Length > 0 && s[0] == (byte)'-';
        if (negative)
        {
            s = s[1..];
        }

        if (s.Length == 0 || type.Scale is < 0 or > 18)
        {
            return false;
        }

        long mantissa = 0;
        var digits = 0;
        var scale = -1;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == (byte)'.' && scale < 0 && i > 0 && i < s.Length - 1)
            {
                scale = 0;
                continue;
            }

            if ((uint)(c - '0') > 9)
            {
                return false;
            }

            if (scale >= type.Scale)
            {
                if (c != (byte)'0')
                {
                    return false; // more fractional digits than the column keeps: the general path refuses it
                }

                continue;
            }

            if (mantissa != 0 || c != (byte)'0')
            {
                digits++;
            }

            if (digits > 18)
            {
                return false;
            }

            mantissa = (mantissa * 10) + (c - '0');
            if (scale >= 0)
            {
                scale++;
            }
        }

        scale = Math.Max(scale, 0);
        for (; scale < type.Scale; scale++)
        {
            if (++digits > 18 && mantissa != 0)
            {
                return false;
            }

            mantissa *= 10;
        }

        if (mantissa != 0 && CountDigits(mantissa) > type.Precision)
        {
            return false;
        }

        result = negative ? -mantissa : mantissa;
        return true;

        static int CountDigits(long n)
        {
            var count = 0;
            for (; n > 0; n /= 10)
            {
                count++;
            }

            return count;
        }
    }

    /// <summary><c>yyyy-MM-ddTHH:mm:ss[.f{1,7}]Z</c> (Debezium's ZonedTimestamp in UTC); false for any other shape.</summary>
    private static bool TryParseUtcIso(ReadOnlySpan<byte> raw, out DateTimeOffset result)
    {
        result = default;
        if (raw.Length < 22 || raw[0] != (byte)'"' || raw[^1] != (byte)'"')
        {
            return false;
        }

        var s = raw[1..^1];
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[^1] != 'Z')
        {
            return false;
        }

        if (!Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day)
            || !Digits(s, 11, 2, out var hour) || !Digits(s, 14, 2, out var minute) || !Digits(s, 17, 2, out var second)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        long fraction = 0;
        var rest = s[19..^1];
        if (rest.Length > 0)
        {
            if (rest[0] != '.' || rest.Length < 2 || rest.Length > 8 || !Digits(rest, 1, rest.Length - 1, out var f))
            {
                return false;
            }

            fraction = f;
            for (var i = rest.Length - 1; i < 7; i++)
            {
                fraction *= 10;
            }
        }

        result = new DateTimeOffset(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks + fraction, TimeSpan.Zero);
        return true;

        static bool Digits(ReadOnlySpan<byte> s, int at, int count, out int value)
        {
            value = 0;
            for (var i = at; i < at + count; i++)
            {
                var d = s[i] - '0';
                if ((uint)d > 9)
                {
                    return false;
                }

                value = (value * 10) + d;
            }

            return true;
        }
    }

    private static ClickHouseDecimal ParseDecimalText(string text, ColumnType type, JsonElement value, string place)
    {
        var s = text.AsSpan().Trim();
        var negative = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        var exponent = 0;
        var e = s.IndexOfAny('e', 'E');
        if (e >= 0)
        {
            if (!int.TryParse(s[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent))
            {
                throw Error(place, type, value, "is not a decimal number");
            }

            s = s[..e];
        }

        var dot = s.IndexOf('.');
        var digits = new StringBuilder(s.Length);
        var scale = 0;
        if (dot >= 0)
        {
            digits.Append(s[..dot]).Append(s[(dot + 1)..]);
            scale = s.Length - dot - 1;
        }
        else
        {
            digits.Append(s);
        }

        if (digits.Length == 0 || digits.Length > 80 || !digits.ToString().All(char.IsAsciiDigit))
        {
            throw Error(place, type, value, "is not a decimal number");
        }

        var mantissa = BigInteger.Parse(digits.ToString(), NumberStyles.None, CultureInfo.InvariantCulture);
        scale -= exponent;
        if (scale < 0)
        {
            mantissa *= BigInteger.Pow(10, -scale);
            scale = 0;
        }

        return new ClickHouseDecimal(negative ? -mantissa : mantissa, scale);
    }

    /// <summary>org.apache.kafka.connect.data.Decimal in bytes form: base64 of the big-endian two's-complement unscaled value, scale in the schema.</summary>
    private static ClickHouseDecimal PreciseDecimal(JsonElement value, ColumnType type, ConnectSchema schema, string place)
    {
        if (!schema.Parameters.TryGetValue("scale", out var scaleText) || !int.TryParse(scaleText, NumberStyles.None, CultureInfo.InvariantCulture, out var scale))
        {
            throw Error(place, type, value, "Connect Decimal without a \"scale\" parameter");
        }

        var bytes = Base64(value, type, place);
        return new ClickHouseDecimal(new BigInteger(bytes, isUnsigned: false, isBigEndian: true), scale);
    }

    /// <summary>io.debezium.data.VariableScaleDecimal: <c>{"scale": s, "value": base64 unscaled}</c>, rendered as exact decimal text.</summary>
    private static string VariableScaleDecimal(JsonElement value, ColumnType type, string place)
    {
        if (!value.TryGetProperty("scale", out var scaleElement) || !scaleElement.TryGetInt32(out var scale)
            || !value.TryGetProperty("value", out var unscaled) || unscaled.ValueKind != JsonValueKind.String)
        {
            throw Error(place, type, value, "expected io.debezium.data.VariableScaleDecimal {scale, value}");
        }

        var mantissa = new BigInteger(Base64(unscaled, type, place), isUnsigned: false, isBigEndian: true);
        return FormatDecimal(mantissa, scale);
    }

    internal static string FormatDecimal(BigInteger mantissa, int scale)
    {
        var negative = mantissa.Sign < 0;
        var digits = BigInteger.Abs(mantissa).ToString(CultureInfo.InvariantCulture);
        if (scale > 0)
        {
            digits = digits.PadLeft(scale + 1, '0');
            digits = string.Concat(digits.AsSpan(0, digits.Length - scale), ".", digits.AsSpan(digits.Length - scale));
        }
        else if (scale < 0)
        {
            digits += new string('0', -scale);
        }

        return negative ? "-" + digits : digits;
    }

    private static InvalidEnvelopeException Error(string place, ColumnType type, JsonElement value, string reason) =>
        new($"{place}: {ChangeEnvelopeParser.Truncate(value.ValueKind == JsonValueKind.String ? $"\"{value.GetString()}\"" : value.GetRawText(), 60)} {reason} (column type {type.ToSql()})");
}
