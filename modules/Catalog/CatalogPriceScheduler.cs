using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CableHub.Catalog;

/// <summary>Puts due effective-dated prices into force (hub.channel / hub.package current price) every interval.</summary>
internal sealed partial class CatalogPriceScheduler(CatalogPricing pricing, CatalogOptions options, TimeProvider clock, ILogger<CatalogPriceScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.PriceSchedulerInterval, clock);
        do
        {
            try
            {
                var applied = await pricing.ApplyDueAsync(stoppingToken).ConfigureAwait(false);
                if (applied > 0)
                {
                    LogApplied(applied);
                }
            }
            catch (NpgsqlException ex)
            {
                LogFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Price scheduler: {Applied} scheduled price(s) now in force")]
    private partial void LogApplied(int applied);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Price scheduler: applying due prices failed; retrying next interval")]
    private partial void LogFailed(Exception ex);
}
