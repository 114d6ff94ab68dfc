using System.Reflection;

namespace CableHub.Core.Persistence;

/// <summary>
/// The SQL migrations of one module: embedded <c>*.sql</c> resources of <paramref name="Assembly"/> whose names start with
/// <paramref name="ResourcePrefix"/>, applied in name order and journaled in their own table
/// (<c>cablehub_migrations.&lt;module&gt;</c>). Each module owns the tables its scripts create and nobody else writes them.
/// </summary>
/// <param name="Module">Short lower-case name (<c>catalog</c>): the journal table's name.</param>
/// <param name="Assembly">The module's assembly, holding the scripts as embedded resources.</param>
/// <param name="ResourcePrefix">Resource name prefix, e.g. <c>CableHub.Catalog.Migrations.</c>.</param>
public sealed record ModuleMigrations(string Module, Assembly Assembly, string ResourcePrefix)
{
    /// <summary>The module's scripts: resource name → SQL, in the order they apply.</summary>
    public IReadOnlyList<(string Name, string Sql)> Scripts()
    {
        var scripts = new List<(string, string)>();
        foreach (var name in Assembly.GetManifestResourceNames()
                     .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            using var stream = Assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            scripts.Add((name, reader.ReadToEnd()));
        }

        return scripts;
    }
}
