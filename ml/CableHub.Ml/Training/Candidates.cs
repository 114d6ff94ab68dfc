using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace CableHub.Ml.Training;

/// <summary>One model to try: a family (linear, fasttree, lightgbm), its settings, and how to build it.</summary>
public sealed record Candidate(string Name, string Family, string Settings, Func<MLContext, int, int, IEstimator<ITransformer>> Build)
{
    /// <summary>Builds the estimator for a context, seed and thread count.</summary>
    public IEstimator<ITransformer> Create(MLContext ml, int seed, int threads) => Build(ml, seed, threads);
}

/// <summary>
/// The candidates compared by cross-validation: a linear baseline (L-BFGS logistic regression on standardised
/// features) and FastTree / LightGBM at two sizes each — a small, strongly regularised ensemble that suits a few
/// thousand rows and a larger one for bigger tables. Modest tuning on purpose: published telco results come from
/// well-regularised models, and wide searches on small tables overfit the validation folds.
/// </summary>
public static class Candidates
{
    public static Candidate Linear { get; } = new("linear", "linear", "L-BFGS logistic regression, L2 = 1, features standardised",
        (ml, _, threads) => ml.Transforms.NormalizeMeanVariance(Columns.Features)
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
            {
                LabelColumnName = Columns.Label,
                FeatureColumnName = Columns.Features,
                L2Regularization = 1f,
                L1Regularization = 0f,
                OptimizationTolerance = 1e-7f,
                NumberOfThreads = threads,
            })));

    public static Candidate FastTreeSmall { get; } = FastTree("fasttree-small", leaves: 8, trees: 200, learningRate: 0.05, minLeaf: 20);

    public static Candidate FastTreeLarge { get; } = FastTree("fasttree-large", leaves: 24, trees: 400, learningRate: 0.05, minLeaf: 10);

    public static Candidate LightGbmSmall { get; } = LightGbm("lightgbm-small", leaves: 8, iterations: 250, learningRate: 0.04, minLeaf: 20);

    public static Candidate LightGbmLarge { get; } = LightGbm("lightgbm-large", leaves: 31, iterations: 500, learningRate: 0.03, minLeaf: 10);

    /// <summary>The default set, in report order.</summary>
    public static IReadOnlyList<Candidate> Default { get; } = [Linear, FastTreeSmall, FastTreeLarge, LightGbmSmall, LightGbmLarge];

    /// <summary>Candidates by name (comma-separated names or families, e.g. "lightgbm,linear"); all when empty.</summary>
    public static IReadOnlyList<Candidate> Select(string? names)
    {
        if (string.IsNullOrWhiteSpace(names))
        {
            return Default;
        }

        var wanted = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var chosen = Default.Where(c => wanted.Any(w => string.Equals(w, c.Name, StringComparison.OrdinalIgnoreCase) || string.Equals(w, c.Family, StringComparison.OrdinalIgnoreCase))).ToList();
        var unknown = wanted.Where(w => !Default.Any(c => string.Equals(w, c.Name, StringComparison.OrdinalIgnoreCase) || string.Equals(w, c.Family, StringComparison.OrdinalIgnoreCase))).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"unknown candidate(s) {string.Join(", ", unknown)}; known: {string.Join(", ", Default.Select(c => c.Name))} (or a family: linear, fasttree, lightgbm)");
        }

        return chosen;
    }

    public static Candidate FastTree(string name, int leaves, int trees, double learningRate, int minLeaf) =>
        new(name, "fasttree", $"{trees} trees × {leaves} leaves, learning rate {learningRate}, ≥ {minLeaf} rows per leaf, 80% features and rows per tree",
            (ml, seed, threads) => ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
            {
                LabelColumnName = Columns.Label,
                FeatureColumnName = Columns.Features,
                NumberOfLeaves = leaves,
                NumberOfTrees = trees,
                LearningRate = learningRate,
                MinimumExampleCountPerLeaf = minLeaf,
                FeatureFraction = 0.8,
                BaggingSize = 1,
                BaggingExampleFraction = 0.8,
                Seed = seed,
                FeatureSelectionSeed = seed,
                NumberOfThreads = threads,
            }));

    public static Candidate LightGbm(string name, int leaves, int iterations, double learningRate, int minLeaf) =>
        new(name, "lightgbm", $"{iterations} iterations × {leaves} leaves, learning rate {learningRate}, ≥ {minLeaf} rows per leaf, 80% features and rows, L2 = 1",
            (ml, seed, threads) => ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
            {
                LabelColumnName = Columns.Label,
                FeatureColumnName = Columns.Features,
                NumberOfLeaves = leaves,
                NumberOfIterations = iterations,
                LearningRate = learningRate,
                MinimumExampleCountPerLeaf = minLeaf,
                Seed = seed,
                Deterministic = true,
                NumberOfThreads = threads,
                Silent = true,
                Verbose = false,
                Booster = new GradientBooster.Options
                {
                    FeatureFraction = 0.8,
                    SubsampleFraction = 0.8,
                    SubsampleFrequency = 1,
                    L2Regularization = 1,
                },
            }));
}

/// <summary>Column names of the model's input and output.</summary>
public static class Columns
{
    public const string Label = "Label";
    public const string Features = "Features";
    public const string Score = "Score";
    public const string Probability = "Probability";
}
