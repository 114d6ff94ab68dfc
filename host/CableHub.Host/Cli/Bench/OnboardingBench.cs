using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CableHub.Connectors.Cas.Simulator;
using CableHub.Connectors.Notifications;
using CableHub.Core.Messaging;
using CableHub.Core.Persistence;
using CableHub.Customers.Contracts;
using CableHub.Demo;
using CableHub.Host.Composition;
using CableHub.Host.Infrastructure;
using CableHub.Modules;
using CableHub.Ordering;
using CableHub.Ordering.Contracts;
using CableHub.Sagas.Messaging;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Wolverine;

namespace CableHub.Host.Cli.Bench;

/// <summary>
/// <c>bench onboarding --orders N</c>: new-customer orders through the durable onboarding saga as the hub runs it — Wolverine on
/// PostgreSQL (inbox, outbox, saga state), the modules' contracts, the simulated CAS (schema <c>cas_sim</c>, with its resilience
/// pipeline and the configured <c>Cas:SimulatorLatencyMs</c>), the welcome message through the notification connector (e-mail
/// to a pickup folder) and billing's handler of the completion (not the host's relay of integration events to Kafka: no broker here). A throwaway database on the hub's cluster; N boxes in stock;
/// the orders placed as the TMF622 endpoint does (customer, account, order and <c>ProductOrderAcknowledged</c> in one outbox
/// transaction) by <c>--placers</c> concurrent callers; the clock runs from the first placement to the last completed order.
/// Then where the time went: placement, acknowledged → in progress (reservation), in progress → completed (CAS activation and
/// completion), the CAS calls themselves, and the hub's CPU. <c>RESULT onboarding_per_s</c> last.
/// </summary>
public static class OnboardingBench
{
    public static Command Build()
    {
        var orders = new Option<int>("--orders") { Description = "new-customer orders to place and complete", DefaultValueFactory = _ => 1000 };
        var placers = new Option<int>("--placers") { Description = "concurrent order placements (the API's callers)", DefaultValueFactory = _ => 8 };
        var parallelism = new Option<int>("--parallelism") { Description = "messages handled at once per saga queue (the hub's default is 16)", DefaultValueFactory = _ => 16 };
        var keep = new Option<bool>("--keep-database") { Description = "keep the benchmark database (cablehub_bench_*) for inspection" };
        var command = new Command("onboarding", "Onboarding throughput: orders completed per second through the durable saga and the simulators")
        {
            orders, placers, parallelism, keep,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(orders);
            var callers = parse.GetValue(placers);
            var handlers = parse.GetValue(parallelism);
            if (n < 1 || callers < 1 || handlers < 1)
            {
                await Console.Error.WriteLineAsync("--orders, --placers and --parallelism must be at least 1").ConfigureAwait(false);
                return 2;
            }

            await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
            var ci = CultureInfo.InvariantCulture;
            var cluster = db.Infrastructure.PostgresConnectionString;
            var database = await BenchDatabase.CreateAsync(cluster, ct).ConfigureAwait(false);
            var connectionString = new NpgsqlConnectionStringBuilder(cluster) { Database = database, MaxPoolSize = 100 }.ConnectionString;
            var pickup = Path.Combine(Path.GetTempPath(), database + "-mail");
            try
            {
                await HubModules.MigrateAsync(connectionString, db.Loggers.CreateLogger("Migrations"), ct).ConfigureAwait(false);
                await using var dataSource = OperationalStore.CreateDataSource(connectionString);
                var plan = await OnboardingBenchData.SeedAsync(dataSource, n, ct).ConfigureAwait(false);
                using var host = await StartSagaHostAsync(dataSource, connectionString, db, handlers, pickup, ct).ConfigureAwait(false);
                Console.WriteLine(string.Create(ci,
                    $"Seeded plan {OnboardingBenchData.PlanCode} and {n:N0} boxes; saga host started (parallelism {handlers}, CAS latency {db.Settings.Cas.SimulatorLatencyMs} ms)"));

                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var backend = await OnboardingBenchData.BackendPidAsync(dataSource, ct).ConfigureAwait(false);
                var pgCpu = BenchScratch.PostgresCpuSeconds(backend);
                var commits = await OnboardingBenchData.CommittedTransactionsAsync(dataSource, ct).ConfigureAwait(false);
                var watch = Stopwatch.StartNew();
                var placement = await PlaceAsync(host.Services, plan, n, callers, ct).ConfigureAwait(false);
                var placedSeconds = watch.Elapsed.TotalSeconds;
                var completed = await WaitForCompletionAsync(dataSource, n, ct).ConfigureAwait(false);
                var seconds = watch.Elapsed.TotalSeconds;
                var hubCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                var postgresCpu = BenchScratch.PostgresCpuSeconds(backend) - pgCpu;
                await Task.Delay(TimeSpan.FromSeconds(1.2), ct).ConfigureAwait(false); // the statistics collector's delay
                var transactions = await OnboardingBenchData.CommittedTransactionsAsync(dataSource, ct).ConfigureAwait(false) - commits;
                await PrintBreakdownAsync(dataSource, placement, placedSeconds, seconds, hubCpu, pickup, ct).ConfigureAwait(false);
                Console.WriteLine(string.Create(ci,
                    $"  PostgreSQL: {transactions / (double)Math.Max(1, completed.Completed):N1} transactions per order; server CPU {(postgresCpu is { } p ? $"{p:N1} s ({p * 1000 / Math.Max(1, completed.Completed):N2} ms per order, the bench's cluster)" : "unknown")}"));
                await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
                Console.WriteLine(string.Create(ci, $"RESULT onboarding_per_s {completed.Completed / seconds:F1} orders/s"));
                return completed.Completed == n ? 0 : 1;
            }
            finally
            {
                await BenchDatabase.DropAsync(cluster, database, parse.GetValue(keep)).ConfigureAwait(false);

                if (Directory.Exists(pickup))
                {
                    Directory.Delete(pickup, recursive: true);
                }
            }
        });
        return command;
    }

    /// <summary>Wolverine with the hub's messaging configuration, the modules, the CAS simulator and the notification connector, on the bench database.</summary>
    private static async Task<IHost> StartSagaHostAsync(NpgsqlDataSource dataSource, string connectionString, CliDatabase db, int parallelism, string pickup,
        CancellationToken ct)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var services = builder.Services;
        services.AddSingleton(dataSource);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(DataKeys.CreateEncryptor(db.Settings, db.Loggers.CreateLogger("Keys")));
        services.AddHubModules(db.Settings, db.Configuration, backgroundJobs: false);
        Messaging.AddCas(services, db.Settings, connectionString);
        services.AddNotifications(connectionString, new NotificationOptions(), null, null, pickupDirectory: pickup);
        var options = new MessagingOptions { ConnectionString = connectionString, HandlerParallelism = parallelism };
        options.Lifecycle.ReportingTimeZone = TimeZoneInfo.FindSystemTimeZoneById(db.Settings.ReportingTimeZone);
        builder.UseWolverine(opts =>
        {
            // The sagas' handlers and billing's, not the host's Kafka relay of integration events (no broker in the bench).
            opts.ApplicationAssembly = typeof(Sagas.Onboarding.OnboardingSaga).Assembly;
            opts.ConfigureCableHubMessaging(options);
            opts.Discovery.IncludeAssembly(typeof(CableHub.Billing.BillingModule).Assembly);
        });
        var host = builder.Build();
        await host.Services.GetRequiredService<SimulatedConditionalAccessSystem>().EnsureSchemaAsync(ct).ConfigureAwait(false);
        await host.StartAsync(ct).ConfigureAwait(false);
        Messaging.WarmUp(host.Services, host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("bench"));
        return host;
    }

    private sealed record Placement(double MeanMs, double P99Ms);

    /// <summary>Places the orders as the TMF622 endpoint does, <paramref name="callers"/> at a time; per-placement latency.</summary>
    private static async Task<Placement> PlaceAsync(IServiceProvider services, Guid plan, int n, int callers, CancellationToken ct)
    {
        var orders = services.GetRequiredService<ProductOrderStore>();
        var transactions = services.GetRequiredService<IEventTransactions>();
        var clock = services.GetRequiredService<TimeProvider>();
        var next = -1;
        var latencies = new double[n];
        await Parallel.ForEachAsync(Enumerable.Range(0, callers), new ParallelOptions { MaxDegreeOfParallelism = callers, CancellationToken = ct }, async (_, token) =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < n)
            {
                var started = Stopwatch.GetTimestamp();
                var correlation = "bench-onb-" + i.ToString(CultureInfo.InvariantCulture);
                var command = new PlaceProductOrder(null,
                    new NewCustomer("Bench", "Subscriber", new DateOnly(1990, 1, 1), $"bench{i}@example.in", null,
                        new PostalAddress("1 Bench Road", "Pune", "411001", "MH", "IN")),
                    plan, "1", "INR", "online", 5, correlation);
                await using var tx = await transactions.BeginAsync(correlation, token).ConfigureAwait(false);
                var placed = await orders.PlaceAsync(command, tx.Connection, tx.Transaction, token).ConfigureAwait(false);
                await tx.PublishAsync(new ProductOrderAcknowledged(placed.OrderId, placed.CustomerId, placed.BillingAccountId, plan, clock.GetUtcNow())).ConfigureAwait(false);
                await tx.CommitAsync(token).ConfigureAwait(false);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }).ConfigureAwait(false);
        Array.Sort(latencies);
        return new Placement(latencies.Average(), latencies[Math.Min(n - 1, (int)Math.Ceiling(n * 0.99) - 1)]);
    }

