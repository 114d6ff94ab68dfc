using CableHub.Sagas.Onboarding;

namespace CableHub.Sagas.Messaging;

/// <summary>How the hub's messaging runs (WolverineFx, durable on PostgreSQL). The host binds it from configuration.</summary>
public sealed class MessagingOptions
{
    /// <summary>The hub's PostgreSQL database (the same one as schema <c>hub</c>: the outbox shares its transactions).</summary>
    public required string ConnectionString { get; init; }

    /// <summary>Schema of Wolverine's tables (inbox, outbox, scheduled messages, dead letters, saga state).</summary>
    public string Schema { get; init; } = "wolverine";

    /// <summary>Messages handled at once per local queue (the saga queue and the step queue each get this many).</summary>
    public int HandlerParallelism { get; init; } = 16;

    /// <summary>How often scheduled messages (saga timeouts, delayed retries) and recoverable messages are polled.</summary>
    public TimeSpan PollingInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Most messages one poll moves (scheduled messages that are due, messages recovered after a crash).</summary>
    public int PollingBatchSize { get; init; } = 500;

    /// <summary>
    /// True when one hub process handles messages (Wolverine's Solo mode: at start it takes over every message
    /// a previous, killed process left behind, without waiting for leader election). False for several nodes.
    /// </summary>
    public bool SingleNode { get; init; } = true;

    /// <summary>Waits between the retries of a transient failure (CAS unavailable, database blip); then the dead-letter queue.</summary>
    public IReadOnlyList<TimeSpan> RetryDelays { get; init; } =
        [TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(800), TimeSpan.FromMilliseconds(1600), TimeSpan.FromMilliseconds(3200)];

    public OnboardingOptions Onboarding { get; init; } = new();

    public Lifecycle.LifecycleOptions Lifecycle { get; init; } = new();

    /// <summary>The dunning policy and its clock.</summary>
    public Dunning.DunningOptions Dunning { get; init; } = new();

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("Messaging:ConnectionString is required", nameof(ConnectionString));
        }

        if (string.IsNullOrWhiteSpace(Schema) || Schema.Contains('.', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Messaging:Schema must be one identifier, got '{Schema}'", nameof(Schema));
        }

        if (HandlerParallelism < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(HandlerParallelism), HandlerParallelism, "Messaging:HandlerParallelism must be at least 1");
        }

        if (PollingInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(PollingInterval), PollingInterval, "Messaging:PollingInterval must be positive");
        }

        if (PollingBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(PollingBatchSize), PollingBatchSize, "Messaging:PollingBatchSize must be at least 1");
        }

        if (RetryDelays.Count == 0 || RetryDelays.Any(d => d <= TimeSpan.Zero))
        {
            throw new ArgumentException("Messaging:RetryDelays needs at least one positive delay", nameof(RetryDelays));
        }

        Onboarding.Validate();
        Lifecycle.Validate();
        Dunning.Validate();
    }
}
