using CableHub.Catalog.Contracts;
using CableHub.Core;
using CableHub.Core.Persistence;
using Dapper;
using Npgsql;

namespace CableHub.Catalog;

/// <summary>Reads of plans (and the catalog's queries for other modules: <see cref="IPlanCatalog"/>, <see cref="IChannelDirectory"/>).</summary>
public sealed class CatalogStore(NpgsqlDataSource dataSource) : IPlanCatalog, IChannelDirectory
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

    public async Task<IReadOnlyList<Plan>> ListPlansAsync(CancellationToken ct = default) => await PagePlansAsync(null, 0, int.MaxValue, ct).ConfigureAwait(false);

    /// <summary>How many plans have one of the statuses (null: any).</summary>
    public async Task<int> CountPlansAsync(IReadOnlyCollection<string>? statuses, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*)::int FROM hub.plan WHERE (@statuses::text[] IS NULL OR status = ANY(@statuses))",
            new { statuses = statuses?.ToArray() }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>A page of plans by price, then code.</summary>
    public async Task<IReadOnlyList<Plan>> PagePlansAsync(IReadOnlyCollection<string>? statuses, int offset, int limit, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<PlanRow>(new CommandDefinition(
            $"SELECT {PlanColumns} FROM hub.plan WHERE (@statuses::text[] IS NULL OR status = ANY(@statuses)) ORDER BY price, code OFFSET @offset LIMIT @limit",
            new { statuses = statuses?.ToArray(), offset, limit = (long)limit }, cancellationToken: ct)).ConfigureAwait(false);
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

    async Task<PlanSummary?> IPlanCatalog.GetPlanAsync(Guid id, CancellationToken ct) => Summary(await GetPlanAsync(id, ct).ConfigureAwait(false));

    async Task<PlanSummary?> IPlanCatalog.FindPlanAsync(string idOrCode, CancellationToken ct) =>
        Summary(Guid.TryParse(idOrCode, out var id) ? await GetPlanAsync(id, ct).ConfigureAwait(false) : await GetPlanByCodeAsync(idOrCode, ct).ConfigureAwait(false));

    public async Task<IReadOnlyList<Guid>> ChannelIdsForPlanAsync(Guid planId, DbSession session, CancellationToken ct) =>
        (await session.Connection.QueryAsync<Guid>(new CommandDefinition(
            """
            SELECT DISTINCT pc.channel_id FROM hub.plan_package pp JOIN hub.package_channel pc ON pc.package_id = pp.package_id
            WHERE pp.plan_id = @planId ORDER BY 1
            """, new { planId }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false)).ToList();

    public async Task<IReadOnlyList<ChannelSummary>> ListAsync(ChannelSelection selection, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(selection);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<ChannelSummary>(new CommandDefinition(
            """
            SELECT id, code, name, lcn, definition, language, genre, status FROM hub.channel
            WHERE (@ids::uuid[] IS NULL OR id = ANY(@ids)) AND (@codes::text[] IS NULL OR code = ANY(@codes)) AND (NOT @activeOnly OR status = 'active')
            ORDER BY lcn
            """, new { ids = selection.Ids?.ToArray(), codes = selection.Codes?.ToArray(), activeOnly = selection.ActiveOnly }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
    }

    public async Task<IReadOnlySet<Guid>> LockExistingAsync(IReadOnlyCollection<Guid> channelIds, DbSession session, CancellationToken ct) =>
        (await session.Connection.QueryAsync<Guid>(new CommandDefinition(
            "SELECT id FROM hub.channel WHERE id = ANY(@channels) FOR KEY SHARE", new { channels = channelIds.ToArray() }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false))
            .ToHashSet();

    private static PlanSummary? Summary(Plan? plan) => plan is null ? null : new PlanSummary(plan.Id, plan.Code, plan.Name, plan.Price, plan.BillingPeriod, plan.Status);

    private sealed record PlanRow(Guid Id, string Code, string Name, string Description, decimal Price, string Currency, string BillingPeriod, string Status)
    {
        public Plan ToPlan() => new(Id, Code, Name, Description, new Money(Price, Currency.Trim()), BillingPeriod, Status);
    }
}
