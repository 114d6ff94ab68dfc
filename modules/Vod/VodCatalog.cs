using System.Text.RegularExpressions;
using CableHub.Catalog.Contracts;
using Dapper;
using Npgsql;

namespace CableHub.Vod;

/// <summary>
/// The VOD catalogue: titles in their hierarchy, rights windows per territory (a title without windows of its own
/// inherits its parent's), and offers. Refusals throw <see cref="VodRuleException"/> with VOD-* codes.
/// </summary>
public sealed partial class VodCatalog(NpgsqlDataSource dataSource, IPlanCatalog plans, TimeProvider clock) : IVodOfferings
{
    internal const string TitleColumns =
        """
        t.id, t.code, t.kind, t.parent_id, t.title, t.synopsis, t.season_number, t.episode_number, t.release_year, t.duration_minutes,
        t.rating, t.rating_system, t.genres, t.languages, t.status
        """;

    internal const string OfferSelect =
        """
        SELECT o.id, o.title_id, t.code AS title_code, t.title AS title_name, o.model, o.price, o.currency, o.rental_hours, o.plan_id, o.status, o.valid_from, o.valid_to
        FROM hub.vod_offer o JOIN hub.vod_title t ON t.id = o.title_id
        """;

    /// <summary>The windows that apply to a title: its own, else the nearest ancestor's that has some.</summary>
    internal const string EffectiveWindows =
        """
        WITH RECURSIVE chain AS (
            SELECT t.id, t.parent_id, 0 AS depth FROM hub.vod_title t WHERE t.id = @titleId
            UNION ALL
            SELECT p.id, p.parent_id, chain.depth + 1 FROM hub.vod_title p JOIN chain ON p.id = chain.parent_id),
        holder AS (
            SELECT chain.id, chain.depth FROM chain WHERE EXISTS (SELECT 1 FROM hub.vod_rights_window w WHERE w.title_id = chain.id)
            ORDER BY chain.depth LIMIT 1)
        SELECT w.id, w.title_id, w.territory, w.available_from, w.available_to, w.licensor
        FROM hub.vod_rights_window w JOIN holder ON holder.id = w.title_id
        ORDER BY w.territory, w.available_from
        """;

