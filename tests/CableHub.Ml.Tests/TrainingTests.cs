using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using CableHub.Ml.Bench;
using CableHub.Ml.Data;
using CableHub.Ml.Registry;
using CableHub.Ml.Reporting;
using CableHub.Ml.Training;
using CableHub.Testing;
using Parquet;

namespace CableHub.Ml.Tests;

[Collection(FixtureTrainingCollection.Name)]
public sealed class TrainingTests(FixtureTraining fixture)
{
    [Fact]
    public void The_public_churn_table_reaches_a_held_out_auc_well_above_chance()
    {
        var result = fixture.Result;
        // Published results on this table (UCI 563) are 0.95–0.99; the brief's floor for any public telco table is 0.83.
        result.Test.Auc.ShouldBeGreaterThan(0.95);
        result.Test.Auc.ShouldBeLessThan(0.999);
        result.TestRows.Length.ShouldBe(630);
        result.Test.Positives.ShouldBe(99);
        result.Candidates.Select(c => c.Family).Distinct().ShouldBe(["linear", "fasttree", "lightgbm", "blend"], ignoreOrder: true);
        result.Chosen.MeanAuc.ShouldBe(result.Candidates.Max(c => c.MeanAuc));
        result.Test.LiftTopDecile.ShouldBeGreaterThan(3);
        result.Importance[0].AucDrop.ShouldBeGreaterThan(0.005);
    }

    [Fact]
    public void Calibrated_probabilities_rise_with_the_score_and_match_churn_rates()
    {
        var model = fixture.Result.Model;
        var grid = Enumerable.Range(-40, 81).Select(i => i / 4.0).ToArray();
        foreach (var member in model.Members)
        {
            var p = ChurnModel.Calibrate(model.Context, member.Calibrator, grid);
            for (var i = 1; i < p.Length; i++)
            {
                p[i].ShouldBeGreaterThanOrEqualTo(p[i - 1]);
            }

            p[^1].ShouldBeGreaterThan(p[0] + 0.5);
        }

        // Calibration in the large on the held-out rows: mean probability close to the observed churn rate.
        var test = fixture.Result.Test;
        var meanPredicted = test.Calibration.Sum(b => b.MeanPredicted * b.Count) / test.Rows;
        meanPredicted.ShouldBe(test.PositiveRate, 0.03);
        test.Brier.ShouldBeLessThan(test.PositiveRate * (1 - test.PositiveRate)); // better than always predicting the base rate
    }

