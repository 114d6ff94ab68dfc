using CableHub.Billing.Contracts;
using CableHub.Billing.Engine;
using CableHub.Connectors.Cas.Simulator;
using CableHub.Core;
using CableHub.Ordering;
using CableHub.Ordering.Contracts;
using CableHub.Sagas.Lifecycle;
using CableHub.Sagas.Messaging;
using CableHub.Subscriptions.Contracts;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using BillingChange = CableHub.Billing.Contracts.LifecycleChange;
using LifecycleChange = CableHub.Sagas.Lifecycle.LifecycleChange;

namespace CableHub.Sagas.Tests;

/// <summary>
/// The lifecycle saga against the simulated CAS and a real PostgreSQL: plan change (only the delta reaches the CAS, the
/// proration event), add-ons, scheduled changes and their cancellation, suspension and restore, disconnect, the compensation
/// after a CAS refusal, and a CAS outage waited out.
/// </summary>
[Collection(OnboardingCollection.Name)]
public sealed class LifecycleSagaIntegrationTests(OnboardingFixture hub)
{
    public static readonly Guid PlusPlan = new("00000000-0000-0000-0000-0000000001c2");
    public static readonly Guid BasicPlan = new("00000000-0000-0000-0000-0000000001c3");
    public static readonly Guid SwapPlan = new("00000000-0000-0000-0000-0000000001c4");
    public static readonly Guid MovieBouquet = new("00000000-0000-0000-0000-0000000001a5");
    public static readonly Guid KidsChannel = new("00000000-0000-0000-0000-000000000106");

    [Fact]
    public async Task Upgrade_now_sends_only_the_added_products_and_publishes_the_proration_event()
    {
        var (box, sub) = await OnboardAsync();

        var order = await OrderAsync(sub, SubscriptionChangeAction.ChangePlan, "plan", PlusPlan);
        await WaitFinalAsync(order, ProductOrderState.Completed);

        var log = await hub.Cas.CommandLogAsync(box.CasId);
        log.Select(c => c.Kind).ShouldBe([CasCommandKind.Activate, CasCommandKind.AddProducts]);
        (await hub.Cas.DeviceAsync(box.CasId))!.ProductIds.ShouldBe(["P101", "P102", "P103", "P104"]);
        (await hub.Db.EntitledProductsAsync(box.Id)).ShouldBe(["P101", "P102", "P103", "P104"]);
        (await SubscriptionAsync(sub)).PlanId.ShouldBe(PlusPlan);
        var changed = (await Eventually(() => hub.Outcomes.Of<SubscriptionChanged>(e => e.SubscriptionId == sub))).ShouldHaveSingleItem().Event;
        changed.Kind.ShouldBe(SubscriptionChangeKind.PlanChange);
        changed.OldPlanId.ShouldBe(HubTestDatabase.PlanId);
        changed.OldPlanPrice.ShouldBe(new Money(249.00m, "INR"));
        changed.NewPlanId.ShouldBe(PlusPlan);
        changed.NewPlanPrice.ShouldBe(new Money(399.00m, "INR"));
        changed.ChannelsAdded.ShouldBe(2);
        changed.ChannelsRemoved.ShouldBe(0);
        changed.OrderId.ShouldBe(order);
    }

