using CableHub.Core.Persistence;
using CableHub.Inventory.Contracts;
using Dapper;
using Npgsql;

namespace CableHub.Inventory;

/// <summary>
/// The set-top box side of order fulfilment: reservation, release, installation and activation state. Part of the
/// Inventory module, the one writer of hub.device: every change runs with the movement context set, so the lifecycle
/// trigger checks it and hub.stock_movement records who and why.
/// </summary>
internal sealed class StbReservations(NpgsqlDataSource dataSource) : IStbReservations, IDeviceDirectory
{
    private const string Columns = "id, serial_number, kind, model_code, cas_id, status, activation_state, location_id, paired_device_id, customer_id, reserved_for";

    /// <summary>
    /// Reserves an in-stock STB for the order. Idempotent: the box already reserved for this order is returned again.
    /// Concurrent orders never get the same box (row lock, skip locked). Null when no STB is in stock.
    /// </summary>
    public async Task<StbReservation?> ReserveAsync(ReserveStbForOrder command, DbSession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        var (conn, tx) = (session.Connection, session.Transaction);
        await SetContextAsync(session, command.Context, ct).ConfigureAwait(false);
        var box = await conn.QuerySingleOrDefaultAsync<Device>(new CommandDefinition(
            $"SELECT {Columns} FROM hub.device WHERE reserved_for = @OrderId AND kind = 'stb'", new { command.OrderId }, tx, cancellationToken: ct)).ConfigureAwait(false)
            ?? await conn.QuerySingleOrDefaultAsync<Device>(new CommandDefinition(
                $"""
                UPDATE hub.device SET status = 'reserved', reserved_for = @OrderId, customer_id = @CustomerId, updated_at = now()
                WHERE id = (
                    SELECT id FROM hub.device
                    WHERE kind = 'stb' AND status = 'in_stock'
                    ORDER BY created_at, serial_number
                    LIMIT 1
                    FOR UPDATE SKIP LOCKED)
                RETURNING {Columns}
                """, new { command.OrderId, command.CustomerId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (box is null)
        {
            return null;
        }

        var card = await conn.QuerySingleOrDefaultAsync<Device>(new CommandDefinition(
            $"SELECT {Columns} FROM hub.device WHERE id = (SELECT paired_device_id FROM hub.device WHERE id = @id)", new { id = box.Id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return new StbReservation(box.Id, CasIdOf(box), card is null ? null : CasIdOf(card));
    }

    public async Task<bool> ReleaseAsync(ReleaseStbReservation command, DbSession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        await SetContextAsync(session, command.Context, ct).ConfigureAwait(false);
        return await session.Connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.device SET status = 'in_stock', reserved_for = NULL, customer_id = NULL, activation_state = 'inactive', updated_at = now()
            WHERE id = @DeviceId AND reserved_for = @OrderId AND status = 'reserved'
            """, new { command.DeviceId, command.OrderId }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false) > 0;
    }

    public async Task InstallAsync(InstallStb command, DbSession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        await SetContextAsync(session, command.Context, ct).ConfigureAwait(false);
        await session.Connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.device SET status = 'installed', activation_state = 'active', customer_id = @CustomerId, updated_at = now()
            WHERE (id = @DeviceId OR id = (SELECT paired_device_id FROM hub.device WHERE id = @DeviceId))
              AND (status <> 'installed' OR activation_state <> 'active')
            """, new { command.DeviceId, command.CustomerId }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false);
    }

    public Task<StbState?> LockAsync(Guid deviceId, DbSession session, CancellationToken ct) =>
        session.Connection.QuerySingleOrDefaultAsync<StbState?>(new CommandDefinition(
            "SELECT id AS device_id, status, reserved_for, coalesce(cas_id, serial_number) AS cas_device_id FROM hub.device WHERE id = @deviceId FOR UPDATE",
            new { deviceId }, session.Transaction, cancellationToken: ct));

    public Task<StbState?> ReservedForOrderAsync(Guid orderId, DbSession session, CancellationToken ct) =>
        session.Connection.QuerySingleOrDefaultAsync<StbState?>(new CommandDefinition(
            """
            SELECT id AS device_id, status, reserved_for, coalesce(cas_id, serial_number) AS cas_device_id FROM hub.device
            WHERE reserved_for = @orderId AND kind = 'stb' AND status = 'reserved' ORDER BY id LIMIT 1
            """, new { orderId }, session.Transaction, cancellationToken: ct));

    public async Task<IReadOnlyList<Guid>> FindIdsAsync(string key, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<Guid>(new CommandDefinition(
            "SELECT id FROM hub.device WHERE id::text = @key OR serial_number = @key OR cas_id = @key", new { key }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
    }

    public async Task<IReadOnlyList<DeviceCustody>> CustodyAsync(Guid customerId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<(Guid DeviceId, Guid CustomerId, DateTime HeldFrom, DateTime? HeldTo)>(new CommandDefinition(
            "SELECT device_id, customer_id, held_from, held_to FROM hub.device_custody WHERE customer_id = @customerId ORDER BY held_from, id",
            new { customerId }, cancellationToken: ct)).ConfigureAwait(false);
        return [.. rows.Select(r => new DeviceCustody(r.DeviceId, r.CustomerId, Utc(r.HeldFrom), r.HeldTo is { } to ? Utc(to) : null))];

        static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));
    }

    /// <summary>The id the CAS knows a device by: its CA id, else its serial number.</summary>
    internal static string CasIdOf(Device device) => device.CasId ?? device.SerialNumber;

    private static Task SetContextAsync(DbSession session, MovementContext context, CancellationToken ct) =>
        session.Connection.ExecuteAsync(new CommandDefinition(
            "SELECT set_config('cablehub.actor', @Actor, true), set_config('cablehub.reason', @Reason, true), set_config('cablehub.reference', coalesce(@Reference, ''), true)",
            context, session.Transaction, cancellationToken: ct));
}
