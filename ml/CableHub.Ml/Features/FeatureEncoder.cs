using System.Globalization;
using System.Text.Json.Serialization;
using CableHub.Ml.Data;

namespace CableHub.Ml.Features;

/// <summary>How one input column becomes feature slots (fitted on training rows only; stored with the model).</summary>
public sealed record EncodedColumn
{
    public required string Name { get; init; }

    [JsonConverter(typeof(JsonStringEnumConverter<ColumnKind>))]
    public required ColumnKind Kind { get; init; }

    public required int FirstSlot { get; init; }

    public required int SlotCount { get; init; }

    /// <summary>Numbers and booleans: the training mean that stands in for a missing value.</summary>
    public double Fill { get; init; }

    /// <summary>Whether a 0/1 "missing" slot follows the value (the column had blanks in training).</summary>
    public bool MissingIndicator { get; init; }

    /// <summary>Categorical: the levels with a slot each, in slot order; every other value goes to "(other)".</summary>
    public IReadOnlyList<string> Levels { get; init; } = [];

    /// <summary>The typical raw value (median number, most frequent level): what "reasons" compare a row with.</summary>
    public string Baseline { get; init; } = "";

    /// <summary>Numbers: the range seen in training (for the schema and input checks).</summary>
    public double Min { get; init; }

    public double Max { get; init; }
}

/// <summary>What encoding met: unparsable numbers per column (scoring refuses them) and categorical values without a level of their own (rare or unseen in training, encoded as "(other)").</summary>
public sealed record EncodingIssues(IReadOnlyDictionary<string, int> Unparsable, IReadOnlyDictionary<string, int> OtherLevels)
{
    public bool Any => Unparsable.Count > 0 || OtherLevels.Count > 0;
}

/// <summary>
/// Turns raw text columns into one dense float vector per row: numbers as they are (missing → training mean, plus a
/// missing indicator when training saw blanks), yes/no as 1/0, categories one-hot over their frequent levels plus an
/// "(other)" slot. Generic on purpose: it knows column kinds, never column names.
/// </summary>
public sealed class FeatureEncoder
{
    public const string OtherLevel = "(other)";
    public const string BlankLevel = "(blank)";
    public const int MaxLevels = 40;

    [JsonConstructor]
    public FeatureEncoder(IReadOnlyList<EncodedColumn> columns)
    {
        Columns = columns;
        SlotCount = columns.Count == 0 ? 0 : columns.Max(c => c.FirstSlot + c.SlotCount);
        SlotNames = BuildSlotNames(columns, SlotCount);
    }

    public IReadOnlyList<EncodedColumn> Columns { get; }

    [JsonIgnore]
    public int SlotCount { get; }

    [JsonIgnore]
    public IReadOnlyList<string> SlotNames { get; }

    /// <summary>Fits the encoding on the given rows of <paramref name="table"/> for the feature columns of <paramref name="profiles"/>.</summary>
    public static FeatureEncoder Fit(RawTable table, IEnumerable<ColumnProfile> profiles, IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(profiles);
        ArgumentNullException.ThrowIfNull(rows);
        var columns = new List<EncodedColumn>();
        var slot = 0;
        foreach (var profile in profiles.Where(p => p.IsFeature))
        {
            var index = table.IndexOf(profile.Name);
            var values = rows.Select(r => table.Rows[r][index]).ToList();
            var column = profile.Kind switch
            {
                ColumnKind.Categorical => FitCategorical(profile.Name, values, slot),
                _ => FitNumber(profile.Name, profile.Kind, values, slot),
            };
            columns.Add(column);
            slot += column.SlotCount;
        }

        return new FeatureEncoder(columns);
    }

