using CableHub.Core.Api;
using CableHub.Core;
using CableHub.Core.Catalog;
using CableHub.Host.Api.ProductCatalog;

namespace CableHub.Host.Api.Catalog;

/// <summary>
/// Catalog operations beyond TMF620: the regulatory profile, the line-up, several price changes announced together,
/// price-change notices for the notification side, the catalog rule check and the network capacity fee.
/// </summary>
public static class CatalogEndpoints
{
    public const string BasePath = "/api/v1/catalog";

    public static RouteGroupBuilder MapCatalog(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(BasePath).WithTags("Catalog");
        group.MapGet("/profile", (LineupStore lineup) => Results.Ok(ProfileResource.From(lineup.Profile)));
        group.MapGet("/channels", ChannelsAsync);
        group.MapGet("/bouquets", async (HttpContext http, LineupStore lineup, CancellationToken ct) =>
            Results.Ok(await lineup.ListBouquetsAsync(http.Request.Query["kind"].FirstOrDefault(), http.Request.Query["status"].FirstOrDefault(), ct: ct).ConfigureAwait(false)));
        group.MapGet("/check", async (LineupStore lineup, CancellationToken ct) =>
        {
            var violations = await lineup.CheckCatalogAsync(ct: ct).ConfigureAwait(false);
            return Results.Ok(new { profile = lineup.Profile.Code, compliant = violations.Count == 0, violations });
        });
        group.MapGet("/ncf", NetworkCapacityFee);
        group.MapGet("/ncf/customers/{customerId:guid}", async (Guid customerId, LineupStore lineup, CancellationToken ct) =>
            await lineup.NetworkCapacityFeeForCustomerAsync(customerId, ct: ct).ConfigureAwait(false) is { } fee
                ? Results.Ok(fee)
                : Results.Problem(title: $"The {lineup.Profile.Name} profile has no network capacity fee", statusCode: StatusCodes.Status404NotFound, type: "https://cablehub.dev/problems/not-found"));
        group.MapPost("/price-changes", AnnounceAsync).RequireRole(CatalogApi.CatalogAdmin);
        group.MapGet("/price-change-notices", async (HttpContext http, PriceChangeNoticeStore notices, CancellationToken ct) =>
            Results.Ok(await notices.ListAsync(http.Request.Query["status"].FirstOrDefault(), 500, ct).ConfigureAwait(false)));
        group.MapGet("/price-change-notices/{id:guid}", async (Guid id, PriceChangeNoticeStore notices, CancellationToken ct) =>
            await notices.GetAsync(id, ct).ConfigureAwait(false) is { } notice ? Results.Ok(notice) : Problems.NotFound($"price change notice '{id}'"));
        group.MapGet("/price-change-notices/{id:guid}/customers", CustomersAsync);
        group.MapPost("/price-change-notices/{id:guid}/sent", async (Guid id, PriceChangeNoticeStore notices, TimeProvider clock, CancellationToken ct) =>
            await notices.MarkSentAsync(id, clock.GetUtcNow(), ct).ConfigureAwait(false)
                ? Results.NoContent()
                : Results.Problem(title: "The notice is not pending (unknown, already sent or cancelled)", statusCode: StatusCodes.Status409Conflict, type: "https://cablehub.dev/problems/conflict"))
            .RequireRole(CatalogApi.CatalogAdmin);
        return group;
    }

    private static async Task<IResult> ChannelsAsync(HttpContext http, LineupStore lineup, CancellationToken ct)
    {
        var q = http.Request.Query;
        var channels = await lineup.ListChannelsAsync(new ChannelFilter(q["genre"].FirstOrDefault(), q["language"].FirstOrDefault(), q["definition"].FirstOrDefault(),
            q["broadcaster"].FirstOrDefault(), q["status"].FirstOrDefault()), ct: ct).ConfigureAwait(false);
        var codes = channels.ToDictionary(c => c.Id, c => c.Code);
        return Results.Ok(channels.Select(c => new
        {
            c.Id, c.Code, c.Name, c.Lcn, broadcaster = c.BroadcasterCode, c.Genre, c.Language, c.Definition,
            hdOf = c.HdOfChannelId is { } sd ? codes.GetValueOrDefault(sd) : null,
            alaCartePrice = c.AlaCartePrice, c.FreeToAir, c.CasProductId, c.Status,
        }));
    }

    /// <summary><c>?sd=N&amp;hd=M</c>: the profile's network capacity fee for that many channels.</summary>
    private static IResult NetworkCapacityFee(HttpContext http, LineupStore lineup)
    {
        if (!int.TryParse(http.Request.Query["sd"], out var sd) || sd < 0)
        {
            return CatalogApi.Invalid("sd", "must be the number of SD channels (a whole number ≥ 0)");
        }

        var hdText = http.Request.Query["hd"].ToString();
        var hd = 0;
        if (hdText.Length > 0 && (!int.TryParse(hdText, out hd) || hd < 0))
        {
            return CatalogApi.Invalid("hd", "must be the number of HD channels (a whole number ≥ 0)");
        }

        return lineup.NetworkCapacityFee(sd, hd) is { } fee
            ? Results.Ok(fee)
            : Results.Problem(title: $"The {lineup.Profile.Name} profile has no network capacity fee", statusCode: StatusCodes.Status404NotFound, type: "https://cablehub.dev/problems/not-found");
    }

