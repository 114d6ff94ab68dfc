namespace CableHub.Pipelines.Cdc.Envelopes;

/// <summary>One row as PostgreSQL sent it: the text of each column, null, or "unchanged TOASTed value (not sent)".</summary>
internal sealed class RowImage(int columns)
{
    public string?[] Values { get; } = new string?[columns];

    public bool[] Unchanged { get; } = new bool[columns];

    public int Count => Values.Length;

    /// <summary>Takes unchanged TOASTed values from <paramref name="before"/> (complete with REPLICA IDENTITY FULL).</summary>
    public void FillUnchangedFrom(RowImage? before)
    {
        if (before is null || before.Count != Count)
        {
            return;
        }

        for (var i = 0; i < Count; i++)
        {
            if (Unchanged[i] && !before.Unchanged[i] && before.Values[i] is not null)
            {
                Values[i] = before.Values[i];
                Unchanged[i] = false;
            }
        }
    }

    /// <summary>True when both rows hold the same text in the given columns.</summary>
    public bool SameValues(RowImage other, int[] columns)
    {
        foreach (var i in columns)
        {
            if (!string.Equals(Values[i], other.Values[i], StringComparison.Ordinal) || Unchanged[i] != other.Unchanged[i])
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Where a change comes from: the log positions and the transaction.</summary>
/// <param name="CommitLsn">Commit LSN of the transaction (snapshot: the slot's consistent point).</param>
/// <param name="Lsn">LSN of the change itself (snapshot: the consistent point).</param>
/// <param name="TransactionId">The xid; null for snapshot reads.</param>
/// <param name="Timestamp">Commit time (snapshot: when the row was read).</param>
/// <param name="Snapshot">Debezium's <c>source.snapshot</c>: false, true, first, last.</param>
/// <param name="Ordinal">1-based position of the event inside its transaction (snapshot: inside the snapshot).</param>
/// <param name="TableOrdinal">1-based position among the transaction's events of the same table.</param>
internal readonly record struct ChangeSource(
    ulong CommitLsn,
    ulong Lsn,
    uint? TransactionId,
    DateTime Timestamp,
    string Snapshot,
    long Ordinal,
    long TableOrdinal);
