using System.Text.Json;
using System.Text.Json.Serialization;

namespace CableHub.Connectors.Cas.Http;

/// <summary>
/// The CAS JSON-over-HTTP wire contract (<c>WIRE-CONTRACT.md</c>): request and response bodies, shared by the
/// production adapter and the simulator's server so both sides speak exactly the same shapes.
/// </summary>
public static class CasWire
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const string CorrelationIdHeader = "X-Correlation-Id";
    public const string ApiVersion = "v1";

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Path segment of a target kind: <c>devices</c> (boxes) or <c>smartcards</c>.</summary>
    public static string Segment(Core.Ports.CasTargetKind kind) => kind == Core.Ports.CasTargetKind.Box ? "devices" : "smartcards";

    public sealed record Product(string ProductId, DateTimeOffset ValidFrom, DateTimeOffset? ValidTo);

    public sealed record ActivationRequest(string? SmartCardNumber, IReadOnlyList<string> ProductIds, DateTimeOffset ValidFrom, DateTimeOffset? ValidTo);

    public sealed record EntitlementsRequest(IReadOnlyList<string> ProductIds);

    public sealed record AddProductsRequest(IReadOnlyList<Product> Products);

    public sealed record RemoveProductsRequest(IReadOnlyList<string> ProductIds);

    public sealed record PairingRequest(string SmartCardNumber);

    public sealed record MessageRequest(string Text, int DisplaySeconds, string Priority);

    public sealed record ForcedTuneRequest(string ServiceId, int DurationSeconds);

    /// <summary>200 answer to a command that took effect (or a repeat of one: same body).</summary>
    public sealed record CommandResponse(string Status, string VendorReference);

    /// <summary>Body of every 4xx/5xx answer.</summary>
    public sealed record Error(string Code, string Message);

    public sealed record Device(string DeviceId, string Status, string? SmartCardNumber, DateTimeOffset? PairedAt, IReadOnlyList<Product> Products, DateTimeOffset UpdatedAt);

    public sealed record DevicePage(IReadOnlyList<Device> Items, string? NextCursor);
}