    [Fact]
    public void The_report_has_real_plots_an_html_page_and_metrics_json()
    {
        using var dir = new TempDirectory("ml-report");
        var files = HtmlReport.Write(fixture.Result, dir.Path);
        files.Plots.Count.ShouldBe(5);
        foreach (var plot in files.Plots)
        {
            var bytes = File.ReadAllBytes(plot);
            bytes.Take(8).ShouldBe(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, $"{plot} is not a PNG");
            BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)).ShouldBe(800);
            BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4)).ShouldBeGreaterThanOrEqualTo(600);
            bytes.Length.ShouldBeGreaterThan(15_000, $"{plot} looks empty");
        }

        var html = File.ReadAllText(files.Html);
        foreach (var (file, _) in Plots.Files)
        {
            html.ShouldContain($"<img src=\"{file}\"");
        }

        html.ShouldContain("Confusion matrix");
        html.ShouldContain(fixture.Result.Test.Auc.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture));
        using var json = JsonDocument.Parse(File.ReadAllText(files.MetricsJson));
        json.RootElement.GetProperty("test").GetProperty("auc").GetDouble().ShouldBe(fixture.Result.Test.Auc);
        json.RootElement.GetProperty("test").GetProperty("confusion").GetProperty("truePositives").GetInt32().ShouldBe(fixture.Result.Test.Confusion.TruePositives);
        json.RootElement.GetProperty("dataSha256").GetString().ShouldBe("72a4a660cba4166bab4f0c24e930d5453d1917e208c9ce2ed16b841347350dd3");
    }

    [Fact]
    public void A_registered_model_loads_and_scores_the_same_rows_with_the_same_probabilities()
    {
        using var dir = new TempDirectory("ml-registry");
        var registry = new ModelRegistry(dir.Path);
        var time = new FixedTime(new DateTimeOffset(2026, 5, 1, 6, 0, 0, TimeSpan.Zero));
        var first = registry.Register(fixture.Result, "churn", time);
        var second = registry.Register(fixture.Result, "churn", time);
        first.Manifest.Version.ShouldBe(1);
        second.Manifest.Version.ShouldBe(2);
        File.Exists(Path.Combine(first.Directory, "metrics.json")).ShouldBeTrue();
        File.Exists(Path.Combine(first.Directory, "member-0.zip")).ShouldBeTrue();

        var loaded = registry.Load("churn@1");
        loaded.Manifest.DataSha256.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, FixtureTraining.File)))));
        loaded.Manifest.Features.ShouldContain("Complains");
        loaded.Manifest.CreatedAt.ShouldBe(time.GetUtcNow());
        registry.Load("churn").Manifest.Version.ShouldBe(2);
        registry.List().Count.ShouldBe(2);

        var rows = fixture.Table.Subset(fixture.Result.TestRows.Take(200));
        var expected = fixture.Result.Model.Score(rows).Probabilities;
        var actual = loaded.Model.Score(rows).Probabilities;
        actual.Length.ShouldBe(200);
        for (var i = 0; i < actual.Length; i++)
        {
            actual[i].ShouldBe(expected[i], 1e-6);
        }

        actual.Distinct().Count().ShouldBeGreaterThan(50);
    }

    [Fact]
    public void Scoring_checks_the_input_against_the_model_schema()
    {
        using var dir = new TempDirectory("ml-registry");
        var registry = new ModelRegistry(dir.Path);
        registry.Register(fixture.Result, "churn", TimeProvider.System);
        var model = registry.Load("churn");
        var table = fixture.Table;

        var withoutColumn = new RawTable([.. table.Columns.Where(c => c != "Complains")], [.. table.Rows.Take(5).Select(r => r.Where((_, i) => table.Columns[i] != "Complains").ToArray())], "no-complains.csv");
        Should.Throw<InvalidDataException>(() => ModelScoring.Score(model, withoutColumn)).Message.ShouldContain("'Complains'");

        var age = table.IndexOf("Age");
        var bad = table.Rows.Take(5).Select(r => (string[])r.Clone()).ToList();
        bad[3][age] = "thirty";
        var ex = Should.Throw<InvalidDataException>(() => ModelScoring.Score(model, new RawTable(table.Columns, bad, "bad.csv")));
        ex.Message.ShouldContain("column 'Age'");
        ex.Message.ShouldContain("row 4");
        ex.Message.ShouldContain("'thirty'");

        var (scored, _) = ModelScoring.Score(model, table.Subset(Enumerable.Range(0, 50)));
        scored.Count.ShouldBe(50);
        scored.ShouldAllBe(r => r.Probability >= 0 && r.Probability <= 1 && (r.Band == "low" || r.Band == "medium" || r.Band == "high"));
        scored.Where(r => r.Band == "high").ShouldAllBe(r => r.Reasons.Count > 0);
    }

    [Fact]
    public async Task The_split_exports_as_parquet_with_label_split_and_fold()
    {
        using var dir = new TempDirectory("ml-export");
        var path = await SplitExport.WriteAsync(fixture.Result, Path.Combine(dir.Path, "split.parquet"), TestContext.Current.CancellationToken);
        await using var reader = await ParquetReader.CreateAsync(path, cancellationToken: TestContext.Current.CancellationToken);
        var fields = reader.Schema.GetDataFields();
        fields.Select(f => f.Name).ShouldContain("Complains");
        fields.Select(f => f.Name).ShouldContain("split");
        using var group = reader.OpenRowGroupReader(0);
        group.RowCount.ShouldBe(3150);
        var split = new string?[3150];
        await group.ReadAsync(fields.Single(f => f.Name == "split"), split.AsMemory(), null, TestContext.Current.CancellationToken);
        split.Count(s => s == "test").ShouldBe(630);
        var label = new int[3150];
        await group.ReadAsync<int>(fields.Single(f => f.Name == "label"), label.AsMemory(), null, TestContext.Current.CancellationToken);
        label.Sum().ShouldBe(495);
        File.Exists(Path.ChangeExtension(path, ".json")).ShouldBeTrue();
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

/// <summary>Schemas other than the fixture's: the same pipeline, no column-specific code.</summary>
public sealed class GeneralisationTests
{
    [Fact]
    public void A_telco_like_table_with_an_id_blanks_and_yes_no_label_trains_and_explains()
    {
        var table = SyntheticChurn.Table(4000, seed: 3);
        var result = ChurnTrainer.Train(table, new TrainOptions { Label = "churned", Candidates = Candidates.Select("lightgbm-small,linear"), Folds = 3, PermutationRepeats = 1 });
        result.Profiles.Single(p => p.Name == "customer_id").Kind.ShouldBe(ColumnKind.Id);
        result.Profiles.Single(p => p.Name == "vod_spend_90d").Kind.ShouldBe(ColumnKind.Numeric);
        result.Profiles.Single(p => p.Name == "contract").Kind.ShouldBe(ColumnKind.Categorical);
        result.Profiles.Single(p => p.Name == "paperless").Kind.ShouldBe(ColumnKind.Boolean);
        result.Label.PositiveValue.ShouldBe("Yes");
        result.Test.Auc.ShouldBeGreaterThan(0.75);
        result.Importance.Take(4).Select(f => f.Column).ShouldContain("tenure_months");
        result.Importance.Single(f => f.Column == "paperless").AucDrop.ShouldBeLessThan(0.01); // pure noise in the generator

        var top = result.TestRows.Select(i => result.Data.Rows[i]).ToArray();
        var testTable = new RawTable(result.Data.Columns, top, "test");
        var scored = result.Model.Score(testTable);
        var highest = Enumerable.Range(0, top.Length).MaxBy(i => scored.Probabilities[i]);
        var reasons = result.Model.Explain(testTable.Subset([highest]), [scored.Features[highest]], [scored.Probabilities[highest]]);
        reasons[0].Length.ShouldBeGreaterThan(0);
        reasons[0].ShouldAllBe(r => r.Effect > 0);
        reasons[0].Select(r => r.Column).ShouldBeSubsetOf(["tenure_months", "contract", "monthly_price", "late_payments_180d", "tickets_90d", "stb_faults_90d", "payment_method", "vod_spend_90d", "channels"]);
    }

    [Fact]
    public void A_bigml_like_table_with_true_false_labels_and_a_state_column_trains()
    {
        var random = new Random(5);
        string[] states = ["KS", "OH", "NJ", "OK", "AL", "MA", "MO", "LA", "WV", "IN"];
        var rows = new List<string[]>();
        for (var i = 0; i < 3000; i++)
        {
            var plan = random.NextDouble() < 0.1;
            var calls = random.Next(0, 8);
            var minutes = 100 + (random.NextDouble() * 250);
            var logit = -3 + (plan ? 2 : 0) + (calls >= 4 ? 2.2 : 0) + ((minutes - 220) / 40);
            var churn = random.NextDouble() < 1 / (1 + Math.Exp(-logit));
            rows.Add([states[random.Next(states.Length)], random.Next(1, 240).ToString(System.Globalization.CultureInfo.InvariantCulture), plan ? "Yes" : "No",
                minutes.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture), calls.ToString(System.Globalization.CultureInfo.InvariantCulture), churn ? "True." : "False."]);
        }

        var table = new RawTable(["State", "Account length", "International plan", "Total day minutes", "Customer service calls", "Churn"], rows, "bigml-like");
        var result = ChurnTrainer.Train(table, new TrainOptions { Label = "Churn", Candidates = Candidates.Select("fasttree-small,linear"), Folds = 3, PermutationRepeats = 1 });
        result.Label.PositiveValue.ShouldBe("True.");
        result.Profiles.Single(p => p.Name == "State").Kind.ShouldBe(ColumnKind.Categorical);
        result.Profiles.Single(p => p.Name == "International plan").Kind.ShouldBe(ColumnKind.Boolean);
        result.Test.Auc.ShouldBeGreaterThan(0.8);
        result.Importance.Take(3).Select(f => f.Column).ShouldBe(["Total day minutes", "Customer service calls", "International plan"], ignoreOrder: true);
    }
}
