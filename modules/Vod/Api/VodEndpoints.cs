using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using CableHub.Core.Messaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace CableHub.Vod.Api;

/// <summary>
/// VOD: the catalogue (titles in their hierarchy, rights windows, offers; changes need catalog-admin), availability
/// per territory, purchases and rentals (each with its one-time charge and events), and the charges billing collects.
/// Errors are answered by the one problem mapping (VOD-* rule codes: 400 / 404 / 422).
/// </summary>
public static class VodEndpoints
{
    public const string BasePath = "/api/v1/vod";

    /// <summary>Where the TMF620 catalogue serves a VOD offer (as a productOffering of <c>@type</c> VodOffering).</summary>
    public const string OfferingPath = "/tmf-api/productCatalogManagement/v4/productOffering";

    /// <summary>Why the VOD catalogue is public: titles and where they may be offered are what the storefront shows to everyone.</summary>
    internal const string PublicTitles = "public VOD catalogue: titles, their hierarchy and availability are the storefront everyone browses";

    internal static IEndpointRouteBuilder MapVod(IEndpointRouteBuilder app)
    {
        var group = app.MapModuleGroup(BasePath, "VOD").AllowAnonymousBecause(PublicTitles);
        group.MapGet("/titles", ListTitlesAsync);
        group.MapGet("/titles/{id}", async (string id, VodCatalog vod, CancellationToken ct) =>
            TypedResults.Ok(await vod.GetDetailsAsync((await TitleAsync(vod, id, ct).ConfigureAwait(false)).Id, ct).ConfigureAwait(false)
                ?? throw new NotFoundException($"VOD title '{id}'")));
        group.MapGet("/titles/{id}/availability", AvailabilityAsync);

        var write = app.MapModuleGroup(BasePath, "VOD").RequireAccess(HubPolicies.CatalogWrite);
        write.MapPost("/titles", CreateTitleAsync);
        write.MapPost("/titles/{id}/rights", AddRightsAsync);
        write.MapPost("/titles/{id}/offers", AddOfferAsync);

        // The customer named in the body must be the subscriber's own (checked in PurchaseAsync).
        var purchase = app.MapModuleGroup(BasePath, "VOD").RequireAccess(HubPolicies.CustomerPurchase);
        purchase.MapPost("/purchases", PurchaseAsync);

        var customer = app.MapModuleGroup(BasePath, "VOD").RequireOwnerOrStaff(HubPolicies.CustomerRead, "customerId", OwnedKinds.Customer);
        customer.MapGet("/customers/{customerId:guid}/purchases", async (Guid customerId, VodPurchases purchases, CancellationToken ct) =>
            TypedResults.Ok(await purchases.ListPurchasesAsync(customerId, ct).ConfigureAwait(false)));
        customer.MapGet("/customers/{customerId:guid}/access/{titleId:guid}", async (Guid customerId, Guid titleId, VodPurchases purchases, CancellationToken ct) =>
            TypedResults.Ok(await purchases.AccessAsync(customerId, titleId, ct: ct).ConfigureAwait(false)
                ?? throw new NotFoundException([new DomainError("VOD-NO-ACCESS", "the customer has no access to this title now", "titleId")], "The customer has no access to this title now")));

        var charges = app.MapModuleGroup(BasePath, "VOD").RequireOwnerOrStaff(HubPolicies.BillingRead, "accountId", OwnedKinds.BillingAccount);
        charges.MapGet("/billing-accounts/{accountId:guid}/charges", async (Guid accountId, HttpContext http, VodPurchases purchases, CancellationToken ct) =>
            TypedResults.Ok(await purchases.ListChargesAsync(accountId, ApiRequest.Query(http, "status"), ct).ConfigureAwait(false)));
        return app;
    }

    /// <summary><c>?kind=</c>, <c>?parent=</c> (id or code), <c>?territory=IN&amp;at=</c> (only what may be offered there then).</summary>
    private static async Task<Ok<IReadOnlyList<VodTitle>>> ListTitlesAsync(HttpContext http, VodCatalog vod, CancellationToken ct)
    {
        var at = ApiRequest.Instant(http, "at");
        Guid? parentId = ApiRequest.Query(http, "parent") is { Length: > 0 } parent ? (await TitleAsync(vod, parent, ct).ConfigureAwait(false)).Id : null;
        var kind = ApiRequest.Query(http, "kind");
        if (kind is not null && !VodKind.All.Contains(kind))
        {
            throw new RequestInvalidException("kind", $"must be one of {string.Join(", ", VodKind.All)}, not '{kind}'");
        }

        return TypedResults.Ok(await vod.ListTitlesAsync(kind, parentId, ApiRequest.Query(http, "territory")?.ToUpperInvariant(), at, ct).ConfigureAwait(false));
    }

    private static async Task<Ok<AvailabilityResource>> AvailabilityAsync(string id, HttpContext http, VodCatalog vod, CancellationToken ct)
    {
        var at = ApiRequest.Instant(http, "at");
        if (ApiRequest.Query(http, "territory") is not { Length: > 0 } territory)
        {
            throw new RequestInvalidException("territory", "is required (ISO 3166-1 alpha-2, e.g. IN)");
        }

        var title = await TitleAsync(vod, id, ct).ConfigureAwait(false);
        var window = await vod.AvailabilityAsync(title.Id, territory.ToUpperInvariant(), at, ct).ConfigureAwait(false);
        return TypedResults.Ok(new AvailabilityResource(title.Code, territory.ToUpperInvariant(), window is not null, window));
    }

