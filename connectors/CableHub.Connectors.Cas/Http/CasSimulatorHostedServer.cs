using CableHub.Connectors.Cas.Simulator;
using CableHub.Connectors.Common.Simulation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CableHub.Connectors.Cas.Http;

/// <summary>
/// Serves the simulated head-end behind the CAS wire contract from inside a host (demo: a hub in <c>http</c>
/// mode pointed at its own simulator, or a simulator to flip with <c>/admin/down</c>).
/// </summary>
public sealed class CasSimulatorHostedServer(IServiceProvider services, CasSimulatorOptions options, string url, string? apiKey) : IHostedService, IAsyncDisposable
{
    private SimulatedConditionalAccessSystem? _owned;
    private SimulatorWebHost? _server;

    public Uri? Address => _server?.Address;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var loggers = services.GetService<ILoggerFactory>();
        var cas = services.GetService<SimulatedConditionalAccessSystem>();
        if (cas is null)
        {
            cas = _owned = new SimulatedConditionalAccessSystem(options, loggers?.CreateLogger<SimulatedConditionalAccessSystem>());
        }

        await cas.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        _server = await CasSimulatorServer.StartAsync(cas, url, string.IsNullOrEmpty(apiKey) ? null : apiKey, loggers, cancellationToken).ConfigureAwait(false);
        loggers?.CreateLogger<CasSimulatorHostedServer>().LogInformation("Simulated CAS served over HTTP at {Address} (admin: POST {Address}admin/down?seconds=N)", _server.Address, _server.Address);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _server, null) is { } server)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }

        if (Interlocked.Exchange(ref _owned, null) is { } owned)
        {
            await owned.DisposeAsync().ConfigureAwait(false);
        }
    }
}

public static class CasSimulatorServerRegistration
{
    /// <summary>Starts the simulator's HTTP server with the host when <paramref name="listenUrl"/> is set; nothing otherwise.</summary>
    public static IServiceCollection AddCasSimulatorServer(this IServiceCollection services, CasSimulatorOptions options, string? listenUrl, string? apiKey)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!string.IsNullOrWhiteSpace(listenUrl))
        {
            services.AddHostedService(sp => new CasSimulatorHostedServer(sp, options, listenUrl, apiKey));
        }

        return services;
    }
}
