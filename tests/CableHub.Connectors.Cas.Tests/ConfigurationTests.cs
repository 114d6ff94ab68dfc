using CableHub.Connectors.Cas.Http;
using CableHub.Connectors.Cas.Simulator;
using CableHub.Connectors.Common.Resilience;
using CableHub.Core.Ports;
using CableHub.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Connectors.Cas.Tests;

/// <summary>Cas:Mode chooses the adapter; the in-process simulator gets the same resilience and health as the HTTP adapter.</summary>
[Collection(CasCollection.Name)]
public sealed class ConfigurationTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Mode_chooses_the_adapter_and_bad_settings_name_the_key()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var simulator = new CasSimulatorOptions { ConnectionString = connectionString };

        await using (var http = new ServiceCollection().AddSingleton(TestLogging.Factory)
            .AddCasConnector(new CasConnectorOptions { Mode = "http", BaseUrl = "http://127.0.0.1:9/" }, simulator).BuildServiceProvider())
        {
            http.GetRequiredService<IConditionalAccessSystem>().ShouldBeOfType<CasHttpClient>();
            http.GetRequiredService<IConnectorHealth>().Snapshot().Mode.ShouldBe("http");
            http.GetService<SimulatedConditionalAccessSystem>().ShouldBeNull();
        }

        await using (var sim = new ServiceCollection().AddSingleton(TestLogging.Factory)
            .AddCasConnector(new CasConnectorOptions(), simulator).BuildServiceProvider())
        {
            sim.GetRequiredService<IConditionalAccessSystem>().ShouldBeOfType<ResilientConditionalAccessSystem>();
            sim.GetRequiredService<IConnectorHealth>().Snapshot().Mode.ShouldBe("simulator");
        }

        // Wolverine injects handler dependencies by constructor and refuses transient factory registrations (a typed
        // HttpClient is one): the hub failed to compile its saga handlers in http mode until the adapter became a singleton.
        var registrations = new ServiceCollection().AddCasConnector(new CasConnectorOptions { Mode = "http", BaseUrl = "http://127.0.0.1:9/" }, simulator);
        registrations.Single(d => d.ServiceType == typeof(IConditionalAccessSystem)).Lifetime.ShouldBe(ServiceLifetime.Singleton);

        Should.Throw<ArgumentException>(() => new ServiceCollection().AddCasConnector(new CasConnectorOptions { Mode = "grpc" }, simulator))
            .Message.ShouldContain("Cas:Mode");
        Should.Throw<ArgumentException>(() => new ServiceCollection().AddCasConnector(new CasConnectorOptions { Mode = "http", BaseUrl = "" }, simulator))
            .Message.ShouldContain("Cas:BaseUrl");
    }

    [Fact]
    public async Task In_process_outage_retries_opens_the_circuit_and_closes_it_after_recovery()
    {
        var simulator = new CasSimulatorOptions { ConnectionString = await postgres.CreateDatabaseAsync(), ControlRefresh = TimeSpan.Zero };
        await using var services = new ServiceCollection().AddSingleton(TestLogging.Factory)
            .AddCasConnector(new CasConnectorOptions
            {
                Resilience = new ConnectorResilienceOptions
                {
                    MaxRetries = 2,
                    RetryBaseDelay = TimeSpan.FromMilliseconds(10),
                    MinimumThroughput = 3,
                    SamplingDuration = TimeSpan.FromSeconds(10),
                    BreakDuration = TimeSpan.FromSeconds(5), // the next call must still find it open on a loaded CI machine
                },
            }, simulator)
            .BuildServiceProvider();
        var cas = services.GetRequiredService<IConditionalAccessSystem>();
        var sim = services.GetRequiredService<SimulatedConditionalAccessSystem>();
        var health = services.GetRequiredService<IConnectorHealth>();
        await sim.RegisterDevicesAsync([new("BOX-IN")]);
        var activation = new CasActivation("in-1", "BOX-IN", null, ["P1"], Cas.From, null);

        sim.Faults.FailNext(1);
        (await cas.ActivateDeviceAsync(activation, default)).Accepted.ShouldBeTrue();
        health.Snapshot().Retries.ShouldBe(1);

        await sim.DownAsync(null, "test", default);
        await Should.ThrowAsync<CasUnavailableException>(() => cas.GetDeviceAsync("BOX-IN", default));
        health.Snapshot().Circuit.ShouldBe(CircuitStatus.Open);
        (await Should.ThrowAsync<CasUnavailableException>(() => cas.GetDeviceAsync("BOX-IN", default))).Message.ShouldContain("circuit is open");

        await sim.UpAsync(default);
        var device = await Eventually.ValueAsync(async () =>
        {
            try
            {
                return await cas.GetDeviceAsync("BOX-IN", default);
            }
            catch (CasUnavailableException)
            {
                return null;
            }
        }, TimeSpan.FromSeconds(15));
        device.IsActive.ShouldBeTrue();
        health.Snapshot().Circuit.ShouldBe(CircuitStatus.Closed);
        health.Snapshot().CircuitOpenedCount.ShouldBe(1);
    }
}
