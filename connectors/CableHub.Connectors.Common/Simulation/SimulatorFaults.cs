namespace CableHub.Connectors.Common.Simulation;

/// <summary>Rates and delays of a simulated vendor system; every random draw comes from one seeded generator.</summary>
public sealed record SimulatorFaultSettings
{
    /// <summary>Seed of the fault generator: the same seed and the same call order give the same faults.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Fixed delay before a request is handled.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Extra delay drawn uniformly from [0, jitter).</summary>
    public TimeSpan LatencyJitter { get; init; }

    /// <summary>Share of requests answered 500/502/503 without any effect.</summary>
    public double ErrorRate { get; init; }

    /// <summary>Share of requests that hang for <see cref="HangFor"/> without any effect (the caller times out).</summary>
    public double TimeoutRate { get; init; }

    /// <summary>Share of requests that take effect but whose answer hangs for <see cref="HangFor"/> (then 504).</summary>
    public double LostResponseRate { get; init; }

    /// <summary>How long a "timeout" hangs before giving up.</summary>
    public TimeSpan HangFor { get; init; } = TimeSpan.FromSeconds(30);

    public void Validate()
    {
        foreach (var (name, rate) in new[] { ("ErrorRate", ErrorRate), ("TimeoutRate", TimeoutRate), ("LostResponseRate", LostResponseRate) })
        {
            if (rate is < 0 or > 1)
            {
                throw new ArgumentException($"simulator fault setting {name} must be between 0 and 1 (was {rate})");
            }
        }

        if (ErrorRate + TimeoutRate + LostResponseRate > 1)
        {
            throw new ArgumentException("simulator fault rates add up to more than 1");
        }

        if (Latency < TimeSpan.Zero || LatencyJitter < TimeSpan.Zero || HangFor < TimeSpan.Zero)
        {
            throw new ArgumentException("simulator delays cannot be negative");
        }
    }
}

/// <summary>What the simulator does with one request.</summary>
public enum FaultKind
{
    None,
    Error,
    Timeout,
    LostResponse,
}

public readonly record struct FaultDecision(FaultKind Kind, TimeSpan Latency, int ErrorStatus);

/// <summary>
/// Fault injection of a simulated vendor system, changeable while it runs (tests, the <c>/admin</c>
/// endpoints): seeded random errors, timeouts and lost answers, latency, a queue of forced faults, and a
/// "down" switch with an end time. Thread-safe.
/// </summary>
public sealed class SimulatorFaults : ISimulatorDownSwitch
{
    private static readonly int[] ErrorStatuses = [500, 502, 503];
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly Queue<FaultKind> _forced = new();
    private SimulatorFaultSettings _settings;
    private Random _random;
    private DateTimeOffset? _downUntil;
    private string? _downReason;

    public SimulatorFaults(SimulatorFaultSettings? settings = null, TimeProvider? time = null)
    {
        _settings = settings ?? new SimulatorFaultSettings();
        _settings.Validate();
        _random = new Random(_settings.Seed);
        _time = time ?? TimeProvider.System;
    }

    public SimulatorFaultSettings Settings
    {
        get
        {
            lock (_gate)
            {
                return _settings;
            }
        }
    }

    /// <summary>Replaces the rates and delays and re-seeds the generator.</summary>
    public void Configure(SimulatorFaultSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        lock (_gate)
        {
            _settings = settings;
            _random = new Random(settings.Seed);
        }
    }

    /// <summary>The system is down (every request 503) until <paramref name="duration"/> from now; null = until <see cref="Up"/>.</summary>
    public void Down(TimeSpan? duration = null, string? reason = null)
    {
        lock (_gate)
        {
            _downUntil = duration is { } d ? _time.GetUtcNow() + d : DateTimeOffset.MaxValue;
            _downReason = reason ?? "maintenance";
        }
    }

    public void Up()
    {
        lock (_gate)
        {
            _downUntil = null;
            _downReason = null;
        }
    }

    /// <summary>When the current outage ends (null: up).</summary>
    public DateTimeOffset? DownUntil
    {
        get
        {
            lock (_gate)
            {
                return _downUntil is { } until && until > _time.GetUtcNow() ? until : null;
            }
        }
    }

    public string? DownReason
    {
        get
        {
            lock (_gate)
            {
                return _downReason;
            }
        }
    }

    ValueTask<DateTimeOffset?> ISimulatorDownSwitch.DownUntilAsync(CancellationToken ct) => ValueTask.FromResult(DownUntil);

    Task ISimulatorDownSwitch.DownAsync(TimeSpan? duration, string? reason, CancellationToken ct)
    {
        Down(duration, reason);
        return Task.CompletedTask;
    }

    Task ISimulatorDownSwitch.UpAsync(CancellationToken ct)
    {
        Up();
        return Task.CompletedTask;
    }

    /// <summary>The next <paramref name="times"/> requests get <paramref name="kind"/> (before any random draw).</summary>
    public void ForceNext(FaultKind kind, int times = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(times);
        lock (_gate)
        {
            for (var i = 0; i < times; i++)
            {
                _forced.Enqueue(kind);
            }
        }
    }

    /// <summary>No faults, no delays, up, same seed.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _settings = new SimulatorFaultSettings { Seed = _settings.Seed };
            _random = new Random(_settings.Seed);
            _forced.Clear();
            _downUntil = null;
            _downReason = null;
        }
    }

    /// <summary>Draws what happens to the next request.</summary>
    public FaultDecision Next()
    {
        lock (_gate)
        {
            var latency = _settings.Latency;
            if (_settings.LatencyJitter > TimeSpan.Zero)
            {
                latency += TimeSpan.FromTicks((long)(_random.NextDouble() * _settings.LatencyJitter.Ticks));
            }

            if (_forced.TryDequeue(out var forced))
            {
                return new FaultDecision(forced, latency, 503);
            }

            var roll = _random.NextDouble();
            var kind = roll < _settings.ErrorRate ? FaultKind.Error
                : roll < _settings.ErrorRate + _settings.TimeoutRate ? FaultKind.Timeout
                : roll < _settings.ErrorRate + _settings.TimeoutRate + _settings.LostResponseRate ? FaultKind.LostResponse
                : FaultKind.None;
            return new FaultDecision(kind, latency, ErrorStatuses[_random.Next(ErrorStatuses.Length)]);
        }
    }
}
