using Dapper;
using Npgsql;

namespace CableHub.Core.Persistence;

/// <summary>
/// Who is acting, for the audit log's triggers: the API sets it from the access token for the whole request
/// (<c>HubPrincipal.ActorOrNull</c>), a CLI verb or job may set its own; <see cref="ApplyAsync"/> hands it to the
/// database transaction as the setting <c>cablehub.actor</c>, which <c>hub.audit_actor()</c> records with every change.
/// </summary>
public static class AuditActor
{
    private static readonly AsyncLocal<string?> Ambient = new();

    /// <summary>The actor of the current request or job (null: nobody set one).</summary>
    public static string? Current => Ambient.Value;

    /// <summary>Acts as <paramref name="actor"/> until the returned scope is disposed.</summary>
    public static IDisposable Use(string? actor)
    {
        var previous = Ambient.Value;
        Ambient.Value = actor;
        return new Scope(previous);
    }

    /// <summary>Sets <c>cablehub.actor</c> for the rest of <paramref name="tx"/> (nothing when no actor is set).</summary>
    public static Task ApplyAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conn);
        var actor = Ambient.Value;
        return actor is null
            ? Task.CompletedTask
            : conn.ExecuteAsync(new CommandDefinition("SELECT set_config('cablehub.actor', @actor, true)", new { actor }, tx, cancellationToken: ct));
    }

    private sealed class Scope(string? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
