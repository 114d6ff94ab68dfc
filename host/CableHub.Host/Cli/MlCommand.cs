using System.CommandLine;
using System.Globalization;
using CableHub.Host.Configuration;
using CableHub.Host.Infrastructure;
using CableHub.Ml.Data;
using CableHub.Ml.Registry;
using CableHub.Ml.Reporting;
using CableHub.Ml.Training;
using CableHub.Ml.Warehouse;
using CsvHelper;
using Spectre.Console;

namespace CableHub.Host.Cli;

/// <summary>
/// <c>ml evaluate | train | score | models</c>: churn models on any CSV (CableHub.Ml). <c>evaluate</c> prints the
/// held-out metrics and writes the report, <c>RESULT auc</c> last; <c>train</c> does the same and keeps the model in
/// the registry (<c>&lt;DataDirectory&gt;/ml/registry</c> unless <c>--registry</c>).
/// </summary>
public static class MlCommand
{
    public static Command Build()
    {
        var command = new Command("ml", "Churn models: evaluate or train on any CSV, score with a registered model");
        command.Subcommands.Add(Evaluate("evaluate", "Train and evaluate on a CSV (seeded stratified 80/20 split, CV on the 80); report with plots; RESULT auc last", register: false));
        command.Subcommands.Add(Evaluate("train", "As evaluate, and keep the model in the registry (versioned zip, metrics, data hash, features, schema)", register: true));
        command.Subcommands.Add(Score());
        command.Subcommands.Add(Models());
        command.Subcommands.Add(Features());
        command.Subcommands.Add(ScoreWarehouse());
        return command;
    }

