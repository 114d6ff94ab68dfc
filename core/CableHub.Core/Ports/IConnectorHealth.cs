namespace CableHub.Core.Ports;

/// <summary>
/// How an outside-system adapter is doing: its circuit breaker and call counters. Every adapter
/// (CAS, device management, SMTP, SMS) registers one so <c>/health</c> can list them.
/// </summary>
public interface IConnectorHealth
{
    /// <summary>Stable name, e.g. <c>cas</c>, <c>device-management</c>, <c>smtp</c>, <c>sms</c>.</summary>
    string Name { get; }

    ConnectorHealthSnapshot Snapshot();
}

/// <summary>State of a circuit breaker (Polly's names).</summary>
public enum CircuitStatus
{
    /// <summary>Calls flow.</summary>
    Closed,

    /// <summary>Calls fail fast without reaching the outside system until the break ends.</summary>
    Open,

    /// <summary>One trial call is let through; its outcome closes or re-opens the circuit.</summary>
    HalfOpen,

    /// <summary>Opened by hand.</summary>
    Isolated,
}

/// <param name="Name">connector name</param>
/// <param name="Mode">which adapter runs: <c>http</c>, <c>smtp</c>, <c>simulator</c>…</param>
/// <param name="Address">where it talks to (no credentials), or null for an in-process simulator</param>
/// <param name="Circuit">circuit breaker state now</param>
/// <param name="CircuitChangedAt">when the circuit last changed state (null: never)</param>
/// <param name="CircuitOpenedCount">times the circuit opened since start</param>
/// <param name="Calls">logical calls made (retries not counted)</param>
/// <param name="Attempts">calls plus retries (a call failed fast by an open circuit counts as one)</param>
/// <param name="Retries">attempts that were retries</param>
/// <param name="Failures">logical calls that failed after their retries (or fast, circuit open)</param>
/// <param name="LastError">last failure seen, short</param>
/// <param name="LastErrorAt">when</param>
public sealed record ConnectorHealthSnapshot(
    string Name,
    string Mode,
    string? Address,
    CircuitStatus Circuit,
    DateTimeOffset? CircuitChangedAt,
    long CircuitOpenedCount,
    long Calls,
    long Attempts,
    long Retries,
    long Failures,
    string? LastError,
    DateTimeOffset? LastErrorAt)
{
    public bool IsHealthy => Circuit is CircuitStatus.Closed or CircuitStatus.HalfOpen;
}
