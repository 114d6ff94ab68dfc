using CableHub.Catalog.Contracts;
using CableHub.Core.Api;
using CableHub.Core.Messaging;

namespace CableHub.Catalog.Api;

/// <summary>A page of the product offering list: <c>@type</c>s wanted, TMF620 lifecycle statuses (null: any), the page.</summary>
public sealed record ListProductOfferings(IReadOnlyList<string> Types, IReadOnlyList<string>? LifecycleStatuses, PageRequest Page);

/// <summary>Create a ChannelOffering or a BouquetOffering (validated body) as <paramref name="Actor"/>.</summary>
public sealed record CreateProductOffering(ProductOfferingCreate Body, string Actor);

/// <summary>Change a channel or bouquet offering (name, lifecycle, validity, channels, HD pairing).</summary>
public sealed record PatchProductOffering(string IdOrCode, ProductOfferingPatch Body);

/// <summary>Announce new prices (validated requests) as <paramref name="Actor"/>; events go out through the outbox with <paramref name="CorrelationId"/>.</summary>
public sealed record AnnouncePrices(IReadOnlyList<PriceChangeRequest> Changes, string Actor, string? CorrelationId);

/// <summary>
/// The TMF620 operations' handlers: one query or command per operation, each answering a resource or throwing a domain error
/// (answered through the one problem mapping). Lists are counted and paged in SQL by each owner of the rows: plans, channels,
/// bouquets here, VOD offers by the VOD module (<see cref="IVodOfferings"/>).
/// </summary>
public sealed class ProductOfferings(CatalogStore plans, LineupStore lineup, CatalogPricing pricing, IEventTransactions transactions, TimeProvider clock, IVodOfferings? vod = null)
{
    public const string PlanType = "ProductOffering";
    public const string ChannelType = "ChannelOffering";
    public const string BouquetType = "BouquetOffering";
    public const string VodType = "VodOffering";

    public static IReadOnlyList<string> Types { get; } = [PlanType, ChannelType, BouquetType, VodType];

    /// <summary>Plans, then channels, then bouquets, then VOD offers (each in its own order); X-Total-Count counts them all.</summary>
    public async Task<Page<ProductOfferingResource>> ListAsync(ListProductOfferings query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        var unknown = query.Types.Where(t => !Types.Contains(t)).ToList();
        if (unknown.Count > 0)
        {
            throw new RequestInvalidException("@type", $"unknown type(s) {string.Join(", ", unknown)}; use {PlanType}, {ChannelType}, {BouquetType} or {VodType}");
        }

        var lifecycle = query.LifecycleStatuses;
        var sources = new List<(Func<Task<int>> Count, Func<int, int, Task<IEnumerable<ProductOfferingResource>>> Page)>();
        if (query.Types.Contains(PlanType))
        {
            var statuses = Statuses(lifecycle, [PlanStatus.Active, PlanStatus.Retired]);
            sources.Add((() => plans.CountPlansAsync(statuses, ct), async (o, l) => (await plans.PagePlansAsync(statuses, o, l, ct).ConfigureAwait(false)).Select(ToResource)));
        }

        if (query.Types.Contains(ChannelType))
        {
            var statuses = Statuses(lifecycle, [ChannelStatus.Active, ChannelStatus.Retired]);
            sources.Add((() => lineup.CountChannelsAsync(statuses, ct), async (o, l) => (await lineup.PageChannelsAsync(statuses, o, l, ct).ConfigureAwait(false)).Select(ToResource)));
        }

        if (query.Types.Contains(BouquetType))
        {
            var statuses = Statuses(lifecycle, BouquetStatus.All);
            sources.Add((() => lineup.CountBouquetsAsync(statuses, ct), async (o, l) => (await lineup.PageBouquetsAsync(statuses, o, l, ct).ConfigureAwait(false)).Select(ToResource)));
        }

        if (query.Types.Contains(VodType) && vod is not null)
        {
            var statuses = Statuses(lifecycle, ["active", "retired"]);
            sources.Add((() => vod.CountAsync(statuses, ct), async (o, l) => (await vod.PageAsync(statuses, o, l, ct).ConfigureAwait(false)).Select(ToResource)));
        }

        // Paging across the sources: each is counted in SQL, and only the slice of the page it covers is read.
        var items = new List<ProductOfferingResource>();
        long total = 0;
        var skip = (long)query.Page.Offset;
        foreach (var (count, page) in sources)
        {
            var n = await count().ConfigureAwait(false);
            total += n;
            var want = query.Page.Limit - items.Count;
            if (skip >= n)
            {
                skip -= n;
                continue;
            }

            if (want > 0)
            {
                items.AddRange(await page((int)skip, want).ConfigureAwait(false));
            }

            skip = 0;
        }

        return new Page<ProductOfferingResource>(items, total);
    }