    private static Command Evaluate(string name, string description, bool register)
    {
        var csv = new Option<string>("--csv") { Description = "the table (header line; separator , ; tab or |)", Required = true };
        var label = new Option<string>("--label") { Description = "the label column (churned or not)", Required = true };
        var positive = new Option<string?>("--positive") { Description = "the label value that means churn (inferred for Yes/No, True/False, 1/0)" };
        var id = new Option<string[]>("--id") { Description = "identifier column(s) to drop (repeat or comma-separate); unique strings are dropped anyway", AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out") { Description = "report folder (report.html, metrics.json, PNG plots)", DefaultValueFactory = _ => "ml-report" };
        var seed = new Option<int>("--seed") { Description = "seed of the split, folds and models", DefaultValueFactory = _ => 42 };
        var folds = new Option<int>("--folds") { Description = "cross-validation folds on the training part", DefaultValueFactory = _ => 5 };
        var candidates = new Option<string?>("--candidates") { Description = "candidates or families to compare, e.g. lightgbm,linear (default: all)" };
        var export = new Option<string?>("--export-split") { Description = "also write the data with its split and folds as Parquet (for pandas), plus a .json beside it" };
        var command = new Command(name, description) { csv, label, positive, id, output, seed, folds, candidates, export };
        var modelName = new Option<string>("--name") { Description = "model name in the registry", DefaultValueFactory = _ => "churn" };
        var registry = new Option<string?>("--registry") { Description = "registry folder (default <DataDirectory>/ml/registry)" };
        if (register)
        {
            command.Options.Add(modelName);
            command.Options.Add(registry);
        }

        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            TrainOptions options;
            RawTable table;
            try
            {
                table = RawTable.ReadCsv(parse.GetValue(csv)!);
                options = new TrainOptions
                {
                    Label = parse.GetValue(label)!,
                    Positive = parse.GetValue(positive),
                    IdColumns = [.. (parse.GetValue(id) ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
                    Seed = parse.GetValue(seed),
                    Folds = parse.GetValue(folds),
                    Candidates = Candidates.Select(parse.GetValue(candidates)),
                };
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or ArgumentException)
            {
                await Console.Error.WriteLineAsync($"ml {name}: {ex.Message}").ConfigureAwait(false);
                return 2;
            }

            AnsiConsole.MarkupLineInterpolated($"[bold]{table.Source}[/]: {table.RowCount:N0} rows × {table.Columns.Count} columns");
            TrainingResult result;
            try
            {
                result = WithProgress(progress => ChurnTrainer.Train(table, options, progress, ct));
            }
            catch (InvalidDataException ex)
            {
                await Console.Error.WriteLineAsync($"ml {name}: {ex.Message}").ConfigureAwait(false);
                return 2;
            }

            Print(result);
            var files = HtmlReport.Write(result, parse.GetValue(output)!);
            AnsiConsole.MarkupLineInterpolated($"Report: [link]{Path.GetFullPath(files.Html)}[/] (metrics.json and {files.Plots.Count} PNG plots beside it)");
            if (parse.GetValue(export) is { } exportPath)
            {
                await SplitExport.WriteAsync(result, exportPath, ct).ConfigureAwait(false);
                AnsiConsole.MarkupLineInterpolated($"Split exported: {Path.GetFullPath(exportPath)} (+ .json with the seed and columns)");
            }

            if (register)
            {
                var registered = new ModelRegistry(RegistryRoot(parse, parse.GetValue(registry))).Register(result, parse.GetValue(modelName)!, TimeProvider.System);
                AnsiConsole.MarkupLineInterpolated($"Registered [bold]{registered.Manifest.Name} {registered.Manifest.VersionTag}[/] in {registered.Directory}");
                Console.WriteLine($"RESULT model_version {registered.Manifest.Version.ToString(CultureInfo.InvariantCulture)}");
            }

            Console.WriteLine($"RESULT auc {result.Test.Auc.ToString("0.0000", CultureInfo.InvariantCulture)}");
            return 0;
        });
        return command;
    }

    private static Command Score()
    {
        var model = new Option<string>("--model") { Description = "registered model: NAME (latest) or NAME@VERSION", DefaultValueFactory = _ => "churn" };
        var csv = new Option<string>("--csv") { Description = "rows to score (the model's feature columns by name)", Required = true };
        var output = new Option<string>("--out") { Description = "scores CSV (id, probability, band, reasons)", DefaultValueFactory = _ => "scores.csv" };
        var registry = new Option<string?>("--registry") { Description = "registry folder (default <DataDirectory>/ml/registry)" };
        var command = new Command("score", "Score a CSV with a registered model; the input is checked against the model's schema first") { model, csv, output, registry };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse =>
        {
            try
            {
                var registered = new ModelRegistry(RegistryRoot(parse, parse.GetValue(registry))).Load(parse.GetValue(model)!);
                var table = RawTable.ReadCsv(parse.GetValue(csv)!);
                var (rows, unknown) = ModelScoring.Score(registered, table);
                var path = parse.GetValue(output)!;
                using (var writer = CsvWriter.ToFile(path))
                {
                    writer.WriteHeader(["id", "probability", "risk_band", "top_reasons"]);
                    foreach (var row in rows)
                    {
                        writer.WriteRecord([row.Id ?? "", row.Probability.ToString("0.000000", CultureInfo.InvariantCulture), row.Band, string.Join("; ", row.Reasons)]);
                    }
                }

                foreach (var (column, count) in unknown)
                {
                    AnsiConsole.MarkupLineInterpolated($"[yellow]{column}: {count} value(s) without a level of their own (rare or unseen in training), scored as (other)[/]");
                }

                AnsiConsole.MarkupLineInterpolated($"{registered.Manifest.Name} {registered.Manifest.VersionTag}: {rows.Count:N0} rows → {Path.GetFullPath(path)}; bands: {string.Join(", ", rows.GroupBy(r => r.Band).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count():N0}"))}");
                Console.WriteLine($"RESULT rows_scored {rows.Count.ToString(CultureInfo.InvariantCulture)}");
                return 0;
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or ArgumentException)
            {
                Console.Error.WriteLine($"ml score: {ex.Message}");
                return 2;
            }
        });
        return command;
    }

    private static Command Models()
    {
        var registry = new Option<string?>("--registry") { Description = "registry folder (default <DataDirectory>/ml/registry)" };
        var command = new Command("models", "List the registered models") { registry };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse =>
        {
            var root = RegistryRoot(parse, parse.GetValue(registry));
            var table = new Table().Border(TableBorder.Rounded).AddColumns("name", "version", "created (UTC)", "model", "held-out AUC", "rows", "data SHA-256", "features");
            foreach (var m in new ModelRegistry(root).List())
            {
                table.AddRow(Markup.Escape(m.Name), m.VersionTag, m.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), Markup.Escape(m.Model),
                    m.HeldOutAuc.ToString("0.0000", CultureInfo.InvariantCulture), m.Rows.ToString("N0", CultureInfo.InvariantCulture), (m.DataSha256 ?? "")[..Math.Min(12, (m.DataSha256 ?? "").Length)], m.Features.Count.ToString(CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"[grey]{root}[/]");
            return 0;
        });
        return command;
    }

    private static Command Features()
    {
        var cutoff = new Option<DateTimeOffset>("--cutoff") { Description = "the instant the features describe (UTC, e.g. 2026-06-01T00:00:00Z)", Required = true };
        var horizon = new Option<int>("--horizon") { Description = "label: churned within this many days after the cut-off", DefaultValueFactory = _ => 60 };
        var output = new Option<string>("--out") { Description = "CSV file (train on it with: ml train --csv FILE --label churned --id customer_id,customer_number)", DefaultValueFactory = _ => "churn_features.csv" };
        var command = new Command("features", "Export point-in-time churn features and labels from the warehouse at a cut-off") { cutoff, horizon, output };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, ct) => WithWarehouseAsync(parse, async (connectionString, settings) =>
        {
            var table = await ChurnWarehouse.ReadFeaturesAsync(connectionString, parse.GetValue(cutoff), parse.GetValue(horizon), TimeProvider.System.GetUtcNow(), ct).ConfigureAwait(false);
            var path = parse.GetValue(output)!;
            using (var writer = CsvWriter.ToFile(path))
            {
                writer.WriteHeader([.. table.Columns]);
                foreach (var row in table.Rows)
                {
                    writer.WriteRecord(row);
                }
            }

            var labelIndex = table.IndexOf(ChurnWarehouse.LabelColumn);
            var known = table.Rows.Count(r => r[labelIndex].Length > 0);
            AnsiConsole.MarkupLineInterpolated($"{table.RowCount:N0} customers active at the cut-off, label known for {known:N0} → {Path.GetFullPath(path)}");
            Console.WriteLine($"RESULT rows {table.RowCount.ToString(CultureInfo.InvariantCulture)}");
            return 0;
        }, ct));
        return command;
    }

    private static Command ScoreWarehouse()
    {
        var model = new Option<string>("--model") { Description = "registered model: NAME (latest) or NAME@VERSION, trained on warehouse features", DefaultValueFactory = _ => "churn" };
        var cutoff = new Option<DateTimeOffset?>("--cutoff") { Description = "instant to score at (default now)" };
        var horizon = new Option<int>("--horizon") { Description = "horizon the model was trained for, in days", DefaultValueFactory = _ => 60 };
        var registry = new Option<string?>("--registry") { Description = "registry folder (default <DataDirectory>/ml/registry)" };
        var command = new Command("score-warehouse", "Score every active customer and write marts.fact_churn_score") { model, cutoff, horizon, registry };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, ct) => WithWarehouseAsync(parse, async (connectionString, settings) =>
        {
            var registered = new ModelRegistry(RegistryRoot(parse, parse.GetValue(registry))).Load(parse.GetValue(model)!);
            var at = parse.GetValue(cutoff) ?? TimeProvider.System.GetUtcNow();
            var run = await ChurnWarehouse.ScoreAsync(connectionString, registered, at, parse.GetValue(horizon), TimeProvider.System, settings.ReportingTimeZone, ct).ConfigureAwait(false);
            AnsiConsole.MarkupLineInterpolated($"{run.Model} v{run.Version}: {run.Customers:N0} customers scored for {run.ScoreDate:yyyy-MM-dd} into {ChurnWarehouse.ScoreTable}; bands: {string.Join(", ", run.Bands.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => $"{b.Key} {b.Value:N0}"))}");
            Console.WriteLine($"RESULT customers_scored {run.Customers.ToString(CultureInfo.InvariantCulture)}");
            return 0;
        }, ct));
        return command;
    }

    /// <summary>Runs against the warehouse: the configured ClickHouse, the running hub's engine, or the embedded engine opened here.</summary>
    private static async Task<int> WithWarehouseAsync(ParseResult parse, Func<string, HubSettings, Task<int>> work, CancellationToken ct)
    {
        var configuration = HubCli.Configuration(parse);
        var settings = HubConfiguration.Bind(configuration);
        using var serilog = Logging.CreateLogger(configuration);
        using var loggers = new Serilog.Extensions.Logging.SerilogLoggerFactory(serilog);
        var connectionString = !string.IsNullOrWhiteSpace(settings.ClickHouse.ConnectionString)
            ? settings.ClickHouse.ConnectionString
            : $"Host=127.0.0.1;Port={settings.ClickHouse.Embedded.Port};Protocol=http;Username=default;Password=;Database=default";
        HubInfrastructure? local = null;
        try
        {
            if (string.IsNullOrWhiteSpace(settings.ClickHouse.ConnectionString) && !await AnswersAsync(connectionString, ct).ConfigureAwait(false))
            {
                settings.ClickHouse.Embedded.Port = 0;
                local = await HubInfrastructure.StartAsync(settings, loggers, postgres: false, kafka: false, clickHouse: true, ct).ConfigureAwait(false);
                connectionString = local.ClickHouseConnectionString;
            }

            return await work(connectionString, settings).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ClickHouse.Driver.ClickHouseServerException or InvalidDataException or IOException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"ml: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
        finally
        {
            if (local is not null)
            {
                await local.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<bool> AnswersAsync(string connectionString, CancellationToken ct)
    {
        try
        {
            await using var connection = new ClickHouse.Driver.ADO.ClickHouseConnection(connectionString);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await connection.OpenAsync(timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or System.Data.Common.DbException or InvalidOperationException)
        {
            return false;
        }
    }

    private static string RegistryRoot(ParseResult parse, string? explicitRoot) =>
        explicitRoot ?? Path.Combine(HubConfiguration.Bind(HubCli.Configuration(parse)).DataDirectory, "ml", "registry");

    /// <summary>Runs training under a Spectre progress display (one bar per stage), or plain stage lines when not interactive.</summary>
    internal static T WithProgress<T>(Func<IProgress<TrainingProgress>, T> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            var last = "";
            return work(new InlineProgress(p =>
            {
                if (p.Stage != last)
                {
                    last = p.Stage;
                    Console.Error.WriteLine($"  {p.Stage}…");
                }
            }));
        }

        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                result = work(new InlineProgress(p =>
                {
                    if (!tasks.TryGetValue(p.Stage, out var task))
                    {
                        task = ctx.AddTask(p.Stage, maxValue: Math.Max(1, p.Total));
                        tasks[p.Stage] = task;
                    }

                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    task.Description = string.IsNullOrEmpty(p.Detail) ? p.Stage : $"{p.Stage} [grey]({Markup.Escape(p.Detail)})[/]";
                }));
                foreach (var task in tasks.Values)
                {
                    task.Value = task.MaxValue;
                }
            });
        return result;
    }

    private static void Print(TrainingResult result)
    {
        var columns = new Table().Border(TableBorder.Rounded).Title("Columns").AddColumns("column", "kind", "blanks", "why");
        foreach (var p in result.Profiles)
        {
            columns.AddRow(Markup.Escape(p.Name), p.IsFeature ? p.Kind.ToString() : $"[grey]dropped ({p.Kind})[/]", p.Blanks.ToString("N0", CultureInfo.InvariantCulture), Markup.Escape(p.Reason));
        }

        AnsiConsole.Write(columns);
        var candidates = new Table().Border(TableBorder.Rounded).Title($"Candidates ({result.Options.Folds}-fold CV AUC on {result.TrainRows.Length:N0} training rows)").AddColumns("candidate", "mean AUC", "± sd", "seconds");
        foreach (var c in result.Candidates.OrderByDescending(c => c.MeanAuc))
        {
            var mark = c.Name == result.Chosen.Name ? "[green]✓ [/]" : "";
            candidates.AddRow(mark + Markup.Escape(c.Name), c.MeanAuc.ToString("0.0000", CultureInfo.InvariantCulture), c.StdAuc.ToString("0.0000", CultureInfo.InvariantCulture), c.Seconds.ToString("0.0", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(candidates);
        var t = result.Test;
        var metrics = new Table().Border(TableBorder.Rounded).Title($"Held-out {t.Rows:N0} rows ({t.Positives:N0} churners)").AddColumns("metric", "value");
        metrics.AddRow("AUC", t.Auc.ToString("0.0000", CultureInfo.InvariantCulture));
        metrics.AddRow("PR-AUC (average precision)", t.PrAuc.ToString("0.0000", CultureInfo.InvariantCulture));
        metrics.AddRow($"F1 at threshold {t.Threshold.ToString("0.000", CultureInfo.InvariantCulture)}", t.Confusion.F1.ToString("0.0000", CultureInfo.InvariantCulture));
        metrics.AddRow("precision / recall", $"{t.Confusion.Precision.ToString("0.000", CultureInfo.InvariantCulture)} / {t.Confusion.Recall.ToString("0.000", CultureInfo.InvariantCulture)}");
        metrics.AddRow("confusion (TP FP / FN TN)", $"{t.Confusion.TruePositives} {t.Confusion.FalsePositives} / {t.Confusion.FalseNegatives} {t.Confusion.TrueNegatives}");
        metrics.AddRow("lift at top decile", t.LiftTopDecile.ToString("0.00", CultureInfo.InvariantCulture) + "×");
        metrics.AddRow("log loss / Brier", $"{t.LogLoss.ToString("0.0000", CultureInfo.InvariantCulture)} / {t.Brier.ToString("0.0000", CultureInfo.InvariantCulture)}");
        metrics.AddRow("top features (permutation)", Markup.Escape(string.Join(", ", result.Importance.Take(5).Select(f => f.Column))));
        AnsiConsole.Write(metrics);
    }

    private sealed class InlineProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
