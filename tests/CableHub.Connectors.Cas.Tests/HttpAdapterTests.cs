using CableHub.Connectors.Cas.Http;
using CableHub.Connectors.Cas.Simulator;
using CableHub.Connectors.Common.Resilience;
using CableHub.Connectors.Common.Simulation;
using CableHub.Core.Diagnostics;
using CableHub.Core.Ports;
using CableHub.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CableHub.Connectors.Cas.Tests;

/// <summary>The production adapter over real HTTP against the simulator behind the wire contract.</summary>
[Collection(CasCollection.Name)]
public sealed class HttpAdapterTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const string ApiKey = "test-key-123";
    private SimulatedConditionalAccessSystem _sim = null!;
    private SimulatorWebHost _server = null!;
    private ServiceProvider _services = null!;
    private IConditionalAccessSystem _cas = null!;
    private IConnectorHealth _health = null!;
    private string _connectionString = "";

    public async ValueTask InitializeAsync()
    {
        (_sim, _connectionString) = await Cas.NewSimulatorAsync(postgres);
        _sim.Faults.RandomFaults.Configure(new SimulatorFaultSettings { HangFor = TimeSpan.FromSeconds(3) });
        _server = await CasSimulatorServer.StartAsync(_sim, apiKey: ApiKey, loggerFactory: TestLogging.Factory);
        (_services, _cas, _health) = Connect(_server.Address, ApiKey, new ConnectorResilienceOptions
        {
            AttemptTimeout = TimeSpan.FromMilliseconds(800),
            TotalTimeout = TimeSpan.FromSeconds(10),
            MaxRetries = 3,
            RetryBaseDelay = TimeSpan.FromMilliseconds(20),
            MinimumThroughput = 4,
            SamplingDuration = TimeSpan.FromSeconds(5),
            FailureRatio = 0.5,
            BreakDuration = TimeSpan.FromSeconds(5), // the next call must still find it open on a loaded CI machine
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _server.DisposeAsync();
        await _sim.DisposeAsync();
    }

    private static (ServiceProvider, IConditionalAccessSystem, IConnectorHealth) Connect(Uri address, string? apiKey, ConnectorResilienceOptions resilience)
    {
        var services = new ServiceCollection()
            .AddSingleton(TestLogging.Factory)
            .AddCasConnector(new CasConnectorOptions { Mode = "http", BaseUrl = address.ToString(), ApiKey = apiKey, Resilience = resilience }, null)
            .BuildServiceProvider();
        return (services, services.GetRequiredService<IConditionalAccessSystem>(), services.GetServices<IConnectorHealth>().Single(h => h.Name == "cas"));
    }

    private static CasActivation Activation(string key, string box, params string[] products) => new(key, box, "SC-" + box, products, Cas.From, null);

    [Fact]
    public async Task Commands_and_queries_round_trip_over_the_wire()
    {
        _cas.ShouldBeOfType<CasHttpClient>();
        await _sim.RegisterDevicesAsync([new("BOX-H1")]);

        var activated = await _cas.ActivateDeviceAsync(Activation("h1", "BOX-H1", "BASE"), default);
        activated.Accepted.ShouldBeTrue();
        activated.VendorReference.ShouldStartWith("SIM-");
        (await _cas.AddProductsAsync(new CasProductGrant("h2", CasTarget.SmartCard("SC-BOX-H1"), [new("SPORTS", Cas.From, Cas.From.AddDays(30))]), default))
            .Accepted.ShouldBeTrue();
        (await _cas.SendOnScreenMessageAsync(new CasOnScreenMessage("h3", CasTarget.Box("BOX-H1"), "Welcome", TimeSpan.FromSeconds(10)), default)).Accepted.ShouldBeTrue();
        (await _cas.ForceTuneAsync(new CasForcedTune("h4", CasTarget.Box("BOX-H1"), "SID-7", TimeSpan.FromMinutes(1)), default)).Accepted.ShouldBeTrue();

        var device = (await _cas.GetDeviceAsync("BOX-H1", default))!;
        device.Status.ShouldBe("active");
        device.SmartCardNumber.ShouldBe("SC-BOX-H1");
        device.Products.Select(p => (p.ProductId, p.ValidFrom, p.ValidTo)).ShouldBe([("BASE", Cas.From, null), ("SPORTS", Cas.From, Cas.From.AddDays(30))]);
        (await _cas.GetDeviceAsync("BOX-NOT-THERE", default)).ShouldBeNull();
        (await _cas.ListDevicesAsync(new CasDeviceListRequest(Limit: 10), default)).Items.ShouldHaveSingleItem().CasDeviceId.ShouldBe("BOX-H1");
        (await _sim.ScreenCommandsAsync("BOX-H1")).Count.ShouldBe(2);

        (await _cas.RemoveProductsAsync(new CasProductRevocation("h5", CasTarget.Box("BOX-H1"), ["SPORTS"]), default)).Accepted.ShouldBeTrue();
        (await _cas.UnpairAsync(new CasPairing("h6", "BOX-H1", "SC-BOX-H1"), default)).Accepted.ShouldBeTrue();
        (await _cas.DeactivateDeviceAsync("h7", "BOX-H1", default)).Accepted.ShouldBeTrue();
        var after = (await _cas.GetDeviceAsync("BOX-H1", default))!;
        (after.Status, after.SmartCardNumber, after.Products.Count).ShouldBe(("inactive", null, 0));
    }

    [Fact]
    public async Task Refusals_arrive_with_their_code_and_are_not_retried()
    {
        var unknown = await _cas.ActivateDeviceAsync(Activation("r1", "BOX-UNKNOWN", "P1"), default);
        unknown.Accepted.ShouldBeFalse();
        unknown.RejectionCode.ShouldBe(CasRejectionCodes.UnknownDevice);
        unknown.RejectionReason.ShouldBe("device BOX-UNKNOWN is not registered in the CAS");

        await _sim.RegisterDevicesAsync([new("BOX-R2")]);
        await _cas.ActivateDeviceAsync(Activation("r2", "BOX-R2", "P1"), default);
        var reused = await _cas.DeactivateDeviceAsync("r2", "BOX-R2", default);
        reused.RejectionCode.ShouldBe(CasRejectionCodes.IdempotencyKeyReused);

        _health.Snapshot().Retries.ShouldBe(0);
        (await _sim.CommandLogAsync("BOX-UNKNOWN")).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Same_key_over_the_wire_takes_effect_once()
    {
        await _sim.RegisterDevicesAsync([new("BOX-I")]);
        var first = await _cas.AddProductsAsync(new CasProductGrant("i1", CasTarget.Box("BOX-I"), [new("P1", Cas.From, null)]), default);
        await _cas.ActivateDeviceAsync(Activation("i0", "BOX-I", "BASE"), default);
        var grant = new CasProductGrant("i2", CasTarget.Box("BOX-I"), [new("P2", Cas.From, null)]);

        var a = await _cas.AddProductsAsync(grant, default);
        var b = await _cas.AddProductsAsync(grant, default);

        first.RejectionCode.ShouldBe(CasRejectionCodes.DeviceNotActive);
        b.ShouldBe(a);
        var log = (await _sim.CommandLogAsync("BOX-I")).Where(c => c.IdempotencyKey == "i2").ToList();
        log.Select(c => c.Outcome).ShouldBe([CasCommandOutcome.Applied, CasCommandOutcome.Duplicate]);
    }

    [Fact]
    public async Task Server_errors_are_retried_with_the_same_key_and_the_command_applies_once()
    {
        await _sim.RegisterDevicesAsync([new("BOX-E")]);
        _sim.Faults.RandomFaults.ForceNext(FaultKind.Error, 2);

        var result = await _cas.ActivateDeviceAsync(Activation("e1", "BOX-E", "P1"), default);

        result.Accepted.ShouldBeTrue();
        _health.Snapshot().Retries.ShouldBe(2);
        (await _sim.CommandLogAsync("BOX-E")).Count(c => c.Kind == CasCommandKind.Activate).ShouldBe(1);
    }

    [Fact]
    public async Task A_lost_answer_times_out_and_the_retry_gets_the_first_result()
    {
        await _sim.RegisterDevicesAsync([new("BOX-T")]);
        _sim.Faults.RandomFaults.ForceNext(FaultKind.LostResponse);

        var result = await _cas.ActivateDeviceAsync(Activation("t1", "BOX-T", "P1"), default);

        result.Accepted.ShouldBeTrue();
        _health.Snapshot().Retries.ShouldBeGreaterThanOrEqualTo(1);
        var log = (await _sim.CommandLogAsync("BOX-T")).Where(c => c.Kind == CasCommandKind.Activate).ToList();
        log.Select(c => c.Outcome).ShouldBe([CasCommandOutcome.Applied, CasCommandOutcome.Duplicate]);
        log[1].OriginalId.ShouldBe(log[0].Id);
        result.VendorReference.ShouldBe(log[0].VendorReference);
    }

    [Fact]
    public async Task Outage_opens_the_circuit_calls_fail_fast_and_it_closes_after_recovery()
    {
        await _sim.RegisterDevicesAsync([new("BOX-O")]);
        await _sim.DownAsync(TimeSpan.FromMinutes(2), "outage test", default);

        var failure = await Should.ThrowAsync<CasUnavailableException>(() => _cas.ActivateDeviceAsync(Activation("o1", "BOX-O", "P1"), default));
        failure.Message.ShouldContain("503");
        var health = _health.Snapshot();
        health.Circuit.ShouldBe(CircuitStatus.Open);
        health.CircuitOpenedCount.ShouldBe(1);
        health.Failures.ShouldBe(1);

        var fast = await Should.ThrowAsync<CasUnavailableException>(() => _cas.ActivateDeviceAsync(Activation("o2", "BOX-O", "P1"), default));
        fast.Message.ShouldContain("circuit is open");

        await _sim.UpAsync(default);
        var recovered = await Eventually.ValueAsync(async () =>
        {
            try
            {
                return await _cas.ActivateDeviceAsync(Activation("o3", "BOX-O", "P1"), default);
            }
            catch (CasUnavailableException)
            {
                return null;
            }
        }, TimeSpan.FromSeconds(15));

        recovered.Accepted.ShouldBeTrue();
        _health.Snapshot().Circuit.ShouldBe(CircuitStatus.Closed);
        (await _sim.CommandLogAsync("BOX-O")).Where(c => c.Kind == CasCommandKind.Activate).Select(c => c.IdempotencyKey).ShouldBe(["o3"]);
    }

    [Fact]
    public async Task Wrong_credentials_are_an_outage_of_configuration_not_a_refusal()
    {
        var (services, cas, _) = Connect(_server.Address, "wrong", new ConnectorResilienceOptions { MaxRetries = 0 });
        await using var _ = services;

        var e = await Should.ThrowAsync<CasUnavailableException>(() => cas.GetDeviceAsync("BOX-X", default));
        e.Message.ShouldContain("credentials (401)");
    }

    [Fact]
    public async Task The_correlation_id_travels_to_the_head_end()
    {
        await _sim.RegisterDevicesAsync([new("BOX-C")]);
        using (CorrelationContext.Begin("corr-42"))
        {
            (await _cas.ActivateDeviceAsync(Activation("c1", "BOX-C", "P1"), default)).Accepted.ShouldBeTrue();
        }

        await using var conn = new Npgsql.NpgsqlConnection(_connectionString);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT correlation_id FROM cas_sim.command_log WHERE idempotency_key = 'c1'", conn);
        (await cmd.ExecuteScalarAsync()).ShouldBe("corr-42");
    }

}
