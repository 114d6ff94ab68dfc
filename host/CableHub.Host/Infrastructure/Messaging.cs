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
        var options = new MessagingOptions { ConnectionString = infra.PostgresConnectionString };
        builder.Host.UseWolverine(opts =>
        {
            opts.ApplicationAssembly = typeof(Messaging).Assembly;
            opts.ConfigureCableHubMessaging(options);
        });

        // The CAS: the simulator stands in for the vendor system (its own durable schema cas_sim).
        builder.Services.AddSingleton(new CasSimulatorOptions
        {
            ConnectionString = infra.PostgresConnectionString,
            Latency = TimeSpan.FromMilliseconds(settings.Cas.SimulatorLatencyMs),
            ResponseDelay = TimeSpan.FromMilliseconds(settings.Cas.SimulatorResponseDelayMs),
        });
        builder.Services.AddSingleton<SimulatedConditionalAccessSystem>();

        // Integration events for back-office systems (Kafka).
        builder.Services.AddSingleton(new Integration.IntegrationEventProducer(infra.KafkaBootstrapServers, settings.Kafka.TopicPrefix));
        builder.Services.AddSingleton<IConditionalAccessSystem>(sp => sp.GetRequiredService<SimulatedConditionalAccessSystem>());
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
