using System.Diagnostics;
using CableHub.Ml.Data;
using CableHub.Ml.Evaluation;
using CableHub.Ml.Features;
using Microsoft.ML;

namespace CableHub.Ml.Training;

/// <summary>How to train and evaluate.</summary>
public sealed record TrainOptions
{
    public required string Label { get; init; }

    /// <summary>The label value that means churn; inferred for two-valued yes/no, true/false or 0/1 labels.</summary>
    public string? Positive { get; init; }

    /// <summary>Columns to drop as identifiers whatever their values.</summary>
    public IReadOnlyList<string> IdColumns { get; init; } = [];

    public int Seed { get; init; } = 42;

    public double TestFraction { get; init; } = 0.2;

    public int Folds { get; init; } = 5;

    /// <summary>Cross-validation runs on a stratified sample of at most this many training rows (the final fit uses all).</summary>
    public int MaxCrossValidationRows { get; init; } = 100_000;

    public IReadOnlyList<Candidate> Candidates { get; init; } = Training.Candidates.Default;

    public int Threads { get; init; } = Math.Max(1, Environment.ProcessorCount);

    public int PermutationRepeats { get; init; } = 3;
}

/// <summary>A step of training, for a progress display.</summary>
public sealed record TrainingProgress(string Stage, int Done, int Total, string Detail = "");

/// <summary>Cross-validated result of one candidate.</summary>
public sealed record CandidateResult(string Name, string Family, string Settings, double MeanAuc, double StdAuc, IReadOnlyList<double> FoldAucs, double Seconds);

/// <summary>Permutation importance of an input column: mean (and spread) of the held-out AUC drop when it is shuffled.</summary>
public sealed record FeatureImportance(string Column, string Kind, double AucDrop, double Std);

/// <summary>Held-out metrics of the chosen model.</summary>
public sealed record Evaluation
{
    public required int Rows { get; init; }
    public required int Positives { get; init; }
    public required double Auc { get; init; }
    public required double PrAuc { get; init; }
    public required double LogLoss { get; init; }
    public required double Brier { get; init; }
    public required double Threshold { get; init; }
    public required ConfusionMatrix Confusion { get; init; }
    public required double LiftTopDecile { get; init; }
    public required IReadOnlyList<CurvePoint> Roc { get; init; }
    public required IReadOnlyList<CurvePoint> Pr { get; init; }
    public required IReadOnlyList<CurvePoint> Gains { get; init; }
    public required IReadOnlyList<CalibrationBin> Calibration { get; init; }

    public double PositiveRate => Rows == 0 ? 0 : (double)Positives / Rows;

    public static Evaluation Of(IReadOnlyList<bool> labels, IReadOnlyList<double> probabilities, double threshold)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return new Evaluation
        {
            Rows = labels.Count,
            Positives = labels.Count(l => l),
            Auc = BinaryMetrics.Auc(labels, probabilities),
            PrAuc = BinaryMetrics.AveragePrecision(labels, probabilities),
            LogLoss = BinaryMetrics.LogLoss(labels, probabilities),
            Brier = BinaryMetrics.Brier(labels, probabilities),
            Threshold = threshold,
            Confusion = BinaryMetrics.Confusion(labels, probabilities, threshold),
            LiftTopDecile = BinaryMetrics.Lift(labels, probabilities, 0.1),
            Roc = BinaryMetrics.RocCurve(labels, probabilities),
            Pr = BinaryMetrics.PrCurve(labels, probabilities),
            Gains = BinaryMetrics.GainsCurve(labels, probabilities),
            Calibration = BinaryMetrics.Calibration(labels, probabilities),
        };
    }
}

/// <summary>Everything a training run produced: the model, what was learned about the data, and the evidence.</summary>
public sealed class TrainingResult
{
    public required ChurnModel Model { get; init; }
    public required LabelSpec Label { get; init; }
    public required TrainOptions Options { get; init; }
    public required string Source { get; init; }
    public string? DataSha256 { get; init; }
    public required IReadOnlyList<ColumnProfile> Profiles { get; init; }
    public required int Rows { get; init; }
    public required int RowsWithoutLabel { get; init; }
    public required int[] TrainRows { get; init; }
    public required int[] TestRows { get; init; }

