using CableHub.Core.Persistence;
using CableHub.Epg.Api;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Epg;

/// <summary>
/// The EPG module: sources and channel maps, imports (XMLTV through connectors/CableHub.Connectors.Xmltv, one transaction
/// per file), the guide (now/next, schedules) and XMLTV exports of the line-up or of what a subscriber or box is entitled
/// to; <c>/api/v1/epg</c>. Channels come from the catalog (<c>IChannelDirectory</c>), entitlements from subscriptions.
/// </summary>
public static class EpgModule
{
    /// <summary>The module's own SQL migrations (journal <c>cablehub_migrations.epg</c>).</summary>
    public static ModuleMigrations Migrations { get; } = new("epg", typeof(EpgModule).Assembly, "CableHub.Epg.Migrations.");

    /// <summary>Registers the guide's store, importer and exporter. Needs the Catalog, Subscriptions and Inventory modules.</summary>
    public static IServiceCollection AddEpgModule(this IServiceCollection services)
    {
        services.AddSingleton<EpgStore>();
        services.AddSingleton<XmltvGuideImporter>();
        services.AddSingleton<XmltvGuideExporter>();
        return services;
    }

    public static IEndpointRouteBuilder MapEpgEndpoints(this IEndpointRouteBuilder app) => EpgEndpoints.MapEpg(app);
}
