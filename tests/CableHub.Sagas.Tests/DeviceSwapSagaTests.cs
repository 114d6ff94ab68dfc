using CableHub.Billing.Contracts;
using CableHub.Connectors.Cas.Simulator;
using CableHub.Sagas.Lifecycle;
using CableHub.Sagas.Messaging;
using CableHub.Subscriptions.Contracts;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Sagas.Tests;

/// <summary>
/// The box swap through the lifecycle saga, against the simulated CAS and a real PostgreSQL: a replacement from stock takes over the
/// entitlements (activated with its card, the faulty box deactivated), the faulty box is marked for return, the change recorded;
/// exactly once on a repeated request; a refused activation or deactivation compensated (replacement back in stock, the faulty box
/// left entitled). Also the suspension event's paid-through date from billing.
/// </summary>
[Collection(OnboardingCollection.Name)]
public sealed class DeviceSwapSagaTests(OnboardingFixture hub)
{
    [Fact]
    public async Task Swap_moves_the_entitlements_to_a_paired_replacement_and_marks_the_faulty_box_for_return_exactly_once()
    {
        var lifecycle = new LifecycleSagaIntegrationTests(hub);
        var (faulty, sub) = await lifecycle.OnboardAsync();
        var (replacement, card) = await StockBoxWithCardAsync();

        var swap = Guid.NewGuid();
        await RequestSwapAsync(swap, sub, faulty.Id);
        await WaitSagaGoneAsync(swap);

        var detail = await lifecycle.SubscriptionAsync(sub);
        detail.DeviceId.ShouldBe(replacement.Id, await hub.Db.DiagnosticsAsync());
        detail.Status.ShouldBe(SubscriptionStatus.Active);
        // CAS: the replacement active, paired with its card, with exactly the products the faulty box had; the faulty box inactive, empty.
        var fresh = (await hub.Cas.DeviceAsync(replacement.CasId))!;
        fresh.IsActive.ShouldBeTrue();
        fresh.SmartCardNumber.ShouldBe(card);
        fresh.ProductIds.ShouldBe(OnboardingFixture.PlanProducts);
        var old = (await hub.Cas.DeviceAsync(faulty.CasId))!;
        old.IsActive.ShouldBeFalse();
        old.ProductIds.ShouldBeEmpty();
        // Hub: entitlements moved, replacement installed and active, faulty box deactivated with an open return.
        (await hub.Db.EntitledProductsAsync(replacement.Id)).ShouldBe(OnboardingFixture.PlanProducts);
        (await hub.Db.EntitledProductsAsync(faulty.Id)).ShouldBeEmpty();
        var installed = await hub.Db.DeviceAsync(replacement.Id);
        (installed.Status, installed.ActivationState, installed.CustomerId).ShouldBe(("installed", "active", detail.CustomerId));
        (await hub.Db.DeviceAsync(faulty.Id)).ActivationState.ShouldBe("inactive");
        (await OpenReturnsAsync(faulty.Id)).ShouldBe(["screen stays black"]);
        (await ChangesAsync(sub, SubscriptionChangeKind.DeviceSwap)).ShouldBe(1);
        var swapped = (await EventuallyAsync(() => hub.Outcomes.Of<SubscriptionDeviceSwapped>(e => e.SubscriptionId == sub))).ShouldHaveSingleItem().Event;
        (swapped.ChangeId, swapped.FromDeviceId, swapped.ToDeviceId, swapped.Reason).ShouldBe((swap, faulty.Id, replacement.Id, "screen stays black"));

        // The same request again after the swap finished (a client retry, a late redelivery): the change is found recorded, so no CAS
        // command, no reservation, no second change.
        var commands = (await hub.Cas.CommandLogAsync(replacement.CasId)).Count + (await hub.Cas.CommandLogAsync(faulty.CasId)).Count;
        await RequestSwapAsync(swap, sub, faulty.Id);
        await WaitForLogAsync($"Lifecycle change {swap} finished", TimeSpan.FromSeconds(60), count: 2);
        await WaitSagaGoneAsync(swap);
        ((await hub.Cas.CommandLogAsync(replacement.CasId)).Count + (await hub.Cas.CommandLogAsync(faulty.CasId)).Count).ShouldBe(commands);
        (await ChangesAsync(sub, SubscriptionChangeKind.DeviceSwap)).ShouldBe(1);
        (await lifecycle.SubscriptionAsync(sub)).DeviceId.ShouldBe(replacement.Id);
    }

