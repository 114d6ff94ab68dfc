using System.Globalization;
using CableHub.Ml.Data;
using CableHub.Ml.Features;
using Microsoft.ML;

namespace CableHub.Ml.Training;

/// <summary>Risk bands over the calibrated probability: high from <see cref="HighFrom"/>, medium from <see cref="MediumFrom"/>.</summary>
public sealed record RiskBands(double MediumFrom, double HighFrom)
{
    public string Band(double probability) => probability >= HighFrom ? "high" : probability >= MediumFrom ? "medium" : "low";
}

/// <summary>Why a row scores as it does: a column's value and how much it raises the probability over the typical value.</summary>
public sealed record Reason(string Column, string Value, double Effect)
{
    public override string ToString() => $"{Column}={Value} (+{Effect.ToString("0.000", CultureInfo.InvariantCulture)})";
}

/// <summary>Probabilities (and what went wrong reading the input) for the rows of a table.</summary>
public sealed record ScoredTable(double[] Probabilities, float[][] Features, EncodingIssues Issues);

/// <summary>One fitted model of a (possibly blended) churn model: features → raw score, and its own Platt calibrator.</summary>
public sealed record ModelMember(string Name, ITransformer Model, ITransformer Calibrator);

/// <summary>
/// A trained churn model: the feature encoder (raw columns → slots), one model or a blend of models (slots → raw
/// score → Platt-calibrated probability; a blend averages its members' calibrated log-odds and calibrates that once
/// more), the decision threshold and the risk bands.
/// </summary>
public sealed class ChurnModel
{
    public ChurnModel(MLContext context, IReadOnlyList<ModelMember> members, ITransformer? blendCalibrator, FeatureEncoder encoder, double threshold, RiskBands bands)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count == 0 || (members.Count > 1 && blendCalibrator is null))
        {
            throw new ArgumentException("one member, or several with a blend calibrator", nameof(members));
        }

        Context = context;
        Members = members;
        BlendCalibrator = blendCalibrator;
        Encoder = encoder;
        Threshold = threshold;
        Bands = bands;
    }

    public MLContext Context { get; }

    public IReadOnlyList<ModelMember> Members { get; }

    /// <summary>Calibrates the mean log-odds of several members; null for a single model.</summary>
    public ITransformer? BlendCalibrator { get; }

    public FeatureEncoder Encoder { get; }

    /// <summary>Probability at or above which a row counts as "will churn" (chosen for the best F1 in cross-validation).</summary>
    public double Threshold { get; }

    public RiskBands Bands { get; }

    /// <summary>Calibrated probabilities for encoded rows.</summary>
    public double[] Probabilities(IReadOnlyList<float[]> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Count == 0)
        {
            return [];
        }

        var labels = new bool[features.Count];
        var view = MlData.View(Context, features, labels);
        var perMember = Members.Select(m => Calibrate(Context, m.Calibrator, MlData.Column(m.Model, view, Columns.Score))).ToList();
        return BlendCalibrator is null ? perMember[0] : Calibrate(Context, BlendCalibrator, Blend(perMember));
    }

    /// <summary>Applies a Platt calibrator to raw scores.</summary>
    public static double[] Calibrate(MLContext ml, ITransformer calibrator, IReadOnlyList<double> scores) =>
        MlData.Column(calibrator, MlData.Scores(ml, new bool[scores.Count], scores), Columns.Probability);

    /// <summary>The blend score: mean log-odds of the members' calibrated probabilities.</summary>
    public static double[] Blend(IReadOnlyList<double[]> probabilities)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        var n = probabilities[0].Length;
        var result = new double[n];
        for (var i = 0; i < n; i++)
        {
            var sum = 0.0;
            foreach (var p in probabilities)
            {
                var q = Math.Clamp(p[i], 1e-6, 1 - 1e-6);
                sum += Math.Log(q / (1 - q));
            }

            result[i] = sum / probabilities.Count;
        }

        return result;
    }

    /// <summary>Encodes and scores the rows of a table (columns by name; extra columns are ignored).</summary>
    public ScoredTable Score(RawTable table)
    {
        var features = Encoder.Transform(table, out var issues);
        return new ScoredTable(Probabilities(features), features, issues);
    }

    /// <summary>
    /// The top <paramref name="top"/> reasons per row: for each input column, the drop in probability when that column
    /// alone is set to its typical training value; columns that raise the risk most come first. Model-agnostic (the
    /// same for trees and the linear model), kept with every score so a person can see why.
    /// </summary>
    public IReadOnlyList<Reason[]> Explain(RawTable table, IReadOnlyList<float[]> features, IReadOnlyList<double> probabilities, int top = 3, double minimumEffect = 0.005)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(probabilities);
        var effects = new List<(int Column, double[] Effect)>();
        for (var c = 0; c < Encoder.Columns.Count; c++)
        {
            var column = Encoder.Columns[c];
            var baseline = Encoder.BaselineSlots(column);
            var changed = new float[features.Count][];
            for (var r = 0; r < features.Count; r++)
            {
                var copy = (float[])features[r].Clone();
                Array.Copy(baseline, 0, copy, column.FirstSlot, column.SlotCount);
                changed[r] = copy;
            }

            var atBaseline = Probabilities(changed);
            effects.Add((c, [.. probabilities.Select((p, r) => p - atBaseline[r])]));
        }

        var indices = Encoder.Columns.Select(c => table.IndexOf(c.Name)).ToArray();
        var result = new Reason[features.Count][];
        for (var r = 0; r < features.Count; r++)
        {
            result[r] = [.. effects
                .Where(e => e.Effect[r] >= minimumEffect)
                .OrderByDescending(e => e.Effect[r])
                .Take(top)
                .Select(e => new Reason(Encoder.Columns[e.Column].Name, Display(table.Rows[r][indices[e.Column]]), e.Effect[r]))];
        }

        return result;
    }

    private static string Display(string raw) => ColumnInference.IsBlank(raw) ? "(blank)" : raw.Trim();
}
