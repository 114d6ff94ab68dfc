using CableHub.Core.Api.Access;
using Dapper;
using Npgsql;

namespace CableHub.Inventory;

/// <summary>Which customer a device (id, serial number or CAS id) is installed with (a subscriber reaches only their own boxes).</summary>
internal sealed class DeviceOwners(NpgsqlDataSource dataSource) : IResourceOwnerResolver
{
    public string Kind => OwnedKinds.Device;

    public async Task<Guid?> OwnerAsync(string id, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var owners = (await conn.QueryAsync<Guid?>(new CommandDefinition(
            "SELECT customer_id FROM hub.device WHERE serial_number = @id OR cas_id = @id OR id::text = @id", new { id }, cancellationToken: ct)).ConfigureAwait(false))
            .Distinct().ToList();
        return owners.Count == 1 ? owners[0] : null;
    }
}
