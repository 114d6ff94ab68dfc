using System.Text.Json;
using CableHub.Ml.Data;
using CableHub.Ml.Training;
using Parquet;
using Parquet.Schema;

namespace CableHub.Ml.Reporting;

/// <summary>
/// The data of a run with its split, as Parquet for pandas: every input column (numbers as doubles, everything else
/// as text, blanks as nulls), <c>label</c> (0/1), <c>split</c> (train/test) and <c>fold</c> (CV fold of a training
/// row, −1 for test) — so a Python model can be trained on exactly the same rows and compared on the same held-out 20%.
/// </summary>
public static class SplitExport
{
    public static async Task<string> WriteAsync(TrainingResult result, string path, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        var data = result.Data;
        var n = data.RowCount;
        var split = new string[n];
        var fold = new int[n];
        Array.Fill(split, "test");
        Array.Fill(fold, -1);
        for (var i = 0; i < result.TrainRows.Length; i++)
        {
            split[result.TrainRows[i]] = "train";
            fold[result.TrainRows[i]] = result.TrainFolds[i];
        }

        var labelIndex = data.IndexOf(result.Label.Column);
        var kinds = result.Profiles.ToDictionary(p => p.Name, p => p.Kind, StringComparer.Ordinal);
        var fields = new List<(DataField Field, int Column, bool Numeric)>();
        for (var c = 0; c < data.Columns.Count; c++)
        {
            if (c == labelIndex)
            {
                continue;
            }

            var numeric = kinds.GetValueOrDefault(data.Columns[c]) == ColumnKind.Numeric;
            fields.Add((new DataField(data.Columns[c], numeric ? typeof(double) : typeof(string), isNullable: true), c, numeric));
        }

        var labelField = new DataField("label", typeof(int), isNullable: false);
        var splitField = new DataField("split", typeof(string), isNullable: false);
        var foldField = new DataField("fold", typeof(int), isNullable: false);
        var schema = new ParquetSchema([.. fields.Select(f => (Field)f.Field), labelField, splitField, foldField]);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await using (var stream = File.Create(path))
        {
            await using var writer = await ParquetWriter.CreateAsync(schema, stream, cancellationToken: ct).ConfigureAwait(false);
            using var group = writer.CreateRowGroup();
            foreach (var (field, column, numeric) in fields)
            {
                if (numeric)
                {
                    var values = new double?[n];
                    for (var r = 0; r < n; r++)
                    {
                        values[r] = ColumnInference.TryParseNumber(data.Rows[r][column], out var v) ? v : null;
                    }

                    await group.WriteAsync<double>(field, values.AsMemory(), cancellationToken: ct).ConfigureAwait(false);
                }
                else
                {
                    await group.WriteAsync(field, [.. data.Rows.Select(r => ColumnInference.IsBlank(r[column]) ? null! : r[column].Trim())]).ConfigureAwait(false);
                }
            }

            await group.WriteAsync<int>(labelField, data.Rows.Select(r => result.Label.IsPositive(r[labelIndex]) ? 1 : 0).ToArray().AsMemory(), cancellationToken: ct).ConfigureAwait(false);
            await group.WriteAsync(splitField, split).ConfigureAwait(false);
            await group.WriteAsync<int>(foldField, fold.AsMemory(), cancellationToken: ct).ConfigureAwait(false);
        }

        var sidecar = Path.ChangeExtension(path, ".json");
        await File.WriteAllTextAsync(sidecar, JsonSerializer.Serialize(new
        {
            source = result.Source,
            dataSha256 = result.DataSha256,
            seed = result.Options.Seed,
            testFraction = result.Options.TestFraction,
            folds = result.Options.Folds,
            label = result.Label.Column,
            positiveValue = result.Label.PositiveValue,
            features = result.Profiles.Where(p => p.IsFeature).Select(p => new { p.Name, kind = p.Kind.ToString() }),
            dropped = result.Profiles.Where(p => !p.IsFeature).Select(p => new { p.Name, p.Reason }),
            heldOutAuc = result.Test.Auc,
            model = result.Chosen.Name,
        }, MetricsDocument.Json), ct).ConfigureAwait(false);
        return path;
    }
}
