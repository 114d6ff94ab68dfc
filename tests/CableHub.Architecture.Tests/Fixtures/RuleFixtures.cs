using CableHub.Catalog;
using CableHub.Catalog.Contracts;

namespace CableHub.Architecture.Tests.Fixtures;

/// <summary>BREAKS THE RULE ON PURPOSE (for <see cref="RuleDetectsViolationsTests"/>): uses the catalog's store, not its contract.</summary>
public sealed class ReachesIntoCatalogInternals(LineupStore lineup)
{
    public RegulatoryProfile Profile => lineup.Profile;
}

/// <summary>Keeps the rule: uses the catalog's contract only.</summary>
public sealed class UsesCatalogContractsOnly(IPlanCatalog plans)
{
    public Task<PlanSummary?> PlanAsync(Guid id) => plans.GetPlanAsync(id, CancellationToken.None);
}
