using CableHub.Core.Persistence;
using CableHub.Inventory.Api;
using CableHub.Inventory.Contracts;
using CableHub.Inventory.Edi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Inventory;

/// <summary>
/// The Inventory module: equipment models and suppliers, serial-level devices with their ONE lifecycle writer (every
/// status or location change checked by the lifecycle and recorded as a movement), pairing, stock and reorder points,
/// purchasing (X12 850 out), receipts from ship notices (X12 856 / EDIFACT DESADV in) through the EDI intake workflow;
/// TMF639 <c>resource</c>, <c>/api/inventory</c>, <c>/api/edi</c>. Other modules use <see cref="IStbReservations"/> and
/// <see cref="IDeviceDirectory"/>.
/// </summary>
public static class InventoryModule
{
    /// <summary>
    /// Columns of its tables that may leave PostgreSQL in the change stream: the reasons staff type on returns, movements and
    /// pairings stay out (a technician's swap note or a clerk's return note can name a person; erasure overwrites them).
    /// </summary>
    public static IReadOnlyDictionary<string, string> StreamedColumns { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["hub.device_return"] = "id,device_id,customer_id,reference,requested_at,received_at",
        ["hub.stock_movement"] = "id,device_id,model_code,quantity,from_location_id,to_location_id,from_status,to_status,actor,reference,at",
        ["hub.device_pairing"] = "id,stb_id,card_id,action,actor,at",
    };

    /// <summary>The module's own SQL migrations (journal <c>cablehub_migrations.inventory</c>).</summary>
    public static ModuleMigrations Migrations { get; } = new("inventory", typeof(InventoryModule).Assembly, "CableHub.Inventory.Migrations.");

    /// <summary>
    /// Registers the stores, the EDI intake and sender, the module's contracts, and (with <paramref name="backgroundJobs"/>)
    /// the inbox watcher and the low-stock monitor. Needs <see cref="Npgsql.NpgsqlDataSource"/> and <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddInventoryModule(this IServiceCollection services, InventorySettings settings, EdiOptions edi, bool backgroundJobs)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton(settings);
        services.AddSingleton(edi);
        services.AddSingleton<InventoryStore>();
        services.AddSingleton<CableHub.Core.Ports.IDataSubjectRecords, DeviceDataSubjectRecords>(); // what it holds on a customer (access export)
        services.AddSingleton<CableHub.Core.Ports.IDataSubjectEraser, DeviceErasure>(); // erasure: typed reasons overwritten, devices kept
        services.AddSingleton<Core.Api.Access.IResourceOwnerResolver, DeviceOwners>();
        services.AddSingleton<PurchaseOrderStore>();
        services.AddSingleton<ReorderStore>();
        services.AddSingleton<ReceiptStore>();
        services.AddSingleton<EdiFileStore>();
        services.AddSingleton<InventoryImportStore>();
        services.AddSingleton<EdiIntake>();
        services.AddSingleton<PurchaseOrderSender>();
        services.AddSingleton<IStbReservations, StbReservations>();
        services.AddSingleton<IDeviceDirectory, StbReservations>();
        services.AddSingleton<IDeviceLifecycle, DeviceLifecycleStore>();
        if (backgroundJobs)
        {
            if (settings.WatchInbox)
            {
                services.AddSingleton<InboxWatcher>();
                services.AddHostedService(sp => sp.GetRequiredService<InboxWatcher>());
            }

            services.AddHostedService<ReorderMonitor>();
        }

        return services;
    }

    /// <summary>TMF639 <c>resource</c>, <c>/api/inventory</c> and <c>/api/edi</c>.</summary>
    public static IEndpointRouteBuilder MapInventoryEndpoints(this IEndpointRouteBuilder app)
    {
        ResourceInventoryEndpoints.Map(app);
        InventoryEndpoints.Map(app);
        EdiEndpoints.Map(app);
        return app;
    }
}
