using CableHub.Billing.Contracts;
using CableHub.Catalog.Contracts;
using CableHub.Ordering.Contracts;
using CableHub.Subscriptions.Contracts;
using CableHub.Vod.Contracts;

namespace CableHub.Billing;

/// <summary>
/// Billing's reactions to other modules' events (Wolverine handlers, discovered when the host includes this assembly;
/// delivered at least once, so each is idempotent): a completed order gives the subscription's billing account a billing
/// profile (period from the plan), so the next bill run of its cycle day bills it; a VOD charge becomes a pending charge.
/// </summary>
public static class BillingEventHandler
{
    public static async Task Handle(ProductOrderCompleted completed, IBillableSubscriptions subscriptions, IPlanCatalog plans, IBillingProfiles profiles, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(completed);
        var subscription = await subscriptions.ForOrderAsync(completed.OrderId, ct).ConfigureAwait(false);
        if (subscription is null)
        {
            return;
        }

        var plan = await plans.GetPlanAsync(subscription.PlanId, ct).ConfigureAwait(false);
        await profiles.EnsureAsync(subscription.BillingAccountId, plan?.BillingPeriod ?? "monthly", ct).ConfigureAwait(false);
    }

    public static Task Handle(OneTimeChargeCreated charge, IBillingCharges charges, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(charge);
        return charges.AddOneTimeAsync(new OneTimeChargeRequest(charge.BillingAccountId, "vod", charge.ChargeId, charge.Description, charge.Amount, "vod"), ct);
    }
}
