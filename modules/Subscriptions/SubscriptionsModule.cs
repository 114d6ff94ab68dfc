using CableHub.Core.Persistence;
using CableHub.Subscriptions.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Subscriptions;

/// <summary>The Subscriptions module: subscriptions and their device × channel entitlements (TMF637 later).</summary>
public static class SubscriptionsModule
{
    /// <summary>
    /// Columns of its tables that may leave PostgreSQL in the change stream: a change's reason stays out (a disconnect order's
    /// typed reason can name a person); its code (<c>reason_code</c>: vacation, dunning, operator, non_payment, other) leaves.
    /// </summary>
    public static IReadOnlyDictionary<string, string> StreamedColumns { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["hub.subscription_change"] = "id,subscription_id,order_id,kind,from_plan_id,to_plan_id,offering_kind,offering_id,reason_code,effective_at,channels_added,channels_removed,recorded_at",
    };

    /// <summary>The module's own SQL migrations (journal <c>cablehub_migrations.subscriptions</c>).</summary>
    public static ModuleMigrations Migrations { get; } = new("subscriptions", typeof(SubscriptionsModule).Assembly, "CableHub.Subscriptions.Migrations.");

    /// <summary>Registers <see cref="ISubscriptions"/>. Needs <see cref="Npgsql.NpgsqlDataSource"/> and <see cref="TimeProvider"/>.</summary>
    public static IServiceCollection AddSubscriptionsModule(this IServiceCollection services)
    {
        services.AddSingleton<ISubscriptions, SubscriptionStore>();
        services.AddSingleton<ISubscriptionLifecycle, SubscriptionLifecycleStore>();
        // A placeholder: the host composes Billing's implementation after this module (AddBillingPeriods replaces it).
        services.AddSingleton<IBillingPeriods, UnknownBillingPeriods>();
        services.AddSingleton<IBillableSubscriptions, BillableSubscriptionStore>();
        services.AddSingleton<CableHub.Core.Ports.IDataSubjectRecords, SubscriptionDataSubjectRecords>(); // what it holds on a customer (access export)
        services.AddSingleton<CableHub.Core.Ports.IDataSubjectEraser, SubscriptionErasure>(); // erasure: typed change reasons overwritten
        return services;
    }

    /// <summary>TMF637 <c>product</c> (read-only) and the box swap request (<c>/api/v1/subscriptions/{id}/deviceSwap</c>, needs <see cref="Core.Messaging.IEventTransactions"/>).</summary>
    public static Microsoft.AspNetCore.Routing.IEndpointRouteBuilder MapSubscriptionsEndpoints(this Microsoft.AspNetCore.Routing.IEndpointRouteBuilder app) =>
        Api.DeviceSwapEndpoints.Map(Api.ProductInventoryEndpoints.Map(app));
}
