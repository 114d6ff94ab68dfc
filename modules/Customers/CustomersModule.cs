using CableHub.Core.Persistence;
using CableHub.Customers.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Customers;

/// <summary>
/// The Customers module: customers, contact media (personal data encrypted), consent, LCOs and billing accounts
/// (TMF629 / TMF666 are to be served from here). Other modules use <see cref="ICustomerRegistry"/>.
/// </summary>
public static class CustomersModule
{
    /// <summary>The module's own SQL migrations (journal <c>cablehub_migrations.customers</c>).</summary>
    public static ModuleMigrations Migrations { get; } = new("customers", typeof(CustomersModule).Assembly, "CableHub.Customers.Migrations.");

    /// <summary>Registers the module's services. Needs <see cref="Npgsql.NpgsqlDataSource"/>, <see cref="Core.Security.FieldEncryptor"/> and <see cref="TimeProvider"/>.</summary>
    public static IServiceCollection AddCustomersModule(this IServiceCollection services)
    {
        services.AddSingleton<CustomerStore>();
        services.AddSingleton<ICustomerRegistry, CustomerRegistry>();
        services.AddSingleton<ICustomerDirectory, CustomerDirectory>();
        services.AddSingleton<Core.Api.Access.IResourceOwnerResolver, BillingAccountOwners>();
        services.AddSingleton<IBillingAccountDirectory, BillingAccountDirectory>();
        return services;
    }
}
