using System.Text.Json;
using System.Text.Json.Serialization;
using CableHub.Ml.Data;
using CableHub.Ml.Evaluation;
using CableHub.Ml.Training;

namespace CableHub.Ml.Reporting;

/// <summary>metrics.json: what a run measured, in a stable shape for tools and the model registry.</summary>
public sealed record MetricsDocument
{
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public required string Source { get; init; }
    public string? DataSha256 { get; init; }
    public required string Label { get; init; }
    public required string PositiveValue { get; init; }
    public required int Seed { get; init; }
    public required int Rows { get; init; }
    public required int RowsWithoutLabel { get; init; }
    public required int TrainRows { get; init; }
    public required int TestRows { get; init; }
    public required int Folds { get; init; }
    public required double PositiveRate { get; init; }
    public required string ChosenModel { get; init; }
    public required string ChosenSettings { get; init; }
    public required double CrossValidationAuc { get; init; }
    public required HeldOut Test { get; init; }
    public required IReadOnlyList<CandidateResult> Candidates { get; init; }
    public required IReadOnlyList<ColumnProfile> Columns { get; init; }
    public required IReadOnlyList<FeatureImportance> Importance { get; init; }
    public required double TrainingSeconds { get; init; }

    /// <summary>Held-out (test) metrics.</summary>
    public sealed record HeldOut(
        double Auc, double PrAuc, double F1, double Precision, double Recall, double Accuracy, double Threshold,
        double LiftTopDecile, double LogLoss, double Brier, ConfusionMatrix Confusion, IReadOnlyList<CalibrationBin> Calibration);

    public static MetricsDocument From(TrainingResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var t = result.Test;
        return new MetricsDocument
        {
            Source = result.Source,
            DataSha256 = result.DataSha256,
            Label = result.Label.Column,
            PositiveValue = result.Label.PositiveValue,
            Seed = result.Options.Seed,
            Rows = result.Rows,
            RowsWithoutLabel = result.RowsWithoutLabel,
            TrainRows = result.TrainRows.Length,
            TestRows = result.TestRows.Length,
            Folds = result.Options.Folds,
            PositiveRate = t.PositiveRate,
            ChosenModel = result.Chosen.Name,
            ChosenSettings = result.Chosen.Settings,
            CrossValidationAuc = result.Chosen.MeanAuc,
            Test = new HeldOut(t.Auc, t.PrAuc, t.Confusion.F1, t.Confusion.Precision, t.Confusion.Recall, t.Confusion.Accuracy, t.Threshold,
                t.LiftTopDecile, t.LogLoss, t.Brier, t.Confusion, t.Calibration),
            Candidates = result.Candidates,
            Columns = result.Profiles,
            Importance = result.Importance,
            TrainingSeconds = result.Elapsed.TotalSeconds,
        };
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
