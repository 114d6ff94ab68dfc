using CableHub.Audit;
using CableHub.Billing;
using CableHub.Core.Messaging;
using CableHub.Core.Security;
using CableHub.Customers;
using CableHub.Epg;
using CableHub.Inventory;
using CableHub.Inventory.Edi;
using CableHub.Ordering;
using CableHub.Subscriptions;
using CableHub.Vod;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using CableHub.Catalog;
using CableHub.Connectors.Notifications;

namespace CableHub.Modules.Testing;

/// <summary>Every module registered as the hub registers them (no background jobs), on a test database with a test clock.</summary>
public static class ModuleServices
{
    /// <summary>The field-encryption key of the tests (32 bytes 1..32).</summary>
    public static FieldEncryptor Encryptor { get; } = FieldEncryptor.FromSingleKey(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    public static ServiceProvider Build(NpgsqlDataSource dataSource, TimeProvider clock, IEventTransactions? events = null, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        Register(services, dataSource, clock, events);
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    /// <summary>Adds the modules and what they need to <paramref name="services"/>.</summary>
    public static IServiceCollection Register(IServiceCollection services, NpgsqlDataSource dataSource, TimeProvider clock, IEventTransactions? events = null, string? ediRoot = null)
    {
        services.AddSingleton(dataSource);
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton(Encryptor);
        services.TryAddSingleton<ILoggerFactory>(NullLoggerFactory.Instance); // a host's own logging wins
        services.TryAddSingleton(typeof(ILogger<>), typeof(Logger<>));
        if (events is not null)
        {
            services.AddSingleton(events);
        }

        services.AddCustomersModule();
        services.AddSubscriptionsModule();
        services.AddCatalogModule(new CatalogOptions(), priceScheduler: false);
        services.AddInventoryModule(new InventorySettings { WatchInbox = false }, EdiOptions.Under(ediRoot ?? Path.Combine(Path.GetTempPath(), "cablehub-edi-unused")), backgroundJobs: false);
        services.AddOrderingModule();
        services.AddEpgModule();
        services.AddVodModule();
        services.AddBillingModule(new BillingOptions());
        services.AddBillingPeriods();
        services.AddAuditModule();
        services.AddCommunicationHistory();
        return services;
    }
}
