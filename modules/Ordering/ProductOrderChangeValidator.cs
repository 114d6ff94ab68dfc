using CableHub.Catalog.Contracts;
using CableHub.Core.Api;
using CableHub.Core.Errors;
using CableHub.Ordering.Api;
using CableHub.Ordering.Contracts;
using CableHub.Subscriptions.Contracts;

namespace CableHub.Ordering;

/// <summary>
/// Turns a TMF622 productOrder for an existing subscription into <see cref="PlaceChangeOrder"/>. One item naming the product
/// (subscription) in <c>product.id</c>:
/// <list type="bullet">
/// <item><c>modify</c> with a plan offering: plan change (upgrade / downgrade)</item>
/// <item><c>modify</c> with <c>product.status</c> <c>suspended</c> / <c>active</c>: suspension (vacation hold, dunning) / restore</item>
/// <item><c>add</c> / <c>delete</c> with a bouquet or channel offering: add-on added / removed</item>
/// <item><c>delete</c> without an offering: disconnect</item>
/// </list>
/// When: <c>effective</c> = <c>now</c> (default) or <c>nextCycle</c>, or a future <c>requestedStartDate</c>. Malformed → 400 naming
/// the JSON path; unknown subscription or offering → 404; a change the subscription's state does not allow → 409.
/// </summary>
public sealed class ProductOrderChangeValidator(ICatalogOfferings offerings, ISubscriptionLifecycle subscriptions, TimeProvider clock)
{
    /// <summary>Whether the request is a change order (an item names an existing product, or modifies / deletes).</summary>
    public static bool IsChangeOrder(ProductOrderCreate request) =>
        request?.ProductOrderItem?.Any(i => i?.Product is not null || i?.Action is "modify" or "delete") == true;