    /// <summary>A plan, channel, bouquet or VOD offer by id, or by code (a VOD offer's code is <c>{titleCode}-{model}</c>).</summary>
    public async Task<ProductOfferingResource?> FindAsync(string idOrCode, CancellationToken ct)
    {
        if (Guid.TryParse(idOrCode, out var id))
        {
            if (await plans.GetPlanAsync(id, ct).ConfigureAwait(false) is { } plan)
            {
                return ToResource(plan);
            }

            if (await lineup.GetChannelAsync(id, ct: ct).ConfigureAwait(false) is { } channel)
            {
                return ToResource(channel);
            }

            if (await lineup.GetBouquetAsync(id, ct: ct).ConfigureAwait(false) is { } bouquet)
            {
                return ToResource(bouquet);
            }
        }
        else
        {
            if (await plans.GetPlanByCodeAsync(idOrCode, ct).ConfigureAwait(false) is { } byCode)
            {
                return ToResource(byCode);
            }

            if (await lineup.GetChannelByCodeAsync(idOrCode, ct: ct).ConfigureAwait(false) is { } channelByCode)
            {
                return ToResource(channelByCode);
            }

            if (await lineup.GetBouquetByCodeAsync(idOrCode, ct: ct).ConfigureAwait(false) is { } bouquetByCode)
            {
                return ToResource(bouquetByCode);
            }
        }

        return vod is not null && await vod.FindAsync(idOrCode, ct).ConfigureAwait(false) is { } offer ? ToResource(offer) : null;
    }

    public async Task<ProductOfferingResource> GetAsync(string idOrCode, CancellationToken ct) =>
        await FindAsync(idOrCode, ct).ConfigureAwait(false) ?? throw new NotFoundException($"productOffering '{idOrCode}'");

    /// <summary>Creates a ChannelOffering (à-la-carte channel) or a BouquetOffering; the first price is in force at once.</summary>
    public async Task<ProductOfferingResource> CreateAsync(CreateProductOffering command, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        var body = command.Body;
        var errors = new RequestErrors();
        if (body.Type is not (ChannelType or BouquetType))
        {
            errors.Add("@type", $"must be {ChannelType} or {BouquetType} (plans and VOD offers are created elsewhere), not '{body.Type}'");
        }

        if (string.IsNullOrWhiteSpace(body.Code))
        {
            errors.Add("code", "is required");
        }

        if (string.IsNullOrWhiteSpace(body.Name))
        {
            errors.Add("name", "is required");
        }

        var price = ReadPrice(body.ProductOfferingPrice, errors);
        if (body.Type == ChannelType)
        {
            foreach (var (field, value) in new[] { ("broadcaster", body.Broadcaster), ("genre", body.Genre), ("language", body.Language), ("definition", body.Definition), ("casProductId", body.CasProductId) })
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    errors.Add(field, "is required for a ChannelOffering");
                }
            }

