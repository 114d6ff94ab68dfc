using System.Globalization;
using System.Text.Json;

namespace CableHub.Pipelines.Ingest.Envelopes;

/// <summary>
/// A Kafka Connect schema as the JSON converter writes it (<c>schemas.enable=true</c>):
/// <c>{"type":"struct","fields":[{"field":"id","type":"int32","optional":false}, ...],"optional":false,"name":"..."}</c>.
/// Only what the ingester needs is kept: type, optionality, semantic name, parameters, fields, array items.
/// </summary>
public sealed class ConnectSchema
{
    private Dictionary<string, ConnectField>? _byName;

    public ConnectSchema(
        string type,
        bool optional,
        string? name = null,
        IReadOnlyDictionary<string, string>? parameters = null,
        IReadOnlyList<ConnectField>? fields = null,
        ConnectSchema? items = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        Type = type.ToLowerInvariant();
        Optional = optional;
        Name = string.IsNullOrEmpty(name) ? null : name;
        Parameters = parameters ?? new Dictionary<string, string>();
        Fields = fields ?? [];
        Items = items;
    }

    /// <summary>Connect type name in lower case: int8, int16, int32, int64, float/float32, double/float64, boolean, string, bytes, array, map, struct.</summary>
    public string Type { get; }

    public bool Optional { get; }

    /// <summary>Logical (semantic) type name, e.g. <c>io.debezium.time.MicroTimestamp</c>, <c>org.apache.kafka.connect.data.Decimal</c>.</summary>
    public string? Name { get; }

    public IReadOnlyDictionary<string, string> Parameters { get; }

    /// <summary>Fields of a struct, in order.</summary>
    public IReadOnlyList<ConnectField> Fields { get; }

    /// <summary>Element schema of an array (the JSON converter's <c>items</c>).</summary>
    public ConnectSchema? Items { get; }

    public bool IsStruct => Type == "struct";

    public ConnectField? FindField(string name)
    {
        _byName ??= Fields.GroupBy(f => f.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        return _byName.GetValueOrDefault(name);
    }

    /// <summary>Parses a schema from its JSON text (the value of the converter's <c>"schema"</c> member).</summary>
    public static ConnectSchema Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var doc = JsonDocument.Parse(json);
        return Parse(doc.RootElement, "schema");
    }

    /// <summary>Parses a schema element; <paramref name="path"/> names the place in error messages.</summary>
    public static ConnectSchema Parse(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidEnvelopeException($"{path}: a Connect schema must be a JSON object, found {element.ValueKind}");
        }

        var type = element.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()!
            : throw new InvalidEnvelopeException($"{path}: the Connect schema has no \"type\"");
        var optional = element.TryGetProperty("optional", out var o) && ReadBoolean(o, $"{path}.optional");
        var name = element.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;

        Dictionary<string, string>? parameters = null;
        if (element.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Object)
        {
            parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in p.EnumerateObject())
            {
                parameters[property.Name] = property.Value.ValueKind == JsonValueKind.String
                    ? property.Value.GetString()!
                    : property.Value.GetRawText();
            }
        }

        List<ConnectField>? fields = null;
        if (element.TryGetProperty("fields", out var f) && f.ValueKind == JsonValueKind.Array)
        {
            fields = new List<ConnectField>(f.GetArrayLength());
            var i = 0;
            foreach (var fieldElement in f.EnumerateArray())
            {
                var fieldPath = $"{path}.fields[{i++}]";
                var fieldName = fieldElement.ValueKind == JsonValueKind.Object
                                && fieldElement.TryGetProperty("field", out var fn) && fn.ValueKind == JsonValueKind.String
                    ? fn.GetString()!
                    : throw new InvalidEnvelopeException($"{fieldPath}: a struct field needs a \"field\" name");
                fields.Add(new ConnectField(fieldName, Parse(fieldElement, $"{path}.{fieldName}")));
            }
        }

        ConnectSchema? items = null;
        if (element.TryGetProperty("items", out var it) && it.ValueKind == JsonValueKind.Object)
        {
            items = Parse(it, $"{path}.items");
        }

        return new ConnectSchema(type, optional, name, parameters, fields, items);
    }

    private static bool ReadBoolean(JsonElement element, string path) => element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => false,
        JsonValueKind.String when bool.TryParse(element.GetString(), out var b) => b,
        _ => throw new InvalidEnvelopeException($"{path}: expected a boolean, found {element.ValueKind}"),
    };

    public override string ToString() => Name is null
        ? Type.ToString(CultureInfo.InvariantCulture)
        : $"{Type} ({Name})";
}

/// <summary>A named field of a struct schema.</summary>
public sealed record ConnectField(string Name, ConnectSchema Schema);