    /// <summary>Several price changes checked and scheduled together (e.g. channels up with the bouquet that holds them).</summary>
    private static async Task<IResult> AnnounceAsync(HttpContext http, CatalogPricing pricing, LineupStore lineup, IEventTransactions transactions, TimeProvider clock, CancellationToken ct)
    {
        var (body, problem) = await CatalogApi.ReadAsync<PriceChangesBody>(http, ct).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        var errors = new Dictionary<string, List<string>>();
        void Fail(string field, string message) => (errors.TryGetValue(field, out var list) ? list : errors[field] = []).Add(message);
        if (body.Changes is not { Count: > 0 })
        {
            Fail("changes", "is required: one or more {offering, price: {unit, value}, effectiveFrom, reason}");
            return CatalogApi.Invalid(errors);
        }

        var requests = new List<PriceChangeRequest>();
        for (var i = 0; i < body.Changes.Count; i++)
        {
            var c = body.Changes[i];
            if (string.IsNullOrWhiteSpace(c?.Offering))
            {
                Fail($"changes[{i}].offering", "is required: a channel or bouquet id or code");
                continue;
            }

            if (c.Price?.Value is null || string.IsNullOrWhiteSpace(c.Price.Unit))
            {
                Fail($"changes[{i}].price", "is required: {unit, value}");
                continue;
            }

            var (kind, id) = await ProductOfferingEndpoints.ItemAsync(lineup, c.Offering, ct).ConfigureAwait(false);
            if (kind is null)
            {
                Fail($"changes[{i}].offering", $"no channel or bouquet '{c.Offering}'");
                continue;
            }

            requests.Add(new PriceChangeRequest(kind, id, new Money(c.Price.Value.Value, c.Price.Unit.Trim().ToUpperInvariant()), c.EffectiveFrom ?? clock.GetUtcNow(), c.Reason));
        }

        if (errors.Count > 0)
        {
            return CatalogApi.Invalid(errors);
        }

        return await CatalogApi.RunAsync(async () =>
        {
            await using var tx = await transactions.BeginAsync(CorrelationId.Get(http), ct).ConfigureAwait(false);
            var announcement = await pricing.AnnounceAsync(requests, tx.Connection, tx.Transaction, CatalogApi.Actor(http), ct).ConfigureAwait(false);
            foreach (var e in announcement.Events)
            {
                await tx.PublishAsync(e).ConfigureAwait(false);
            }

            await tx.CommitAsync(ct).ConfigureAwait(false);
            return Results.Created($"{ProductOfferingEndpoints.PricePath}", new { announcement.Prices, announcement.Notices });
        }).ConfigureAwait(false);
    }

    /// <summary>The customers a notice is for, one id per line (streamed; there may be millions).</summary>
    private static async Task CustomersAsync(Guid id, HttpContext http, PriceChangeNoticeStore notices, CancellationToken ct)
    {
        if (await notices.GetAsync(id, ct).ConfigureAwait(false) is null)
        {
            await Problems.NotFound($"price change notice '{id}'").ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        http.Response.ContentType = "text/plain; charset=utf-8";
        await using var writer = new StreamWriter(http.Response.Body, leaveOpen: true);
        await foreach (var customer in notices.AffectedCustomersAsync(id, ct).ConfigureAwait(false))
        {
            await writer.WriteLineAsync(customer.ToString()).ConfigureAwait(false);
        }
    }

    public sealed record PriceChangesBody(IReadOnlyList<PriceChangeBody?>? Changes);

    public sealed record PriceChangeBody(string? Offering, ProductOfferingEndpoints.PriceValueBody? Price, DateTimeOffset? EffectiveFrom, string? Reason);

    public sealed record ProfileResource(string Code, string Name, string Currency, decimal? DistributorBouquetMinimumShare, decimal? BroadcasterBouquetMinimumShare,
        bool ForbidSdAndHdOfSameChannel, decimal? BouquetChannelPriceCap, int PriceChangeNoticeDays, NetworkCapacityFeeSchedule? NetworkCapacityFee, string Source)
    {
        public static ProfileResource From(RegulatoryProfile p) => new(p.Code, p.Name, p.Currency, p.DistributorBouquetMinimumShare, p.BroadcasterBouquetMinimumShare,
            p.ForbidSdAndHdOfSameChannel, p.BouquetChannelPriceCap, (int)p.PriceChangeNotice.TotalDays, p.NetworkCapacityFee, p.Source);
    }
}
