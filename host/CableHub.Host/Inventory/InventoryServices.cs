using CableHub.Core.Inventory;
using CableHub.Host.Configuration;

namespace CableHub.Host.Inventory;

public static class InventoryServices
{
    /// <summary>
    /// Registers the inventory stores, the EDI intake and sender, and (for the api role) the inbox watcher and the
    /// low-stock monitor. Needs <see cref="Npgsql.NpgsqlDataSource"/> and <see cref="TimeProvider"/> registered.
    /// </summary>
    public static IServiceCollection AddInventoryFeatures(this IServiceCollection services, HubSettings settings, InventorySettings? inventory = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        inventory ??= settings.Inventory;
        services.AddSingleton(inventory);
        services.AddSingleton(EdiOptions.From(settings, inventory));
        services.AddSingleton<InventoryStore>();
        services.AddSingleton<PurchaseOrderStore>();
        services.AddSingleton<ReorderStore>();
        services.AddSingleton<ReceiptStore>();
        services.AddSingleton<EdiFileStore>();
        services.AddSingleton<InventoryImportStore>();
        services.AddSingleton<EdiIntake>();
        services.AddSingleton<PurchaseOrderSender>();
        if (settings.HasRole("api"))
        {
            if (inventory.WatchInbox)
            {
                services.AddSingleton<InboxWatcher>();
                services.AddHostedService(sp => sp.GetRequiredService<InboxWatcher>());
            }

            services.AddHostedService<ReorderMonitor>();
        }

        return services;
    }
}
