using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace CableHub.Catalog.Api;

/// <summary>
/// Catalog operations beyond TMF620: the regulatory profile, the line-up, several price changes announced together,
/// price-change notices for the notification side, the catalog rule check and the network capacity fee.
/// </summary>
public static class CatalogEndpoints
{
    public const string BasePath = "/api/v1/catalog";

    public static IEndpointRouteBuilder MapCatalogOperations(this IEndpointRouteBuilder app)
    {
        var open = app.MapModuleGroup(BasePath, "Catalog").AllowAnonymousBecause(ProductOfferingEndpoints.PublicCatalog);
        open.MapGet("/profile", (LineupStore lineup) => TypedResults.Ok(ProfileResource.From(lineup.Profile)));
        open.MapGet("/channels", ChannelsAsync);
        open.MapGet("/bouquets", async (HttpContext http, LineupStore lineup, CancellationToken ct) =>
            TypedResults.Ok(await lineup.ListBouquetsAsync(ApiRequest.Query(http, "kind"), ApiRequest.Query(http, "status"), ct: ct).ConfigureAwait(false)));
        open.MapGet("/ncf", NetworkCapacityFee);

        var customers = app.MapModuleGroup(BasePath, "Catalog").RequireOwnerOrStaff(HubPolicies.CustomerRead, "customerId", OwnedKinds.Customer);
        customers.MapGet("/ncf/customers/{customerId:guid}", async (Guid customerId, LineupStore lineup, CancellationToken ct) =>
            TypedResults.Ok(await lineup.NetworkCapacityFeeForCustomerAsync(customerId, ct: ct).ConfigureAwait(false) ?? throw NoFee(lineup)));

        var staff = app.MapModuleGroup(BasePath, "Catalog").RequireAccess(HubPolicies.CatalogRead);
        staff.MapGet("/check", async (LineupStore lineup, CancellationToken ct) =>
        {
            var violations = await lineup.CheckCatalogAsync(ct: ct).ConfigureAwait(false);
            return TypedResults.Ok(new CatalogCheckResource(lineup.Profile.Code, violations.Count == 0, violations));
        });
        staff.MapGet("/price-change-notices", async (HttpContext http, PriceChangeNoticeStore notices, CancellationToken ct) =>
            TypedResults.Ok(await notices.ListAsync(ApiRequest.Query(http, "status"), 500, ct).ConfigureAwait(false)));
        staff.MapGet("/price-change-notices/{id:guid}", async (Guid id, PriceChangeNoticeStore notices, CancellationToken ct) =>
            TypedResults.Ok(await notices.GetAsync(id, ct).ConfigureAwait(false) ?? throw new NotFoundException($"price change notice '{id}'")));
        staff.MapGet("/price-change-notices/{id:guid}/customers", CustomersAsync);

        var write = app.MapModuleGroup(BasePath, "Catalog").RequireAccess(HubPolicies.CatalogWrite);
        write.MapPost("/price-changes", AnnounceAsync);
        write.MapPost("/price-change-notices/{id:guid}/sent", async (Guid id, PriceChangeNoticeStore notices, TimeProvider clock, CancellationToken ct) =>
            await notices.MarkSentAsync(id, clock.GetUtcNow(), ct).ConfigureAwait(false)
                ? TypedResults.NoContent()
                : throw new StateConflictException("CAT-NOTICE-NOT-PENDING", "the notice is unknown, already sent or cancelled", null,
                    "The notice is not pending (unknown, already sent or cancelled)"));
        return app;
    }

    private static async Task<Ok<IEnumerable<LineupChannelResource>>> ChannelsAsync(HttpContext http, LineupStore lineup, CancellationToken ct)
    {
        var channels = await lineup.ListChannelsAsync(new ChannelFilter(ApiRequest.Query(http, "genre"), ApiRequest.Query(http, "language"), ApiRequest.Query(http, "definition"),
            ApiRequest.Query(http, "broadcaster"), ApiRequest.Query(http, "status")), ct: ct).ConfigureAwait(false);
        var codes = channels.ToDictionary(c => c.Id, c => c.Code);
        return TypedResults.Ok(channels.Select(c => new LineupChannelResource(c.Id, c.Code, c.Name, c.Lcn, c.BroadcasterCode, c.Genre, c.Language, c.Definition,
            c.HdOfChannelId is { } sd ? codes.GetValueOrDefault(sd) : null, c.AlaCartePrice, c.FreeToAir, c.CasProductId, c.Status)));
    }

    /// <summary><c>?sd=N&amp;hd=M</c>: the profile's network capacity fee for that many channels.</summary>
    private static Ok<NetworkCapacityFee> NetworkCapacityFee(HttpContext http, LineupStore lineup)
    {
        if (!int.TryParse(ApiRequest.Query(http, "sd"), out var sd) || sd < 0)
        {
            throw new RequestInvalidException("sd", "must be the number of SD channels (a whole number ≥ 0)");
        }

        var hdText = ApiRequest.Query(http, "hd") ?? "";
        var hd = 0;
        if (hdText.Length > 0 && (!int.TryParse(hdText, out hd) || hd < 0))
        {
            throw new RequestInvalidException("hd", "must be the number of HD channels (a whole number ≥ 0)");
        }

        return TypedResults.Ok(lineup.NetworkCapacityFee(sd, hd) ?? throw NoFee(lineup));
    }

    private static NotFoundException NoFee(LineupStore lineup) =>
        new([new DomainError("CAT-NO-NCF", $"the {lineup.Profile.Name} profile has no network capacity fee")], $"The {lineup.Profile.Name} profile has no network capacity fee");

    /// <summary>Several price changes checked and scheduled together (e.g. channels up with the bouquet that holds them).</summary>
    [JsonBody<PriceChangesBody>]
    private static async Task<Created<PriceChangesResource>> AnnounceAsync(HttpContext http, ProductOfferings offerings, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<PriceChangesBody>(http, ct).ConfigureAwait(false);
        var requests = await offerings.PriceChangesAsync(body, ct).ConfigureAwait(false);
        var announcement = await offerings.AnnounceAsync(new AnnouncePrices(requests, HubPrincipal.Actor(http), CorrelationId.Get(http)), ct).ConfigureAwait(false);
        return TypedResults.Created(ProductOfferingEndpoints.PricePath, new PriceChangesResource(announcement.Prices, announcement.Notices));
    }

    /// <summary>The customers a notice is for, one id per line (streamed; there may be millions).</summary>
    private static async Task CustomersAsync(Guid id, HttpContext http, PriceChangeNoticeStore notices, CancellationToken ct)
    {
        if (await notices.GetAsync(id, ct).ConfigureAwait(false) is null)
        {
            throw new NotFoundException($"price change notice '{id}'");
        }

        http.Response.ContentType = "text/plain; charset=utf-8";
        await using var writer = new StreamWriter(http.Response.Body, leaveOpen: true);
        await foreach (var customer in notices.AffectedCustomersAsync(id, ct).ConfigureAwait(false))
        {
            await writer.WriteLineAsync(customer.ToString()).ConfigureAwait(false);
        }
    }
}
