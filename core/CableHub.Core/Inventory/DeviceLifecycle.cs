using CableHub.Core.Devices;

namespace CableHub.Core.Inventory;

/// <summary>
/// The lifecycle of a serialised item: ordered → in transit → in stock → reserved → installed → returned →
/// refurbishing / RMA → scrapped, with the side paths operations need. The same table is in the database
/// (<c>hub.device_transition</c>), where a trigger rejects any other change whoever makes it.
/// </summary>
public static class DeviceLifecycle
{
    public static IReadOnlyList<string> Statuses { get; } =
    [
        DeviceStatus.Ordered, DeviceStatus.InTransit, DeviceStatus.InStock, DeviceStatus.Reserved, DeviceStatus.Installed,
        DeviceStatus.Returned, DeviceStatus.Refurbishing, DeviceStatus.Rma, DeviceStatus.Scrapped,
    ];

    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        [DeviceStatus.Ordered] = [DeviceStatus.InTransit, DeviceStatus.InStock, DeviceStatus.Scrapped],
        [DeviceStatus.InTransit] = [DeviceStatus.InStock, DeviceStatus.Returned, DeviceStatus.Scrapped],
        [DeviceStatus.InStock] = [DeviceStatus.Reserved, DeviceStatus.Installed, DeviceStatus.InTransit, DeviceStatus.Refurbishing, DeviceStatus.Rma, DeviceStatus.Scrapped],
        [DeviceStatus.Reserved] = [DeviceStatus.InStock, DeviceStatus.Installed],
        [DeviceStatus.Installed] = [DeviceStatus.Returned],
        [DeviceStatus.Returned] = [DeviceStatus.InStock, DeviceStatus.Refurbishing, DeviceStatus.Rma, DeviceStatus.Scrapped],
        [DeviceStatus.Refurbishing] = [DeviceStatus.InStock, DeviceStatus.Rma, DeviceStatus.Scrapped],
        [DeviceStatus.Rma] = [DeviceStatus.InTransit, DeviceStatus.InStock, DeviceStatus.Scrapped],
        [DeviceStatus.Scrapped] = [],
    };

    public static bool IsStatus(string? status) => status is not null && Allowed.ContainsKey(status);

    public static IReadOnlyList<string> NextStatuses(string from) => Allowed.TryGetValue(from, out var next) ? next : [];

    public static bool CanMove(string from, string to) => Allowed.TryGetValue(from, out var next) && next.Contains(to, StringComparer.Ordinal);

    /// <summary>Every allowed (from, to) pair.</summary>
    public static IEnumerable<(string From, string To)> Transitions => Allowed.SelectMany(kv => kv.Value.Select(to => (kv.Key, to)));

    /// <summary>Throws <see cref="InvalidTransitionException"/> naming the item, from and to, unless the change is allowed.</summary>
    public static void EnsureCanMove(string serialNumber, string from, string to)
    {
        if (!IsStatus(to))
        {
            throw new InventoryRuleException($"'{to}' is not a device status; statuses are {string.Join(", ", Statuses)}");
        }

        if (!CanMove(from, to))
        {
            throw new InvalidTransitionException(serialNumber, from, to, NextStatuses(from));
        }
    }
}

/// <summary>A request that breaks an inventory rule (the message says which, for people).</summary>
public class InventoryRuleException : Exception
{
    public InventoryRuleException(string message)
        : base(message)
    {
    }

    public InventoryRuleException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public InventoryRuleException()
    {
    }
}

/// <summary>A lifecycle change that is not allowed: names the item, the current and the requested status.</summary>
public sealed class InvalidTransitionException : InventoryRuleException
{
    public InvalidTransitionException(string serialNumber, string from, string to, IReadOnlyList<string> allowed)
        : base($"device {serialNumber} cannot go from {from} to {to} (allowed from {from}: {(allowed.Count == 0 ? "nothing, it is final" : string.Join(", ", allowed))})")
    {
        SerialNumber = serialNumber;
        From = from;
        To = to;
        Allowed = allowed;
    }

    public InvalidTransitionException()
    {
        SerialNumber = From = To = "";
        Allowed = [];
    }

    public InvalidTransitionException(string message)
        : base(message)
    {
        SerialNumber = From = To = "";
        Allowed = [];
    }

    public InvalidTransitionException(string message, Exception innerException)
        : base(message, innerException)
    {
        SerialNumber = From = To = "";
        Allowed = [];
    }

    public string SerialNumber { get; }

    public string From { get; }

    public string To { get; }

    public IReadOnlyList<string> Allowed { get; }
}

/// <summary>Something asked for does not exist (model, location, item, purchase order…).</summary>
public sealed class InventoryNotFoundException : InventoryRuleException
{
    public InventoryNotFoundException(string message)
        : base(message)
    {
    }

    public InventoryNotFoundException()
    {
    }

    public InventoryNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
