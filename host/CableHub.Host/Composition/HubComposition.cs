using CableHub.Catalog;
using CableHub.Core.Security;
using CableHub.Customers;
using CableHub.Epg;
using CableHub.Host.Configuration;
using CableHub.Inventory;
using CableHub.Inventory.Edi;
using CableHub.Ordering;
using CableHub.Subscriptions;
using CableHub.Vod;
using Npgsql;

namespace CableHub.Host.Composition;

/// <summary>
/// The composition of the modules: their options bound from configuration (libraries never read it), their services, and
/// their endpoint groups. The one place that knows every module.
/// </summary>
public static class HubComposition
{
    /// <summary>
    /// Registers every module. With <paramref name="backgroundJobs"/> the modules' background work runs too (price scheduler;
    /// for the api role the EDI inbox watcher and the low-stock monitor). Needs an <see cref="NpgsqlDataSource"/>, a
    /// <see cref="TimeProvider"/> and a <see cref="FieldEncryptor"/>; endpoints that publish events need the messaging's
    /// <c>IEventTransactions</c>.
    /// </summary>
    public static IServiceCollection AddHubModules(this IServiceCollection services, HubSettings settings, IConfiguration configuration, bool backgroundJobs)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddCustomersModule();
        services.AddSubscriptionsModule();
        services.AddCatalogModule(CatalogOptions(configuration), priceScheduler: backgroundJobs);
        services.AddInventoryModule(settings.Inventory, EdiOptions.From(settings.DataDirectory, settings.Inventory), backgroundJobs && settings.HasRole("api"));
        services.AddOrderingModule();
        services.AddEpgModule();
        services.AddVodModule();
        return services;
    }

    /// <summary>Every module's endpoint group.</summary>
    public static IEndpointRouteBuilder MapHubModules(this IEndpointRouteBuilder app)
    {
        app.MapCustomersEndpoints();
        app.MapCatalogEndpoints();
        app.MapEpgEndpoints();
        app.MapVodEndpoints();
        app.MapOrderingEndpoints();
        app.MapInventoryEndpoints();
        return app;
    }

    /// <summary>
    /// The modules for a CLI verb: no background work, no messaging, no HTTP (verbs parse their arguments and call module
    /// services from this provider).
    /// </summary>
    public static ServiceProvider CliServices(NpgsqlDataSource dataSource, HubSettings settings, IConfiguration configuration, ILoggerFactory loggers, FieldEncryptor? encryptor = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(dataSource);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(loggers);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        if (encryptor is not null)
        {
            services.AddSingleton(encryptor);
        }

        services.AddHubModules(settings, configuration, backgroundJobs: false);
        return services.BuildServiceProvider();
    }

    /// <summary><c>Catalog:RegulatoryProfile</c> = IN (default) / US / EU; <c>Catalog:PriceSchedulerIntervalSeconds</c> (default 60).</summary>
    public static CatalogOptions CatalogOptions(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var profile = RegulatoryProfile.FromCode(configuration["Catalog:RegulatoryProfile"] ?? RegulatoryProfile.India.Code);
        var interval = TimeSpan.FromSeconds(int.TryParse(configuration["Catalog:PriceSchedulerIntervalSeconds"], out var s) && s > 0 ? s : 60);
        return new CatalogOptions { Profile = profile, PriceSchedulerInterval = interval };
    }
}
