using CableHub.Core.Persistence;
using CableHub.Ordering.Api;
using CableHub.Ordering.Contracts;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Ordering;

/// <summary>
/// The Ordering module: TMF622 product orders (validation, placement with the new customer in one transaction, state
/// history). Onboarding drives the order through <see cref="IProductOrderLifecycle"/>.
/// </summary>
public static class OrderingModule
{
    /// <summary>The module's own SQL migrations (journal <c>cablehub_migrations.ordering</c>).</summary>
    public static ModuleMigrations Migrations { get; } = new("ordering", typeof(OrderingModule).Assembly, "CableHub.Ordering.Migrations.");

    /// <summary>Registers the order store and validator. Needs the Customers and Catalog modules and <see cref="Core.Messaging.IEventTransactions"/>.</summary>
    public static IServiceCollection AddOrderingModule(this IServiceCollection services)
    {
        services.AddSingleton<ProductOrderStore>();
        services.AddSingleton<CableHub.Core.Ports.IDataSubjectRecords, OrderDataSubjectRecords>(); // what it holds on a customer (access export)
        services.AddSingleton<IProductOrderLifecycle>(sp => sp.GetRequiredService<ProductOrderStore>());
        services.AddSingleton<ProductOrderValidator>();
        services.AddSingleton<Core.Api.Access.IResourceOwnerResolver, ProductOrderOwners>();
        services.AddSingleton<ProductOrderChangeValidator>();
        return services;
    }

    /// <summary>TMF622 <c>productOrder</c>.</summary>
    public static IEndpointRouteBuilder MapOrderingEndpoints(this IEndpointRouteBuilder app) => ProductOrderEndpoints.Map(app);
}
