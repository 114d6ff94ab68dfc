using System.Text.Json.Serialization;
using CableHub.Core.Catalog;

namespace CableHub.Host.Api.ProductCatalog;

/// <summary>TMF620 Product Catalog (read): the plans customers can order.</summary>
public static class ProductOfferingEndpoints
{
    public const string BasePath = "/tmf-api/productCatalogManagement/v4/productOffering";

    public static RouteGroupBuilder MapProductCatalog(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(BasePath).WithTags("TMF620 Product Catalog");
        group.MapGet("", async (CatalogStore catalog, CancellationToken ct) =>
            Results.Ok((await catalog.ListPlansAsync(ct).ConfigureAwait(false)).Select(ToResource)));
        group.MapGet("/{id}", async (string id, CatalogStore catalog, CancellationToken ct) =>
        {
            var plan = Guid.TryParse(id, out var planId)
                ? await catalog.GetPlanAsync(planId, ct).ConfigureAwait(false)
                : await catalog.GetPlanByCodeAsync(id, ct).ConfigureAwait(false);
            return plan is null ? Api.Problems.NotFound($"productOffering '{id}'") : Results.Ok(ToResource(plan));
        });
        return group;
    }

    private static ProductOfferingResource ToResource(Plan plan) => new(
        plan.Id.ToString(),
        $"{BasePath}/{plan.Id}",
        plan.Code,
        plan.Name,
        plan.Description,
        plan.IsSellable,
        plan.Status == PlanStatus.Active ? "launched" : "retired",
        [new ProductOfferingPrice("recurring", plan.BillingPeriod, new PriceValue(plan.Price.Currency, plan.Price.Amount))]);

    public sealed record ProductOfferingResource(
        string Id,
        string Href,
        string Code,
        string Name,
        string Description,
        bool IsSellable,
        string LifecycleStatus,
        IReadOnlyList<ProductOfferingPrice> ProductOfferingPrice,
        [property: JsonPropertyName("@type")] string Type = "ProductOffering");

    public sealed record ProductOfferingPrice(string PriceType, string RecurringChargePeriodType, PriceValue Price);

    public sealed record PriceValue(string Unit, decimal Value);
}
