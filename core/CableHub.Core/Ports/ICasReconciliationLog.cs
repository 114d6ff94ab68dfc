namespace CableHub.Core.Ports;

/// <summary>
/// The SMS↔CAS reconciliation runs as recorded by the sagas (<c>sagas.cas_reconciliation_run</c>, <c>sagas.cas_drift</c>):
/// what the compliance reports read without knowing the sagas' tables.
/// </summary>
public interface ICasReconciliationLog
{
    /// <summary>The last finished run that started before <paramref name="asOf"/> and its differences; null if none.</summary>
    Task<CasReconciliationSnapshot?> LastRunAsync(DateTimeOffset asOf, CancellationToken ct);
}

/// <summary>A finished reconciliation run: how many boxes were compared and every difference found.</summary>
public sealed record CasReconciliationSnapshot(
    Guid RunId, string Trigger, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, int DevicesChecked, int Differences, int Repaired, int RepairFailed,
    bool DryRun, IReadOnlyList<CasDifference> Drift);

/// <summary>One difference between the hub's entitlement (SMS) and the CAS, with its age.</summary>
public sealed record CasDifference(
    Guid? DeviceId, string CasDeviceId, string? ProductId, string Kind, DateTimeOffset? HubValidTo, DateTimeOffset? CasValidTo,
    DateTimeOffset Since, DateTimeOffset FoundAt, long AgeSeconds, DateTimeOffset FirstSeenAt, DateTimeOffset? RepairedAt, string? RepairOutcome);
