using CableHub.Subscriptions.Contracts;
using Dapper;
using Npgsql;

namespace CableHub.Catalog;

/// <summary>Filter of <see cref="LineupStore.ListChannelsAsync"/>; null members do not filter.</summary>
public sealed record ChannelFilter(string? Genre = null, string? Language = null, string? Definition = null, string? BroadcasterCode = null, string? Status = null);

/// <summary>
/// Channels and bouquets: reads (prices as in force at an instant) and rule-checked writes. Every write runs in one
/// transaction under a catalog-wide advisory lock, checks the <see cref="RegulatoryProfile"/>'s rules now and at every
/// scheduled price change ahead, and throws <see cref="CatalogRuleException"/> (nothing written) when one fails.
/// </summary>
public sealed class LineupStore(NpgsqlDataSource dataSource, CatalogOptions options, ISubscriptions subscriptions, TimeProvider clock)
{
    private const int MaxInstantsChecked = 100;

    public RegulatoryProfile Profile => options.Profile;

    public async Task<Channel?> GetChannelAsync(Guid id, DateTimeOffset? at = null, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<ChannelRow>(new CommandDefinition(
            CatalogSql.ChannelSelect + " WHERE c.id = @id", new { id, at = at ?? clock.GetUtcNow() }, cancellationToken: ct)).ConfigureAwait(false);
        return row?.ToChannel();
    }

    public async Task<Channel?> GetChannelByCodeAsync(string code, DateTimeOffset? at = null, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<ChannelRow>(new CommandDefinition(
            CatalogSql.ChannelSelect + " WHERE c.code = @code", new { code, at = at ?? clock.GetUtcNow() }, cancellationToken: ct)).ConfigureAwait(false);
        return row?.ToChannel();
    }

    /// <summary>The line-up in logical channel number order.</summary>
    public async Task<IReadOnlyList<Channel>> ListChannelsAsync(ChannelFilter? filter = null, DateTimeOffset? at = null, CancellationToken ct = default)
    {
        filter ??= new ChannelFilter();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<ChannelRow>(new CommandDefinition(
            CatalogSql.ChannelSelect +
            """
             WHERE (@genre::text IS NULL OR c.genre = @genre) AND (@language::text IS NULL OR c.language = @language)
               AND (@definition::text IS NULL OR c.definition = @definition) AND (@broadcaster::text IS NULL OR b.code = @broadcaster)
               AND (@status::text IS NULL OR c.status = @status)
             ORDER BY c.lcn
            """,
            new { filter.Genre, filter.Language, filter.Definition, broadcaster = filter.BroadcasterCode, filter.Status, at = at ?? clock.GetUtcNow() },
            cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToChannel()).ToList();
    }

    public async Task<Bouquet?> GetBouquetAsync(Guid id, DateTimeOffset? at = null, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await CatalogFacts.BouquetsAsync(conn, null, "WHERE p.id = @id", new { id, at = at ?? clock.GetUtcNow() }, ct).ConfigureAwait(false)).SingleOrDefault();
    }

