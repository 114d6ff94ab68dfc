using System.Security.Cryptography;
using System.Text;
using CableHub.Billing.Contracts;
using CableHub.Core;
using CableHub.Core.Ports;
using CableHub.Customers.Contracts;
using CableHub.Subscriptions.Contracts;
using Microsoft.Extensions.Logging;
using Wolverine;
using Wolverine.Persistence.Sagas;

namespace CableHub.Sagas.Dunning;

/// <summary>
/// Dunning of one overdue invoice (saga id = invoice id; table <c>wolverine.dunning_saga</c>). Started by <see cref="InvoiceOverdue"/>
/// (the sweep publishes it for invoices past due). At each <see cref="DunningCheck"/> it takes every step of the policy that is due
/// by the dunning clock's local date — reminders (e-mail and, with <see cref="DunningOptions.SmsReminders"/>, SMS through the notification
/// port, idempotency key per step and channel), the late fee
/// (a billing charge, idempotent per invoice), the suspension of the account's active subscriptions (<see cref="SubscriptionSuspensionRequested"/>
/// with a request id derived from invoice and subscription, so a redelivery never suspends twice) — and schedules the next check
/// durably (a Wolverine scheduled message at the next step's day, at most <see cref="DunningOptions.RecheckInterval"/> away).
/// <see cref="InvoicePaid"/> ends it: suspended subscriptions are restored (restore requests, same derivation). At the last step,
/// due + <see cref="DunningOptions.WriteOffDays"/>, billing writes off what is still open, the subscriptions it suspended are
/// disconnected (<see cref="SubscriptionDisconnectRequested"/>, unless <see cref="DunningOptions.DisconnectOnWriteOff"/> is off) and the
/// saga ends. A promise to pay in force (<see cref="IDunningLedger.PromiseInForceAsync"/>) pauses it until the promised date has
/// passed; then every step due by then is taken. Every step is
/// kept in <see cref="Steps"/>, logged and recorded with billing (<see cref="IDunningLedger.RecordStepAsync"/>: <c>hub.dunning_step</c>,
/// once per invoice and step, which the warehouse reads).
/// </summary>
public sealed class DunningSaga : Saga
{
    public Guid Id { get; set; }

    public string Number { get; set; } = "";

    public Guid BillingAccountId { get; set; }

    public Guid CustomerId { get; set; }

    public DateOnly DueDate { get; set; }

    public int RemindersSent { get; set; }

    public bool FeeCharged { get; set; }

    public List<Guid> SuspendedSubscriptions { get; set; } = [];

    public bool Suspended { get; set; }

    public bool WrittenOff { get; set; }

    /// <summary>Promised dates seen (a promise to pay is recorded as a step once).</summary>
    public List<DateOnly> Promises { get; set; } = [];

    public List<DunningStep> Steps { get; set; } = [];

    public DunningCheck Start([SagaIdentityFrom(nameof(InvoiceOverdue.InvoiceId))] InvoiceOverdue overdue, ILogger<DunningSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(overdue);
        (Id, Number, BillingAccountId, CustomerId, DueDate) = (overdue.InvoiceId, overdue.Number, overdue.BillingAccountId, overdue.CustomerId, overdue.DueDate);
        logger.LogInformation("Dunning of invoice {Number} (due {DueDate}) started", Number, DueDate);
        return new DunningCheck(Id);
    }

    /// <summary>The sweep publishes overdue invoices again on every pass: one saga per invoice.</summary>
    public void Handle([SagaIdentityFrom(nameof(InvoiceOverdue.InvoiceId))] InvoiceOverdue overdue)
    {
        ArgumentNullException.ThrowIfNull(overdue);
    }

