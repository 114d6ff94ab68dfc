
namespace CableHub.Inventory;

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
            throw new InventoryRequestException($"'{to}' is not a device status; statuses are {string.Join(", ", Statuses)}");
        }

        if (!CanMove(from, to))
        {
            throw new InvalidTransitionException(serialNumber, from, to, NextStatuses(from));
        }
    }
}

/// <summary>
/// A request that breaks an inventory rule (422, code <c>INV-RULE</c>); the subclasses are the other kinds of inventory
/// error, answered through the one problem mapping like every module's: <see cref="InventoryRequestException"/> 400,
/// <see cref="InventoryNotFoundException"/> 404, <see cref="InvalidTransitionException"/> and
/// <see cref="InventoryConflictException"/> 409. The message says what, for people.
/// </summary>
public class InventoryRuleException : DomainException
{
    public InventoryRuleException(string message)
        : this(ErrorKind.RuleViolated, "The request breaks an inventory rule", [new DomainError("INV-RULE", message)])
    {
    }

    protected InventoryRuleException(ErrorKind kind, string title, IReadOnlyList<DomainError> errors)
        : base(kind, title, errors)
    {
    }

    /// <summary>The same error, about <paramref name="field"/> of the request.</summary>
    public InventoryRuleException At(string field) => new(Kind, Title, Errors.Select(e => e with { Field = field }).ToList());
}

/// <summary>A value of the request is malformed or missing (400, code <c>INV-INVALID</c>).</summary>
public sealed class InventoryRequestException(string message)
    : InventoryRuleException(ErrorKind.Invalid, "The request is invalid", [new DomainError("INV-INVALID", message)]);

/// <summary>A lifecycle change that is not allowed from the item's current status (409, code <c>INV-LIFECYCLE</c>): names the item, the current and the requested status.</summary>
public sealed class InvalidTransitionException(string serialNumber, string from, string to, IReadOnlyList<string> allowed)
    : InventoryRuleException(ErrorKind.Conflict, "The lifecycle change is not allowed",
        [new DomainError("INV-LIFECYCLE", $"device {serialNumber} cannot go from {from} to {to} (allowed from {from}: {(allowed.Count == 0 ? "nothing, it is final" : string.Join(", ", allowed))})")])
{
    public string SerialNumber { get; } = serialNumber;

    public string From { get; } = from;

    public string To { get; } = to;

    public IReadOnlyList<string> Allowed { get; } = allowed;
}

/// <summary>The item's current state does not allow the change (409, code <c>INV-STATE</c>): already paired, not movable, not a draft…</summary>
public sealed class InventoryConflictException(string message)
    : InventoryRuleException(ErrorKind.Conflict, "The change conflicts with the current state", [new DomainError("INV-STATE", message)]);

/// <summary>Something asked for does not exist (404, code <c>INV-NOT-FOUND</c>): model, location, item, purchase order…</summary>
public sealed class InventoryNotFoundException(string message)
    : InventoryRuleException(ErrorKind.NotFound, "Something the request names does not exist", [new DomainError("INV-NOT-FOUND", message)]);