    public async Task<Bouquet?> GetBouquetByCodeAsync(string code, DateTimeOffset? at = null, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await CatalogFacts.BouquetsAsync(conn, null, "WHERE p.code = @code", new { code, at = at ?? clock.GetUtcNow() }, ct).ConfigureAwait(false)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<Bouquet>> ListBouquetsAsync(string? kind = null, string? status = null, DateTimeOffset? at = null, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await CatalogFacts.BouquetsAsync(conn, null,
            "WHERE (@kind::text IS NULL OR p.kind = @kind) AND (@status::text IS NULL OR p.status = @status) ORDER BY p.kind, p.code",
            new { kind, status, at = at ?? clock.GetUtcNow() }, ct).ConfigureAwait(false);
    }

    /// <summary>How many channels have one of the statuses (null: any).</summary>
    public async Task<int> CountChannelsAsync(IReadOnlyCollection<string>? statuses, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*)::int FROM hub.channel WHERE (@statuses::text[] IS NULL OR status = ANY(@statuses))",
            new { statuses = statuses?.ToArray() }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>A page of the line-up (logical channel number order), prices in force now.</summary>
    public async Task<IReadOnlyList<Channel>> PageChannelsAsync(IReadOnlyCollection<string>? statuses, int offset, int limit, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<ChannelRow>(new CommandDefinition(
            CatalogSql.ChannelSelect + " WHERE (@statuses::text[] IS NULL OR c.status = ANY(@statuses)) ORDER BY c.lcn OFFSET @offset LIMIT @limit",
            new { statuses = statuses?.ToArray(), offset, limit = (long)limit, at = clock.GetUtcNow() }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToChannel()).ToList();
    }

    /// <summary>How many bouquets have one of the statuses (null: any).</summary>
    public async Task<int> CountBouquetsAsync(IReadOnlyCollection<string>? statuses, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*)::int FROM hub.package WHERE (@statuses::text[] IS NULL OR status = ANY(@statuses))",
            new { statuses = statuses?.ToArray() }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>A page of bouquets (by kind, then code), prices in force now.</summary>
    public async Task<IReadOnlyList<Bouquet>> PageBouquetsAsync(IReadOnlyCollection<string>? statuses, int offset, int limit, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await CatalogFacts.BouquetsAsync(conn, null,
            "WHERE (@statuses::text[] IS NULL OR p.status = ANY(@statuses)) ORDER BY p.kind, p.code OFFSET @offset LIMIT @limit",
            new { statuses = statuses?.ToArray(), offset, limit = (long)limit, at = clock.GetUtcNow() }, ct).ConfigureAwait(false);
    }

    /// <summary>Adds a channel; its price (if any) is its initial à-la-carte price, in force at once.</summary>
    public async Task<Channel> CreateChannelAsync(NewChannel channel, string? createdBy = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var now = clock.GetUtcNow();
        var violations = new List<CatalogRuleViolation>();
        RequireText(violations, channel.Code, "code");
        RequireText(violations, channel.Name, "name");
        RequireText(violations, channel.Genre, "genre");
        RequireText(violations, channel.Language, "language");
        RequireText(violations, channel.CasProductId, "casProductId");
        if (!ChannelDefinition.All.Contains(channel.Definition))
        {
            violations.Add(new("CAT-INVALID", $"definition must be one of {string.Join(", ", ChannelDefinition.All)}, not '{channel.Definition}'", "definition"));
        }

        if (channel.Lcn <= 0)
        {
            violations.Add(new("CAT-INVALID", $"the logical channel number must be positive, not {channel.Lcn}", "lcn"));
        }

        CheckValidity(violations, channel.ValidFrom, channel.ValidTo);
        ThrowIfAny(violations);

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(CatalogSql.LockCatalog, transaction: tx, cancellationToken: ct)).ConfigureAwait(false);

        var broadcasterId = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "SELECT id FROM hub.broadcaster WHERE code = @code", new { code = channel.BroadcasterCode }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (broadcasterId is null)
        {
            violations.Add(new(CatalogRuleCodes.NotFound, $"broadcaster '{channel.BroadcasterCode}' does not exist", "broadcaster"));
        }

        var taken = await conn.QuerySingleAsync<(bool Code, bool Lcn, bool Cas)>(new CommandDefinition(
            """
            SELECT EXISTS (SELECT 1 FROM hub.channel WHERE code = @Code), EXISTS (SELECT 1 FROM hub.channel WHERE lcn = @Lcn),
                   EXISTS (SELECT 1 FROM hub.channel WHERE cas_product_id = @CasProductId)
            """, new { channel.Code, channel.Lcn, channel.CasProductId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (taken.Code)
        {
            violations.Add(new(CatalogRuleCodes.CodeTaken, $"a channel with code '{channel.Code}' already exists", "code"));
        }

        if (taken.Lcn)
        {
            violations.Add(new(CatalogRuleCodes.LcnTaken, $"logical channel number {channel.Lcn} is already used", "lcn"));
        }

        if (taken.Cas)
        {
            violations.Add(new(CatalogRuleCodes.CodeTaken, $"CAS product id '{channel.CasProductId}' is already used by another channel", "casProductId"));
        }

        Channel? sd = null;
        if (channel.HdOfChannelCode is { } sdCode)
        {
            var found = await CatalogFacts.ChannelsByCodeAsync(conn, tx, [sdCode], now, ct).ConfigureAwait(false);
            sd = found.GetValueOrDefault(sdCode);
        }

        var id = Guid.CreateVersion7();
        var facts = new ChannelFacts(id, channel.Code, channel.Name, broadcasterId ?? Guid.Empty, channel.Definition,
            channel.HdOfChannelCode is null ? null : sd?.Id ?? Guid.Empty, channel.AlaCartePrice, channel.FreeToAir, ChannelStatus.Active);
        violations.AddRange(CatalogRules.CheckChannel(facts, sd is null ? null : ChannelFacts.From(sd), Profile));
        ThrowIfAny(violations);

        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.channel (id, code, name, broadcaster_id, genre, language, definition, lcn, cas_product_id, a_la_carte_price, currency,
                                     free_to_air, hd_of_channel_id, valid_from, valid_to)
            VALUES (@id, @Code, @Name, @broadcasterId, @Genre, @Language, @Definition, @Lcn, @CasProductId, @price, @currency,
                    @FreeToAir, @hdOf, @ValidFrom, @ValidTo)
            """,
            new
            {
                id, channel.Code, channel.Name, broadcasterId, channel.Genre, channel.Language, channel.Definition, channel.Lcn, channel.CasProductId,
                price = channel.AlaCartePrice?.Amount, currency = channel.AlaCartePrice?.Currency ?? Profile.Currency, channel.FreeToAir, hdOf = sd?.Id,
                channel.ValidFrom, channel.ValidTo,
            }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (channel.AlaCartePrice is { } p)
        {
            await CatalogPricing.InsertInitialPriceAsync(conn, tx, id, null, p, now, createdBy, ct).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
        return (await GetChannelAsync(id, now, ct).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Changes a channel's descriptive data, status, HD pairing or validity. Bouquets holding it are checked again
    /// (a new pairing can put SD and HD of one channel together; a retired channel may not stay in a bouquet).
    /// </summary>
    public async Task<Channel> UpdateChannelAsync(Guid id, ChannelChange change, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        var now = clock.GetUtcNow();
        var violations = new List<CatalogRuleViolation>();
        if (change.Status is { } s && s is not (ChannelStatus.Active or ChannelStatus.Retired))
        {
            violations.Add(new("CAT-INVALID", $"status must be active or retired, not '{s}'", "status"));
        }

        ThrowIfAny(violations);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(CatalogSql.LockCatalog, transaction: tx, cancellationToken: ct)).ConfigureAwait(false);
        var current = (await CatalogFacts.ChannelsAsync(conn, tx, [id], now, ct).ConfigureAwait(false)).GetValueOrDefault(id)
            ?? throw new CatalogRuleException(new CatalogRuleViolation(CatalogRuleCodes.NotFound, $"channel {id} does not exist"));

        var hdOf = current.HdOfChannelId;
        Channel? sd = null;
        if (change.HdOfChannelCode is { } sdCode)
        {
            if (sdCode.Length == 0)
            {
                hdOf = null;
            }
            else
            {
                sd = (await CatalogFacts.ChannelsByCodeAsync(conn, tx, [sdCode], now, ct).ConfigureAwait(false)).GetValueOrDefault(sdCode);
                hdOf = sd?.Id ?? Guid.Empty;
            }
        }
        else if (hdOf is { } existing)
        {
            sd = (await CatalogFacts.ChannelsAsync(conn, tx, [existing], now, ct).ConfigureAwait(false)).GetValueOrDefault(existing);
        }

        var updated = current with
        {
            Name = change.Name ?? current.Name,
            Genre = change.Genre ?? current.Genre,
            Language = change.Language ?? current.Language,
            Status = change.Status ?? current.Status,
            HdOfChannelId = hdOf,
            ValidFrom = change.ValidFrom ?? current.ValidFrom,
            ValidTo = change.ValidTo ?? current.ValidTo,
        };
        CheckValidity(violations, updated.ValidFrom, updated.ValidTo);
        violations.AddRange(CatalogRules.CheckChannel(ChannelFacts.From(updated), sd is null ? null : ChannelFacts.From(sd), Profile));
        ThrowIfAny(violations);

        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.channel SET name = @Name, genre = @Genre, language = @Language, status = @Status, hd_of_channel_id = @HdOfChannelId,
                   valid_from = @ValidFrom, valid_to = @ValidTo, updated_at = now()
            WHERE id = @Id
            """, new { updated.Name, updated.Genre, updated.Language, updated.Status, updated.HdOfChannelId, updated.ValidFrom, updated.ValidTo, updated.Id },
            tx, cancellationToken: ct)).ConfigureAwait(false);

        var holding = await CatalogFacts.BouquetsHoldingAsync(conn, tx, [id], now, ct).ConfigureAwait(false);
        ThrowIfAny(await CheckOverTimeAsync(conn, tx, holding.Select(b => b.Id).ToList(), holding.SelectMany(b => b.ChannelIds).Distinct().ToList(), now, ct).ConfigureAwait(false));
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return (await GetChannelAsync(id, now, ct).ConfigureAwait(false))!;
    }

    /// <summary>Creates a bouquet (its price in force at once) after checking the profile's rules now and at every scheduled price change of its channels.</summary>
    public async Task<Bouquet> CreateBouquetAsync(NewBouquet bouquet, string? createdBy = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(bouquet);
        var now = clock.GetUtcNow();
        var violations = new List<CatalogRuleViolation>();
        RequireText(violations, bouquet.Code, "code");
        RequireText(violations, bouquet.Name, "name");
        if (!BouquetKind.All.Contains(bouquet.Kind))
        {
            violations.Add(new("CAT-INVALID", $"kind must be one of {string.Join(", ", BouquetKind.All)}, not '{bouquet.Kind}'", "kind"));
        }

        if (!BouquetStatus.All.Contains(bouquet.Status))
        {
            violations.Add(new("CAT-INVALID", $"status must be one of {string.Join(", ", BouquetStatus.All)}, not '{bouquet.Status}'", "status"));
        }

        if (!BillingPeriod.All.Contains(bouquet.BillingPeriod))
        {
            violations.Add(new("CAT-INVALID", $"billing period must be one of {string.Join(", ", BillingPeriod.All)}, not '{bouquet.BillingPeriod}'", "billingPeriod"));
        }

        CheckValidity(violations, bouquet.ValidFrom, bouquet.ValidTo);
        ThrowIfAny(violations);

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(CatalogSql.LockCatalog, transaction: tx, cancellationToken: ct)).ConfigureAwait(false);
        if (await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM hub.package WHERE code = @Code)", new { bouquet.Code }, tx, cancellationToken: ct)).ConfigureAwait(false))
        {
            violations.Add(new(CatalogRuleCodes.CodeTaken, $"a bouquet with code '{bouquet.Code}' already exists", "code"));
        }

        Guid? broadcasterId = null;
        if (bouquet.BroadcasterCode is { } bc)
        {
            broadcasterId = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
                "SELECT id FROM hub.broadcaster WHERE code = @bc", new { bc }, tx, cancellationToken: ct)).ConfigureAwait(false);
            if (broadcasterId is null)
            {
                violations.Add(new(CatalogRuleCodes.NotFound, $"broadcaster '{bc}' does not exist", "broadcaster"));
            }
        }

