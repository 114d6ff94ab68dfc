using CableHub.Catalog.Contracts;
using CableHub.Core.Persistence;
using Dapper;
using Npgsql;

namespace CableHub.Catalog;

public static class PricedItemKind
{
    public const string Channel = "channel";
    public const string Bouquet = "bouquet";
}

/// <summary>A new price for a channel (à la carte) or a bouquet from <paramref name="EffectiveFrom"/>.</summary>
public sealed record PriceChangeRequest(string ItemKind, Guid ItemId, Money NewPrice, DateTimeOffset EffectiveFrom, string? Reason = null);

/// <summary>
/// One entry of an item's price timeline (hub.catalog_price; TMF620 productOfferingPrice): the price from
/// <see cref="EffectiveFrom"/> until <see cref="EffectiveTo"/> (the next entry's start; null while open).
/// </summary>
public sealed record ScheduledPrice(
    Guid Id,
    string ItemKind,
    Guid ItemId,
    string ItemCode,
    Money Price,
    DateTimeOffset EffectiveFrom,
    DateTimeOffset? EffectiveTo,
    DateTimeOffset AnnouncedAt,
    string Status,
    string? Reason);

public static class ScheduledPriceStatus
{
    public const string Scheduled = "scheduled";
    public const string InForce = "in_force";
    public const string Cancelled = "cancelled";
}

/// <summary>What an announcement scheduled: the prices, the notices and the events to publish with them.</summary>
public sealed record PriceChangeAnnouncement(IReadOnlyList<ScheduledPrice> Prices, IReadOnlyList<PriceChangeNotice> Notices, IReadOnlyList<object> Events);

/// <summary>
/// Effective-dated prices of channels and bouquets. Announcing a change checks the profile's notice period and the
/// bouquet rules at the effective instant (and at every scheduled change after it), records the price, a notice per
/// changed item with the number of subscribers affected, and returns the events for the outbox — all in the caller's
/// transaction, so the events leave if and only if the prices were stored.
/// </summary>
public sealed class CatalogPricing(NpgsqlDataSource dataSource, LineupStore lineup, PriceChangeNoticeStore notices, TimeProvider clock)
{
    private const string PriceColumns =
        """
        cp.id, CASE WHEN cp.channel_id IS NOT NULL THEN 'channel' ELSE 'bouquet' END AS item_kind, COALESCE(cp.channel_id, cp.package_id) AS item_id,
        COALESCE(c.code, p.code) AS item_code, cp.amount, cp.currency, cp.effective_from,
        (SELECT min(n.effective_from) FROM hub.catalog_price n
         WHERE n.status <> 'cancelled' AND n.effective_from > cp.effective_from
           AND (n.channel_id = cp.channel_id OR n.package_id = cp.package_id)) AS effective_to,
        cp.announced_at, cp.status, cp.reason
        """;

    private const string PriceFrom =
        """
        FROM hub.catalog_price cp
        LEFT JOIN hub.channel c ON c.id = cp.channel_id
        LEFT JOIN hub.package p ON p.id = cp.package_id
        """;

    public RegulatoryProfile Profile => lineup.Profile;

