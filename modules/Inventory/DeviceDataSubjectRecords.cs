using CableHub.Core.Ports;
using Dapper;
using Npgsql;

namespace CableHub.Inventory;

/// <summary>What the Inventory module holds on a customer (access export): the boxes and cards at their premises, returns.</summary>
internal sealed class DeviceDataSubjectRecords(NpgsqlDataSource dataSource) : IDataSubjectRecords
{
    public int Order => 40;

    public async Task<DataSubjectSection> CollectAsync(Guid customerId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        using var grid = await conn.QueryMultipleAsync(new CommandDefinition(
            """
            SELECT serial_number, kind, model_code, cas_id, status, activation_state, created_at, updated_at FROM hub.device WHERE customer_id = @customerId ORDER BY serial_number;
            SELECT d.serial_number, r.* FROM hub.device_return r JOIN hub.device d ON d.id = r.device_id WHERE r.customer_id = @customerId ORDER BY d.serial_number;
            """, new { customerId }, cancellationToken: ct)).ConfigureAwait(false);
        var devices = await grid.ReadAsync().ConfigureAwait(false);
        var returns = await grid.ReadAsync().ConfigureAwait(false);
        return new DataSubjectSection("Devices", "inventory", "equipment at the subscriber's premises (contract)",
            [DataSubjectTable.From("devices", devices), DataSubjectTable.From("device returns", returns)]);
    }
}
