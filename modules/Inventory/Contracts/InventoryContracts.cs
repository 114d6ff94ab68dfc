using CableHub.Core.Persistence;

namespace CableHub.Inventory.Contracts;

// What other modules may use of Inventory (owner of hub.device and every equipment table; the ONE writer of hub.device).
// Commands take the caller's DbSession so they commit with the caller's work; who acts and why is recorded with every
// device movement (hub.stock_movement).

/// <summary>Who moves a device, why, and with what reference (an order id…), for the movement record.</summary>
public sealed record MovementContext(string Actor, string Reason, string? Reference = null);

/// <summary>Reserve an in-stock set-top box for an order (idempotent per order).</summary>
public sealed record ReserveStbForOrder(Guid OrderId, Guid CustomerId, MovementContext Context);

/// <summary>A box reserved for an order, with the ids the CAS knows it and its paired card by.</summary>
public sealed record StbReservation(Guid DeviceId, string CasDeviceId, string? SmartCardCasId);

/// <summary>Put a box reserved for the order back in stock (compensation); nothing happens when it is not reserved for it.</summary>
public sealed record ReleaseStbReservation(Guid DeviceId, Guid OrderId, MovementContext Context);

/// <summary>The box (and its paired card) is installed at the customer's premises and active on the CAS.</summary>
public sealed record InstallStb(Guid DeviceId, Guid CustomerId, MovementContext Context);

/// <summary>A box as onboarding sees it: its lifecycle status and the order it is reserved for.</summary>
public sealed record StbState(Guid DeviceId, string Status, Guid? ReservedFor, string CasDeviceId)
{
    public bool IsReservedFor(Guid orderId) => Status == "reserved" && ReservedFor == orderId;
}

/// <summary>The set-top box commands of order fulfilment, handled by the Inventory module.</summary>
public interface IStbReservations
{
    /// <summary>Null when no box is in stock. Concurrent orders never get the same box.</summary>
    Task<StbReservation?> ReserveAsync(ReserveStbForOrder command, DbSession session, CancellationToken ct);

    Task<bool> ReleaseAsync(ReleaseStbReservation command, DbSession session, CancellationToken ct);

    Task InstallAsync(InstallStb command, DbSession session, CancellationToken ct);

    /// <summary>The box's state, its row locked (FOR UPDATE) until the session's transaction ends: keep that transaction short.</summary>
    Task<StbState?> LockAsync(Guid deviceId, DbSession session, CancellationToken ct);

    /// <summary>The box reserved for the order, if any.</summary>
    Task<StbState?> ReservedForOrderAsync(Guid orderId, DbSession session, CancellationToken ct);
}

/// <summary>Devices by the keys people and systems use.</summary>
public interface IDeviceDirectory
{
    /// <summary>The devices whose id, serial number or CAS id is <paramref name="key"/>.</summary>
    Task<IReadOnlyList<Guid>> FindIdsAsync(string key, CancellationToken ct);

    /// <summary>
    /// Every stretch of time the customer held a device (reserved for their order, installed, awaiting its return), oldest
    /// first: a box swapped out or handed back keeps its stretch, a box handed to someone else afterwards is theirs from then.
    /// </summary>
    Task<IReadOnlyList<DeviceCustody>> CustodyAsync(Guid customerId, CancellationToken ct);
}

/// <summary>A customer held <paramref name="DeviceId"/> from <paramref name="HeldFrom"/> until <paramref name="HeldTo"/> (null: still holds it).</summary>
public sealed record DeviceCustody(Guid DeviceId, Guid CustomerId, DateTimeOffset HeldFrom, DateTimeOffset? HeldTo);

/// <summary>A box as the lifecycle sagas see it: the id the CAS knows it by, its paired card, where it stands.</summary>
public sealed record DeviceInfo(Guid DeviceId, string CasDeviceId, string? SmartCardCasId, string Status, string ActivationState, Guid? CustomerId, bool ReturnRequested);

/// <summary>Deactivate a customer's box (and its paired card) and ask for it back; idempotent (one open return per box).</summary>
public sealed record RequestDeviceReturn(Guid DeviceId, string Reason, MovementContext Context);

/// <summary>The device side of the subscriber lifecycle: CAS ids, activation state (suspension), returns.</summary>
public interface IDeviceLifecycle
{
    Task<DeviceInfo?> GetAsync(Guid deviceId, DbSession? session, CancellationToken ct);

    /// <summary>The CAS id of each device given (unknown devices are left out).</summary>
    Task<IReadOnlyDictionary<Guid, string>> CasIdsAsync(IReadOnlyCollection<Guid> deviceIds, CancellationToken ct);

    /// <summary>Sets the activation state (<c>active</c> / <c>suspended</c>) of an installed box and its card; false when nothing changed.</summary>
    Task<bool> SetActivationAsync(Guid deviceId, string activationState, MovementContext context, DbSession session, CancellationToken ct);

    /// <summary>Deactivates the box and its card and records a pending return; false when a return was already requested.</summary>
    Task<bool> RequestReturnAsync(RequestDeviceReturn command, DbSession session, CancellationToken ct);
}
