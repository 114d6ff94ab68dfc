namespace CableHub.Ml.Data;

/// <summary>The label column and which of its values counts as positive (churned).</summary>
public sealed record LabelSpec(string Column, string PositiveValue)
{
    /// <summary>Whether a cell is the positive value (trimmed, case-insensitive, trailing dot ignored).</summary>
    public bool IsPositive(string value) => ColumnInference.Normalise(value) == ColumnInference.Normalise(PositiveValue);

    /// <summary>
    /// Finds the label column and its positive value. With <paramref name="positive"/> given it must occur; without,
    /// the column must have exactly two values: the true member of a yes/no pair (Yes, True, Y, 1…) or the larger
    /// number is positive. Anything else is an error that names the values found.
    /// </summary>
    public static LabelSpec Resolve(RawTable table, string column, string? positive)
    {
        ArgumentNullException.ThrowIfNull(table);
        var index = table.IndexOf(column);
        if (index < 0)
        {
            throw new InvalidDataException($"{table.Source}: no column '{column}' (columns: {string.Join(", ", table.Columns)})");
        }

        var name = table.Columns[index];
        var counts = table.Rows.Select(r => r[index]).Where(v => !ColumnInference.IsBlank(v))
            .GroupBy(ColumnInference.Normalise).Select(g => (Value: g.First().Trim(), Count: g.Count())).OrderByDescending(g => g.Count).ToList();
        if (positive is not null)
        {
            var match = counts.FirstOrDefault(c => ColumnInference.Normalise(c.Value) == ColumnInference.Normalise(positive));
            if (match.Value is null)
            {
                throw new InvalidDataException($"{table.Source}: label column '{name}' has no value '{positive}' (values: {Describe(counts)})");
            }

            if (counts.Count < 2)
            {
                throw new InvalidDataException($"{table.Source}: label column '{name}' has only the value '{match.Value}': nothing to learn");
            }

            return new LabelSpec(name, match.Value);
        }

        if (counts.Count != 2)
        {
            throw new InvalidDataException($"{table.Source}: label column '{name}' has {counts.Count} distinct value(s) ({Describe(counts)}); name the positive one with --positive");
        }

        var (a, b) = (counts[0].Value, counts[1].Value);
        var boolA = ColumnInference.ParseBoolean(a);
        var boolB = ColumnInference.ParseBoolean(b);
        if (boolA is not null && boolB is not null && boolA != boolB)
        {
            return new LabelSpec(name, boolA == 1 ? a : b);
        }

        if (ColumnInference.TryParseNumber(a, out var na) && ColumnInference.TryParseNumber(b, out var nb))
        {
            return new LabelSpec(name, na > nb ? a : b);
        }

        throw new InvalidDataException($"{table.Source}: label column '{name}' has values {Describe(counts)}; name the positive one with --positive");
    }

    private static string Describe(List<(string Value, int Count)> counts) =>
        string.Join(", ", counts.Take(8).Select(c => $"'{c.Value}' ×{c.Count}")) + (counts.Count > 8 ? ", …" : "");
}