    [Fact]
    public async Task The_CAS_command_log_keeps_a_swapped_out_box_with_its_subscriber_until_the_box_is_handed_to_another()
    {
        // A is onboarded with a box, then swaps it (the replacement activated, the old box deactivated).
        var lifecycle = new LifecycleSagaIntegrationTests(hub);
        var (box, subA) = await lifecycle.OnboardAsync();
        var customerA = (await lifecycle.SubscriptionAsync(subA)).CustomerId;
        var replacement = (await hub.Db.ResetStockAsync(1)).Single();
        var swap = Guid.NewGuid();
        await RequestSwapAsync(swap, subA, box.Id);
        await WaitSagaGoneAsync(swap);
        (await lifecycle.SubscriptionAsync(subA)).DeviceId.ShouldBe(replacement.Id, await hub.Db.DiagnosticsAsync());

        // The old box comes back and is put in stock through the inventory (the only box in stock), then B's order takes it.
        var inventory = hub.Host.Services.GetRequiredService<CableHub.Inventory.InventoryStore>();
        var clerk = new CableHub.Inventory.InventoryActor("clerk:test", "returned after a swap");
        await inventory.ChangeStatusAsync(box.Id, CableHub.Inventory.DeviceStatus.Returned, null, clerk);
        await using (var conn = await hub.Db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("UPDATE hub.device SET status = 'refurbishing' WHERE status = 'in_stock'");
        }

        await inventory.ChangeStatusAsync(box.Id, CableHub.Inventory.DeviceStatus.InStock, null, clerk);
        var placed = await hub.PlaceAndAcknowledgeAsync("lc-" + Guid.NewGuid().ToString("N")[..10]);
        (await hub.Db.WaitUntilFinishedAsync(placed.OrderId)).State.ShouldBe(CableHub.Ordering.Contracts.ProductOrderState.Completed, await hub.Db.DiagnosticsAsync());
        var subB = (await hub.Db.SubscriptionsForOrderAsync(placed.OrderId)).Single();
        subB.DeviceId.ShouldBe(box.Id);
        var customerB = (await lifecycle.SubscriptionAsync(subB.Id)).CustomerId;
        (await hub.Cas.CommandLogAsync(box.CasId)).Select(c => c.Kind).ShouldBe([CasCommandKind.Activate, CasCommandKind.Deactivate, CasCommandKind.Activate]);

        var log = new CasCommandLog(hub.Db.DataSource, hub.Host.Services.GetRequiredService<CableHub.Customers.Contracts.ICustomerDirectory>(),
            hub.Host.Services.GetRequiredService<CableHub.Inventory.Contracts.IDeviceDirectory>());
        var bOrder = placed.OrderId.ToString("N");

        // A's log: the old box's onboarding activation and its deactivation by the swap (before the swap, under A), the
        // replacement's activation — and not B's activation of the same box.
        var ofA = await log.ListAsync(customerA.ToString(), null, null, null, CancellationToken.None);
        ofA.Where(r => r.DeviceId == box.Id).Select(r => (r.Source, r.Command, r.Outcome)).ShouldBe([("onboarding", "activate", "accepted"), ("lifecycle", "deactivate", "accepted")]);
        ofA.ShouldContain(r => r.DeviceId == replacement.Id && r.Command == "activate" && r.ChangeId == swap);
        ofA.ShouldNotContain(r => r.IdempotencyKey.Contains(bOrder, StringComparison.Ordinal));

        // B's log: only what was sent for the box once B held it.
        var ofB = (await log.ListAsync(customerB.ToString(), null, null, null, CancellationToken.None)).ShouldHaveSingleItem();
        (ofB.DeviceId, ofB.Command, ofB.OrderId).ShouldBe((box.Id, "activate", (Guid?)placed.OrderId));

        // The box's own log: all three, whoever held it; A's log narrowed to the box: A's two.
        (await log.ListAsync(null, box.CasId, null, null, CancellationToken.None)).Count.ShouldBe(3);
        (await log.ListAsync(customerA.ToString(), box.CasId, null, null, CancellationToken.None)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task Swap_whose_activation_the_CAS_refuses_puts_the_replacement_back_in_stock_and_leaves_the_faulty_box_entitled()
    {
        var lifecycle = new LifecycleSagaIntegrationTests(hub);
        var (faulty, sub) = await lifecycle.OnboardAsync();
        var replacement = (await hub.Db.ResetStockAsync(1)).Single();
        hub.SagaCas.RefuseActivationOf(replacement.CasId, "box not provisioned at the head-end");
        var swap = Guid.NewGuid();
        try
        {
            await RequestSwapAsync(swap, sub, faulty.Id);
            await WaitSagaGoneAsync(swap);
        }
        finally
        {
            hub.SagaCas.Reset();
        }

        await AssertCompensatedAsync(lifecycle, sub, faulty, replacement, swap, "box not provisioned at the head-end");
        (await hub.Cas.CommandLogAsync(faulty.CasId)).Count.ShouldBe(1); // its onboarding activation only: never touched
    }

    [Fact]
    public async Task Swap_whose_deactivation_the_CAS_refuses_deactivates_the_replacement_again()
    {
        var lifecycle = new LifecycleSagaIntegrationTests(hub);
        var (faulty, sub) = await lifecycle.OnboardAsync();
        var replacement = (await hub.Db.ResetStockAsync(1)).Single();
        hub.SagaCas.RefuseDeactivationOf(faulty.CasId, "device locked by the head-end");
        var swap = Guid.NewGuid();
        try
        {
            await RequestSwapAsync(swap, sub, faulty.Id);
            await WaitSagaGoneAsync(swap);
        }
        finally
        {
            hub.SagaCas.Reset();
        }

        await AssertCompensatedAsync(lifecycle, sub, faulty, replacement, swap, "device locked by the head-end");
        // The replacement was activated with the products, then deactivated by the compensation: it holds nothing.
        (await hub.Cas.CommandLogAsync(replacement.CasId)).Select(c => c.Kind).ShouldBe([CasCommandKind.Activate, CasCommandKind.Deactivate]);
        var fresh = (await hub.Cas.DeviceAsync(replacement.CasId))!;
        fresh.IsActive.ShouldBeFalse();
        fresh.ProductIds.ShouldBeEmpty();
    }

    [Fact]
    public async Task Suspension_event_carries_the_paid_through_date_from_billing()
    {
        var lifecycle = new LifecycleSagaIntegrationTests(hub);
        var (_, sub) = await lifecycle.OnboardAsync();
        var detail = await lifecycle.SubscriptionAsync(sub);
        // A bill-run invoice for a period that ended yesterday (local), paid: paid through = the start of today (local), already past.
        var zone = hub.Lifecycle.ReportingTimeZone;
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime);
        await PaidInvoiceAsync(detail, today.AddMonths(-1), today.AddDays(-1));
        var paidThrough = new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), zone.GetUtcOffset(today.ToDateTime(TimeOnly.MinValue)));

