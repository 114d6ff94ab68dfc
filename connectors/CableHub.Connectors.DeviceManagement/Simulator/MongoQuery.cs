using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CableHub.Connectors.DeviceManagement.Simulator;

/// <summary>
/// The part of MongoDB's query language GenieACS's NBI passes through: field equality, <c>$eq $ne $gt $gte $lt $lte
/// $in $nin $exists $regex</c>, <c>$and $or $nor</c>. A field name ending in <c>._value</c> means the parameter's value
/// (GenieACS's own expansion). Strings that both read as dates compare as dates.
/// </summary>
public static class MongoQuery
{
    public static bool Matches(JsonObject query, Func<string, JsonNode?> field)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(field);
        foreach (var (key, condition) in query)
        {
            var ok = key switch
            {
                "$and" => AsArray(condition).All(q => Matches((JsonObject)q!, field)),
                "$or" => AsArray(condition).Any(q => Matches((JsonObject)q!, field)),
                "$nor" => !AsArray(condition).Any(q => Matches((JsonObject)q!, field)),
                _ => FieldMatches(field(key.EndsWith("._value", StringComparison.Ordinal) ? key[..^7] : key), condition),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static JsonArray AsArray(JsonNode? node) => node as JsonArray ?? throw new FormatException("$and/$or/$nor take an array");

    private static bool FieldMatches(JsonNode? value, JsonNode? condition)
    {
        if (condition is JsonObject ops && ops.Count > 0 && ops.All(kv => kv.Key.StartsWith('$')))
        {
            foreach (var (op, operand) in ops)
            {
                var ok = op switch
                {
                    "$eq" => EqualsAny(value, operand),
                    "$ne" => !EqualsAny(value, operand),
                    "$gt" => Compare(value, operand) is > 0,
                    "$gte" => Compare(value, operand) is >= 0,
                    "$lt" => Compare(value, operand) is < 0,
                    "$lte" => Compare(value, operand) is <= 0,
                    "$in" => ((JsonArray)operand!).Any(o => EqualsAny(value, o)),
                    "$nin" => !((JsonArray)operand!).Any(o => EqualsAny(value, o)),
                    "$exists" => (value is not null) == operand!.GetValue<bool>(),
                    "$regex" => value is JsonValue v && Regex.IsMatch(Text(v) ?? "", operand!.GetValue<string>(), RegexOptions.None, TimeSpan.FromSeconds(1)),
                    "$options" => true,
                    _ => throw new FormatException($"query operator {op} is not supported by the simulator"),
                };
                if (!ok)
                {
                    return false;
                }
            }

            return true;
        }

        return EqualsAny(value, condition);
    }

    /// <summary>Equality; an array field matches when any element does (MongoDB semantics).</summary>
    private static bool EqualsAny(JsonNode? value, JsonNode? operand) =>
        value is JsonArray array ? array.Any(e => Same(e, operand)) : Same(value, operand);

    private static bool Same(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        return Compare(a, b) == 0;
    }

    private static int? Compare(JsonNode? a, JsonNode? b)
    {
        if (a is not JsonValue x || b is not JsonValue y)
        {
            return null;
        }

        var (kx, ky) = (x.GetValueKind(), y.GetValueKind());
        if (kx == JsonValueKind.Number && ky == JsonValueKind.Number)
        {
            return x.GetValue<double>().CompareTo(y.GetValue<double>());
        }

        if (kx is JsonValueKind.True or JsonValueKind.False || ky is JsonValueKind.True or JsonValueKind.False)
        {
            return kx == ky ? 0 : 1;
        }

        var (sx, sy) = (Text(x), Text(y));
        if (sx is null || sy is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(sx, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dx)
            && DateTimeOffset.TryParse(sy, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dy)
            && sx.Length >= 10 && sy.Length >= 10)
        {
            return dx.CompareTo(dy);
        }

        return string.CompareOrdinal(sx, sy);
    }

    private static string? Text(JsonValue v) => v.GetValueKind() switch
    {
        JsonValueKind.String => v.GetValue<string>(),
        JsonValueKind.Number => v.ToJsonString(),
        _ => v.ToJsonString(),
    };
}
