using CableHub.Core.Catalog;
using CableHub.Core.Epg;
using CableHub.Core.Vod;
using CableHub.Host.Api.Epg;
using CableHub.Sagas.Messaging;
using Npgsql;

namespace CableHub.Host.Api.Catalog;

/// <summary>
/// Registers the catalog, EPG and VOD features: stores, the XMLTV importer/exporter, the price scheduler and the
/// event transactions. Configuration: <c>Catalog:RegulatoryProfile</c> = IN (default) / US / EU;
/// <c>Catalog:PriceSchedulerIntervalSeconds</c> (default 60).
/// </summary>
public static class CatalogFeatures
{
    public static IServiceCollection AddCatalogFeatures(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var profile = RegulatoryProfile.FromCode(configuration["Catalog:RegulatoryProfile"] ?? RegulatoryProfile.India.Code);
        var interval = TimeSpan.FromSeconds(int.TryParse(configuration["Catalog:PriceSchedulerIntervalSeconds"], out var s) && s > 0 ? s : 60);
        services.AddSingleton(new CatalogOptions { Profile = profile });
        services.AddSingleton<LineupStore>();
        services.AddSingleton<CatalogPricing>();
        services.AddSingleton<PriceChangeNoticeStore>();
        services.AddSingleton<EpgStore>();
        services.AddSingleton<XmltvGuideImporter>();
        services.AddSingleton<XmltvGuideExporter>();
        services.AddSingleton<VodCatalog>();
        services.AddSingleton<VodPurchases>();
        services.AddSingleton<IEventTransactions>(sp => sp.GetService<HubOutbox>() is { } outbox
            ? new OutboxEventTransactions(outbox)
            : new PlainEventTransactions(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<PlainEventTransactions>()));
        services.AddHostedService(sp => new CatalogPriceScheduler(sp.GetRequiredService<CatalogPricing>(), interval, sp.GetRequiredService<ILogger<CatalogPriceScheduler>>()));
        return services;
    }
}

/// <summary>Puts due effective-dated prices into force (hub.channel / hub.package current price) every interval.</summary>
public sealed partial class CatalogPriceScheduler(CatalogPricing pricing, TimeSpan interval, ILogger<CatalogPriceScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
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

/// <summary>A database transaction whose published events leave if and only if it commits.</summary>
public interface IEventTransaction : IAsyncDisposable
{
    NpgsqlConnection Connection { get; }

    NpgsqlTransaction Transaction { get; }

    ValueTask PublishAsync(object message);

    Task CommitAsync(CancellationToken ct);
}

/// <summary>Opens <see cref="IEventTransaction"/>s: Wolverine's durable outbox in the hub, a plain transaction without messaging.</summary>
public interface IEventTransactions
{
    Task<IEventTransaction> BeginAsync(string? correlationId, CancellationToken ct);
}

/// <summary>Through <see cref="HubOutbox"/>: events are stored with the changes and sent after the commit.</summary>
public sealed class OutboxEventTransactions(HubOutbox outbox) : IEventTransactions
{
    public async Task<IEventTransaction> BeginAsync(string? correlationId, CancellationToken ct) =>
        new OutboxEventTransaction(await outbox.BeginAsync(correlationId, ct).ConfigureAwait(false));

    private sealed class OutboxEventTransaction(OutboxTransaction tx) : IEventTransaction
    {
        public NpgsqlConnection Connection => tx.Connection;

        public NpgsqlTransaction Transaction => tx.Transaction;

        // Published by concrete type, so routing sees the event's own type.
        public ValueTask PublishAsync(object message) => message switch
        {
            ChannelPriceChangeAnnounced m => tx.PublishAsync(m),
            BouquetPriceChangeAnnounced m => tx.PublishAsync(m),
            VodTitlePurchased m => tx.PublishAsync(m),
            OneTimeChargeCreated m => tx.PublishAsync(m),
            _ => throw new ArgumentException($"no outbox route for {message?.GetType().Name}", nameof(message)),
        };

        public Task CommitAsync(CancellationToken ct) => tx.CommitAsync(ct);

        public ValueTask DisposeAsync() => tx.DisposeAsync();
    }
}

/// <summary>Without messaging (tools, tests): a plain transaction; events are only logged (the tables hold the durable record).</summary>
public sealed partial class PlainEventTransactions(NpgsqlDataSource dataSource, ILogger<PlainEventTransactions> logger) : IEventTransactions
{
    /// <summary>Events of committed transactions, newest last (for tests and diagnostics; bounded).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<object> Published { get; } = new();

    public async Task<IEventTransaction> BeginAsync(string? correlationId, CancellationToken ct)
    {
        var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        try
        {
            return new PlainEventTransaction(this, conn, await conn.BeginTransactionAsync(ct).ConfigureAwait(false));
        }
        catch
        {
            await conn.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Event (no messaging configured): {Event}")]
    private partial void LogEvent(object @event);

    private sealed class PlainEventTransaction(PlainEventTransactions owner, NpgsqlConnection conn, NpgsqlTransaction tx) : IEventTransaction
    {
        private readonly List<object> _pending = [];

        public NpgsqlConnection Connection => conn;

        public NpgsqlTransaction Transaction => tx;

        public ValueTask PublishAsync(object message)
        {
            _pending.Add(message);
            return ValueTask.CompletedTask;
        }

        public async Task CommitAsync(CancellationToken ct)
        {
            await tx.CommitAsync(ct).ConfigureAwait(false);
            foreach (var e in _pending)
            {
                owner.LogEvent(e);
                owner.Published.Enqueue(e);
                while (owner.Published.Count > 1000 && owner.Published.TryDequeue(out _))
                {
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await tx.DisposeAsync().ConfigureAwait(false);
            await conn.DisposeAsync().ConfigureAwait(false);
        }
    }
}
