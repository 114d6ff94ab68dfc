using CableHub.Pipelines.Ingest.Conversion;
using CableHub.Pipelines.Ingest.Writing;

namespace CableHub.Pipelines.Ingest.Tests;

public sealed class IngestBatchTests
{
    [Fact]
    public void Revoked_partitions_leave_the_batch_with_their_offsets_and_counts()
    {
        var batch = new IngestBatch();
        batch.Track("a", 0, 10);
        batch.Track("a", 0, 11);
        batch.Track("a", 1, 5);
        batch.AddTombstone();
        batch.AddDeadLetter(new DeadLetter(new MessageOrigin("a", 0, 11, null, null), "bad", DateTimeOffset.UtcNow, 42));
        batch.AddDeadLetter(new DeadLetter(new MessageOrigin("a", 1, 5, null, null), "bad", DateTimeOffset.UtcNow, 43));

        batch.RemovePartitions([("a", 0)]);

        batch.Count.ShouldBe(1);
        batch.LastOffsets.ShouldBe(new Dictionary<(string, int), long> { [("a", 1)] = 5 });
        batch.DeadLetters.Single().Origin.Partition.ShouldBe(1);
        batch.CommitCounts().ShouldBe([new CommitAcknowledgement(43, 1)]);

        batch.RemovePartitions([("a", 1)]);
        batch.Count.ShouldBe(0);
        batch.DeadLetters.ShouldBeEmpty();
    }

    [Fact]
    public void Commit_counts_follow_first_appearance()
    {
        var batch = new IngestBatch();
        foreach (var (partition, lsn) in new[] { (0, 7UL), (1, 9UL), (0, 7UL), (0, 8UL), (1, 9UL) })
        {
            batch.Track("t", partition, 0);
            batch.AddDeadLetter(new DeadLetter(new MessageOrigin("t", partition, 0, null, null), "r", DateTimeOffset.UtcNow, lsn));
        }

        batch.AddIgnored();
        batch.CommitCounts().ShouldBe([new CommitAcknowledgement(7, 2), new CommitAcknowledgement(9, 2), new CommitAcknowledgement(8, 1)]);
    }

    /// <summary>A truncate rewrites what earlier batches wrote: the ingester must not write that batch beside another.</summary>
    [Fact]
    public void A_truncate_makes_the_batch_wait_for_the_warehouse_state()
    {
        var batch = new IngestBatch();
        batch.Track("t", 0, 1);
        batch.AddDeadLetter(new DeadLetter(new MessageOrigin("t", 0, 1, null, null), "r", DateTimeOffset.UtcNow, 7));
        batch.NeedsWarehouseState.ShouldBeFalse();

        batch.Track("t", 0, 2);
        batch.AddTruncate(new PendingTruncate
        {
            SourceSchema = "hub",
            SourceTable = "x",
            Version = 5,
            SourceTimestamp = DateTimeOffset.UnixEpoch,
            Lsn = 5,
            Origin = new MessageOrigin("t", 0, 2, null, null),
            CommitLsn = 5,
        });
        batch.NeedsWarehouseState.ShouldBeTrue();

        batch.Clear();
        batch.NeedsWarehouseState.ShouldBeFalse();
    }
}
