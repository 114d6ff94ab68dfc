using CableHub.Core.Persistence;

namespace CableHub.Connectors.Notifications.Store;

/// <summary>
/// The sent-once log's tables (schema <c>notification</c>, in the hub's database), migrated by the hub's migration runner
/// after the modules (journal <c>cablehub_migrations.notification</c>).
/// </summary>
public static class NotificationsSchema
{
    public static ModuleMigrations Migrations { get; } =
        new("notification", typeof(NotificationsSchema).Assembly, "CableHub.Connectors.Notifications.Store.");
}