    public async Task<PlaceChangeOrder> ValidateAsync(ProductOrderCreate request, string correlationId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new RequestErrors();
        if (request.ExternalId is { Length: > 100 })
        {
            errors.Add("externalId", "must be at most 100 characters");
        }

        var effective = request.Effective ?? "now";
        if (effective is not ("now" or "nextCycle"))
        {
            errors.Add("effective", $"'{effective}' is not one of now, nextCycle");
        }

        var now = clock.GetUtcNow();
        DateTimeOffset? start = request.RequestedStartDate is { } requested && requested > now ? requested.ToUniversalTime() : null;
        if (start is not null && effective == "nextCycle")
        {
            errors.Add("requestedStartDate", "give either a requestedStartDate or effective=nextCycle, not both");
        }

        var items = request.ProductOrderItem ?? [];
        if (items.Count != 1 || items[0] is null)
        {
            errors.Add("productOrderItem", $"a change order has exactly one item (got {items.Count})");
            errors.ThrowIfAny("The product order is invalid");
        }

        var item = items[0];
        const string at = "productOrderItem[0]";
        var action = item.Action ?? "";
        if (action is not ("modify" or "add" or "delete"))
        {
            errors.Add($"{at}.action", $"'{action}' is not one of modify, add, delete for an existing product");
        }

        if (item.Quantity is { } q && q != 1)
        {
            errors.Add($"{at}.quantity", "must be 1");
        }

        if (!Guid.TryParse(item.Product?.Id, out var subscriptionId))
        {
            errors.Add($"{at}.product.id", "is required: the id of the subscription (TMF637 product) to change");
        }

        var status = item.Product?.Status;
        var offeringRef = item.ProductOffering?.Id;
        if (action == "modify" && offeringRef is null && status is not ("suspended" or "active"))
        {
            errors.Add($"{at}.product.status", "a modify item names a new plan in productOffering, or a product status: suspended or active");
        }

        if (action == "add" && string.IsNullOrWhiteSpace(offeringRef))
        {
            errors.Add($"{at}.productOffering.id", "is required: the bouquet or channel to add");
        }

        var reason = item.Product?.SuspensionReason;
        if (reason is not null && !SuspensionReason.IsKnown(reason))
        {
            errors.Add($"{at}.product.suspensionReason", $"'{reason}' is not one of vacation, dunning, operator");
        }

        errors.ThrowIfAny("The product order is invalid");

        var subscription = await subscriptions.GetAsync(subscriptionId, ct).ConfigureAwait(false)
            ?? throw new NotFoundException($"product (subscription) '{subscriptionId}'", $"{at}.product.id");
        var customerRef = request.RelatedParty?.FirstOrDefault(p => string.Equals(p?.Role, "Customer", StringComparison.OrdinalIgnoreCase))?.Id;
        if (customerRef is not null && (!Guid.TryParse(customerRef, out var customerId) || customerId != subscription.CustomerId))
        {
            throw new RequestInvalidException("relatedParty", $"customer '{customerRef}' does not hold product '{subscriptionId}'");
        }

        OfferingSummary? offering = null;
        if (!string.IsNullOrWhiteSpace(offeringRef))
        {
            offering = await offerings.FindOfferingAsync(offeringRef, ct).ConfigureAwait(false)
                ?? throw new NotFoundException($"product offering '{offeringRef}'", $"{at}.productOffering.id");
        }

        if (subscription.Status is not (SubscriptionStatus.Active or SubscriptionStatus.Suspended))
        {
            throw new StateConflictException("SUBSCRIPTION-NOT-LIVE", $"product '{subscriptionId}' is {subscription.Status}; it can no longer be changed", $"{at}.product.id");
        }

        var (change, planId) = (action, offering?.Kind, status) switch
        {
            ("modify", OfferingKind.Plan, _) => (SubscriptionChangeAction.ChangePlan, offering!.Id),
            ("modify", null, "suspended") => (SubscriptionChangeAction.Suspend, (Guid?)null),
            ("modify", null, "active") => (SubscriptionChangeAction.Restore, null),
            ("modify", _, _) => throw new RequestInvalidException($"{at}.productOffering.id", $"'{offering!.Code}' is a {offering.Kind}; add or delete it, modify moves to another plan"),
            ("add", OfferingKind.Bouquet or OfferingKind.Channel, _) => (SubscriptionChangeAction.AddOffering, null),
            ("add", _, _) => throw new RequestInvalidException($"{at}.productOffering.id", $"'{offering!.Code}' is a plan; a plan is changed with modify"),
            ("delete", null, _) => (SubscriptionChangeAction.Disconnect, null),
            ("delete", OfferingKind.Bouquet or OfferingKind.Channel, _) => (SubscriptionChangeAction.RemoveOffering, null),
            _ => throw new RequestInvalidException($"{at}.productOffering.id", $"'{offering!.Code}' is a plan; delete the product itself to disconnect"),
        };

        var held = offering is null ? false : subscription.AddOns.Any(a => a.ValidTo is null && a.Kind == offering.Kind && a.OfferingId == offering.Id);
        switch (change)
        {
            case SubscriptionChangeAction.ChangePlan when offering!.Id == subscription.PlanId:
                throw new StateConflictException("PLAN-UNCHANGED", $"product '{subscriptionId}' is already on plan '{offering.Code}'", $"{at}.productOffering.id");
            case SubscriptionChangeAction.ChangePlan when offering!.Status != "active":
                throw new RuleViolationException([new DomainError("OFFERING-NOT-SELLABLE", $"plan '{offering.Code}' is {offering.Status} and cannot be ordered", $"{at}.productOffering.id")]);
            case SubscriptionChangeAction.AddOffering when held:
                throw new StateConflictException("ADDON-HELD", $"product '{subscriptionId}' already holds {offering!.Kind} '{offering.Code}'", $"{at}.productOffering.id");
            case SubscriptionChangeAction.AddOffering when offering!.Price is null:
                throw new RuleViolationException([new DomainError("OFFERING-NOT-SOLD-ALONE", $"{offering.Kind} '{offering.Code}' has no price of its own and cannot be added", $"{at}.productOffering.id")]);
            case SubscriptionChangeAction.RemoveOffering when !held:
                throw new StateConflictException("ADDON-NOT-HELD", $"product '{subscriptionId}' does not hold {offering!.Kind} '{offering.Code}'", $"{at}.productOffering.id");
            case SubscriptionChangeAction.Suspend when subscription.Status != SubscriptionStatus.Active:
                throw new StateConflictException("SUBSCRIPTION-NOT-ACTIVE", $"product '{subscriptionId}' is {subscription.Status}; only an active product can be suspended", $"{at}.product.status");
            case SubscriptionChangeAction.Restore when subscription.Status != SubscriptionStatus.Suspended:
                throw new StateConflictException("SUBSCRIPTION-NOT-SUSPENDED", $"product '{subscriptionId}' is {subscription.Status}; only a suspended product can be restored", $"{at}.product.status");
            case SubscriptionChangeAction.ChangePlan or SubscriptionChangeAction.AddOffering or SubscriptionChangeAction.RemoveOffering
                when subscription.Status == SubscriptionStatus.Suspended:
                throw new StateConflictException("SUBSCRIPTION-SUSPENDED", $"product '{subscriptionId}' is suspended; restore it before changing its products", $"{at}.product.id");
        }

        var itemId = string.IsNullOrWhiteSpace(item.Id) ? "1" : item.Id;
        var suspensionReason = change == SubscriptionChangeAction.Suspend ? reason ?? SuspensionReason.Vacation : null;
        return new PlaceChangeOrder(request.ExternalId, subscription.CustomerId, subscription.BillingAccountId, subscription.Id, itemId, action, change,
            offering?.Kind, offering?.Id, planId, status is "suspended" or "active" && offering is null ? status : null, suspensionReason,
            effective == "nextCycle", start, correlationId, request.Channel?.FirstOrDefault()?.Name ?? "api");
    }
}
