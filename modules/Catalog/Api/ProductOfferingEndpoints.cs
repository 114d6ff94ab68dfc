using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace CableHub.Catalog.Api;

/// <summary>
/// TMF620 Product Catalog: every sellable item as a productOffering — plans (<c>@type</c> ProductOffering), à-la-carte
/// channels (ChannelOffering), bouquets (BouquetOffering) and VOD offers (VodOffering), the latter three extending
/// ProductOffering (<c>@baseType</c>) — and their effective-dated prices as productOfferingPrice. Reads for everyone; writes
/// need catalog.write (catalog-manager, catalog:write). Routing only: each operation is one query or command of <see cref="ProductOfferings"/>;
/// errors are answered by the one problem mapping (400 / 404 / 409 / 422).
/// </summary>
public static class ProductOfferingEndpoints
{
    public const string BasePath = "/tmf-api/productCatalogManagement/v4/productOffering";
    public const string PricePath = "/tmf-api/productCatalogManagement/v4/productOfferingPrice";

    /// <summary>Why offerings and their prices are public: what is on sale and at what price is published anyway (regulated tariffs, portals, resellers).</summary>
    internal const string PublicCatalog = "public catalogue: offerings and their prices are published to prospects, portals and resellers (regulated tariffs)";

    public static IEndpointRouteBuilder MapProductOfferings(this IEndpointRouteBuilder app)
    {
        var read = app.MapModuleGroup(BasePath, "TMF620 Product Catalog").AllowAnonymousBecause(PublicCatalog);
        read.MapGet("", ListAsync);
        read.MapGet("/{id}", GetAsync);
        var write = app.MapModuleGroup(BasePath, "TMF620 Product Catalog").RequireAccess(HubPolicies.CatalogWrite);
        write.MapPost("", CreateAsync);
        write.MapPatch("/{id}", PatchAsync);

        var prices = app.MapModuleGroup(PricePath, "TMF620 Product Catalog").AllowAnonymousBecause(PublicCatalog);
        prices.MapGet("", ListPricesAsync);
        prices.MapGet("/{id}", GetPriceAsync);
        var priceWrites = app.MapModuleGroup(PricePath, "TMF620 Product Catalog").RequireAccess(HubPolicies.CatalogWrite);
        priceWrites.MapPost("", CreatePriceAsync);
        priceWrites.MapDelete("/{id}", CancelPriceAsync);
        return app;
    }

    /// <summary><c>?@type=ChannelOffering,BouquetOffering</c>, <c>?lifecycleStatus=launched</c>, <c>?offset=&amp;limit=</c> (X-Total-Count, X-Result-Count).</summary>
    [Paged]
    [QueryParameter("@type", "Only offerings of these types (comma-separated: ProductOffering, ChannelOffering, BouquetOffering, VodOffering)")]
    [QueryParameter("lifecycleStatus", "Only offerings in these lifecycle states (comma-separated)")]
    private static async Task<Ok<IReadOnlyList<ProductOfferingResource>>> ListAsync(HttpContext http, ProductOfferings offerings, CancellationToken ct)
    {
        var types = ApiRequest.List(http, "@type") ?? ApiRequest.List(http, "type") ?? ProductOfferings.Types;
        var page = await offerings.ListAsync(
            new ListProductOfferings(types, ApiRequest.List(http, "lifecycleStatus"), PageRequest.From(http, defaultLimit: 1000, maxLimit: int.MaxValue)), ct).ConfigureAwait(false);
        return TypedResults.Ok(page.WriteHeaders(http.Response));
    }

    private static async Task<Ok<ProductOfferingResource>> GetAsync(string id, ProductOfferings offerings, CancellationToken ct) =>
        TypedResults.Ok(await offerings.GetAsync(id, ct).ConfigureAwait(false));

    [JsonBody<ProductOfferingCreate>]
    private static async Task<Created<ProductOfferingResource>> CreateAsync(HttpContext http, ProductOfferings offerings, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<ProductOfferingCreate>(http, ct).ConfigureAwait(false);
        var created = await offerings.CreateAsync(new CreateProductOffering(body, HubPrincipal.Actor(http)), ct).ConfigureAwait(false);
        return TypedResults.Created(created.Href, created);
    }

    [JsonBody<ProductOfferingPatch>]
    private static async Task<Ok<ProductOfferingResource>> PatchAsync(string id, HttpContext http, ProductOfferings offerings, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<ProductOfferingPatch>(http, ct).ConfigureAwait(false);
        return TypedResults.Ok(await offerings.PatchAsync(new PatchProductOffering(id, body), ct).ConfigureAwait(false));
    }

    /// <summary><c>?productOffering.id=</c> (id or code), <c>?includeCancelled=true</c>.</summary>
    [QueryParameter("productOffering.id", "Only the prices of this offering (id or code)")]
    [QueryParameter("includeCancelled", "Include cancelled prices", "boolean")]
    private static async Task<Ok<IReadOnlyList<ProductOfferingPrice>>> ListPricesAsync(HttpContext http, ProductOfferings offerings, CancellationToken ct) =>
        TypedResults.Ok(await offerings.ListPricesAsync(ApiRequest.Query(http, "productOffering.id"),
            string.Equals(ApiRequest.Query(http, "includeCancelled"), "true", StringComparison.OrdinalIgnoreCase), ct).ConfigureAwait(false));

    private static async Task<Ok<ProductOfferingPrice>> GetPriceAsync(string id, ProductOfferings offerings, CancellationToken ct) =>
        TypedResults.Ok(await offerings.GetPriceAsync(id, ct).ConfigureAwait(false));

    /// <summary>
    /// Announces a new price of a channel or bouquet from <c>validFor.startDateTime</c> (now when absent): notice period and
    /// bouquet rules are checked; a notice for the affected subscribers is recorded and the event published with it.
    /// </summary>
    [JsonBody<ProductOfferingPriceCreate>]
    private static async Task<Created<ProductOfferingPrice>> CreatePriceAsync(HttpContext http, ProductOfferings offerings, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<ProductOfferingPriceCreate>(http, ct).ConfigureAwait(false);
        var change = await offerings.PriceChangeAsync(body, ct).ConfigureAwait(false);
        var announcement = await offerings.AnnounceAsync(new AnnouncePrices([change], HubPrincipal.Actor(http), CorrelationId.Get(http)), ct).ConfigureAwait(false);
        var resource = ProductOfferings.ToPriceResource(announcement.Prices.Single(), announcement.Notices.SingleOrDefault());
        return TypedResults.Created(resource.Href, resource);
    }

    private static async Task<NoContent> CancelPriceAsync(string id, ProductOfferings offerings, CancellationToken ct)
    {
        await offerings.CancelPriceAsync(id, ct).ConfigureAwait(false);
        return TypedResults.NoContent();
    }
}
