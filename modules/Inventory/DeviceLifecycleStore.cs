using CableHub.Core.Persistence;
using CableHub.Inventory.Contracts;
using Dapper;
using Npgsql;

namespace CableHub.Inventory;

/// <summary><see cref="IDeviceLifecycle"/>: activation state and returns of installed boxes (the Inventory module writes hub.device).</summary>
internal sealed class DeviceLifecycleStore(NpgsqlDataSource dataSource) : IDeviceLifecycle
{
    public async Task<DeviceInfo?> GetAsync(Guid deviceId, DbSession? session, CancellationToken ct)
    {
        const string sql = """
            SELECT d.id AS device_id, coalesce(d.cas_id, d.serial_number) AS cas_device_id, coalesce(c.cas_id, c.serial_number) AS smart_card_cas_id,
                   d.status, d.activation_state, d.customer_id,
                   EXISTS (SELECT 1 FROM hub.device_return r WHERE r.device_id = d.id AND r.received_at IS NULL) AS return_requested
            FROM hub.device d LEFT JOIN hub.device c ON c.id = d.paired_device_id WHERE d.id = @deviceId
            """;
        if (session is { } open)
        {
            return await open.Connection.QuerySingleOrDefaultAsync<DeviceInfo>(new CommandDefinition(sql, new { deviceId }, open.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleOrDefaultAsync<DeviceInfo>(new CommandDefinition(sql, new { deviceId }, cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<Guid, string>> CasIdsAsync(IReadOnlyCollection<Guid> deviceIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(deviceIds);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<(Guid Id, string CasId)>(new CommandDefinition(
            "SELECT id, coalesce(cas_id, serial_number) FROM hub.device WHERE id = ANY(@ids)", new { ids = deviceIds.ToArray() }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Id, r => r.CasId);
    }

    public async Task<bool> SetActivationAsync(Guid deviceId, string activationState, MovementContext context, DbSession session, CancellationToken ct)
    {
        if (activationState is not ("active" or "suspended"))
        {
            throw new ArgumentOutOfRangeException(nameof(activationState), activationState, "active or suspended");
        }

        await SetContextAsync(session, context, ct).ConfigureAwait(false);
        return await session.Connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.device SET activation_state = @activationState, updated_at = now()
            WHERE (id = @deviceId OR id = (SELECT paired_device_id FROM hub.device WHERE id = @deviceId))
              AND status = 'installed' AND activation_state <> @activationState
            """, new { deviceId, activationState }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false) > 0;
    }

    public async Task<bool> RequestReturnAsync(RequestDeviceReturn command, DbSession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        await SetContextAsync(session, command.Context, ct).ConfigureAwait(false);
        return await session.Connection.ExecuteScalarAsync<int>(new CommandDefinition(
            """
            WITH boxes AS (
                UPDATE hub.device SET activation_state = 'inactive', updated_at = now()
                WHERE id = @DeviceId OR id = (SELECT paired_device_id FROM hub.device WHERE id = @DeviceId)
                RETURNING id, customer_id),
            requested AS (
                INSERT INTO hub.device_return (id, device_id, customer_id, reason, reference, requested_at)
                SELECT gen_random_uuid(), id, customer_id, @Reason, @Reference, now() FROM boxes
                ON CONFLICT (device_id) WHERE received_at IS NULL DO NOTHING
                RETURNING 1)
            SELECT count(*)::int FROM requested
            """, new { command.DeviceId, command.Reason, command.Context.Reference }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false) > 0;
    }

    private static Task SetContextAsync(DbSession session, MovementContext context, CancellationToken ct) =>
        session.Connection.ExecuteAsync(new CommandDefinition(
            "SELECT set_config('cablehub.actor', @Actor, true), set_config('cablehub.reason', @Reason, true), set_config('cablehub.reference', coalesce(@Reference, ''), true)",
            context, session.Transaction, cancellationToken: ct));
}
