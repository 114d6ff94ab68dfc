using Microsoft.ML;
using Microsoft.ML.Data;

namespace CableHub.Ml.Training;

/// <summary>One encoded row as ML.NET sees it.</summary>
public sealed class FeatureRow
{
    public bool Label { get; set; }

    public float[] Features { get; set; } = [];
}

/// <summary>Score rows (input of the calibrator).</summary>
public sealed class ScoreRow
{
    public bool Label { get; set; }

    public float Score { get; set; }
}

/// <summary>Encoded matrices to ML.NET data views and model outputs back to arrays.</summary>
public static class MlData
{
    /// <summary>A data view over the given rows of an encoded matrix (the vector size is fixed, as trainers need).</summary>
    public static IDataView View(MLContext ml, IReadOnlyList<float[]> features, IReadOnlyList<bool> labels, IReadOnlyList<int>? rows = null)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        var slots = features.Count == 0 ? 0 : features[0].Length;
        var definition = SchemaDefinition.Create(typeof(FeatureRow));
        definition[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, slots);
        IEnumerable<int> indices = rows ?? Enumerable.Range(0, features.Count);
        var list = indices.Select(i => new FeatureRow { Label = labels[i], Features = features[i] }).ToList();
        return ml.Data.LoadFromEnumerable(list, definition);
    }

    /// <summary>Runs a model over a data view and returns one column of floats as doubles.</summary>
    public static double[] Column(ITransformer model, IDataView data, string column)
    {
        ArgumentNullException.ThrowIfNull(model);
        var output = model.Transform(data);
        return [.. output.GetColumn<float>(column).Select(v => (double)v)];
    }

    /// <summary>A data view of (label, score) pairs for fitting a calibrator.</summary>
    public static IDataView Scores(MLContext ml, IReadOnlyList<bool> labels, IReadOnlyList<double> scores)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(scores);
        return ml.Data.LoadFromEnumerable(labels.Select((l, i) => new ScoreRow { Label = l, Score = (float)scores[i] }).ToList());
    }
}
