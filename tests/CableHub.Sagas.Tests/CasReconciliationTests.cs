using CableHub.Core.Ports;
using CableHub.Sagas.Lifecycle;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Sagas.Tests;

/// <summary>Reconciliation finds injected drift (extra, missing, wrong validity) and only it, records it with its age, and repairs it.</summary>
[Collection(OnboardingCollection.Name)]
public sealed class CasReconciliationTests(OnboardingFixture hub)
{
    [Fact]
    public async Task Injected_drift_is_found_exactly_recorded_with_its_age_and_repaired()
    {
        var lifecycle = new LifecycleSagaIntegrationTests(hub);
        var (extraBox, _) = await lifecycle.OnboardAsync();
        var (missingBox, _) = await lifecycle.OnboardAsync();
        var (validityBox, _) = await lifecycle.OnboardAsync();
        var reconciler = hub.Host.Services.GetRequiredService<CasReconciler>();
        await reconciler.RunAsync("test", repair: true, CancellationToken.None); // whatever other tests left behind is repaired first
        (await reconciler.RunAsync("test", repair: false, CancellationToken.None)).Differences.ShouldBe(0);

        // Drift behind the hub's back: straight on the simulated head-end.
        var now = DateTimeOffset.UtcNow;
        (await hub.Cas.AddProductsAsync(new CasProductGrant("drift-extra-" + extraBox.CasId, CasTarget.Box(extraBox.CasId), [new CasEntitlement("P105", now, null)]), default))
            .Accepted.ShouldBeTrue();
        (await hub.Cas.RemoveProductsAsync(new CasProductRevocation("drift-missing-" + missingBox.CasId, CasTarget.Box(missingBox.CasId), ["P102"]), default)).Accepted.ShouldBeTrue();
        (await hub.Cas.AddProductsAsync(new CasProductGrant("drift-validity-" + validityBox.CasId, CasTarget.Box(validityBox.CasId),
            [new CasEntitlement("P101", now.AddDays(-10), now.AddDays(1))]), default)).Accepted.ShouldBeTrue();

        var dry = await reconciler.RunAsync("test", repair: false, CancellationToken.None);
        var run = await reconciler.RunAsync("test", repair: true, CancellationToken.None);

        foreach (var result in new[] { dry, run })
        {
            result.Drift.Select(d => (d.CasDeviceId, d.ProductId, d.Kind)).OrderBy(d => d.Kind).ShouldBe([
                (extraBox.CasId, "P105", CasDrift.Extra),
                (missingBox.CasId, "P102", CasDrift.Missing),
                (validityBox.CasId, "P101", CasDrift.WrongValidity)]);
        }

        dry.Repaired.ShouldBe(0);
        run.Repaired.ShouldBe(3);
        run.Drift.ShouldAllBe(d => d.RepairOutcome == "repaired" && d.Age >= TimeSpan.Zero && d.Age < TimeSpan.FromHours(1));
        (await hub.Cas.DeviceAsync(extraBox.CasId))!.ProductIds.ShouldBe(["P101", "P102"]);
        (await hub.Cas.DeviceAsync(missingBox.CasId))!.ProductIds.ShouldBe(["P101", "P102"]);
        (await hub.Cas.GetDeviceAsync(validityBox.CasId, default))!.Products.Single(p => p.ProductId == "P101").ValidTo.ShouldBeNull();
        (await reconciler.RunAsync("test", repair: false, CancellationToken.None)).Differences.ShouldBe(0);

        await using var conn = await hub.Db.DataSource.OpenConnectionAsync();
        var rows = (await conn.QueryAsync<(string Kind, string? Product, long Age, string? Outcome, DateTime? RepairedAt, DateTime FirstSeen)>(
            "SELECT kind, product_id, age_seconds, repair_outcome, repaired_at, first_seen_at FROM sagas.cas_drift WHERE run_id = @id ORDER BY kind",
            new { id = run.RunId })).ToList();
        rows.Select(r => r.Kind).ShouldBe([CasDrift.Extra, CasDrift.Missing, CasDrift.WrongValidity]);
        rows.ShouldAllBe(r => r.Outcome == "repaired" && r.RepairedAt != null && r.Age >= 0);
        // The dry run saw the same differences first: their first sighting carries over.
        var dryFirstSeen = await conn.QueryAsync<DateTime>("SELECT found_at FROM sagas.cas_drift WHERE run_id = @id", new { id = dry.RunId });
        rows.ShouldAllBe(r => dryFirstSeen.Contains(r.FirstSeen));
        (await conn.ExecuteScalarAsync<int>("SELECT differences FROM sagas.cas_reconciliation_run WHERE id = @id", new { id = run.RunId })).ShouldBe(3);
    }
}
