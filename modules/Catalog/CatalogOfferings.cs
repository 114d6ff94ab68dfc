using CableHub.Catalog.Contracts;
using CableHub.Core;
using Dapper;
using Npgsql;

namespace CableHub.Catalog;

/// <summary><see cref="ICatalogOfferings"/>: plans, bouquets and channels as one kind of thing a subscription holds.</summary>
internal sealed class CatalogOfferings(NpgsqlDataSource dataSource) : ICatalogOfferings
{
    public async Task<OfferingSummary?> FindOfferingAsync(string idOrCode, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idOrCode);
        foreach (var kind in new[] { OfferingKind.Plan, OfferingKind.Bouquet, OfferingKind.Channel })
        {
            if (await ReadAsync(kind, Guid.TryParse(idOrCode, out var id) ? id : null, idOrCode, ct).ConfigureAwait(false) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    public Task<OfferingSummary?> GetOfferingAsync(string kind, Guid id, CancellationToken ct) => ReadAsync(kind, id, null, ct);

    public async Task<IReadOnlyDictionary<Guid, string>> CasProductIdsAsync(IReadOnlyCollection<Guid> channelIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(channelIds);
        if (channelIds.Count == 0)
        {
            return new Dictionary<Guid, string>();
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<(Guid Id, string Product)>(new CommandDefinition(
            "SELECT id, cas_product_id FROM hub.channel WHERE id = ANY(@ids)", new { ids = channelIds.ToArray() }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Id, r => r.Product);
    }

    private async Task<OfferingSummary?> ReadAsync(string kind, Guid? id, string? code, CancellationToken ct)
    {
        var (head, channels) = kind switch
        {
            OfferingKind.Plan => (
                "SELECT id, code, name, price, currency, status FROM hub.plan WHERE id = @id OR code = @code",
                "SELECT DISTINCT pc.channel_id FROM hub.plan_package pp JOIN hub.package_channel pc ON pc.package_id = pp.package_id WHERE pp.plan_id = @id ORDER BY 1"),
            OfferingKind.Bouquet => (
                "SELECT id, code, name, price, currency, status FROM hub.package WHERE id = @id OR code = @code",
                "SELECT channel_id FROM hub.package_channel WHERE package_id = @id ORDER BY 1"),
            OfferingKind.Channel => (
                "SELECT id, code, name, a_la_carte_price AS price, currency, status FROM hub.channel WHERE id = @id OR code = @code",
                "SELECT @id"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "plan, bouquet or channel"),
        };
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(head, new { id, code }, cancellationToken: ct)).ConfigureAwait(false);
        if (row is null)
        {
            return null;
        }

        var ids = (await conn.QueryAsync<Guid>(new CommandDefinition(channels, new { id = row.Id }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        return new OfferingSummary(row.Id, kind, row.Code, row.Name, row.Price is { } p && row.Currency is { } c ? new Money(p, c.Trim()) : null, row.Status, ids);
    }

    private sealed record Row(Guid Id, string Code, string Name, decimal? Price, string? Currency, string Status);
}
