using CableHub.Core.Persistence;

namespace CableHub.Ordering;

/// <summary>The Ordering module: its tables (migrations), services and endpoint group.</summary>
public static partial class OrderingModule
{
    /// <summary>The module's own SQL migrations (journal <c>cablehub_migrations.ordering</c>).</summary>
    public static ModuleMigrations Migrations { get; } = new("ordering", typeof(OrderingModule).Assembly, "CableHub.Ordering.Migrations.");
}
