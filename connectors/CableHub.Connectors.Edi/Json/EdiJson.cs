using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using CableHub.Connectors.Edi.Edifact;
using CableHub.Connectors.Edi.Receipts;
using CableHub.Connectors.Edi.ShipNotices;
using CableHub.Connectors.Edi.X12;

namespace CableHub.Connectors.Edi.Json;

/// <summary>
/// What <c>cablehub edi parse --json</c> prints: the format, the parsed document, its ship notices in the neutral
/// model, and every error and warning found (<see cref="Issues"/>, in file order; omitted when there is none).
/// </summary>
public sealed record EdiParseOutput(string Format, X12Document? X12, EdifactDocument? Edifact, IReadOnlyList<ShipNotice> ShipNotices)
{
    public IReadOnlyList<EdiIssue> Issues { get; init; } = [];
}

[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(EdiParseOutput))]
[JsonSerializable(typeof(X12Document))]
[JsonSerializable(typeof(EdifactDocument))]
[JsonSerializable(typeof(ShipNotice))]
[JsonSerializable(typeof(ReceiptReport))]
[JsonSerializable(typeof(ShipNoticeReconciliation))]
[JsonSerializable(typeof(EdiError))]
[JsonSerializable(typeof(EdiIssue))]
public sealed partial class EdiJsonContext : JsonSerializerContext;

/// <summary>JSON rendering of parsed EDI (System.Text.Json, source-generated; null values and empty lists omitted).</summary>
public static class EdiJson
{
    public static JsonSerializerOptions Options { get; } = new(EdiJsonContext.Default.Options)
    {
        TypeInfoResolver = EdiJsonContext.Default.WithAddedModifier(OmitEmptyCollections),
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T)));

    public static void Serialize<T>(Stream output, T value) => JsonSerializer.Serialize(output, value, (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T)));

    private static void OmitEmptyCollections(JsonTypeInfo type)
    {
        foreach (var property in type.Properties)
        {
            if (property.PropertyType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(property.PropertyType))
            {
                property.ShouldSerialize = static (_, value) => value is not ICollection { Count: 0 };
            }
        }
    }
}
