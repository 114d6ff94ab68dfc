using System.Globalization;
using CableHub.Ml.Evaluation;
using CableHub.Ml.Training;
using ScottPlot;

namespace CableHub.Ml.Reporting;

/// <summary>The report's PNG plots (ScottPlot): ROC, precision–recall, calibration, gains and permutation importance.</summary>
public static class Plots
{
    public const int Width = 800;
    public const int Height = 600;

    public static IReadOnlyList<(string File, string Title)> Files { get; } =
    [
        ("roc.png", "ROC curve"),
        ("pr.png", "Precision–recall curve"),
        ("calibration.png", "Calibration"),
        ("gains.png", "Cumulative gains (lift)"),
        ("importance.png", "Permutation feature importance"),
    ];

    /// <summary>Writes every plot into <paramref name="directory"/>; returns the file paths.</summary>
    public static IReadOnlyList<string> WriteAll(TrainingResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        var test = result.Test;
        var paths = new List<string>
        {
            Roc(test, Path.Combine(directory, "roc.png")),
            PrecisionRecall(test, Path.Combine(directory, "pr.png")),
            Calibration(test, Path.Combine(directory, "calibration.png")),
            Gains(test, Path.Combine(directory, "gains.png")),
            Importance(result.Importance, Path.Combine(directory, "importance.png")),
        };
        return paths;
    }

    public static string Roc(Training.Evaluation test, string path)
    {
        ArgumentNullException.ThrowIfNull(test);
        var plot = new Plot();
        var (xs, ys) = Thin(test.Roc);
        var curve = plot.Add.ScatterLine(xs, ys);
        curve.LineWidth = 2;
        curve.LegendText = $"model (AUC {F(test.Auc)})";
        var chance = plot.Add.Line(0, 0, 1, 1);
        chance.LinePattern = LinePattern.Dashed;
        chance.LegendText = "chance (AUC 0.5)";
        Finish(plot, "ROC curve (held-out)", "False positive rate", "True positive rate", Alignment.LowerRight);
        plot.Axes.SetLimits(0, 1, 0, 1.02);
        plot.SavePng(path, Width, Height);
        return path;
    }

    public static string PrecisionRecall(Training.Evaluation test, string path)
    {
        ArgumentNullException.ThrowIfNull(test);
        var plot = new Plot();
        var (xs, ys) = Thin(test.Pr);
        var curve = plot.Add.ScatterLine(xs, ys);
        curve.LineWidth = 2;
        curve.LegendText = $"model (average precision {F(test.PrAuc)})";
        var baseline = plot.Add.HorizontalLine(test.PositiveRate);
        baseline.LinePattern = LinePattern.Dashed;
        baseline.LegendText = $"churn rate {F(test.PositiveRate)}";
        Finish(plot, "Precision–recall curve (held-out)", "Recall", "Precision", Alignment.UpperRight);
        plot.Axes.SetLimits(0, 1, 0, 1.02);
        plot.SavePng(path, Width, Height);
        return path;
    }

    public static string Calibration(Training.Evaluation test, string path)
    {
        ArgumentNullException.ThrowIfNull(test);
        var plot = new Plot();
        var xs = test.Calibration.Select(b => b.MeanPredicted).ToArray();
        var ys = test.Calibration.Select(b => b.ObservedRate).ToArray();
        var curve = plot.Add.Scatter(xs, ys);
        curve.LineWidth = 2;
        curve.MarkerSize = 8;
        curve.LegendText = $"model (Brier {F(test.Brier)}, {test.Calibration.Count} equal-count bins)";
        var ideal = plot.Add.Line(0, 0, 1, 1);
        ideal.LinePattern = LinePattern.Dashed;
        ideal.LegendText = "perfectly calibrated";
        Finish(plot, "Calibration (held-out)", "Mean predicted probability", "Observed churn rate", Alignment.UpperLeft);
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.SavePng(path, Width, Height);
        return path;
    }

    public static string Gains(Training.Evaluation test, string path)
    {
        ArgumentNullException.ThrowIfNull(test);
        var plot = new Plot();
        var curve = plot.Add.ScatterLine(test.Gains.Select(p => p.X).ToArray(), test.Gains.Select(p => p.Y).ToArray());
        curve.LineWidth = 2;
        curve.LegendText = $"model (lift at top decile {F(test.LiftTopDecile)}×)";
        var random = plot.Add.Line(0, 0, 1, 1);
        random.LinePattern = LinePattern.Dashed;
        random.LegendText = "random targeting";
        var decile = plot.Add.VerticalLine(0.1);
        decile.LinePattern = LinePattern.Dotted;
        decile.LegendText = "top 10%";
        Finish(plot, "Cumulative gains (held-out)", "Share of customers contacted (highest risk first)", "Share of churners reached", Alignment.LowerRight);
        plot.Axes.SetLimits(0, 1, 0, 1.02);
        plot.SavePng(path, Width, Height);
        return path;
    }

    public static string Importance(IReadOnlyList<FeatureImportance> importance, string path, int top = 20)
    {
        ArgumentNullException.ThrowIfNull(importance);
        var shown = importance.Take(top).Reverse().ToArray();
        var plot = new Plot();
        var bars = shown.Select((f, i) => new Bar { Position = i, Value = f.AucDrop, Error = f.Std, FillColor = f.AucDrop >= 0 ? Colors.SteelBlue : Colors.IndianRed }).ToArray();
        var plottable = plot.Add.Bars(bars);
        plottable.Horizontal = true;
        plot.Axes.Left.SetTicks([.. shown.Select((_, i) => (double)i)], [.. shown.Select(f => Shorten(f.Column))]);
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Title($"Permutation importance (held-out AUC drop, top {shown.Length})");
        plot.XLabel("AUC drop when the column is shuffled");
        plot.Axes.Margins(left: 0, right: 0.1, bottom: 0.02, top: 0.02);
        plot.SavePng(path, Width, Math.Max(Height, 60 + (shown.Length * 28)));
        return path;
    }

    private static void Finish(Plot plot, string title, string x, string y, Alignment legend)
    {
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        plot.ShowLegend(legend);
    }

    private static (double[] Xs, double[] Ys) Thin(IReadOnlyList<CurvePoint> points, int max = 2000)
    {
        var step = Math.Max(1, points.Count / max);
        var kept = points.Where((_, i) => i % step == 0 || i == points.Count - 1).ToArray();
        return (kept.Select(p => p.X).ToArray(), kept.Select(p => p.Y).ToArray());
    }

    private static string Shorten(string name) => name.Length <= 28 ? name : name[..27] + "…";

    private static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
}