    private static async Task<(long Completed, long Failed)> WaitForCompletionAsync(NpgsqlDataSource dataSource, int n, CancellationToken ct)
    {
        var lastChange = Stopwatch.StartNew();
        var last = (Completed: 0L, Failed: 0L);
        while (true)
        {
            var now = await OnboardingBenchData.ProgressAsync(dataSource, ct).ConfigureAwait(false);
            if (now.Completed + now.Failed >= n)
            {
                return now;
            }

            if (now != last)
            {
                last = now;
                lastChange.Restart();
            }
            else if (lastChange.Elapsed > TimeSpan.FromMinutes(2))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"No progress for 2 minutes: {now.Completed:N0} completed, {now.Failed:N0} failed of {n:N0}"));
                return now;
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Where the time went, from the orders' state history and the saga's CAS call log.</summary>
    private static async Task PrintBreakdownAsync(NpgsqlDataSource dataSource, Placement placement, double placedSeconds, double seconds, double hubCpu, string pickup,
        CancellationToken ct)
    {
        var ci = CultureInfo.InvariantCulture;
        var b = await OnboardingBenchData.BreakdownAsync(dataSource, ct).ConfigureAwait(false);
        var mails = Directory.Exists(pickup) ? Directory.EnumerateFiles(pickup, "*.eml", SearchOption.AllDirectories).Count() : 0;
        Console.WriteLine(string.Create(ci,
            $"Placed the orders in {placedSeconds:N1} s (placement mean {placement.MeanMs:N1} ms, p99 {placement.P99Ms:N1} ms); {b.Orders:N0} completed after {seconds:N1} s"));
        Console.WriteLine(string.Create(ci, $"  acknowledged → in progress (saga start, box reserved): mean {b.AckToRunMean:N0} ms, p99 {b.AckToRunP99:N0} ms"));
        Console.WriteLine(string.Create(ci,
            $"  in progress → completed (CAS activation, completion transaction): mean {b.RunToDoneMean:N0} ms, p99 {b.RunToDoneP99:N0} ms; order end to end mean {b.EndToEndMean:N0} ms"));
        Console.WriteLine(string.Create(ci, $"  CAS calls: {b.CasCalls:N0} ({b.CasAttempts:N0} attempts), mean {b.CasCallMean:N1} ms each; welcome mails written: {mails:N0}"));
        Console.WriteLine(string.Create(ci,
            $"  hub CPU {hubCpu:N1} s ({hubCpu * 1000 / Math.Max(1, b.Orders):N2} ms per order, saga host and placers together); load {BenchScratch.LoadAverage()}"));
    }
}
