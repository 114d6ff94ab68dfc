using CableHub.Architecture.Tests.Fixtures;

namespace CableHub.Architecture.Tests;

/// <summary>The rules are only worth something if they fail on a violation: fixture types of this assembly break them on purpose.</summary>
public sealed class RuleDetectsViolationsTests
{
    [Fact]
    public void A_type_reaching_into_another_modules_internals_is_detected()
    {
        var violations = ModuleRule.Violations(typeof(RuleDetectsViolationsTests).Assembly, [Solution.Modules["Catalog"]], "CableHub.Architecture.Tests.Fixtures");
        violations.ShouldContain(typeof(ReachesIntoCatalogInternals).FullName!);
        violations.ShouldNotContain(typeof(UsesCatalogContractsOnly).FullName!);
    }

    [Fact]
    public void The_internals_list_leaves_the_contracts_out()
    {
        var internals = ModuleRule.Internals([Solution.Modules["Catalog"]]);
        internals.ShouldContain(typeof(Catalog.LineupStore).FullName!);
        internals.ShouldNotContain(typeof(Catalog.Contracts.IPlanCatalog).FullName!);
    }
}
