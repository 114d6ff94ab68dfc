using CableHub.Core.Persistence;

namespace CableHub.Customers;

/// <summary>The Customers module: its tables (migrations), services and endpoint group.</summary>
public static partial class CustomersModule
{
    /// <summary>The module's own SQL migrations (journal <c>cablehub_migrations.customers</c>).</summary>
    public static ModuleMigrations Migrations { get; } = new("customers", typeof(CustomersModule).Assembly, "CableHub.Customers.Migrations.");
}
