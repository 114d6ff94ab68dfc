using System.Reflection;
using CableHub.Core.Persistence;
using CableHub.Modules;

namespace CableHub.Architecture.Tests;

/// <summary>The assemblies of the solution by layer, loaded from the test's output folder (the host references all of them).</summary>
internal static class Solution
{
    public static Assembly Core { get; } = typeof(Core.Money).Assembly;

    public static Assembly CoreApi { get; } = typeof(Core.Api.ProblemMapping).Assembly;

    /// <summary>Module name (e.g. Catalog) → its assembly.</summary>
    public static IReadOnlyDictionary<string, Assembly> Modules { get; } = new Dictionary<string, Assembly>
    {
        ["Customers"] = typeof(Customers.CustomersModule).Assembly,
        ["Catalog"] = typeof(Catalog.CatalogModule).Assembly,
        ["Epg"] = typeof(Epg.EpgModule).Assembly,
        ["Vod"] = typeof(Vod.VodModule).Assembly,
        ["Ordering"] = typeof(Ordering.OrderingModule).Assembly,
        ["Subscriptions"] = typeof(Subscriptions.SubscriptionsModule).Assembly,
        ["Inventory"] = typeof(Inventory.InventoryModule).Assembly,
        ["Billing"] = typeof(Billing.BillingModule).Assembly,
        ["Audit"] = typeof(Audit.AuditModule).Assembly,
        ["Tickets"] = typeof(Tickets.TicketsModule).Assembly,
    };

    public static Assembly Sagas { get; } = typeof(Sagas.SagasSchema).Assembly;

    public static IReadOnlyList<Assembly> Connectors { get; } =
    [
        typeof(Connectors.Cas.Simulator.SimulatedConditionalAccessSystem).Assembly,
        typeof(Connectors.Edi.EdiDocumentParser).Assembly,
        typeof(Connectors.Xmltv.XmltvReader).Assembly,
        typeof(Connectors.Common.Resilience.ConnectorResilienceOptions).Assembly,
        typeof(Connectors.DeviceManagement.DeviceManagementConnector).Assembly,
        typeof(Connectors.Notifications.Store.NotificationsSchema).Assembly,
        typeof(Connectors.Stripe.StripePayments).Assembly,
        typeof(Connectors.Iso20022.BankFileCommand).Assembly,
    ];

    /// <summary>The warehouse (migrations, marts, DDL dialect, export) and the churn models: fed by the pipelines, never by a module.</summary>
    public static IReadOnlyList<Assembly> Analytics { get; } =
    [
        typeof(Warehouse.Migrations.WarehouseMigrator).Assembly,
        typeof(Warehouse.Ddl.ClickHouseTopology).Assembly,
        typeof(Warehouse.Export.WarehouseExporter).Assembly,
        typeof(Ml.Data.ColumnInference).Assembly,
    ];

    public static Assembly Host { get; } = typeof(Host.HubServer).Assembly;

    public static IReadOnlyList<Assembly> Pipelines { get; } =
    [
        typeof(Pipelines.Cdc.CdcReader).Assembly,
        typeof(Pipelines.Ingest.WarehouseIngester).Assembly,
        typeof(Pipelines.Kafka.KafkaClientSettings).Assembly,
    ];

    /// <summary>Dev-only projects that product code must never reference.</summary>
    public static IReadOnlyList<string> DevOnlyNamespaces { get; } = ["CableHub.DevServers", "CableHub.Demo", "CableHub.Warehouse.Embedded", "CableHub.Host"];

    /// <summary>Every project root namespace of ours.</summary>
    public static IReadOnlyList<string> OurNamespaces { get; } =
    [
        .. Modules.Keys.Select(m => "CableHub." + m), "CableHub.Sagas", "CableHub.Connectors", "CableHub.Pipelines", "CableHub.Warehouse", "CableHub.Host",
        "CableHub.DevServers", "CableHub.Demo", "CableHub.Modules", "CableHub.Ml",
    ];

    public static ModuleMigrations MigrationsOf(string module) =>
        HubModules.Migrations.Single(m => string.Equals(m.Module, module, StringComparison.OrdinalIgnoreCase));
}