    [JsonBody<TitleBody>]
    private static async Task<Created<VodTitle>> CreateTitleAsync(HttpContext http, VodCatalog vod, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<TitleBody>(http, ct).ConfigureAwait(false);
        var title = await vod.CreateTitleAsync(new NewVodTitle(body.Code ?? "", body.Kind ?? "", body.Title ?? "", body.Parent, body.Synopsis ?? "", body.SeasonNumber,
            body.EpisodeNumber, body.ReleaseYear, body.DurationMinutes, body.Rating, body.RatingSystem, body.Genres, body.Languages, body.Status ?? VodTitleStatus.Published), ct).ConfigureAwait(false);
        return TypedResults.Created($"{BasePath}/titles/{title.Id}", title);
    }

    [JsonBody<RightsBody>]
    private static async Task<Created<VodRightsWindow>> AddRightsAsync(string id, HttpContext http, VodCatalog vod, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<RightsBody>(http, ct).ConfigureAwait(false);
        if (body.AvailableFrom is null || body.AvailableTo is null)
        {
            throw new RequestInvalidException(body.AvailableFrom is null ? "availableFrom" : "availableTo", "is required (ISO 8601 date-time)");
        }

        var title = await TitleAsync(vod, id, ct).ConfigureAwait(false);
        var window = await vod.AddRightsWindowAsync(title.Id, body.Territory ?? "", body.AvailableFrom.Value, body.AvailableTo.Value, body.Licensor, ct).ConfigureAwait(false);
        return TypedResults.Created($"{BasePath}/titles/{title.Id}", window);
    }

    [JsonBody<OfferBody>]
    private static async Task<Created<VodOffer>> AddOfferAsync(string id, HttpContext http, VodCatalog vod, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<OfferBody>(http, ct).ConfigureAwait(false);
        if (body.Price is { } p && (p.Value is null || string.IsNullOrWhiteSpace(p.Unit)))
        {
            throw new RequestInvalidException(p.Value is null ? "price.value" : "price.unit", "is required when a price is given");
        }

        var title = await TitleAsync(vod, id, ct).ConfigureAwait(false);
        var offer = await vod.AddOfferAsync(title.Id, new NewVodOffer(body.Model ?? "",
            body.Price is { Value: { } v, Unit: { } u } ? new Money(v, u.Trim().ToUpperInvariant()) : null,
            body.RentalHours, body.Plan, body.ValidFrom, body.ValidTo), ct).ConfigureAwait(false);
        return TypedResults.Created($"{OfferingPath}/{offer.Id}", offer);
    }

    /// <summary>
    /// Buys or rents an offer for a customer: 201 with the purchase and its one-time charge (200 when the external id was
    /// seen before), 422 naming the rule (rights window, already owned, not in plan …). Events go out with the commit.
    /// </summary>
    [JsonBody<PurchaseBody>]
    private static async Task<Results<Created<PurchaseResource>, Ok<PurchaseResource>>> PurchaseAsync(
        HttpContext http, VodPurchases purchases, IEventTransactions transactions, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<PurchaseBody>(http, ct).ConfigureAwait(false);
        var errors = new RequestErrors();
        if (body.CustomerId is null)
        {
            errors.Add("customerId", "is required");
        }

        if (body.OfferId is null)
        {
            errors.Add("offerId", "is required: the VOD offering's id (TMF620 productOffering of @type VodOffering)");
        }

        errors.ThrowIfAny();
        AccessEndpoints.EnsureSubscriberOwns(http, body.CustomerId, "customer");
        VodPurchaseResult result;
        await using (var tx = await transactions.BeginAsync(CorrelationId.Get(http), ct).ConfigureAwait(false))
        {
            result = await purchases.PurchaseAsync(new VodPurchaseRequest(body.CustomerId!.Value, body.OfferId!.Value, body.Territory, body.ExternalId), tx.Connection, tx.Transaction, ct).ConfigureAwait(false);
            foreach (var e in result.Events)
            {
                await tx.PublishAsync(e).ConfigureAwait(false);
            }

            await tx.CommitAsync(ct).ConfigureAwait(false);
        }

        var resource = new PurchaseResource(result.Purchase, result.Charge);
        return result.AlreadyExisted ? TypedResults.Ok(resource) : TypedResults.Created($"{BasePath}/customers/{result.Purchase.CustomerId}/purchases", resource);
    }

    private static async Task<VodTitle> TitleAsync(VodCatalog vod, string idOrCode, CancellationToken ct) =>
        await (Guid.TryParse(idOrCode, out var id) ? vod.GetTitleAsync(id, ct) : vod.GetTitleByCodeAsync(idOrCode, ct)).ConfigureAwait(false)
        ?? throw new NotFoundException($"VOD title '{idOrCode}'");

    public sealed record TitleBody(string? Code, string? Kind, string? Title, string? Parent, string? Synopsis, int? SeasonNumber, int? EpisodeNumber, int? ReleaseYear,
        int? DurationMinutes, string? Rating, string? RatingSystem, IReadOnlyList<string>? Genres, IReadOnlyList<string>? Languages, string? Status);

    public sealed record RightsBody(string? Territory, DateTimeOffset? AvailableFrom, DateTimeOffset? AvailableTo, string? Licensor);

    public sealed record OfferBody(string? Model, PriceBody? Price, int? RentalHours, string? Plan, DateTimeOffset? ValidFrom, DateTimeOffset? ValidTo);

    public sealed record PriceBody(string? Unit, decimal? Value);

    public sealed record PurchaseBody(Guid? CustomerId, Guid? OfferId, string? Territory, string? ExternalId);

    public sealed record PurchaseResource(VodPurchase Purchase, OneTimeCharge? Charge);

    public sealed record AvailabilityResource(string Title, string Territory, bool Available, VodRightsWindow? Window);
}
