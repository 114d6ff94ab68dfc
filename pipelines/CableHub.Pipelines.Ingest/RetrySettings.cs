namespace CableHub.Pipelines.Ingest;

/// <summary>Back-off for transient ClickHouse and Kafka failures.</summary>
public sealed record RetrySettings
{
    /// <summary>Attempts after the first; the default retries until the ingester is stopped (offsets stay uncommitted meanwhile).</summary>
    public int MaxRetryAttempts { get; init; } = int.MaxValue;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);
}
