namespace CableHub.Inventory.Api;

/// <summary>The four TMF639 state fields of a resource.</summary>
public sealed record ResourceStates(string ResourceStatus, string AdministrativeState, string OperationalState, string UsageState);

/// <summary>
/// TMF639 states ↔ the device lifecycle. Each lifecycle status has one tuple of (resourceStatus,
/// administrativeState, operationalState, usageState); a PATCH names some of the fields and the lifecycle status
/// whose tuple matches them (the one of the merged tuple when several do) is the target.
/// </summary>
public static class ResourceStateMapping
{
    public static IReadOnlyDictionary<string, ResourceStates> ByStatus { get; } = new Dictionary<string, ResourceStates>(StringComparer.Ordinal)
    {
        [DeviceStatus.Ordered] = new("standby", "locked", "disable", "idle"),
        [DeviceStatus.InTransit] = new("standby", "unlocked", "disable", "idle"),
        [DeviceStatus.InStock] = new("available", "unlocked", "enable", "idle"),
        [DeviceStatus.Reserved] = new("reserved", "unlocked", "enable", "idle"),
        [DeviceStatus.Installed] = new("available", "unlocked", "enable", "active"),
        [DeviceStatus.Returned] = new("standby", "unlocked", "enable", "idle"),
        [DeviceStatus.Refurbishing] = new("alarm", "locked", "disable", "idle"),
        [DeviceStatus.Rma] = new("suspended", "locked", "disable", "idle"),
        [DeviceStatus.Scrapped] = new("unknown", "shutdown", "disable", "idle"),
    };

    public static readonly string[] ResourceStatuses = ["standby", "alarm", "available", "reserved", "unknown", "suspended"];
    public static readonly string[] AdministrativeStates = ["locked", "unlocked", "shutdown"];
    public static readonly string[] OperationalStates = ["enable", "disable"];
    public static readonly string[] UsageStates = ["idle", "active", "busy"];

    public static ResourceStates For(string status) => ByStatus[status];

    /// <summary>
    /// The lifecycle status a PATCH asks for, or an error keyed by the field: an unknown value, a combination that
    /// is no lifecycle state, or one that is ambiguous.
    /// </summary>
    public static (string? Status, string? Field, string? Error) Resolve(string current, string? resourceStatus, string? administrativeState, string? operationalState, string? usageState)
    {
        if (Invalid("resourceStatus", resourceStatus, ResourceStatuses) is { } e1)
        {
            return (null, "resourceStatus", e1);
        }

        if (Invalid("administrativeState", administrativeState, AdministrativeStates) is { } e2)
        {
            return (null, "administrativeState", e2);
        }

        if (Invalid("operationalState", operationalState, OperationalStates) is { } e3)
        {
            return (null, "operationalState", e3);
        }

        if (Invalid("usageState", usageState, UsageStates) is { } e4)
        {
            return (null, "usageState", e4);
        }

        var usage = usageState == "busy" ? "active" : usageState;
        var candidates = ByStatus.Where(kv =>
                (resourceStatus is null || kv.Value.ResourceStatus == resourceStatus) &&
                (administrativeState is null || kv.Value.AdministrativeState == administrativeState) &&
                (operationalState is null || kv.Value.OperationalState == operationalState) &&
                (usage is null || kv.Value.UsageState == usage))
            .Select(kv => kv.Key).ToList();
        var field = resourceStatus is not null ? "resourceStatus" : administrativeState is not null ? "administrativeState" : operationalState is not null ? "operationalState" : "usageState";
        if (candidates.Count == 0)
        {
            return (null, field, $"resourceStatus {resourceStatus ?? "-"}, administrativeState {administrativeState ?? "-"}, operationalState {operationalState ?? "-"}, usageState {usageState ?? "-"} together are no state of the equipment lifecycle");
        }

        if (candidates.Count == 1)
        {
            return (candidates[0], field, null);
        }

        if (candidates.Contains(current))
        {
            return (current, field, null);
        }

        var now = For(current);
        var merged = new ResourceStates(resourceStatus ?? now.ResourceStatus, administrativeState ?? now.AdministrativeState, operationalState ?? now.OperationalState, usage ?? now.UsageState);
        var exact = candidates.Where(c => ByStatus[c] == merged).ToList();
        return exact.Count == 1
            ? (exact[0], field, null)
            : (null, field, $"is ambiguous: it may mean {string.Join(" or ", candidates)}; also give {Missing(resourceStatus, administrativeState, operationalState, usageState)}");
    }

    private static string Missing(string? r, string? a, string? o, string? u) =>
        string.Join(" / ", new[] { r is null ? "resourceStatus" : null, a is null ? "administrativeState" : null, o is null ? "operationalState" : null, u is null ? "usageState" : null }.OfType<string>());

    private static string? Invalid(string field, string? value, string[] allowed) =>
        value is null || allowed.Contains(value, StringComparer.Ordinal) ? null : $"'{value}' is not a {field}; use one of {string.Join(", ", allowed)}";
}
