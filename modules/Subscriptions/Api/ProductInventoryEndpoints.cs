using System.Text.Json.Serialization;
using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using CableHub.Subscriptions.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace CableHub.Subscriptions.Api;

/// <summary>
/// TMF637 Product Inventory: a customer's products (subscriptions) and their state, with the add-ons as sub-products and the box
/// as the realizing resource. Read-only: products change through TMF622 change orders.
/// </summary>
public static class ProductInventoryEndpoints
{
    public const string BasePath = "/tmf-api/productInventory/v4/product";


    internal static IEndpointRouteBuilder Map(IEndpointRouteBuilder app)
    {
        var group = app.MapModuleGroup(BasePath, "TMF637 Product Inventory").RequireAccess(HubPolicies.CustomerRead);
        group.MapGet("", ListAsync);
        group.MapGet("/{id}", GetAsync);
        return app;
    }

    private static async Task<Ok<IReadOnlyList<ProductResource>>> ListAsync(HttpContext http, ISubscriptionLifecycle subscriptions, CancellationToken ct)
    {
        var party = http.Request.Query["relatedParty.id"].ToString();
        if (!Guid.TryParse(party, out var customerId))
        {
            throw new RequestInvalidException("relatedParty.id", "is required: the customer whose products to list (a product inventory is listed per customer)");
        }

        AccessEndpoints.EnsureSubscriberOwns(http, customerId, "customer");
        var list = (await subscriptions.ForCustomerAsync(customerId, ct).ConfigureAwait(false)).Select(ToResource).ToList();
        http.Response.Headers["X-Total-Count"] = list.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers["X-Result-Count"] = list.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Ok<IReadOnlyList<ProductResource>>(list);
    }

    private static async Task<Ok<ProductResource>> GetAsync(string id, HttpContext http, ISubscriptionLifecycle subscriptions, CancellationToken ct) =>
        Guid.TryParse(id, out var subscriptionId) && await subscriptions.GetAsync(subscriptionId, ct).ConfigureAwait(false) is { } sub
            && Owned(http, sub)
            ? TypedResults.Ok(ToResource(sub))
            : throw new NotFoundException($"product '{id}'");

    /// <summary>A subscriber sees only their own products; another's answers 404 like a missing one.</summary>
    private static bool Owned(HttpContext http, SubscriptionDetail sub)
    {
        AccessEndpoints.EnsureSubscriberOwns(http, sub.CustomerId, "product");
        return true;
    }

    internal static ProductResource ToResource(SubscriptionDetail s) => new(
        s.Id.ToString(),
        $"{BasePath}/{s.Id}",
        Status(s.Status),
        s.StartAt,
        s.EndAt,
        s.SuspendedAt,
        s.SuspensionReason,
        new OfferingRef(s.PlanId.ToString(), $"/tmf-api/productCatalogManagement/v4/productOffering/{s.PlanId}", "ProductOffering"),
        s.AddOns.Select(a => new SubProduct(a.Kind, new OfferingRef(a.OfferingId.ToString(), $"/tmf-api/productCatalogManagement/v4/productOffering/{a.OfferingId}",
            a.Kind == "bouquet" ? "BouquetOffering" : "ChannelOffering"), a.Price is { } p ? new PriceOut(p.Amount, p.Currency) : null,
            a.ValidTo is null ? "active" : "terminated", a.ValidFrom, a.ValidTo)).ToList(),
        [new PartyRef(s.CustomerId.ToString(), $"/tmf-api/customerManagement/v4/customer/{s.CustomerId}", "Customer", "Customer")],
        new AccountRef(s.BillingAccountId.ToString(), $"/tmf-api/accountManagement/v4/billingAccount/{s.BillingAccountId}"),
        s.DeviceId is { } d ? [new ResourceRef(d.ToString(), $"/tmf-api/resourceInventoryManagement/v4/resource/{d}", "Device")] : [],
        s.OrderId is { } o ? [new OrderItemRef(o.ToString(), $"/tmf-api/productOrderingManagement/v4/productOrder/{o}")] : []);

    /// <summary>TMF637 product status names.</summary>
    internal static string Status(string status) => status switch
    {
        SubscriptionStatus.PendingActive => "pendingActive",
        _ => status,
    };
}

public sealed record ProductResource(
    string Id,
    string Href,
    string Status,
    DateTimeOffset? StartDate,
    DateTimeOffset? TerminationDate,
    DateTimeOffset? SuspendedDate,
    string? SuspensionReason,
    OfferingRef ProductOffering,
    IReadOnlyList<SubProduct> Product,
    IReadOnlyList<PartyRef> RelatedParty,
    AccountRef BillingAccount,
    IReadOnlyList<ResourceRef> RealizingResource,
    IReadOnlyList<OrderItemRef> ProductOrderItem,
    [property: JsonPropertyName("@type")] string Type = "Product");

public sealed record OfferingRef(string Id, string Href, [property: JsonPropertyName("@referredType")] string ReferredType);

/// <summary>An add-on (bouquet or à-la-carte channel) held beside the plan.</summary>
public sealed record SubProduct(string Kind, OfferingRef ProductOffering, PriceOut? Price, string Status, DateTimeOffset StartDate, DateTimeOffset? TerminationDate);

public sealed record PriceOut(decimal Value, string Unit);

public sealed record PartyRef(string Id, string Href, string Role, [property: JsonPropertyName("@referredType")] string ReferredType);

public sealed record AccountRef(string Id, string Href);

public sealed record ResourceRef(string Id, string Href, [property: JsonPropertyName("@referredType")] string ReferredType);

public sealed record OrderItemRef(string ProductOrderId, string ProductOrderHref);
