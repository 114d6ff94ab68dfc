using CableHub.Connectors.Common.Http;
using CableHub.Connectors.Common.Resilience;
using CableHub.Connectors.DeviceManagement.GenieAcs;
using CableHub.Core.Ports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CableHub.Connectors.DeviceManagement;

public static class DeviceManagementConnector
{
    public const string HealthName = "device-management";

    /// <summary>
    /// Registers <see cref="IDeviceManagement"/> as the GenieACS NBI adapter at <see cref="GenieAcsOptions.BaseUrl"/> (a real
    /// GenieACS or the simulator), with an <see cref="IConnectorHealth"/> named <c>device-management</c>.
    /// </summary>
    public static IServiceCollection AddGenieAcs(this IServiceCollection services, GenieAcsOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        if (!Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out var parsed))
        {
            throw new ArgumentException($"DeviceManagement:BaseUrl must be an absolute URL (was '{options.BaseUrl}')");
        }

        var baseUrl = new Uri(parsed.ToString().TrimEnd('/') + "/");
        var health = new ConnectorHealthTracker(HealthName, "genieacs", baseUrl.GetLeftPart(UriPartial.Path));
        services.AddSingleton<IConnectorHealth>(health);
        services.AddSingleton(options);
        services.AddSingleton<IDeviceManagement>(sp => new GenieAcsClient(() => sp.GetRequiredService<IHttpClientFactory>().CreateClient("cablehub.genieacs"), options,
            sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILoggerFactory>().CreateLogger<GenieAcsClient>()));
        services.AddHttpClient("cablehub.genieacs", http =>
            {
                http.BaseAddress = baseUrl;
                http.Timeout = Timeout.InfiniteTimeSpan;
                if (!string.IsNullOrEmpty(options.User))
                {
                    var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{options.User}:{options.Password}"));
                    http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", basic);
                }
            })
            .AddHttpMessageHandler(sp => new ConnectorCallHandler(health, sp.GetRequiredService<ILoggerFactory>().CreateLogger<GenieAcsClient>()))
            .AddConnectorResilience(options.Resilience, health);
        return services;
    }
}
