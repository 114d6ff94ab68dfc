using System.CommandLine;
using CableHub.Core.Persistence;
using CableHub.Modules;
using CableHub.Host.Configuration;
using CableHub.Demo;
using CableHub.Host.Infrastructure;
using Spectre.Console;

namespace CableHub.Host.Cli;

/// <summary><c>seed --subscribers N</c>: realistic demo data sized by a parameter (catalog once, then subscribers).</summary>
public static class SeedCommand
{
    public static Command Build()
    {
        var subscribers = new Option<int>("--subscribers") { Description = "subscribers to add", DefaultValueFactory = _ => 1_000 };
        var channels = new Option<int>("--channels") { Description = "channels in the line-up (when the catalog is empty)", DefaultValueFactory = _ => 100 };
        var packages = new Option<int>("--packages") { Description = "packages/bouquets (when the catalog is empty)", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "random seed (same seed, same data)", DefaultValueFactory = _ => 20261125 };
        var command = new Command("seed", "Generate realistic demo data into the operational database") { subscribers, channels, packages, seed };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var size = new DemoDataSize(parse.GetValue(subscribers), parse.GetValue(channels), parse.GetValue(packages), Seed: parse.GetValue(seed));
            if (size.Subscribers < 0 || size.Channels < 1 || size.Packages < 1)
            {
                await Console.Error.WriteLineAsync("--subscribers must be >= 0, --channels and --packages >= 1").ConfigureAwait(false);
                return 2;
            }

            var configuration = HubCli.Configuration(parse);
            var settings = HubConfiguration.Bind(configuration);
            using var serilog = Logging.CreateLogger(configuration);
            using var loggers = new Serilog.Extensions.Logging.SerilogLoggerFactory(serilog);
            await using var infra = await HubInfrastructure.StartAsync(settings, loggers, postgres: true, kafka: false, clickHouse: false, ct).ConfigureAwait(false);
            await HubModules.MigrateAsync(infra.PostgresConnectionString, loggers.CreateLogger("Migrations"), ct).ConfigureAwait(false);
            await using var dataSource = OperationalStore.CreateDataSource(infra.PostgresConnectionString);
            var generator = new DemoDataGenerator(dataSource, DataKeys.CreateEncryptor(settings, loggers.CreateLogger("Keys")));
            var started = System.Diagnostics.Stopwatch.StartNew();
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var tasks = new Dictionary<string, ProgressTask>();
                    await generator.SeedAsync(size, new SyncProgress<SeedProgress>(p =>
                    {
                        if (!tasks.TryGetValue(p.Stage, out var task))
                        {
                            tasks[p.Stage] = task = progress.AddTask(p.Stage, maxValue: Math.Max(1, p.Total));
                        }

                        task.Value = p.Done;
                    }), ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
            var rate = size.Subscribers / Math.Max(0.001, started.Elapsed.TotalSeconds);
            AnsiConsole.MarkupLineInterpolated($"[green]Seeded[/] {size.Subscribers:N0} subscribers in {started.Elapsed.TotalSeconds:0.0} s ({rate:N0}/s) into {infra.Postgres?.Address}");
            Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"RESULT seed_subscribers_per_s {rate:F0} subscribers/s"));
            return 0;
        });
        return command;
    }
}

/// <summary>IProgress that reports on the caller's thread (Spectre's progress display is not thread-safe).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
