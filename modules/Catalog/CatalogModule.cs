using CableHub.Core.Persistence;

namespace CableHub.Catalog;

/// <summary>The Catalog module: its tables (migrations), services and endpoint group.</summary>
public static partial class CatalogModule
{
    /// <summary>The module's own SQL migrations (journal <c>cablehub_migrations.catalog</c>).</summary>
    public static ModuleMigrations Migrations { get; } = new("catalog", typeof(CatalogModule).Assembly, "CableHub.Catalog.Migrations.");
}
