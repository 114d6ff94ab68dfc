using System.Diagnostics;
using CableHub.Connectors.Cas.Simulator;
using CableHub.Ordering.Contracts;
using CableHub.Inventory;
using CableHub.Ordering;
using CableHub.Subscriptions;
using CableHub.Subscriptions.Contracts;
using CableHub.Sagas.Onboarding;
using Dapper;
using Wolverine.Tracking;

namespace CableHub.Sagas.Tests;

[Collection(OnboardingCollection.Name)]
public sealed class OnboardingSagaIntegrationTests(OnboardingFixture hub, ITestOutputHelper output)
{
    private static string NewCorrelationId() => "corr-" + Guid.NewGuid().ToString("N")[..12];

    private async Task<IReadOnlyList<StockBox>> ArrangeAsync(int boxes)
    {
        hub.Cas.Faults.Reset();
        return await hub.Db.ResetStockAsync(boxes);
    }

    [Fact]
    public async Task Acknowledged_order_completes_with_an_active_box_a_subscription_and_one_CAS_activation()
    {
        var box = (await ArrangeAsync(1)).Single();
        var deadLettersBefore = await hub.Db.DeadLetterCountAsync();
        var correlationId = NewCorrelationId();

        var placed = await hub.PlaceAndAcknowledgeAsync(correlationId);
        var order = await hub.Db.WaitUntilFinishedAsync(placed.OrderId);

        order.State.ShouldBe(ProductOrderState.Completed);
        order.StateReason.ShouldBeNull();
        order.History.Select(h => h.State).ShouldBe([ProductOrderState.Acknowledged, ProductOrderState.InProgress, ProductOrderState.Completed]);

        var device = await hub.Db.DeviceAsync(box.Id);
        device.Status.ShouldBe(DeviceStatus.Installed);
        device.ActivationState.ShouldBe(ActivationState.Active);
        device.CustomerId.ShouldBe(placed.CustomerId);

        await using (var conn = await hub.Db.DataSource.OpenConnectionAsync())
        {
            var movements = (await conn.QueryAsync<(string ToStatus, string Actor, string? Reference)>(
                "SELECT to_status, actor, reference FROM hub.stock_movement WHERE device_id = @id ORDER BY id", new { id = box.Id })).ToList();
            movements.Skip(1).ShouldBe([
                (DeviceStatus.Reserved, "onboarding", placed.OrderId.ToString()),
                (DeviceStatus.Installed, "onboarding", placed.OrderId.ToString())]);
        }

        var subscription = (await hub.Db.SubscriptionsForOrderAsync(placed.OrderId)).ShouldHaveSingleItem();
        subscription.Status.ShouldBe(SubscriptionStatus.Active);
        subscription.DeviceId.ShouldBe(box.Id);
        (await hub.Db.EntitledProductsAsync(box.Id)).ShouldBe(OnboardingFixture.PlanProducts);

        var activation = (await hub.Cas.ActivationsForDeviceAsync(box.CasId)).ShouldHaveSingleItem();
        activation.IdempotencyKey.ShouldBe(OnboardingKeys.Activation(placed.OrderId, box.Id));
        activation.ProductIds.ShouldBe(OnboardingFixture.PlanProducts);
        (await hub.Cas.CommandLogAsync(box.CasId)).ShouldHaveSingleItem();
        var casDevice = await hub.Cas.DeviceAsync(box.CasId);
        casDevice.ShouldNotBeNull();
        casDevice.IsActive.ShouldBeTrue();
        casDevice.ProductIds.ShouldBe(OnboardingFixture.PlanProducts);

        var completed = await EventuallyAsync(() => hub.Outcomes.Of<ProductOrderCompleted>(e => e.OrderId == placed.OrderId));
        completed.ShouldHaveSingleItem().Event.SubscriptionId.ShouldBe(subscription.Id);
        (await hub.Db.DeadLetterCountAsync()).ShouldBe(deadLettersBefore);
    }

    [Fact]
    public async Task Order_fails_when_no_box_is_in_stock()
    {
        await ArrangeAsync(0);

        var placed = await hub.PlaceAndAcknowledgeAsync(NewCorrelationId());
        var order = await hub.Db.WaitUntilFinishedAsync(placed.OrderId);

        order.State.ShouldBe(ProductOrderState.Failed);
        order.StateReason.ShouldBe("no set-top box in stock");
        order.History.Select(h => h.State).ShouldBe([ProductOrderState.Acknowledged, ProductOrderState.InProgress, ProductOrderState.Failed]);
        (await hub.Db.SubscriptionsForOrderAsync(placed.OrderId)).ShouldBeEmpty();
        var failed = await EventuallyAsync(() => hub.Outcomes.Of<ProductOrderFailed>(e => e.OrderId == placed.OrderId));
        failed.ShouldHaveSingleItem().Event.Reason.ShouldBe("no set-top box in stock");
    }

