using System.Text;
using CableHub.Ml.Data;
using CableHub.Ml.Features;
using CableHub.Ml.Training;

namespace CableHub.Ml.Tests;

public sealed class DataTests
{
    private static RawTable Csv(string text) => RawTable.ReadCsv(Encoding.UTF8.GetBytes(text), "test.csv");

    private static ColumnProfile Profile(string name, params string[] values) => ColumnInference.Profile(name, values);

    [Fact]
    public void Numbers_with_blank_cells_are_numeric_and_count_the_blanks()
    {
        // The IBM telco table writes TotalCharges as " " for new customers.
        var values = Enumerable.Range(1, 50).Select(i => (i * 19.85).ToString(System.Globalization.CultureInfo.InvariantCulture)).Concat([" ", "", "NA"]).ToArray();
        var profile = Profile("TotalCharges", values);
        profile.Kind.ShouldBe(ColumnKind.Numeric);
        profile.Blanks.ShouldBe(3);
    }

    [Theory]
    [InlineData("Yes", "No")]
    [InlineData("True", "False")]
    [InlineData("TRUE.", "FALSE.")]
    [InlineData("y", "n")]
    public void Two_valued_yes_no_columns_are_boolean(string yes, string no)
    {
        var profile = Profile("Partner", [.. Enumerable.Range(0, 40).Select(i => i % 3 == 0 ? yes : no)]);
        profile.Kind.ShouldBe(ColumnKind.Boolean);
        ColumnInference.ParseBoolean(yes).ShouldBe(1);
        ColumnInference.ParseBoolean(no).ShouldBe(0);
    }

    [Fact]
    public void Strings_from_a_small_set_are_categorical_and_unique_strings_are_identifiers()
    {
        Profile("Contract", [.. Enumerable.Range(0, 60).Select(i => (i % 3) switch { 0 => "Month-to-month", 1 => "One year", _ => "Two year" })]).Kind.ShouldBe(ColumnKind.Categorical);
        Profile("customerID", [.. Enumerable.Range(0, 60).Select(i => $"{i:0000}-ABCDE")]).Kind.ShouldBe(ColumnKind.Id);
        Profile("Phone", [.. Enumerable.Range(0, 60).Select(i => $"382-{4657 + i}")]).Kind.ShouldBe(ColumnKind.Id);
    }

