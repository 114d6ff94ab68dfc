using Dapper;
using Npgsql;

namespace CableHub.Core.Catalog;

/// <summary>Reads of the channel line-up, packages and plans.</summary>
public sealed class CatalogStore(NpgsqlDataSource dataSource)
{
    private const string PlanColumns = "id, code, name, description, price, currency, billing_period, status";

    public async Task<Plan?> GetPlanAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<PlanRow>(new CommandDefinition(
            $"SELECT {PlanColumns} FROM hub.plan WHERE id = @id", new { id }, cancellationToken: ct)).ConfigureAwait(false);
        return row?.ToPlan();
    }

    public async Task<Plan?> GetPlanByCodeAsync(string code, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<PlanRow>(new CommandDefinition(
            $"SELECT {PlanColumns} FROM hub.plan WHERE code = @code", new { code }, cancellationToken: ct)).ConfigureAwait(false);
        return row?.ToPlan();
    }

    public async Task<IReadOnlyList<Plan>> ListPlansAsync(CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<PlanRow>(new CommandDefinition(
            $"SELECT {PlanColumns} FROM hub.plan ORDER BY price, code", cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToPlan()).ToList();
    }

    /// <summary>The CAS product ids of every channel in the plan's packages (what a box on this plan may descramble).</summary>
    public async Task<IReadOnlyList<string>> CasProductIdsForPlanAsync(Guid planId, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var ids = await conn.QueryAsync<string>(new CommandDefinition(
            """
            SELECT DISTINCT c.cas_product_id
            FROM hub.plan_package pp
            JOIN hub.package_channel pc ON pc.package_id = pp.package_id
            JOIN hub.channel c ON c.id = pc.channel_id
            WHERE pp.plan_id = @planId
            ORDER BY c.cas_product_id
            """, new { planId }, cancellationToken: ct)).ConfigureAwait(false);
        return ids.ToList();
    }

    private sealed record PlanRow(Guid Id, string Code, string Name, string Description, decimal Price, string Currency, string BillingPeriod, string Status)
    {
        public Plan ToPlan() => new(Id, Code, Name, Description, new Money(Price, Currency.Trim()), BillingPeriod, Status);
    }
}