    [Fact]
    public async Task CAS_rejection_releases_the_box_and_fails_the_order_with_the_CAS_reason()
    {
        var box = (await ArrangeAsync(1)).Single();
        hub.Cas.Faults.RejectDevice(box.CasId, "smart card blacklisted");

        var placed = await hub.PlaceAndAcknowledgeAsync(NewCorrelationId());
        var order = await hub.Db.WaitUntilFinishedAsync(placed.OrderId);

        order.State.ShouldBe(ProductOrderState.Failed);
        order.StateReason.ShouldBe("smart card blacklisted");
        var device = await hub.Db.DeviceAsync(box.Id);
        device.Status.ShouldBe(DeviceStatus.InStock);
        device.ReservedFor.ShouldBeNull();
        device.CustomerId.ShouldBeNull();
        (await hub.Db.SubscriptionsForOrderAsync(placed.OrderId)).ShouldBeEmpty();
        (await hub.Cas.ActivationsForDeviceAsync(box.CasId)).ShouldBeEmpty();
        var log = await hub.Cas.CommandLogAsync(box.CasId);
        log.ShouldHaveSingleItem().Outcome.ShouldBe(CasCommandOutcome.Rejected);
    }

    [Fact]
    public async Task CAS_unavailable_twice_is_retried_and_the_order_completes_with_one_activation()
    {
        var box = (await ArrangeAsync(1)).Single();
        hub.Cas.Faults.FailNextFor(box.CasId, 2);

        var placed = await hub.PlaceAndAcknowledgeAsync(NewCorrelationId());
        var order = await hub.Db.WaitUntilFinishedAsync(placed.OrderId);

        order.State.ShouldBe(ProductOrderState.Completed);
        (await hub.Cas.ActivationsForDeviceAsync(box.CasId)).ShouldHaveSingleItem();
        (await hub.Cas.CommandLogAsync(box.CasId)).ShouldHaveSingleItem();
        hub.Logs.Entries.Count(e => e.Message.StartsWith($"Simulated CAS unavailable for activate of {box.CasId} ", StringComparison.Ordinal)).ShouldBe(2);
    }

    [Fact]
    public async Task Lost_CAS_answer_is_retried_with_the_same_key_and_takes_effect_once()
    {
        var box = (await ArrangeAsync(1)).Single();
        hub.Cas.Faults.LoseNextResponses(1);

        var placed = await hub.PlaceAndAcknowledgeAsync(NewCorrelationId());
        var order = await hub.Db.WaitUntilFinishedAsync(placed.OrderId);

        order.State.ShouldBe(ProductOrderState.Completed);
        (await hub.Cas.ActivationsForDeviceAsync(box.CasId)).ShouldHaveSingleItem();
        var log = await hub.Cas.CommandLogAsync(box.CasId);
        log.Select(c => c.Outcome).ShouldBe([CasCommandOutcome.Applied, CasCommandOutcome.Duplicate]);
        log[1].OriginalId.ShouldBe(log[0].Id);
        log[1].IdempotencyKey.ShouldBe(log[0].IdempotencyKey);
    }

    [Fact]
    public async Task Step_timeout_deactivates_the_box_on_the_CAS_releases_it_and_fails_the_order()
    {
        var box = (await ArrangeAsync(1)).Single();
        var normal = hub.Onboarding.StepTimeout;
        hub.Onboarding.StepTimeout = TimeSpan.FromSeconds(1.5);
        hub.Cas.Faults.Latency = TimeSpan.FromSeconds(4);
        try
        {
            var placed = await hub.PlaceAndAcknowledgeAsync(NewCorrelationId());
            var order = await hub.Db.WaitUntilFinishedAsync(placed.OrderId);

            order.State.ShouldBe(ProductOrderState.Failed);
            order.StateReason.ShouldBe("timed out waiting for the CAS to activate the set-top box");
            order.History.Count(h => h.State == ProductOrderState.Failed).ShouldBe(1);
            var device = await hub.Db.DeviceAsync(box.Id);
            device.Status.ShouldBe(DeviceStatus.InStock);
            device.ReservedFor.ShouldBeNull();
            (await hub.Db.SubscriptionsForOrderAsync(placed.OrderId)).ShouldBeEmpty();

            // The late activation took effect on the CAS, and the compensation undid it.
            var log = await hub.Cas.CommandLogAsync(box.CasId);
            log.Where(c => c.Outcome == CasCommandOutcome.Applied).Select(c => c.Kind).ShouldBe([CasCommandKind.Activate, CasCommandKind.Deactivate]);
            var casDevice = await hub.Cas.DeviceAsync(box.CasId);
            casDevice.ShouldNotBeNull();
            casDevice.IsActive.ShouldBeFalse();
            casDevice.ProductIds.ShouldBeEmpty();
        }
        finally
        {
            hub.Onboarding.StepTimeout = normal;
            hub.Cas.Faults.Reset();
        }
    }