    /// <summary>Fold of each training row (same order as <see cref="TrainRows"/>); -1 when outside the CV sample.</summary>
    public required int[] TrainFolds { get; init; }

    public required IReadOnlyList<CandidateResult> Candidates { get; init; }
    public required CandidateResult Chosen { get; init; }
    public required Evaluation Test { get; init; }
    public required IReadOnlyList<FeatureImportance> Importance { get; init; }
    public required TimeSpan Elapsed { get; init; }

    /// <summary>The rows the model saw (label rows only), for exports of the split.</summary>
    public required RawTable Data { get; init; }
}

/// <summary>
/// Trains and evaluates a churn model on any table: infer column kinds, encode, seeded stratified 80/20 split,
/// stratified k-fold cross-validation of every candidate on the 80%, the best mean AUC wins, Platt calibration fitted
/// on the winner's out-of-fold scores, threshold for the best out-of-fold F1, final fit on the 80%, metrics and
/// permutation importance on the untouched 20%.
/// </summary>
public static class ChurnTrainer
{
    public static TrainingResult Train(RawTable table, TrainOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var label = LabelSpec.Resolve(table, options.Label, options.Positive);
        foreach (var id in options.IdColumns)
        {
            if (table.IndexOf(id) < 0)
            {
                throw new InvalidDataException($"{table.Source}: --id column '{id}' does not exist");
            }
        }

        var labelIndex = table.IndexOf(label.Column);
        var labelled = Enumerable.Range(0, table.RowCount).Where(i => !ColumnInference.IsBlank(table.Rows[i][labelIndex])).ToList();
        var data = labelled.Count == table.RowCount ? table : table.Subset(labelled);
        var labels = data.Rows.Select(r => label.IsPositive(r[labelIndex])).ToArray();
        var positives = labels.Count(l => l);
        if (positives < options.Folds || labels.Length - positives < options.Folds)
        {
            throw new InvalidDataException($"{table.Source}: {positives} positive and {labels.Length - positives} negative row(s): too few for {options.Folds}-fold cross-validation");
        }

        progress?.Report(new TrainingProgress("Inferring column types", 0, 1));
        var idNames = options.IdColumns.Select(i => table.Columns[table.IndexOf(i)]).ToList();
        var profiles = ColumnInference.Infer(data, [label.Column], idNames);
        if (!profiles.Any(p => p.IsFeature))
        {
            throw new InvalidDataException($"{table.Source}: no usable feature columns ({string.Join("; ", profiles.Select(p => $"{p.Name}: {p.Reason}"))})");
        }

        var (train, test) = StratifiedSplit.TrainTest(labels, options.TestFraction, options.Seed);
        var encoder = FeatureEncoder.Fit(data, profiles, train);
        var features = encoder.Transform(data, out _);
        progress?.Report(new TrainingProgress("Inferring column types", 1, 1, $"{profiles.Count(p => p.IsFeature)} features → {encoder.SlotCount} slots"));

        // Cross-validation on (a stratified sample of) the training rows.
        var trainLabels = train.Select(i => labels[i]).ToArray();
        var cvPositions = StratifiedSplit.Sample(trainLabels, options.MaxCrossValidationRows, options.Seed);
        var cvRows = cvPositions.Select(p => train[p]).ToArray();
        var cvLabels = cvRows.Select(i => labels[i]).ToArray();
        var folds = StratifiedSplit.Folds(cvLabels, options.Folds, options.Seed);
        var trainFolds = Enumerable.Repeat(-1, train.Length).ToArray();
        for (var k = 0; k < cvPositions.Length; k++)
        {
            trainFolds[cvPositions[k]] = folds[k];
        }

        // Small tables train faster on one thread: OpenMP workers (LightGBM) spin and lose on a busy 2-core machine.
        var threads = train.Length < 20_000 ? 1 : options.Threads;
        var ml = new MLContext(options.Seed);
        var results = new List<CandidateResult>();
        var outOfFold = new Dictionary<string, double[]>();
        var totalFits = options.Candidates.Count * options.Folds;
        var fits = 0;
        foreach (var candidate in options.Candidates)
        {
            var started = Stopwatch.StartNew();
            var oof = new double[cvRows.Length];
            var aucs = new List<double>();
            for (var fold = 0; fold < options.Folds; fold++)
            {
                ct.ThrowIfCancellationRequested();
                progress?.Report(new TrainingProgress("Cross-validating candidates", fits, totalFits, $"{candidate.Name} fold {fold + 1}/{options.Folds}"));
                var fitRows = cvRows.Where((_, k) => folds[k] != fold).ToArray();
                var holdPositions = Enumerable.Range(0, cvRows.Length).Where(k => folds[k] == fold).ToArray();
                var model = candidate.Create(ml, options.Seed, threads).Fit(MlData.View(ml, features, labels, fitRows));
                var scores = MlData.Column(model, MlData.View(ml, features, labels, [.. holdPositions.Select(k => cvRows[k])]), Columns.Score);
                for (var h = 0; h < holdPositions.Length; h++)
                {
                    oof[holdPositions[h]] = scores[h];
                }

                aucs.Add(BinaryMetrics.Auc([.. holdPositions.Select(k => cvLabels[k])], scores));
                fits++;
            }

            var mean = aucs.Average();
            var std = Math.Sqrt(aucs.Sum(a => (a - mean) * (a - mean)) / aucs.Count);
            results.Add(new CandidateResult(candidate.Name, candidate.Family, candidate.Settings, mean, std, aucs, started.Elapsed.TotalSeconds));
            outOfFold[candidate.Name] = oof;
        }

        progress?.Report(new TrainingProgress("Cross-validating candidates", totalFits, totalFits));

        // Each candidate's Platt calibrator, fitted on its out-of-fold scores.
        var calibrators = new Dictionary<string, ITransformer>();
        var oofProbabilities = new Dictionary<string, double[]>();
        foreach (var candidate in options.Candidates)
        {
            calibrators[candidate.Name] = ml.BinaryClassification.Calibrators.Platt(Columns.Label, Columns.Score).Fit(MlData.Scores(ml, cvLabels, outOfFold[candidate.Name]));
            oofProbabilities[candidate.Name] = ChurnModel.Calibrate(ml, calibrators[candidate.Name], outOfFold[candidate.Name]);
        }

        // Blends: the linear baseline with the best tree ensemble, and with the best of each tree family.
        var blends = BlendCandidates(results);
        var blendCalibrators = new Dictionary<string, ITransformer>();
        foreach (var (name, members) in blends)
        {
            var blended = ChurnModel.Blend([.. members.Select(m => oofProbabilities[m])]);
            var aucs = Enumerable.Range(0, options.Folds).Select(fold =>
            {
                var positions = Enumerable.Range(0, cvRows.Length).Where(k => folds[k] == fold).ToArray();
                return BinaryMetrics.Auc([.. positions.Select(k => cvLabels[k])], [.. positions.Select(k => blended[k])]);
            }).ToList();
            var mean = aucs.Average();
            var seconds = results.Where(r => members.Contains(r.Name)).Sum(r => r.Seconds);
            results.Add(new CandidateResult(name, "blend", $"mean calibrated log-odds of {string.Join(" and ", members)}", mean, Math.Sqrt(aucs.Sum(a => (a - mean) * (a - mean)) / aucs.Count), aucs, seconds));
            blendCalibrators[name] = ml.BinaryClassification.Calibrators.Platt(Columns.Label, Columns.Score).Fit(MlData.Scores(ml, cvLabels, blended));
            oofProbabilities[name] = ChurnModel.Calibrate(ml, blendCalibrators[name], blended);
        }

        var chosen = results.OrderByDescending(r => r.MeanAuc).First();
        var memberNames = blends.TryGetValue(chosen.Name, out var blendMembers) ? blendMembers : [chosen.Name];

        // Threshold for the best out-of-fold F1; the top out-of-fold decile is the high-risk band.
        var threshold = BinaryMetrics.BestF1Threshold(cvLabels, oofProbabilities[chosen.Name]);
        var sorted = oofProbabilities[chosen.Name].Order().ToArray();
        var highFrom = sorted[(int)(0.9 * (sorted.Length - 1))];
        var bands = new RiskBands(Math.Min(threshold, highFrom), highFrom);

        var fitted = new List<ModelMember>();
        for (var m = 0; m < memberNames.Count; m++)
        {
            progress?.Report(new TrainingProgress("Fitting the chosen model", m, memberNames.Count, memberNames[m]));
            var candidate = options.Candidates.First(c => c.Name == memberNames[m]);
            var model = candidate.Create(ml, options.Seed, threads).Fit(MlData.View(ml, features, labels, train));
            fitted.Add(new ModelMember(candidate.Name, model, calibrators[candidate.Name]));
        }

        var churnModel = new ChurnModel(ml, fitted, fitted.Count > 1 ? blendCalibrators[chosen.Name] : null, encoder, threshold, bands);
        progress?.Report(new TrainingProgress("Fitting the chosen model", memberNames.Count, memberNames.Count, chosen.Name));

        // Held-out evaluation and permutation importance on the 20% nothing above has seen.
        var testFeatures = test.Select(i => features[i]).ToArray();
        var testLabels = test.Select(i => labels[i]).ToArray();
        var testProbabilities = churnModel.Probabilities(testFeatures);
        var evaluation = Evaluation.Of(testLabels, testProbabilities, threshold);
        var importance = PermutationImportance(churnModel, testFeatures, testLabels, evaluation.Auc, options, progress, ct);

        return new TrainingResult
        {
            Model = churnModel,
            Label = label,
            Options = options,
            Source = table.Source,
            DataSha256 = table.Sha256,
            Profiles = profiles,
            Rows = data.RowCount,
            RowsWithoutLabel = table.RowCount - data.RowCount,
            TrainRows = train,
            TestRows = test,
            TrainFolds = trainFolds,
            Candidates = results,
            Chosen = chosen,
            Test = evaluation,
            Importance = importance,
            Elapsed = clock.Elapsed,
            Data = data,
        };
    }

