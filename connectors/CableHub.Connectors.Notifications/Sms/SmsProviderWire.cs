using System.Text.Json;
using System.Text.Json.Serialization;

namespace CableHub.Connectors.Notifications.Sms;

/// <summary>Bodies of the SMS provider JSON API (<c>SMS-PROVIDER-API.md</c>), shared by the adapter and the simulator.</summary>
public static class SmsProviderWire
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <param name="To">E.164 number, e.g. <c>+919812345678</c></param>
    /// <param name="From">registered sender id (India: 6 characters, DLT-registered)</param>
    /// <param name="Reference">the sender's own reference (our idempotency key), echoed back</param>
    public sealed record SendRequest(string To, string From, string Text, string? Reference);

    /// <param name="Status"><c>accepted</c> (queued to the network), later <c>delivered</c> or <c>failed</c></param>
    public sealed record Message(string Id, string To, string From, string Text, string? Reference, string Status, int Segments, DateTimeOffset AcceptedAt);

    public sealed record Error(string Code, string Message);
}
