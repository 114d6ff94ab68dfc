using CableHub.Ml.Evaluation;
using Microsoft.ML;

namespace CableHub.Ml.Tests;

public sealed class MetricsTests
{
    [Fact]
    public void Auc_counts_correctly_ordered_pairs_with_ties_as_half()
    {
        BinaryMetrics.Auc([false, false, true, true], [0.1, 0.4, 0.35, 0.8]).ShouldBe(0.75, 1e-12);
        BinaryMetrics.Auc([false, true], [0.5, 0.5]).ShouldBe(0.5, 1e-12);
        BinaryMetrics.Auc([true, false], [0.9, 0.1]).ShouldBe(1.0, 1e-12);
    }

    [Fact]
    public void Auc_and_average_precision_agree_with_mlnet_on_random_scores()
    {
        var random = new Random(7);
        var labels = Enumerable.Range(0, 2000).Select(_ => random.NextDouble() < 0.3).ToArray();
        var scores = labels.Select(l => (l ? 0.8 : 0) + random.NextDouble()).ToArray();
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(labels.Select((l, i) => new Row { Label = l, Score = (float)scores[i], Probability = (float)(scores[i] / 1.8), PredictedLabel = scores[i] > 0.9 }));
        var expected = ml.BinaryClassification.Evaluate(data);
        BinaryMetrics.Auc(labels, scores).ShouldBe(expected.AreaUnderRocCurve, 1e-4);
        BinaryMetrics.AveragePrecision(labels, scores).ShouldBe(expected.AreaUnderPrecisionRecallCurve, 5e-3);
    }

    [Fact]
    public void Confusion_lift_and_best_threshold()
    {
        bool[] labels = [true, true, false, true, false, false, false, false, false, false];
        double[] p = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05];
        var c = BinaryMetrics.Confusion(labels, p, 0.6);
        (c.TruePositives, c.FalsePositives, c.FalseNegatives, c.TrueNegatives).ShouldBe((3, 1, 0, 6));
        c.F1.ShouldBe(2 * 0.75 * 1.0 / 1.75, 1e-12);
        BinaryMetrics.Lift(labels, p, 0.1).ShouldBe(1 / 0.3, 1e-12); // the top row churned; 30% churn overall
        BinaryMetrics.BestF1Threshold(labels, p).ShouldBe(0.6);
    }

    [Fact]
    public void Calibration_bins_have_equal_counts_and_observed_rates()
    {
        var labels = Enumerable.Range(0, 100).Select(i => i >= 50).ToArray();
        var p = Enumerable.Range(0, 100).Select(i => i / 100.0).ToArray();
        var bins = BinaryMetrics.Calibration(labels, p, 4);
        bins.Select(b => b.Count).ShouldBe([25, 25, 25, 25]);
        bins.Select(b => b.ObservedRate).ShouldBe([0, 0, 1, 1]);
        bins[0].MeanPredicted.ShouldBe(0.12, 1e-12);
    }

    private sealed class Row
    {
        public bool Label { get; set; }

        public float Score { get; set; }

        public float Probability { get; set; }

        public bool PredictedLabel { get; set; }
    }
}
