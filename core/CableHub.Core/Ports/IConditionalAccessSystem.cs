namespace CableHub.Core.Ports;

/// <summary>
/// The operator's conditional-access system (CAS): it scrambles channels and must be told, per box (or the
/// smart card in it), which products (channels, bouquets) the box may descramble and for how long. A
/// production adapter (JSON over HTTP, <c>connectors/CableHub.Connectors.Cas/WIRE-CONTRACT.md</c>) and the
/// simulator implement this port; configuration chooses.
/// </summary>
/// <remarks>
/// <para>Every command carries an idempotency key: the hub delivers at least once, so the same key may arrive
/// twice and must take effect once; a repeat gets the first answer. Build keys from the business operation
/// (<c>onboarding:{order}:activate:{box}</c>), never from a clock or a random value.</para>
/// <para>Transient failures (timeouts, vendor unavailable, circuit open) throw
/// <see cref="CasUnavailableException"/> and may be retried with the same key; a definitive refusal comes back
/// as a rejected <see cref="CasCommandResult"/> (with a <see cref="CasRejectionCodes">code</see>) and is not
/// retried.</para>
/// <para>Commands that already hold ("remove a product the box does not have", "unpair a box that is not
/// paired") are accepted as no-ops, so compensations can be replayed safely.</para>
/// </remarks>
public interface IConditionalAccessSystem
{
    /// <summary>Activates a box (pairing the smart card if given) and replaces its products with <see cref="CasActivation.ProductIds"/>.</summary>
    Task<CasCommandResult> ActivateDeviceAsync(CasActivation activation, CancellationToken ct);

    /// <summary>
    /// Several activations in one exchange (results in order). A head-end that takes batches (the simulator) applies them in one
    /// go; by default each is sent on its own, concurrently. A <see cref="CasUnavailableException"/> means none of the answers
    /// arrived: every activation may be retried with its own key.
    /// </summary>
    async Task<IReadOnlyList<CasCommandResult>> ActivateDevicesAsync(IReadOnlyList<CasActivation> activations, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(activations);
        return await Task.WhenAll(activations.Select(a => ActivateDeviceAsync(a, ct))).ConfigureAwait(false);
    }

    /// <summary>Deactivates a box and removes all its products.</summary>
    Task<CasCommandResult> DeactivateDeviceAsync(string idempotencyKey, string casDeviceId, CancellationToken ct);

    /// <summary>Replaces all products of an active box (open-ended validity).</summary>
    Task<CasCommandResult> UpdateEntitlementsAsync(string idempotencyKey, string casDeviceId, IReadOnlyList<string> productIds, CancellationToken ct);

    /// <summary>Adds products (or changes their validity when already held) on a box or smart card; others stay.</summary>
    Task<CasCommandResult> AddProductsAsync(CasProductGrant grant, CancellationToken ct);

    /// <summary>Removes products from a box or smart card; products not held are ignored.</summary>
    Task<CasCommandResult> RemoveProductsAsync(CasProductRevocation revocation, CancellationToken ct);

    /// <summary>Pairs a smart card with a box (a card sits in one box at a time).</summary>
    Task<CasCommandResult> PairAsync(CasPairing pairing, CancellationToken ct);

    /// <summary>Undoes a pairing; a box not paired with that card is a no-op.</summary>
    Task<CasCommandResult> UnpairAsync(CasPairing pairing, CancellationToken ct);

    /// <summary>Shows a message on the subscriber's screen (OSD), e.g. a suspension warning.</summary>
    Task<CasCommandResult> SendOnScreenMessageAsync(CasOnScreenMessage message, CancellationToken ct);

    /// <summary>Tunes the box to a service for a while (e.g. an information channel during suspension).</summary>
    Task<CasCommandResult> ForceTuneAsync(CasForcedTune tune, CancellationToken ct);

    /// <summary>What the CAS holds for a box now (status, pairing, products with validity), or null when the CAS does not know it.</summary>
    Task<CasDeviceSnapshot?> GetDeviceAsync(string casDeviceId, CancellationToken ct);

    /// <summary>
    /// Every box the CAS knows, in pages ordered by box id (keyset paging: pass the previous page's
    /// <see cref="CasDevicePage.NextCursor"/>), for reconciliation.
    /// </summary>
    Task<CasDevicePage> ListDevicesAsync(CasDeviceListRequest request, CancellationToken ct);
}

/// <summary>Activate a box (and its paired smart card) with the given CAS product ids.</summary>
public sealed record CasActivation(
    string IdempotencyKey,
    string CasDeviceId,
    string? SmartCardNumber,
    IReadOnlyList<string> ProductIds,
    DateTimeOffset ValidFrom,
    DateTimeOffset? ValidTo);

