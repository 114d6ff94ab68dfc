using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CableHub.Inventory.Edi;

/// <summary>Runs the low-stock check every few minutes (and, when configured, drafts purchase orders from open alerts).</summary>
public sealed class ReorderMonitor(ReorderStore reorder, PurchaseOrderStore orders, InventorySettings settings, ILogger<ReorderMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.ReorderCheckMinutes <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(settings.ReorderCheckMinutes));
        do
        {
            try
            {
                var result = await reorder.CheckAsync(stoppingToken).ConfigureAwait(false);
                if (result.Raised.Count > 0 || result.Resolved.Count > 0)
                {
                    logger.LogInformation("Low-stock check: {Raised} alert(s) raised, {Resolved} resolved, {Open} open", result.Raised.Count, result.Resolved.Count, result.StillOpen.Count);
                }

                if (settings.DraftPurchaseOrdersFromAlerts)
                {
                    var (created, _) = await orders.CreateFromOpenAlertsAsync(InventoryActor.System("low stock"), stoppingToken).ConfigureAwait(false);
                    foreach (var po in created)
                    {
                        logger.LogInformation("Drafted purchase order {Number} for {Supplier} from low-stock alerts", po.Number, po.SupplierCode);
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Low-stock check failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
