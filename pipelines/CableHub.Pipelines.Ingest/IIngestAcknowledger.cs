namespace CableHub.Pipelines.Ingest;

/// <summary>
/// Told after every batch that is durably in ClickHouse (rows inserted, truncates applied, dead letters stored) and whose
/// Kafka offsets were committed. The host connects it to the CDC reader's gate so the replication slot only advances
/// past what the warehouse has (the embedded broker keeps messages in memory only).
/// </summary>
public interface IIngestAcknowledger
{
    ValueTask AcknowledgeAsync(IngestedBatch batch, CancellationToken cancellationToken);
}

/// <summary>How many events of a batch carried a commit LSN (<c>source.sequence[0]</c>, else <c>source.lsn</c>).</summary>
public readonly record struct CommitAcknowledgement(ulong CommitLsn, int Events);

/// <summary>The next offset to read of one partition, as committed.</summary>
public readonly record struct PartitionOffset(string Topic, int Partition, long NextOffset);

/// <summary>What one flushed batch contained.</summary>
/// <param name="Commits">Per commit LSN, the change events (c, u, d, r, t) of this batch carrying it — written rows, truncates and
/// dead-lettered events whose LSN could be read — in order of first appearance. Tombstones, <c>m</c> messages, transaction markers
/// and unparseable messages are not counted (the CDC reader's gate counts c/u/d/r/t only).</param>
/// <param name="Events">All messages of the batch.</param>
public sealed record IngestedBatch(
    IReadOnlyList<CommitAcknowledgement> Commits,
    int Events,
    int Rows,
    int Truncates,
    int DeadLetters,
    int Tombstones,
    int Ignored,
    IReadOnlyList<PartitionOffset> CommittedOffsets);

/// <summary>Adapters for the acknowledgement hook.</summary>
public static class IngestAcknowledger
{
    /// <summary>Calls <paramref name="acknowledge"/>(commitLsn, events) per commit LSN of each batch — the shape of the CDC gate's <c>Acknowledge(ulong, int)</c>.</summary>
    public static IIngestAcknowledger PerCommit(Action<ulong, int> acknowledge)
    {
        ArgumentNullException.ThrowIfNull(acknowledge);
        return new DelegateAcknowledger((batch, _) =>
        {
            foreach (var commit in batch.Commits)
            {
                acknowledge(commit.CommitLsn, commit.Events);
            }

            return ValueTask.CompletedTask;
        });
    }

    public static IIngestAcknowledger FromDelegate(Func<IngestedBatch, CancellationToken, ValueTask> acknowledge)
    {
        ArgumentNullException.ThrowIfNull(acknowledge);
        return new DelegateAcknowledger(acknowledge);
    }

    private sealed class DelegateAcknowledger(Func<IngestedBatch, CancellationToken, ValueTask> acknowledge) : IIngestAcknowledger
    {
        public ValueTask AcknowledgeAsync(IngestedBatch batch, CancellationToken cancellationToken) => acknowledge(batch, cancellationToken);
    }
}
