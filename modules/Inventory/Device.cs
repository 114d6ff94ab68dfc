namespace CableHub.Inventory;

/// <summary>A serial-level piece of equipment: a set-top box or a smart card (viewing card).</summary>
public sealed record Device(
    Guid Id,
    string SerialNumber,
    string Kind,
    string ModelCode,
    string? CasId,
    string Status,
    string ActivationState,
    Guid? LocationId,
    Guid? PairedDeviceId,
    Guid? CustomerId,
    Guid? ReservedFor);

public static class DeviceKind
{
    public const string Stb = "stb";
    public const string SmartCard = "smart_card";
}

/// <summary>Lifecycle of a serialised item, from purchase order to scrap.</summary>
public static class DeviceStatus
{
    public const string Ordered = "ordered";
    public const string InTransit = "in_transit";
    public const string InStock = "in_stock";
    public const string Reserved = "reserved";
    public const string Installed = "installed";
    public const string Returned = "returned";
    public const string Refurbishing = "refurbishing";
    public const string Rma = "rma";
    public const string Scrapped = "scrapped";
}

/// <summary>What the CAS was told about the box.</summary>
public static class ActivationState
{
    public const string Inactive = "inactive";
    public const string Active = "active";
    public const string Suspended = "suspended";
}