    public async Task<VodTitle> CreateTitleAsync(NewVodTitle title, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(title);
        var violations = new List<DomainError>();
        if (string.IsNullOrWhiteSpace(title.Code))
        {
            violations.Add(new(VodRuleCodes.Invalid, "code is required", "code"));
        }

        if (string.IsNullOrWhiteSpace(title.Title))
        {
            violations.Add(new(VodRuleCodes.Invalid, "title is required", "title"));
        }

        if (!VodKind.All.Contains(title.Kind))
        {
            violations.Add(new(VodRuleCodes.Invalid, $"kind must be one of {string.Join(", ", VodKind.All)}, not '{title.Kind}'", "kind"));
        }

        if (!VodTitleStatus.All.Contains(title.Status))
        {
            violations.Add(new(VodRuleCodes.Invalid, $"status must be one of {string.Join(", ", VodTitleStatus.All)}, not '{title.Status}'", "status"));
        }

        if (title.SeasonNumber is <= 0 || title.EpisodeNumber is <= 0 || title.DurationMinutes is <= 0)
        {
            violations.Add(new(VodRuleCodes.Invalid, "season, episode numbers and duration must be positive", title.DurationMinutes is <= 0 ? "durationMinutes" : "seasonNumber"));
        }

        Throw(violations);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        if (await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM hub.vod_title WHERE code = @Code)", new { title.Code }, tx, cancellationToken: ct)).ConfigureAwait(false))
        {
            violations.Add(new(VodRuleCodes.CodeTaken, $"a title with code '{title.Code}' already exists", "code"));
        }

        Guid? parentId = null;
        var needsParent = title.Kind is VodKind.Season or VodKind.Episode;
        if (title.ParentCode is { } parentCode)
        {
            var parent = await conn.QuerySingleOrDefaultAsync<(Guid Id, string Kind)?>(new CommandDefinition(
                "SELECT id, kind FROM hub.vod_title WHERE code = @parentCode", new { parentCode }, tx, cancellationToken: ct)).ConfigureAwait(false);
            if (parent is not { } p)
            {
                violations.Add(new(VodRuleCodes.NotFound, $"parent title '{parentCode}' does not exist", "parent"));
            }
            else if (!needsParent || (title.Kind == VodKind.Season && p.Kind != VodKind.Series) || (title.Kind == VodKind.Episode && p.Kind is not (VodKind.Season or VodKind.Series)))
            {
                violations.Add(new(VodRuleCodes.Hierarchy,
                    $"a {title.Kind} cannot belong to a {p.Kind} (seasons belong to series, episodes to seasons or series, movies and series stand alone)", "parent"));
            }
            else
            {
                parentId = p.Id;
            }
        }
        else if (needsParent)
        {
            violations.Add(new(VodRuleCodes.Hierarchy, $"a {title.Kind} needs a parent ({(title.Kind == VodKind.Season ? "a series" : "a season or a series")})", "parent"));
        }

        Throw(violations);
        var id = Guid.CreateVersion7();
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.vod_title (id, code, kind, parent_id, title, synopsis, season_number, episode_number, release_year, duration_minutes,
                                       rating, rating_system, genres, languages, status)
            VALUES (@id, @Code, @Kind, @parentId, @Title, @Synopsis, @SeasonNumber, @EpisodeNumber, @ReleaseYear, @DurationMinutes,
                    @Rating, @RatingSystem, @genres, @languages, @Status)
            """,
            new
            {
                id, title.Code, title.Kind, parentId, title.Title, title.Synopsis, title.SeasonNumber, title.EpisodeNumber, title.ReleaseYear, title.DurationMinutes,
                title.Rating, title.RatingSystem, genres = (title.Genres ?? []).ToArray(), languages = (title.Languages ?? []).ToArray(), title.Status,
            }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return (await GetTitleAsync(id, ct).ConfigureAwait(false))!;
    }

    public async Task<VodTitle?> GetTitleAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QuerySingleOrDefaultAsync<TitleRow>(new CommandDefinition(
            $"SELECT {TitleColumns} FROM hub.vod_title t WHERE t.id = @id", new { id }, cancellationToken: ct)).ConfigureAwait(false))?.ToTitle();
    }

    public async Task<VodTitle?> GetTitleByCodeAsync(string code, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QuerySingleOrDefaultAsync<TitleRow>(new CommandDefinition(
            $"SELECT {TitleColumns} FROM hub.vod_title t WHERE t.code = @code", new { code }, cancellationToken: ct)).ConfigureAwait(false))?.ToTitle();
    }

    /// <summary>
    /// Titles (top level unless <paramref name="parentId"/> is given), optionally only those available in
    /// <paramref name="territory"/> at <paramref name="at"/> (published, with an effective window covering the instant).
    /// </summary>
    public async Task<IReadOnlyList<VodTitle>> ListTitlesAsync(string? kind = null, Guid? parentId = null, string? territory = null, DateTimeOffset? at = null, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = (await conn.QueryAsync<TitleRow>(new CommandDefinition(
            $"""
            SELECT {TitleColumns} FROM hub.vod_title t
            WHERE (@kind::text IS NULL OR t.kind = @kind)
              AND ((@parentId::uuid IS NULL AND (@kind::text IS NOT NULL OR t.parent_id IS NULL)) OR t.parent_id = @parentId)
            ORDER BY t.season_number NULLS FIRST, t.episode_number NULLS FIRST, t.title
            """, new { kind, parentId }, cancellationToken: ct)).ConfigureAwait(false)).Select(r => r.ToTitle()).ToList();
        if (territory is null)
        {
            return rows;
        }

        var instant = at ?? clock.GetUtcNow();
        var available = new List<VodTitle>();
        foreach (var t in rows.Where(t => t.Status == VodTitleStatus.Published))
        {
            if (Covering(await WindowsAsync(conn, null, t.Id, ct).ConfigureAwait(false), territory, instant) is not null)
            {
                available.Add(t);
            }
        }

        return available;
    }

    /// <summary>A title with its children, its effective rights windows and its offers.</summary>
    public async Task<VodTitleDetails?> GetDetailsAsync(Guid id, CancellationToken ct = default)
    {
        var title = await GetTitleAsync(id, ct).ConfigureAwait(false);
        if (title is null)
        {
            return null;
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var children = (await conn.QueryAsync<TitleRow>(new CommandDefinition(
            $"SELECT {TitleColumns} FROM hub.vod_title t WHERE t.parent_id = @id ORDER BY t.season_number, t.episode_number, t.title", new { id }, cancellationToken: ct)).ConfigureAwait(false))
            .Select(r => r.ToTitle()).ToList();
        var windows = await WindowsAsync(conn, null, id, ct).ConfigureAwait(false);
        var offers = await OffersAsync(conn, "WHERE o.title_id = @id ORDER BY o.model, o.price", new { id }, ct).ConfigureAwait(false);
        return new VodTitleDetails(title, children, windows, offers, windows.Count > 0 && windows[0].TitleId != id);
    }

    /// <summary>Adds a rights window to a title.</summary>
    public async Task<VodRightsWindow> AddRightsWindowAsync(Guid titleId, string territory, DateTimeOffset from, DateTimeOffset to, string? licensor = null, CancellationToken ct = default)
    {
        var violations = new List<DomainError>();
        territory = (territory ?? string.Empty).Trim().ToUpperInvariant();
        if (!TerritoryPattern().IsMatch(territory))
        {
            violations.Add(new(VodRuleCodes.Territory, $"territory must be an ISO 3166-1 alpha-2 code or WW, not '{territory}'", "territory"));
        }

        if (to <= from)
        {
            violations.Add(new(VodRuleCodes.Invalid, $"availableTo ({to:O}) must be after availableFrom ({from:O})", "availableTo"));
        }

        Throw(violations);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM hub.vod_title WHERE id = @titleId)", new { titleId }, cancellationToken: ct)).ConfigureAwait(false))
        {
            Throw([new(VodRuleCodes.NotFound, $"title {titleId} does not exist", "title")]);
        }

        var window = new VodRightsWindow(Guid.CreateVersion7(), titleId, territory, from, to, licensor);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.vod_rights_window (id, title_id, territory, available_from, available_to, licensor)
            VALUES (@Id, @TitleId, @Territory, @AvailableFrom, @AvailableTo, @Licensor)
            """, window, cancellationToken: ct)).ConfigureAwait(false);
        return window;
    }

    /// <summary>Adds an offer (rental: price and hours; purchase: price; included: a plan).</summary>
    public async Task<VodOffer> AddOfferAsync(Guid titleId, NewVodOffer offer, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(offer);
        var violations = new List<DomainError>();
        switch (offer.Model)
        {
            case VodModel.Rental:
                if (offer.Price is null)
                {
                    violations.Add(new(VodRuleCodes.Invalid, "a rental needs a price", "price"));
                }

                if (offer.RentalHours is not > 0)
                {
                    violations.Add(new(VodRuleCodes.Invalid, "a rental needs a positive rental window in hours", "rentalHours"));
                }

                break;
            case VodModel.Purchase:
                if (offer.Price is null)
                {
                    violations.Add(new(VodRuleCodes.Invalid, "a purchase needs a price", "price"));
                }

                break;
            case VodModel.Included:
                if (offer.PlanCode is null)
                {
                    violations.Add(new(VodRuleCodes.Invalid, "an included offer names the plan it is included in", "plan"));
                }

                break;
            default:
                violations.Add(new(VodRuleCodes.Invalid, $"model must be one of {string.Join(", ", VodModel.All)}, not '{offer.Model}'", "model"));
                break;
        }

        if (offer.Price is { Amount: < 0 })
        {
            violations.Add(new(VodRuleCodes.Invalid, "the price cannot be negative", "price"));
        }

        Throw(violations);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM hub.vod_title WHERE id = @titleId)", new { titleId }, cancellationToken: ct)).ConfigureAwait(false))
        {
            Throw([new(VodRuleCodes.NotFound, $"title {titleId} does not exist", "title")]);
        }

        Guid? planId = null;
        if (offer.Model == VodModel.Included)
        {
            planId = offer.PlanCode is null ? null : (await plans.FindPlanAsync(offer.PlanCode, ct).ConfigureAwait(false))?.Id;
            if (planId is null)
            {
                Throw([new(VodRuleCodes.NotFound, $"plan '{offer.PlanCode}' does not exist", "plan")]);
            }
        }

        var id = Guid.CreateVersion7();
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.vod_offer (id, title_id, model, price, currency, rental_hours, plan_id, valid_from, valid_to)
            VALUES (@id, @titleId, @Model, @price, @currency, @rentalHours, @planId, @ValidFrom, @ValidTo)
            """,
            new
            {
                id, titleId, offer.Model,
                price = offer.Model == VodModel.Included ? null : offer.Price?.Amount,
                currency = offer.Model == VodModel.Included ? null : offer.Price?.Currency,
                rentalHours = offer.Model == VodModel.Rental ? offer.RentalHours : null,
                planId, offer.ValidFrom, offer.ValidTo,
            }, cancellationToken: ct)).ConfigureAwait(false);
        return (await GetOfferAsync(id, ct).ConfigureAwait(false))!;
    }

    public async Task<VodOffer?> GetOfferAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await OffersAsync(conn, "WHERE o.id = @id", new { id }, ct).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <summary>All offers (for the TMF620 catalogue), by title.</summary>
    public async Task<IReadOnlyList<VodOffer>> ListOffersAsync(CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await OffersAsync(conn, "ORDER BY t.code, o.model", new { }, ct).ConfigureAwait(false);
    }

    async Task<int> IVodOfferings.CountAsync(IReadOnlyCollection<string>? statuses, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*)::int FROM hub.vod_offer WHERE (@statuses::text[] IS NULL OR status = ANY(@statuses))", new { statuses = statuses?.ToArray() }, cancellationToken: ct)).ConfigureAwait(false);
    }

    async Task<IReadOnlyList<VodOfferingSummary>> IVodOfferings.PageAsync(IReadOnlyCollection<string>? statuses, int offset, int limit, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await OffersAsync(conn, "WHERE (@statuses::text[] IS NULL OR o.status = ANY(@statuses)) ORDER BY t.code, o.model OFFSET @offset LIMIT @limit",
            new { statuses = statuses?.ToArray(), offset, limit = (long)limit }, ct).ConfigureAwait(false)).Select(Summary).ToList();
    }

    /// <summary>By id, or by the offering code <c>{titleCode}-{model}</c> (a title code may itself hold dashes: the model is the last part).</summary>
    async Task<VodOfferingSummary?> IVodOfferings.FindAsync(string idOrCode, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        if (Guid.TryParse(idOrCode, out var id))
        {
            return (await OffersAsync(conn, "WHERE o.id = @id", new { id }, ct).ConfigureAwait(false)).Select(Summary).SingleOrDefault();
        }

        var dash = idOrCode.LastIndexOf('-');
        if (dash <= 0 || !VodModel.All.Contains(idOrCode[(dash + 1)..]))
        {
            return null;
        }

        // One title may have several offers of a model over time: the active one, else the latest.
        return (await OffersAsync(conn, "WHERE t.code = @titleCode AND o.model = @model ORDER BY (o.status = 'active') DESC, o.created_at DESC LIMIT 1",
            new { titleCode = idOrCode[..dash], model = idOrCode[(dash + 1)..] }, ct).ConfigureAwait(false)).Select(Summary).SingleOrDefault();
    }

    private static VodOfferingSummary Summary(VodOffer o) =>
        new(o.Id, o.TitleId, o.TitleCode, o.TitleName, o.Model, o.Price, o.RentalHours, o.PlanId, o.Status, o.ValidFrom, o.ValidTo);

    /// <summary>The rights window that makes the title available in <paramref name="territory"/> at <paramref name="at"/>, or null.</summary>
    public async Task<VodRightsWindow?> AvailabilityAsync(Guid titleId, string territory, DateTimeOffset? at = null, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return Covering(await WindowsAsync(conn, null, titleId, ct).ConfigureAwait(false), territory, at ?? clock.GetUtcNow());
    }

    internal static async Task<IReadOnlyList<VodRightsWindow>> WindowsAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid titleId, CancellationToken ct) =>
        (await conn.QueryAsync<VodRightsWindow>(new CommandDefinition(EffectiveWindows, new { titleId }, tx, cancellationToken: ct)).ConfigureAwait(false)).ToList();

    internal static VodRightsWindow? Covering(IReadOnlyList<VodRightsWindow> windows, string territory, DateTimeOffset at) =>
        windows.FirstOrDefault(w => (string.Equals(w.Territory, territory, StringComparison.OrdinalIgnoreCase) || w.Territory == "WW")
                                    && w.AvailableFrom <= at && at < w.AvailableTo);

    internal static async Task<IReadOnlyList<VodOffer>> OffersAsync(NpgsqlConnection conn, string where, object args, CancellationToken ct, NpgsqlTransaction? tx = null) =>
        (await conn.QueryAsync<OfferRow>(new CommandDefinition(OfferSelect + " " + where, args, tx, cancellationToken: ct)).ConfigureAwait(false)).Select(r => r.ToOffer()).ToList();

    internal static void Throw(IReadOnlyList<DomainError> violations)
    {
        if (violations.Count > 0)
        {
            throw new VodRuleException(violations.ToList());
        }
    }

    [GeneratedRegex("^[A-Z]{2}$")]
    private static partial Regex TerritoryPattern();

    internal sealed class TitleRow
    {
        public Guid Id { get; set; }
        public string Code { get; set; } = "";
        public string Kind { get; set; } = "";
        public Guid? ParentId { get; set; }
        public string Title { get; set; } = "";
        public string Synopsis { get; set; } = "";
        public int? SeasonNumber { get; set; }
        public int? EpisodeNumber { get; set; }
        public int? ReleaseYear { get; set; }
        public int? DurationMinutes { get; set; }
        public string? Rating { get; set; }
        public string? RatingSystem { get; set; }
        public string[] Genres { get; set; } = [];
        public string[] Languages { get; set; } = [];
        public string Status { get; set; } = "";

        public VodTitle ToTitle() => new(Id, Code, Kind, ParentId, Title, Synopsis, SeasonNumber, EpisodeNumber, ReleaseYear, DurationMinutes, Rating, RatingSystem,
            Genres, Languages, Status);
    }

    internal sealed record OfferRow(Guid Id, Guid TitleId, string TitleCode, string TitleName, string Model, decimal? Price, string? Currency, int? RentalHours,
        Guid? PlanId, string Status, DateTimeOffset? ValidFrom, DateTimeOffset? ValidTo)
    {
        public VodOffer ToOffer() => new(Id, TitleId, TitleCode, TitleName, Model, Price is { } p && Currency is not null ? new Money(p, Currency.Trim()) : null,
            RentalHours, PlanId, Status, ValidFrom, ValidTo);
    }
}
