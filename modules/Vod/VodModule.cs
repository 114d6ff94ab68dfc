using CableHub.Catalog.Contracts;
using CableHub.Core.Persistence;
using CableHub.Vod.Api;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Vod;

/// <summary>
/// The VOD module: titles, rights windows, offers, purchases and their one-time charges (marked billed when Billing reports
/// them through <see cref="Contracts.IOneTimeChargeBilling"/>); <c>/api/v1/vod</c>. It serves its offers to the TMF620 catalogue through <see cref="IVodOfferings"/>.
/// </summary>
public static class VodModule
{
    /// <summary>The module's own SQL migrations (journal <c>cablehub_migrations.vod</c>).</summary>
    public static ModuleMigrations Migrations { get; } = new("vod", typeof(VodModule).Assembly, "CableHub.Vod.Migrations.");

    /// <summary>Registers the VOD services. Needs the Catalog, Customers and Subscriptions modules, and <see cref="Core.Messaging.IEventTransactions"/>.</summary>
    public static IServiceCollection AddVodModule(this IServiceCollection services)
    {
        services.AddSingleton<VodCatalog>();
        services.AddSingleton<IVodOfferings>(sp => sp.GetRequiredService<VodCatalog>());
        services.AddSingleton<VodPurchases>();
        services.AddSingleton<CableHub.Vod.Contracts.IOneTimeChargeBilling, VodChargeBilling>();
        services.AddSingleton<CableHub.Core.Ports.IDataSubjectRecords, VodDataSubjectRecords>(); // what it holds on a customer (access export)
        return services;
    }

    public static IEndpointRouteBuilder MapVodEndpoints(this IEndpointRouteBuilder app) => VodEndpoints.MapVod(app);
}
