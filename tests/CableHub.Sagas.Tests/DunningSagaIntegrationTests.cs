using CableHub.Billing.Contracts;
using CableHub.Billing.Engine;
using CableHub.Billing.Invoices;
using CableHub.Billing.Payments;
using CableHub.Connectors.Notifications;
using CableHub.Connectors.Notifications.Email;
using CableHub.Core;
using CableHub.Core.Ports;
using CableHub.Customers.Contracts;
using CableHub.Testing;
using CableHub.Sagas.Dunning;
using CableHub.Sagas.Messaging;
using CableHub.Subscriptions.Contracts;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Sagas.Tests;

/// <summary>
/// Dunning end to end on the real stack (PostgreSQL, Wolverine durable queues, simulated CAS), with the dunning clock jumped
/// day by day: unpaid → sweep starts the saga → reminders → late fee on the next bill → suspension through the lifecycle saga
/// (CAS products removed) → payment → restore (products back). Repeated checks never repeat a step.
/// </summary>
[Collection(OnboardingCollection.Name)]
public sealed class DunningSagaIntegrationTests(OnboardingFixture hub, MaildevFixture maildev) : IClassFixture<MaildevFixture>
{
    [Fact]
    public async Task Unpaid_invoice_is_reminded_charged_suspended_and_restored_on_payment()
    {
        var lifecycle = new LifecycleSagaIntegrationTests(hub);
        var (box, sub) = await lifecycle.OnboardAsync();
        var detail = await lifecycle.SubscriptionAsync(sub);
        var services = hub.Host.Services;
        await services.GetRequiredService<IBillingProfiles>().EnsureAsync(detail.BillingAccountId, "monthly", CancellationToken.None);
        // Due in 15 days by the dunning clock (shared by the tests of this class, moved ahead by each, never back).
        var draft = InvoiceCalculator.Compute(new AccountToBill(detail.BillingAccountId, detail.CustomerId, "INR", new BillingCycle(5), "IN", "IN", PaymentTermsDays: TermsDueIn(15)),
            new BillingCycle(5).PeriodContaining(DateOnly.FromDateTime(DateTime.UtcNow)), [],
            [new PendingCharge(Guid.NewGuid(), "adjustment", "Service", 1000.00m, TaxCategory.CableService)], [], [],
            new RatingContext(null, new Dictionary<string, IReadOnlyList<TaxRule>> { ["IN"] = [new(TaxCategory.CableService, "GST 18%", 0.18m)] }));
        var invoice = await services.GetRequiredService<InvoiceStore>().IssueAsync(draft); // 1180.00, due in 15 days
        invoice.DueDate.ShouldBe(hub.Dunning.Today.AddDays(15));
        var options = hub.Dunning;
        var sweeper = services.GetRequiredService<DunningSweeper>();

        // Not yet due: the sweep finds nothing.
        (await sweeper.SweepAsync(CancellationToken.None)).ShouldBe(0);

        // Day 1 after the due date: the sweep starts the saga, which sends the first reminder at once.
        JumpTo(invoice.DueDate, 1);
        (await sweeper.SweepAsync(CancellationToken.None)).ShouldBe(1);
        var first = await EventuallyAsync(() => hub.Notifications.Sent.Where(n => n.IdempotencyKey == $"dunning:{invoice.Id}:reminder:1").ToList());
        first.Single().TemplateId.ShouldBe("payment-reminder");
        first.Single().Data["invoice_number"].ShouldBe(invoice.Number);
        first.Single().Data["amount_due"].ShouldBe(new Money(1180.00m, "INR"));

        // A second sweep and a check on the same day repeat nothing.
        await sweeper.SweepAsync(CancellationToken.None);
        await CheckAsync(invoice.Id);
        // Day 5: the second reminder (day 3, caught up) and the late fee: 50 + 2 % of 1180 = 73.60, once.
        JumpTo(invoice.DueDate, 5);
        await CheckAsync(invoice.Id);
        await CheckAsync(invoice.Id);
        await EventuallyAsync(() => hub.Notifications.Sent.Where(n => n.IdempotencyKey == $"dunning:{invoice.Id}:reminder:2").ToList());
        var fees = await EventuallyAsync(() => ChargesAsync(invoice.Id).GetAwaiter().GetResult());
        fees.ShouldHaveSingleItem().ShouldBe((73.60m, "unbilled"));
        hub.Notifications.Sent.Count(n => n.IdempotencyKey.StartsWith($"dunning:{invoice.Id}:", StringComparison.Ordinal)).ShouldBe(2);
        (await lifecycle.SubscriptionAsync(sub)).Status.ShouldBe(SubscriptionStatus.Active);

        // Day 8: suspension through the lifecycle saga: the CAS loses the products.
        JumpTo(invoice.DueDate, 8);
        await CheckAsync(invoice.Id);
        var suspended = (await EventuallyAsync(() => hub.Outcomes.Of<SubscriptionSuspended>(e => e.SubscriptionId == sub).ToList(), 90)).ShouldHaveSingleItem().Event;
        suspended.Reason.ShouldBe(SuspensionReason.Dunning);
        (await hub.Cas.DeviceAsync(box.CasId))!.ProductIds.ShouldBeEmpty();
        await CheckAsync(invoice.Id); // once more: no second suspension request
        (await ChargesAsync(invoice.Id)).Count.ShouldBe(1);

        // Payment (through billing's ledger, InvoicePaid in the outbox) → restore within a minute.
        var outcome = await services.GetRequiredService<PaymentLedger>().RecordAsync(new IncomingPayment("card", "stripe:pi_dunning_" + invoice.Id.ToString("N"),
            new Money(1180.00m, "INR"), DateTimeOffset.UtcNow) { BillingAccountId = detail.BillingAccountId });
        outcome.Allocations.ShouldHaveSingleItem().InvoicePaid.ShouldBeTrue();
        (await EventuallyAsync(() => hub.Outcomes.Of<SubscriptionRestored>(e => e.SubscriptionId == sub).ToList(), 60)).ShouldHaveSingleItem();
        (await hub.Cas.DeviceAsync(box.CasId))!.ProductIds.ShouldNotBeEmpty();
        (await lifecycle.SubscriptionAsync(sub)).Status.ShouldBe(SubscriptionStatus.Active);

        // The saga is over: its row is gone and later checks do nothing.
        await EventuallyAsync(() => SagaRowsAsync(invoice.Id).GetAwaiter().GetResult() == 0 ? [true] : new List<bool>());
        await CheckAsync(invoice.Id);
        hub.Outcomes.Of<SubscriptionSuspended>(e => e.SubscriptionId == sub).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Unpaid_invoice_is_reminded_by_real_mail_then_written_off_and_disconnected_at_the_last_step()
    {
        var lifecycle = new LifecycleSagaIntegrationTests(hub);
        var (box, sub) = await lifecycle.OnboardAsync();
        var detail = await lifecycle.SubscriptionAsync(sub);
        var services = hub.Host.Services;
        await services.GetRequiredService<IBillingProfiles>().EnsureAsync(detail.BillingAccountId, "monthly", CancellationToken.None);
        // Due 7 days ago by the dunning clock (the other dunning tests move that shared clock ahead, never back).
        var draft = InvoiceCalculator.Compute(new AccountToBill(detail.BillingAccountId, detail.CustomerId, "INR", new BillingCycle(5), "IN", "IN", PaymentTermsDays: TermsDueIn(-7)),
            new BillingCycle(5).PeriodContaining(DateOnly.FromDateTime(DateTime.UtcNow)), [],
            [new PendingCharge(Guid.NewGuid(), "adjustment", "Service", 500.00m, TaxCategory.CableService)], [], [],
            new RatingContext(null, new Dictionary<string, IReadOnlyList<TaxRule>> { ["IN"] = [new(TaxCategory.CableService, "GST 18%", 0.18m)] }));
        var invoice = await services.GetRequiredService<InvoiceStore>().IssueAsync(draft); // 590.00
        invoice.DueDate.ShouldBe(hub.Dunning.Today.AddDays(-7));
        var email = (await services.GetRequiredService<ICustomerDirectory>().GetAsync(detail.CustomerId, CancellationToken.None))!.Email!;

        // The reminders go through the real notification connector to a real SMTP server (MailDev) and are read back.
        await using var mail = new ServiceCollection()
            .AddLogging()
            .AddSingleton(CableHub.Modules.Testing.ModuleServices.Encryptor)
            .AddNotifications(hub.Db.ConnectionString, new NotificationOptions(),
                new SmtpOptions { Host = maildev.SmtpHost, Port = maildev.SmtpPort, Security = "None", FromAddress = "billing@cablehub.test" }, null)
            .BuildServiceProvider();
        hub.Notifications.Forward = mail.GetRequiredService<INotificationSender>();
        try
        {
            // Day 6 (±1 in the reporting time zone): the first check takes reminders 1 (day 1) and 2 (day 3) and the fee (day 5) at once.
            await using (var tx = await services.GetRequiredService<HubOutbox>().BeginAsync("dunning-test", CancellationToken.None))
            {
                await tx.PublishAsync(new InvoiceOverdue(invoice.Id, invoice.Number, invoice.BillingAccountId, invoice.CustomerId, invoice.DueDate, new Money(invoice.Total, "INR")));
                await tx.CommitAsync(CancellationToken.None);
            }

            var received = await EventuallyAsync(() => maildev.MailToAsync(email).GetAwaiter().GetResult() is { Count: >= 2 } all ? all : [], 60);
            received.Count.ShouldBe(2);
            received.ShouldAllBe(m => m.Subject.StartsWith("Reminder: ", StringComparison.Ordinal) && m.Subject.Contains("590", StringComparison.Ordinal));
            received.ShouldAllBe(m => m.Text!.Contains(invoice.Number, StringComparison.Ordinal));
            received.ShouldAllBe(m => m.From.Any(f => f.Address == "billing@cablehub.test"));
        }
        finally
        {
            hub.Notifications.Forward = null;
        }

        // Day 8: suspension; day 12: the last step writes off what is open, disconnects the suspended subscription through the
        // lifecycle saga (box deactivated on the CAS, entitlements ended) and ends the saga.
        JumpTo(invoice.DueDate, 8);
        await CheckAsync(invoice.Id);
        try
        {
            (await EventuallyAsync(() => hub.Outcomes.Of<SubscriptionSuspended>(e => e.SubscriptionId == sub).ToList(), 90)).ShouldHaveSingleItem();
        }
        catch (TimeoutException)
        {
            await using var diag = await hub.Db.DataSource.OpenConnectionAsync();
            var dead = string.Join("\n", await diag.QueryAsync<string>("SELECT exception_type || ': ' || exception_message FROM wolverine.wolverine_dead_letters"));
            throw new TimeoutException("no suspension; dead letters:\n" + dead + "\nlog:\n" + string.Join("\n", hub.Logs.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning
                || e.Message.Contains(invoice.Number, StringComparison.Ordinal) || e.Message.Contains(sub.ToString(), StringComparison.Ordinal)).TakeLast(60).Select(e => $"{e.Level} {e.Category}: {e.Message}")));
        }

        JumpTo(invoice.DueDate, 12);
        await CheckAsync(invoice.Id);
        await EventuallyAsync(() => SagaRowsAsync(invoice.Id).GetAwaiter().GetResult() == 0 ? [true] : new List<bool>(), 60);
        var written = (await services.GetRequiredService<InvoiceStore>().GetAsync(invoice.Id))!;
        (written.Status, written.OpenAmount).ShouldBe((InvoiceStatus.WrittenOff, 0m));
        var disconnected = (await EventuallyAsync(() => hub.Outcomes.Of<SubscriptionDisconnected>(e => e.SubscriptionId == sub).ToList(), 90)).ShouldHaveSingleItem().Event;
        disconnected.Reason.ShouldBe(DunningSaga.DisconnectReason);
        (await lifecycle.SubscriptionAsync(sub)).Status.ShouldBe(SubscriptionStatus.Terminated);
        var cas = await hub.Cas.DeviceAsync(box.CasId);
        cas!.IsActive.ShouldBeFalse();
        cas.ProductIds.ShouldBeEmpty();
        (await hub.Db.EntitledProductsAsync(box.Id)).ShouldBeEmpty();

        // Every step is recorded once for the warehouse, the write-off with its amount.
        await using var conn = await hub.Db.DataSource.OpenConnectionAsync();
        var steps = (await conn.QueryAsync<(string Step, int? Day, decimal? Amount)>(
            "SELECT step, day, amount FROM hub.dunning_step WHERE invoice_id = @id ORDER BY taken_at, step", new { id = invoice.Id })).ToList();
        steps.Select(s => s.Step).ShouldBe(["reminder:1", "late_fee", "reminder:2", "suspension", "write_off", "disconnect"], ignoreOrder: true);
        steps.Single(s => s.Step == "write_off").ShouldBe(("write_off", 12, 590.00m));
        steps.Single(s => s.Step == "late_fee").Amount.ShouldBe(61.80m); // 50 + 2 % of 590
        await CheckAsync(invoice.Id); // after the end: nothing more
        // A redelivered write-off (the step ran, the saga's state was lost) gets the first amount back and records nothing new.
        (await services.GetRequiredService<IDunningLedger>().WriteOffAsync(
            new DunningStepRecord(invoice.Id, invoice.BillingAccountId, "write_off", "write_off", 12, null, "redelivered", DateTimeOffset.UtcNow), CancellationToken.None))
            .ShouldBe(new Money(590.00m, "INR"));
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.dunning_step WHERE invoice_id = @id", new { id = invoice.Id })).ShouldBe(6L);
        hub.Outcomes.Of<SubscriptionDisconnected>(e => e.SubscriptionId == sub).Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_promise_to_pay_pauses_dunning_until_it_lapses()
    {
        var lifecycle = new LifecycleSagaIntegrationTests(hub);
        var (_, sub) = await lifecycle.OnboardAsync();
        var detail = await lifecycle.SubscriptionAsync(sub);
        var services = hub.Host.Services;
        await services.GetRequiredService<IBillingProfiles>().EnsureAsync(detail.BillingAccountId, "monthly", CancellationToken.None);
        // Due two days before the dunning clock's today (the other tests move that clock ahead, never back).
        var draft = InvoiceCalculator.Compute(new AccountToBill(detail.BillingAccountId, detail.CustomerId, "INR", new BillingCycle(5), "IN", "IN", PaymentTermsDays: TermsDueIn(-2)),
            new BillingCycle(5).PeriodContaining(DateOnly.FromDateTime(DateTime.UtcNow)), [],
            [new PendingCharge(Guid.NewGuid(), "adjustment", "Service", 200.00m, TaxCategory.CableService)], [], [],
            new RatingContext(null, new Dictionary<string, IReadOnlyList<TaxRule>> { ["IN"] = [new(TaxCategory.CableService, "GST 18%", 0.18m)] }));
        var invoice = await services.GetRequiredService<InvoiceStore>().IssueAsync(draft); // 236.00
        invoice.DueDate.ShouldBe(hub.Dunning.Today.AddDays(-2));
        var ledger = services.GetRequiredService<IDunningLedger>();
        (await ledger.OverdueAsync(invoice.DueDate, hub.Dunning.Today, 100_000, CancellationToken.None)).ShouldContain(i => i.InvoiceId == invoice.Id);

        // The customer promises to pay by due + 5: the sweep leaves the invoice alone, and a saga started anyway takes no step.
        var promise = await services.GetRequiredService<PaymentPromises>().RecordAsync(invoice.Id, invoice.DueDate.AddDays(5), null, "will pay on payday", "cs-agent", CancellationToken.None);
        promise.PromisedDate.ShouldBe(invoice.DueDate.AddDays(5));
        (await ledger.OverdueAsync(invoice.DueDate, hub.Dunning.Today, 100_000, CancellationToken.None)).ShouldNotContain(i => i.InvoiceId == invoice.Id);
        await using (var tx = await services.GetRequiredService<HubOutbox>().BeginAsync("dunning-test", CancellationToken.None))
        {
            await tx.PublishAsync(new InvoiceOverdue(invoice.Id, invoice.Number, invoice.BillingAccountId, invoice.CustomerId, invoice.DueDate, new Money(invoice.Total, "INR")));
            await tx.CommitAsync(CancellationToken.None);
        }

        var paused = await EventuallyAsync(() => StepsAsync(invoice.Id).GetAwaiter().GetResult());
        paused.ShouldBe([$"promise:{invoice.DueDate.AddDays(5):yyyy-MM-dd}"]);
        JumpTo(invoice.DueDate, 5); // the promised day itself: still in force
        await CheckAsync(invoice.Id);
        await CheckAsync(invoice.Id);
        // Both checks were handled (each logs that it waits), and none took a step.
        await EventuallyAsync(() => hub.Logs.Entries.Count(e => e.Message.Contains($"Dunning of invoice {invoice.Number} waits for the promise", StringComparison.Ordinal)) >= 3
            ? [true] : new List<bool>());
        (await StepsAsync(invoice.Id)).ShouldBe(paused);
        hub.Notifications.Sent.ShouldNotContain(n => n.IdempotencyKey.StartsWith($"dunning:{invoice.Id}:", StringComparison.Ordinal));

        // Day 6: the promise lapsed unpaid — every step due by then at once: reminders (days 1, 3) and the fee (day 5: 50 + 2 % of 236 = 54.72).
        JumpTo(invoice.DueDate, 6);
        (await ledger.OverdueAsync(invoice.DueDate, hub.Dunning.Today, 100_000, CancellationToken.None)).ShouldContain(i => i.InvoiceId == invoice.Id);
        await CheckAsync(invoice.Id);
        await EventuallyAsync(() => hub.Notifications.Sent.Where(n => n.IdempotencyKey == $"dunning:{invoice.Id}:reminder:2").ToList());
        (await EventuallyAsync(() => ChargesAsync(invoice.Id).GetAwaiter().GetResult())).ShouldHaveSingleItem().ShouldBe((54.72m, "unbilled"));
        (await StepsAsync(invoice.Id)).ShouldBe([$"promise:{invoice.DueDate.AddDays(5):yyyy-MM-dd}", "late_fee", "reminder:1", "reminder:2"], ignoreOrder: true);

        // Paid: the saga ends.
        await services.GetRequiredService<PaymentLedger>().RecordAsync(new IncomingPayment("card", "stripe:pi_promise_" + invoice.Id.ToString("N"),
            new Money(236.00m, "INR"), DateTimeOffset.UtcNow) { BillingAccountId = detail.BillingAccountId });
        await EventuallyAsync(() => SagaRowsAsync(invoice.Id).GetAwaiter().GetResult() == 0 ? [true] : new List<bool>(), 60);
    }

    private async Task<List<string>> StepsAsync(Guid invoiceId)
    {
        await using var conn = await hub.Db.DataSource.OpenConnectionAsync();
        return (await conn.QueryAsync<string>("SELECT step FROM hub.dunning_step WHERE invoice_id = @invoiceId ORDER BY taken_at, step", new { invoiceId })).ToList();
    }

    /// <summary>Payment terms (days after the real issue date) that make an invoice issued now due <paramref name="days"/> after the dunning clock's today.</summary>
    private int TermsDueIn(int days)
    {
        var issued = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, hub.Dunning.ReportingTimeZone).DateTime);
        return hub.Dunning.Today.DayNumber - issued.DayNumber + days;
    }

    private void JumpTo(DateOnly dueDate, int day)
    {
        var target = hub.Dunning.StartOf(dueDate.AddDays(day)).AddHours(12);
        if (target > hub.DunningClock.GetUtcNow())
        {
            hub.DunningClock.SetUtcNow(target);
        }
    }

    private async Task CheckAsync(Guid invoiceId)
    {
        await using var tx = await hub.Host.Services.GetRequiredService<HubOutbox>().BeginAsync("dunning-test", CancellationToken.None);
        await tx.PublishAsync(new DunningCheck(invoiceId));
        await tx.CommitAsync(CancellationToken.None);
    }

    private async Task<List<(decimal, string)>> ChargesAsync(Guid invoiceId)
    {
        await using var conn = await hub.Db.DataSource.OpenConnectionAsync();
        return (await conn.QueryAsync<(decimal, string)>("SELECT amount, status FROM hub.billing_charge WHERE source_id = @invoiceId", new { invoiceId })).ToList();
    }

    private async Task<long> SagaRowsAsync(Guid invoiceId)
    {
        await using var conn = await hub.Db.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM wolverine.{MessagingConfiguration.DunningSagaTable} WHERE id = @invoiceId", new { invoiceId });
    }

    private static async Task<IReadOnlyList<T>> EventuallyAsync<T>(Func<IReadOnlyList<T>> read, int seconds = 45)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var found = read();
            if (found.Count > 0)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"nothing after {seconds} s");
            }

            await Task.Delay(200);
        }
    }
}
