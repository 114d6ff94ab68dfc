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

    /// <summary>Sets <c>cablehub.actor</c> to <paramref name="actor"/> for the rest of <paramref name="tx"/> (a command that names its actor, e.g. an erasure).</summary>
    public static Task SetAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conn);
        return conn.ExecuteAsync(new CommandDefinition("SELECT set_config('cablehub.actor', @actor, true)", new { actor }, tx, cancellationToken: ct));
    }

    /// <summary>Runs <paramref name="work"/> in one transaction of its own as <paramref name="actor"/> (audited as them) and commits it.</summary>
    public static async Task<T> RunAsAsync<T>(NpgsqlDataSource dataSource, string actor, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(work);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await SetAsync(conn, tx, actor, ct).ConfigureAwait(false);
        var result = await work(conn, tx).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return result;
    }

    private sealed class Scope(string? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
