using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CableHub.Billing.BillRuns;
using CableHub.Core.Persistence;
using CableHub.Demo;
using CableHub.Modules;
using Npgsql;

namespace CableHub.Host.Cli.Bench;

/// <summary>
/// <c>bench billrun --accounts N</c>: a full bill run with itemized invoices persisted. Creates a throwaway database on the
/// hub's cluster, seeds N billable accounts set-based (CableHub.Demo; timed apart), runs the production bill run for their
/// cycle day with the CLI's progress bar, and prints where the time went, then
/// <c>RESULT billrun_accounts_per_hour</c> (and the seed rate) last.
/// </summary>
public static class BillRunBench
{
    private static readonly DateOnly RunDate = new(2026, 2, 5);

    public static Command Build()
    {
        var accounts = new Option<int>("--accounts") { Description = "billable accounts to seed and bill", DefaultValueFactory = _ => 100_000 };
        var keep = new Option<bool>("--keep-database") { Description = "keep the benchmark database (cablehub_bench_*) for inspection" };
        var command = new Command("billrun", "Bill run throughput: accounts billed per hour (invoices and lines by binary COPY)") { accounts, keep };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(accounts);
            if (n < 1)
            {
                await Console.Error.WriteLineAsync("--accounts must be at least 1").ConfigureAwait(false);
                return 2;
            }

            await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
            var ci = CultureInfo.InvariantCulture;
            var cluster = db.Infrastructure.PostgresConnectionString;
            var database = await BenchDatabase.CreateAsync(cluster, ct).ConfigureAwait(false);
            var connectionString = new NpgsqlConnectionStringBuilder(cluster) { Database = database }.ConnectionString;
            try
            {
                await HubModules.MigrateAsync(connectionString, db.Loggers.CreateLogger("Migrations"), ct).ConfigureAwait(false);
                await using var dataSource = OperationalStore.CreateDataSource(connectionString);
                var watch = Stopwatch.StartNew();
                await BillingBenchData.SeedAccountsAsync(dataSource, n, RunDate.Day, RunDate, null, ct).ConfigureAwait(false);
                var seedSeconds = watch.Elapsed.TotalSeconds;
                Console.WriteLine(string.Create(ci, $"Seeded {n:N0} accounts (customer, billing account, profile, subscription; rentals, discounts) in {seedSeconds:N1} s (not in the figure)"));

                await using var services = Composition.HubComposition.CliServices(dataSource, db.Settings, db.Configuration, db.Loggers);
                var runner = services.GetRequiredService<BillRunner>();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                watch.Restart();
                var status = await BillRunCommand.RunWithProgressAsync(runner, RunDate, ct).ConfigureAwait(false);
                var seconds = watch.Elapsed.TotalSeconds;
                var hubCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                var (read, rate, write) = runner.LastRunSeconds;
                Console.WriteLine(string.Create(ci,
                    $"Billed {status.Invoices:N0} of {status.AccountsDue:N0} accounts ({status.Lines:N0} lines, {(double)status.Lines / Math.Max(1, status.Invoices):N2} per invoice) in {seconds:N1} s"));
                Console.WriteLine(string.Create(ci,
                    $"  reading {read:N1} s and rating {rate:N1} s (overlapped with writing), writing (number block, COPY invoices + lines, charges, progress, commit) {write:N1} s; hub CPU {hubCpu:N1} s; load {BenchScratch.LoadAverage()}"));
                Console.WriteLine(string.Create(ci, $"RESULT billrun_accounts_per_hour {status.Invoices / (seconds / 3600.0):F0} accounts/h"));
                Console.WriteLine(string.Create(ci, $"RESULT billrun_seed_accounts_per_s {n / seedSeconds:F0} accounts/s"));
                return status.Invoices == n ? 0 : 1;
            }
            finally
            {
                await BenchDatabase.DropAsync(cluster, database, parse.GetValue(keep)).ConfigureAwait(false);
            }
        });
        return command;
    }
}
