using System.Diagnostics;
using System.Globalization;
using CableHub.Connectors.Cas.Simulator;
using CableHub.Core.Ports;
using CableHub.Sagas.Onboarding;

namespace CableHub.Sagas.Tests;

/// <summary>
/// A hub process for the crash test: the onboarding host of the hub on a given database, optionally
/// placing and acknowledging orders first, running until it is killed.
/// </summary>
public static class CrashWorker
{
    public const string Verb = "onboarding-worker";

    /// <param name="args">connection string, orders to place, CAS response delay in ms.</param>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length != 3)
        {
            await Console.Error.WriteLineAsync($"usage: {Verb} <connection string> <orders to place> <CAS response delay ms>");
            return 2;
        }

        var ordersToPlace = int.Parse(args[1], CultureInfo.InvariantCulture);
        var db = HubTestDatabase.Open(args[0]);
        await using var cas = new SimulatedConditionalAccessSystem(new CasSimulatorOptions
        {
            ConnectionString = args[0],
            RegisterUnknownDevicesOnActivation = true,
            ResponseDelay = TimeSpan.FromMilliseconds(int.Parse(args[2], CultureInfo.InvariantCulture)),
        });
        var host = await OnboardingTestHost.StartAsync(db, (IConditionalAccessSystem)cas, new CapturedLogs(),
            new OnboardingOptions { StepTimeout = TimeSpan.FromMinutes(2), CasOutageRetries = Enumerable.Repeat(TimeSpan.FromSeconds(2), 25).ToList() }, new OutcomeLog());
        for (var i = 0; i < ordersToPlace; i++)
        {
            await db.PlaceAndAcknowledgeAsync(host, "crash-" + i.ToString(CultureInfo.InvariantCulture));
        }

        Console.WriteLine("READY");
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    /// <summary>Starts a worker process (this test executable in worker mode).</summary>
    public static Process Start(string connectionString, int ordersToPlace, int casResponseDelayMs, Action<string> onOutput)
    {
        ArgumentNullException.ThrowIfNull(onOutput);
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "CableHub.Sagas.Tests"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Verb, connectionString, ordersToPlace.ToString(CultureInfo.InvariantCulture), casResponseDelayMs.ToString(CultureInfo.InvariantCulture) })
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
