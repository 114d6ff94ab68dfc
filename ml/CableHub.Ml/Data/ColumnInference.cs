using System.Globalization;

namespace CableHub.Ml.Data;

/// <summary>What a column is to the model.</summary>
public enum ColumnKind
{
    /// <summary>Numbers (blanks become missing values with an indicator).</summary>
    Numeric,

    /// <summary>Two values such as Yes/No, True/False, Y/N: encoded 1/0.</summary>
    Boolean,

    /// <summary>Strings from a limited set: one-hot over the frequent levels plus "other".</summary>
    Categorical,

    /// <summary>An identifier (nearly every value distinct, or named with --id): dropped.</summary>
    Id,

    /// <summary>At most one distinct value: dropped.</summary>
    Constant,
}

/// <summary>What inference found about one column, with the reason it is used or dropped.</summary>
public sealed record ColumnProfile(string Name, ColumnKind Kind, int Blanks, int Distinct, string Reason)
{
    public bool IsFeature => Kind is ColumnKind.Numeric or ColumnKind.Boolean or ColumnKind.Categorical;
}

/// <summary>
/// Infers each column's kind from its values alone — never from its name — so the same rules serve any churn table:
/// numbers (a few unparsable cells tolerated as missing), two-valued yes/no columns, categorical strings, identifiers
/// (unique strings or unique integers) and constants.
/// </summary>
public static class ColumnInference
{
    /// <summary>Share of non-blank cells that must parse as numbers for a numeric column.</summary>
    public const double NumericShare = 0.98;

    /// <summary>Share of distinct values among non-blank cells above which a string column is an identifier.</summary>
    public const double IdDistinctShare = 0.9;

    /// <summary>Fewest non-blank cells before a column may be judged an identifier.</summary>
    public const int IdMinimumRows = 20;

    private static readonly HashSet<string> BlankTokens = new(StringComparer.OrdinalIgnoreCase) { "", "na", "n/a", "nan", "null", "none", "?", "#n/a", "nil" };

    private static readonly (string True, string False)[] BooleanPairs =
    [
        ("yes", "no"), ("true", "false"), ("y", "n"), ("t", "f"), ("on", "off"),
    ];

    /// <summary>Blank cells: empty, whitespace or a usual missing-value marker (NA, N/A, NaN, null, ?).</summary>
    public static bool IsBlank(string? value) => value is null || BlankTokens.Contains(value.Trim());

    /// <summary>Parses a number written with the invariant culture; blanks and text are not numbers.</summary>
    public static bool TryParseNumber(string? value, out double number)
    {
        number = double.NaN;
        if (IsBlank(value))
        {
            return false;
        }

        return double.TryParse(value!.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out number) && double.IsFinite(number);
    }

    /// <summary>1 / 0 for the true / false member of a known pair (case-insensitive, trailing dot ignored); else null.</summary>
    public static double? ParseBoolean(string? value)
    {
        if (IsBlank(value))
        {
            return null;
        }

        var token = Normalise(value!);
        foreach (var (t, f) in BooleanPairs)
        {
            if (token == t)
            {
                return 1;
            }

            if (token == f)
            {
                return 0;
            }
        }

        return null;
    }

    /// <summary>Whether the token is the "true" member of a known pair (yes, true, y, t, on) or the number 1.</summary>
    public static bool IsTruthy(string value) => ParseBoolean(value) == 1 || (TryParseNumber(value, out var n) && n == 1);

    internal static string Normalise(string value) => value.Trim().TrimEnd('.').ToLowerInvariant();

    /// <summary>Profiles every column except <paramref name="exclude"/> (e.g. the label).</summary>
    /// <param name="idColumns">columns named as identifiers by the user (dropped whatever their values).</param>
    public static IReadOnlyList<ColumnProfile> Infer(RawTable table, IEnumerable<string>? exclude = null, IEnumerable<string>? idColumns = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        var excluded = new HashSet<string>(exclude ?? [], StringComparer.Ordinal);
        var ids = new HashSet<string>(idColumns ?? [], StringComparer.OrdinalIgnoreCase);
        var profiles = new List<ColumnProfile>();
        for (var c = 0; c < table.Columns.Count; c++)
        {
            var name = table.Columns[c];
            if (excluded.Contains(name))
            {
                continue;
            }

            profiles.Add(Profile(name, table.Rows.Select(r => r[c]), ids.Contains(name)));
        }

        return profiles;
    }

    /// <summary>Profiles one column from its values.</summary>
    public static ColumnProfile Profile(string name, IEnumerable<string> values, bool namedAsId = false)
    {
        ArgumentNullException.ThrowIfNull(values);
        var blanks = 0;
        var nonBlank = 0;
        var numeric = 0;
        var integral = true;
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        var distinctNormalised = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in values)
        {
            if (IsBlank(raw))
            {
                blanks++;
                continue;
            }

            nonBlank++;
            var value = raw.Trim();
            distinct.Add(value);
            if (distinctNormalised.Count <= 3)
            {
                distinctNormalised.Add(Normalise(value));
            }

            if (TryParseNumber(value, out var number))
            {
                numeric++;
                integral &= Math.Abs(number - Math.Round(number)) < 1e-9;
            }
        }

        if (namedAsId)
        {
            return new ColumnProfile(name, ColumnKind.Id, blanks, distinct.Count, "named as an identifier (--id)");
        }

        if (distinct.Count <= 1)
        {
            return new ColumnProfile(name, ColumnKind.Constant, blanks, distinct.Count, distinct.Count == 0 ? "every value is blank" : "a single value");
        }

        if (nonBlank > 0 && numeric >= NumericShare * nonBlank)
        {
            var allNumbersDistinct = distinct.Count == nonBlank;
            if (integral && allNumbersDistinct && nonBlank >= IdMinimumRows && numeric == nonBlank)
            {
                return new ColumnProfile(name, ColumnKind.Id, blanks, distinct.Count, "unique integers on every row (a key, not a measurement)");
            }

            var unparsable = nonBlank - numeric;
            return new ColumnProfile(name, ColumnKind.Numeric, blanks, distinct.Count,
                unparsable == 0 ? "numbers" : $"numbers ({unparsable} unparsable value(s) treated as missing)");
        }

        if (distinctNormalised.Count == 2 && IsBooleanPair(distinctNormalised))
        {
            return new ColumnProfile(name, ColumnKind.Boolean, blanks, distinct.Count, $"two values ({string.Join("/", distinct.Take(2))})");
        }

        if (nonBlank >= IdMinimumRows && distinct.Count >= IdDistinctShare * nonBlank)
        {
            return new ColumnProfile(name, ColumnKind.Id, blanks, distinct.Count, $"{distinct.Count} distinct strings in {nonBlank} rows (an identifier)");
        }

        return new ColumnProfile(name, ColumnKind.Categorical, blanks, distinct.Count, $"{distinct.Count} categories");
    }

    private static bool IsBooleanPair(HashSet<string> values)
    {
        foreach (var (t, f) in BooleanPairs)
        {
            if (values.Contains(t) && values.Contains(f))
            {
                return true;
            }
        }

        return false;
    }
}
