using CableHub.Core.Api;
using CableHub.Core;
using CableHub.Core.Vod;
using CableHub.Host.Api.Catalog;

namespace CableHub.Host.Api.Vod;

/// <summary>
/// VOD: the catalogue (titles in their hierarchy, rights windows, offers; changes need catalog-admin), availability
/// per territory, purchases and rentals (each with its one-time charge and events), and the charges billing collects.
/// </summary>
public static class VodEndpoints
{
    public const string BasePath = "/api/v1/vod";

    public static RouteGroupBuilder MapVod(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(BasePath).WithTags("VOD");
        group.MapGet("/titles", ListTitlesAsync);
        group.MapGet("/titles/{id}", async (string id, VodCatalog vod, CancellationToken ct) =>
            await FindAsync(vod, id, ct).ConfigureAwait(false) is { } title && await vod.GetDetailsAsync(title.Id, ct).ConfigureAwait(false) is { } details
                ? Results.Ok(details)
                : Problems.NotFound($"VOD title '{id}'"));
        group.MapGet("/titles/{id}/availability", AvailabilityAsync);
        group.MapPost("/titles", CreateTitleAsync).RequireRole(CatalogApi.CatalogAdmin);
        group.MapPost("/titles/{id}/rights", AddRightsAsync).RequireRole(CatalogApi.CatalogAdmin);
        group.MapPost("/titles/{id}/offers", AddOfferAsync).RequireRole(CatalogApi.CatalogAdmin);
        group.MapPost("/purchases", PurchaseAsync);
        group.MapGet("/customers/{customerId:guid}/purchases", async (Guid customerId, VodPurchases purchases, CancellationToken ct) =>
            Results.Ok(await purchases.ListPurchasesAsync(customerId, ct).ConfigureAwait(false)));
        group.MapGet("/customers/{customerId:guid}/access/{titleId:guid}", async (Guid customerId, Guid titleId, VodPurchases purchases, CancellationToken ct) =>
            await purchases.AccessAsync(customerId, titleId, ct: ct).ConfigureAwait(false) is { } access
                ? Results.Ok(access)
                : Results.Problem(title: "The customer has no access to this title now", statusCode: StatusCodes.Status404NotFound, type: "https://cablehub.dev/problems/not-found"));
        group.MapGet("/billing-accounts/{accountId:guid}/charges", async (Guid accountId, HttpContext http, VodPurchases purchases, CancellationToken ct) =>
            Results.Ok(await purchases.ListChargesAsync(accountId, http.Request.Query["status"].FirstOrDefault(), ct).ConfigureAwait(false)));
        return group;
    }

    /// <summary><c>?kind=</c>, <c>?parent=</c> (id or code), <c>?territory=IN&amp;at=</c> (only what may be offered there then).</summary>
    private static async Task<IResult> ListTitlesAsync(HttpContext http, VodCatalog vod, CancellationToken ct)
    {
        if (!CatalogApi.TryInstant(http, "at", out var at, out var problem))
        {
            return problem!;
        }

        Guid? parentId = null;
        if (http.Request.Query["parent"].FirstOrDefault() is { Length: > 0 } parent)
        {
            if (await FindAsync(vod, parent, ct).ConfigureAwait(false) is not { } p)
            {
                return Problems.NotFound($"VOD title '{parent}'");
            }

            parentId = p.Id;
        }

        var kind = http.Request.Query["kind"].FirstOrDefault();
        if (kind is not null && !VodKind.All.Contains(kind))
        {
            return CatalogApi.Invalid("kind", $"must be one of {string.Join(", ", VodKind.All)}, not '{kind}'");
        }

        return Results.Ok(await vod.ListTitlesAsync(kind, parentId, http.Request.Query["territory"].FirstOrDefault()?.ToUpperInvariant(), at, ct).ConfigureAwait(false));
    }

    private static async Task<IResult> AvailabilityAsync(string id, HttpContext http, VodCatalog vod, CancellationToken ct)
    {
        if (!CatalogApi.TryInstant(http, "at", out var at, out var problem))
        {
            return problem!;
        }

        if (http.Request.Query["territory"].FirstOrDefault() is not { Length: > 0 } territory)
        {
            return CatalogApi.Invalid("territory", "is required (ISO 3166-1 alpha-2, e.g. IN)");
        }

        if (await FindAsync(vod, id, ct).ConfigureAwait(false) is not { } title)
        {
            return Problems.NotFound($"VOD title '{id}'");
        }

        var window = await vod.AvailabilityAsync(title.Id, territory.ToUpperInvariant(), at, ct).ConfigureAwait(false);
        return Results.Ok(new { title = title.Code, territory = territory.ToUpperInvariant(), available = window is not null, window });
    }

    private static async Task<IResult> CreateTitleAsync(HttpContext http, VodCatalog vod, CancellationToken ct)
    {
        var (body, problem) = await CatalogApi.ReadAsync<TitleBody>(http, ct).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        return await CatalogApi.RunAsync(async () =>
        {
            var title = await vod.CreateTitleAsync(new NewVodTitle(body.Code ?? "", body.Kind ?? "", body.Title ?? "", body.Parent, body.Synopsis ?? "", body.SeasonNumber,
                body.EpisodeNumber, body.ReleaseYear, body.DurationMinutes, body.Rating, body.RatingSystem, body.Genres, body.Languages, body.Status ?? VodTitleStatus.Published), ct).ConfigureAwait(false);
            return Results.Created($"{BasePath}/titles/{title.Id}", title);
        }).ConfigureAwait(false);
    }