    [Fact]
    public async Task Mid_cycle_upgrade_records_the_proration_charges_with_billing_exactly_once()
    {
        var (_, sub) = await OnboardAsync();
        var account = (await SubscriptionAsync(sub)).BillingAccountId;
        await hub.Host.Services.GetRequiredService<IBillingProfiles>().EnsureAsync(account, "monthly", CancellationToken.None);
        // A cycle day that is neither today nor tomorrow (local): the change falls inside a period billed in advance.
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, hub.Lifecycle.ReportingTimeZone).DateTime);
        var cycleDay = new[] { 1, 2, 3 }.First(d => d != today.Day && d != today.AddDays(1).Day);
        await using (var conn = await hub.Db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("UPDATE hub.billing_profile SET bill_cycle_day = @cycleDay WHERE billing_account_id = @account", new { cycleDay = (short)cycleDay, account });
        }

        var order = await OrderAsync(sub, SubscriptionChangeAction.ChangePlan, "plan", PlusPlan);
        await WaitFinalAsync(order, ProductOrderState.Completed);
        var changed = (await Eventually(() => hub.Outcomes.Of<SubscriptionChanged>(e => e.SubscriptionId == sub))).ShouldHaveSingleItem().Event;
        var from = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(changed.EffectiveAt, hub.Lifecycle.ReportingTimeZone).DateTime);
        var period = new BillingCycle(cycleDay).PeriodContaining(from);
        decimal[] expected = [-Proration.Prorate(249.00m, period, from), Proration.Prorate(399.00m, period, from)];
        expected.ShouldAllBe(a => a != 0);

        await WaitForLogAsync($"Change {order}: billing prorates", 1);
        (await ProrationsAsync(order)).ShouldBe(expected, ignoreOrder: true);

        // The message delivered again (a redelivery after a crash): billing records nothing twice.
        await using (var tx = await hub.Host.Services.GetRequiredService<HubOutbox>().BeginAsync("redelivery", CancellationToken.None))
        {
            await tx.PublishAsync(new RecordLifecycleCharges(order, [new BillingChange("upgrade", account, sub, HubTestDatabase.PlanId, PlusPlan, from, null, order)]));
            await tx.CommitAsync(CancellationToken.None);
        }

        await WaitForLogAsync($"Change {order}: billing prorates", 2);
        (await ProrationsAsync(order)).ShouldBe(expected, ignoreOrder: true);
    }

    [Fact]
    public async Task Downgrade_at_a_later_start_waits_pending_then_removes_only_the_dropped_product()
    {
        var (box, sub) = await OnboardAsync();

        var order = await OrderAsync(sub, SubscriptionChangeAction.ChangePlan, "plan", BasicPlan, start: DateTimeOffset.UtcNow.AddSeconds(6));
        await WaitStateAsync(order, ProductOrderState.Pending);
        (await hub.Cas.CommandLogAsync(box.CasId)).Count.ShouldBe(1); // nothing sent before the effective time
        await WaitFinalAsync(order, ProductOrderState.Completed);

        var log = await hub.Cas.CommandLogAsync(box.CasId);
        log.Select(c => c.Kind).ShouldBe([CasCommandKind.Activate, CasCommandKind.RemoveProducts]);
        (await hub.Cas.DeviceAsync(box.CasId))!.ProductIds.ShouldBe(["P101"]);
        (await hub.Db.EntitledProductsAsync(box.Id)).ShouldBe(["P101"]);
        var changed = (await Eventually(() => hub.Outcomes.Of<SubscriptionChanged>(e => e.SubscriptionId == sub))).ShouldHaveSingleItem().Event;
        changed.NewPlanPrice.ShouldBe(new Money(149.00m, "INR"));
        changed.ChannelsRemoved.ShouldBe(1);
    }

    [Fact]
    public async Task A_scheduled_change_cancelled_before_its_time_never_reaches_the_CAS()
    {
        var (box, sub) = await OnboardAsync();
        var order = await OrderAsync(sub, SubscriptionChangeAction.ChangePlan, "plan", PlusPlan, start: DateTimeOffset.UtcNow.AddSeconds(8));
        await WaitStateAsync(order, ProductOrderState.Pending);

        var orders = hub.Host.Services.GetRequiredService<ProductOrderStore>();
        await using (var tx = await hub.Host.Services.GetRequiredService<HubOutbox>().BeginAsync("cancel-test", CancellationToken.None))
        {
            (await orders.CancelAsync(order, "changed my mind", tx.Connection, tx.Transaction)).Cancelled.ShouldBeTrue();
            await tx.CommitAsync(CancellationToken.None);
        }

        await WaitSagaGoneAsync(order, TimeSpan.FromSeconds(60));
        (await hub.Db.GetOrderAsync(order))!.State.ShouldBe(ProductOrderState.Cancelled);
        (await hub.Cas.CommandLogAsync(box.CasId)).Count.ShouldBe(1);
        (await SubscriptionAsync(sub)).PlanId.ShouldBe(HubTestDatabase.PlanId);
    }

    [Fact]
    public async Task Bouquet_and_channel_add_ons_are_added_and_removed_as_deltas()
    {
        var (box, sub) = await OnboardAsync();

        await WaitFinalAsync(await OrderAsync(sub, SubscriptionChangeAction.AddOffering, "bouquet", MovieBouquet), ProductOrderState.Completed);
        await WaitFinalAsync(await OrderAsync(sub, SubscriptionChangeAction.AddOffering, "channel", KidsChannel), ProductOrderState.Completed);
        (await hub.Cas.DeviceAsync(box.CasId))!.ProductIds.ShouldBe(["P101", "P102", "P105", "P106"]);
        var detail = await SubscriptionAsync(sub);
        detail.AddOns.Where(a => a.ValidTo is null).Select(a => a.Kind).Order().ShouldBe(["bouquet", "channel"]);

        await WaitFinalAsync(await OrderAsync(sub, SubscriptionChangeAction.RemoveOffering, "bouquet", MovieBouquet), ProductOrderState.Completed);

        (await hub.Cas.DeviceAsync(box.CasId))!.ProductIds.ShouldBe(["P101", "P102", "P106"]);
        (await hub.Db.EntitledProductsAsync(box.Id)).ShouldBe(["P101", "P102", "P106"]);
        var log = (await hub.Cas.CommandLogAsync(box.CasId)).Select(c => (c.Kind, string.Join(',', c.ProductIds ?? []))).ToList();
        log.Skip(1).ShouldBe([(CasCommandKind.AddProducts, "P105"), (CasCommandKind.AddProducts, "P106"), (CasCommandKind.RemoveProducts, "P105")]);
        var events = await Eventually(() => hub.Outcomes.Of<SubscriptionChanged>(e => e.SubscriptionId == sub && e.Kind == SubscriptionChangeKind.AddOnRemove));
        var removed = events.ShouldHaveSingleItem().Event;
        removed.AddOnId.ShouldBe(MovieBouquet);
        removed.AddOnPrice.ShouldBe(new Money(49.00m, "INR"));
        removed.AddOnAdded.ShouldBeFalse();
    }

    [Fact]
    public async Task CAS_refusing_the_second_command_undoes_the_first_and_fails_the_order_with_the_reason()
    {
        var (box, sub) = await OnboardAsync();
        hub.SagaCas.RefuseRemovalOf(box.CasId, "P102", "product P102 locked by the head-end");
        try
        {
            var order = await OrderAsync(sub, SubscriptionChangeAction.ChangePlan, "plan", SwapPlan);
            var final = await WaitFinalAsync(order, ProductOrderState.Failed);
            final.StateReason.ShouldBe("product P102 locked by the head-end");
        }
        finally
        {
            hub.SagaCas.Reset();
        }

        // P103 was added, P102's removal refused: the compensation removed P103 again. Hub unchanged.
        var log = (await hub.Cas.CommandLogAsync(box.CasId)).Select(c => (c.Kind, string.Join(',', c.ProductIds ?? []))).ToList();
        log.Skip(1).ShouldBe([(CasCommandKind.AddProducts, "P103"), (CasCommandKind.RemoveProducts, "P103")]);
        (await hub.Cas.DeviceAsync(box.CasId))!.ProductIds.ShouldBe(["P101", "P102"]);
        (await hub.Db.EntitledProductsAsync(box.Id)).ShouldBe(["P101", "P102"]);
        (await SubscriptionAsync(sub)).PlanId.ShouldBe(HubTestDatabase.PlanId);
        hub.Outcomes.Of<SubscriptionChanged>(e => e.SubscriptionId == sub).ShouldBeEmpty();
        await using var conn = await hub.Db.DataSource.OpenConnectionAsync();
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM sagas.lifecycle_lease WHERE subscription_id = @sub", new { sub })).ShouldBe(0);
    }

    [Fact]
    public async Task Suspension_removes_every_product_with_a_message_and_restore_puts_them_back_within_a_minute()
    {
        var (box, sub) = await OnboardAsync();

        var suspend = await OrderAsync(sub, SubscriptionChangeAction.Suspend, null, null, reason: SuspensionReason.Vacation);
        await WaitFinalAsync(suspend, ProductOrderState.Completed);
        (await hub.Cas.DeviceAsync(box.CasId))!.ProductIds.ShouldBeEmpty();
        (await hub.Cas.ScreenCommandsAsync(box.CasId)).ShouldHaveSingleItem().Kind.ShouldBe("osd_message");
        (await SubscriptionAsync(sub)).Status.ShouldBe(SubscriptionStatus.Suspended);
        (await hub.Db.DeviceAsync(box.Id)).ActivationState.ShouldBe("suspended");
        var suspended = (await Eventually(() => hub.Outcomes.Of<SubscriptionSuspended>(e => e.SubscriptionId == sub))).ShouldHaveSingleItem().Event;
        suspended.Reason.ShouldBe(SuspensionReason.Vacation);
        suspended.PaidThrough.ShouldBeNull(); // nothing paid ahead known to billing: suspended at once

        var trigger = DateTimeOffset.UtcNow;
        var restore = await OrderAsync(sub, SubscriptionChangeAction.Restore, null, null);
        var done = await WaitFinalAsync(restore, ProductOrderState.Completed);
        (done.CompletedAt!.Value - trigger).ShouldBeLessThan(TimeSpan.FromMinutes(1));
        (await hub.Cas.DeviceAsync(box.CasId))!.ProductIds.ShouldBe(["P101", "P102"]);
        (await SubscriptionAsync(sub)).Status.ShouldBe(SubscriptionStatus.Active);
        (await hub.Db.DeviceAsync(box.Id)).ActivationState.ShouldBe("active");
        (await Eventually(() => hub.Outcomes.Of<SubscriptionRestored>(e => e.SubscriptionId == sub))).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Dunning_request_suspends_without_an_order()
    {
        var (box, sub) = await OnboardAsync();
        var request = Guid.NewGuid();
        await using (var tx = await hub.Host.Services.GetRequiredService<HubOutbox>().BeginAsync("dunning-test", CancellationToken.None))
        {
            await tx.PublishAsync(new SubscriptionSuspensionRequested(request, sub, SuspensionReason.Dunning, false, DateTimeOffset.UtcNow));
            await tx.CommitAsync(CancellationToken.None);
        }

        var e = (await Eventually(() => hub.Outcomes.Of<SubscriptionSuspended>(x => x.SubscriptionId == sub), TimeSpan.FromSeconds(60))).ShouldHaveSingleItem().Event;
        e.Reason.ShouldBe(SuspensionReason.Dunning);
        e.ChangeId.ShouldBe(request);
        (await hub.Cas.DeviceAsync(box.CasId))!.ProductIds.ShouldBeEmpty();
    }

    [Fact]
    public async Task Disconnect_deactivates_the_box_marks_it_for_return_and_publishes_the_final_bill_event()
    {
        var (box, sub) = await OnboardAsync();

        var order = await OrderAsync(sub, SubscriptionChangeAction.Disconnect, null, null);
        await WaitFinalAsync(order, ProductOrderState.Completed);

        var cas = await hub.Cas.DeviceAsync(box.CasId);
        cas!.IsActive.ShouldBeFalse();
        cas.ProductIds.ShouldBeEmpty();
        (await SubscriptionAsync(sub)).Status.ShouldBe(SubscriptionStatus.Terminated);
        (await hub.Db.EntitledProductsAsync(box.Id)).ShouldBeEmpty();
        (await hub.Db.DeviceAsync(box.Id)).ActivationState.ShouldBe("inactive");
        await using (var conn = await hub.Db.DataSource.OpenConnectionAsync())
        {
            (await conn.ExecuteScalarAsync<string>("SELECT reason FROM hub.device_return WHERE device_id = @id AND received_at IS NULL", new { id = box.Id })).ShouldBe("disconnected");
        }

        var final = (await Eventually(() => hub.Outcomes.Of<SubscriptionDisconnected>(e => e.SubscriptionId == sub))).ShouldHaveSingleItem().Event;
        final.PlanPrice.ShouldBe(new Money(249.00m, "INR"));
        final.DeviceId.ShouldBe(box.Id);
    }

    [Fact]
    public async Task CAS_outage_is_waited_out_and_the_change_completes_when_the_CAS_is_back()
    {
        var (box, sub) = await OnboardAsync();
        await hub.Cas.DownAsync(TimeSpan.FromMinutes(5), "maintenance window", CancellationToken.None);
        Guid order;
        try
        {
            order = await OrderAsync(sub, SubscriptionChangeAction.ChangePlan, "plan", PlusPlan);
            await WaitStateAsync(order, ProductOrderState.InProgress);
            await Task.Delay(TimeSpan.FromSeconds(5));
            (await hub.Db.GetOrderAsync(order))!.State.ShouldBe(ProductOrderState.InProgress); // waiting, not failed
        }
        finally
        {
            await hub.Cas.UpAsync(CancellationToken.None);
        }

        await WaitFinalAsync(order, ProductOrderState.Completed, TimeSpan.FromSeconds(90));
        (await hub.Cas.DeviceAsync(box.CasId))!.ProductIds.ShouldBe(["P101", "P102", "P103", "P104"]);
    }

    // --- helpers

    internal async Task<(StockBox Box, Guid SubscriptionId)> OnboardAsync()
    {
        await LifecycleCatalog.SeedAsync(hub.Db);
        hub.Cas.Faults.Reset();
        hub.SagaCas.Reset();
        var box = (await hub.Db.ResetStockAsync(1)).Single();
        var placed = await hub.PlaceAndAcknowledgeAsync("lc-" + Guid.NewGuid().ToString("N")[..10]);
        var order = await hub.Db.WaitUntilFinishedAsync(placed.OrderId);
        order.State.ShouldBe(ProductOrderState.Completed, await hub.Db.DiagnosticsAsync());
        return (box, (await hub.Db.SubscriptionsForOrderAsync(placed.OrderId)).Single().Id);
    }

    internal async Task<Guid> OrderAsync(Guid subscriptionId, string action, string? offeringKind, Guid? offeringId, string? reason = null, DateTimeOffset? start = null)
    {
        var detail = await SubscriptionAsync(subscriptionId);
        var tmfAction = action switch
        {
            SubscriptionChangeAction.AddOffering => "add",
            SubscriptionChangeAction.RemoveOffering or SubscriptionChangeAction.Disconnect => "delete",
            _ => "modify",
        };
        var orders = hub.Host.Services.GetRequiredService<ProductOrderStore>();
        var correlation = "lc-" + Guid.NewGuid().ToString("N")[..10];
        await using var tx = await hub.Host.Services.GetRequiredService<HubOutbox>().BeginAsync(correlation, CancellationToken.None);
        var placed = await orders.PlaceChangeAsync(new PlaceChangeOrder(null, detail.CustomerId, detail.BillingAccountId, subscriptionId, "1", tmfAction, action, offeringKind,
            offeringId, offeringKind == "plan" ? offeringId : null, action is SubscriptionChangeAction.Suspend ? "suspended" : action is SubscriptionChangeAction.Restore ? "active" : null,
            reason, false, start, correlation), tx.Connection, tx.Transaction);
        await tx.PublishAsync(new SubscriptionChangeOrdered(placed.OrderId, detail.CustomerId, subscriptionId, action, offeringKind, offeringId, reason, false, start, DateTimeOffset.UtcNow));
        await tx.CommitAsync(CancellationToken.None);
        return placed.OrderId;
    }

    internal Task<SubscriptionDetail> SubscriptionAsync(Guid id) =>
        hub.Host.Services.GetRequiredService<ISubscriptionLifecycle>().GetAsync(id, CancellationToken.None)!;

    internal async Task<ProductOrder> WaitFinalAsync(Guid orderId, string expected, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var order = (await hub.Db.GetOrderAsync(orderId))!;
            if (ProductOrderState.IsFinal(order.State) && !await LifecycleSagaExistsAsync(orderId))
            {
                order.State.ShouldBe(expected, $"{order.StateReason}\n{await hub.Db.DiagnosticsAsync()}");
                return order;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"order {orderId} is still {order.State}\n{await hub.Db.DiagnosticsAsync()}");
            }

            await Task.Delay(100);
        }
    }

    private async Task WaitStateAsync(Guid orderId, string state)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await hub.Db.GetOrderAsync(orderId))!.State != state)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"order {orderId} never reached {state}\n{await hub.Db.DiagnosticsAsync()}");
            }

            await Task.Delay(50);
        }
    }

    private async Task WaitSagaGoneAsync(Guid id, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await LifecycleSagaExistsAsync(id))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"lifecycle saga {id} still runs\n{await hub.Db.DiagnosticsAsync()}");
            }

            await Task.Delay(100);
        }
    }

    private async Task<IReadOnlyList<decimal>> ProrationsAsync(Guid changeId)
    {
        await using var conn = await hub.Db.DataSource.OpenConnectionAsync();
        return (await conn.QueryAsync<decimal>("SELECT amount FROM hub.billing_charge WHERE kind = 'proration' AND source_id = @changeId", new { changeId })).ToList();
    }

    private async Task WaitForLogAsync(string text, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (hub.Logs.Entries.Count(e => e.Message.Contains(text, StringComparison.Ordinal)) < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"'{text}' logged fewer than {count} times\n{await hub.Db.DiagnosticsAsync()}");
            }

            await Task.Delay(100);
        }
    }

    private async Task<bool> LifecycleSagaExistsAsync(Guid id)
    {
        await using var conn = await hub.Db.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM wolverine.lifecycle_saga WHERE id = @id)", new { id });
    }

    private static async Task<IReadOnlyList<T>> Eventually<T>(Func<IReadOnlyList<T>> read, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
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
}

