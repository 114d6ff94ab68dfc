using CableHub.Catalog.Contracts;
using CableHub.Inventory.Contracts;
using CableHub.Subscriptions.Contracts;
using Dapper;
using Npgsql;

namespace CableHub.Epg;

/// <summary>
/// The guide in PostgreSQL: sources and their channel mapping, import records, and the reads the portal and STB
/// middleware need (now/next, a schedule for a time range, export rows) for the whole line-up, some channels, or the
/// channels one subscriber or box is entitled to.
/// </summary>
public sealed class EpgStore(NpgsqlDataSource dataSource, IChannelDirectory lineup, ISubscriptions subscriptions, IDeviceDirectory devices, TimeProvider clock)
{
    /// <summary>Programmes longer than this are not found by queries that start inside them (keeps range scans on the index).</summary>
    public static readonly TimeSpan LongestProgramme = TimeSpan.FromDays(7);

    private const string GuideColumns =
        """
        p.id, p.channel_id, ch.code AS channel_code, p.start_at, p.stop_at,
        COALESCE(p.titles ->> @lang, p.titles ->> '', p.title) AS title, p.sub_title,
        COALESCE(p.descriptions ->> @lang, p.descriptions ->> '', (SELECT d.value FROM jsonb_each_text(p.descriptions) d LIMIT 1)) AS description,
        COALESCE(p.categories, '{}') AS categories, p.season, p.episode, p.episode_onscreen, p.rating, p.icon_url,
        p.previously_shown, p.premiere, p.is_new
        """;

