namespace CableHub.Ml.Training;

/// <summary>
/// Seeded, stratified splits: the same labels and seed give the same rows on every machine and run
/// (<see cref="Random(int)"/> with a seed is a fixed algorithm), and each part keeps the positive rate.
/// </summary>
public static class StratifiedSplit
{
    /// <summary>Row indices of a train/test split: <paramref name="testFraction"/> of each class goes to test.</summary>
    public static (int[] Train, int[] Test) TrainTest(IReadOnlyList<bool> labels, double testFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (testFraction is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "must be between 0 and 1");
        }

        var random = new Random(seed);
        var train = new List<int>();
        var test = new List<int>();
        foreach (var cls in new[] { true, false })
        {
            var rows = Shuffled(labels, cls, random);
            var take = (int)Math.Round(rows.Length * testFraction, MidpointRounding.AwayFromZero);
            test.AddRange(rows.Take(take));
            train.AddRange(rows.Skip(take));
        }

        train.Sort();
        test.Sort();
        return ([.. train], [.. test]);
    }

    /// <summary>Fold number (0…k-1) for each position of <paramref name="labels"/>, stratified and seeded.</summary>
    public static int[] Folds(IReadOnlyList<bool> labels, int folds, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        var random = new Random(seed);
        var result = new int[labels.Count];
        var next = 0;
        foreach (var cls in new[] { true, false })
        {
            // Continue the round-robin across classes so fold sizes differ by at most one overall.
            foreach (var row in Shuffled(labels, cls, random))
            {
                result[row] = next;
                next = (next + 1) % folds;
            }
        }

        return result;
    }

    /// <summary>A stratified sample of at most <paramref name="size"/> positions (all of them when there are fewer).</summary>
    public static int[] Sample(IReadOnlyList<bool> labels, int size, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count <= size)
        {
            return [.. Enumerable.Range(0, labels.Count)];
        }

        var (_, sample) = TrainTest(labels, (double)size / labels.Count, seed);
        return sample;
    }

    private static int[] Shuffled(IReadOnlyList<bool> labels, bool cls, Random random)
    {
        var rows = Enumerable.Range(0, labels.Count).Where(i => labels[i] == cls).ToArray();
        random.Shuffle(rows);
        return rows;
    }
}
