using CableHub.Catalog.Contracts;
using CableHub.Core;
using Dapper;
using Npgsql;

namespace CableHub.Catalog.Rating;

/// <summary><see cref="IPlanRating"/>: plans with their channel counts in one query, NCF terms from the configured profile.</summary>
internal sealed class PlanRatingStore(NpgsqlDataSource dataSource, CatalogOptions options) : IPlanRating
{
    public RatingRules Rules { get; } = new(options.Profile.Code, options.Profile.NetworkCapacityFee is { } f
        ? new NetworkCapacityFeeTerms(f.BaseFee, f.BaseSdChannels, f.SlabFee, f.SlabSdChannels, f.HdWeight, f.Currency)
        : null);

    public async Task<IReadOnlyList<PlanRatingFacts>> PlansAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<Row>(new CommandDefinition(
            """
            SELECT p.id, p.code, p.name, p.price, p.currency, p.billing_period AS billingperiod,
                   count(DISTINCT c.id) FILTER (WHERE c.definition = 'SD')::int AS sd,
                   count(DISTINCT c.id) FILTER (WHERE c.definition <> 'SD')::int AS hd
            FROM hub.plan p
            LEFT JOIN hub.plan_package pp ON pp.plan_id = p.id
            LEFT JOIN hub.package_channel pc ON pc.package_id = pp.package_id
            LEFT JOIN hub.channel c ON c.id = pc.channel_id
            GROUP BY p.id
            """, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => new PlanRatingFacts(r.Id, r.Code, r.Name, new Money(r.Price, r.Currency.Trim()), r.BillingPeriod, r.Sd, r.Hd)).ToList();
    }

    public async Task<IReadOnlyList<AddOnRatingFacts>> AddOnsAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<(string Kind, Guid Id, string Code, string Name, decimal? Price, string? Currency, string Period)>(new CommandDefinition(
            $"""
            SELECT '{OfferingKind.Bouquet}', id, code, name, price, currency, billing_period FROM hub.package
            UNION ALL
            SELECT '{OfferingKind.Channel}', id, code, name, a_la_carte_price, currency, 'monthly' FROM hub.channel
            """, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => new AddOnRatingFacts(r.Kind, r.Id, r.Code, r.Name, r.Price is { } p && r.Currency is { } c ? new Money(p, c.Trim()) : null, r.Period)).ToList();
    }

    private sealed record Row(Guid Id, string Code, string Name, decimal Price, string Currency, string BillingPeriod, int Sd, int Hd);
}
