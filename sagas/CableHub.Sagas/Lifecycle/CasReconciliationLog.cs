using CableHub.Core.Ports;
using Dapper;
using Npgsql;

namespace CableHub.Sagas.Lifecycle;

/// <summary>The reconciliation runs and their differences from <c>sagas.cas_reconciliation_run</c> / <c>sagas.cas_drift</c> (never deleted).</summary>
public sealed class CasReconciliationLog(NpgsqlDataSource dataSource) : ICasReconciliationLog
{
    public async Task<CasReconciliationSnapshot?> LastRunAsync(DateTimeOffset asOf, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var run = await conn.QuerySingleOrDefaultAsync<RunRow>(new CommandDefinition(
            """
            SELECT id AS Id, trigger AS Trigger, started_at AS StartedAt, finished_at AS FinishedAt, devices_checked AS DevicesChecked, differences AS Differences,
                   repaired AS Repaired, repair_failed AS RepairFailed, dry_run AS DryRun
            FROM sagas.cas_reconciliation_run
            WHERE finished_at IS NOT NULL AND finished_at <= @asOf AND error IS NULL
            ORDER BY finished_at DESC, id DESC LIMIT 1
            """, new { asOf }, cancellationToken: ct)).ConfigureAwait(false);
        if (run is null)
        {
            return null;
        }

        var drift = await conn.QueryAsync<DriftRow>(new CommandDefinition(
            """
            SELECT device_id AS DeviceId, cas_device_id AS CasDeviceId, product_id AS ProductId, kind AS Kind, hub_valid_to AS HubValidTo, cas_valid_to AS CasValidTo,
                   since AS Since, found_at AS FoundAt, age_seconds AS AgeSeconds, first_seen_at AS FirstSeenAt,
                   CASE WHEN repaired_at <= @asOf THEN repaired_at END AS RepairedAt, CASE WHEN repaired_at <= @asOf THEN repair_outcome END AS RepairOutcome
            FROM sagas.cas_drift WHERE run_id = @id
            ORDER BY cas_device_id, product_id NULLS FIRST, kind, id
            """, new { id = run.Id, asOf }, cancellationToken: ct)).ConfigureAwait(false);
        return new CasReconciliationSnapshot(run.Id, run.Trigger, run.StartedAt, run.FinishedAt!.Value, run.DevicesChecked, run.Differences, run.Repaired, run.RepairFailed,
            run.DryRun, [.. drift.Select(d => new CasDifference(d.DeviceId, d.CasDeviceId, d.ProductId, d.Kind, d.HubValidTo, d.CasValidTo, d.Since, d.FoundAt, d.AgeSeconds,
                d.FirstSeenAt, d.RepairedAt, d.RepairOutcome))]);
    }

    private sealed class RunRow
    {
        public Guid Id { get; init; }

        public string Trigger { get; init; } = "";

        public DateTimeOffset StartedAt { get; init; }

        public DateTimeOffset? FinishedAt { get; init; }

        public int DevicesChecked { get; init; }

        public int Differences { get; init; }

        public int Repaired { get; init; }

        public int RepairFailed { get; init; }

        public bool DryRun { get; init; }
    }

    private sealed class DriftRow
    {
        public Guid? DeviceId { get; init; }

        public string CasDeviceId { get; init; } = "";

        public string? ProductId { get; init; }

        public string Kind { get; init; } = "";

        public DateTimeOffset? HubValidTo { get; init; }

        public DateTimeOffset? CasValidTo { get; init; }

        public DateTimeOffset Since { get; init; }

        public DateTimeOffset FoundAt { get; init; }

        public long AgeSeconds { get; init; }

        public DateTimeOffset FirstSeenAt { get; init; }

        public DateTimeOffset? RepairedAt { get; init; }

        public string? RepairOutcome { get; init; }
    }
}