    /// <summary>Announces price changes in a transaction of its own; see <see cref="AnnounceAsync(IReadOnlyList{PriceChangeRequest}, NpgsqlConnection, NpgsqlTransaction, string?, CancellationToken)"/>.</summary>
    public async Task<PriceChangeAnnouncement> AnnounceAsync(IReadOnlyList<PriceChangeRequest> changes, string? announcedBy = null, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var result = await AnnounceAsync(changes, conn, tx, announcedBy, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Schedules <paramref name="changes"/> together (e.g. a channel increase with the bouquet increase that keeps the
    /// bouquet above its floor). Throws <see cref="CatalogRuleException"/> naming each broken rule; the caller's
    /// transaction must then be rolled back (disposing it uncommitted does that).
    /// </summary>
    public async Task<PriceChangeAnnouncement> AnnounceAsync(
        IReadOnlyList<PriceChangeRequest> changes, NpgsqlConnection conn, NpgsqlTransaction tx, string? announcedBy = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(conn);
        if (changes.Count == 0)
        {
            throw new CatalogRuleException(new CatalogRuleViolation("CAT-INVALID", "no price change given", "$"));
        }

        var now = clock.GetUtcNow();
        var profile = Profile;
        await conn.ExecuteAsync(new CommandDefinition(CatalogSql.LockCatalog, transaction: tx, cancellationToken: ct)).ConfigureAwait(false);

        var violations = new List<CatalogRuleViolation>();
        var inserted = new List<(Guid PriceId, PriceChangeRequest Request, string Code, string Name, Money? Before)>();
        foreach (var change in changes.OrderBy(c => c.EffectiveFrom))
        {
            if (change.ItemKind is not (PricedItemKind.Channel or PricedItemKind.Bouquet))
            {
                violations.Add(new("CAT-INVALID", $"item kind must be channel or bouquet, not '{change.ItemKind}'", "productOffering"));
                continue;
            }

            var (code, name, before) = await ItemAtAsync(conn, tx, change.ItemKind, change.ItemId, change.EffectiveFrom, ct).ConfigureAwait(false);
            if (code is null)
            {
                violations.Add(new(CatalogRuleCodes.NotFound, $"{change.ItemKind} {change.ItemId} does not exist", "productOffering.id"));
                continue;
            }

            var label = $"{change.ItemKind} {code}";
            var found = CatalogRules.CheckPriceChange(label, before, change.NewPrice, change.EffectiveFrom, now, profile);
            var clash = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                """
                SELECT EXISTS (SELECT 1 FROM hub.catalog_price WHERE status <> 'cancelled' AND effective_from = @EffectiveFrom
                               AND (channel_id = @ItemId OR package_id = @ItemId))
                """, new { change.EffectiveFrom, change.ItemId }, tx, cancellationToken: ct)).ConfigureAwait(false);
            if (clash)
            {
                found = [.. found, new("CAT-PRICE-CONFLICT", $"{label} already has a price change taking effect at {change.EffectiveFrom:O}; cancel it first", "validFor.startDateTime")];
            }

            if (found.Count > 0)
            {
                violations.AddRange(found);
                continue;
            }

            var priceId = Guid.CreateVersion7();
            var immediate = change.EffectiveFrom <= now;
            await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO hub.catalog_price (id, channel_id, package_id, amount, currency, effective_from, announced_at, status, applied_at, reason, created_by)
                VALUES (@priceId, @channelId, @packageId, @amount, @currency, @effectiveFrom, @now, @status, @appliedAt, @reason, @announcedBy)
                """,
                new
                {
                    priceId,
                    channelId = change.ItemKind == PricedItemKind.Channel ? change.ItemId : (Guid?)null,
                    packageId = change.ItemKind == PricedItemKind.Bouquet ? change.ItemId : (Guid?)null,
                    amount = change.NewPrice.Amount,
                    currency = change.NewPrice.Currency,
                    effectiveFrom = immediate ? now : change.EffectiveFrom,
                    now,
                    status = immediate ? ScheduledPriceStatus.InForce : ScheduledPriceStatus.Scheduled,
                    appliedAt = immediate ? now : (DateTimeOffset?)null,
                    reason = change.Reason,
                    announcedBy,
                }, tx, cancellationToken: ct)).ConfigureAwait(false);
            if (immediate)
            {
                await SetCurrentPriceAsync(conn, tx, change.ItemKind, change.ItemId, change.NewPrice, ct).ConfigureAwait(false);
            }

            inserted.Add((priceId, change, code, name!, before));
        }

        LineupStore.ThrowIfAny(violations);

        var channelIds = inserted.Where(i => i.Request.ItemKind == PricedItemKind.Channel).Select(i => i.Request.ItemId).Distinct().ToList();
        var bouquetIds = inserted.Where(i => i.Request.ItemKind == PricedItemKind.Bouquet).Select(i => i.Request.ItemId).ToHashSet();
        foreach (var b in await CatalogFacts.BouquetsHoldingAsync(conn, tx, channelIds, now, ct).ConfigureAwait(false))
        {
            bouquetIds.Add(b.Id);
        }

        var members = (await conn.QueryAsync<Guid>(new CommandDefinition(
            "SELECT DISTINCT channel_id FROM hub.package_channel WHERE package_id = ANY(@ids)", new { ids = bouquetIds.ToArray() }, tx, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        LineupStore.ThrowIfAny(await lineup.CheckOverTimeAsync(conn, tx, bouquetIds.ToList(), members, now, ct).ConfigureAwait(false));

        var created = new List<PriceChangeNotice>();
        var events = new List<object>();
        foreach (var (priceId, change, code, name, before) in inserted)
        {
            var affected = await notices.CountAffectedAsync(new DbSession(conn, tx), change.ItemKind, change.ItemId, ct).ConfigureAwait(false);
            var effective = change.EffectiveFrom <= now ? now : change.EffectiveFrom;
            var notice = new PriceChangeNotice(Guid.CreateVersion7(), priceId, change.ItemKind, change.ItemId, code, name, before, change.NewPrice,
                effective, now, (int)Math.Floor((effective - now).TotalDays), profile.Code, affected, PriceChangeNoticeStatus.Pending, null);
            await PriceChangeNoticeStore.InsertAsync(conn, tx, notice, ct).ConfigureAwait(false);
            created.Add(notice);
            events.Add(change.ItemKind == PricedItemKind.Channel
                ? new ChannelPriceChangeAnnounced(notice.Id, change.ItemId, code, name, before, change.NewPrice, effective, now, affected, profile.Code)
                : new BouquetPriceChangeAnnounced(notice.Id, change.ItemId, code, name, before, change.NewPrice, effective, now, affected, profile.Code));
        }

        var prices = new List<ScheduledPrice>();
        foreach (var (priceId, _, _, _, _) in inserted)
        {
            prices.Add((await GetPriceAsync(conn, tx, priceId, ct).ConfigureAwait(false))!);
        }

        return new PriceChangeAnnouncement(prices, created, events);
    }

    /// <summary>
    /// Cancels a scheduled (not yet in force) price and its notice; the bouquet rules are checked without it
    /// (cancelling a bouquet increase may leave a channel increase breaking the floor). Returns false when there was
    /// nothing scheduled to cancel.
    /// </summary>
    public async Task<bool> CancelAsync(Guid priceId, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(CatalogSql.LockCatalog, transaction: tx, cancellationToken: ct)).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<(Guid? ChannelId, Guid? PackageId)?>(new CommandDefinition(
            """
            UPDATE hub.catalog_price SET status = 'cancelled' WHERE id = @priceId AND status = 'scheduled' AND effective_from > @now
            RETURNING channel_id, package_id
            """, new { priceId, now }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (row is not { } r)
        {
            return false;
        }

        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE hub.price_change_notice SET status = 'cancelled' WHERE catalog_price_id = @priceId", new { priceId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var bouquetIds = new HashSet<Guid>();
        if (r.PackageId is { } pid)
        {
            bouquetIds.Add(pid);
        }

        if (r.ChannelId is { } cid)
        {
            foreach (var b in await CatalogFacts.BouquetsHoldingAsync(conn, tx, [cid], now, ct).ConfigureAwait(false))
            {
                bouquetIds.Add(b.Id);
            }
        }

        var members = (await conn.QueryAsync<Guid>(new CommandDefinition(
            "SELECT DISTINCT channel_id FROM hub.package_channel WHERE package_id = ANY(@ids)", new { ids = bouquetIds.ToArray() }, tx, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        LineupStore.ThrowIfAny(await lineup.CheckOverTimeAsync(conn, tx, bouquetIds.ToList(), members, now, ct).ConfigureAwait(false));
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Puts prices whose instant has come into force: the current price columns (hub.channel.a_la_carte_price,
    /// hub.package.price) take the latest due price of each item. Returns how many scheduled prices were applied.
    /// Run periodically (the host's price scheduler does, every minute) and safe to run concurrently.
    /// </summary>
    public async Task<int> ApplyDueAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(CatalogSql.LockCatalog, transaction: tx, cancellationToken: ct)).ConfigureAwait(false);
        var applied = await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            """
            WITH due AS (
                SELECT DISTINCT ON (COALESCE(channel_id, package_id)) channel_id, package_id, amount, currency
                FROM hub.catalog_price
                WHERE status = 'scheduled' AND effective_from <= @now
                ORDER BY COALESCE(channel_id, package_id), effective_from DESC),
            channels AS (
                UPDATE hub.channel c SET a_la_carte_price = d.amount, currency = d.currency, updated_at = now()
                FROM due d WHERE d.channel_id = c.id RETURNING c.id),
            packages AS (
                UPDATE hub.package p SET price = d.amount, currency = d.currency, updated_at = now()
                FROM due d WHERE d.package_id = p.id RETURNING p.id),
            marked AS (
                UPDATE hub.catalog_price SET status = 'in_force', applied_at = @now
                WHERE status = 'scheduled' AND effective_from <= @now RETURNING id)
            SELECT count(*)::int FROM marked
            """, new { now }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return applied;
    }

    public async Task<ScheduledPrice?> GetPriceAsync(Guid priceId, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await GetPriceAsync(conn, null, priceId, ct).ConfigureAwait(false);
    }

    /// <summary>The price timeline (oldest first); of one item when <paramref name="itemId"/> is given.</summary>
    public async Task<IReadOnlyList<ScheduledPrice>> ListPricesAsync(Guid? itemId = null, bool includeCancelled = false, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<PriceRow>(new CommandDefinition(
            $"""
            SELECT {PriceColumns} {PriceFrom}
            WHERE (@itemId::uuid IS NULL OR cp.channel_id = @itemId OR cp.package_id = @itemId) AND (@includeCancelled OR cp.status <> 'cancelled')
            ORDER BY COALESCE(c.code, p.code), cp.effective_from
            """, new { itemId, includeCancelled }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToPrice()).ToList();
    }

    private static async Task<ScheduledPrice?> GetPriceAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid priceId, CancellationToken ct)
    {
        var row = await conn.QuerySingleOrDefaultAsync<PriceRow>(new CommandDefinition(
            $"SELECT {PriceColumns} {PriceFrom} WHERE cp.id = @priceId", new { priceId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return row?.ToPrice();
    }

    /// <summary>Records the first price of a new channel or bouquet, in force at once (no notice: nobody had it before).</summary>
    internal static Task InsertInitialPriceAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid? channelId, Guid? packageId, Money price, DateTimeOffset now, string? createdBy, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.catalog_price (id, channel_id, package_id, amount, currency, effective_from, announced_at, status, applied_at, reason, created_by)
            VALUES (@id, @channelId, @packageId, @amount, @currency, @now, @now, 'in_force', @now, 'initial price', @createdBy)
            """, new { id = Guid.CreateVersion7(), channelId, packageId, amount = price.Amount, currency = price.Currency, now, createdBy }, tx, cancellationToken: ct));

    private static Task SetCurrentPriceAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string kind, Guid id, Money price, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(
            kind == PricedItemKind.Channel
                ? "UPDATE hub.channel SET a_la_carte_price = @amount, currency = @currency, updated_at = now() WHERE id = @id"
                : "UPDATE hub.package SET price = @amount, currency = @currency, updated_at = now() WHERE id = @id",
            new { id, amount = price.Amount, currency = price.Currency }, tx, cancellationToken: ct));

