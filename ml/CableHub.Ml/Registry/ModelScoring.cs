using CableHub.Ml.Data;
using CableHub.Ml.Training;

namespace CableHub.Ml.Registry;

/// <summary>One scored row: its identifier (when the input has one), probability, band and reasons.</summary>
public sealed record ScoredRow(string? Id, double Probability, string Band, IReadOnlyList<Reason> Reasons);

/// <summary>
/// Scores a table with a registered model after checking it against the model's schema: every feature column must be
/// there (by name), numbers must parse (blanks are fine: they were in training too). Unknown categories are allowed
/// (they score as "other") and counted. A violation is an error naming the column, how many rows and an example —
/// nothing is scored from bad input.
/// </summary>
public static class ModelScoring
{
    public static (IReadOnlyList<ScoredRow> Rows, IReadOnlyDictionary<string, int> OtherLevels) Score(RegisteredModel model, RawTable table, bool explain = true, int reasons = 3)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(table);
        var manifest = model.Manifest;
        var scored = model.Model.Score(table);
        if (scored.Issues.Unparsable.Count > 0)
        {
            var details = scored.Issues.Unparsable.Select(kv =>
            {
                var index = table.IndexOf(kv.Key);
                var kind = manifest.Encoder.Columns.First(c => c.Name == kv.Key).Kind;
                var row = Enumerable.Range(0, table.RowCount).First(r => !ColumnInference.IsBlank(table.Rows[r][index]) && Features.FeatureEncoder.ParseValue(kind, table.Rows[r][index]) is null);
                return $"column '{kv.Key}' ({kind}): {kv.Value} value(s) that are not {(kind == ColumnKind.Boolean ? "yes/no" : "numbers")}, first at row {row + 1}: '{table.Rows[row][index]}'";
            });
            throw new InvalidDataException($"{table.Source}: input does not fit model {manifest.Name} {manifest.VersionTag}: {string.Join("; ", details)}");
        }

        var explanations = explain ? model.Model.Explain(table, scored.Features, scored.Probabilities, reasons) : null;
        var idIndex = manifest.IdColumns.Select(table.IndexOf).FirstOrDefault(i => i >= 0, -1);
        var rows = new ScoredRow[table.RowCount];
        for (var r = 0; r < rows.Length; r++)
        {
            var p = scored.Probabilities[r];
            rows[r] = new ScoredRow(idIndex >= 0 ? table.Rows[r][idIndex] : null, p, model.Model.Bands.Band(p), explanations?[r] ?? []);
        }

        return (rows, scored.Issues.OtherLevels);
    }
}
