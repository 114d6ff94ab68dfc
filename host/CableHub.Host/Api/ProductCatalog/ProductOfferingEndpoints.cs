using CableHub.Core.Api;
using System.Text.Json.Serialization;
using CableHub.Core;
using CableHub.Core.Catalog;
using CableHub.Core.Vod;
using CableHub.Host.Api.Catalog;

namespace CableHub.Host.Api.ProductCatalog;

/// <summary>
/// TMF620 Product Catalog: every sellable item as a productOffering — plans (<c>@type</c> ProductOffering), à-la-carte
/// channels (ChannelOffering), bouquets (BouquetOffering) and VOD offers (VodOffering), the latter three extending
/// ProductOffering (<c>@baseType</c>) with their own attributes — and their effective-dated prices as
/// productOfferingPrice. Reads for everyone; writes (channels, bouquets, price changes) need the catalog-admin role
/// (<see cref="CatalogApi.RequireRole"/>). Rule violations answer 422 with the rule codes.
/// </summary>
public static class ProductOfferingEndpoints
{
    public const string BasePath = "/tmf-api/productCatalogManagement/v4/productOffering";
    public const string PricePath = "/tmf-api/productCatalogManagement/v4/productOfferingPrice";

    public const string PlanType = "ProductOffering";
    public const string ChannelType = "ChannelOffering";
    public const string BouquetType = "BouquetOffering";
    public const string VodType = "VodOffering";

    public static RouteGroupBuilder MapProductCatalog(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(BasePath).WithTags("TMF620 Product Catalog");
        group.MapGet("", ListAsync);
        group.MapGet("/{id}", GetAsync);
        group.MapPost("", CreateAsync).RequireRole(CatalogApi.CatalogAdmin);
        group.MapPatch("/{id}", PatchAsync).RequireRole(CatalogApi.CatalogAdmin);

        var prices = app.MapGroup(PricePath).WithTags("TMF620 Product Catalog");
        prices.MapGet("", ListPricesAsync);
        prices.MapGet("/{id}", GetPriceAsync);
        prices.MapPost("", CreatePriceAsync).RequireRole(CatalogApi.CatalogAdmin);
        prices.MapDelete("/{id}", CancelPriceAsync).RequireRole(CatalogApi.CatalogAdmin);
        return group;
    }

    /// <summary><c>?@type=ChannelOffering,BouquetOffering</c>, <c>?lifecycleStatus=launched</c>, <c>?offset=&amp;limit=</c> (X-Total-Count, X-Result-Count).</summary>
    private static async Task<IResult> ListAsync(HttpContext http, CatalogStore plans, LineupStore lineup, VodCatalog vod, CancellationToken ct)
    {
        var types = CatalogApi.List(http, "@type") ?? CatalogApi.List(http, "type") ?? [PlanType, ChannelType, BouquetType, VodType];
        var unknown = types.Where(t => t is not (PlanType or ChannelType or BouquetType or VodType)).ToList();
        if (unknown.Count > 0)
        {
            return CatalogApi.Invalid("@type", $"unknown type(s) {string.Join(", ", unknown)}; use {PlanType}, {ChannelType}, {BouquetType} or {VodType}");
        }

        if (!TryPaging(http, out var offset, out var limit, out var problem))
        {
            return problem!;
        }

        var all = new List<ProductOfferingResource>();
        if (types.Contains(PlanType))
        {
            all.AddRange((await plans.ListPlansAsync(ct).ConfigureAwait(false)).Select(ToResource));
        }

        if (types.Contains(ChannelType))
        {
            all.AddRange((await lineup.ListChannelsAsync(ct: ct).ConfigureAwait(false)).Select(ToResource));
        }

        if (types.Contains(BouquetType))
        {
            all.AddRange((await lineup.ListBouquetsAsync(ct: ct).ConfigureAwait(false)).Select(ToResource));
        }

        if (types.Contains(VodType))
        {
            all.AddRange((await vod.ListOffersAsync(ct).ConfigureAwait(false)).Select(ToResource));
        }

        if (CatalogApi.List(http, "lifecycleStatus") is { } statuses)
        {
            all = all.Where(o => statuses.Contains(o.LifecycleStatus, StringComparer.OrdinalIgnoreCase)).ToList();
        }

        http.Response.Headers["X-Total-Count"] = all.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var page = all.Skip(offset).Take(limit).ToList();
        http.Response.Headers["X-Result-Count"] = page.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Ok(page);
    }