/// <summary>What a command addresses: a box (by CAS device id) or a smart card (by card number).</summary>
public sealed record CasTarget(CasTargetKind Kind, string Id)
{
    public static CasTarget Box(string casDeviceId) => new(CasTargetKind.Box, casDeviceId);

    public static CasTarget SmartCard(string smartCardNumber) => new(CasTargetKind.SmartCard, smartCardNumber);

    public override string ToString() => $"{(Kind == CasTargetKind.Box ? "box" : "smart card")} {Id}";
}

public enum CasTargetKind
{
    Box,
    SmartCard,
}

/// <summary>A product the CAS lets a box descramble, from <paramref name="ValidFrom"/> to <paramref name="ValidTo"/> (null: open-ended).</summary>
public sealed record CasEntitlement(string ProductId, DateTimeOffset ValidFrom, DateTimeOffset? ValidTo);

public sealed record CasProductGrant(string IdempotencyKey, CasTarget Target, IReadOnlyList<CasEntitlement> Products);

public sealed record CasProductRevocation(string IdempotencyKey, CasTarget Target, IReadOnlyList<string> ProductIds);

public sealed record CasPairing(string IdempotencyKey, string CasDeviceId, string SmartCardNumber);

public enum CasMessagePriority
{
    Normal,
    High,
    Emergency,
}

public sealed record CasOnScreenMessage(string IdempotencyKey, CasTarget Target, string Text, TimeSpan DisplayFor, CasMessagePriority Priority = CasMessagePriority.Normal);

/// <summary>Tune to <paramref name="ServiceId"/> (the CAS/DVB service id of a channel) for <paramref name="Duration"/>.</summary>
public sealed record CasForcedTune(string IdempotencyKey, CasTarget Target, string ServiceId, TimeSpan Duration);

/// <summary>What the CAS holds for a box.</summary>
/// <param name="Status"><c>active</c> or <c>inactive</c> (known, never activated or deactivated)</param>
public sealed record CasDeviceSnapshot(
    string CasDeviceId,
    string Status,
    string? SmartCardNumber,
    DateTimeOffset? PairedAt,
    IReadOnlyList<CasEntitlement> Products,
    DateTimeOffset UpdatedAt)
{
    public bool IsActive => Status == CasDeviceStatus.Active;
}

public static class CasDeviceStatus
{
    public const string Active = "active";
    public const string Inactive = "inactive";
}

/// <param name="After">cursor from the previous page (exclusive), null for the first page</param>
/// <param name="Limit">page size, 1–1000</param>
/// <param name="ChangedSince">only boxes changed at or after this time (incremental reconciliation)</param>
public sealed record CasDeviceListRequest(string? After = null, int Limit = 500, DateTimeOffset? ChangedSince = null);

/// <param name="NextCursor">null when this was the last page</param>
public sealed record CasDevicePage(IReadOnlyList<CasDeviceSnapshot> Items, string? NextCursor);

public sealed record CasCommandResult(bool Accepted, string? VendorReference, string? RejectionReason)
{
    /// <summary>Machine-readable reason of a refusal (<see cref="CasRejectionCodes"/>), null when accepted.</summary>
    public string? RejectionCode { get; init; }

    public static CasCommandResult Ok(string vendorReference) => new(true, vendorReference, null);

    public static CasCommandResult Rejected(string reason) => new(false, null, reason) { RejectionCode = CasRejectionCodes.Refused };

    public static CasCommandResult Rejected(string code, string reason) => new(false, null, reason) { RejectionCode = code };
}

/// <summary>Why the CAS refused a command (definitive; retrying the same command cannot help).</summary>
public static class CasRejectionCodes
{
    /// <summary>The box (or card) is not registered in the CAS.</summary>
    public const string UnknownDevice = "unknown_device";

    public const string UnknownSmartCard = "unknown_smart_card";

    /// <summary>The command needs an active box.</summary>
    public const string DeviceNotActive = "device_not_active";

    /// <summary>The smart card sits in another box (unpair it there first).</summary>
    public const string SmartCardPairedElsewhere = "smart_card_paired_elsewhere";

    /// <summary>The idempotency key was used before for a different command.</summary>
    public const string IdempotencyKeyReused = "idempotency_key_reused";

    /// <summary>The command itself is invalid (no products, validity ends before it starts, empty text…).</summary>
    public const string InvalidCommand = "invalid_command";

    /// <summary>Refused for a reason of the vendor's own (blacklisted box, stolen…).</summary>
    public const string Refused = "refused";
}

/// <summary>The CAS could not be reached or did not answer in time; the command may be retried.</summary>
public sealed class CasUnavailableException : Exception
{
    public CasUnavailableException()
    {
    }

    public CasUnavailableException(string message)
        : base(message)
    {
    }

    public CasUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
