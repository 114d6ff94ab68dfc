using System.Globalization;
using CableHub.Core.Ports;

namespace CableHub.Compliance.Reports;

/// <summary>
/// The SMS↔CAS reconciliation report: the last reconciliation run finished by the as-of instant (scheduled or on demand,
/// <c>cas reconcile</c>) — per box and product, every difference between the hub's entitlements and the CAS with its age,
/// and whether it was repaired by the as-of instant. The goal is zero differences. Read through core's
/// <see cref="ICasReconciliationLog"/> (the sagas record the runs); the same as-of gives the same run and the same file.
/// </summary>
public sealed class ReconciliationReport(ICasReconciliationLog log, ComplianceOptions options)
{
    public async Task<ReportDocument> BuildAsync(ReportPeriod month, DateTimeOffset asOf, CancellationToken ct = default)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(options.ReportingTimeZone);
        var run = await log.LastRunAsync(asOf, ct).ConfigureAwait(false)
                  ?? throw new ReportException($"no reconciliation run finished by {asOf.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}: run ./cablehub cas reconcile (or wait for the scheduled run)");
        DateTimeOffset? Local(DateTimeOffset? t) => t is { } v ? TimeZoneInfo.ConvertTime(v, zone) : null;
        var rows = run.Drift.Select(d => new object?[]
        {
            d.CasDeviceId, d.DeviceId?.ToString(), d.ProductId ?? "", d.Kind, Local(d.HubValidTo), Local(d.CasValidTo), Local(d.Since), Local(d.FoundAt),
            d.AgeSeconds, Math.Round(d.AgeSeconds / 86400m, 2), Local(d.FirstSeenAt), Local(d.RepairedAt), d.RepairOutcome,
        }).ToList();
        var byKind = run.Drift.GroupBy(d => d.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        return new ReportDocument
        {
            Report = ReportKind.Reconciliation,
            FileStem = $"cas-reconciliation-{month}",
            Title = $"SMS-CAS reconciliation {month}",
            Notes =
            [
                string.Create(CultureInfo.InvariantCulture,
                    $"Reconciliation run {run.RunId} ({run.Trigger}{(run.DryRun ? ", dry run" : "")}) {Local(run.StartedAt):yyyy-MM-dd HH:mm:ss} – {Local(run.FinishedAt):HH:mm:ss} {options.ReportingTimeZone}, the last finished by the as-of instant."),
                string.Create(CultureInfo.InvariantCulture,
                    $"{run.DevicesChecked} boxes compared, {run.Differences} differences ({(byKind.Count == 0 ? "none" : string.Join(", ", byKind.Select(g => $"{g.Key} {g.Count()}")))}), {run.Repaired} repaired, {run.RepairFailed} repairs failed. Goal: zero differences."),
                "kind: missing = entitled in the hub, absent on the CAS; extra = on the CAS, not entitled; wrong_validity = end dates differ; device_inactive / device_unknown = the box itself.",
                "age = how long hub and CAS had disagreed when the run found it (since = the later of their last changes of the box); first_seen = the first run that found it.",
            ],
            Columns =
            [
                new("cas_device_id", ColumnKind.Text), new("device_id", ColumnKind.Text), new("product_id", ColumnKind.Text), new("kind", ColumnKind.Text),
                new("hub_valid_to", ColumnKind.Instant), new("cas_valid_to", ColumnKind.Instant), new("since", ColumnKind.Instant), new("found_at", ColumnKind.Instant),
                new("age_seconds", ColumnKind.Integer), new("age_days", ColumnKind.Decimal), new("first_seen_at", ColumnKind.Instant), new("repaired_at", ColumnKind.Instant),
                new("repair_outcome", ColumnKind.Text),
            ],
            Rows = rows,
            Chart = byKind.Count == 0 ? null : new ReportChart($"Differences per kind, run {run.RunId.ToString()[..8]}", "differences",
                [.. byKind.Select(g => g.Key)], [.. byKind.Select(g => (double)g.Count())]),
            AsOf = asOf,
            Parameters = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["report"] = ComplianceOptions.Name(ReportKind.Reconciliation),
                ["month"] = month.ToString(),
                ["as_of_utc"] = asOf.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                ["reporting_time_zone"] = options.ReportingTimeZone,
                ["profile"] = options.Profile.ToString(),
                ["run_id"] = run.RunId.ToString(),
                ["differences"] = run.Differences.ToString(CultureInfo.InvariantCulture),
            },
        };
    }
}
