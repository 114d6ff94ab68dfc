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
/// by the dunning clock's local date — reminders (e-mail through the notification port, idempotency key per step), the late fee
/// (a billing charge, idempotent per invoice), the suspension of the account's active subscriptions (<see cref="SubscriptionSuspensionRequested"/>
/// with a request id derived from invoice and subscription, so a redelivery never suspends twice) — and schedules the next check
/// durably (a Wolverine scheduled message at the next step's day, at most <see cref="DunningOptions.RecheckInterval"/> away).
/// <see cref="InvoicePaid"/> ends it: suspended subscriptions are restored (restore requests, same derivation). Every step is
/// kept in <see cref="Steps"/> and logged.
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
            Settle(messages, now, "nothing open any more", logger);
            return messages;
        }

        var day = options.Today.DayNumber - DueDate.DayNumber;
        foreach (var (offset, n) in options.ReminderDays.Order().Select((d, i) => (d, i + 1)))
        {
            if (offset <= day && RemindersSent < n)
            {
                var contact = await customers.GetAsync(CustomerId, ct).ConfigureAwait(false);
                var result = await notifications.SendAsync(new NotificationRequest(
                    $"dunning:{Id}:reminder:{n}", NotificationChannel.Email, "payment-reminder", contact?.PreferredLanguage ?? options.NotificationLanguage,
                    new NotificationRecipient(contact?.CustomerNumber, null, contact?.Email, contact?.Phone, options.ReportingTimeZone.Id),
                    new Dictionary<string, object?>
                    {
                        ["customer_name"] = contact?.CustomerNumber ?? "customer",
                        ["invoice_number"] = Number,
                        ["amount_due"] = invoice.OpenAmount,
                        ["due_date"] = options.StartOf(DueDate),
                    },
                    // Reminders about money owed are service messages: sent by e-mail without marketing consent.
                    new ContactPolicy(EmailConsent: true, SmsConsent: false)), ct).ConfigureAwait(false);
                RemindersSent = n;
                Record(DunningStepKind.Reminder, day, now, $"reminder {n}: {result.Outcome}{(result.Reason is null ? "" : $" ({result.Reason})")}", logger);
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
            Record(DunningStepKind.LateFee, day, now, $"late fee {fee:0.00} {invoice.OpenAmount.Currency} on the next bill", logger);
        }

        if (options.SuspendDays is { } suspendDay && suspendDay <= day && !Suspended)
        {
            var active = (await subscriptions.ForAccountsAsync([BillingAccountId], ct).ConfigureAwait(false)).Where(s => s.Status == SubscriptionStatus.Active).ToList();
            foreach (var s in active)
            {
                messages.Add(new SubscriptionSuspensionRequested(RequestId("suspend", s.Id), s.Id, SuspensionReason.Dunning, false, now));
                SuspendedSubscriptions.Add(s.Id);
            }

            Suspended = true;
            Record(DunningStepKind.Suspension, day, now, $"suspension requested for {active.Count} subscription(s)", logger);
        }

        var next = NextStepDay(options, day);
        if (next is { } nextDay)
        {
            var at = options.StartOf(DueDate.AddDays(nextDay));
            var wait = at - now;
            wait = wait < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : wait > options.RecheckInterval ? options.RecheckInterval : wait;
            messages.Add(new DunningCheck(Id).DelayedFor(wait));
        }
        else
        {
            // Every step taken: keep watching (slowly) for the payment that restores the service.
            messages.Add(new DunningCheck(Id).DelayedFor(options.RecheckInterval));
        }

        return messages;
    }

    public OutgoingMessages Handle([SagaIdentityFrom(nameof(InvoicePaid.InvoiceId))] InvoicePaid paid, DunningOptions options, ILogger<DunningSaga> logger)
    {
        ArgumentNullException.ThrowIfNull(paid);
        ArgumentNullException.ThrowIfNull(options);
        var messages = new OutgoingMessages();
        Settle(messages, options.Clock.GetUtcNow(), "paid", logger);
        return messages;
    }

    /// <summary>A paid invoice that was never dunned, or a check after the end: nothing to do.</summary>
    public static void NotFound(InvoicePaid paid)
    {
    }

    public static void NotFound(DunningCheck check)
    {
    }

    private void Settle(OutgoingMessages messages, DateTimeOffset now, string why, ILogger logger)
    {
        if (Suspended)
        {
            foreach (var s in SuspendedSubscriptions)
            {
                messages.Add(new SubscriptionSuspensionRequested(RequestId("restore", s), s, SuspensionReason.Dunning, true, now));
            }

            Record(DunningStepKind.Restore, -1, now, $"restore requested for {SuspendedSubscriptions.Count} subscription(s)", logger);
        }

        Record(DunningStepKind.Settled, -1, now, why, logger);
        MarkCompleted();
    }

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

        return pending.Where(d => d > day).DefaultIfEmpty(int.MaxValue).Min() is var min && min == int.MaxValue ? null : min;
    }

    private void Record(string kind, int day, DateTimeOffset at, string detail, ILogger logger)
    {
        Steps.Add(new DunningStep(kind, day, at, detail));
        logger.LogInformation("Dunning of invoice {Number}: {Kind} (day {Day}): {Detail}", Number, kind, day, detail);
    }

    /// <summary>A request id per invoice, subscription and direction: a redelivered step requests the same change (the lifecycle saga is per request id).</summary>
    private Guid RequestId(string what, Guid subscription) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"dunning:{Id}:{what}:{subscription}")).AsSpan(0, 16));
}
