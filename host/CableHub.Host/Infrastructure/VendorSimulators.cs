using CableHub.Connectors.DeviceManagement.Simulator;
using CableHub.Connectors.Notifications.Sms;
using CableHub.Host.Configuration;

namespace CableHub.Host.Infrastructure;

/// <summary>
/// The embedded stand-ins for the vendor systems whose address is not configured: the GenieACS simulator (when
/// <c>DeviceManagement:BaseUrl</c> is empty) and the SMS provider simulator (when <c>Notifications:Sms:BaseUrl</c> is empty),
/// each a real HTTP server on loopback, so the production adapters talk to them over the wire. (The CAS simulator runs
/// in-process, <c>Cas:Mode</c>; e-mail without <c>Notifications:Smtp:Host</c> goes to a pickup directory.)
/// </summary>
public sealed class VendorSimulators : IAsyncDisposable
{
    private VendorSimulators(GenieAcsSimulator? genieAcs, SmsProviderSimulator? sms)
    {
        GenieAcs = genieAcs;
        Sms = sms;
    }

    public GenieAcsSimulator? GenieAcs { get; }

    public SmsProviderSimulator? Sms { get; }

    /// <summary>The device-management address the adapter uses: the configured one, or the simulator's.</summary>
    public string DeviceManagementUrl(HubSettings settings) =>
        string.IsNullOrWhiteSpace(settings?.DeviceManagement.BaseUrl) ? GenieAcs!.Address.ToString() : settings.DeviceManagement.BaseUrl;

    /// <summary>The SMS provider address the adapter uses: the configured one, or the simulator's.</summary>
    public string SmsUrl(HubSettings settings) =>
        string.IsNullOrWhiteSpace(settings?.Notifications.Sms.BaseUrl) ? Sms!.Address.ToString() : settings.Notifications.Sms.BaseUrl;

    public static async Task<VendorSimulators> StartAsync(HubSettings settings, ILoggerFactory loggers, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        GenieAcsSimulator? genieAcs = null;
        SmsProviderSimulator? sms = null;
        if (string.IsNullOrWhiteSpace(settings.DeviceManagement.BaseUrl))
        {
            genieAcs = await GenieAcsSimulator.StartAsync(new StbPopulationSettings { Devices = settings.DeviceManagement.SimulatorDevices },
                settings.DeviceManagement.SimulatorListenUrl, loggerFactory: loggers, ct: ct).ConfigureAwait(false);
        }

        if (string.IsNullOrWhiteSpace(settings.Notifications.Sms.BaseUrl))
        {
            sms = await SmsProviderSimulator.StartAsync(settings.Notifications.SmsSimulatorListenUrl, settings.Notifications.Sms.ApiKey,
                loggerFactory: loggers, ct: ct).ConfigureAwait(false);
        }

        return new VendorSimulators(genieAcs, sms);
    }

    public async ValueTask DisposeAsync()
    {
        if (GenieAcs is not null)
        {
            await GenieAcs.DisposeAsync().ConfigureAwait(false);
        }

        if (Sms is not null)
        {
            await Sms.DisposeAsync().ConfigureAwait(false);
        }
    }
}
