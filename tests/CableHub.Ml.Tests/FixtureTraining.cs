using CableHub.Ml.Data;
using CableHub.Ml.Training;

namespace CableHub.Ml.Tests;

/// <summary>
/// One training run on the public Iranian telecom churn table (UCI 563, Fixtures/churn, provenance beside it) with the
/// default candidates and seed — exactly what <c>ml evaluate --csv … --label Churn</c> does — shared by the tests
/// that inspect its outcome.
/// </summary>
public sealed class FixtureTraining
{
    public const string File = "Fixtures/churn/iranian_churn_UCI563.csv";

    private readonly Lazy<(RawTable Table, TrainingResult Result)> _run = new(() =>
    {
        var table = RawTable.ReadCsv(Path.Combine(AppContext.BaseDirectory, File));
        return (table, ChurnTrainer.Train(table, new TrainOptions { Label = "Churn" }));
    });

    public RawTable Table => _run.Value.Table;

    public TrainingResult Result => _run.Value.Result;
}

[CollectionDefinition(Name)]
public sealed class FixtureTrainingCollection : ICollectionFixture<FixtureTraining>
{
    public const string Name = "fixture training";
}
