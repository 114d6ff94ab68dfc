using CableHub.Core.Api;
using CableHub.Core.Persistence;
using CableHub.Customers.Api;
using CableHub.Customers.Contracts;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CableHub.Customers;

/// <summary>
/// The Customers module: customers, contact media (personal data encrypted), consent, LCOs and billing accounts
/// served as TMF629 customer and TMF666 billingAccount. Other modules use <see cref="ICustomerRegistry"/>.
/// </summary>
public static class CustomersModule
{
    /// <summary>
    /// The columns of its tables that may leave PostgreSQL in the change stream (the host's default <c>Cdc:ColumnAllowlist</c>):
    /// no encrypted field, blind index or postal code.
    /// </summary>
    public static IReadOnlyDictionary<string, string> StreamedColumns { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["hub.customer"] = "id,customer_number,status,preferred_language,lco_id,created_at,updated_at,erased_at",
        ["hub.contact_medium"] = "id,customer_id,medium_type,preferred,city,state_or_province,country,valid_from,valid_to",
    };

    /// <summary>The module's own SQL migrations (journal <c>cablehub_migrations.customers</c>).</summary>
    public static ModuleMigrations Migrations { get; } = new("customers", typeof(CustomersModule).Assembly, "CableHub.Customers.Migrations.");

    /// <summary>Registers the module's services. Needs <see cref="Npgsql.NpgsqlDataSource"/>, <see cref="Core.Security.FieldEncryptor"/> and <see cref="TimeProvider"/>.</summary>
    public static IServiceCollection AddCustomersModule(this IServiceCollection services)
    {
        services.AddSingleton<CustomerKeys>();
        services.AddSingleton<CustomerStore>();
        services.AddSingleton<CustomerRekey>();
        services.AddSingleton<CustomerErasure>();
        services.AddSingleton<Core.Ports.IDataSubjectEraser>(sp => sp.GetRequiredService<CustomerErasure>());
        services.AddSingleton<CustomerRectification>();
        services.AddSingleton<Core.Ports.IDataSubjectRectifier>(sp => sp.GetRequiredService<CustomerRectification>());
        services.AddSingleton<Core.Ports.IDataSubjectRecords, CustomerDataSubjectRecords>();
        services.AddSingleton<ICustomerRegistry, CustomerRegistry>();
        services.AddSingleton<ICustomerDirectory, CustomerDirectory>();
        services.AddSingleton<Core.Api.Access.IResourceOwnerResolver, BillingAccountOwners>();
        services.AddSingleton<Core.Api.Access.IResourceOwnerResolver, CommunicationMessageOwners>(); // TMF681 messages (the history: core's ICommunicationLog)
        services.AddSingleton<IBillingAccountDirectory, BillingAccountDirectory>();
        services.AddSingleton<CustomerReads>();
        // Who may read decrypted personal data: the personal-data.read rule from the token, each disclosure audited.
        services.TryAddSingleton<IPersonalDataAccess, TokenPersonalDataAccess>();
        return services;
    }

    /// <summary>TMF629 <c>customer</c>, TMF666 <c>billingAccount</c> and TMF681 <c>communicationMessage</c> (needs core's <see cref="Core.Ports.ICommunicationLog"/>).</summary>
    public static IEndpointRouteBuilder MapCustomersEndpoints(this IEndpointRouteBuilder app) => CommunicationMessageEndpoints.Map(CustomerEndpoints.Map(app));
}