    /// <summary>Encodes every row of <paramref name="table"/>; the columns the encoder needs must be present (by name).</summary>
    public float[][] Transform(RawTable table, out EncodingIssues issues)
    {
        ArgumentNullException.ThrowIfNull(table);
        var indices = Columns.Select(c => table.IndexOf(c.Name)).ToArray();
        var missing = Columns.Where((c, i) => indices[i] < 0).Select(c => c.Name).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"{table.Source}: the model needs column(s) {string.Join(", ", missing.Select(m => $"'{m}'"))}, which the input lacks");
        }

        var unparsable = new Dictionary<string, int>(StringComparer.Ordinal);
        var unknown = new Dictionary<string, int>(StringComparer.Ordinal);
        var lookups = Columns.Select(c => c.Levels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal)).ToArray();
        var result = new float[table.RowCount][];
        for (var r = 0; r < table.RowCount; r++)
        {
            var row = table.Rows[r];
            var vector = new float[SlotCount];
            for (var c = 0; c < Columns.Count; c++)
            {
                var column = Columns[c];
                var raw = row[indices[c]];
                if (column.Kind == ColumnKind.Categorical)
                {
                    var level = LevelOf(raw);
                    if (lookups[c].TryGetValue(level, out var li))
                    {
                        vector[column.FirstSlot + li] = 1;
                    }
                    else
                    {
                        vector[column.FirstSlot + column.Levels.Count] = 1;
                        if (!ColumnInference.IsBlank(raw))
                        {
                            unknown[column.Name] = unknown.GetValueOrDefault(column.Name) + 1;
                        }
                    }

                    continue;
                }

                var value = ParseValue(column.Kind, raw);
                if (value is null && !ColumnInference.IsBlank(raw))
                {
                    unparsable[column.Name] = unparsable.GetValueOrDefault(column.Name) + 1;
                }

                vector[column.FirstSlot] = (float)(value ?? column.Fill);
                if (column.MissingIndicator)
                {
                    vector[column.FirstSlot + 1] = value is null ? 1 : 0;
                }
            }

            result[r] = vector;
        }

        issues = new EncodingIssues(unparsable, unknown);
        return result;
    }

    /// <summary>The slots that belong to each column (for permutation importance and reasons).</summary>
    public IReadOnlyList<(EncodedColumn Column, int First, int Count)> Groups() => [.. Columns.Select(c => (c, c.FirstSlot, c.SlotCount))];

    /// <summary>The encoded baseline (typical) value of a column's slots.</summary>
    public float[] BaselineSlots(EncodedColumn column)
    {
        ArgumentNullException.ThrowIfNull(column);
        var table = new RawTable([column.Name], [[column.Baseline]], "baseline");
        var single = new FeatureEncoder([column with { FirstSlot = 0 }]);
        return single.Transform(table, out _)[0];
    }

    internal static double? ParseValue(ColumnKind kind, string raw)
    {
        if (kind == ColumnKind.Boolean)
        {
            var b = ColumnInference.ParseBoolean(raw);
            if (b is not null)
            {
                return b;
            }
        }

        return ColumnInference.TryParseNumber(raw, out var number) ? number : null;
    }

    internal static string LevelOf(string raw) => ColumnInference.IsBlank(raw) ? BlankLevel : raw.Trim();

    private static EncodedColumn FitNumber(string name, ColumnKind kind, List<string> values, int slot)
    {
        var numbers = new List<double>(values.Count);
        var missing = 0;
        foreach (var raw in values)
        {
            var value = ParseValue(kind, raw);
            if (value is null)
            {
                missing++;
            }
            else
            {
                numbers.Add(value.Value);
            }
        }

        numbers.Sort();
        var mean = numbers.Count == 0 ? 0 : numbers.Average();
        var median = numbers.Count == 0 ? 0 : numbers[numbers.Count / 2];
        string baseline;
        if (kind == ColumnKind.Boolean)
        {
            // The most frequent raw token of the majority value, so a reason reads "Contract=No" rather than "0".
            var majority = median;
            baseline = values.Where(v => ParseValue(kind, v) == majority).GroupBy(v => v.Trim()).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault() ?? "";
        }
        else
        {
            baseline = median.ToString("R", CultureInfo.InvariantCulture);
        }

        return new EncodedColumn
        {
            Name = name,
            Kind = kind,
            FirstSlot = slot,
            SlotCount = missing > 0 ? 2 : 1,
            Fill = mean,
            MissingIndicator = missing > 0,
            Baseline = baseline,
            Min = numbers.Count == 0 ? 0 : numbers[0],
            Max = numbers.Count == 0 ? 0 : numbers[^1],
        };
    }

    private static EncodedColumn FitCategorical(string name, List<string> values, int slot)
    {
        var minimum = Math.Max(5, (int)Math.Ceiling(0.002 * values.Count));
        var counts = values.GroupBy(LevelOf, StringComparer.Ordinal).Select(g => (Level: g.Key, Count: g.Count()))
            .OrderByDescending(g => g.Count).ThenBy(g => g.Level, StringComparer.Ordinal).ToList();
        var levels = counts.Where(c => c.Count >= minimum).Take(MaxLevels).Select(c => c.Level).ToList();
        return new EncodedColumn
        {
            Name = name,
            Kind = ColumnKind.Categorical,
            FirstSlot = slot,
            SlotCount = levels.Count + 1,
            Levels = levels,
            Baseline = counts.Count == 0 ? "" : counts[0].Level == BlankLevel ? "" : counts[0].Level,
        };
    }

    private static string[] BuildSlotNames(IReadOnlyList<EncodedColumn> columns, int count)
    {
        var names = new string[count];
        foreach (var c in columns)
        {
            if (c.Kind == ColumnKind.Categorical)
            {
                for (var i = 0; i < c.Levels.Count; i++)
                {
                    names[c.FirstSlot + i] = $"{c.Name}={c.Levels[i]}";
                }

                names[c.FirstSlot + c.Levels.Count] = $"{c.Name}={OtherLevel}";
            }
            else
            {
                names[c.FirstSlot] = c.Name;
                if (c.MissingIndicator)
                {
                    names[c.FirstSlot + 1] = $"{c.Name} missing";
                }
            }
        }

        return names;
    }
}
