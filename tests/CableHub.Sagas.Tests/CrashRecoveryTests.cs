using System.Collections.Concurrent;
using System.Diagnostics;
using CableHub.Connectors.Cas.Simulator;
using CableHub.Core.Orders;
using CableHub.Testing;
using Dapper;

namespace CableHub.Sagas.Tests;

/// <summary>
/// A hub process is killed (SIGKILL) while onboardings are in flight — some inside the CAS call, the CAS
/// having applied the activation but not yet answered — and a new process takes over.
/// </summary>
public sealed class CrashRecoveryTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private const int Orders = 24;

    [Fact]
    public async Task Killed_hub_finishes_in_flight_onboardings_and_the_CAS_applies_each_activation_once()
    {
        await using var db = await HubTestDatabase.CreateAsync(postgres);
        await using (var cas = new SimulatedConditionalAccessSystem(new CasSimulatorOptions { ConnectionString = db.ConnectionString, RegisterUnknownDevicesOnActivation = true }))
        {
            await cas.EnsureSchemaAsync();
        }

        await db.ResetStockAsync(Orders);
        var workerOutput = new ConcurrentQueue<string>();

        // First process: places the orders; every CAS answer takes 1.5 s after the activation took effect.
        var first = CrashWorker.Start(db.ConnectionString, Orders, casResponseDelayMs: 1500, workerOutput.Enqueue);
        (long Applied, long Completed) atKill;
        try
        {
            atKill = await WaitForAsync(db, s => s.Applied - s.Completed >= 3, TimeSpan.FromMinutes(3), "activations in flight", first, workerOutput);
        }
        finally
        {
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }

        var stateAtKill = await StateAsync(db);
        output.WriteLine($"killed with {stateAtKill.Applied} activations applied on the CAS and {stateAtKill.Completed} orders completed");
        stateAtKill.Completed.ShouldBeLessThan(stateAtKill.Applied);

        // Second process: no delay; it must pick up what the first left in its inbox.
        var second = CrashWorker.Start(db.ConnectionString, 0, casResponseDelayMs: 0, workerOutput.Enqueue);
        try
        {
            await WaitForAsync(db, s => s.Completed == Orders, TimeSpan.FromMinutes(3), "all orders completed", second, workerOutput);
        }
        finally
        {
            second.Kill(entireProcessTree: true);
            await second.WaitForExitAsync();
        }

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var activationsPerBox = (await conn.QueryAsync<long>(
            "SELECT count(*) FROM cas_sim.command_log WHERE kind = 'activate' AND outcome = 'applied' GROUP BY cas_device_id")).ToList();
        activationsPerBox.Count.ShouldBe(Orders);
        activationsPerBox.ShouldAllBe(n => n == 1);
        var duplicates = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM cas_sim.command_log WHERE outcome = 'duplicate'");
        output.WriteLine($"{duplicates} repeated CAS commands were recognised by their idempotency key");
        duplicates.ShouldBeGreaterThan(0);

        var stateChanges = (await conn.QueryAsync<(string State, long Count)>(
            "SELECT state, count(*) FROM hub.product_order_state_change GROUP BY state ORDER BY state")).ToList();
        stateChanges.ShouldBe([(ProductOrderState.Acknowledged, Orders), (ProductOrderState.Completed, Orders), (ProductOrderState.InProgress, Orders)]);
        (await conn.ExecuteScalarAsync<long>("SELECT count(DISTINCT order_id) FROM hub.subscription")).ShouldBe(Orders);
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.subscription")).ShouldBe(Orders);
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.device WHERE status = 'installed' AND activation_state = 'active'")).ShouldBe(Orders);
        (await db.DeadLetterCountAsync()).ShouldBe(0);
    }

    private static async Task<(long Applied, long Completed)> StateAsync(HubTestDatabase db)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var applied = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM cas_sim.command_log WHERE kind = 'activate' AND outcome = 'applied'");
        var completed = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.product_order WHERE state = 'completed'");
        return (applied, completed);
    }

    private async Task<(long Applied, long Completed)> WaitForAsync(HubTestDatabase db, Func<(long Applied, long Completed), bool> condition, TimeSpan timeout,
        string what, Process worker, ConcurrentQueue<string> workerOutput)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var state = await StateAsync(db);
            if (condition(state))
            {
                output.WriteLine($"{what} after {clock.Elapsed.TotalSeconds:F1} s");
                return state;
            }

            if (clock.Elapsed > timeout || worker.HasExited)
            {
                foreach (var line in workerOutput.TakeLast(40))
                {
                    output.WriteLine(line);
                }

                throw new TimeoutException($"waiting for {what}: {state.Applied} applied activations, {state.Completed} completed orders, worker exited: {worker.HasExited}\n{await db.DiagnosticsAsync()}");
            }

            await Task.Delay(50);
        }
    }
}
