using System.Collections.Concurrent;
using CableHub.Core.Ports;

namespace CableHub.Sagas.Tests;

/// <summary>
/// The simulated CAS as the sagas see it, with one extra fault the simulator has no switch for: refusing the removal of one
/// product from one box (so a change's first command is accepted and its second refused: the compensation must undo the first),
/// refusing the activation or deactivation of one box (a swap's replacement, its faulty box).
/// </summary>
public sealed class ScriptedCas(IConditionalAccessSystem inner) : IConditionalAccessSystem
{
    private readonly ConcurrentDictionary<string, (string Product, string Reason)> _refuseRemovals = new(StringComparer.Ordinal);

    /// <summary>Removals of <paramref name="product"/> from the box are refused (other removals pass).</summary>
    public void RefuseRemovalOf(string casDeviceId, string product, string reason) => _refuseRemovals[casDeviceId] = (product, reason);

    private readonly ConcurrentDictionary<string, string> _refuseActivations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _refuseDeactivations = new(StringComparer.Ordinal);

    /// <summary>Activations of the box are refused with <paramref name="reason"/>.</summary>
    public void RefuseActivationOf(string casDeviceId, string reason) => _refuseActivations[casDeviceId] = reason;

    /// <summary>Deactivations of the box are refused with <paramref name="reason"/>.</summary>
    public void RefuseDeactivationOf(string casDeviceId, string reason) => _refuseDeactivations[casDeviceId] = reason;

    public void Reset()
    {
        _refuseRemovals.Clear();
        _refuseActivations.Clear();
        _refuseDeactivations.Clear();
    }

    public Task<CasCommandResult> ActivateDeviceAsync(CasActivation activation, CancellationToken ct) =>
        activation is not null && _refuseActivations.TryGetValue(activation.CasDeviceId, out var reason)
            ? Task.FromResult(CasCommandResult.Rejected(CasRejectionCodes.Refused, reason))
            : inner.ActivateDeviceAsync(activation!, ct);

    public Task<CasCommandResult> DeactivateDeviceAsync(string idempotencyKey, string casDeviceId, CancellationToken ct) =>
        _refuseDeactivations.TryGetValue(casDeviceId, out var reason)
            ? Task.FromResult(CasCommandResult.Rejected(CasRejectionCodes.Refused, reason))
            : inner.DeactivateDeviceAsync(idempotencyKey, casDeviceId, ct);

    public Task<CasCommandResult> UpdateEntitlementsAsync(string idempotencyKey, string casDeviceId, IReadOnlyList<string> productIds, CancellationToken ct) =>
        inner.UpdateEntitlementsAsync(idempotencyKey, casDeviceId, productIds, ct);

    public Task<CasCommandResult> AddProductsAsync(CasProductGrant grant, CancellationToken ct) => inner.AddProductsAsync(grant, ct);

    public Task<CasCommandResult> RemoveProductsAsync(CasProductRevocation revocation, CancellationToken ct) =>
        revocation is not null && _refuseRemovals.TryGetValue(revocation.Target.Id, out var refuse) && revocation.ProductIds.Contains(refuse.Product)
            ? Task.FromResult(CasCommandResult.Rejected(CasRejectionCodes.Refused, refuse.Reason))
            : inner.RemoveProductsAsync(revocation!, ct);

    public Task<CasCommandResult> PairAsync(CasPairing pairing, CancellationToken ct) => inner.PairAsync(pairing, ct);

    public Task<CasCommandResult> UnpairAsync(CasPairing pairing, CancellationToken ct) => inner.UnpairAsync(pairing, ct);

    public Task<CasCommandResult> SendOnScreenMessageAsync(CasOnScreenMessage message, CancellationToken ct) => inner.SendOnScreenMessageAsync(message, ct);

    public Task<CasCommandResult> ForceTuneAsync(CasForcedTune tune, CancellationToken ct) => inner.ForceTuneAsync(tune, ct);

    public Task<CasDeviceSnapshot?> GetDeviceAsync(string casDeviceId, CancellationToken ct) => inner.GetDeviceAsync(casDeviceId, ct);

    public Task<CasDevicePage> ListDevicesAsync(CasDeviceListRequest request, CancellationToken ct) => inner.ListDevicesAsync(request, ct);
}