    [Fact]
    public async Task CAS_unavailable_beyond_the_step_timeout_compensates_and_the_late_retry_is_skipped()
    {
        var box = (await ArrangeAsync(1)).Single();
        var deadLettersBefore = await hub.Db.DeadLetterCountAsync();
        var normal = hub.Onboarding.StepTimeout;
        hub.Onboarding.StepTimeout = TimeSpan.FromSeconds(5); // the activation's outage retries (every 2 s) outlast it
        hub.Cas.Faults.FailNextFor(box.CasId, 6);             // ≥ 10 s of failing activations; the rest fall on the compensation's retries
        try
        {
            var placed = await hub.PlaceAndAcknowledgeAsync(NewCorrelationId());
            var order = await hub.Db.WaitUntilFinishedAsync(placed.OrderId);

            order.State.ShouldBe(ProductOrderState.Failed);
            order.StateReason.ShouldBe("timed out waiting for the CAS to activate the set-top box");
            (await hub.Db.DeviceAsync(box.Id)).Status.ShouldBe(DeviceStatus.InStock);
            hub.Logs.Entries.Count(e => e.Message.StartsWith($"Simulated CAS unavailable for activate of {box.CasId} ", StringComparison.Ordinal)).ShouldBeGreaterThan(0);
            (await hub.Db.DeadLetterCountAsync()).ShouldBe(deadLettersBefore); // waited out, then skipped: nothing dead-lettered

            // The activation never reached the CAS; the compensation's deactivation did (the box might have been active).
            (await hub.Cas.CommandLogAsync(box.CasId)).ShouldHaveSingleItem().Kind.ShouldBe(CasCommandKind.Deactivate);
        }
        finally
        {
            hub.Onboarding.StepTimeout = normal;
            hub.Cas.Faults.Reset();
        }
    }

    [Fact]
    public async Task CAS_outage_longer_than_the_quick_retries_is_waited_out_and_the_order_completes_with_one_activation()
    {
        var box = (await ArrangeAsync(1)).Single();
        await hub.Cas.DownAsync(TimeSpan.FromMinutes(5), "head-end maintenance", CancellationToken.None);
        PlacedProductOrder placed;
        try
        {
            placed = await hub.PlaceAndAcknowledgeAsync(NewCorrelationId());
            // Five refused activations, 2 s apart: the outage lasts beyond the ~6 s after which the order used to fail.
            var watch = Stopwatch.StartNew();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
            while (hub.Logs.Entries.Count(e => e.Message.StartsWith("Simulated CAS down: refused", StringComparison.Ordinal) && e.Message.Contains(box.CasId, StringComparison.Ordinal)) < 5)
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline, await hub.Db.DiagnosticsAsync());
                await Task.Delay(100);
            }

