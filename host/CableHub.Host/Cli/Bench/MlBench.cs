using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CableHub.Ml.Bench;
using CableHub.Ml.Evaluation;
using CableHub.Ml.Training;
using Microsoft.ML;

namespace CableHub.Host.Cli.Bench;

/// <summary>
/// <c>bench ml --rows N</c>: training time of the churn model on N synthetic subscribers × 30 features (seeded, with
/// realistic churn drivers; generated untimed). Timed: the data view, the fit of the production candidate on all rows
/// (LightGBM, 500 iterations × 31 leaves by default) and its Platt calibration on a 10% calibration part — what
/// <c>ml train</c> does for the chosen model. The AUC on 100k further rows shows it learned. <c>RESULT train_seconds</c> last.
/// </summary>
public static class MlBench
{
    public static Command Build()
    {
        var rows = new Option<int>("--rows") { Description = "training rows (30 features each)", DefaultValueFactory = _ => 1_000_000 };
        var candidate = new Option<string>("--candidate") { Description = "candidate to train (lightgbm-large, lightgbm-small, fasttree-small, fasttree-large, linear)", DefaultValueFactory = _ => "lightgbm-large" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 42 };
        var threads = new Option<int>("--threads") { Description = "trainer threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("ml", "Churn model training time on synthetic subscribers × 30 features") { rows, candidate, seed, threads };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse =>
        {
            var n = parse.GetValue(rows);
            if (n < 1000)
            {
                Console.Error.WriteLine("--rows must be at least 1000");
                return 2;
            }

            Candidate chosen;
            try
            {
                chosen = Candidates.Select(parse.GetValue(candidate)).Single();
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                Console.Error.WriteLine($"bench ml: --candidate must name exactly one candidate ({ex.Message})");
                return 2;
            }

            var s = parse.GetValue(seed);
            var generate = Stopwatch.StartNew();
            var calibrationRows = Math.Max(1000, n / 10);
            var (features, labels) = SyntheticChurn.Encoded(n + calibrationRows, s);
            var (testFeatures, testLabels) = SyntheticChurn.Encoded(100_000, s + 1);
            Console.WriteLine($"generated {n:N0} + {calibrationRows:N0} calibration + 100,000 test rows × {SyntheticChurn.FeatureNames.Count} features in {generate.Elapsed.TotalSeconds:0.0} s (not timed); churn rate {labels.Count(l => l) / (double)labels.Length:P1}");

            var ml = new MLContext(s);
            var trainRows = Enumerable.Range(0, n).ToArray();
            var calibration = Enumerable.Range(n, calibrationRows).ToArray();
            var clock = Stopwatch.StartNew();
            var model = chosen.Create(ml, s, parse.GetValue(threads)).Fit(MlData.View(ml, features, labels, trainRows));
            var fitSeconds = clock.Elapsed.TotalSeconds;
            var calibrationScores = MlData.Column(model, MlData.View(ml, features, labels, calibration), Columns.Score);
            var calibrator = ml.BinaryClassification.Calibrators.Platt(Columns.Label, Columns.Score).Fit(MlData.Scores(ml, [.. calibration.Select(i => labels[i])], calibrationScores));
            var trainSeconds = clock.Elapsed.TotalSeconds;

            var probabilities = ChurnModel.Calibrate(ml, calibrator, MlData.Column(model, MlData.View(ml, testFeatures, testLabels), Columns.Score));
            var auc = BinaryMetrics.Auc(testLabels, probabilities);
            Console.WriteLine($"{chosen.Name} ({chosen.Settings}), {parse.GetValue(threads)} thread(s): fit {fitSeconds:0.0} s, with calibration {trainSeconds:0.0} s; test AUC {auc:0.0000}, Brier {BinaryMetrics.Brier(testLabels, probabilities):0.0000}");
            Console.WriteLine($"RESULT test_auc {auc.ToString("0.0000", CultureInfo.InvariantCulture)}");
            Console.WriteLine($"RESULT train_seconds {trainSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
            return 0;
        });
        return command;
    }
}
