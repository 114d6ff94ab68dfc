using System.Reflection;
using System.Text.RegularExpressions;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace CableHub.Architecture.Tests;

/// <summary>
/// "Modules talk through contracts, never through each other's tables": the SQL in a module's code (every string literal
/// of its assembly) names only the tables, views and sequences its own migrations create in schema <c>hub</c>.
/// </summary>
public sealed partial class TableOwnershipTests
{
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
    public void A_modules_SQL_names_only_its_own_tables(string module)
    {
        var owned = OwnedBy(module);
        owned.ShouldNotBeEmpty();
        var named = NamedIn(Solution.Modules[module]);
        named.Keys.Except(owned).Select(t => $"hub.{t} (in {string.Join(", ", named[t].Take(3))})").ShouldBeEmpty($"{module}'s code names tables of other modules");
    }

    [Fact]
    public void The_sagas_name_no_table_of_the_modules()
    {
        NamedIn(Solution.Sagas).Keys.ShouldBeEmpty("the sagas reach the modules through their contracts only");
    }

    [Fact]
    public void The_host_names_no_table_of_the_modules()
    {
        NamedIn(Solution.Host).Keys.ShouldBeEmpty("the host is composition and CLI: module tables are reached through the modules");
    }

    [Fact]
    public void Connectors_name_no_table_of_the_modules()
    {
        foreach (var assembly in Solution.Connectors)
        {
            NamedIn(assembly).Keys.ShouldBeEmpty($"{assembly.GetName().Name} names hub tables");
        }
    }

    [Fact]
    public void Every_table_has_one_owner()
    {
        var owners = Solution.Modules.Keys.SelectMany(m => OwnedBy(m).Select(t => (Table: t, Module: m))).GroupBy(x => x.Table).ToList();
        owners.Where(g => g.Count() > 1).Select(g => $"hub.{g.Key}: {string.Join(", ", g.Select(x => x.Module))}").ShouldBeEmpty();
        owners.Count.ShouldBeGreaterThan(50);
    }

    [Fact]
    public void The_scan_finds_a_table_named_by_code_of_another_module()
    {
        // The check itself: Catalog's assembly names hub.channel, which Epg does not own.
        NamedIn(Solution.Modules["Catalog"]).Keys.ShouldContain("channel");
        OwnedBy("Epg").ShouldNotContain("channel");
    }

    /// <summary>hub.* objects the module's migrations create.</summary>
    private static HashSet<string> OwnedBy(string module) =>
        Solution.MigrationsOf(module).Scripts()
            .SelectMany(s => Created().Matches(s.Sql).Select(m => m.Groups["name"].Value))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>hub.* names in the string literals of the assembly's code → where.</summary>
    private static Dictionary<string, List<string>> NamedIn(Assembly assembly)
    {
        using var definition = AssemblyDefinition.ReadAssembly(assembly.Location);
        var found = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var type in definition.MainModule.GetTypes())
        {
            var literals = type.Methods.Where(m => m.HasBody).SelectMany(m => m.Body.Instructions)
                .Where(i => i.OpCode == OpCodes.Ldstr).Select(i => (string)i.Operand)
                .Concat(type.Fields.Where(f => f.HasConstant && f.Constant is string).Select(f => (string)f.Constant));
            foreach (var literal in literals)
            {
                foreach (Match match in Named().Matches(literal))
                {
                    var table = match.Groups["name"].Value;
                    if (!found.TryGetValue(table, out var where))
                    {
                        found[table] = where = [];
                    }

                    where.Add(type.FullName);
                }
            }
        }

        return found;
    }

    [GeneratedRegex(@"CREATE\s+(?:TABLE|VIEW|SEQUENCE|FUNCTION)\s+(?:IF\s+NOT\s+EXISTS\s+)?hub\.(?<name>[a-z_0-9]+)", RegexOptions.IgnoreCase)]
    private static partial Regex Created();

    [GeneratedRegex(@"(?<![\w.])hub\.(?<name>[a-z_][a-z_0-9]*)")]
    private static partial Regex Named();
}