    /// <summary>The item's code, name and price in force at <paramref name="at"/> (null code when it does not exist).</summary>
    private static async Task<(string? Code, string? Name, Money? Price)> ItemAtAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string kind, Guid id, DateTimeOffset at, CancellationToken ct)
    {
        if (kind == PricedItemKind.Channel)
        {
            var c = (await CatalogFacts.ChannelsAsync(conn, tx, [id], at.AddMicroseconds(-1), ct).ConfigureAwait(false)).GetValueOrDefault(id);
            return (c?.Code, c?.Name, c?.AlaCartePrice);
        }

        var b = (await CatalogFacts.BouquetsAsync(conn, tx, "WHERE p.id = @id", new { id, at = at.AddMicroseconds(-1) }, ct).ConfigureAwait(false)).SingleOrDefault();
        return (b?.Code, b?.Name, b?.Price);
    }

    private sealed record PriceRow(Guid Id, string ItemKind, Guid ItemId, string ItemCode, decimal Amount, string Currency, DateTimeOffset EffectiveFrom,
        DateTimeOffset? EffectiveTo, DateTimeOffset AnnouncedAt, string Status, string? Reason)
    {
        public ScheduledPrice ToPrice() => new(Id, ItemKind, ItemId, ItemCode, new Money(Amount, Currency.Trim()), EffectiveFrom,
            Status == ScheduledPriceStatus.Cancelled ? null : EffectiveTo, AnnouncedAt, Status, Reason);
    }
}
