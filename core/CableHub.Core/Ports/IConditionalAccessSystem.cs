namespace CableHub.Core.Ports;

/// <summary>
/// The operator's conditional-access system (CAS): it scrambles channels and must be told, per box,
/// which products (channels) the box may descramble. Vendor adapters (e.g. a Verimatrix OMI client)
/// and the simulator implement this port. Every command carries an idempotency key: the hub delivers
/// at least once, so the same key may arrive twice and must take effect once.
/// </summary>
/// <remarks>
/// Transient failures (timeouts, vendor unavailable) throw <see cref="CasUnavailableException"/> and are
/// retried; a definitive refusal comes back as a rejected <see cref="CasCommandResult"/> and is not retried.
/// </remarks>
public interface IConditionalAccessSystem
{
    Task<CasCommandResult> ActivateDeviceAsync(CasActivation activation, CancellationToken ct);

    Task<CasCommandResult> DeactivateDeviceAsync(string idempotencyKey, string casDeviceId, CancellationToken ct);

    Task<CasCommandResult> UpdateEntitlementsAsync(string idempotencyKey, string casDeviceId, IReadOnlyList<string> productIds, CancellationToken ct);
}

/// <summary>Activate a box (and its paired smart card) with the given CAS product ids.</summary>
public sealed record CasActivation(
    string IdempotencyKey,
    string CasDeviceId,
    string? SmartCardNumber,
    IReadOnlyList<string> ProductIds,
    DateTimeOffset ValidFrom,
    DateTimeOffset? ValidTo);

public sealed record CasCommandResult(bool Accepted, string? VendorReference, string? RejectionReason)
{
    public static CasCommandResult Ok(string vendorReference) => new(true, vendorReference, null);

    public static CasCommandResult Rejected(string reason) => new(false, null, reason);
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
