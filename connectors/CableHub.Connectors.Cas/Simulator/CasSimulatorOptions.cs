namespace CableHub.Connectors.Cas.Simulator;

/// <summary>Settings of the simulated CAS. The host binds them from configuration; tests set them directly.</summary>
public sealed class CasSimulatorOptions
{
    /// <summary>PostgreSQL database holding the simulator's own schema <c>cas_sim</c>.</summary>
    public required string ConnectionString { get; init; }

    /// <summary>Time the CAS takes before it processes a command (network + queueing on the vendor side).</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>
    /// Time between the command taking effect and the answer reaching the caller. A process killed in this
    /// window leaves an applied command the hub never heard about — the case idempotency keys exist for.
    /// </summary>
    public TimeSpan ResponseDelay { get; init; }

    /// <summary>
    /// false (a real head-end): a box must be registered (<see cref="SimulatedConditionalAccessSystem.RegisterDevicesAsync"/>,
    /// the vendor's device import) before anything is done to it; commands for unknown boxes are refused with
    /// <c>unknown_device</c>. true (demo convenience): an activation registers an unknown box.
    /// </summary>
    public bool RegisterUnknownDevicesOnActivation { get; init; }

    /// <summary>Random errors, timeouts, lost answers and latency jitter (seeded). None by default.</summary>
    public CableHub.Connectors.Common.Simulation.SimulatorFaultSettings? RandomFaults { get; init; }

    /// <summary>How long the "down" switch read from <c>cas_sim.control</c> is cached (zero: read on every command).</summary>
    public TimeSpan ControlRefresh { get; init; } = TimeSpan.FromSeconds(1);

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