/// <summary>More catalog for the lifecycle tests (idempotent): plans PLUS (P101–P104), BASIC (P101), SWAP (P101, P103), bouquet MOVIES (P105), channel KIDS (P106).</summary>
internal static class LifecycleCatalog
{
    public static async Task SeedAsync(HubTestDatabase db)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync(
            """
            INSERT INTO hub.channel (id, code, name, broadcaster_id, genre, language, definition, lcn, cas_product_id, a_la_carte_price, currency) VALUES
              ('00000000-0000-0000-0000-000000000103', 'SAB', 'Sony SAB', '00000000-0000-0000-0000-0000000000b1', 'GEC', 'hi', 'SD', 203, 'P103', 10.00, 'INR'),
              ('00000000-0000-0000-0000-000000000104', 'PAL', 'Sony Pal', '00000000-0000-0000-0000-0000000000b1', 'GEC', 'hi', 'SD', 204, 'P104', 8.00, 'INR'),
              ('00000000-0000-0000-0000-000000000105', 'PIX', 'Sony Pix', '00000000-0000-0000-0000-0000000000b1', 'Movies', 'en', 'SD', 205, 'P105', 12.00, 'INR'),
              ('00000000-0000-0000-0000-000000000106', 'YAY', 'Sony Yay', '00000000-0000-0000-0000-0000000000b1', 'Kids', 'hi', 'SD', 206, 'P106', 15.00, 'INR')
            ON CONFLICT DO NOTHING;
            INSERT INTO hub.package (id, code, name, kind, price, currency) VALUES
              ('00000000-0000-0000-0000-0000000001a2', 'EXTRA', 'Extra', 'broadcaster_bouquet', NULL, NULL),
              ('00000000-0000-0000-0000-0000000001a3', 'BASE1', 'Base one', 'base', NULL, NULL),
              ('00000000-0000-0000-0000-0000000001a4', 'SWAP', 'Swap pack', 'base', NULL, NULL),
              ('00000000-0000-0000-0000-0000000001a5', 'MOVIES', 'Movie pack', 'add_on', 49.00, 'INR')
            ON CONFLICT DO NOTHING;
            INSERT INTO hub.package_channel (package_id, channel_id) VALUES
              ('00000000-0000-0000-0000-0000000001a2', '00000000-0000-0000-0000-000000000103'),
              ('00000000-0000-0000-0000-0000000001a2', '00000000-0000-0000-0000-000000000104'),
              ('00000000-0000-0000-0000-0000000001a4', '00000000-0000-0000-0000-000000000103'),
              ('00000000-0000-0000-0000-0000000001a5', '00000000-0000-0000-0000-000000000105')
            ON CONFLICT DO NOTHING;
            INSERT INTO hub.package_channel (package_id, channel_id)
            SELECT p, c.id FROM hub.channel c, unnest(ARRAY['00000000-0000-0000-0000-0000000001a3', '00000000-0000-0000-0000-0000000001a4']::uuid[]) p
            WHERE c.cas_product_id = 'P101'
            ON CONFLICT DO NOTHING;
            INSERT INTO hub.plan (id, code, name, price, currency, billing_period, status) VALUES
              ('00000000-0000-0000-0000-0000000001c2', 'PLUS-M', 'Plus monthly', 399.00, 'INR', 'monthly', 'active'),
              ('00000000-0000-0000-0000-0000000001c3', 'BASIC-M', 'Basic monthly', 149.00, 'INR', 'monthly', 'active'),
              ('00000000-0000-0000-0000-0000000001c4', 'SWAP-M', 'Swap monthly', 249.00, 'INR', 'monthly', 'active')
            ON CONFLICT DO NOTHING;
            INSERT INTO hub.plan_package (plan_id, package_id) VALUES
              ('00000000-0000-0000-0000-0000000001c2', '00000000-0000-0000-0000-0000000000a1'),
              ('00000000-0000-0000-0000-0000000001c2', '00000000-0000-0000-0000-0000000001a2'),
              ('00000000-0000-0000-0000-0000000001c3', '00000000-0000-0000-0000-0000000001a3'),
              ('00000000-0000-0000-0000-0000000001c4', '00000000-0000-0000-0000-0000000001a4')
            ON CONFLICT DO NOTHING;
            """);
    }
}