    [Fact]
    public void Unique_integers_are_keys_but_repeated_integers_and_decimals_are_measurements()
    {
        Profile("CustomerID", [.. Enumerable.Range(3000002, 60).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))]).Kind.ShouldBe(ColumnKind.Id);
        Profile("tenure", [.. Enumerable.Range(0, 60).Select(i => (i % 24).ToString(System.Globalization.CultureInfo.InvariantCulture))]).Kind.ShouldBe(ColumnKind.Numeric);
        Profile("MonthlyCharges", [.. Enumerable.Range(0, 60).Select(i => (20.05 + i).ToString(System.Globalization.CultureInfo.InvariantCulture))]).Kind.ShouldBe(ColumnKind.Numeric);
    }

    [Fact]
    public void Constant_and_empty_columns_are_dropped()
    {
        Profile("Country", [.. Enumerable.Repeat("United States", 30)]).Kind.ShouldBe(ColumnKind.Constant);
        Profile("Nothing", [.. Enumerable.Repeat(" ", 30)]).Kind.ShouldBe(ColumnKind.Constant);
    }

    [Fact]
    public void A_column_named_with_id_is_dropped_whatever_its_values()
    {
        var table = Csv("a,b,label\n1,x,1\n1,y,0\n2,x,1\n2,y,0\n");
        var profiles = ColumnInference.Infer(table, ["label"], ["A"]);
        profiles.Single(p => p.Name == "a").Kind.ShouldBe(ColumnKind.Id);
        profiles.Single(p => p.Name == "b").Kind.ShouldBe(ColumnKind.Categorical);
        profiles.ShouldNotContain(p => p.Name == "label");
    }

    [Fact]
    public void Labels_resolve_to_the_true_member_or_the_larger_number_or_the_named_value()
    {
        LabelSpec.Resolve(Csv("x,Churn\n1,No\n2,Yes\n"), "churn", null).PositiveValue.ShouldBe("Yes");
        LabelSpec.Resolve(Csv("x,Churn\n1,False.\n2,True.\n"), "Churn", null).PositiveValue.ShouldBe("True.");
        LabelSpec.Resolve(Csv("x,Churn\n1,0\n2,1\n"), "Churn", null).PositiveValue.ShouldBe("1");
        var spec = LabelSpec.Resolve(Csv("x,Status\n1,left\n2,stayed\n3,paused\n"), "Status", "LEFT");
        spec.PositiveValue.ShouldBe("left");
        spec.IsPositive(" Left ").ShouldBeTrue();
    }

    [Fact]
    public void Unclear_labels_are_errors_that_name_the_values()
    {
        Should.Throw<InvalidDataException>(() => LabelSpec.Resolve(Csv("x,Status\n1,left\n2,stayed\n3,paused\n"), "Status", null))
            .Message.ShouldContain("'paused'");
        Should.Throw<InvalidDataException>(() => LabelSpec.Resolve(Csv("x,Status\n1,left\n2,stayed\n"), "Status", "gone"))
            .Message.ShouldContain("no value 'gone'");
        Should.Throw<InvalidDataException>(() => LabelSpec.Resolve(Csv("x,Status\n1,left\n"), "Churn", null))
            .Message.ShouldContain("no column 'Churn'");
    }

    [Fact]
    public void A_malformed_csv_line_is_an_error_naming_the_line()
    {
        var ex = Should.Throw<InvalidDataException>(() => Csv("a,b\n1,2\n3,\"unterminated\n"));
        ex.Message.ShouldContain("test.csv");
        ex.Message.ShouldContain("line 3");
    }

    [Fact]
    public void Encoding_fills_blanks_with_the_training_mean_and_flags_them_and_one_hots_categories()
    {
        var table = Csv("num,cat,flag\n1,a,Yes\n3,b,No\n ,a,Yes\n5,zzz,No\n");
        var profiles = new[]
        {
            new ColumnProfile("num", ColumnKind.Numeric, 1, 3, ""),
            new ColumnProfile("cat", ColumnKind.Categorical, 0, 3, ""),
            new ColumnProfile("flag", ColumnKind.Boolean, 0, 2, ""),
        };
        var encoder = FeatureEncoder.Fit(table, profiles, [0, 1, 2, 3]);
        encoder.SlotNames.ShouldBe(["num", "num missing", "cat=(other)", "flag"]); // a, b, zzz are each too rare for a level of their own
        var rows = encoder.Transform(table, out var issues);
        rows[2][0].ShouldBe(3f); // mean of 1, 3, 5
        rows[2][1].ShouldBe(1f);
        rows[0][3].ShouldBe(1f);
        rows[1][3].ShouldBe(0f);
        issues.Unparsable.ShouldBeEmpty();
        issues.OtherLevels["cat"].ShouldBe(4); // no level of their own: scored as (other)
    }

    [Fact]
    public void Frequent_levels_get_slots_and_unseen_ones_go_to_other()
    {
        var train = new RawTable(["cat"], [.. Enumerable.Range(0, 30).Select(i => new[] { i % 2 == 0 ? "DSL" : "Fiber optic" })]);
        var encoder = FeatureEncoder.Fit(train, [new ColumnProfile("cat", ColumnKind.Categorical, 0, 2, "")], [.. Enumerable.Range(0, 30)]);
        encoder.SlotNames.ShouldBe(["cat=DSL", "cat=Fiber optic", "cat=(other)"]);
        var rows = encoder.Transform(new RawTable(["cat"], [["Fiber optic"], ["Satellite"]]), out var issues);
        rows[0].ShouldBe([0f, 1f, 0f]);
        rows[1].ShouldBe([0f, 0f, 1f]);
        issues.OtherLevels["cat"].ShouldBe(1);
    }

    [Fact]
    public void The_split_is_stratified_and_the_same_for_the_same_seed()
    {
        var labels = Enumerable.Range(0, 1000).Select(i => i % 7 == 0).ToArray();
        var (train, test) = StratifiedSplit.TrainTest(labels, 0.2, 42);
        var (train2, test2) = StratifiedSplit.TrainTest(labels, 0.2, 42);
        var (_, test3) = StratifiedSplit.TrainTest(labels, 0.2, 43);
        test.ShouldBe(test2);
        train.ShouldBe(train2);
        test.ShouldNotBe(test3);
        train.Intersect(test).ShouldBeEmpty();
        (train.Length + test.Length).ShouldBe(1000);
        test.Count(i => labels[i]).ShouldBe((int)Math.Round(labels.Count(l => l) * 0.2, MidpointRounding.AwayFromZero));

        var folds = StratifiedSplit.Folds(labels, 5, 42);
        folds.ShouldBe(StratifiedSplit.Folds(labels, 5, 42));
        for (var f = 0; f < 5; f++)
        {
            folds.Count(x => x == f).ShouldBeInRange(199, 201);
            Enumerable.Range(0, 1000).Count(i => folds[i] == f && labels[i]).ShouldBeInRange(28, 30);
        }
    }
}
