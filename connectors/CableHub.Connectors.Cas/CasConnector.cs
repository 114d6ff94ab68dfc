using CableHub.Connectors.Cas.Http;
using CableHub.Connectors.Cas.Simulator;
using CableHub.Connectors.Common.Http;
using CableHub.Connectors.Common.Resilience;
using CableHub.Core.Ports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CableHub.Connectors.Cas;

/// <summary>Which CAS adapter runs and how it is reached (the host binds it from the <c>Cas</c> section).</summary>
public sealed class CasConnectorOptions
{
    public const string SimulatorMode = "simulator";
    public const string HttpMode = "http";

    /// <summary><c>simulator</c> (in-process, state in schema <c>cas_sim</c>) or <c>http</c> (the JSON-over-HTTP adapter).</summary>
    public string Mode { get; set; } = SimulatorMode;

    /// <summary>Base address of the CAS API for <c>http</c> mode, e.g. <c>https://cas.example.net/</c>.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>Bearer token for the CAS API (<c>Authorization: Bearer …</c>); empty sends none.</summary>
    public string? ApiKey { get; set; }

    public ConnectorResilienceOptions Resilience { get; set; } = new();

    public void Validate()
    {
        if (Mode is not (SimulatorMode or HttpMode))
        {
            throw new ArgumentException($"Cas:Mode must be '{SimulatorMode}' or '{HttpMode}' (was '{Mode}')");
        }

        if (Mode == HttpMode && !Uri.TryCreate(BaseUrl, UriKind.Absolute, out _))
        {
            throw new ArgumentException($"Cas:BaseUrl must be an absolute URL when Cas:Mode is '{HttpMode}' (was '{BaseUrl}')");
        }

        Resilience.Validate("cas");
    }
}

public static class CasConnector
{
    public const string HealthName = "cas";
    public const string HttpClientName = "cablehub.cas";

    /// <summary>
    /// Registers <see cref="IConditionalAccessSystem"/> as configured: in <c>http</c> mode the typed
    /// <see cref="CasHttpClient"/> (correlation id, Polly resilience handler); in <c>simulator</c> mode the
    /// <see cref="SimulatedConditionalAccessSystem"/> (registered as itself too, for its schema and admin
    /// switches) behind <see cref="ResilientConditionalAccessSystem"/>. Either way an <see cref="IConnectorHealth"/>
    /// named <c>cas</c> reports the circuit.
    /// </summary>
    public static IServiceCollection AddCasConnector(this IServiceCollection services, CasConnectorOptions options, CasSimulatorOptions? simulator)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Mode == CasConnectorOptions.HttpMode)
        {
            var baseUrl = new Uri(options.BaseUrl!.TrimEnd('/') + "/");
            var health = new ConnectorHealthTracker(HealthName, CasConnectorOptions.HttpMode, baseUrl.GetLeftPart(UriPartial.Path));
            services.AddSingleton<IConnectorHealth>(health);
            // A named client and a singleton adapter: Wolverine builds handlers with constructor injection and refuses
            // transient factory registrations (a typed client is one).
            services.AddSingleton<IConditionalAccessSystem>(sp => new CasHttpClient(
                () => sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName), sp.GetRequiredService<ILoggerFactory>().CreateLogger<CasHttpClient>()));
            services.AddHttpClient(HttpClientName, http =>
                {
                    http.BaseAddress = baseUrl;
                    http.Timeout = Timeout.InfiniteTimeSpan; // the resilience handler owns timeouts
                    if (!string.IsNullOrEmpty(options.ApiKey))
                    {
                        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", options.ApiKey);
                    }
                })
                .AddHttpMessageHandler(sp => new ConnectorCallHandler(health, sp.GetRequiredService<ILoggerFactory>().CreateLogger<CasHttpClient>()))
                .AddConnectorResilience(options.Resilience, health);
            return services;
        }

        ArgumentNullException.ThrowIfNull(simulator, "simulator options are needed in simulator mode");
        var tracker = new ConnectorHealthTracker(HealthName, CasConnectorOptions.SimulatorMode, null);
        services.AddSingleton<IConnectorHealth>(tracker);
        services.AddSingleton(simulator);
        services.AddSingleton<SimulatedConditionalAccessSystem>();
        services.AddSingleton<IConditionalAccessSystem>(sp => new ResilientConditionalAccessSystem(
            sp.GetRequiredService<SimulatedConditionalAccessSystem>(), options.Resilience, tracker,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<ResilientConditionalAccessSystem>()));
        return services;
    }
}
