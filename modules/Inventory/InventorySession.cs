using Dapper;
using Npgsql;

namespace CableHub.Inventory;

/// <summary>
/// Tells the database who changes the stock and why, for the rest of the transaction: the movement trigger on
/// <c>hub.device</c> records these with every status or location change.
/// </summary>
public static class InventorySession
{
    public static Task SetAsync(NpgsqlConnection conn, NpgsqlTransaction tx, InventoryActor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conn);
        ArgumentNullException.ThrowIfNull(actor);
        return conn.ExecuteAsync(new CommandDefinition(
            "SELECT set_config('cablehub.actor', @actor, true), set_config('cablehub.reason', @reason, true), set_config('cablehub.reference', coalesce(@reference, ''), true)",
            new { actor = actor.Actor, reason = actor.Reason, reference = actor.Reference }, tx, cancellationToken: ct));
    }

    /// <summary>Records an inventory event (a durable fact for people and the integration topics).</summary>
    public static Task RecordEventAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string type, string subjectId, object payload, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conn);
        return conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO hub.inventory_event (type, subject_id, payload) VALUES (@type, @subjectId, @payload::jsonb)",
            new { type, subjectId, payload = System.Text.Json.JsonSerializer.Serialize(payload, System.Text.Json.JsonSerializerOptions.Web) }, tx, cancellationToken: ct));
    }

    /// <summary>The database's lifecycle trigger rejected a change (someone bypassed the store's own check).</summary>
    public static bool IsLifecycleViolation(PostgresException ex) =>
        ex is not null && ex.SqlState == PostgresErrorCodes.CheckViolation && ex.ConstraintName == "device_lifecycle";
}
