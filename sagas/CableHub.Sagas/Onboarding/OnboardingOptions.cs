namespace CableHub.Sagas.Onboarding;

/// <summary>Timing of the onboarding saga.</summary>
public sealed class OnboardingOptions
{
    /// <summary>
    /// How long one step (reservation, CAS activation, completion, compensation) may take before the saga
    /// compensates. Read when a step starts; a change applies to steps started afterwards.
    /// </summary>
    public TimeSpan StepTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long one call to the CAS may take before it counts as unavailable (and is retried).</summary>
    public TimeSpan CasCallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Added to <see cref="CasCallTimeout"/> for the lease of a CAS call in <c>sagas.cas_call</c>: after the lease a call
    /// whose outcome was never recorded (its process died) counts as over, and other steps for the box go ahead.
    /// </summary>
    public TimeSpan CasLeaseMargin { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a step that waits for another step's CAS call to the same box looks again.</summary>
    public TimeSpan CasInFlightRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

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

        if (MaxCompensationAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxCompensationAttempts), MaxCompensationAttempts, "Onboarding:MaxCompensationAttempts must be at least 1");
        }
    }
}