            watch.Elapsed.ShouldBeGreaterThan(TimeSpan.FromSeconds(6));
            var waiting = (await hub.Db.GetOrderAsync(placed.OrderId))!;
            ProductOrderState.IsFinal(waiting.State).ShouldBeFalse(); // waiting, not failed
        }
        finally
        {
            await hub.Cas.UpAsync(CancellationToken.None);
        }

        var order = await hub.Db.WaitUntilFinishedAsync(placed.OrderId, TimeSpan.FromSeconds(90));
        order.State.ShouldBe(ProductOrderState.Completed, await hub.Db.DiagnosticsAsync());
        var applied = (await hub.Cas.CommandLogAsync(box.CasId)).Where(c => c.Outcome == CasCommandOutcome.Applied).ToList();
        applied.ShouldHaveSingleItem().Kind.ShouldBe(CasCommandKind.Activate);
        (await hub.Db.SubscriptionsForOrderAsync(placed.OrderId)).ShouldHaveSingleItem().Status.ShouldBe(SubscriptionStatus.Active);
    }

    [Fact]
    public async Task Redelivered_step_commands_of_a_completed_order_change_nothing()
    {
        var boxes = await ArrangeAsync(2);
        var placed = await hub.PlaceAndAcknowledgeAsync(NewCorrelationId());
        (await hub.Db.WaitUntilFinishedAsync(placed.OrderId)).State.ShouldBe(ProductOrderState.Completed);
        var subscription = (await hub.Db.SubscriptionsForOrderAsync(placed.OrderId)).ShouldHaveSingleItem();
        var deviceId = subscription.DeviceId!.Value;
        var casId = boxes.Single(b => b.Id == deviceId).CasId;
        (await hub.Cas.ActivationsForDeviceAsync(casId)).ShouldHaveSingleItem();
        var logBefore = await hub.Cas.CommandLogAsync(casId);

        // What a crash between a step's commit and the inbox's "handled" mark would deliver again.
        object[] redelivered =
        [
            new ReserveStb(placed.OrderId, placed.CustomerId),
            new ActivateStb(placed.OrderId, deviceId, casId, null, HubTestDatabase.PlanId, DateTimeOffset.UtcNow),
            new CompleteOnboarding(placed.OrderId, placed.CustomerId, placed.BillingAccountId, HubTestDatabase.PlanId, deviceId),
            new CompensateOnboarding(placed.OrderId, deviceId, casId, "should not happen", DeactivateOnCas: true),
        ];
        foreach (var message in redelivered)
        {
            await hub.Host.TrackActivity().Timeout(TimeSpan.FromSeconds(30)).SendMessageAndWaitAsync(message);
        }

        var order = await hub.Db.WaitUntilFinishedAsync(placed.OrderId);
        order.History.Select(h => h.State).ShouldBe([ProductOrderState.Acknowledged, ProductOrderState.InProgress, ProductOrderState.Completed]);
        (await hub.Db.SubscriptionsForOrderAsync(placed.OrderId)).ShouldHaveSingleItem().Id.ShouldBe(subscription.Id);
        (await hub.Db.DeviceAsync(deviceId)).Status.ShouldBe(DeviceStatus.Installed);
        (await hub.Cas.CommandLogAsync(casId)).Count.ShouldBe(logBefore.Count);
        hub.Outcomes.Of<ProductOrderCompleted>(e => e.OrderId == placed.OrderId).ShouldHaveSingleItem();
        hub.Outcomes.Of<ProductOrderFailed>(e => e.OrderId == placed.OrderId).ShouldBeEmpty();
    }

    [Fact]
    public async Task Duplicate_acknowledgements_start_one_saga_and_activate_once()
    {
        var boxes = await ArrangeAsync(2);
        var correlationId = NewCorrelationId();
        var placed = await hub.Db.PlaceOrderAsync(correlationId);

        // Three deliveries of the same event, two of them racing.
        await Task.WhenAll(hub.AcknowledgeAsync(placed, correlationId), hub.AcknowledgeAsync(placed, correlationId));
        await hub.AcknowledgeAsync(placed, correlationId);
        var order = await hub.Db.WaitUntilFinishedAsync(placed.OrderId);
        order.State.ShouldBe(ProductOrderState.Completed);

        // And once more after the saga finished: a new saga starts, finds the order final and finishes as abandoned.
        // Wait for exactly that (no fixed delay), then nothing else may have changed.
        await hub.AcknowledgeAsync(placed, correlationId);
        await WaitForLogAsync(placed.OrderId, "finished: abandoned, the order was already completed");
        order = await hub.Db.WaitUntilFinishedAsync(placed.OrderId);

        order.State.ShouldBe(ProductOrderState.Completed);
        order.History.Select(h => h.State).ShouldBe([ProductOrderState.Acknowledged, ProductOrderState.InProgress, ProductOrderState.Completed]);
        var subscription = (await hub.Db.SubscriptionsForOrderAsync(placed.OrderId)).ShouldHaveSingleItem();
        var used = boxes.Single(b => b.Id == subscription.DeviceId);
        var unused = boxes.Single(b => b.Id != subscription.DeviceId);
        (await hub.Db.DeviceAsync(unused.Id)).Status.ShouldBe(DeviceStatus.InStock);
        (await hub.Cas.ActivationsForDeviceAsync(used.CasId)).ShouldHaveSingleItem();
        (await hub.Cas.CommandLogAsync(unused.CasId)).ShouldBeEmpty();
        hub.Outcomes.Of<ProductOrderCompleted>(e => e.OrderId == placed.OrderId).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Correlation_id_of_the_request_reaches_every_hop_and_the_log_context()
    {
        await ArrangeAsync(1);
        var correlationId = NewCorrelationId();

        var placed = await hub.PlaceAndAcknowledgeAsync(correlationId);
        var order = await hub.Db.WaitUntilFinishedAsync(placed.OrderId);
        order.State.ShouldBe(ProductOrderState.Completed);

        // Saga → step handler → saga → step handler → saga: every handler logged inside the correlation.
        var orderLogs = hub.Logs.Entries
            .Where(e => e.Category == typeof(OnboardingSaga).FullName && e.Message.Contains(placed.OrderId.ToString(), StringComparison.Ordinal))
            .ToList();
        orderLogs.ShouldContain(e => e.Message.Contains("Onboarding of order", StringComparison.Ordinal) && e.Message.Contains("started", StringComparison.Ordinal));
        orderLogs.ShouldContain(e => e.Message.Contains("reserved, activating", StringComparison.Ordinal));
        orderLogs.ShouldContain(e => e.Message.Contains("completed: subscription", StringComparison.Ordinal));
        orderLogs.ShouldContain(e => e.Message.Contains("finished: completed", StringComparison.Ordinal));
        orderLogs.ShouldAllBe(e => e.CorrelationId == correlationId);

        // The integration event published by the last step carries it too.
        var completed = await EventuallyAsync(() => hub.Outcomes.Of<ProductOrderCompleted>(e => e.OrderId == placed.OrderId));
        completed.ShouldHaveSingleItem().CorrelationId.ShouldBe(correlationId);
    }

    [Fact]
    public async Task Throughput_of_200_concurrent_onboardings()
    {
        const int orders = 200;
        var warmUp = (await ArrangeAsync(1)).Single();
        (await hub.Db.WaitUntilFinishedAsync((await hub.PlaceAndAcknowledgeAsync("warm-up")).OrderId)).State.ShouldBe(ProductOrderState.Completed);
        (await hub.Cas.ActivationsForDeviceAsync(warmUp.CasId)).ShouldHaveSingleItem();
        var boxes = await hub.Db.ResetStockAsync(orders);
        var logsBefore = hub.Logs.Entries.Count;
        var placed = new List<PlacedProductOrder>();
        for (var i = 0; i < orders; i++)
        {
            placed.Add(await hub.Db.PlaceOrderAsync("bench-" + i));
        }

        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(placed, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (p, _) => await hub.AcknowledgeAsync(p, "bench"));
        var ids = placed.Select(p => p.OrderId).ToArray();
        await using (var conn = await hub.Db.DataSource.OpenConnectionAsync())
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            while (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.product_order WHERE id = ANY(@ids) AND state = 'completed'", new { ids }) < orders)
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline, "200 onboardings did not complete within 3 minutes");
                await Task.Delay(50);
            }
        }

        clock.Stop();
        var rate = orders / clock.Elapsed.TotalSeconds;
        output.WriteLine($"{orders} onboardings (7 messages, 7 transactions, 1 CAS call each) in {clock.Elapsed.TotalSeconds:F2} s = {rate:F1} sagas/s");
        foreach (var group in hub.Logs.Entries.Skip(logsBefore).Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning).GroupBy(e => e.Category + ": " + e.Message[..Math.Min(80, e.Message.Length)]).OrderByDescending(g => g.Count()).Take(10))
        {
            output.WriteLine($"{group.Count()} x {group.Key}");
        }

        Console.WriteLine($"RESULT onboarding_sagas_per_second {rate:F1} sagas/s");

        foreach (var box in boxes)
        {
            (await hub.Cas.ActivationsForDeviceAsync(box.CasId)).Count.ShouldBe(1);
        }

        await using var check = await hub.Db.DataSource.OpenConnectionAsync();
        (await check.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.subscription WHERE order_id = ANY(@ids)", new { ids })).ShouldBe(orders);
    }

    private static async Task<IReadOnlyList<T>> EventuallyAsync<T>(Func<IReadOnlyList<T>> read)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var items = read();
            if (items.Count > 0 || DateTime.UtcNow > deadline)
            {
                return items;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits until a log entry of the order says <paramref name="text"/> (the event the test waits for).</summary>
    private async Task WaitForLogAsync(Guid orderId, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var id = orderId.ToString();
        while (!hub.Logs.Entries.Any(e => e.Message.Contains(id, StringComparison.Ordinal) && e.Message.Contains(text, StringComparison.Ordinal)))
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"no log '{text}' for order {orderId}");
            await Task.Delay(50);
        }
    }
}