    private static async Task<IResult> GetAsync(string id, CatalogStore plans, LineupStore lineup, VodCatalog vod, CancellationToken ct)
    {
        var found = await FindAsync(id, plans, lineup, vod, ct).ConfigureAwait(false);
        return found is null ? Problems.NotFound($"productOffering '{id}'") : Results.Ok(found);
    }

    private static async Task<ProductOfferingResource?> FindAsync(string id, CatalogStore plans, LineupStore lineup, VodCatalog vod, CancellationToken ct)
    {
        if (Guid.TryParse(id, out var guid))
        {
            if (await plans.GetPlanAsync(guid, ct).ConfigureAwait(false) is { } plan)
            {
                return ToResource(plan);
            }

            if (await lineup.GetChannelAsync(guid, ct: ct).ConfigureAwait(false) is { } channel)
            {
                return ToResource(channel);
            }

            if (await lineup.GetBouquetAsync(guid, ct: ct).ConfigureAwait(false) is { } bouquet)
            {
                return ToResource(bouquet);
            }

            return await vod.GetOfferAsync(guid, ct).ConfigureAwait(false) is { } offer ? ToResource(offer) : null;
        }

        if (await plans.GetPlanByCodeAsync(id, ct).ConfigureAwait(false) is { } byCode)
        {
            return ToResource(byCode);
        }

        if (await lineup.GetChannelByCodeAsync(id, ct: ct).ConfigureAwait(false) is { } channelByCode)
        {
            return ToResource(channelByCode);
        }

        return await lineup.GetBouquetByCodeAsync(id, ct: ct).ConfigureAwait(false) is { } bouquetByCode ? ToResource(bouquetByCode) : null;
    }

    /// <summary>Creates a ChannelOffering (à-la-carte channel) or a BouquetOffering; the first price is in force at once.</summary>
    private static async Task<IResult> CreateAsync(HttpContext http, LineupStore lineup, CancellationToken ct)
    {
        var (body, problem) = await CatalogApi.ReadAsync<ProductOfferingCreate>(http, ct).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        var errors = new Dictionary<string, List<string>>();
        void Fail(string field, string message) => (errors.TryGetValue(field, out var list) ? list : errors[field] = []).Add(message);
        if (body.Type is not (ChannelType or BouquetType))
        {
            Fail("@type", $"must be {ChannelType} or {BouquetType} (plans and VOD offers are created elsewhere), not '{body.Type}'");
        }

        if (string.IsNullOrWhiteSpace(body.Code))
        {
            Fail("code", "is required");
        }

        if (string.IsNullOrWhiteSpace(body.Name))
        {
            Fail("name", "is required");
        }

        var price = ReadPrice(body.ProductOfferingPrice, Fail);
        if (body.Type == ChannelType)
        {
            foreach (var (field, value) in new[] { ("broadcaster", body.Broadcaster), ("genre", body.Genre), ("language", body.Language), ("definition", body.Definition), ("casProductId", body.CasProductId) })
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    Fail(field, "is required for a ChannelOffering");
                }
            }