            if (body.Lcn is null)
            {
                errors.Add("lcn", "is required for a ChannelOffering (logical channel number)");
            }
        }
        else if (body.Type == BouquetType)
        {
            if (string.IsNullOrWhiteSpace(body.BouquetKind))
            {
                errors.Add("bouquetKind", $"is required for a BouquetOffering: one of {string.Join(", ", BouquetKind.All)}");
            }

            if (body.BundledProductOffering is not { Count: > 0 })
            {
                errors.Add("bundledProductOffering", "is required for a BouquetOffering: the channel offerings it holds (id or code)");
            }
            else
            {
                for (var i = 0; i < body.BundledProductOffering.Count; i++)
                {
                    if (string.IsNullOrWhiteSpace(body.BundledProductOffering[i]?.Id) && string.IsNullOrWhiteSpace(body.BundledProductOffering[i]?.Code))
                    {
                        errors.Add($"bundledProductOffering[{i}].id", "is required (the channel offering's id or code)");
                    }
                }
            }
        }

        errors.ThrowIfAny();
        if (body.Type == ChannelType)
        {
            var channel = await lineup.CreateChannelAsync(new NewChannel(body.Code!, body.Name!, body.Broadcaster!, body.Genre!, body.Language!, body.Definition!, body.Lcn!.Value,
                body.CasProductId!, price, body.FreeToAir ?? false, body.HdOfChannel, body.ValidFor?.StartDateTime, body.ValidFor?.EndDateTime), command.Actor, ct).ConfigureAwait(false);
            return ToResource(channel);
        }

        var codes = await ChannelCodesAsync(body.BundledProductOffering!, ct).ConfigureAwait(false);
        var bouquet = await lineup.CreateBouquetAsync(new NewBouquet(body.Code!, body.Name!, body.BouquetKind!, codes, price, body.Broadcaster, body.Description ?? "",
            body.ProductOfferingPrice?.FirstOrDefault()?.RecurringChargePeriodType ?? BillingPeriod.Monthly, StatusFromLifecycle(body.LifecycleStatus) ?? BouquetStatus.Active,
            body.ValidFor?.StartDateTime, body.ValidFor?.EndDateTime), command.Actor, ct).ConfigureAwait(false);
        return ToResource(bouquet);
    }

    /// <summary>Changes a channel or bouquet. Prices change through productOfferingPrice.</summary>
    public async Task<ProductOfferingResource> PatchAsync(PatchProductOffering command, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        var body = command.Body;
        if (body.ProductOfferingPrice is not null)
        {
            throw new RequestInvalidException("productOfferingPrice", $"prices change with effect from a date: POST {ProductOfferingEndpoints.PricePath} (the notice period applies)");
        }

        var found = await GetAsync(command.IdOrCode, ct).ConfigureAwait(false);
        var status = StatusFromLifecycle(body.LifecycleStatus);
        if (body.LifecycleStatus is not null && status is null)
        {
            throw new RequestInvalidException("lifecycleStatus", $"must be one of inDesign, launched, retired, not '{body.LifecycleStatus}'");
        }

        var targetId = Guid.Parse(found.Id);
        switch (found.Type)
        {
            case ChannelType:
                if (status == BouquetStatus.Draft)
                {
                    throw new RequestInvalidException("lifecycleStatus", "a channel is launched or retired");
                }

                return ToResource(await lineup.UpdateChannelAsync(targetId, new ChannelChange(body.Name, body.Genre, body.Language, status, body.HdOfChannel,
                    body.ValidFor?.StartDateTime, body.ValidFor?.EndDateTime), ct).ConfigureAwait(false));
            case BouquetType:
                var codes = body.BundledProductOffering is null ? null : await ChannelCodesAsync(body.BundledProductOffering, ct).ConfigureAwait(false);
                return ToResource(await lineup.UpdateBouquetAsync(targetId, new BouquetChange(body.Name, body.Description, status, codes,
                    body.ValidFor?.StartDateTime, body.ValidFor?.EndDateTime), ct).ConfigureAwait(false));
            default:
                throw new RequestInvalidException("@type", $"{found.Type} '{command.IdOrCode}' cannot be changed here (only ChannelOffering and BouquetOffering)");
        }
    }

    /// <summary>Prices of one channel or bouquet (id or code) or of all.</summary>
    public async Task<IReadOnlyList<ProductOfferingPrice>> ListPricesAsync(string? offering, bool includeCancelled, CancellationToken ct)
    {
        Guid? itemId = null;
        if (!string.IsNullOrEmpty(offering))
        {
            var (kind, id) = await PricedItemAsync(offering, ct).ConfigureAwait(false);
            itemId = kind is null ? throw new NotFoundException($"channel or bouquet offering '{offering}'") : id;
        }

        return (await pricing.ListPricesAsync(itemId, includeCancelled, ct).ConfigureAwait(false)).Select(p => ToPriceResource(p, null)).ToList();
    }

    public async Task<ProductOfferingPrice> GetPriceAsync(string id, CancellationToken ct) =>
        Guid.TryParse(id, out var priceId) && await pricing.GetPriceAsync(priceId, ct).ConfigureAwait(false) is { } price
            ? ToPriceResource(price, null)
            : throw new NotFoundException($"productOfferingPrice '{id}'");

    /// <summary>Validates a TMF620 price body into a price change request (400 naming the fields; 404 for an unknown offering).</summary>
    public async Task<PriceChangeRequest> PriceChangeAsync(ProductOfferingPriceCreate body, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        var errors = new RequestErrors();
        var offering = body.ProductOffering?.Id ?? body.ProductOffering?.Code;
        if (string.IsNullOrWhiteSpace(offering))
        {
            errors.Add("productOffering.id", "is required: the channel or bouquet offering whose price changes");
        }

        if (body.Price?.Value is null)
        {
            errors.Add("price.value", "is required");
        }

        if (string.IsNullOrWhiteSpace(body.Price?.Unit))
        {
            errors.Add("price.unit", "is required (ISO 4217 currency)");
        }

        errors.ThrowIfAny();
        var (kind, itemId) = await PricedItemAsync(offering!, ct).ConfigureAwait(false);
        if (kind is null)
        {
            throw new NotFoundException($"channel or bouquet offering '{offering}'", "productOffering.id");
        }

        return new PriceChangeRequest(kind, itemId, new Money(body.Price!.Value!.Value, body.Price.Unit!.Trim().ToUpperInvariant()),
            body.ValidFor?.StartDateTime ?? clock.GetUtcNow(), body.Name);
    }

    /// <summary>Validates several price changes (<c>POST /api/v1/catalog/price-changes</c>): every problem named by its place in the list.</summary>
    public async Task<IReadOnlyList<PriceChangeRequest>> PriceChangesAsync(PriceChangesBody body, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        var errors = new RequestErrors();
        if (body.Changes is not { Count: > 0 })
        {
            errors.Add("changes", "is required: one or more {offering, price: {unit, value}, effectiveFrom, reason}");
            errors.ThrowIfAny();
        }

        var requests = new List<PriceChangeRequest>();
        for (var i = 0; i < body.Changes!.Count; i++)
        {
            var c = body.Changes[i];
            if (string.IsNullOrWhiteSpace(c?.Offering))
            {
                errors.Add($"changes[{i}].offering", "is required: a channel or bouquet id or code");
                continue;
            }

            if (c.Price?.Value is null || string.IsNullOrWhiteSpace(c.Price.Unit))
            {
                errors.Add($"changes[{i}].price", "is required: {unit, value}");
                continue;
            }

            var (kind, id) = await PricedItemAsync(c.Offering, ct).ConfigureAwait(false);
            if (kind is null)
            {
                errors.Add($"changes[{i}].offering", $"no channel or bouquet '{c.Offering}'");
                continue;
            }

            requests.Add(new PriceChangeRequest(kind, id, new Money(c.Price.Value.Value, c.Price.Unit.Trim().ToUpperInvariant()), c.EffectiveFrom ?? clock.GetUtcNow(), c.Reason));
        }

        errors.ThrowIfAny();
        return requests;
    }

    /// <summary>
    /// Announces new prices: notice period and bouquet rules are checked, notices recorded, and the integration events
    /// published through the outbox in the same transaction (they leave if and only if it commits).
    /// </summary>
    public async Task<PriceChangeAnnouncement> AnnounceAsync(AnnouncePrices command, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        await using var tx = await transactions.BeginAsync(command.CorrelationId, ct).ConfigureAwait(false);
        var announcement = await pricing.AnnounceAsync(command.Changes, tx.Connection, tx.Transaction, command.Actor, ct).ConfigureAwait(false);
        foreach (var e in announcement.Events)
        {
            await tx.PublishAsync(e).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
        return announcement;
    }

    /// <summary>Cancels a scheduled price; 404 when unknown, 409 when it is in force or cancelled already.</summary>
    public async Task CancelPriceAsync(string id, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var priceId) || await pricing.GetPriceAsync(priceId, ct).ConfigureAwait(false) is null)
        {
            throw new NotFoundException($"productOfferingPrice '{id}'");
        }

        if (!await pricing.CancelAsync(priceId, ct).ConfigureAwait(false))
        {
            throw new StateConflictException("CAT-PRICE-NOT-SCHEDULED", "only a scheduled price that is not yet in force can be cancelled", null,
                "Only a scheduled price that is not yet in force can be cancelled");
        }
    }

    public static ProductOfferingPrice ToPriceResource(ScheduledPrice p, PriceChangeNotice? notice)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new("recurring", BillingPeriod.Monthly, new PriceValue(p.Price.Currency, p.Price.Amount))
        {
            Id = p.Id.ToString(),
            Href = $"{ProductOfferingEndpoints.PricePath}/{p.Id}",
            Name = p.Reason,
            ValidFor = new ValidFor(p.EffectiveFrom, p.EffectiveTo),
            LifecycleStatus = p.Status switch
            {
                ScheduledPriceStatus.Scheduled => "planned",
                ScheduledPriceStatus.InForce => "active",
                _ => "cancelled",
            },
            ProductOffering = new OfferingRef(p.ItemId.ToString(), $"{ProductOfferingEndpoints.BasePath}/{p.ItemId}", p.ItemCode),
            PriceChangeNotice = notice is null ? null : new NoticeRef(notice.Id.ToString(), notice.AffectedSubscribers, notice.NoticeDays, notice.Status),
            Type = "ProductOfferingPrice",
        };
    }

    /// <summary>A channel or bouquet by id or code: its kind (null when neither) and id.</summary>
    internal async Task<(string? Kind, Guid Id)> PricedItemAsync(string idOrCode, CancellationToken ct)
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

    /// <summary>The catalog statuses whose TMF620 lifecycle is one of <paramref name="lifecycle"/> (null: no filter).</summary>
    private static string[]? Statuses(IReadOnlyList<string>? lifecycle, IReadOnlyList<string> statuses) =>
        lifecycle is null ? null : statuses.Where(s => lifecycle.Contains(Lifecycle(s), StringComparer.OrdinalIgnoreCase)).ToArray();

    /// <summary>Bundled offering refs (channel ids or codes) as channel codes; unknown ids stay as given so the store names them.</summary>
    private async Task<List<string>> ChannelCodesAsync(IReadOnlyList<OfferingRefBody?> refs, CancellationToken ct)
    {
        var codes = new List<string>(refs.Count);
        foreach (var r in refs)
        {
            var key = (r?.Code ?? r?.Id ?? string.Empty).Trim();
            codes.Add(Guid.TryParse(key, out var id) && await lineup.GetChannelAsync(id, ct: ct).ConfigureAwait(false) is { } c ? c.Code : key);
        }

        return codes;
    }

    private static Money? ReadPrice(IReadOnlyList<PriceBody?>? prices, RequestErrors errors)
    {
        if (prices is not { Count: > 0 })
        {
            return null;
        }

        if (prices.Count > 1)
        {
            errors.Add("productOfferingPrice", "give one price (later changes: productOfferingPrice with validFor)");
        }

        var p = prices[0]?.Price;
        if (p?.Value is null)
        {
            errors.Add("productOfferingPrice[0].price.value", "is required");
        }

        if (string.IsNullOrWhiteSpace(p?.Unit))
        {
            errors.Add("productOfferingPrice[0].price.unit", "is required (ISO 4217 currency)");
        }

        return p?.Value is { } v && !string.IsNullOrWhiteSpace(p.Unit) ? new Money(v, p.Unit.Trim().ToUpperInvariant()) : null;
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

    private static string Href(Guid id) => $"{ProductOfferingEndpoints.BasePath}/{id}";

    private static ProductOfferingResource ToResource(Plan plan) => new()
    {
        Id = plan.Id.ToString(),
        Href = Href(plan.Id),
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
        Href = Href(c.Id),
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
        HdOfChannel = c.HdOfChannelId is { } sd ? new OfferingRef(sd.ToString(), Href(sd)) : null,
        CasProductId = c.CasProductId,
        FreeToAir = c.FreeToAir,
        Type = ChannelType,
        BaseType = PlanType,
    };

    private static ProductOfferingResource ToResource(Bouquet b) => new()
    {
        Id = b.Id.ToString(),
        Href = Href(b.Id),
        Code = b.Code,
        Name = b.Name,
        Description = b.Description,
        IsSellable = b.Status == BouquetStatus.Active && b.Price is not null,
        IsBundle = true,
        LifecycleStatus = Lifecycle(b.Status),
        ValidFor = Validity(b.ValidFrom, b.ValidTo),
        ProductOfferingPrice = b.Price is { } p ? [new ProductOfferingPrice("recurring", b.BillingPeriod, new PriceValue(p.Currency, p.Amount))] : [],
        BundledProductOffering = b.ChannelIds.Select(id => new OfferingRef(id.ToString(), Href(id))).ToList(),
        BouquetKind = b.Kind,
        Type = BouquetType,
        BaseType = PlanType,
    };

    private static ProductOfferingResource ToResource(VodOfferingSummary o) => new()
    {
        Id = o.Id.ToString(),
        Href = Href(o.Id),
        Code = o.Code,
        Name = $"{o.TitleName} ({o.Model})",
        Description = o.Model switch
        {
            "rental" => $"Rent {o.TitleName} for {o.RentalHours} hours",
            "purchase" => $"Buy {o.TitleName}",
            _ => $"{o.TitleName}, included in a plan",
        },
        IsSellable = o.Status == "active" && o.Model != "included",
        LifecycleStatus = o.Status == "active" ? "launched" : "retired",
        ValidFor = Validity(o.ValidFrom, o.ValidTo),
        ProductOfferingPrice = o.Price is { } p ? [new ProductOfferingPrice("oneTime", null, new PriceValue(p.Currency, p.Amount))] : [],
        VodModel = o.Model,
        RentalHours = o.RentalHours,
        VodTitle = new OfferingRef(o.TitleId.ToString(), $"/api/v1/vod/titles/{o.TitleId}", o.TitleCode),
        IncludedInPlan = o.PlanId is { } plan ? new OfferingRef(plan.ToString(), Href(plan)) : null,
        Type = VodType,
        BaseType = PlanType,
    };
}
