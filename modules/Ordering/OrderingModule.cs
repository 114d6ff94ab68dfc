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
    /// <summary>
    /// Columns of its tables that may leave PostgreSQL in the change stream: an order's state reason and its items' and
    /// history's reasons stay out (a requester's typed cancellation or change reason can name a person; erasure overwrites them).
    /// </summary>
    public static IReadOnlyDictionary<string, string> StreamedColumns { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["hub.product_order"] = "id,external_id,state,customer_id,billing_account_id,channel,correlation_id,requested_at,completed_at,updated_at,kind,requested_start_at,placed_by",
        ["hub.product_order_item"] = "order_id,item_id,action,plan_id,quantity,state,subscription_id,offering_kind,offering_id,target_status",
        ["hub.product_order_state_change"] = "id,order_id,state,at",
    };

    /// <summary>The module's own SQL migrations (journal <c>cablehub_migrations.ordering</c>).</summary>
    public static ModuleMigrations Migrations { get; } = new("ordering", typeof(OrderingModule).Assembly, "CableHub.Ordering.Migrations.");

    /// <summary>Registers the order store and validator. Needs the Customers and Catalog modules and <see cref="Core.Messaging.IEventTransactions"/>.</summary>
    public static IServiceCollection AddOrderingModule(this IServiceCollection services)
    {
        services.AddSingleton<ProductOrderStore>();
        services.AddSingleton<CableHub.Core.Ports.IDataSubjectRecords, OrderDataSubjectRecords>(); // what it holds on a customer (access export)
        services.AddSingleton<CableHub.Core.Ports.IDataSubjectEraser, OrderErasure>(); // erasure: typed reasons overwritten, orders kept
        services.AddSingleton<IProductOrderLifecycle>(sp => sp.GetRequiredService<ProductOrderStore>());
        services.AddSingleton<ProductOrderValidator>();
        services.AddSingleton<Core.Api.Access.IResourceOwnerResolver, ProductOrderOwners>();
        services.AddSingleton<ProductOrderChangeValidator>();
        return services;
    }

    /// <summary>TMF622 <c>productOrder</c>.</summary>
    public static IEndpointRouteBuilder MapOrderingEndpoints(this IEndpointRouteBuilder app) => ProductOrderEndpoints.Map(app);
}
