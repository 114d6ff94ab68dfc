using CableHub.Core.Api.Access;
using Dapper;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace CableHub.Identity;

/// <summary>Access audit events (the <c>event</c> column of <c>hub.access_audit</c>).</summary>
public static class AuditEvents
{
    public const string SignIn = "sign_in";
    public const string SignInFailed = "sign_in_failed";
    public const string Lockout = "lockout";
    public const string TokenIssued = "token_issued";
    public const string TokenRefused = "token_refused";
    public const string Denied = "denied";
    public const string PersonalDataRead = "personal_data_read";
    public const string UserAdded = "user_added";
    public const string RolesChanged = "roles_changed";
    public const string MfaReset = "mfa_reset";
    public const string UserDisabled = "user_disabled";
    public const string ClientAdded = "client_added";
    public const string ClientRotated = "client_rotated";
    public const string ClientRevoked = "client_revoked";
    public const string ActivationRequested = "activation_requested";
    public const string Activated = "activated";
    public const string PasswordResetRequested = "password_reset_requested";
    public const string PasswordReset = "password_reset";
}

/// <summary>
/// Writes the append-only, hash-chained access audit (<c>hub.access_audit</c>; chain and append-only enforced by the
/// table's triggers) and implements core's <see cref="IAccessAuditSink"/> for denied requests and personal-data reads.
/// Each row is its own short transaction: an audit row is never rolled back with the work it describes.
/// </summary>
public sealed class AccessAudit(NpgsqlDataSource dataSource, TimeProvider clock) : IAccessAuditSink
{
    public async Task RecordAsync(string auditEvent, string outcome, string? actor, string? subject, HttpContext? http, int? status = null, string? detail = null, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.access_audit (at, event, outcome, actor, subject, source_address, route, status, detail, prev_hash, row_hash)
            VALUES (@at, @auditEvent, @outcome, @actor, @subject, @source, @route, @status, @detail, '\x', '\x')
            """,
            new
            {
                at = clock.GetUtcNow(),
                auditEvent,
                outcome,
                actor,
                subject,
                source = http?.Connection.RemoteIpAddress?.ToString(),
                route = http is null ? null : $"{http.Request.Method} {http.Request.Path}",
                status,
                detail,
            }, cancellationToken: ct)).ConfigureAwait(false);
    }

    public Task DeniedAsync(HttpContext http, int status, string reason, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        return RecordAsync(AuditEvents.Denied, "denied", HubPrincipal.ActorOrNull(http.User) ?? "anonymous", null, http, status, reason, CancellationToken.None);
    }

    public Task PersonalDataReadAsync(HttpContext http, string what, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        return RecordAsync(AuditEvents.PersonalDataRead, "success", HubPrincipal.ActorOrNull(http.User), what, http, http.Response.StatusCode, null, CancellationToken.None);
    }

    /// <summary>The newest rows first.</summary>
    public async Task<IReadOnlyList<AuditEntry>> ListAsync(int limit, string? auditEvent = null, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<AuditEntry>(new CommandDefinition(
            """
            SELECT id, at, event, outcome, actor, subject, source_address AS SourceAddress, route, status, detail
            FROM hub.access_audit WHERE @auditEvent::text IS NULL OR event = @auditEvent ORDER BY id DESC LIMIT @limit
            """, new { limit, auditEvent }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
    }

    /// <summary>Ids of rows whose hash or link to the previous row does not hold (empty: the chain is intact).</summary>
    public async Task<IReadOnlyList<long>> VerifyChainAsync(CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<long>(new CommandDefinition(
            """
            SELECT id FROM (
                SELECT a.id, a.prev_hash, a.row_hash,
                       coalesce(lag(a.row_hash) OVER (ORDER BY a.id), '\x'::bytea) AS expected_prev,
                       hub.access_audit_hash(a.prev_hash, a.id, a.at, a.event, a.outcome, a.actor, a.subject, a.source_address, a.route, a.status, a.detail) AS expected_hash
                FROM hub.access_audit a) c
            WHERE c.prev_hash <> c.expected_prev OR c.row_hash <> c.expected_hash
            ORDER BY id
            """, cancellationToken: ct)).ConfigureAwait(false)).ToList();
    }
}
