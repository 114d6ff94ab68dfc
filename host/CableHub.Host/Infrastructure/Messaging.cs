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
        builder.Host.UseWolverine(opts => opts.ConfigureCableHubMessaging(options));

        // The CAS: the simulator stands in for the vendor system (its own durable schema cas_sim).
        builder.Services.AddSingleton(new CasSimulatorOptions
        {
            ConnectionString = infra.PostgresConnectionString,
            Latency = TimeSpan.FromMilliseconds(settings.Cas.SimulatorLatencyMs),
            ResponseDelay = TimeSpan.FromMilliseconds(settings.Cas.SimulatorResponseDelayMs),
        });
        builder.Services.AddSingleton<SimulatedConditionalAccessSystem>();
        builder.Services.AddSingleton<IConditionalAccessSystem>(sp => sp.GetRequiredService<SimulatedConditionalAccessSystem>());
    }
}
