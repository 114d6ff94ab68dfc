using CableHub.Catalog.Contracts;
using CableHub.Core.Persistence;
using CableHub.Core.Ports;
using CableHub.Inventory.Contracts;
using CableHub.Subscriptions.Contracts;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CableHub.Sagas.Lifecycle;

/// <summary>A difference between the hub's entitlements and what the CAS holds (<c>sagas.cas_drift</c>).</summary>
public sealed record CasDrift(
    Guid? DeviceId,
    string CasDeviceId,
    string? ProductId,
    string Kind,
    DateTimeOffset? HubValidTo,
    DateTimeOffset? CasValidTo,
    DateTimeOffset Since,
    DateTimeOffset FoundAt,
    string? Detail)
{
    public const string Missing = "missing";
    public const string Extra = "extra";
    public const string WrongValidity = "wrong_validity";
    public const string DeviceInactive = "device_inactive";
    public const string DeviceUnknown = "device_unknown";

    public TimeSpan Age => FoundAt - Since;

    public string? RepairOutcome { get; init; }
}

public sealed record ReconciliationResult(Guid RunId, int DevicesChecked, int Differences, int Repaired, int RepairFailed, int SkippedBusy, IReadOnlyList<CasDrift> Drift);

/// <summary>
/// CAS reconciliation: box by box, what the hub says a box may descramble (Subscriptions' live entitlements of active
/// subscriptions, their channels' CAS products from Catalog, the box's CAS id from Inventory) against what the CAS holds
/// (<see cref="IConditionalAccessSystem.GetDeviceAsync"/>); then every box the CAS lists that the hub never entitled. Each difference
/// — product missing, product extra, wrong validity (the hub's entitlements are open-ended), box inactive, box unknown to the CAS — is
/// recorded with its age in <c>sagas.cas_drift</c> (the run in <c>sagas.cas_reconciliation_run</c>) and, unless a dry run, repaired by
/// re-sending (add with the hub's validity, remove, activate), one idempotency key per run, box and command. Boxes a lifecycle change
/// is working on are skipped (the change will leave them right).
/// </summary>
public sealed class CasReconciler(NpgsqlDataSource dataSource, IConditionalAccessSystem cas, ISubscriptionLifecycle subscriptions, IDeviceLifecycle devices,
    ICatalogOfferings catalog, TimeProvider clock, ILogger<CasReconciler> logger)
{
    public const int PageSize = 500;

    public async Task<ReconciliationResult> RunAsync(string trigger, bool repair, CancellationToken ct)
    {
        var runId = Core.Ids.New(clock);
        var started = clock.GetUtcNow();
        await using (var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false))
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "INSERT INTO sagas.cas_reconciliation_run (id, trigger, started_at, dry_run) VALUES (@runId, @trigger, @started, @dryRun)",
                new { runId, trigger, started, dryRun = !repair }, cancellationToken: ct)).ConfigureAwait(false);
        }

        var drift = new List<CasDrift>();
        var known = new HashSet<string>(StringComparer.Ordinal);
        int checkedCount = 0, repaired = 0, failed = 0, busy = 0;
        Guid? after = null;
        while (true)
        {
            var page = await subscriptions.DesiredEntitlementsAsync(after, PageSize, ct).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            after = page[^1].DeviceId;
            var casIds = await devices.CasIdsAsync(page.Select(d => d.DeviceId).ToList(), ct).ConfigureAwait(false);
            var products = await catalog.CasProductIdsAsync(page.SelectMany(d => d.Channels.Select(c => c.ChannelId)).Distinct().ToList(), ct).ConfigureAwait(false);
            foreach (var device in page)
            {
                if (!casIds.TryGetValue(device.DeviceId, out var casId))
                {
                    continue;
                }

                known.Add(casId);
                checkedCount++;
                var desired = device.Channels.Where(c => products.ContainsKey(c.ChannelId))
                    .GroupBy(c => products[c.ChannelId], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
                var snapshot = await cas.GetDeviceAsync(casId, ct).ConfigureAwait(false);
                var found = Compare(device.DeviceId, casId, desired, snapshot, device.LastChangedAt, clock.GetUtcNow());
                if (found.Count == 0)
                {
                    continue;
                }

                if (await BusyAsync(device.DeviceId, ct).ConfigureAwait(false))
                {
                    busy++;
                    continue;
                }

                var (ok, outcome) = repair ? await RepairAsync(runId, casId, desired, found, ct).ConfigureAwait(false) : (false, "dry run: not repaired");
                repaired += ok ? found.Count : 0;
                failed += repair && !ok ? found.Count : 0;
                drift.AddRange(found.Select(d => d with { RepairOutcome = outcome }));
            }
        }

        // Boxes the CAS holds products for that the hub never entitled.
        string? cursor = null;
        do
        {
            var page = await cas.ListDevicesAsync(new CasDeviceListRequest(cursor, 500), ct).ConfigureAwait(false);
            foreach (var snapshot in page.Items.Where(s => s.IsActive && s.Products.Count > 0 && !known.Contains(s.CasDeviceId)))
            {
                checkedCount++;
                var found = Compare(null, snapshot.CasDeviceId, new Dictionary<string, ChannelEntitlement>(), snapshot, DateTimeOffset.MinValue, clock.GetUtcNow());
                var (ok, outcome) = repair ? await RepairAsync(runId, snapshot.CasDeviceId, new Dictionary<string, ChannelEntitlement>(), found, ct).ConfigureAwait(false)
                    : (false, "dry run: not repaired");
                repaired += ok ? found.Count : 0;
                failed += repair && !ok ? found.Count : 0;
                drift.AddRange(found.Select(d => d with { RepairOutcome = outcome }));
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);

        await RecordAsync(runId, drift, checkedCount, repaired, failed, ct).ConfigureAwait(false);
        logger.LogInformation("CAS reconciliation {RunId} ({Trigger}): {Devices} boxes checked, {Differences} differences, {Repaired} repaired, {Failed} not repaired, {Busy} busy boxes skipped",
            runId, trigger, checkedCount, drift.Count, repaired, failed, busy);
        return new ReconciliationResult(runId, checkedCount, drift.Count, repaired, failed, busy, drift);
    }

    /// <summary>The differences for one box (pure). <paramref name="desired"/>: CAS product → the hub's entitlement.</summary>
    public static IReadOnlyList<CasDrift> Compare(Guid? deviceId, string casId, IReadOnlyDictionary<string, ChannelEntitlement> desired, CasDeviceSnapshot? snapshot,
        DateTimeOffset hubChangedAt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(desired);
        var list = new List<CasDrift>();
        var since = snapshot is null ? hubChangedAt : (snapshot.UpdatedAt > hubChangedAt ? snapshot.UpdatedAt : hubChangedAt);
        if (since > now)
        {
            since = now;
        }

        if (snapshot is null)
        {
            if (desired.Count > 0)
            {
                list.Add(new CasDrift(deviceId, casId, null, CasDrift.DeviceUnknown, null, null, since, now, $"{desired.Count} product(s) entitled, box unknown to the CAS"));
            }

            return list;
        }

        if (desired.Count > 0 && !snapshot.IsActive)
        {
            list.Add(new CasDrift(deviceId, casId, null, CasDrift.DeviceInactive, null, null, since, now, $"{desired.Count} product(s) entitled, box {snapshot.Status} in the CAS"));
            return list;
        }

        var held = snapshot.Products.GroupBy(p => p.ProductId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var (product, entitlement) in desired.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!held.TryGetValue(product, out var casHeld))
            {
                list.Add(new CasDrift(deviceId, casId, product, CasDrift.Missing, entitlement.ValidTo, null, since, now, null));
            }
            else if (casHeld.ValidTo != entitlement.ValidTo || casHeld.ValidFrom > now)
            {
                list.Add(new CasDrift(deviceId, casId, product, CasDrift.WrongValidity, entitlement.ValidTo, casHeld.ValidTo, since, now,
                    $"CAS valid {casHeld.ValidFrom:u} – {(casHeld.ValidTo is { } to ? to.ToString("u") : "open")}"));
            }
        }

        foreach (var product in held.Keys.Where(p => !desired.ContainsKey(p)).Order(StringComparer.Ordinal))
        {
            list.Add(new CasDrift(deviceId, casId, product, CasDrift.Extra, null, held[product].ValidTo, since, now, null));
        }

        return list;
    }

    private async Task<(bool Ok, string Outcome)> RepairAsync(Guid runId, string casId, IReadOnlyDictionary<string, ChannelEntitlement> desired, IReadOnlyList<CasDrift> found,
        CancellationToken ct)
    {
        try
        {
            var box = CasTarget.Box(casId);
            if (found.Any(d => d.Kind == CasDrift.DeviceUnknown))
            {
                return (false, "not repairable: the CAS does not know the box (register it with the vendor)");
            }

            var results = new List<CasCommandResult>();
            if (found.Any(d => d.Kind == CasDrift.DeviceInactive))
            {
                var first = desired.Values.Min(e => e.ValidFrom);
                results.Add(await cas.ActivateDeviceAsync(new CasActivation($"reconcile:{runId}:{casId}:activate", casId, null, desired.Keys.Order(StringComparer.Ordinal).ToList(),
                    first, null), ct).ConfigureAwait(false));
            }

            var add = found.Where(d => d.Kind is CasDrift.Missing or CasDrift.WrongValidity).Select(d => d.ProductId!).ToList();
            if (add.Count > 0)
            {
                results.Add(await cas.AddProductsAsync(new CasProductGrant($"reconcile:{runId}:{casId}:add", box,
                    add.Select(p => new CasEntitlement(p, desired[p].ValidFrom, desired[p].ValidTo)).ToList()), ct).ConfigureAwait(false));
            }

            var remove = found.Where(d => d.Kind == CasDrift.Extra).Select(d => d.ProductId!).ToList();
            if (remove.Count > 0)
            {
                results.Add(await cas.RemoveProductsAsync(new CasProductRevocation($"reconcile:{runId}:{casId}:remove", box, remove), ct).ConfigureAwait(false));
            }

            var refused = results.FirstOrDefault(r => !r.Accepted);
            return refused is null ? (true, "repaired") : (false, $"refused: {refused.RejectionReason}");
        }
        catch (CasUnavailableException e)
        {
            return (false, $"CAS unavailable: {e.Message}");
        }
    }

    private async Task<bool> BusyAsync(Guid deviceId, CancellationToken ct)
    {
        var sub = await subscriptions.ForDeviceAsync(deviceId, ct).ConfigureAwait(false);
        if (sub is null)
        {
            return false;
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await LifecycleOpLog.LeasedSubscriptionsAsync(clock.GetUtcNow(), new DbSession(conn, null), ct).ConfigureAwait(false)).Contains(sub.Id);
    }

    private async Task RecordAsync(Guid runId, IReadOnlyList<CasDrift> drift, int devicesChecked, int repaired, int failed, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO sagas.cas_drift (run_id, device_id, cas_device_id, product_id, kind, hub_valid_to, cas_valid_to, since, found_at, age_seconds, first_seen_at,
                repaired_at, repair_outcome, detail)
            SELECT @runId, @DeviceId, @CasDeviceId, @ProductId, @Kind, @HubValidTo, @CasValidTo, @Since, @FoundAt, @AgeSeconds,
                coalesce((SELECT min(p.first_seen_at) FROM sagas.cas_drift p
                          WHERE p.cas_device_id = @CasDeviceId AND p.product_id IS NOT DISTINCT FROM @ProductId AND p.kind = @Kind
                            AND (p.repaired_at IS NULL OR p.repaired_at >= @Since)), @FoundAt),
                CASE WHEN @RepairOutcome = 'repaired' THEN @now END, @RepairOutcome, @Detail
            """, drift.Select(d => new
            {
                runId, d.DeviceId, d.CasDeviceId, d.ProductId, d.Kind, d.HubValidTo, d.CasValidTo, d.Since, d.FoundAt, AgeSeconds = (long)d.Age.TotalSeconds,
                d.RepairOutcome, d.Detail, now,
            }).ToList(), tx, cancellationToken: ct)).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE sagas.cas_reconciliation_run SET finished_at = @now, devices_checked = @devicesChecked, differences = @differences, repaired = @repaired, repair_failed = @failed
            WHERE id = @runId
            """, new { runId, now, devicesChecked, differences = drift.Count, repaired, failed }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }
}

/// <summary>Runs <see cref="CasReconciler"/> every <paramref name="interval"/> (first run one interval after start).</summary>
public sealed class CasReconciliationJob(CasReconciler reconciler, TimeSpan interval, ILogger<CasReconciliationJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await reconciler.RunAsync("schedule", repair: true, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Scheduled CAS reconciliation failed; next run in {Interval}", interval);
            }
        }
    }
}
