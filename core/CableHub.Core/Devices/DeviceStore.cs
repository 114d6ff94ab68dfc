using Dapper;
using Npgsql;

namespace CableHub.Core.Devices;

/// <summary>Set-top boxes and smart cards: reservation for orders, installation, activation state.</summary>
public sealed class DeviceStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, serial_number, kind, model_code, cas_id, status, activation_state, location_id, paired_device_id, customer_id, reserved_for";

    public async Task<Device?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleOrDefaultAsync<Device>(new CommandDefinition(
            $"SELECT {Columns} FROM hub.device WHERE id = @id", new { id }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>
    /// Reserves an in-stock STB for the order. Idempotent: the box already reserved for this order is
    /// returned again. Concurrent orders never get the same box (row lock, skip locked). Null when no
    /// STB is in stock.
    /// </summary>
    public static async Task<Device?> ReserveStbAsync(Guid orderId, Guid customerId, NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct = default)
    {
        var already = await conn.QuerySingleOrDefaultAsync<Device>(new CommandDefinition(
            $"SELECT {Columns} FROM hub.device WHERE reserved_for = @orderId AND kind = 'stb'", new { orderId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (already is not null)
        {
            return already;
        }

        return await conn.QuerySingleOrDefaultAsync<Device>(new CommandDefinition(
            $"""
            UPDATE hub.device SET status = 'reserved', reserved_for = @orderId, customer_id = @customerId, updated_at = now()
            WHERE id = (
                SELECT id FROM hub.device
                WHERE kind = 'stb' AND status = 'in_stock'
                ORDER BY created_at, serial_number
                LIMIT 1
                FOR UPDATE SKIP LOCKED)
            RETURNING {Columns}
            """, new { orderId, customerId }, tx, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>Puts a box reserved for <paramref name="orderId"/> back in stock (compensation). No-op otherwise.</summary>
    public static Task<int> ReleaseReservationAsync(Guid deviceId, Guid orderId, NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct = default) =>
        conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.device SET status = 'in_stock', reserved_for = NULL, customer_id = NULL, activation_state = 'inactive', updated_at = now()
            WHERE id = @deviceId AND reserved_for = @orderId AND status = 'reserved'
            """, new { deviceId, orderId }, tx, cancellationToken: ct));

    /// <summary>The box is at the customer's premises and active on the CAS (its paired card too).</summary>
    public static Task<int> MarkInstalledAndActiveAsync(Guid deviceId, Guid customerId, NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct = default) =>
        conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.device SET status = 'installed', activation_state = 'active', customer_id = @customerId, updated_at = now()
            WHERE (id = @deviceId OR id = (SELECT paired_device_id FROM hub.device WHERE id = @deviceId))
              AND (status <> 'installed' OR activation_state <> 'active')
            """, new { deviceId, customerId }, tx, cancellationToken: ct));

    /// <summary>Smart card paired with the box, if any.</summary>
    public static Task<Device?> PairedCardAsync(Guid stbId, NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct = default) =>
        conn.QuerySingleOrDefaultAsync<Device>(new CommandDefinition(
            $"SELECT {Columns} FROM hub.device WHERE id = (SELECT paired_device_id FROM hub.device WHERE id = @stbId)",
            new { stbId }, tx, cancellationToken: ct));
}
