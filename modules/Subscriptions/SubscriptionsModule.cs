using CableHub.Core.Persistence;

namespace CableHub.Subscriptions;

/// <summary>The Subscriptions module: its tables (migrations), services and endpoint group.</summary>
public static partial class SubscriptionsModule
{
    /// <summary>The module's own SQL migrations (journal <c>cablehub_migrations.subscriptions</c>).</summary>
    public static ModuleMigrations Migrations { get; } = new("subscriptions", typeof(SubscriptionsModule).Assembly, "CableHub.Subscriptions.Migrations.");
}