    public async Task<EpgSource?> GetSourceAsync(string code, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleOrDefaultAsync<EpgSource>(new CommandDefinition(
            "SELECT code, name, time_zone, overlap_policy, default_duration_minutes FROM hub.epg_source WHERE code = @code", new { code }, cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<EpgSource>> ListSourcesAsync(CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<EpgSource>(new CommandDefinition(
            "SELECT code, name, time_zone, overlap_policy, default_duration_minutes FROM hub.epg_source ORDER BY code", cancellationToken: ct)).ConfigureAwait(false)).ToList();
    }

    /// <summary>Creates or updates a source. Throws <see cref="RequestInvalidException"/> naming the field for an unknown zone or policy.</summary>
    public async Task<EpgSource> SaveSourceAsync(EpgSource source, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (string.IsNullOrWhiteSpace(source.Code))
        {
            throw new RequestInvalidException("code", "required");
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(source.TimeZone, out _))
        {
            throw new RequestInvalidException("timeZone", $"'{source.TimeZone}' is not a known IANA time zone");
        }

        if (!EpgOverlapPolicy.All.Contains(source.OverlapPolicy))
        {
            throw new RequestInvalidException("overlapPolicy", $"must be one of {string.Join(", ", EpgOverlapPolicy.All)}, not '{source.OverlapPolicy}'");
        }

        if (source.DefaultDurationMinutes is <= 0)
        {
            throw new RequestInvalidException("defaultDurationMinutes", "must be positive");
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.epg_source (code, name, time_zone, overlap_policy, default_duration_minutes) VALUES (@Code, @Name, @TimeZone, @OverlapPolicy, @DefaultDurationMinutes)
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, time_zone = EXCLUDED.time_zone, overlap_policy = EXCLUDED.overlap_policy,
                default_duration_minutes = EXCLUDED.default_duration_minutes
            """, source, cancellationToken: ct)).ConfigureAwait(false);
        return source;
    }

    public async Task<IReadOnlyList<EpgChannelMapping>> GetChannelMapAsync(string sourceCode, CancellationToken ct = default)
    {
        List<(string SourceChannelId, Guid ChannelId)> rows;
        await using (var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false))
        {
            rows = (await conn.QueryAsync<(string, Guid)>(new CommandDefinition(
                "SELECT source_channel_id, channel_id FROM hub.epg_channel_map WHERE source_code = @sourceCode ORDER BY source_channel_id",
                new { sourceCode }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        }

        var codes = (await lineup.ListAsync(new ChannelSelection(Ids: rows.Select(r => r.ChannelId).Distinct().ToList()), ct).ConfigureAwait(false)).ToDictionary(c => c.Id, c => c.Code);
        return rows.Where(r => codes.ContainsKey(r.ChannelId)).Select(r => new EpgChannelMapping(r.SourceChannelId, codes[r.ChannelId])).ToList();
    }

    /// <summary>
    /// Replaces a source's channel map. Throws <see cref="RequestInvalidException"/> listing unknown channel codes or
    /// duplicate source ids; nothing changes then.
    /// </summary>
    public async Task SetChannelMapAsync(string sourceCode, IReadOnlyList<EpgChannelMapping> mappings, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        var duplicates = mappings.GroupBy(m => m.SourceChannelId, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
        {
            throw new RequestInvalidException("sourceChannelId", $"mapped more than once: {string.Join(", ", duplicates)}");
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM hub.epg_source WHERE code = @sourceCode)", new { sourceCode }, tx, cancellationToken: ct)).ConfigureAwait(false))
        {
            throw new NotFoundException($"EPG source '{sourceCode}'", "source");
        }

        var codes = mappings.Select(m => m.ChannelCode).Distinct(StringComparer.Ordinal).ToArray();
        var known = (await lineup.ListAsync(new ChannelSelection(Codes: codes), ct).ConfigureAwait(false)).ToDictionary(c => c.Code, c => c.Id, StringComparer.Ordinal);
        var unknown = codes.Where(c => !known.ContainsKey(c)).ToList();
        if (unknown.Count > 0)
        {
            throw new RequestInvalidException("channelCode", $"unknown channel(s): {string.Join(", ", unknown)}");
        }

        await conn.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM hub.epg_channel_map WHERE source_code = @sourceCode;
            INSERT INTO hub.epg_channel_map (source_code, source_channel_id, channel_id) SELECT @sourceCode, s, c FROM unnest(@sources, @channels) AS m(s, c);
            """,
            new { sourceCode, sources = mappings.Select(m => m.SourceChannelId).ToArray(), channels = mappings.Select(m => known[m.ChannelCode]).ToArray() }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Source channel id → line-up channel for an import: the source's explicit map, and every channel code mapping to
    /// itself (files exported by the hub, or providers that use the operator's codes). The explicit map wins.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, LineupChannelRef>> LineupMapAsync(string sourceCode, CancellationToken ct = default)
    {
        var channels = await lineup.ListAsync(ChannelSelection.All, ct).ConfigureAwait(false);
        var map = channels.ToDictionary(c => c.Code, c => new LineupChannelRef(c.Id, c.Code), StringComparer.Ordinal);
        var byId = channels.ToDictionary(c => c.Id);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        foreach (var (source, id) in await conn.QueryAsync<(string Source, Guid Id)>(new CommandDefinition(
            "SELECT source_channel_id, channel_id FROM hub.epg_channel_map WHERE source_code = @sourceCode", new { sourceCode }, cancellationToken: ct)).ConfigureAwait(false))
        {
            if (byId.TryGetValue(id, out var channel))
            {
                map[source] = new LineupChannelRef(channel.Id, channel.Code);
            }
        }

        return map;
    }

    public async Task<IReadOnlyList<EpgImportRecord>> ListImportsAsync(int limit = 50, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<EpgImportRecord>(new CommandDefinition(
            ImportSelect + " ORDER BY started_at DESC LIMIT @limit", new { limit }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
    }

    public async Task<EpgImportRecord?> GetImportAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleOrDefaultAsync<EpgImportRecord>(new CommandDefinition(
            ImportSelect + " WHERE id = @id", new { id }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>The channels of an audience in logical channel number order (the line-up from the catalog, entitlements from subscriptions).</summary>
    public async Task<IReadOnlyList<GuideChannel>> ChannelsAsync(GuideAudience audience, DateTimeOffset? at = null, CancellationToken ct = default)
    {
        var instant = at ?? clock.GetUtcNow();
        ChannelSelection selection;
        switch (audience)
        {
            case GuideAudience.Lineup:
                selection = new ChannelSelection(ActiveOnly: true);
                break;
            case GuideAudience.Channels ch:
                selection = new ChannelSelection(Codes: ch.Codes.ToList());
                break;
            case GuideAudience.Customer cu:
                selection = new ChannelSelection(Ids: await subscriptions.EntitledChannelIdsAsync(
                    new EntitlementQuery(cu.CustomerId, null, instant, [SubscriptionStatus.Active]), ct).ConfigureAwait(false));
                break;
            case GuideAudience.Device d:
                var boxes = await devices.FindIdsAsync(d.DeviceKey, ct).ConfigureAwait(false);
                selection = new ChannelSelection(Ids: boxes.Count == 0 ? [] : await subscriptions.EntitledChannelIdsAsync(
                    new EntitlementQuery(null, boxes, instant, [SubscriptionStatus.Active]), ct).ConfigureAwait(false));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(audience), audience, "unknown audience");
        }

        if (selection.Ids is { Count: 0 } || selection.Codes is { Count: 0 })
        {
            return [];
        }

        return (await lineup.ListAsync(selection, ct).ConfigureAwait(false))
            .Select(c => new GuideChannel(c.Id, c.Code, c.Name, c.Lcn, c.Definition, c.Language, c.Genre)).ToList();
    }

    /// <summary>For each channel of the audience: the programme on at <paramref name="at"/> and the one after it.</summary>
    public async Task<IReadOnlyList<NowNext>> NowNextAsync(GuideAudience audience, DateTimeOffset? at = null, string? lang = null, CancellationToken ct = default)
    {
        var instant = at ?? clock.GetUtcNow();
        var channels = await ChannelsAsync(audience, instant, ct).ConfigureAwait(false);
        if (channels.Count == 0)
        {
            return [];
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<SlotRow>(new CommandDefinition(
            $"""
            WITH ch AS (SELECT * FROM unnest(@ids::uuid[], @codes::text[]) AS ch(id, code))
            SELECT 'now' AS slot, {GuideColumns}
            FROM ch CROSS JOIN LATERAL (
                SELECT * FROM hub.epg_programme p WHERE p.channel_id = ch.id AND p.start_at <= @at AND p.start_at > @earliest
                ORDER BY p.start_at DESC LIMIT 1) p
            WHERE p.stop_at > @at
            UNION ALL
            SELECT 'next' AS slot, {GuideColumns}
            FROM ch CROSS JOIN LATERAL (
                SELECT * FROM hub.epg_programme p WHERE p.channel_id = ch.id AND p.start_at > @at ORDER BY p.start_at LIMIT 1) p
            """,
            new { ids = channels.Select(c => c.Id).ToArray(), codes = channels.Select(c => c.Code).ToArray(), at = instant, earliest = instant - LongestProgramme, lang = lang ?? string.Empty },
            cancellationToken: ct)).ConfigureAwait(false);
        var bySlot = rows.ToLookup(r => (r.Slot, r.ChannelId));
        return channels.Select(c => new NowNext(c,
            bySlot[("now", c.Id)].FirstOrDefault()?.ToProgramme(),
            bySlot[("next", c.Id)].FirstOrDefault()?.ToProgramme())).ToList();
    }

    /// <summary>Programmes of the audience's channels overlapping [<paramref name="from"/>, <paramref name="to"/>), by channel then start.</summary>
    public async Task<IReadOnlyList<GuideProgramme>> ScheduleAsync(
        GuideAudience audience, DateTimeOffset from, DateTimeOffset to, string? lang = null, int limit = 20_000, CancellationToken ct = default)
    {
        if (to <= from)
        {
            throw new RequestInvalidException("to", $"({to:O}) must be after from ({from:O})");
        }

        var channels = await ChannelsAsync(audience, from, ct).ConfigureAwait(false);
        if (channels.Count == 0)
        {
            return [];
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<GuideRow>(new CommandDefinition(
            $"""
            WITH ch AS (SELECT * FROM unnest(@ids::uuid[], @codes::text[], @lcns::int[]) AS ch(id, code, lcn))
            SELECT {GuideColumns}
            FROM ch JOIN hub.epg_programme p ON p.channel_id = ch.id
            WHERE p.start_at < @to AND p.stop_at > @from AND p.start_at > @earliest
            ORDER BY ch.lcn, p.start_at
            LIMIT @limit
            """,
            new
            {
                ids = channels.Select(c => c.Id).ToArray(), codes = channels.Select(c => c.Code).ToArray(), lcns = channels.Select(c => c.Lcn).ToArray(),
                from, to, earliest = from - LongestProgramme, lang = lang ?? string.Empty, limit,
            }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToProgramme()).ToList();
    }

    /// <summary>Stored programmes of these channels (overlapping the range when given), by channel order then start, streamed.</summary>
    public async IAsyncEnumerable<GuideExportRow> ExportRowsAsync(
        IReadOnlyList<Guid> channelIds, DateTimeOffset? from = null, DateTimeOffset? to = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(channelIds);
        var channels = await lineup.ListAsync(new ChannelSelection(Ids: channelIds), ct).ConfigureAwait(false);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = conn.QueryUnbufferedAsync<ExportRow>(
            """
            SELECT p.channel_id, c.code AS channel_code, p.start_at AS start, p.stop_at AS stop, p.title, p.titles::text AS titles_json, p.sub_title,
                   p.descriptions::text AS descriptions_json, p.categories, p.episode_ns, p.episode_onscreen, p.rating, p.icon_url,
                   p.previously_shown, p.premiere, p.is_new, p.details::text AS details_json
            FROM hub.epg_programme p JOIN unnest(@ids::uuid[], @codes::text[], @lcns::int[]) AS c(id, code, lcn) ON c.id = p.channel_id
            WHERE (@from::timestamptz IS NULL OR p.stop_at > @from) AND (@to::timestamptz IS NULL OR p.start_at < @to)
            ORDER BY c.lcn, p.start_at
            """,
            new { ids = channels.Select(c => c.Id).ToArray(), codes = channels.Select(c => c.Code).ToArray(), lcns = channels.Select(c => c.Lcn).ToArray(), from, to });
        await foreach (var row in rows.WithCancellation(ct).ConfigureAwait(false))
        {
            yield return row.ToRow();
        }
    }

    /// <summary>Deletes programmes that ended before <paramref name="cutoff"/> (guide retention); returns how many.</summary>
    public async Task<int> PurgeBeforeAsync(DateTimeOffset cutoff, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteAsync(new CommandDefinition("DELETE FROM hub.epg_programme WHERE stop_at < @cutoff", new { cutoff }, commandTimeout: 600, cancellationToken: ct)).ConfigureAwait(false);
    }

    private const string ImportSelect =
        """
        SELECT id, source_code, file_name, status, started_at, finished_at, programmes_in_file, programmes_inserted, programmes_replaced, programmes_skipped,
               channels, unknown_channels, window_from, window_to, errors, warnings, error, error_line, report::text AS report_json
        FROM hub.epg_import
        """;

    /// <summary>Settable properties: Dapper converts text[] (reported as System.Array) into string[] only for setters, not constructors.</summary>
    private class GuideRow
    {
        public Guid Id { get; set; }
        public Guid ChannelId { get; set; }
        public string ChannelCode { get; set; } = "";
        public DateTimeOffset StartAt { get; set; }
        public DateTimeOffset StopAt { get; set; }
        public string Title { get; set; } = "";
        public string? SubTitle { get; set; }
        public string? Description { get; set; }
        public string[] Categories { get; set; } = [];
        public int? Season { get; set; }
        public int? Episode { get; set; }
        public string? EpisodeOnscreen { get; set; }
        public string? Rating { get; set; }
        public string? IconUrl { get; set; }
        public bool PreviouslyShown { get; set; }
        public bool Premiere { get; set; }
        public bool IsNew { get; set; }

        public GuideProgramme ToProgramme() => new(Id, ChannelId, ChannelCode, StartAt, StopAt, Title, SubTitle, Description, Categories, Season, Episode,
            EpisodeOnscreen, Rating, IconUrl, PreviouslyShown, Premiere, IsNew);
    }

    private sealed class SlotRow : GuideRow
    {
        public string Slot { get; set; } = "";
    }

    private sealed class ExportRow
    {
        public Guid ChannelId { get; set; }
        public string ChannelCode { get; set; } = "";
        public DateTimeOffset Start { get; set; }
        public DateTimeOffset Stop { get; set; }
        public string Title { get; set; } = "";
        public string TitlesJson { get; set; } = "{}";
        public string? SubTitle { get; set; }
        public string? DescriptionsJson { get; set; }
        public string[]? Categories { get; set; }
        public string? EpisodeNs { get; set; }
        public string? EpisodeOnscreen { get; set; }
        public string? Rating { get; set; }
        public string? IconUrl { get; set; }
        public bool PreviouslyShown { get; set; }
        public bool Premiere { get; set; }
        public bool IsNew { get; set; }
        public string? DetailsJson { get; set; }

        public GuideExportRow ToRow() => new(ChannelId, ChannelCode, Start, Stop, Title, TitlesJson, SubTitle, DescriptionsJson, Categories, EpisodeNs,
            EpisodeOnscreen, Rating, IconUrl, PreviouslyShown, Premiere, IsNew, DetailsJson);
    }
}
