using System.Collections.Concurrent;
using CableHub.Connectors.Common.Simulation;

namespace CableHub.Connectors.Cas.Simulator;

/// <summary>
/// Faults and delays of the simulated CAS, changeable while it runs (tests, demos). Thread-safe.
/// </summary>
public sealed class CasFaultInjection
{
    private readonly ConcurrentDictionary<string, string> _rejectedDevices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _unavailableForDevice = new(StringComparer.Ordinal);
    private int _unavailable;
    private int _lostResponses;
    private long _latencyTicks;
    private long _responseDelayTicks;

    /// <summary>Seeded random errors, timeouts and lost answers (and the in-memory part of the down switch).</summary>
    public SimulatorFaults RandomFaults { get; } = new();

    /// <summary>
    /// true when the simulator sits behind its HTTP server, which then injects the random faults on the wire
    /// (real 5xx and hangs) instead of the simulator throwing them.
    /// </summary>
    public bool RandomFaultsOnTransport { get; set; }

    /// <summary>Delay before a command is processed.</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set => Interlocked.Exchange(ref _latencyTicks, NonNegative(value).Ticks);
    }

    /// <summary>Delay between a command taking effect and its answer.</summary>
    public TimeSpan ResponseDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _responseDelayTicks));
        set => Interlocked.Exchange(ref _responseDelayTicks, NonNegative(value).Ticks);
    }

    /// <summary>Every new command for this box is refused with <paramref name="reason"/> (a definitive answer, logged).</summary>
    public void RejectDevice(string casDeviceId, string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(casDeviceId);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        _rejectedDevices[casDeviceId] = reason;
    }

    public void StopRejecting(string casDeviceId) => _rejectedDevices.TryRemove(casDeviceId, out _);

    /// <summary>The next <paramref name="times"/> commands (any box) fail as unreachable before reaching the CAS.</summary>
    public void FailNext(int times)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(times);
        Interlocked.Exchange(ref _unavailable, times);
    }

    /// <summary>The next <paramref name="times"/> commands for this box fail as unreachable before reaching the CAS.</summary>
    public void FailNextFor(string casDeviceId, int times)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(casDeviceId);
        ArgumentOutOfRangeException.ThrowIfNegative(times);
        _unavailableForDevice[casDeviceId] = times;
    }

    /// <summary>
    /// The next <paramref name="times"/> commands take effect, but their answer is lost: the caller sees the
    /// CAS as unavailable and must retry with the same idempotency key.
    /// </summary>
    public void LoseNextResponses(int times)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(times);
        Interlocked.Exchange(ref _lostResponses, times);
    }

    /// <summary>No faults, no delays.</summary>
    public void Reset()
    {
        _rejectedDevices.Clear();
        _unavailableForDevice.Clear();
        Interlocked.Exchange(ref _unavailable, 0);
        Interlocked.Exchange(ref _lostResponses, 0);
        Latency = TimeSpan.Zero;
        ResponseDelay = TimeSpan.Zero;
        RandomFaults.Reset();
    }

    internal bool IsRejected(string casDeviceId, out string reason) => _rejectedDevices.TryGetValue(casDeviceId, out reason!);

    internal bool TakeUnavailable(string casDeviceId)
    {
        if (TakeOne(ref _unavailable))
        {
            return true;
        }

        while (_unavailableForDevice.TryGetValue(casDeviceId, out var left) && left > 0)
        {
            if (_unavailableForDevice.TryUpdate(casDeviceId, left - 1, left))
            {
                return true;
            }
        }

        return false;
    }

    internal bool TakeLostResponse() => TakeOne(ref _lostResponses);

    private static bool TakeOne(ref int counter)
    {
        while (true)
        {
            var left = Volatile.Read(ref counter);
            if (left <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref counter, left - 1, left) == left)
            {
                return true;
            }
        }
    }

    private static TimeSpan NonNegative(TimeSpan value) => value < TimeSpan.Zero ? TimeSpan.Zero : value;
}