    public async Task<OutgoingMessages> Handle(
        [SagaIdentityFrom(nameof(DunningCheck.InvoiceId))] DunningCheck check, DunningOptions options, IDunningLedger ledger, IBillingCharges charges,
        IBillableSubscriptions subscriptions, ICustomerDirectory customers, INotificationSender notifications, ILogger<DunningSaga> logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(check);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ledger);
        var messages = new OutgoingMessages();
        var invoice = await ledger.GetAsync(Id, ct).ConfigureAwait(false);
        var now = options.Clock.GetUtcNow();
        if (invoice is null || invoice.OpenAmount.Amount == 0)
        {
            await SettleAsync(messages, ledger, now, "nothing open any more", logger, ct).ConfigureAwait(false);
            return messages;
        }

        var day = options.Today.DayNumber - DueDate.DayNumber;
        if (await ledger.PromiseInForceAsync(Id, options.Today, ct).ConfigureAwait(false) is { } promise)
        {
            // A promise to pay in force: no step until it lapses (the day after the promised date), then every step due by then.
            if (!Promises.Contains(promise.PromisedDate))
            {
                Promises.Add(promise.PromisedDate);
                await RecordAsync(ledger, $"{DunningStepKind.Promise}:{promise.PromisedDate:yyyy-MM-dd}", DunningStepKind.Promise, day, promise.Amount, now,
                    $"paused: payment promised by {promise.PromisedDate:yyyy-MM-dd} (recorded by {promise.RecordedBy})", logger, ct).ConfigureAwait(false);
            }

            logger.LogInformation("Dunning of invoice {Number} waits for the promise to pay by {PromisedDate}", Number, promise.PromisedDate);
            messages.Add(new DunningCheck(Id).DelayedFor(Clamp(options.StartOf(promise.PromisedDate.AddDays(1)) - now, options)));
            return messages;
        }

        foreach (var (offset, n) in options.ReminderDays.Order().Select((d, i) => (d, i + 1)))
        {
            if (offset <= day && RemindersSent < n)
            {
                var contact = await customers.GetAsync(CustomerId, ct).ConfigureAwait(false);
                var recipient = new NotificationRecipient(contact?.CustomerNumber, null, contact?.Email, contact?.Phone, options.ReportingTimeZone.Id);
                var data = new Dictionary<string, object?>
                {
                    ["customer_name"] = contact?.CustomerNumber ?? "customer",
                    ["invoice_number"] = Number,
                    ["amount_due"] = invoice.OpenAmount,
                    ["due_date"] = options.StartOf(DueDate),
                };
                var language = contact?.PreferredLanguage ?? options.NotificationLanguage;
                // Reminders about money owed are service messages: sent by e-mail (and SMS) without marketing consent; each channel
                // has its own idempotency key, so a redelivered step sends neither twice.
                var email = await notifications.SendAsync(new NotificationRequest($"dunning:{Id}:reminder:{n}", NotificationChannel.Email, "payment-reminder", language,
                    recipient, data, new ContactPolicy(EmailConsent: true, SmsConsent: false)), ct).ConfigureAwait(false);
                var sent = $"e-mail {Describe(email)}";
                if (options.SmsReminders)
                {
                    var sms = await notifications.SendAsync(new NotificationRequest($"dunning:{Id}:reminder:{n}:sms", NotificationChannel.Sms, "payment-reminder", language,
                        recipient, data, new ContactPolicy(EmailConsent: false, SmsConsent: true)), ct).ConfigureAwait(false);
                    sent += $", SMS {Describe(sms)}";
                }

                RemindersSent = n;
                await RecordAsync(ledger, $"{DunningStepKind.Reminder}:{n}", DunningStepKind.Reminder, day, null, now, $"reminder {n}: {sent}", logger, ct).ConfigureAwait(false);
            }
        }

