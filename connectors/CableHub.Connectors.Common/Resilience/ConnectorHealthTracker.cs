using CableHub.Core.Ports;

namespace CableHub.Connectors.Common.Resilience;

/// <summary>
/// Counts an adapter's calls, retries and failures and follows its circuit breaker (fed by the Polly
/// callbacks), so <c>/health</c> can show it. Thread-safe.
/// </summary>
public sealed class ConnectorHealthTracker(string name, string mode, string? address, TimeProvider? time = null) : IConnectorHealth
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private CircuitStatus _circuit = CircuitStatus.Closed;
    private DateTimeOffset? _circuitChangedAt;
    private long _opened;
    private long _calls;
    private long _retries;
    private long _failures;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;

    public string Name { get; } = name;

    public string Mode { get; } = mode;

    public string? Address { get; } = address;

    /// <summary>Raised after the circuit changed state (old, new).</summary>
    public event Action<CircuitStatus, CircuitStatus>? CircuitChanged;

    public CircuitStatus Circuit
    {
        get
        {
            lock (_gate)
            {
                return _circuit;
            }
        }
    }

    public void CallStarted() => Interlocked.Increment(ref _calls);

    public void RetryScheduled() => Interlocked.Increment(ref _retries);

    public void CallFailed(string error)
    {
        Interlocked.Increment(ref _failures);
        lock (_gate)
        {
            _lastError = error.Length > 300 ? error[..300] : error;
            _lastErrorAt = _time.GetUtcNow();
        }
    }

    public void SetCircuit(CircuitStatus status)
    {
        CircuitStatus old;
        lock (_gate)
        {
            old = _circuit;
            if (old == status)
            {
                return;
            }

            _circuit = status;
            _circuitChangedAt = _time.GetUtcNow();
            if (status == CircuitStatus.Open)
            {
                _opened++;
            }
        }

        CircuitChanged?.Invoke(old, status);
    }

    public ConnectorHealthSnapshot Snapshot()
    {
        lock (_gate)
        {
            var calls = Interlocked.Read(ref _calls);
            var retries = Interlocked.Read(ref _retries);
            return new ConnectorHealthSnapshot(Name, Mode, Address, _circuit, _circuitChangedAt, _opened, calls, calls + retries, retries,
                Interlocked.Read(ref _failures), _lastError, _lastErrorAt);
        }
    }
}
