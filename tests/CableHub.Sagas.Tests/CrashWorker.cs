using System.Diagnostics;
using System.Globalization;
using CableHub.Connectors.Cas.Simulator;
using CableHub.Connectors.Notifications;
using CableHub.Connectors.Notifications.Email;
using CableHub.Core.Ports;
using CableHub.Sagas.Onboarding;
using CableHub.Ordering.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Sagas.Tests;

/// <summary>
/// A hub process for the crash tests: the saga host of the hub on a given database (onboarding, lifecycle, subscriber messages),
/// optionally placing orders first, running until it is killed. Messages go to a real SMTP server when a port is given.
/// </summary>
public static class CrashWorker
{
    public const string Verb = "onboarding-worker";

    /// <summary>Printed once the mixed batch's set-up onboardings all completed.</summary>
    public const string SetupDone = "SETUP-DONE";

    /// <summary>
    /// Orders of a mixed batch: <paramref name="Setup"/> onboardings first (completed before the batch), then <paramref name="NewOrders"/>
    /// onboardings and, over the set-up subscriptions in thirds, a plan change (to PLUS), a suspension and a disconnect each.
    /// </summary>
    public sealed record MixedBatch(int Setup, int NewOrders)
    {
        public int Changes => Setup;

        public int Total => NewOrders + Changes;
    }

    /// <param name="args">connection string, new orders to place, CAS response delay in ms, SMTP port (0: no mail server), [mixed set-up count].</param>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length is < 3 or > 5)
        {
            await Console.Error.WriteLineAsync($"usage: {Verb} <connection string> <orders to place> <CAS response delay ms> [<SMTP port> [<mixed set-up onboardings>]]");
            return 2;
        }

        var ordersToPlace = int.Parse(args[1], CultureInfo.InvariantCulture);
        var smtpPort = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 0;
        var setup = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 0;
        var db = HubTestDatabase.Open(args[0]);
        await using var cas = new SimulatedConditionalAccessSystem(new CasSimulatorOptions
        {
            ConnectionString = args[0],
            RegisterUnknownDevicesOnActivation = true,
            ResponseDelay = TimeSpan.FromMilliseconds(int.Parse(args[2], CultureInfo.InvariantCulture)),
        });
        await using var mail = smtpPort == 0
            ? null
            : new ServiceCollection().AddLogging()
                .AddSingleton(CableHub.Modules.Testing.ModuleServices.Encryptor)
                .AddNotifications(args[0], new NotificationOptions(),
                    new SmtpOptions { Host = "127.0.0.1", Port = smtpPort, Security = "None", FromAddress = "care@cablehub.test" }, null)
                .BuildServiceProvider();
        var notifications = new RecordingNotifications { Forward = mail?.GetRequiredService<INotificationSender>() };
        var host = await OnboardingTestHost.StartAsync(db, (IConditionalAccessSystem)cas, new CapturedLogs(),
            new OnboardingOptions { StepTimeout = TimeSpan.FromMinutes(2), CasOutageRetries = Enumerable.Repeat(TimeSpan.FromSeconds(2), 25).ToList() }, new OutcomeLog(),
            notifications: notifications);
        if (setup > 0)
        {
            await RunMixedBatchAsync(db, host, new MixedBatch(setup, ordersToPlace));
        }
        else
        {
            for (var i = 0; i < ordersToPlace; i++)
            {
                await db.PlaceAndAcknowledgeAsync(host, "crash-" + i.ToString(CultureInfo.InvariantCulture));
            }
        }

        Console.WriteLine("READY");
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    private static async Task RunMixedBatchAsync(HubTestDatabase db, Microsoft.Extensions.Hosting.IHost host, MixedBatch batch)
    {
        await LifecycleCatalog.SeedAsync(db);
        var setupOrders = new List<Guid>();
        for (var i = 0; i < batch.Setup; i++)
        {
            setupOrders.Add((await db.PlaceAndAcknowledgeAsync(host, "setup-" + i.ToString(CultureInfo.InvariantCulture))).OrderId);
        }

        var subscriptions = new List<Guid>();
        foreach (var order in setupOrders)
        {
            (await db.WaitUntilFinishedAsync(order, TimeSpan.FromMinutes(3))).State.ShouldBe(ProductOrderState.Completed);
            subscriptions.Add((await db.SubscriptionsForOrderAsync(order)).Single().Id);
        }

        Console.WriteLine(SetupDone);

        // The batch, interleaved: a new subscription, a plan change, a suspension, a disconnect, …
        var third = subscriptions.Count / 3;
        var changes = subscriptions.Select((s, i) => (Subscription: s, Action: i < third ? SubscriptionChangeAction.ChangePlan
            : i < 2 * third ? SubscriptionChangeAction.Suspend : SubscriptionChangeAction.Disconnect)).ToList();
        var placed = 0;
        for (var i = 0; placed < batch.Total; i++)
        {
            if (i < batch.NewOrders)
            {
                await db.PlaceAndAcknowledgeAsync(host, "crash-" + i.ToString(CultureInfo.InvariantCulture));
                placed++;
            }

            if (i < changes.Count)
            {
                var (subscription, action) = changes[i];
                await db.PlaceChangeAsync(host, subscription, action, action == SubscriptionChangeAction.ChangePlan ? "plan" : null,
                    action == SubscriptionChangeAction.ChangePlan ? LifecycleSagaIntegrationTests.PlusPlan : null);
                placed++;
            }
        }
    }

    /// <summary>Starts a worker process (this test executable in worker mode).</summary>
    public static Process Start(string connectionString, int ordersToPlace, int casResponseDelayMs, Action<string> onOutput, int smtpPort = 0, int mixedSetup = 0)
    {
        ArgumentNullException.ThrowIfNull(onOutput);
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "CableHub.Sagas.Tests"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            Verb, connectionString, ordersToPlace.ToString(CultureInfo.InvariantCulture), casResponseDelayMs.ToString(CultureInfo.InvariantCulture),
            smtpPort.ToString(CultureInfo.InvariantCulture), mixedSetup.ToString(CultureInfo.InvariantCulture),
        })
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { onOutput(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { onOutput(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