        if (options.LateFeeDays is { } feeDay && feeDay <= day && !FeeCharged)
        {
            var fee = Math.Round(options.LateFeeFixed + (invoice.OpenAmount.Amount * options.LateFeePercent / 100m), 2, MidpointRounding.AwayFromZero);
            if (fee > 0)
            {
                await charges.AddOneTimeAsync(new OneTimeChargeRequest(BillingAccountId, "adjustment", Id, $"Late fee for {Number}", new Money(fee, invoice.OpenAmount.Currency)), ct)
                    .ConfigureAwait(false);
            }

            FeeCharged = true;
            await RecordAsync(ledger, DunningStepKind.LateFee, DunningStepKind.LateFee, day, new Money(fee, invoice.OpenAmount.Currency), now,
                $"late fee {fee:0.00} {invoice.OpenAmount.Currency} on the next bill", logger, ct).ConfigureAwait(false);
        }

        var suspendedNow = false;
        if (options.SuspendDays is { } suspendDay && suspendDay <= day && !Suspended)
        {
            suspendedNow = true;
            var active = (await subscriptions.ForAccountsAsync([BillingAccountId], ct).ConfigureAwait(false)).Where(s => s.Status == SubscriptionStatus.Active).ToList();
            foreach (var s in active)
            {
                messages.Add(new SubscriptionSuspensionRequested(RequestId("suspend", s.Id), s.Id, SuspensionReason.Dunning, false, now));
                SuspendedSubscriptions.Add(s.Id);
            }

            Suspended = true;
            await RecordAsync(ledger, DunningStepKind.Suspension, DunningStepKind.Suspension, day, null, now, $"suspension requested for {active.Count} subscription(s)", logger, ct)
                .ConfigureAwait(false);
        }

        if (options.WriteOffDays is { } writeOffDay && writeOffDay <= day && !WrittenOff && suspendedNow)
        {
            // Caught up late: the suspension just requested goes first; the write-off and disconnect at the next look (a minute on).
            messages.Add(new DunningCheck(Id).DelayedFor(TimeSpan.FromMinutes(1)));
            return messages;
        }

        if (options.WriteOffDays is { } writeOffDay2 && writeOffDay2 <= day && !WrittenOff)
        {
            // The last step: what is still open is written off (final), the subscriptions dunning suspended are disconnected through the
            // lifecycle saga (box deactivated on the CAS, entitlements ended, box return opened), and the dunning ends.
            // Billing writes off and records the step in one transaction: a redelivered step gets the first call's amount back.
            var disconnect = options.DisconnectOnWriteOff ? SuspendedSubscriptions.Distinct().ToList() : [];
            var detail = $"written off what was open; {(options.DisconnectOnWriteOff ? $"{disconnect.Count} subscription(s) to disconnect" : $"{SuspendedSubscriptions.Count} subscription(s) stay suspended")}";
            var written = await ledger.WriteOffAsync(new DunningStepRecord(Id, BillingAccountId, DunningStepKind.WriteOff, DunningStepKind.WriteOff, day, null, detail, now), ct)
                .ConfigureAwait(false);
            WrittenOff = true;
            Steps.Add(new DunningStep(DunningStepKind.WriteOff, day, now, detail));
            logger.LogInformation("Dunning of invoice {Number}: {Kind} (day {Day}): written off {Amount} {Currency}", Number, DunningStepKind.WriteOff, day, written.Amount, written.Currency);
            if (disconnect.Count > 0)
            {
                foreach (var s in disconnect)
                {
                    messages.Add(new SubscriptionDisconnectRequested(RequestId("disconnect", s), s, DisconnectReason, now));
                }

                await RecordAsync(ledger, DunningStepKind.Disconnect, DunningStepKind.Disconnect, day, null, now, $"disconnect requested for {disconnect.Count} subscription(s)", logger, ct)
                    .ConfigureAwait(false);
            }

            MarkCompleted();
            return messages;
        }

        var next = NextStepDay(options, day);
        if (next is { } nextDay)
        {
            messages.Add(new DunningCheck(Id).DelayedFor(Clamp(options.StartOf(DueDate.AddDays(nextDay)) - now, options)));
        }
        else
        {
            // Every step taken: keep watching (slowly) for the payment that restores the service.
            messages.Add(new DunningCheck(Id).DelayedFor(options.RecheckInterval));
        }