    /// <summary>Blend name → member candidate names.</summary>
    private static Dictionary<string, IReadOnlyList<string>> BlendCandidates(List<CandidateResult> results)
    {
        var blends = new Dictionary<string, IReadOnlyList<string>>();
        var linear = results.Where(r => r.Family == "linear").MaxBy(r => r.MeanAuc);
        var trees = results.Where(r => r.Family is "fasttree" or "lightgbm").GroupBy(r => r.Family).Select(g => g.MaxBy(r => r.MeanAuc)!).OrderByDescending(r => r.MeanAuc).ToList();
        if (linear is not null && trees.Count > 0)
        {
            blends[$"blend-{linear.Name}-{trees[0].Name}"] = [linear.Name, trees[0].Name];
        }

        if (linear is not null && trees.Count > 1)
        {
            blends[$"blend-{linear.Name}-{trees[0].Name}-{trees[1].Name}"] = [linear.Name, trees[0].Name, trees[1].Name];
        }

        return blends;
    }

    private static List<FeatureImportance> PermutationImportance(ChurnModel model, float[][] features, bool[] labels, double baseAuc, TrainOptions options, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var groups = model.Encoder.Groups();
        var result = new List<FeatureImportance>();
        var random = new Random(options.Seed);
        for (var g = 0; g < groups.Count; g++)
        {
            ct.ThrowIfCancellationRequested();
            var (column, first, count) = groups[g];
            progress?.Report(new TrainingProgress("Permutation importance", g, groups.Count, column.Name));
            var drops = new List<double>();
            for (var repeat = 0; repeat < options.PermutationRepeats; repeat++)
            {
                var order = Enumerable.Range(0, features.Length).ToArray();
                random.Shuffle(order);
                var permuted = new float[features.Length][];
                for (var r = 0; r < features.Length; r++)
                {
                    var copy = (float[])features[r].Clone();
                    Array.Copy(features[order[r]], first, copy, first, count);
                    permuted[r] = copy;
                }

                drops.Add(baseAuc - BinaryMetrics.Auc(labels, model.Probabilities(permuted)));
            }

            var mean = drops.Average();
            result.Add(new FeatureImportance(column.Name, column.Kind.ToString(), mean, Math.Sqrt(drops.Sum(d => (d - mean) * (d - mean)) / drops.Count)));
        }

        progress?.Report(new TrainingProgress("Permutation importance", groups.Count, groups.Count));
        return [.. result.OrderByDescending(r => r.AucDrop)];
    }
}