        var channelIds = await ResolveChannelsAsync(conn, tx, bouquet.ChannelCodes, now, violations, ct).ConfigureAwait(false);
        ThrowIfAny(violations);

        var id = Guid.CreateVersion7();
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.package (id, code, name, kind, broadcaster_id, description, price, currency, billing_period, status, valid_from, valid_to)
            VALUES (@id, @Code, @Name, @Kind, @broadcasterId, @Description, @price, @currency, @BillingPeriod, @Status, @ValidFrom, @ValidTo);
            INSERT INTO hub.package_channel (package_id, channel_id) SELECT @id, unnest(@channelIds);
            """,
            new
            {
                id, bouquet.Code, bouquet.Name, bouquet.Kind, broadcasterId, bouquet.Description, price = bouquet.Price?.Amount, currency = bouquet.Price?.Currency,
                bouquet.BillingPeriod, bouquet.Status, bouquet.ValidFrom, bouquet.ValidTo, channelIds = channelIds.ToArray(),
            }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (bouquet.Price is { } p)
        {
            await CatalogPricing.InsertInitialPriceAsync(conn, tx, null, id, p, now, createdBy, ct).ConfigureAwait(false);
        }

        ThrowIfAny(await CheckOverTimeAsync(conn, tx, [id], channelIds, now, ct).ConfigureAwait(false));
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return (await GetBouquetAsync(id, now, ct).ConfigureAwait(false))!;
    }

    /// <summary>Changes a bouquet's name, status, validity or channels; the rules are checked on the result.</summary>
    public async Task<Bouquet> UpdateBouquetAsync(Guid id, BouquetChange change, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        var now = clock.GetUtcNow();
        var violations = new List<CatalogRuleViolation>();
        if (change.Status is { } s && !BouquetStatus.All.Contains(s))
        {
            violations.Add(new("CAT-INVALID", $"status must be one of {string.Join(", ", BouquetStatus.All)}, not '{s}'", "status"));
        }

        ThrowIfAny(violations);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(CatalogSql.LockCatalog, transaction: tx, cancellationToken: ct)).ConfigureAwait(false);
        var current = (await CatalogFacts.BouquetsAsync(conn, tx, "WHERE p.id = @id", new { id, at = now }, ct).ConfigureAwait(false)).SingleOrDefault()
            ?? throw new CatalogRuleException(new CatalogRuleViolation(CatalogRuleCodes.NotFound, $"bouquet {id} does not exist"));
        var channelIds = change.ChannelCodes is { } codes
            ? await ResolveChannelsAsync(conn, tx, codes, now, violations, ct).ConfigureAwait(false)
            : current.ChannelIds.ToList();
        var validFrom = change.ValidFrom ?? current.ValidFrom;
        var validTo = change.ValidTo ?? current.ValidTo;
        CheckValidity(violations, validFrom, validTo);
        ThrowIfAny(violations);

        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.package SET name = @name, description = @description, status = @status, valid_from = @validFrom, valid_to = @validTo, updated_at = now()
            WHERE id = @id
            """,
            new { id, name = change.Name ?? current.Name, description = change.Description ?? current.Description, status = change.Status ?? current.Status, validFrom, validTo },
            tx, cancellationToken: ct)).ConfigureAwait(false);
        if (change.ChannelCodes is not null)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                DELETE FROM hub.package_channel WHERE package_id = @id AND channel_id <> ALL(@channelIds);
                INSERT INTO hub.package_channel (package_id, channel_id) SELECT @id, unnest(@channelIds) ON CONFLICT DO NOTHING;
                """, new { id, channelIds = channelIds.ToArray() }, tx, cancellationToken: ct)).ConfigureAwait(false);
        }

        ThrowIfAny(await CheckOverTimeAsync(conn, tx, [id], channelIds, now, ct).ConfigureAwait(false));
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return (await GetBouquetAsync(id, now, ct).ConfigureAwait(false))!;
    }

    /// <summary>Every rule violation of the catalog as it stands (all bouquets not retired), e.g. for a product manager's lint.</summary>
    public async Task<IReadOnlyList<CatalogRuleViolation>> CheckCatalogAsync(DateTimeOffset? at = null, CancellationToken ct = default)
    {
        var instant = at ?? clock.GetUtcNow();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var bouquets = await CatalogFacts.BouquetsAsync(conn, null, "WHERE p.status <> 'retired' ORDER BY p.code", new { at = instant }, ct).ConfigureAwait(false);
        var facts = await CatalogFacts.BouquetFactsAsync(conn, null, bouquets, instant, ct).ConfigureAwait(false);
        var violations = facts.SelectMany(f => CatalogRules.CheckBouquet(f, Profile)).ToList();
        var channels = (await conn.QueryAsync<ChannelRow>(new CommandDefinition(CatalogSql.ChannelSelect + " WHERE c.hd_of_channel_id IS NOT NULL", new { at = instant }, cancellationToken: ct)).ConfigureAwait(false))
            .Select(r => r.ToChannel()).ToList();
        var sds = await CatalogFacts.ChannelsAsync(conn, null, channels.Select(c => c.HdOfChannelId!.Value).Distinct().ToList(), instant, ct).ConfigureAwait(false);
        violations.AddRange(channels.SelectMany(c => CatalogRules.CheckChannel(ChannelFacts.From(c), sds.TryGetValue(c.HdOfChannelId!.Value, out var sd) ? ChannelFacts.From(sd) : null, Profile)));
        return violations;
    }

    /// <summary>The profile's network capacity fee for a channel count (null when the profile has none).</summary>
    public NetworkCapacityFee? NetworkCapacityFee(int sdChannels, int hdChannels) => Profile.NetworkCapacityFee?.Calculate(sdChannels, hdChannels);

    /// <summary>
    /// The network capacity fee of a subscriber: the distinct channels their active or suspended subscriptions entitle
    /// them to at <paramref name="at"/>, HD and UHD weighted. Null when the profile has no NCF.
    /// </summary>
    public async Task<NetworkCapacityFee?> NetworkCapacityFeeForCustomerAsync(Guid customerId, DateTimeOffset? at = null, CancellationToken ct = default)
    {
        if (Profile.NetworkCapacityFee is not { } schedule)
        {
            return null;
        }

        var channels = await subscriptions.EntitledChannelIdsAsync(
            new EntitlementQuery(customerId, null, at ?? clock.GetUtcNow(), [SubscriptionStatus.Active, SubscriptionStatus.Suspended]), ct).ConfigureAwait(false);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var counts = await conn.QuerySingleAsync<(long Sd, long Hd)>(new CommandDefinition(
            "SELECT count(*) FILTER (WHERE c.definition = 'SD'), count(*) FILTER (WHERE c.definition <> 'SD') FROM hub.channel c WHERE c.id = ANY(@channels)",
            new { channels = channels.ToArray() }, cancellationToken: ct)).ConfigureAwait(false);
        return schedule.Calculate((int)counts.Sd, (int)counts.Hd);
    }

    /// <summary>
    /// Checks the bouquets (as stored in the caller's transaction, uncommitted changes included) now and at each
    /// scheduled price change of themselves or their channels ahead; returns the violations of the first instant that has any.
    /// </summary>
    internal async Task<IReadOnlyList<CatalogRuleViolation>> CheckOverTimeAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<Guid> bouquetIds, IReadOnlyList<Guid> channelIds, DateTimeOffset now, CancellationToken ct)
    {
        if (bouquetIds.Count == 0)
        {
            return [];
        }

        var instants = new SortedSet<DateTimeOffset> { now };
        foreach (var t in await CatalogFacts.ScheduledInstantsAsync(conn, tx, channelIds, bouquetIds, now, ct).ConfigureAwait(false))
        {
            instants.Add(t);
        }

        foreach (var at in instants.Take(MaxInstantsChecked))
        {
            var bouquets = await CatalogFacts.BouquetsAsync(conn, tx, "WHERE p.id = ANY(@ids) ORDER BY p.code", new { ids = bouquetIds.ToArray(), at }, ct).ConfigureAwait(false);
            var facts = await CatalogFacts.BouquetFactsAsync(conn, tx, bouquets, at, ct).ConfigureAwait(false);
            var violations = facts.SelectMany(f => CatalogRules.CheckBouquet(f, Profile, at == now ? null : at)).ToList();
            if (violations.Count > 0)
            {
                return violations;
            }
        }

        return [];
    }

    private static async Task<List<Guid>> ResolveChannelsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<string> codes, DateTimeOffset now, List<CatalogRuleViolation> violations, CancellationToken ct)
    {
        var distinct = codes.Distinct(StringComparer.Ordinal).ToList();
        var found = await CatalogFacts.ChannelsByCodeAsync(conn, tx, distinct, now, ct).ConfigureAwait(false);
        var missing = distinct.Where(c => !found.ContainsKey(c)).ToList();
        if (missing.Count > 0)
        {
            violations.Add(new(CatalogRuleCodes.NotFound, $"unknown channel code(s): {string.Join(", ", missing)}", "channels"));
        }

        return distinct.Where(found.ContainsKey).Select(c => found[c].Id).ToList();
    }

    private static void RequireText(List<CatalogRuleViolation> violations, string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            violations.Add(new("CAT-INVALID", $"{field} is required", field));
        }
    }

    private static void CheckValidity(List<CatalogRuleViolation> violations, DateTimeOffset? from, DateTimeOffset? to)
    {
        if (from is { } f && to is { } t && t <= f)
        {
            violations.Add(new(CatalogRuleCodes.Validity, $"validFor.endDateTime ({t:O}) must be after validFor.startDateTime ({f:O})", "validFor"));
        }
    }

    internal static void ThrowIfAny(IReadOnlyList<CatalogRuleViolation> violations)
    {
        if (violations.Count > 0)
        {
            throw new CatalogRuleException(violations.ToList());
        }
    }
}
