namespace CableHub.Connectors.Common.Resilience;

/// <summary>
/// Timeouts, retries and circuit breaking of one adapter. Defaults suit a vendor API answering in
/// milliseconds; the host binds them from <c>&lt;Connector&gt;:Resilience:*</c>.
/// </summary>
public sealed class ConnectorResilienceOptions
{
    /// <summary>Longest wait for one attempt.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait for a call, retries included.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after the first attempt (transient failures only: 5xx, 408, 429, timeouts, connection errors).</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>First back-off; doubles per retry (with jitter). A <c>Retry-After</c> from the server wins.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public bool RetryJitter { get; set; } = true;

    /// <summary>Share of failed attempts within <see cref="SamplingDuration"/> that opens the circuit.</summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Attempts needed within <see cref="SamplingDuration"/> before the ratio counts.</summary>
    public int MinimumThroughput { get; set; } = 10;

    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit fails calls fast before letting a trial call through.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    public void Validate(string connector)
    {
        static void Require(bool ok, string connector, string what)
        {
            if (!ok)
            {
                throw new ArgumentException($"{connector}: resilience setting {what}");
            }
        }

        Require(AttemptTimeout >= TimeSpan.FromMilliseconds(10), connector, "AttemptTimeout must be at least 10 ms");
        Require(TotalTimeout >= AttemptTimeout, connector, "TotalTimeout must be at least AttemptTimeout");
        Require(MaxRetries is >= 0 and <= 20, connector, "MaxRetries must be 0–20");
        Require(FailureRatio is > 0 and <= 1, connector, "FailureRatio must be in (0, 1]");
        Require(MinimumThroughput >= 2, connector, "MinimumThroughput must be at least 2");
        Require(SamplingDuration >= TimeSpan.FromMilliseconds(500), connector, "SamplingDuration must be at least 500 ms");
        Require(BreakDuration >= TimeSpan.FromMilliseconds(500), connector, "BreakDuration must be at least 500 ms");
    }
}