    private static async Task<IResult> AddRightsAsync(string id, HttpContext http, VodCatalog vod, CancellationToken ct)
    {
        var (body, problem) = await CatalogApi.ReadAsync<RightsBody>(http, ct).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        if (body.AvailableFrom is null || body.AvailableTo is null)
        {
            return CatalogApi.Invalid(body.AvailableFrom is null ? "availableFrom" : "availableTo", "is required (ISO 8601 date-time)");
        }

        if (await FindAsync(vod, id, ct).ConfigureAwait(false) is not { } title)
        {
            return Problems.NotFound($"VOD title '{id}'");
        }

        return await CatalogApi.RunAsync(async () =>
        {
            var window = await vod.AddRightsWindowAsync(title.Id, body.Territory ?? "", body.AvailableFrom.Value, body.AvailableTo.Value, body.Licensor, ct).ConfigureAwait(false);
            return Results.Created($"{BasePath}/titles/{title.Id}", window);
        }).ConfigureAwait(false);
    }

    private static async Task<IResult> AddOfferAsync(string id, HttpContext http, VodCatalog vod, CancellationToken ct)
    {
        var (body, problem) = await CatalogApi.ReadAsync<OfferBody>(http, ct).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        if (body.Price is { } p && (p.Value is null || string.IsNullOrWhiteSpace(p.Unit)))
        {
            return CatalogApi.Invalid(p.Value is null ? "price.value" : "price.unit", "is required when a price is given");
        }

        if (await FindAsync(vod, id, ct).ConfigureAwait(false) is not { } title)
        {
            return Problems.NotFound($"VOD title '{id}'");
        }

        return await CatalogApi.RunAsync(async () =>
        {
            var offer = await vod.AddOfferAsync(title.Id, new NewVodOffer(body.Model ?? "",
                body.Price is { Value: { } v, Unit: { } u } ? new Money(v, u.Trim().ToUpperInvariant()) : null,
                body.RentalHours, body.Plan, body.ValidFrom, body.ValidTo), ct).ConfigureAwait(false);
            return Results.Created($"{ProductCatalog.ProductOfferingEndpoints.BasePath}/{offer.Id}", offer);
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Buys or rents an offer for a customer: 201 with the purchase and its one-time charge (200 when the external id was
    /// seen before), 422 naming the rule (rights window, already owned, not in plan …). Events go out with the commit.
    /// </summary>
    private static async Task<IResult> PurchaseAsync(HttpContext http, VodPurchases purchases, IEventTransactions transactions, CancellationToken ct)
    {
        var (body, problem) = await CatalogApi.ReadAsync<PurchaseBody>(http, ct).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        if (body.CustomerId is null)
        {
            return CatalogApi.Invalid("customerId", "is required");
        }

        if (body.OfferId is null)
        {
            return CatalogApi.Invalid("offerId", "is required: the VOD offering's id (TMF620 productOffering of @type VodOffering)");
        }

        return await CatalogApi.RunAsync(async () =>
        {
            VodPurchaseResult result;
            await using (var tx = await transactions.BeginAsync(CorrelationId.Get(http), ct).ConfigureAwait(false))
            {
                result = await purchases.PurchaseAsync(new VodPurchaseRequest(body.CustomerId.Value, body.OfferId.Value, body.Territory, body.ExternalId), tx.Connection, tx.Transaction, ct).ConfigureAwait(false);
                foreach (var e in result.Events)
                {
                    await tx.PublishAsync(e).ConfigureAwait(false);
                }

                await tx.CommitAsync(ct).ConfigureAwait(false);
            }

            var resource = new { purchase = result.Purchase, charge = result.Charge };
            return result.AlreadyExisted ? Results.Ok(resource) : Results.Created($"{BasePath}/customers/{result.Purchase.CustomerId}/purchases", resource);
        }).ConfigureAwait(false);
    }

    private static Task<VodTitle?> FindAsync(VodCatalog vod, string idOrCode, CancellationToken ct) =>
        Guid.TryParse(idOrCode, out var id) ? vod.GetTitleAsync(id, ct) : vod.GetTitleByCodeAsync(idOrCode, ct);

    public sealed record TitleBody(string? Code, string? Kind, string? Title, string? Parent, string? Synopsis, int? SeasonNumber, int? EpisodeNumber, int? ReleaseYear,
        int? DurationMinutes, string? Rating, string? RatingSystem, IReadOnlyList<string>? Genres, IReadOnlyList<string>? Languages, string? Status);

    public sealed record RightsBody(string? Territory, DateTimeOffset? AvailableFrom, DateTimeOffset? AvailableTo, string? Licensor);

    public sealed record OfferBody(string? Model, ProductCatalog.ProductOfferingEndpoints.PriceValueBody? Price, int? RentalHours, string? Plan, DateTimeOffset? ValidFrom, DateTimeOffset? ValidTo);

    public sealed record PurchaseBody(Guid? CustomerId, Guid? OfferId, string? Territory, string? ExternalId);
}
