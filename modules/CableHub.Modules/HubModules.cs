using CableHub.Audit;
using CableHub.Billing;
using CableHub.Catalog;
using CableHub.Connectors.Notifications.Store;
using CableHub.Core.Persistence;
using CableHub.Customers;
using CableHub.Epg;
using CableHub.Identity;
using CableHub.Inventory;
using CableHub.Ordering;
using CableHub.Sagas;
using CableHub.Subscriptions;
using CableHub.Tickets;
using CableHub.Vod;
using Microsoft.Extensions.Logging;

namespace CableHub.Modules;

/// <summary>The hub's modules in their declared order.</summary>
public static class HubModules
{
    /// <summary>
    /// Migrations in the order they run: Customers, Identity (accounts, API clients, the access audit; customers by id only), Catalog, Inventory (devices reference customers), Ordering (orders
    /// reference customers, billing accounts and plans), Subscriptions (orders, devices, channels), Billing (billing accounts, customers), EPG (channels), VOD
    /// (plans, customers, billing accounts), Tickets (customers, devices, subscriptions), Audit (the audit log: triggers on the audited tables of the modules before it); then the sagas' own schema and the notification log's.
    /// </summary>
    public static IReadOnlyList<ModuleMigrations> Migrations { get; } =
    [
        CustomersModule.Migrations,
        IdentityModule.Migrations,
        CatalogModule.Migrations,
        InventoryModule.Migrations,
        OrderingModule.Migrations,
        SubscriptionsModule.Migrations,
        BillingModule.Migrations,
        EpgModule.Migrations,
        VodModule.Migrations,
        TicketsModule.Migrations,
        AuditModule.Migrations,
        SagasSchema.Migrations,
        NotificationsSchema.Migrations,
    ];

    /// <summary>Brings the operational database (schema <c>hub</c>) up to date: every module's migrations, in order.</summary>
    public static Task MigrateAsync(string connectionString, ILogger logger, CancellationToken ct = default) =>
        SchemaMigrator.MigrateAsync(connectionString, Migrations, logger, ct);
}
