using CableHub.Connectors.Cas;
using CableHub.Connectors.Cas.Http;
using CableHub.Connectors.Cas.Simulator;
using CableHub.Core.Ports;
using CableHub.Host.Configuration;
using CableHub.Sagas.Messaging;
using Wolverine;

namespace CableHub.Host.Infrastructure;

/// <summary>Wolverine (durable on the hub's PostgreSQL) and the vendor adapters the sagas call.</summary>
public static class Messaging
{
    public static void Configure(WebApplicationBuilder builder, HubSettings settings, HubInfrastructure infra)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(infra);
        var options = new MessagingOptions
        {
            ConnectionString = infra.PostgresConnectionString,
            Dunning = new Sagas.Dunning.DunningOptions { ReportingTimeZone = TimeZoneInfo.FindSystemTimeZoneById(settings.ReportingTimeZone) },
        };
        options.Lifecycle.ReportingTimeZone = TimeZoneInfo.FindSystemTimeZoneById(settings.ReportingTimeZone); // billing's local dates
        builder.Host.UseWolverine(opts =>
        {
            opts.ApplicationAssembly = typeof(Messaging).Assembly;
            opts.ConfigureCableHubMessaging(options);
            opts.Discovery.IncludeAssembly(typeof(CableHub.Billing.BillingModule).Assembly); // billing's event handlers
        });

        AddCas(builder.Services, settings, infra.PostgresConnectionString);
        var cas = settings.Cas;
        builder.Services.AddCasSimulatorServer(Simulator(settings, infra.PostgresConnectionString), cas.Simulator.ListenUrl, cas.Simulator.ApiKey);

        // Integration events for back-office systems (Kafka).
        builder.Services.AddSingleton(new Integration.IntegrationEventProducer(infra.KafkaBootstrapServers, settings.Kafka.TopicPrefix));
    }

    /// <summary>The CAS: <c>Cas:Mode</c> chooses the JSON-over-HTTP adapter (http) or the simulated head-end (simulator, schema cas_sim).</summary>
    public static IServiceCollection AddCas(IServiceCollection services, HubSettings settings, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var cas = settings.Cas;
        return services.AddCasConnector(
            new CasConnectorOptions { Mode = cas.Mode, BaseUrl = cas.BaseUrl, ApiKey = cas.ApiKey, Resilience = cas.Resilience }, Simulator(settings, connectionString));
    }

    private static CasSimulatorOptions Simulator(HubSettings settings, string connectionString)
    {
        var cas = settings.Cas;
        return new CasSimulatorOptions
        {
            ConnectionString = connectionString,
            Latency = TimeSpan.FromMilliseconds(cas.SimulatorLatencyMs),
            ResponseDelay = TimeSpan.FromMilliseconds(cas.SimulatorResponseDelayMs),
            RegisterUnknownDevicesOnActivation = cas.Simulator.RegisterUnknownDevicesOnActivation,
            RandomFaults = new() { ErrorRate = cas.Simulator.ErrorRate, TimeoutRate = cas.Simulator.TimeoutRate, Seed = cas.Simulator.Seed },
        };
    }

    /// <summary>
    /// Builds every message handler now (Wolverine generates and compiles their code on first use), so the first order
    /// after start-up does not wait for the compiler.
    /// </summary>
    public static void WarmUp(IServiceProvider services, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(services);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var graph = ((Wolverine.Runtime.WolverineRuntime)services.GetRequiredService<Wolverine.Runtime.IWolverineRuntime>()).Handlers;
        var chains = graph.Chains;
        foreach (var chain in chains)
        {
            graph.HandlerFor(chain.MessageType);
        }

        logger.LogInformation("Message handlers ready: {Count} compiled in {Seconds:0.0} s", chains.Length, started.Elapsed.TotalSeconds);
    }
}
