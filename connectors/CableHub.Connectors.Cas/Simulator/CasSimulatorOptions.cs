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
}
