namespace CableHub.Ml.Evaluation;

/// <summary>A point of a curve.</summary>
public readonly record struct CurvePoint(double X, double Y);

/// <summary>One bin of a calibration (reliability) curve.</summary>
public sealed record CalibrationBin(double MeanPredicted, double ObservedRate, int Count);

/// <summary>Counts at a threshold (probability ≥ threshold predicts churn).</summary>
public sealed record ConfusionMatrix(int TruePositives, int FalsePositives, int TrueNegatives, int FalseNegatives)
{
    public double Precision => TruePositives + FalsePositives == 0 ? 0 : (double)TruePositives / (TruePositives + FalsePositives);

    public double Recall => TruePositives + FalseNegatives == 0 ? 0 : (double)TruePositives / (TruePositives + FalseNegatives);

    public double F1 => Precision + Recall == 0 ? 0 : 2 * Precision * Recall / (Precision + Recall);

    public double Accuracy => (double)(TruePositives + TrueNegatives) / Math.Max(1, TruePositives + FalsePositives + TrueNegatives + FalseNegatives);
}

/// <summary>
/// Metrics of a binary scorer computed from (label, score) pairs: ROC AUC with ties averaged, average precision
/// (PR-AUC), curves, confusion at a threshold, lift, calibration bins, log loss and Brier score.
/// </summary>
public static class BinaryMetrics
{
    /// <summary>Area under the ROC curve (Mann–Whitney with mid-ranks for ties).</summary>
    public static double Auc(IReadOnlyList<bool> labels, IReadOnlyList<double> scores)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(scores);
        var n = labels.Count;
        var order = Enumerable.Range(0, n).ToArray();
        Array.Sort(order, (a, b) => scores[a].CompareTo(scores[b]));
        double positives = 0, rankSum = 0;
        var i = 0;
        while (i < n)
        {
            var j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]])
            {
                j++;
            }

            var midRank = (i + j) / 2.0 + 1;
            for (var k = i; k <= j; k++)
            {
                if (labels[order[k]])
                {
                    positives++;
                    rankSum += midRank;
                }
            }

            i = j + 1;
        }

        var negatives = n - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }

        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
    }

    /// <summary>Average precision: Σ (Rₖ − Rₖ₋₁)·Pₖ over distinct thresholds, highest first (PR-AUC).</summary>
    public static double AveragePrecision(IReadOnlyList<bool> labels, IReadOnlyList<double> scores)
    {
        var ap = 0.0;
        var previousRecall = 0.0;
        foreach (var (_, tp, fp, positives) in Thresholds(labels, scores))
        {
            var recall = positives == 0 ? 0 : (double)tp / positives;
            var precision = tp + fp == 0 ? 1 : (double)tp / (tp + fp);
            ap += (recall - previousRecall) * precision;
            previousRecall = recall;
        }

        return ap;
    }

    /// <summary>ROC curve (false positive rate, true positive rate) from (0,0) to (1,1).</summary>
    public static IReadOnlyList<CurvePoint> RocCurve(IReadOnlyList<bool> labels, IReadOnlyList<double> scores)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var positives = labels.Count(l => l);
        var negatives = labels.Count - positives;
        var points = new List<CurvePoint> { new(0, 0) };
        foreach (var (_, tp, fp, _) in Thresholds(labels, scores))
        {
            points.Add(new CurvePoint(negatives == 0 ? 0 : (double)fp / negatives, positives == 0 ? 0 : (double)tp / positives));
        }

        return points;
    }

    /// <summary>Precision–recall curve (recall, precision), highest threshold first.</summary>
    public static IReadOnlyList<CurvePoint> PrCurve(IReadOnlyList<bool> labels, IReadOnlyList<double> scores)
    {
        var points = new List<CurvePoint>();
        foreach (var (_, tp, fp, positives) in Thresholds(labels, scores))
        {
            points.Add(new CurvePoint(positives == 0 ? 0 : (double)tp / positives, tp + fp == 0 ? 1 : (double)tp / (tp + fp)));
        }

        return points;
    }

    /// <summary>Cumulative gains: share of all churners found (Y) in the top X share of rows by score.</summary>
    public static IReadOnlyList<CurvePoint> GainsCurve(IReadOnlyList<bool> labels, IReadOnlyList<double> scores)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var order = Descending(scores);
        var positives = Math.Max(1, labels.Count(l => l));
        var points = new List<CurvePoint> { new(0, 0) };
        var found = 0;
        var step = Math.Max(1, order.Length / 200);
        for (var i = 0; i < order.Length; i++)
        {
            if (labels[order[i]])
            {
                found++;
            }

            if ((i + 1) % step == 0 || i == order.Length - 1)
            {
                points.Add(new CurvePoint((double)(i + 1) / order.Length, (double)found / positives));
            }
        }

        return points;
    }

    /// <summary>Positive rate among the top <paramref name="fraction"/> of rows by score divided by the overall rate.</summary>
    public static double Lift(IReadOnlyList<bool> labels, IReadOnlyList<double> scores, double fraction = 0.1)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var order = Descending(scores);
        var top = Math.Max(1, (int)Math.Ceiling(order.Length * fraction));
        var topRate = (double)order.Take(top).Count(i => labels[i]) / top;
        var baseRate = (double)labels.Count(l => l) / Math.Max(1, labels.Count);
        return baseRate == 0 ? double.NaN : topRate / baseRate;
    }

    public static ConfusionMatrix Confusion(IReadOnlyList<bool> labels, IReadOnlyList<double> probabilities, double threshold)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(probabilities);
        int tp = 0, fp = 0, tn = 0, fn = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            var predicted = probabilities[i] >= threshold;
            if (predicted && labels[i])
            {
                tp++;
            }
            else if (predicted)
            {
                fp++;
            }
            else if (labels[i])
            {
                fn++;
            }
            else
            {
                tn++;
            }
        }

        return new ConfusionMatrix(tp, fp, tn, fn);
    }

    /// <summary>The probability threshold with the best F1 (ties: the higher threshold).</summary>
    public static double BestF1Threshold(IReadOnlyList<bool> labels, IReadOnlyList<double> probabilities)
    {
        var best = 0.5;
        var bestF1 = -1.0;
        foreach (var (threshold, tp, fp, positives) in Thresholds(labels, probabilities))
        {
            var precision = tp + fp == 0 ? 0 : (double)tp / (tp + fp);
            var recall = positives == 0 ? 0 : (double)tp / positives;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            if (f1 > bestF1)
            {
                bestF1 = f1;
                best = threshold;
            }
        }

        return best;
    }

    /// <summary>Reliability curve: rows in <paramref name="bins"/> equal-count bins by predicted probability.</summary>
    public static IReadOnlyList<CalibrationBin> Calibration(IReadOnlyList<bool> labels, IReadOnlyList<double> probabilities, int bins = 10)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var order = Enumerable.Range(0, labels.Count).OrderBy(i => probabilities[i]).ToArray();
        var result = new List<CalibrationBin>();
        for (var b = 0; b < bins; b++)
        {
            var from = (int)((long)order.Length * b / bins);
            var to = (int)((long)order.Length * (b + 1) / bins);
            if (to <= from)
            {
                continue;
            }

            var slice = order[from..to];
            result.Add(new CalibrationBin(slice.Average(i => probabilities[i]), (double)slice.Count(i => labels[i]) / slice.Length, slice.Length));
        }

        return result;
    }

    public static double LogLoss(IReadOnlyList<bool> labels, IReadOnlyList<double> probabilities)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var sum = 0.0;
        for (var i = 0; i < labels.Count; i++)
        {
            var p = Math.Clamp(probabilities[i], 1e-15, 1 - 1e-15);
            sum -= labels[i] ? Math.Log(p) : Math.Log(1 - p);
        }

        return sum / Math.Max(1, labels.Count);
    }

    public static double Brier(IReadOnlyList<bool> labels, IReadOnlyList<double> probabilities)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var sum = 0.0;
        for (var i = 0; i < labels.Count; i++)
        {
            var d = probabilities[i] - (labels[i] ? 1 : 0);
            sum += d * d;
        }

        return sum / Math.Max(1, labels.Count);
    }

    /// <summary>Cumulative (threshold, TP, FP, all positives) at each distinct score, highest first.</summary>
    private static IEnumerable<(double Threshold, int Tp, int Fp, int Positives)> Thresholds(IReadOnlyList<bool> labels, IReadOnlyList<double> scores)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(scores);
        var order = Descending(scores);
        var positives = labels.Count(l => l);
        int tp = 0, fp = 0;
        for (var i = 0; i < order.Length; i++)
        {
            if (labels[order[i]])
            {
                tp++;
            }
            else
            {
                fp++;
            }

            if (i == order.Length - 1 || scores[order[i + 1]] != scores[order[i]])
            {
                yield return (scores[order[i]], tp, fp, positives);
            }
        }
    }

    private static int[] Descending(IReadOnlyList<double> scores)
    {
        var order = Enumerable.Range(0, scores.Count).ToArray();
        Array.Sort(order, (a, b) => scores[b].CompareTo(scores[a]));
        return order;
    }
}
