using CableHub.Billing.Contracts;
using CableHub.Catalog.Contracts;
using CableHub.Core;
using CableHub.Core.Errors;
using CableHub.Ordering.Contracts;
using CableHub.Subscriptions.Contracts;
using Microsoft.Extensions.Logging;
using BillingChange = CableHub.Billing.Contracts.LifecycleChange;

namespace CableHub.Sagas.Lifecycle;

/// <summary>
/// What billing prorates for an applied change (<see cref="IBillingCharges.RecordLifecycleChangeAsync"/>), worked out from the change
/// as the hub recorded it: plan change → <c>upgrade</c> (the new plan costs more) or <c>downgrade</c>; add-on added / removed →
/// <c>addon_add</c> / <c>addon_remove</c> at the add-on's price; suspension → <c>suspension</c> (open-ended: the rest of the period
/// is credited); restore → <c>restore</c> (the rest of the period charged again); disconnect → <c>cancellation</c> (nothing when the
/// subscription was suspended: its period was credited then). Billing adds the subscription's add-ons to suspension, restore and cancellation. The date is the
/// effective time's local date in the reporting time zone; the change id is the source of every charge (idempotent).
/// </summary>
public static class LifecycleCharges
{
    public static IReadOnlyList<BillingChange> For(LifecycleChange change, SubscriptionDetail sub, Guid newPlanId, Money? oldPlanPrice, Money? newPlanPrice,
        OfferingSummary? addOn, DateTimeOffset effectiveAt, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(sub);
        ArgumentNullException.ThrowIfNull(zone);
        var from = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(effectiveAt, zone).DateTime);
        BillingChange Of(string kind, Guid? newPlan = null, Money? addOnPrice = null, string? addOnName = null) =>
            new(kind, sub.BillingAccountId, sub.Id, sub.PlanId, newPlan, from, null, change.ChangeId, addOnPrice, addOnName);

        return change.Action switch
        {
            SubscriptionChangeAction.ChangePlan when newPlanId == sub.PlanId => [],
            SubscriptionChangeAction.ChangePlan => [Of((newPlanPrice?.Amount ?? 0) > (oldPlanPrice?.Amount ?? 0) ? "upgrade" : "downgrade", newPlanId)],
            SubscriptionChangeAction.AddOffering when addOn?.Price is { } price => [Of("addon_add", addOnPrice: price, addOnName: addOn.Name)],
            SubscriptionChangeAction.RemoveOffering when addOn?.Price is { } price => [Of("addon_remove", addOnPrice: price, addOnName: addOn.Name)],
            SubscriptionChangeAction.Suspend => [Of("suspension")],
            SubscriptionChangeAction.Restore => [Of("restore")],
            // A suspended subscription's period was credited from the suspension and nothing since was billed ahead: no credit.
            SubscriptionChangeAction.Disconnect when sub.Status == SubscriptionStatus.Suspended => [],
            SubscriptionChangeAction.Disconnect => [Of("cancellation")],
            _ => [], // an add-on without a price (included in the plan) changes no charge
        };
    }
}

/// <summary>
/// Records the prorations of an applied change with billing. Delivered at least once (durable outbox); billing keys every charge by
/// kind, source (the change id) and description, so a redelivery charges nothing twice. An account that billing never set up (no
/// billing profile: its first order's completion did not reach billing) has nothing billed in advance to prorate: logged, skipped.
/// </summary>
public static class RecordLifecycleChargesHandler
{
    public static async Task Handle(RecordLifecycleCharges command, IBillingCharges charges, ILogger<LifecycleSaga> logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(charges);
        foreach (var change in command.Changes)
        {
            try
            {
                var lines = await charges.RecordLifecycleChangeAsync(change, ct).ConfigureAwait(false);
                logger.LogInformation("Change {ChangeId}: billing prorates the {Kind} from {From}: {Lines}", command.ChangeId, change.Kind, change.From,
                    lines.Count == 0 ? "nothing" : string.Join(", ", lines));
            }
            catch (NotFoundException e) when (e.Errors.Any(x => x.Code == "BILLING-PROFILE-NOT-FOUND"))
            {
                logger.LogWarning("Change {ChangeId}: billing account {AccountId} has no billing profile; nothing billed in advance to prorate for the {Kind}",
                    command.ChangeId, change.BillingAccountId, change.Kind);
            }
        }
    }
}
