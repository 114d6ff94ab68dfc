using CableHub.Connectors.Cas.Simulator;
using CableHub.Core.Ports;
using CableHub.Testing;
using Npgsql;

namespace CableHub.Sagas.Tests;

public sealed class SimulatedCasTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private SimulatedConditionalAccessSystem _cas = null!;
    private string _connectionString = "";

    public async ValueTask InitializeAsync()
    {
        _connectionString = await postgres.CreateDatabaseAsync();
        _cas = new SimulatedConditionalAccessSystem(new CasSimulatorOptions { ConnectionString = _connectionString, RegisterUnknownDevicesOnActivation = true });
    }

    public async ValueTask DisposeAsync() => await _cas.DisposeAsync();

    private static CasActivation Activation(string key, string device, params string[] products) =>
        new(key, device, "SC-" + device, products, new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), null);

    [Fact]
    public async Task Activation_takes_effect_and_is_logged()
    {
        var result = await _cas.ActivateDeviceAsync(Activation("k1", "BOX1", "P1", "P2"), CancellationToken.None);

        result.Accepted.ShouldBeTrue();
        result.VendorReference.ShouldStartWith("SIM-");
        var device = await _cas.DeviceAsync("BOX1");
        device.ShouldBe(new CasDeviceState("BOX1", "SC-BOX1", "active", ["P1", "P2"]), new DeviceStateComparer());
        var log = (await _cas.CommandLogAsync("BOX1")).ShouldHaveSingleItem();
        log.Kind.ShouldBe(CasCommandKind.Activate);
        log.Outcome.ShouldBe(CasCommandOutcome.Applied);
        log.ProductIds.ShouldBe(["P1", "P2"]);
        log.VendorReference.ShouldBe(result.VendorReference);
    }

    [Fact]
    public async Task A_batch_of_activations_is_applied_as_each_would_be_alone_with_answers_in_order()
    {
        var before = await _cas.ActivateDeviceAsync(Activation("kb-seen", "BOXB0", "P1"), CancellationToken.None);
        var results = await _cas.ActivateDevicesAsync(
            [Activation("kb-1", "BOXB1", "P1", "P2"), Activation("kb-seen", "BOXB0", "P1"), Activation("kb-2", "BOXB2", "P3"), Activation("kb-bad", "BOXB3")],
            CancellationToken.None);

        results.Count.ShouldBe(4);
        results[0].Accepted.ShouldBeTrue();
        results[1].ShouldBe(before); // a key seen before: the first answer, no second effect
        results[2].Accepted.ShouldBeTrue();
        results[3].Accepted.ShouldBeFalse(); // no products: refused, the others still applied
        (await _cas.DeviceAsync("BOXB1"))!.ProductIds.ShouldBe(["P1", "P2"]);
        (await _cas.DeviceAsync("BOXB2"))!.ProductIds.ShouldBe(["P3"]);
        (await _cas.ActivationsForDeviceAsync("BOXB0")).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Same_key_has_no_second_effect_and_gets_the_first_answer()
    {
        var first = await _cas.ActivateDeviceAsync(Activation("k2", "BOX2", "P1"), CancellationToken.None);
        var again = await _cas.ActivateDeviceAsync(Activation("k2", "BOX2", "P1", "P9"), CancellationToken.None);

        again.ShouldBe(first);
        (await _cas.ActivationsForDeviceAsync("BOX2")).ShouldHaveSingleItem();
        var log = await _cas.CommandLogAsync("BOX2");
        log.Select(c => c.Outcome).ShouldBe([CasCommandOutcome.Applied, CasCommandOutcome.Duplicate]);
        log[1].OriginalId.ShouldBe(log[0].Id);
        log[1].ProductIds.ShouldBe(["P1", "P9"]);
        (await _cas.DeviceAsync("BOX2"))!.ProductIds.ShouldBe(["P1"]);
    }

    [Fact]
    public async Task Concurrent_commands_with_one_key_take_effect_once()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 12)
            .Select(_ => _cas.ActivateDeviceAsync(Activation("k3", "BOX3", "P1"), CancellationToken.None)));

        results.Select(r => r.VendorReference).Distinct().ShouldHaveSingleItem();
        (await _cas.ActivationsForDeviceAsync("BOX3")).ShouldHaveSingleItem();
        (await _cas.CommandLogAsync("BOX3")).Count(c => c.IsDuplicate).ShouldBe(11);
    }

    [Fact]
    public async Task Rejected_device_is_refused_and_the_refusal_is_the_answer_to_a_repeat()
    {
        _cas.Faults.RejectDevice("BOX4", "box reported stolen");

        var first = await _cas.ActivateDeviceAsync(Activation("k4", "BOX4", "P1"), CancellationToken.None);
        _cas.Faults.StopRejecting("BOX4");
        var again = await _cas.ActivateDeviceAsync(Activation("k4", "BOX4", "P1"), CancellationToken.None);

        first.ShouldBe(CasCommandResult.Rejected("box reported stolen"));
        again.ShouldBe(first);
        (await _cas.DeviceAsync("BOX4")).ShouldBeNull();
        (await _cas.CommandLogAsync("BOX4")).Select(c => c.Outcome).ShouldBe([CasCommandOutcome.Rejected, CasCommandOutcome.Duplicate]);
    }

    [Fact]
    public async Task Unavailable_commands_never_reach_the_CAS()
    {
        _cas.Faults.FailNextFor("BOX5", 2);

        await Should.ThrowAsync<CasUnavailableException>(() => _cas.ActivateDeviceAsync(Activation("k5", "BOX5", "P1"), CancellationToken.None));
        await Should.ThrowAsync<CasUnavailableException>(() => _cas.ActivateDeviceAsync(Activation("k5", "BOX5", "P1"), CancellationToken.None));
        (await _cas.ActivateDeviceAsync(Activation("k5", "BOX5", "P1"), CancellationToken.None)).Accepted.ShouldBeTrue();

        (await _cas.CommandLogAsync("BOX5")).ShouldHaveSingleItem().Outcome.ShouldBe(CasCommandOutcome.Applied);
    }

    [Fact]
    public async Task Lost_answer_means_applied_but_unknown_to_the_caller()
    {
        _cas.Faults.LoseNextResponses(1);

        await Should.ThrowAsync<CasUnavailableException>(() => _cas.ActivateDeviceAsync(Activation("k6", "BOX6", "P1"), CancellationToken.None));

        (await _cas.ActivationsForDeviceAsync("BOX6")).ShouldHaveSingleItem();
        (await _cas.DeviceAsync("BOX6"))!.IsActive.ShouldBeTrue();
    }

    [Fact]
    public async Task Deactivation_removes_entitlements_and_update_needs_an_active_box()
    {
        await _cas.ActivateDeviceAsync(Activation("k7a", "BOX7", "P1", "P2"), CancellationToken.None);
        (await _cas.UpdateEntitlementsAsync("k7b", "BOX7", ["P3"], CancellationToken.None)).Accepted.ShouldBeTrue();
        (await _cas.DeviceAsync("BOX7"))!.ProductIds.ShouldBe(["P3"]);

        (await _cas.DeactivateDeviceAsync("k7c", "BOX7", CancellationToken.None)).Accepted.ShouldBeTrue();
        var device = await _cas.DeviceAsync("BOX7");
        device!.IsActive.ShouldBeFalse();
        device.ProductIds.ShouldBeEmpty();

        var refused = await _cas.UpdateEntitlementsAsync("k7d", "BOX7", ["P1"], CancellationToken.None);
        refused.Accepted.ShouldBeFalse();
        refused.RejectionReason.ShouldBe("device BOX7 is not active");
    }

    [Fact]
    public async Task Latency_delays_the_answer_and_cancellation_prevents_the_effect()
    {
        _cas.Faults.Latency = TimeSpan.FromSeconds(5);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Should.ThrowAsync<OperationCanceledException>(() => _cas.ActivateDeviceAsync(Activation("k8", "BOX8", "P1"), cancel.Token));

        (await _cas.CommandLogAsync("BOX8")).ShouldBeEmpty();
    }

    [Fact]
    public async Task State_survives_a_new_simulator_instance()
    {
        await _cas.ActivateDeviceAsync(Activation("k9", "BOX9", "P1"), CancellationToken.None);

        await using var restarted = new SimulatedConditionalAccessSystem(new CasSimulatorOptions { ConnectionString = _connectionString, RegisterUnknownDevicesOnActivation = true });
        var again = await restarted.ActivateDeviceAsync(Activation("k9", "BOX9", "P1"), CancellationToken.None);

        again.Accepted.ShouldBeTrue();
        (await restarted.ActivationsForDeviceAsync("BOX9")).ShouldHaveSingleItem();
        await using var conn = new NpgsqlConnection(_connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM cas_sim.command_log WHERE cas_device_id = 'BOX9'", conn);
        ((long)(await cmd.ExecuteScalarAsync())!).ShouldBe(2);
    }

    private sealed class DeviceStateComparer : IEqualityComparer<CasDeviceState?>
    {
        public bool Equals(CasDeviceState? x, CasDeviceState? y) =>
            x is not null && y is not null && x.CasDeviceId == y.CasDeviceId && x.SmartCardNumber == y.SmartCardNumber && x.State == y.State
            && x.ProductIds.SequenceEqual(y.ProductIds);

        public int GetHashCode(CasDeviceState? obj) => obj?.CasDeviceId.GetHashCode(StringComparison.Ordinal) ?? 0;
    }
}