        return messages;
    }

    public async Task<OutgoingMessages> Handle([SagaIdentityFrom(nameof(InvoicePaid.InvoiceId))] InvoicePaid paid, DunningOptions options, IDunningLedger ledger,
        ILogger<DunningSaga> logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(paid);
        ArgumentNullException.ThrowIfNull(options);
        var messages = new OutgoingMessages();
        await SettleAsync(messages, ledger, options.Clock.GetUtcNow(), "paid", logger, ct).ConfigureAwait(false);
        return messages;
    }

    /// <summary>A paid invoice that was never dunned, or a check after the end: nothing to do.</summary>
    public static void NotFound(InvoicePaid paid)
    {
    }

    public static void NotFound(DunningCheck check)
    {
    }

    private async Task SettleAsync(OutgoingMessages messages, IDunningLedger ledger, DateTimeOffset now, string why, ILogger logger, CancellationToken ct)
    {
        if (Suspended)
        {
            foreach (var s in SuspendedSubscriptions)
            {
                messages.Add(new SubscriptionSuspensionRequested(RequestId("restore", s), s, SuspensionReason.Dunning, true, now));
            }

            await RecordAsync(ledger, DunningStepKind.Restore, DunningStepKind.Restore, null, null, now, $"restore requested for {SuspendedSubscriptions.Count} subscription(s)", logger, ct)
                .ConfigureAwait(false);
        }

        await RecordAsync(ledger, DunningStepKind.Settled, DunningStepKind.Settled, null, null, now, why, logger, ct).ConfigureAwait(false);
        MarkCompleted();
    }

    private static string Describe(NotificationResult result) => $"{result.Outcome}{(result.Reason is null ? "" : $" ({result.Reason})")}";

    /// <summary>The reason a dunning disconnect carries (the lifecycle saga's change and <c>SubscriptionDisconnected</c>).</summary>
    public const string DisconnectReason = "non_payment";

    /// <summary>Between a minute and the recheck interval.</summary>
    private static TimeSpan Clamp(TimeSpan wait, DunningOptions options) =>
        wait < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : wait > options.RecheckInterval ? options.RecheckInterval : wait;

    private int? NextStepDay(DunningOptions options, int day)
    {
        var pending = new List<int>();
        pending.AddRange(options.ReminderDays.Order().Skip(RemindersSent));
        if (options.LateFeeDays is { } f && !FeeCharged)
        {
            pending.Add(f);
        }

        if (options.SuspendDays is { } s && !Suspended)
        {
            pending.Add(s);
        }

        if (options.WriteOffDays is { } w && !WrittenOff)
        {
            pending.Add(w);
        }

        return pending.Where(d => d > day).DefaultIfEmpty(int.MaxValue).Min() is var min && min == int.MaxValue ? null : min;
    }

    /// <summary>Keeps the step in the saga's state, logs it and records it with billing (once per invoice and step).</summary>
    private async Task RecordAsync(IDunningLedger ledger, string step, string kind, int? day, Money? amount, DateTimeOffset at, string detail, ILogger logger, CancellationToken ct)
    {
        Steps.Add(new DunningStep(kind, day ?? -1, at, detail));
        logger.LogInformation("Dunning of invoice {Number}: {Kind} (day {Day}): {Detail}", Number, kind, day, detail);
        await ledger.RecordStepAsync(new DunningStepRecord(Id, BillingAccountId, step, kind, day, amount, detail, at), ct).ConfigureAwait(false);
    }

    /// <summary>A request id per invoice, subscription and direction: a redelivered step requests the same change (the lifecycle saga is per request id).</summary>
    private Guid RequestId(string what, Guid subscription) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"dunning:{Id}:{what}:{subscription}")).AsSpan(0, 16));
}
