using CableHub.Core.Persistence;

namespace CableHub.Inventory;

/// <summary>The Inventory module: its tables (migrations), services and endpoint group.</summary>
public static partial class InventoryModule
{
    /// <summary>The module's own SQL migrations (journal <c>cablehub_migrations.inventory</c>).</summary>
    public static ModuleMigrations Migrations { get; } = new("inventory", typeof(InventoryModule).Assembly, "CableHub.Inventory.Migrations.");
}
