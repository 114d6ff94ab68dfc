using CableHub.Core.Ports;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CableHub.Host.Api.Health;

/// <summary>
/// One <c>/health</c> entry per vendor adapter (<c>connector:cas</c>, <c>connector:device-management</c>, <c>connector:smtp</c>,
/// <c>connector:sms</c>): mode, address, circuit state (closed / open / halfOpen / isolated) with when it last changed and how
/// often it opened, call counters and the last error. An open circuit is <c>degraded</c> (the hub keeps working: sagas wait and retry).
/// </summary>
public static class ConnectorHealthChecks
{
    public static IHealthChecksBuilder AddConnectorCircuits(this IHealthChecksBuilder builder, IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(names);
        foreach (var name in names)
        {
            builder.Add(new HealthCheckRegistration("connector:" + name, sp => new Check(sp, name), HealthStatus.Degraded, ["connectors"]));
        }

        return builder;
    }

    /// <summary>The entry of one snapshot (also used by the tests).</summary>
    public static HealthCheckResult Report(ConnectorHealthSnapshot s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var data = new Dictionary<string, object>
        {
            ["mode"] = s.Mode,
            ["address"] = s.Address ?? "in-process",
            ["circuit"] = s.Circuit switch
            {
                CircuitStatus.Closed => "closed",
                CircuitStatus.Open => "open",
                CircuitStatus.HalfOpen => "halfOpen",
                _ => "isolated",
            },
            ["circuitOpenedCount"] = s.CircuitOpenedCount,
            ["calls"] = s.Calls,
            ["attempts"] = s.Attempts,
            ["retries"] = s.Retries,
            ["failures"] = s.Failures,
        };
        if (s.CircuitChangedAt is { } changed)
        {
            data["circuitChangedAt"] = changed;
        }

        if (s.LastError is { } error)
        {
            data["lastError"] = error;
            data["lastErrorAt"] = s.LastErrorAt!;
        }

        return s.IsHealthy ? HealthCheckResult.Healthy(data: data) : HealthCheckResult.Degraded($"circuit {data["circuit"]}: calls fail fast", data: data);
    }

    private sealed class Check(IServiceProvider services, string name) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var connector = services.GetServices<IConnectorHealth>().FirstOrDefault(c => c.Name == name);
            return Task.FromResult(connector is null
                ? HealthCheckResult.Healthy("not configured", new Dictionary<string, object> { ["mode"] = "not used" })
                : Report(connector.Snapshot()));
        }
    }
}
