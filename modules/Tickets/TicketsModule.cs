using CableHub.Core.Persistence;
using CableHub.Tickets.Api;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Tickets;

/// <summary>
/// The Tickets module (support: issue logging and ticketing): TMF621 trouble tickets with their status history and notes,
/// opened by customer service, technicians or the subscriber themselves; a ticket of type <c>stbFault</c> names the box.
/// </summary>
public static class TicketsModule
{
    /// <summary>
    /// Columns of its tables that may leave PostgreSQL in the change stream: no free text (name, description, notes,
    /// status-change reasons are encrypted and stay in the database; the warehouse counts tickets, it does not read them).
    /// </summary>
    public static IReadOnlyDictionary<string, string> StreamedColumns { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["hub.trouble_ticket"] = "id,customer_id,ticket_type,severity,priority,status,status_change_date,channel,device_id,subscription_id,requested_resolution_date,expected_resolution_date,creation_date,last_update,resolution_date,erased_at",
        ["hub.trouble_ticket_status_change"] = "id,ticket_id,status,change_date",
        ["hub.trouble_ticket_note"] = "id,ticket_id,note_date",
    };

    /// <summary>The module's own SQL migrations (journal <c>cablehub_migrations.tickets</c>).</summary>
    public static ModuleMigrations Migrations { get; } = new("tickets", typeof(TicketsModule).Assembly, "CableHub.Tickets.Migrations.");

    /// <summary>Registers the module. Needs the Customers, Inventory and Subscriptions modules, an NpgsqlDataSource, a FieldEncryptor and a TimeProvider.</summary>
    public static IServiceCollection AddTicketsModule(this IServiceCollection services)
    {
        services.AddSingleton<TicketStore>();
        services.AddSingleton<CableHub.Core.Api.Access.IResourceOwnerResolver, TicketOwners>();
        services.AddSingleton<CableHub.Core.Ports.IDataSubjectRecords, TicketDataSubjectRecords>(); // what it holds on a customer (access export)
        services.AddSingleton<CableHub.Core.Ports.IDataSubjectEraser, TicketErasure>(); // erasure: free text overwritten, tickets kept pseudonymous
        return services;
    }

    /// <summary>TMF621 <c>troubleTicket</c>.</summary>
    public static IEndpointRouteBuilder MapTicketsEndpoints(this IEndpointRouteBuilder app) => TroubleTicketEndpoints.Map(app);
}
