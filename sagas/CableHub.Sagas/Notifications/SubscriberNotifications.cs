using CableHub.Catalog.Contracts;
using CableHub.Core.Ports;
using CableHub.Customers.Contracts;
using CableHub.Sagas.Lifecycle;
using Microsoft.Extensions.Logging;
using Wolverine;

namespace CableHub.Sagas.Notifications;

/// <summary>
/// A message to a subscriber that a saga step decided on: put in the outbox in the same transaction as the change it reports
/// (onboarding completed, a lifecycle change applied), so it is asked for exactly when the change is committed, and sent by
/// <see cref="NotifySubscriberHandler"/> through <see cref="INotificationSender"/> with <paramref name="IdempotencyKey"/> — the
/// sender's sent-once log makes a redelivery (a crash between sending and acknowledging) send nothing twice.
/// </summary>
/// <param name="IdempotencyKey">one per business message: <c>welcome:{order}</c>, <c>lifecycle:{change}:{template}</c></param>
/// <param name="TemplateId">welcome, plan-changed, service-suspended, service-restored, disconnect-notice</param>
/// <param name="At">the moment the message reports (start, effective time)</param>
/// <param name="PlanId">the plan now held (welcome, plan-changed)</param>
/// <param name="OldPlanId">the plan before (plan-changed)</param>
/// <param name="EquipmentCount">boxes to return (disconnect-notice)</param>
public sealed record NotifySubscriber(
    string IdempotencyKey,
    Guid CustomerId,
    string TemplateId,
    DateTimeOffset At,
    Guid? PlanId = null,
    Guid? OldPlanId = null,
    int EquipmentCount = 0,
    bool Urgent = false);

/// <summary>The templates the sagas send.</summary>
public static class SubscriberTemplates
{
    public const string Welcome = "welcome";
    public const string PlanChanged = "plan-changed";
    public const string Suspended = "service-suspended";
    public const string Restored = "service-restored";
    public const string Disconnect = "disconnect-notice";

    /// <summary>The message a completed lifecycle change sends, if any (add-on changes and box swaps send none yet).</summary>
    public static NotifySubscriber? ForLifecycleChange(LifecycleChange change, Guid customerId, Guid oldPlanId, Guid newPlanId, DateTimeOffset effectiveAt)
    {
        ArgumentNullException.ThrowIfNull(change);
        var template = change.Action switch
        {
            Ordering.Contracts.SubscriptionChangeAction.ChangePlan => PlanChanged,
            Ordering.Contracts.SubscriptionChangeAction.Suspend => Suspended,
            Ordering.Contracts.SubscriptionChangeAction.Restore => Restored,
            Ordering.Contracts.SubscriptionChangeAction.Disconnect => Disconnect,
            _ => null,
        };
        return template is null
            ? null
            : new NotifySubscriber($"lifecycle:{change.ChangeId}:{template}", customerId, template, effectiveAt, newPlanId, oldPlanId,
                template == Disconnect ? 1 : 0, Urgent: template == Disconnect);
    }
}

/// <summary>
/// Sends a <see cref="NotifySubscriber"/>: the customer's contact (Customers' directory; e-mail when there is an address, else
/// SMS), the plan's name and price (Catalog), the template in the customer's language, dates in the reporting time zone. These
/// are service messages about the customer's own contract: sent without marketing consent (like dunning's reminders).
/// Quiet hours (<see cref="NotificationOutcome.Deferred"/>) → the same message scheduled again at the time the sender gives; the
/// sender unreachable → <see cref="NotificationUnavailableException"/>, retried by the messaging policy with the same key.
/// </summary>
public static class NotifySubscriberHandler
{
    public static async Task Handle(NotifySubscriber message, IMessageContext context, ICustomerDirectory customers, ICatalogOfferings offerings,
        INotificationSender notifications, LifecycleOptions options, ILogger<NotifySubscriber> logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(customers);
        ArgumentNullException.ThrowIfNull(offerings);
        ArgumentNullException.ThrowIfNull(notifications);
        ArgumentNullException.ThrowIfNull(options);
        var contact = await customers.GetAsync(message.CustomerId, ct).ConfigureAwait(false);
        if (contact is null || (contact.Email is null && contact.Phone is null))
        {
            logger.LogWarning("Message {Key} ({Template}) not sent: customer {CustomerId} has no e-mail address or phone number", message.IdempotencyKey, message.TemplateId,
                message.CustomerId);
            return;
        }

        var plan = message.PlanId is { } p ? await offerings.GetOfferingAsync(OfferingKind.Plan, p, ct).ConfigureAwait(false) : null;
        var oldPlan = message.OldPlanId is { } o ? await offerings.GetOfferingAsync(OfferingKind.Plan, o, ct).ConfigureAwait(false) : null;
        var data = new Dictionary<string, object?>
        {
            ["customer_name"] = contact.CustomerNumber,
            ["customer_number"] = contact.CustomerNumber,
            ["plan_name"] = plan?.Name,
            ["new_plan_name"] = plan?.Name,
            ["old_plan_name"] = oldPlan?.Name,
            ["monthly_price"] = plan?.Price,
            ["start_date"] = message.At,
            ["effective_date"] = message.At,
            ["suspended_at"] = message.At,
            ["restored_at"] = message.At,
            ["disconnect_date"] = message.At,
            ["equipment_count"] = message.EquipmentCount,
        };
        var channel = contact.Email is not null ? NotificationChannel.Email : NotificationChannel.Sms;
        var result = await notifications.SendAsync(new NotificationRequest(message.IdempotencyKey, channel, message.TemplateId, contact.PreferredLanguage,
            new NotificationRecipient(contact.CustomerId.ToString(), null, contact.Email, contact.Phone, options.ReportingTimeZone.Id), data,
            new ContactPolicy(EmailConsent: true, SmsConsent: true), message.Urgent ? NotificationUrgency.Urgent : NotificationUrgency.Normal), ct).ConfigureAwait(false);
        switch (result.Outcome)
        {
            case NotificationOutcome.Deferred when result.NotBefore is { } notBefore:
                await context.ScheduleAsync(message, notBefore).ConfigureAwait(false);
                logger.LogInformation("Message {Key} ({Template}) deferred to {NotBefore} (quiet hours)", message.IdempotencyKey, message.TemplateId, notBefore);
                break;
            case NotificationOutcome.Sent or NotificationOutcome.AlreadySent:
                logger.LogInformation("Message {Key} ({Template}) {Outcome} by {Channel}", message.IdempotencyKey, message.TemplateId, result.Outcome, channel);
                break;
            default:
                logger.LogWarning("Message {Key} ({Template}) {Outcome}: {Reason}", message.IdempotencyKey, message.TemplateId, result.Outcome, result.Reason);
                break;
        }
    }
}
