namespace CableHub.Sagas.Lifecycle;

/// <summary>Timing of the lifecycle sagas (the host binds it; tests shorten it).</summary>
public sealed class LifecycleOptions
{
    /// <summary>
    /// Longest a step may take before the saga compensates. It must outlast <see cref="CasOutageRetries"/> (a CAS outage is waited
    /// out: the change completes when the CAS is back, inside this bound).
    /// </summary>
    public TimeSpan StepTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Bound on one CAS command (the adapter's own retries included).</summary>
    public TimeSpan CasCallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a change may hold its subscription's lease (a crashed process's lease runs out).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>When a step whose CAS could not be reached runs again (then the dead-letter queue, and the step timeout compensates).</summary>
    public IReadOnlyList<TimeSpan> CasOutageRetries { get; set; } =
    [
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15),
        TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60),
        TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60),
        TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60),
    ];

    /// <summary>Compensation attempts before the saga gives up (the order is failed; an operator follows up from the log and dead letters).</summary>
    public int MaxCompensationAttempts { get; set; } = 3;

    /// <summary>Local dates of the prorations billing records (the host's <c>ReportingTimeZone</c>, as billing's own dates).</summary>
    public TimeZoneInfo ReportingTimeZone { get; set; } = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");

    /// <summary>On-screen text shown when a service is suspended.</summary>
    public string SuspensionMessage { get; set; } = "Your service is on hold. Call customer care to restore it.";

    public void Validate()
    {
        var outage = CasOutageRetries.Aggregate(TimeSpan.Zero, (a, b) => a + b);
        if (StepTimeout <= outage)
        {
            throw new ArgumentException($"Lifecycle:StepTimeout ({StepTimeout}) must outlast the CAS outage retries ({outage})");
        }

        if (CasCallTimeout <= TimeSpan.Zero || LeaseDuration <= CasCallTimeout)
        {
            throw new ArgumentException("Lifecycle:LeaseDuration must be longer than Lifecycle:CasCallTimeout, both positive");
        }

        if (CasOutageRetries.Count is 0 or > 25)
        {
            throw new ArgumentException("Lifecycle:CasOutageRetries needs 1 to 25 delays");
        }
    }
}
