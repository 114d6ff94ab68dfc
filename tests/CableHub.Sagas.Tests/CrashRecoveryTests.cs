using System.Collections.Concurrent;
using System.Diagnostics;
using CableHub.Connectors.Cas.Simulator;
using CableHub.Ordering;
using CableHub.Ordering.Contracts;
using CableHub.Testing;
using Dapper;

namespace CableHub.Sagas.Tests;

/// <summary>
/// A hub process is killed (SIGKILL) while orders are in flight — some inside the CAS call, the CAS
/// having applied the command but not yet answered — and a new process takes over: onboardings only, and a mixed
/// batch (new subscriptions, plan changes, suspensions, disconnects) whose subscriber messages go to a real SMTP server.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class CrashRecoveryTests(PostgresFixture postgres, MaildevFixture maildev, ITestOutputHelper output) : IClassFixture<PostgresFixture>, IClassFixture<MaildevFixture>
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

    [Fact]
    public async Task Killed_hub_brings_100_mixed_orders_to_a_final_state_with_the_CAS_in_step_and_no_message_twice()
    {
        var batch = new CrashWorker.MixedBatch(Setup: 60, NewOrders: 40);
        await using var db = await HubTestDatabase.CreateAsync(postgres);
        await using (var cas = new SimulatedConditionalAccessSystem(new CasSimulatorOptions { ConnectionString = db.ConnectionString, RegisterUnknownDevicesOnActivation = true }))
        {
            await cas.EnsureSchemaAsync();
        }

        await db.ResetStockAsync(batch.Setup + batch.NewOrders);
        var workerOutput = new ConcurrentQueue<string>();
        var mailBefore = (await maildev.MailAsync()).Count;

        // First process: 60 onboardings complete, then the batch of 100 is placed (READY); every CAS answer takes 1.5 s after the command took
        // effect. It is killed once the whole batch is placed and at least 3 CAS commands have taken effect without their answer.
        var first = CrashWorker.Start(db.ConnectionString, batch.NewOrders, casResponseDelayMs: 1500, workerOutput.Enqueue, maildev.SmtpPort, batch.Setup);
        try
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                var done = await MixedStateAsync(db);
                if (workerOutput.Contains("READY") && done.InFlight >= 3)
                {
                    output.WriteLine($"killing after {clock.Elapsed.TotalSeconds:F1} s: {done.Completed} orders completed, {done.InFlight} CAS commands applied but not answered");
                    break;
                }

                if (clock.Elapsed > TimeSpan.FromMinutes(4) || first.HasExited)
                {
                    throw new TimeoutException($"no moment to kill: {done}, worker exited: {first.HasExited}\n{string.Join('\n', workerOutput.TakeLast(40))}\n{await db.DiagnosticsAsync()}");
                }

                await Task.Delay(50);
            }
        }
        finally
        {
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }

        var atKill = await MixedStateAsync(db);
        atKill.Completed.ShouldBeLessThan(batch.Setup + batch.Total);

        // Second process: no delay; it picks up what the first left.
        var second = CrashWorker.Start(db.ConnectionString, 0, casResponseDelayMs: 0, workerOutput.Enqueue, maildev.SmtpPort);
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
            while (true)
            {
                var state = await MixedStateAsync(db);
                if (state.Final == batch.Setup + batch.Total && state.Sagas == 0 && state.MessagesWaiting == 0)
                {
                    break;
                }

                if (DateTime.UtcNow > deadline || second.HasExited)
                {
                    throw new TimeoutException($"not all final: {state}, worker exited: {second.HasExited}\n{string.Join('\n', workerOutput.TakeLast(40))}\n{await db.DiagnosticsAsync()}");
                }

                await Task.Delay(250);
            }
        }
        finally
        {
            second.Kill(entireProcessTree: true);
            await second.WaitForExitAsync();
        }

        await using var conn = await db.DataSource.OpenConnectionAsync();
        // Every order completed (the CAS refused nothing).
        (await conn.QueryAsync<(string State, long Count)>("SELECT state, count(*) FROM hub.product_order GROUP BY state")).ShouldBe([(ProductOrderState.Completed, batch.Setup + batch.Total)]);
        var third = batch.Setup / 3;
        (await conn.QueryAsync<(string Status, long Count)>("SELECT status, count(*) FROM hub.subscription GROUP BY status ORDER BY status"))
            .ShouldBe([("active", batch.NewOrders + third), ("suspended", third), ("terminated", third)]);

        // The CAS holds exactly what the hub says: products of active subscriptions on active boxes, nothing else; disconnected boxes inactive.
        var hubSays = (await conn.QueryAsync<string>(
            """
            SELECT d.cas_id || ':' || c.cas_product_id FROM hub.subscription s
            JOIN hub.entitlement e ON e.subscription_id = s.id AND e.valid_to IS NULL
            JOIN hub.device d ON d.id = e.device_id JOIN hub.channel c ON c.id = e.channel_id
            WHERE s.status = 'active' ORDER BY 1
            """)).ToList();
        var casHolds = (await conn.QueryAsync<string>(
            "SELECT e.cas_device_id || ':' || e.product_id FROM cas_sim.entitlement e JOIN cas_sim.device d USING (cas_device_id) WHERE d.state = 'active' ORDER BY 1")).ToList();
        casHolds.ShouldBe(hubSays);
        hubSays.Count.ShouldBe((batch.NewOrders * 2) + (third * 4)); // HAPPY (P101, P102); PLUS (P101–P104)
        (await conn.QueryAsync<(string Hub, string Cas)>(
            "SELECT d.activation_state, c.state FROM hub.device d JOIN cas_sim.device c ON c.cas_device_id = d.cas_id WHERE d.activation_state <> c.state AND NOT (d.activation_state = 'suspended' AND c.state = 'active')"))
            .ShouldBeEmpty();
        (await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM hub.subscription s JOIN hub.device d ON d.id = s.device_id JOIN cas_sim.device c ON c.cas_device_id = d.cas_id WHERE s.status = 'terminated' AND c.state <> 'inactive'"))
            .ShouldBe(0);

        // No orphaned reservation; nothing dead-lettered; each CAS command applied once per key.
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.device WHERE status = 'reserved'")).ShouldBe(0);
        (await db.DeadLetterCountAsync()).ShouldBe(0);
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM (SELECT idempotency_key FROM cas_sim.command_log WHERE outcome = 'applied' GROUP BY 1 HAVING count(*) > 1) k"))
            .ShouldBe(0);

        // No message twice: one mail per business message (a welcome per onboarding, one per change), none twice. A mail whose hand-off to the
        // SMTP server the kill interrupted is not sent again (recorded rejected: it may or may not have arrived), so up to that many may be missing.
        var expected = batch.Setup + batch.NewOrders + batch.Changes;
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM notification.message")).ShouldBe(expected);
        var interrupted = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM notification.message WHERE state = 'rejected' AND reason LIKE 'not re-sent:%'");
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM notification.message WHERE state = 'sent'")).ShouldBe(expected - interrupted);
        var mail = (await maildev.MailAsync()).Skip(mailBefore).ToList();
        var deadlineMail = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (mail.Count < expected - interrupted && DateTime.UtcNow < deadlineMail)
        {
            await Task.Delay(500);
            mail = (await maildev.MailAsync()).Skip(mailBefore).ToList();
        }

        output.WriteLine($"{mail.Count} mails ({interrupted} hand-off(s) interrupted by the kill, not re-sent): "
            + string.Join(", ", mail.GroupBy(m => string.Join(' ', m.Subject.Split(' ').Take(3))).Select(g => $"{g.Key}… x{g.Count()}")));
        mail.Select(m => m.Header("message-id")).Distinct().Count().ShouldBe(mail.Count, "a Message-ID (derived from the idempotency key) arrived twice");
        mail.Count.ShouldBeInRange((int)(expected - interrupted), expected);
        var perRecipient = mail.GroupBy(m => m.To.Single().Address).ToDictionary(g => g.Key, g => g.Count());
        perRecipient.Values.ShouldAllBe(n => n <= 2);
        perRecipient.Values.Count(n => n == 2).ShouldBeInRange(batch.Setup - (int)interrupted, batch.Setup);
    }

    private sealed record MixedState(long Completed, long Final, long InFlight, long Sagas, long MessagesWaiting);

    private static async Task<MixedState> MixedStateAsync(HubTestDatabase db)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        if (!await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('wolverine.onboarding_saga') IS NOT NULL AND to_regclass('wolverine.lifecycle_saga') IS NOT NULL"))
        {
            return new MixedState(0, 0, 0, -1, -1); // the worker has not created Wolverine's tables yet
        }

        return await conn.QuerySingleAsync<MixedState>(
            """
            SELECT (SELECT count(*) FROM hub.product_order WHERE state = 'completed') AS Completed,
                   (SELECT count(*) FROM hub.product_order WHERE state IN ('completed', 'failed', 'cancelled')) AS Final,
                   (SELECT count(*) FROM cas_sim.command_log l WHERE l.outcome = 'applied'
                      AND (EXISTS (SELECT 1 FROM sagas.cas_call c WHERE c.idempotency_key = l.idempotency_key AND c.finished_at IS NULL)
                        OR EXISTS (SELECT 1 FROM sagas.lifecycle_cas_op o WHERE o.idempotency_key = l.idempotency_key AND o.finished_at IS NULL))) AS InFlight,
                   (SELECT count(*) FROM wolverine.onboarding_saga) + (SELECT count(*) FROM wolverine.lifecycle_saga) AS Sagas,
                   (SELECT count(*) FROM wolverine.wolverine_incoming_envelopes
                      WHERE status <> 'Handled' AND NOT (status = 'Scheduled' AND message_type LIKE '%StepTimedOut')) AS MessagesWaiting
            """);
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