        var order = await lifecycle.OrderAsync(sub, CableHub.Ordering.Contracts.SubscriptionChangeAction.Suspend, null, null, reason: SuspensionReason.Vacation);
        await lifecycle.WaitFinalAsync(order, CableHub.Ordering.Contracts.ProductOrderState.Completed);

        var suspended = (await EventuallyAsync(() => hub.Outcomes.Of<SubscriptionSuspended>(e => e.SubscriptionId == sub))).ShouldHaveSingleItem().Event;
        suspended.PaidThrough.ShouldBe(paidThrough);
        suspended.EffectiveAt.ShouldBeGreaterThanOrEqualTo(paidThrough);
    }

    // --- helpers

    private async Task AssertCompensatedAsync(LifecycleSagaIntegrationTests lifecycle, Guid sub, StockBox faulty, StockBox replacement, Guid swap, string reason)
    {
        var detail = await lifecycle.SubscriptionAsync(sub);
        detail.DeviceId.ShouldBe(faulty.Id, await hub.Db.DiagnosticsAsync());
        // The faulty box keeps its entitlements on the CAS and in the hub; no return asked; no change recorded.
        var old = (await hub.Cas.DeviceAsync(faulty.CasId))!;
        old.IsActive.ShouldBeTrue();
        old.ProductIds.ShouldBe(OnboardingFixture.PlanProducts);
        (await hub.Db.EntitledProductsAsync(faulty.Id)).ShouldBe(OnboardingFixture.PlanProducts);
        (await hub.Db.DeviceAsync(faulty.Id)).ActivationState.ShouldBe("active");
        (await OpenReturnsAsync(faulty.Id)).ShouldBeEmpty();
        (await ChangesAsync(sub, SubscriptionChangeKind.DeviceSwap)).ShouldBe(0);
        // The replacement is back in stock, reserved for nobody.
        var back = await hub.Db.DeviceAsync(replacement.Id);
        (back.Status, back.ReservedFor, back.CustomerId).ShouldBe(("in_stock", (Guid?)null, (Guid?)null));
        hub.Outcomes.Of<SubscriptionDeviceSwapped>(e => e.SubscriptionId == sub).ShouldBeEmpty();
        await WaitForLogAsync($"Change {swap} compensated", TimeSpan.FromSeconds(10));
        hub.Logs.Entries.ShouldContain(e => e.Message.Contains($"Change {swap}: the CAS refused a command: {reason}", StringComparison.Ordinal));
        await using var conn = await hub.Db.DataSource.OpenConnectionAsync();
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM sagas.lifecycle_lease WHERE subscription_id = @sub", new { sub })).ShouldBe(0);
        (await conn.ExecuteScalarAsync<string>("SELECT reason FROM sagas.lifecycle_compensated WHERE change_id = @swap", new { swap })).ShouldBe(reason);
    }

    private async Task<(StockBox Box, string Card)> StockBoxWithCardAsync()
    {
        var box = (await hub.Db.ResetStockAsync(1)).Single();
        var card = "SC" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();
        await using var conn = await hub.Db.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync(
            """
            INSERT INTO hub.device (id, serial_number, kind, model_code, cas_id, status, location_id, paired_device_id)
            VALUES (@cardId, 'SN-' || @card, 'smart_card', 'SC-1', @card, 'in_stock', '00000000-0000-0000-0000-000000000001', @box);
            UPDATE hub.device SET paired_device_id = @cardId WHERE id = @box;
            """, new { cardId = Guid.NewGuid(), card, box = box.Id });
        return (box, card);
    }

    private async Task RequestSwapAsync(Guid swap, Guid sub, Guid faulty)
    {
        await using var tx = await hub.Host.Services.GetRequiredService<HubOutbox>().BeginAsync("swap-" + swap.ToString("N")[..8], CancellationToken.None);
        await tx.PublishAsync(new SubscriptionDeviceSwapRequested(swap, sub, faulty, "screen stays black", "tech:test", DateTimeOffset.UtcNow));
        await tx.CommitAsync(CancellationToken.None);
    }

    private async Task PaidInvoiceAsync(SubscriptionDetail sub, DateOnly from, DateOnly to)
    {
        await hub.Host.Services.GetRequiredService<IBillingProfiles>().EnsureAsync(sub.BillingAccountId, "monthly", CancellationToken.None);
        await using var conn = await hub.Db.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync(
            """
            INSERT INTO hub.invoice_series (code, kind, prefix) VALUES ('PT', 'invoice', 'PT-') ON CONFLICT DO NOTHING;
            WITH run AS (
                INSERT INTO hub.bill_run (id, run_date, status, started_at, heartbeat_at, finished_at)
                VALUES (gen_random_uuid(), DATE '1990-01-01' + (random() * 9000)::int, 'completed', now(), now(), now())
                RETURNING id),
            taken AS (
                UPDATE hub.invoice_series SET next_number = next_number + 1 WHERE code = 'PT' RETURNING next_number - 1 AS seq, prefix, digits)
            INSERT INTO hub.invoice (id, kind, series, seq, invoice_number, billing_account_id, customer_id, bill_run_id, period_start, period_end, issue_date, due_date,
                currency, subtotal, tax_total, total, open_amount, status, regulatory_profile, tax_jurisdiction, issued_at, settled_at)
            SELECT gen_random_uuid(), 'invoice', 'PT', taken.seq, taken.prefix || lpad(taken.seq::text, taken.digits, '0'), @account, @customer, run.id, @from, @to, @from, @from,
                'INR', 249.00, 44.82, 293.82, 0, 'paid', 'IN', 'IN', now(), now()
            FROM run, taken
            """, new { account = sub.BillingAccountId, customer = sub.CustomerId, from, to });
    }

    private async Task<IReadOnlyList<string>> OpenReturnsAsync(Guid deviceId)
    {
        await using var conn = await hub.Db.DataSource.OpenConnectionAsync();
        return (await conn.QueryAsync<string>("SELECT reason FROM hub.device_return WHERE device_id = @deviceId AND received_at IS NULL", new { deviceId })).ToList();
    }

    private async Task<long> ChangesAsync(Guid sub, string kind)
    {
        await using var conn = await hub.Db.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.subscription_change WHERE subscription_id = @sub AND kind = @kind", new { sub, kind });
    }

    private async Task WaitSagaGoneAsync(Guid id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            await using (var conn = await hub.Db.DataSource.OpenConnectionAsync())
            {
                // Finished (logged when the saga ends; the "requested" line is logged before its row is stored) and its row gone.
                if (hub.Logs.Entries.Any(e => e.Message.Contains($"Lifecycle change {id} finished", StringComparison.Ordinal))
                    && !await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM wolverine.lifecycle_saga WHERE id = @id)", new { id }))
                {
                    return;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"swap {id} did not finish\n{await hub.Db.DiagnosticsAsync()}");
            }

            await Task.Delay(100);
        }
    }

    private async Task WaitForLogAsync(string text, TimeSpan timeout, int count = 1)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (hub.Logs.Entries.Count(e => e.Message.Contains(text, StringComparison.Ordinal)) < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"'{text}' never logged\n{await hub.Db.DiagnosticsAsync()}");
            }

            await Task.Delay(100);
        }
    }

    private static async Task<IReadOnlyList<T>> EventuallyAsync<T>(Func<IReadOnlyList<T>> read)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
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
