using System.Reflection;
using NetArchTest.Rules;

namespace CableHub.Architecture.Tests;

/// <summary>
/// The modules' rule: a module's types may depend on core and on OTHER modules' <c>*.Contracts</c> namespaces only — never
/// on another module's domain, stores, endpoints or internals. Stated as the full names of the types that are off limits
/// (NetArchTest matches dependencies by name prefix, so the contract namespaces of the same modules stay allowed).
/// </summary>
internal static class ModuleRule
{
    /// <summary>The types of <paramref name="others"/> outside their Contracts namespaces.</summary>
    public static IReadOnlyList<string> Internals(IEnumerable<Assembly> others) =>
        others.SelectMany(a => a.GetTypes())
            .Where(t => t.FullName is not null && !t.FullName.Contains('<', StringComparison.Ordinal)
                && t.Namespace is { } ns && !ns.EndsWith(".Contracts", StringComparison.Ordinal))
            .Select(t => t.FullName!.Split('`')[0].Replace('+', '/'))
            .Distinct(StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// The types of <paramref name="assembly"/> (those in <paramref name="namespacePrefix"/>, when given) that use something of
    /// another module beyond its Contracts. Empty when the rule holds.
    /// </summary>
    public static IReadOnlyList<string> Violations(Assembly assembly, IEnumerable<Assembly> otherModules, string? namespacePrefix = null)
    {
        var forbidden = Internals(otherModules).ToArray();
        var types = Types.InAssembly(assembly);
        var result = (namespacePrefix is null ? types.That().ResideInNamespace("CableHub") : types.That().ResideInNamespace(namespacePrefix))
            .ShouldNot().HaveDependencyOnAny(forbidden)
            .GetResult();
        return result.IsSuccessful ? [] : result.FailingTypeNames.ToList();
    }
}
