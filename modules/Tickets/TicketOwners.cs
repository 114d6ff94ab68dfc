using CableHub.Core.Api.Access;
using Dapper;
using Npgsql;

namespace CableHub.Tickets;

/// <summary>Who owns a trouble ticket (a subscriber reads only their own; another's answers 404).</summary>
internal sealed class TicketOwners(NpgsqlDataSource dataSource) : IResourceOwnerResolver
{
    public string Kind => OwnedKinds.TroubleTicket;

    public async Task<Guid?> OwnerAsync(string id, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var ticketId))
        {
            return null;
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            "SELECT customer_id FROM hub.trouble_ticket WHERE id = @ticketId", new { ticketId }, cancellationToken: ct)).ConfigureAwait(false);
    }
}
