using CableHub.Catalog.Api;
using CableHub.Catalog.Contracts;
using CableHub.Core.Persistence;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Catalog;

/// <summary>
/// The Catalog module: channels, bouquets, plans, effective-dated prices and their notices, the regulatory rules of the
/// configured profile, the line-up; TMF620 productOffering / productOfferingPrice and <c>/api/v1/catalog</c>; the price
/// scheduler. Other modules use <see cref="IPlanCatalog"/> and <see cref="IChannelDirectory"/>.
/// </summary>
public static class CatalogModule
{
    /// <summary>The module's own SQL migrations (journal <c>cablehub_migrations.catalog</c>).</summary>
    public static ModuleMigrations Migrations { get; } = new("catalog", typeof(CatalogModule).Assembly, "CableHub.Catalog.Migrations.");

    /// <summary>
    /// Registers the stores, the module's contracts and (with <paramref name="priceScheduler"/>) the price scheduler. Needs
    /// <see cref="Npgsql.NpgsqlDataSource"/>, <see cref="TimeProvider"/>, the Subscriptions module, and
    /// <see cref="Core.Messaging.IEventTransactions"/> for the endpoints that publish events.
    /// </summary>
    public static IServiceCollection AddCatalogModule(this IServiceCollection services, CatalogOptions options, bool priceScheduler = true)
    {
        services.AddSingleton(options);
        services.AddSingleton<CatalogStore>();
        services.AddSingleton<IPlanCatalog>(sp => sp.GetRequiredService<CatalogStore>());
        services.AddSingleton<IChannelDirectory>(sp => sp.GetRequiredService<CatalogStore>());
        services.AddSingleton<ICatalogOfferings, CatalogOfferings>();
        services.AddSingleton<IPlanRating, Rating.PlanRatingStore>();
        services.AddSingleton<LineupStore>();
        services.AddSingleton<CatalogPricing>();
        services.AddSingleton<PriceChangeNoticeStore>();
        services.AddSingleton<ProductOfferings>();
        if (priceScheduler)
        {
            services.AddHostedService<CatalogPriceScheduler>();
        }

        return services;
    }

    /// <summary>TMF620 <c>productOffering</c> and <c>productOfferingPrice</c>, and <c>/api/v1/catalog</c>.</summary>
    public static IEndpointRouteBuilder MapCatalogEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapProductOfferings();
        app.MapCatalogOperations();
        return app;
    }
}
