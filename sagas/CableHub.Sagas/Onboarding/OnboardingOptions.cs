namespace CableHub.Sagas.Onboarding;

/// <summary>Timing of the onboarding saga.</summary>
public sealed class OnboardingOptions
{
    /// <summary>
    /// How long one step (reservation, CAS activation, completion, compensation) may take before the saga
    /// compensates. Read when a step starts; a change applies to steps started afterwards.
    /// </summary>
    public TimeSpan StepTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long one call to the CAS may take before it counts as unavailable (and is retried).</summary>
    public TimeSpan CasCallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Added to <see cref="CasCallTimeout"/> for the lease of a CAS call in <c>sagas.cas_call</c>: after the lease a call
    /// whose outcome was never recorded (its process died) counts as over, and other steps for the box go ahead.
    /// </summary>
    public TimeSpan CasLeaseMargin { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Most activations sent to the CAS in one batch (<see cref="CasActivationBatcher"/>); 1 sends each on its own.</summary>
    public int CasBatchSize { get; init; } = 64;

    /// <summary>How long the first activation of a batch waits for others to join it.</summary>
    public TimeSpan CasBatchWindow { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>How often a step that waits for another step's CAS call to the same box looks again.</summary>
    public TimeSpan CasInFlightRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// When an activation whose CAS could not be reached runs again (a CAS outage is waited out; then the dead-letter queue). Their
    /// sum must stay below <see cref="StepTimeout"/> (at most 25 delays).
    /// </summary>
    public IReadOnlyList<TimeSpan> CasOutageRetries { get; init; } =
    [
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15),
        TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60),
        TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60),
        TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60),
    ];

    /// <summary>Compensation attempts (each bounded by <see cref="StepTimeout"/>) before the box is left reserved for an operator.</summary>
    public int MaxCompensationAttempts { get; init; } = 3;

    public void Validate()
    {
        if (StepTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(StepTimeout), StepTimeout, "Onboarding:StepTimeout must be positive");
        }

        if (CasCallTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CasCallTimeout), CasCallTimeout, "Onboarding:CasCallTimeout must be positive");
        }

        var outage = CasOutageRetries.Aggregate(TimeSpan.Zero, (a, b) => a + b);
        if (CasOutageRetries.Count is 0 or > 25 || StepTimeout <= outage)
        {
            throw new ArgumentException($"Onboarding:CasOutageRetries needs 1 to 25 delays whose sum ({outage}) stays below Onboarding:StepTimeout ({StepTimeout})");
        }

        if (CasBatchSize < 1 || CasBatchWindow < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CasBatchSize), CasBatchSize, "Onboarding:CasBatchSize must be at least 1 and Onboarding:CasBatchWindow not negative");
        }

        if (MaxCompensationAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxCompensationAttempts), MaxCompensationAttempts, "Onboarding:MaxCompensationAttempts must be at least 1");
        }
    }
}
