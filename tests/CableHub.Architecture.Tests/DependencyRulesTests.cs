using System.Reflection;
using NetArchTest.Rules;

namespace CableHub.Architecture.Tests;

/// <summary>
/// The allowed references (docs/ARCHITECTURE.md, "Rules"): core depends on nothing of ours; a module on core and other
/// modules' Contracts; sagas on core and the modules' Contracts; connectors and pipelines on core (no module); warehouse and
/// ml on no module, saga, connector or host; product code never on the dev-only servers or the demo seed; only the host
/// knows everything, and maps no SQL of its own.
/// </summary>
public sealed class DependencyRulesTests
{
    [Fact]
    public void Core_depends_on_nothing_of_ours()
    {
        foreach (var assembly in new[] { Solution.Core, Solution.CoreApi })
        {
            var result = Types.InAssembly(assembly).ShouldNot().HaveDependencyOnAny([.. Solution.OurNamespaces]).GetResult();
            result.IsSuccessful.ShouldBeTrue($"{assembly.GetName().Name} depends on: {string.Join(", ", result.FailingTypeNames ?? [])}");
        }
    }

    [Theory]
    [InlineData("Customers")]
    [InlineData("Catalog")]
    [InlineData("Epg")]
    [InlineData("Vod")]
    [InlineData("Ordering")]
    [InlineData("Subscriptions")]
    [InlineData("Billing")]
    [InlineData("Inventory")]
    [InlineData("Audit")]
    public void A_module_uses_other_modules_only_through_their_contracts(string module)
    {
        var others = Solution.Modules.Where(m => m.Key != module).Select(m => m.Value).ToList();
        ModuleRule.Violations(Solution.Modules[module], others).ShouldBeEmpty($"{module} reaches into another module");
    }

    [Fact]
    public void Sagas_use_the_modules_only_through_their_contracts()
    {
        ModuleRule.Violations(Solution.Sagas, Solution.Modules.Values).ShouldBeEmpty();
    }

    [Fact]
    public void Connectors_and_pipelines_know_no_module_and_no_saga()
    {
        string[] forbidden = [.. Solution.Modules.Keys.Select(m => "CableHub." + m), "CableHub.Sagas", "CableHub.Host", "CableHub.Modules"];
        foreach (var assembly in Solution.Connectors.Concat(Solution.Pipelines))
        {
            var result = Types.InAssembly(assembly).ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
            result.IsSuccessful.ShouldBeTrue($"{assembly.GetName().Name} depends on: {string.Join(", ", result.FailingTypeNames ?? [])}");
        }
    }

    [Fact]
    public void Warehouse_and_ml_know_no_module_no_saga_and_no_host()
    {
        string[] forbidden = [.. Solution.Modules.Keys.Select(m => "CableHub." + m), "CableHub.Sagas", "CableHub.Host", "CableHub.Modules", "CableHub.Connectors"];
        foreach (var assembly in Solution.Analytics)
        {
            var result = Types.InAssembly(assembly).ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
            result.IsSuccessful.ShouldBeTrue($"{assembly.GetName().Name} depends on: {string.Join(", ", result.FailingTypeNames ?? [])}");
        }
    }

    [Fact]
    public void The_host_maps_no_SQL_of_its_own()
    {
        // Composition and CLI only: stores (Dapper) live in the modules; the host's few PostgreSQL commands are health probes
        // and benchmark databases, never a module's tables (TableOwnershipTests.The_host_names_no_table_of_the_modules).
        var result = Types.InAssembly(Solution.Host).ShouldNot().HaveDependencyOn("Dapper").GetResult();
        result.IsSuccessful.ShouldBeTrue($"host types using Dapper: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void Product_code_never_uses_the_dev_only_servers_or_the_demo_seed()
    {
        IEnumerable<Assembly> product = [Solution.Core, Solution.CoreApi, .. Solution.Modules.Values, Solution.Sagas, .. Solution.Connectors, .. Solution.Pipelines, .. Solution.Analytics];
        foreach (var assembly in product)
        {
            var result = Types.InAssembly(assembly).ShouldNot().HaveDependencyOnAny([.. Solution.DevOnlyNamespaces, "CableHub.Pipelines.Kafka.EmbeddedKafka"]).GetResult();
            var failing = (result.FailingTypeNames ?? []).Where(t => !t.StartsWith("CableHub.Pipelines.Kafka.Embedded", StringComparison.Ordinal)
                && !t.StartsWith("CableHub.Pipelines.Kafka.TcpForwarder", StringComparison.Ordinal)
                && !t.StartsWith("CableHub.Warehouse.Embedded", StringComparison.Ordinal)).ToList();
            failing.ShouldBeEmpty($"{assembly.GetName().Name} uses dev-only code");
        }
    }

    [Fact]
    public void Every_module_has_the_same_shape_migrations_a_registration_and_its_module_class()
    {
        foreach (var (name, assembly) in Solution.Modules)
        {
            var module = assembly.GetType($"CableHub.{name}.{name}Module").ShouldNotBeNull($"CableHub.{name}.{name}Module");
            module.GetProperty("Migrations", BindingFlags.Public | BindingFlags.Static).ShouldNotBeNull($"{name}Module.Migrations");
            module.GetMethod($"Add{name}Module", BindingFlags.Public | BindingFlags.Static).ShouldNotBeNull($"{name}Module.Add{name}Module");
            assembly.GetManifestResourceNames().ShouldContain(r => r.StartsWith($"CableHub.{name}.Migrations.", StringComparison.Ordinal), $"{name} owns no migration");
        }
    }
}
