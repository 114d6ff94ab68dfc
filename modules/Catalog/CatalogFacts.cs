using Dapper;
using Npgsql;

namespace CableHub.Catalog;

/// <summary>Loads channels and bouquets as they are (or will be) at an instant, for the rule checks.</summary>
internal static class CatalogFacts
{
    public static async Task<Dictionary<Guid, Channel>> ChannelsAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, IReadOnlyCollection<Guid> ids, DateTimeOffset at, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var rows = await conn.QueryAsync<ChannelRow>(new CommandDefinition(
            CatalogSql.ChannelSelect + " WHERE c.id = ANY(@ids)", new { ids = ids.ToArray(), at }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToChannel()).ToDictionary(c => c.Id);
    }

    public static async Task<Dictionary<string, Channel>> ChannelsByCodeAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, IReadOnlyCollection<string> codes, DateTimeOffset at, CancellationToken ct)
    {
        if (codes.Count == 0)
        {
            return new(StringComparer.Ordinal);
        }

        var rows = await conn.QueryAsync<ChannelRow>(new CommandDefinition(
            CatalogSql.ChannelSelect + " WHERE c.code = ANY(@codes)", new { codes = codes.ToArray(), at }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToChannel()).ToDictionary(c => c.Code, StringComparer.Ordinal);
    }

    public static async Task<List<Bouquet>> BouquetsAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string where, object parameters, CancellationToken ct)
    {
        var rows = (await conn.QueryAsync<BouquetRow>(new CommandDefinition(
            CatalogSql.BouquetSelect + " " + where, parameters, tx, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        if (rows.Count == 0)
        {
            return [];
        }

        var members = (await conn.QueryAsync<(Guid PackageId, Guid ChannelId)>(new CommandDefinition(
            CatalogSql.MembersOf, new { ids = rows.Select(r => r.Id).ToArray() }, tx, cancellationToken: ct)).ConfigureAwait(false))
            .ToLookup(m => m.PackageId, m => m.ChannelId);
        return rows.Select(r => r.ToBouquet(members[r.Id].ToList())).ToList();
    }

    /// <summary>The facts of <paramref name="bouquets"/> (loaded for <paramref name="at"/>) with their channels' prices at <paramref name="at"/>.</summary>
    public static async Task<List<BouquetFacts>> BouquetFactsAsync(
        NpgsqlConnection conn, NpgsqlTransaction? tx, IReadOnlyList<Bouquet> bouquets, DateTimeOffset at, CancellationToken ct)
    {
        var channelIds = bouquets.SelectMany(b => b.ChannelIds).Distinct().ToList();
        var channels = await ChannelsAsync(conn, tx, channelIds, at, ct).ConfigureAwait(false);
        var broadcasterCodes = await BroadcasterCodesAsync(conn, tx, bouquets.Where(b => b.BroadcasterId is not null).Select(b => b.BroadcasterId!.Value).Distinct().ToArray(), ct).ConfigureAwait(false);
        return bouquets.Select(b => Facts(b, channels, broadcasterCodes)).ToList();
    }

    public static BouquetFacts Facts(Bouquet b, IReadOnlyDictionary<Guid, Channel> channels, IReadOnlyDictionary<Guid, string> broadcasterCodes)
    {
        var facts = b.ChannelIds.Where(channels.ContainsKey).Select(id => ChannelFacts.From(channels[id])).ToList();
        return new BouquetFacts(b.Code, b.Name, b.Kind, b.BroadcasterId,
            b.BroadcasterId is { } bid && broadcasterCodes.TryGetValue(bid, out var code) ? code : null, b.Price, b.Status, facts);
    }

    public static async Task<Dictionary<Guid, string>> BroadcasterCodesAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid[] ids, CancellationToken ct)
    {
        if (ids.Length == 0)
        {
            return [];
        }

        var rows = await conn.QueryAsync<(Guid Id, string Code)>(new CommandDefinition(
            "SELECT id, code FROM hub.broadcaster WHERE id = ANY(@ids)", new { ids }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Id, r => r.Code);
    }

    /// <summary>Instants after <paramref name="after"/> at which a scheduled price of one of these items takes effect.</summary>
    public static async Task<List<DateTimeOffset>> ScheduledInstantsAsync(
        NpgsqlConnection conn, NpgsqlTransaction? tx, IReadOnlyCollection<Guid> channelIds, IReadOnlyCollection<Guid> packageIds, DateTimeOffset after, CancellationToken ct)
    {
        var rows = await conn.QueryAsync<DateTimeOffset>(new CommandDefinition(
            """
            SELECT DISTINCT effective_from FROM hub.catalog_price
            WHERE status = 'scheduled' AND effective_from > @after AND (channel_id = ANY(@channelIds) OR package_id = ANY(@packageIds))
            ORDER BY effective_from
            """, new { channelIds = channelIds.ToArray(), packageIds = packageIds.ToArray(), after }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return rows.ToList();
    }

    /// <summary>Active (not retired) bouquets holding any of these channels.</summary>
    public static Task<List<Bouquet>> BouquetsHoldingAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, IReadOnlyCollection<Guid> channelIds, DateTimeOffset at, CancellationToken ct) =>
        BouquetsAsync(conn, tx,
            "WHERE p.status <> 'retired' AND EXISTS (SELECT 1 FROM hub.package_channel pc WHERE pc.package_id = p.id AND pc.channel_id = ANY(@channelIds)) ORDER BY p.code",
            new { channelIds = channelIds.ToArray(), at }, ct);
}
