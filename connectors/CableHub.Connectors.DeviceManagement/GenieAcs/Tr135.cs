using System.Globalization;
using System.Text.Json.Nodes;
using CableHub.Core.Ports;

namespace CableHub.Connectors.DeviceManagement.GenieAcs;

/// <summary>
/// Where a box's health lives in the TR-181 <c>Device.</c> tree with the TR-135 STBService object, and how a
/// GenieACS device document (parameters as <c>{"_value", "_type", "_timestamp"}</c> leaves) maps to the neutral
/// <see cref="StbDiagnostics"/>.
/// </summary>
/// <remarks>
/// TR-135 (STBService:1) models terrestrial and IP front ends (<c>Components.FrontEnd.{i}.DVBT</c>, <c>.IP</c>); its DVB-T
/// modulation has SNR (dB), BER (×1e-6), CBER, Locked and Frequency (kHz) but no input level. Cable boxes report a
/// DVB-C front end and its level as a vendor extension (<c>FrontEnd.{i}.X_&lt;vendor&gt;_DVBC.Modulation.SignalLevel</c>,
/// dBµV); every front-end child named <c>DVBT</c> or ending in <c>_DVBC</c> is read, with <c>SignalLevel</c> where present.
/// </remarks>
public static class Tr135
{
    public const string Root = "Device.";
    public const string DeviceInfo = "Device.DeviceInfo.";
    public const string StbService = "Device.Services.STBService.";
    public const string SoftwareVersion = "Device.DeviceInfo.SoftwareVersion";
    public const string SerialNumber = "Device.DeviceInfo.SerialNumber";
    public const string UpTime = "Device.DeviceInfo.UpTime";

    /// <summary>Object paths a refresh asks the box for (getParameterValues on partial paths).</summary>
    public static IReadOnlyList<string> DiagnosticObjects { get; } =
    [
        DeviceInfo,
        "Device.Services.STBService.1.Components.",
        "Device.Services.STBService.1.AVPlayers.",
        "Device.Services.STBService.1.ServiceMonitoring.",
    ];

    /// <summary>The GenieACS projection of everything <see cref="ToDiagnostics"/> reads.</summary>
    public static string Projection { get; } = "_id,_deviceId,_lastInform,_tags,Device.DeviceInfo,Device.Services.STBService";

    public static StbDiagnostics ToDiagnostics(JsonObject device, DateTimeOffset collectedAt, bool fresh)
    {
        ArgumentNullException.ThrowIfNull(device);
        var id = device["_id"]?.GetValue<string>() ?? throw new FormatException("device document without _id");
        var serial = Value(device, SerialNumber) ?? (device["_deviceId"] as JsonObject)?["_SerialNumber"]?.GetValue<string>() ?? "";
        var upTime = Value(device, UpTime) is { } up && long.TryParse(up, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : (TimeSpan?)null;

        var frontEnds = new List<FrontEndStatus>();
        var decoders = new List<DecoderStatus>();
        var streams = new List<StreamStatistics>();
        foreach (var (serviceIndex, service) in Instances(Node(device, "Device.Services.STBService")))
        {
            foreach (var (i, frontEnd) in Instances(Node(service, "Components.FrontEnd")))
            {
                foreach (var (name, child) in frontEnd)
                {
                    if (child is not JsonObject kind || !(name == "DVBT" || name.EndsWith("_DVBC", StringComparison.Ordinal)) || kind["Modulation"] is not JsonObject m)
                    {
                        continue;
                    }

                    frontEnds.Add(new FrontEndStatus(i, name == "DVBT" ? "DVB-T" : "DVB-C",
                        Bool(Leaf(m, "Locked")), Long(Leaf(m, "Frequency")), Double(Leaf(m, "SignalLevel")), Double(Leaf(m, "SNR")),
                        Long(Leaf(m, "BER")) is { } ber ? ber * 1e-6 : null));
                }
            }

            foreach (var (i, player) in Instances(Node(service, "AVPlayers.AVPlayer")))
            {
                decoders.Add(new DecoderStatus($"STBService.{serviceIndex}.AVPlayer.{i}" + (Leaf(player, "Name") is { } n ? $" ({n})" : ""), Leaf(player, "Status") ?? "Unknown"));
            }

            foreach (var (i, decoder) in Instances(Node(service, "Components.VideoDecoder")))
            {
                decoders.Add(new DecoderStatus($"STBService.{serviceIndex}.VideoDecoder.{i}" + (Leaf(decoder, "Name") is { } n ? $" ({n})" : ""), Leaf(decoder, "Status") ?? "Unknown"));
            }

            foreach (var (i, stream) in Instances(Node(service, "ServiceMonitoring.MainStream")))
            {
                var total = Node(stream, "Total");
                streams.Add(new StreamStatistics(i,
                    Long(Leaf(Node(total, "VideoDecoderStats"), "DecodedFrames")),
                    Long(Leaf(Node(total, "VideoDecoderStats"), "LostFrames")),
                    Long(Leaf(Node(total, "VideoDecoderStats"), "ConcealedFrames")),
                    Long(Leaf(Node(total, "AudioDecoderStats"), "DecodingErrors")),
                    Long(Leaf(Node(total, "MPEG2TSStats"), "TSSyncLossCount")),
                    Long(Leaf(Node(total, "MPEG2TSStats"), "PacketDiscontinuityCounter"))));
            }
        }

        return new StbDiagnostics(id, serial, collectedAt, fresh, Date(device["_lastInform"]), Value(device, SoftwareVersion), upTime, frontEnds, decoders, streams);
    }

    public static ManagedDevice ToManagedDevice(JsonObject device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var deviceId = device["_deviceId"] as JsonObject;
        return new ManagedDevice(
            device["_id"]?.GetValue<string>() ?? throw new FormatException("device document without _id"),
            deviceId?["_SerialNumber"]?.GetValue<string>() ?? Value(device, SerialNumber) ?? "",
            deviceId?["_Manufacturer"]?.GetValue<string>(),
            deviceId?["_OUI"]?.GetValue<string>(),
            deviceId?["_ProductClass"]?.GetValue<string>(),
            Value(device, SoftwareVersion),
            Date(device["_lastInform"]),
            device["_tags"] is JsonArray tags ? tags.Select(t => t!.GetValue<string>()).ToList() : []);
    }

    /// <summary>The <c>_value</c> of a parameter at a dotted path, as text.</summary>
    public static string? Value(JsonObject device, string path) => Leaf(Node(device, path[..path.LastIndexOf('.')]), path[(path.LastIndexOf('.') + 1)..]);

    private static JsonObject? Node(JsonObject? from, string dotted)
    {
        var node = from;
        foreach (var part in dotted.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node?[part] as JsonObject;
        }

        return node;
    }

    private static IEnumerable<(int Index, JsonObject Node)> Instances(JsonObject? table)
    {
        if (table is null)
        {
            yield break;
        }

        foreach (var (key, value) in table.OrderBy(kv => kv.Key.Length).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && value is JsonObject instance)
            {
                yield return (index, instance);
            }
        }
    }

    private static string? Leaf(JsonObject? parent, string name) => parent?[name] switch
    {
        JsonObject leaf when leaf["_value"] is JsonValue v => v.ToString(),
        _ => null,
    };

    private static long? Long(string? text) => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static double? Double(string? text) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static bool? Bool(string? text) => text is null ? null : text is "true" or "1" || string.Equals(text, "True", StringComparison.Ordinal);

    private static DateTimeOffset? Date(JsonNode? node) =>
        node is JsonValue v && DateTimeOffset.TryParse(v.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : null;
}
