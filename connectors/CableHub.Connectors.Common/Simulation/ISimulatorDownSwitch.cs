namespace CableHub.Connectors.Common.Simulation;

/// <summary>The switch that takes a simulated vendor system down for a while (tests, admin endpoint, CLI).</summary>
public interface ISimulatorDownSwitch
{
    /// <summary>When the current outage ends, or null when the system is up.</summary>
    ValueTask<DateTimeOffset?> DownUntilAsync(CancellationToken ct);

    /// <summary>Down for <paramref name="duration"/> (null: until <see cref="UpAsync"/>).</summary>
    Task DownAsync(TimeSpan? duration, string? reason, CancellationToken ct);

    Task UpAsync(CancellationToken ct);
}
