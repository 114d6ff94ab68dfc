namespace CableHub.Sagas.Onboarding;

/// <summary>
/// SQL the onboarding steps need beyond core's stores. Lock order, everywhere: the box row first, then the
/// order row — every CAS command for a box runs while its row is locked, so a compensation can never
/// interleave with an activation of the same box.
/// </summary>
internal static class OnboardingSql
{
    /// <summary>Locks the box; returns its status and the order it is reserved for.</summary>
    public const string LockDevice =
        "SELECT status, reserved_for FROM hub.device WHERE id = @deviceId FOR UPDATE";

    /// <summary>Locks the order; returns its TMF622 state.</summary>
    public const string LockOrder =
        "SELECT state FROM hub.product_order WHERE id = @orderId FOR UPDATE";

    /// <summary>The box reserved for the order, if any (a compensation that does not know the box yet).</summary>
    public const string DeviceReservedForOrder =
        "SELECT id, coalesce(cas_id, serial_number) FROM hub.device WHERE reserved_for = @orderId AND kind = 'stb' AND status = 'reserved' ORDER BY id LIMIT 1";

    /// <summary>
    /// Who moves boxes in this transaction, and why: read by core's <c>hub.device_record_movement</c> trigger
    /// into <c>hub.stock_movement</c> (actor <c>onboarding</c>, the reason, the order id as reference).
    /// </summary>
    public const string StockMovementContext =
        "SELECT set_config('cablehub.actor', 'onboarding', true), set_config('cablehub.reason', @reason, true), set_config('cablehub.reference', @reference, true)";
}