            if (body.Lcn is null)
            {
                Fail("lcn", "is required for a ChannelOffering (logical channel number)");
            }
        }
        else if (body.Type == BouquetType)
        {
            if (string.IsNullOrWhiteSpace(body.BouquetKind))
            {
                Fail("bouquetKind", $"is required for a BouquetOffering: one of {string.Join(", ", BouquetKind.All)}");
            }

            if (body.BundledProductOffering is not { Count: > 0 })
            {
                Fail("bundledProductOffering", "is required for a BouquetOffering: the channel offerings it holds (id or code)");
            }
            else
            {
                for (var i = 0; i < body.BundledProductOffering.Count; i++)
                {
                    if (string.IsNullOrWhiteSpace(body.BundledProductOffering[i]?.Id) && string.IsNullOrWhiteSpace(body.BundledProductOffering[i]?.Code))
                    {
                        Fail($"bundledProductOffering[{i}].id", "is required (the channel offering's id or code)");
                    }
                }
            }
        }

        if (errors.Count > 0)
        {
            return CatalogApi.Invalid(errors);
        }

        return await CatalogApi.RunAsync(async () =>
        {
            ProductOfferingResource created;
            if (body.Type == ChannelType)
            {
                var channel = await lineup.CreateChannelAsync(new NewChannel(body.Code!, body.Name!, body.Broadcaster!, body.Genre!, body.Language!, body.Definition!, body.Lcn!.Value,
                    body.CasProductId!, price, body.FreeToAir ?? false, body.HdOfChannel, body.ValidFor?.StartDateTime, body.ValidFor?.EndDateTime), CatalogApi.Actor(http), ct).ConfigureAwait(false);
                created = ToResource(channel);
            }
            else
            {
                var codes = await ChannelCodesAsync(lineup, body.BundledProductOffering!, ct).ConfigureAwait(false);
                var bouquet = await lineup.CreateBouquetAsync(new NewBouquet(body.Code!, body.Name!, body.BouquetKind!, codes, price, body.Broadcaster, body.Description ?? "",
                    body.ProductOfferingPrice?.FirstOrDefault()?.RecurringChargePeriodType ?? BillingPeriod.Monthly, StatusFromLifecycle(body.LifecycleStatus) ?? BouquetStatus.Active,
                    body.ValidFor?.StartDateTime, body.ValidFor?.EndDateTime), CatalogApi.Actor(http), ct).ConfigureAwait(false);
                created = ToResource(bouquet);
            }

            return Results.Created(created.Href, created);
        }).ConfigureAwait(false);
    }

    /// <summary>Changes a channel or bouquet (name, lifecycle, validity, channels of a bouquet, HD pairing of a channel). Prices change through productOfferingPrice.</summary>
    private static async Task<IResult> PatchAsync(string id, HttpContext http, CatalogStore plans, LineupStore lineup, VodCatalog vod, CancellationToken ct)
    {
        var (body, problem) = await CatalogApi.ReadAsync<ProductOfferingPatch>(http, ct).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        if (body.ProductOfferingPrice is not null)
        {
            return CatalogApi.Invalid("productOfferingPrice", $"prices change with effect from a date: POST {PricePath} (the notice period applies)");
        }

        var found = await FindAsync(id, plans, lineup, vod, ct).ConfigureAwait(false);
        if (found is null)
        {
            return Problems.NotFound($"productOffering '{id}'");
        }

        var status = StatusFromLifecycle(body.LifecycleStatus);
        if (body.LifecycleStatus is not null && status is null)
        {
            return CatalogApi.Invalid("lifecycleStatus", $"must be one of inDesign, launched, retired, not '{body.LifecycleStatus}'");
        }

        return await CatalogApi.RunAsync(async () =>
        {
            var targetId = Guid.Parse(found.Id);
            switch (found.Type)
            {
                case ChannelType:
                    if (status == BouquetStatus.Draft)
                    {
                        return CatalogApi.Invalid("lifecycleStatus", "a channel is launched or retired");
                    }

                    var channel = await lineup.UpdateChannelAsync(targetId, new ChannelChange(body.Name, body.Genre, body.Language, status, body.HdOfChannel,
                        body.ValidFor?.StartDateTime, body.ValidFor?.EndDateTime), ct).ConfigureAwait(false);
                    return Results.Ok(ToResource(channel));
                case BouquetType:
                    var codes = body.BundledProductOffering is null ? null : await ChannelCodesAsync(lineup, body.BundledProductOffering, ct).ConfigureAwait(false);
                    var bouquet = await lineup.UpdateBouquetAsync(targetId, new BouquetChange(body.Name, body.Description, status, codes,
                        body.ValidFor?.StartDateTime, body.ValidFor?.EndDateTime), ct).ConfigureAwait(false);
                    return Results.Ok(ToResource(bouquet));
                default:
                    return CatalogApi.Invalid("@type", $"{found.Type} '{id}' cannot be changed here (only ChannelOffering and BouquetOffering)");
            }
        }).ConfigureAwait(false);
    }

    /// <summary><c>?productOffering.id=</c> (id or code), <c>?includeCancelled=true</c>.</summary>
    private static async Task<IResult> ListPricesAsync(HttpContext http, CatalogPricing pricing, LineupStore lineup, CancellationToken ct)
    {
        Guid? itemId = null;
        var offering = http.Request.Query["productOffering.id"].ToString();
        if (offering.Length > 0)
        {
            itemId = await ItemIdAsync(lineup, offering, ct).ConfigureAwait(false);
            if (itemId is null)
            {
                return Problems.NotFound($"channel or bouquet offering '{offering}'");
            }
        }

        var includeCancelled = string.Equals(http.Request.Query["includeCancelled"], "true", StringComparison.OrdinalIgnoreCase);
        return Results.Ok((await pricing.ListPricesAsync(itemId, includeCancelled, ct).ConfigureAwait(false)).Select(p => ToPriceResource(p, null)));
    }

    private static async Task<IResult> GetPriceAsync(string id, CatalogPricing pricing, CancellationToken ct) =>
        Guid.TryParse(id, out var priceId) && await pricing.GetPriceAsync(priceId, ct).ConfigureAwait(false) is { } price
            ? Results.Ok(ToPriceResource(price, null))
            : Problems.NotFound($"productOfferingPrice '{id}'");

    /// <summary>
    /// Announces a new price of a channel or bouquet from <c>validFor.startDateTime</c> (now when absent): notice period and
    /// bouquet rules are checked; a notice for the affected subscribers is recorded and the event published with it.
    /// </summary>
    private static async Task<IResult> CreatePriceAsync(HttpContext http, CatalogPricing pricing, LineupStore lineup, IEventTransactions transactions, TimeProvider clock, CancellationToken ct)
    {
        var (body, problem) = await CatalogApi.ReadAsync<ProductOfferingPriceCreate>(http, ct).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        var errors = new Dictionary<string, List<string>>();
        void Fail(string field, string message) => (errors.TryGetValue(field, out var list) ? list : errors[field] = []).Add(message);
        var offering = body.ProductOffering?.Id ?? body.ProductOffering?.Code;
        if (string.IsNullOrWhiteSpace(offering))
        {
            Fail("productOffering.id", "is required: the channel or bouquet offering whose price changes");
        }

        if (body.Price?.Value is null)
        {
            Fail("price.value", "is required");
        }

        if (string.IsNullOrWhiteSpace(body.Price?.Unit))
        {
            Fail("price.unit", "is required (ISO 4217 currency)");
        }

        if (errors.Count > 0)
        {
            return CatalogApi.Invalid(errors);
        }

        var (kind, itemId) = await ItemAsync(lineup, offering!, ct).ConfigureAwait(false);
        if (kind is null)
        {
            return Problems.NotFound($"channel or bouquet offering '{offering}'");
        }

        return await CatalogApi.RunAsync(async () =>
        {
            var request = new PriceChangeRequest(kind, itemId, new Money(body.Price!.Value!.Value, body.Price.Unit!.Trim().ToUpperInvariant()),
                body.ValidFor?.StartDateTime ?? clock.GetUtcNow(), body.Name);
            PriceChangeAnnouncement announcement;
            await using (var tx = await transactions.BeginAsync(CorrelationId.Get(http), ct).ConfigureAwait(false))
            {
                announcement = await pricing.AnnounceAsync([request], tx.Connection, tx.Transaction, CatalogApi.Actor(http), ct).ConfigureAwait(false);
                foreach (var e in announcement.Events)
                {
                    await tx.PublishAsync(e).ConfigureAwait(false);
                }

                await tx.CommitAsync(ct).ConfigureAwait(false);
            }

            var resource = ToPriceResource(announcement.Prices.Single(), announcement.Notices.SingleOrDefault());
            return Results.Created(resource.Href, resource);
        }).ConfigureAwait(false);
    }

    private static async Task<IResult> CancelPriceAsync(string id, CatalogPricing pricing, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var priceId) || await pricing.GetPriceAsync(priceId, ct).ConfigureAwait(false) is null)
        {
            return Problems.NotFound($"productOfferingPrice '{id}'");
        }

        return await CatalogApi.RunAsync(async () => await pricing.CancelAsync(priceId, ct).ConfigureAwait(false)
            ? Results.NoContent()
            : Results.Problem(title: "Only a scheduled price that is not yet in force can be cancelled", statusCode: StatusCodes.Status409Conflict,
                type: "https://cablehub.dev/problems/conflict")).ConfigureAwait(false);
    }

    internal static async Task<(string? Kind, Guid Id)> ItemAsync(LineupStore lineup, string idOrCode, CancellationToken ct)
    {
        if (Guid.TryParse(idOrCode, out var id))
        {
            if (await lineup.GetChannelAsync(id, ct: ct).ConfigureAwait(false) is not null)
            {
                return (PricedItemKind.Channel, id);
            }

            return await lineup.GetBouquetAsync(id, ct: ct).ConfigureAwait(false) is not null ? (PricedItemKind.Bouquet, id) : (null, Guid.Empty);
        }

        if (await lineup.GetChannelByCodeAsync(idOrCode, ct: ct).ConfigureAwait(false) is { } channel)
        {
            return (PricedItemKind.Channel, channel.Id);
        }

        return await lineup.GetBouquetByCodeAsync(idOrCode, ct: ct).ConfigureAwait(false) is { } bouquet ? (PricedItemKind.Bouquet, bouquet.Id) : (null, Guid.Empty);
    }

    private static async Task<Guid?> ItemIdAsync(LineupStore lineup, string idOrCode, CancellationToken ct)
    {
        var (kind, id) = await ItemAsync(lineup, idOrCode, ct).ConfigureAwait(false);
        return kind is null ? null : id;
    }

    /// <summary>Bundled offering refs (channel ids or codes) as channel codes; unknown ids stay as given so the store names them.</summary>
    private static async Task<List<string>> ChannelCodesAsync(LineupStore lineup, IReadOnlyList<OfferingRefBody?> refs, CancellationToken ct)
    {
        var codes = new List<string>(refs.Count);
        foreach (var r in refs)
        {
            var key = (r?.Code ?? r?.Id ?? string.Empty).Trim();
            codes.Add(Guid.TryParse(key, out var id) && await lineup.GetChannelAsync(id, ct: ct).ConfigureAwait(false) is { } c ? c.Code : key);
        }

        return codes;
    }

    private static Money? ReadPrice(IReadOnlyList<PriceBody?>? prices, Action<string, string> fail)
    {
        if (prices is not { Count: > 0 })
        {
            return null;
        }

        if (prices.Count > 1)
        {
            fail("productOfferingPrice", "give one price (later changes: productOfferingPrice with validFor)");
        }

        var p = prices[0]?.Price;
        if (p?.Value is null)
        {
            fail("productOfferingPrice[0].price.value", "is required");
        }

        if (string.IsNullOrWhiteSpace(p?.Unit))
        {
            fail("productOfferingPrice[0].price.unit", "is required (ISO 4217 currency)");
        }

        return p?.Value is { } v && !string.IsNullOrWhiteSpace(p.Unit) ? new Money(v, p.Unit.Trim().ToUpperInvariant()) : null;
    }

    private static bool TryPaging(HttpContext http, out int offset, out int limit, out IResult? problem)
    {
        offset = 0;
        limit = 1000;
        problem = null;
        var o = http.Request.Query["offset"].ToString();
        var l = http.Request.Query["limit"].ToString();
        if (o.Length > 0 && (!int.TryParse(o, out offset) || offset < 0))
        {
            problem = CatalogApi.Invalid("offset", $"must be a whole number ≥ 0, not '{o}'");
            return false;
        }

        if (l.Length > 0 && (!int.TryParse(l, out limit) || limit < 1))
        {
            problem = CatalogApi.Invalid("limit", $"must be a whole number ≥ 1, not '{l}'");
            return false;
        }

        return true;
    }

    private static string? StatusFromLifecycle(string? lifecycle) => lifecycle?.Trim().ToLowerInvariant() switch
    {
        null => null,
        "launched" or "active" => BouquetStatus.Active,
        "retired" => BouquetStatus.Retired,
        "indesign" or "in design" or "draft" => BouquetStatus.Draft,
        _ => null,
    };

    private static string Lifecycle(string status) => status switch
    {
        BouquetStatus.Draft => "inDesign",
        BouquetStatus.Retired or PlanStatus.Retired or ChannelStatus.Retired => "retired",
        _ => "launched",
    };

    private static ValidFor? Validity(DateTimeOffset? from, DateTimeOffset? to) => from is null && to is null ? null : new ValidFor(from, to);

    private static ProductOfferingResource ToResource(Plan plan) => new()
    {
        Id = plan.Id.ToString(),
        Href = $"{BasePath}/{plan.Id}",
        Code = plan.Code,
        Name = plan.Name,
        Description = plan.Description,
        IsSellable = plan.IsSellable,
        LifecycleStatus = plan.Status == PlanStatus.Active ? "launched" : "retired",
        ProductOfferingPrice = [new ProductOfferingPrice("recurring", plan.BillingPeriod, new PriceValue(plan.Price.Currency, plan.Price.Amount))],
        Type = PlanType,
    };

    private static ProductOfferingResource ToResource(Channel c) => new()
    {
        Id = c.Id.ToString(),
        Href = $"{BasePath}/{c.Id}",
        Code = c.Code,
        Name = c.Name,
        Description = $"{c.Name} ({c.Definition}, {c.Genre}, {c.Language}) à la carte",
        IsSellable = c.Status == ChannelStatus.Active && c.AlaCartePrice is not null,
        LifecycleStatus = Lifecycle(c.Status),
        ValidFor = Validity(c.ValidFrom, c.ValidTo),
        ProductOfferingPrice = c.AlaCartePrice is { } p ? [new ProductOfferingPrice("recurring", BillingPeriod.Monthly, new PriceValue(p.Currency, p.Amount))] : [],
        Lcn = c.Lcn,
        Broadcaster = c.BroadcasterCode,
        Genre = c.Genre,
        Language = c.Language,
        Definition = c.Definition,
        HdOfChannel = c.HdOfChannelId is { } sd ? new OfferingRef(sd.ToString(), $"{BasePath}/{sd}") : null,
        CasProductId = c.CasProductId,
        FreeToAir = c.FreeToAir,
        Type = ChannelType,
        BaseType = PlanType,
    };

    private static ProductOfferingResource ToResource(Bouquet b) => new()
    {
        Id = b.Id.ToString(),
        Href = $"{BasePath}/{b.Id}",
        Code = b.Code,
        Name = b.Name,
        Description = b.Description,
        IsSellable = b.Status == BouquetStatus.Active && b.Price is not null,
        IsBundle = true,
        LifecycleStatus = Lifecycle(b.Status),
        ValidFor = Validity(b.ValidFrom, b.ValidTo),
        ProductOfferingPrice = b.Price is { } p ? [new ProductOfferingPrice("recurring", b.BillingPeriod, new PriceValue(p.Currency, p.Amount))] : [],
        BundledProductOffering = b.ChannelIds.Select(id => new OfferingRef(id.ToString(), $"{BasePath}/{id}")).ToList(),
        BouquetKind = b.Kind,
        Type = BouquetType,
        BaseType = PlanType,
    };

    private static ProductOfferingResource ToResource(VodOffer o) => new()
    {
        Id = o.Id.ToString(),
        Href = $"{BasePath}/{o.Id}",
        Code = $"{o.TitleCode}-{o.Model}",
        Name = $"{o.TitleName} ({o.Model})",
        Description = o.Model switch
        {
            VodModel.Rental => $"Rent {o.TitleName} for {o.RentalHours} hours",
            VodModel.Purchase => $"Buy {o.TitleName}",
            _ => $"{o.TitleName}, included in a plan",
        },
        IsSellable = o.Status == "active" && o.Model != VodModel.Included,
        LifecycleStatus = o.Status == "active" ? "launched" : "retired",
        ValidFor = Validity(o.ValidFrom, o.ValidTo),
        ProductOfferingPrice = o.Price is { } p ? [new ProductOfferingPrice("oneTime", null, new PriceValue(p.Currency, p.Amount))] : [],
        VodModel = o.Model,
        RentalHours = o.RentalHours,
        VodTitle = new OfferingRef(o.TitleId.ToString(), $"/api/v1/vod/titles/{o.TitleId}", o.TitleCode),
        IncludedInPlan = o.PlanId is { } plan ? new OfferingRef(plan.ToString(), $"{BasePath}/{plan}") : null,
        Type = VodType,
        BaseType = PlanType,
    };

    private static ProductOfferingPrice ToPriceResource(ScheduledPrice p, PriceChangeNotice? notice) => new("recurring", BillingPeriod.Monthly, new PriceValue(p.Price.Currency, p.Price.Amount))
    {
        Id = p.Id.ToString(),
        Href = $"{PricePath}/{p.Id}",
        Name = p.Reason,
        ValidFor = new ValidFor(p.EffectiveFrom, p.EffectiveTo),
        LifecycleStatus = p.Status switch
        {
            ScheduledPriceStatus.Scheduled => "planned",
            ScheduledPriceStatus.InForce => "active",
            _ => "cancelled",
        },
        ProductOffering = new OfferingRef(p.ItemId.ToString(), $"{BasePath}/{p.ItemId}", p.ItemCode),
        PriceChangeNotice = notice is null ? null : new NoticeRef(notice.Id.ToString(), notice.AffectedSubscribers, notice.NoticeDays, notice.Status),
        Type = "ProductOfferingPrice",
    };

    /// <summary>TMF620 productOffering; ChannelOffering / BouquetOffering / VodOffering add their attributes (null ones are left out).</summary>
    public sealed record ProductOfferingResource
    {
        public required string Id { get; init; }
        public required string Href { get; init; }
        public required string Code { get; init; }
        public required string Name { get; init; }
        public string Description { get; init; } = "";
        public bool IsSellable { get; init; }
        public bool IsBundle { get; init; }
        public required string LifecycleStatus { get; init; }
        public ValidFor? ValidFor { get; init; }
        public IReadOnlyList<ProductOfferingPrice> ProductOfferingPrice { get; init; } = [];
        public IReadOnlyList<OfferingRef>? BundledProductOffering { get; init; }

        // ChannelOffering
        public int? Lcn { get; init; }
        public string? Broadcaster { get; init; }
        public string? Genre { get; init; }
        public string? Language { get; init; }
        public string? Definition { get; init; }
        public OfferingRef? HdOfChannel { get; init; }
        public string? CasProductId { get; init; }
        public bool? FreeToAir { get; init; }

        // BouquetOffering
        public string? BouquetKind { get; init; }

        // VodOffering
        public string? VodModel { get; init; }
        public int? RentalHours { get; init; }
        public OfferingRef? VodTitle { get; init; }
        public OfferingRef? IncludedInPlan { get; init; }

        [JsonPropertyName("@type")]
        public required string Type { get; init; }

        [JsonPropertyName("@baseType")]
        public string? BaseType { get; init; }
    }

    /// <summary>TMF620 productOfferingPrice (inline in an offering: type, period and price; as a resource also id, validity and status).</summary>
    public sealed record ProductOfferingPrice(string PriceType, string? RecurringChargePeriodType, PriceValue Price)
    {
        public string? Id { get; init; }
        public string? Href { get; init; }
        public string? Name { get; init; }
        public ValidFor? ValidFor { get; init; }
        public string? LifecycleStatus { get; init; }
        public OfferingRef? ProductOffering { get; init; }

        /// <summary>Extension: the notice recorded when this price was announced.</summary>
        public NoticeRef? PriceChangeNotice { get; init; }

        [JsonPropertyName("@type")]
        public string? Type { get; init; }
    }

    public sealed record PriceValue(string Unit, decimal Value);

    public sealed record ValidFor(DateTimeOffset? StartDateTime, DateTimeOffset? EndDateTime);

    public sealed record OfferingRef(string Id, string Href, string? Name = null);

    public sealed record NoticeRef(string Id, int AffectedSubscribers, int NoticeDays, string Status);

    public sealed record ProductOfferingCreate(
        [property: JsonPropertyName("@type")] string? Type,
        string? Code,
        string? Name,
        string? Description,
        string? LifecycleStatus,
        ValidForBody? ValidFor,
        IReadOnlyList<PriceBody?>? ProductOfferingPrice,
        IReadOnlyList<OfferingRefBody?>? BundledProductOffering,
        string? Broadcaster,
        string? Genre,
        string? Language,
        string? Definition,
        int? Lcn,
        string? CasProductId,
        bool? FreeToAir,
        string? HdOfChannel,
        string? BouquetKind);

    public sealed record ProductOfferingPatch(
        string? Name,
        string? Description,
        string? LifecycleStatus,
        ValidForBody? ValidFor,
        IReadOnlyList<PriceBody?>? ProductOfferingPrice,
        IReadOnlyList<OfferingRefBody?>? BundledProductOffering,
        string? Genre,
        string? Language,
        string? HdOfChannel);

    public sealed record ProductOfferingPriceCreate(OfferingRefBody? ProductOffering, PriceValueBody? Price, ValidForBody? ValidFor, string? Name);

    public sealed record PriceBody(string? PriceType, string? RecurringChargePeriodType, PriceValueBody? Price);

    public sealed record PriceValueBody(string? Unit, decimal? Value);

    public sealed record ValidForBody(DateTimeOffset? StartDateTime, DateTimeOffset? EndDateTime);

    public sealed record OfferingRefBody(string? Id, string? Code);
}
