using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;

namespace CableHub.Identity;

/// <summary>The module's SQL: users, one-time codes, clients and their secrets (the audit has <see cref="AccessAudit"/>).</summary>
internal sealed class IdentityStore(NpgsqlDataSource dataSource, TimeProvider clock)
{
    private const string UserColumns =
        "id, kind, user_name AS UserName, customer_id AS CustomerId, display_name AS DisplayName, password_hash AS PasswordHash, roles, " +
        "totp_secret_enc AS TotpSecretEnc, locked_until AS LockedUntil, disabled_at AS DisabledAt, activated_at AS ActivatedAt";

    public async Task<IdentityUser?> FindUserAsync(string userName, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleOrDefaultAsync<IdentityUser>(new CommandDefinition(
            $"SELECT {UserColumns} FROM hub.identity_user WHERE user_name = @userName", new { userName = Normalize(userName) }, cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<IdentityUser?> GetUserAsync(Guid id, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleOrDefaultAsync<IdentityUser>(new CommandDefinition(
            $"SELECT {UserColumns} FROM hub.identity_user WHERE id = @id", new { id }, cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<IdentityUser?> FindSubscriberAsync(Guid customerId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleOrDefaultAsync<IdentityUser>(new CommandDefinition(
            $"SELECT {UserColumns} FROM hub.identity_user WHERE customer_id = @customerId", new { customerId }, cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<bool> InsertUserAsync(Guid id, string kind, string userName, Guid? customerId, string? displayName, byte[]? emailEnc, string? passwordHash,
        string[] roles, byte[]? totpSecretEnc, bool activated, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.identity_user (id, kind, user_name, customer_id, display_name, email_enc, password_hash, roles, totp_secret_enc, activated_at, created_at, updated_at)
            VALUES (@id, @kind, @userName, @customerId, @displayName, @emailEnc, @passwordHash, @roles, @totpSecretEnc, @activatedAt, @now, @now)
            ON CONFLICT DO NOTHING
            """,
            new { id, kind, userName = Normalize(userName), customerId, displayName, emailEnc, passwordHash, roles, totpSecretEnc, activatedAt = activated ? now : (DateTimeOffset?)null, now },
            cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    public async Task<bool> UpdateUserAsync(Guid id, string setClause, object values, CancellationToken ct)
    {
        var parameters = new DynamicParameters(values);
        parameters.Add("id", id);
        parameters.Add("now", clock.GetUtcNow());
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteAsync(new CommandDefinition(
            $"UPDATE hub.identity_user SET {setClause}, updated_at = @now WHERE id = @id", parameters, cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    /// <summary>Counts a failure within the window; returns the failures counted in the current window.</summary>
    public async Task<int> CountFailureAsync(Guid id, TimeSpan window, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            """
            UPDATE hub.identity_user SET
                failed_count = CASE WHEN first_failed_at IS NULL OR first_failed_at < @since THEN 1 ELSE failed_count + 1 END,
                first_failed_at = CASE WHEN first_failed_at IS NULL OR first_failed_at < @since THEN @now ELSE first_failed_at END,
                updated_at = @now
            WHERE id = @id RETURNING failed_count
            """, new { id, now, since = now - window }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>
    /// Records <paramref name="step"/> as the last accepted TOTP time step when it is later than the one recorded; false when
    /// it is not (the code, or an older one, was used already).
    /// </summary>
    public async Task<bool> AcceptTotpStepAsync(Guid id, long step, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE hub.identity_user SET totp_last_step = @step, updated_at = @now WHERE id = @id AND (totp_last_step IS NULL OR totp_last_step < @step)",
            new { id, step, now = clock.GetUtcNow() }, cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    public Task LockAsync(Guid id, DateTimeOffset until, CancellationToken ct) =>
        UpdateUserAsync(id, "locked_until = @until, failed_count = 0, first_failed_at = NULL", new { until }, ct);

    public Task ClearFailuresAsync(Guid id, CancellationToken ct) =>
        UpdateUserAsync(id, "failed_count = 0, first_failed_at = NULL, locked_until = NULL", new { }, ct);

    public async Task<IReadOnlyList<IdentityUser>> ListStaffAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<IdentityUser>(new CommandDefinition(
            $"SELECT {UserColumns} FROM hub.identity_user WHERE kind = 'staff' ORDER BY user_name", cancellationToken: ct)).ConfigureAwait(false)).ToList();
    }

    public async Task<bool> AnyUserAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM hub.identity_user)", cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<byte[]?> EmailOfAsync(Guid id, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteScalarAsync<byte[]?>(new CommandDefinition("SELECT email_enc FROM hub.identity_user WHERE id = @id", new { id }, cancellationToken: ct)).ConfigureAwait(false);
    }

    // One-time codes (activation, password reset): only their SHA-256 is stored; a new code retires the older ones.

    /// <summary>Stores the code's hash; returns the row id (the message's key) and when it expires.</summary>
    public async Task<(Guid Id, DateTimeOffset ExpiresAt)> SaveCodeAsync(Guid userId, string purpose, string code, TimeSpan lifetime, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var id = Guid.CreateVersion7();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.identity_one_time_code SET used_at = @now WHERE user_id = @userId AND purpose = @purpose AND used_at IS NULL;
            INSERT INTO hub.identity_one_time_code (id, user_id, purpose, code_hash, expires_at, created_at)
            VALUES (@id, @userId, @purpose, @hash, @expires, @now);
            """, new { id, userId, purpose, hash = Hash(code), expires = now + lifetime, now }, cancellationToken: ct)).ConfigureAwait(false);
        return (id, now + lifetime);
    }

    /// <summary>Uses the code if it is the user's live one for <paramref name="purpose"/> (single use).</summary>
    public async Task<bool> UseCodeAsync(Guid userId, string purpose, string code, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.identity_one_time_code SET used_at = @now
            WHERE user_id = @userId AND purpose = @purpose AND code_hash = @hash AND used_at IS NULL AND expires_at > @now
            """, new { userId, purpose, hash = Hash(code), now }, cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    // Clients and secrets.

    public async Task<ApiClient?> GetClientAsync(string clientId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleOrDefaultAsync<ApiClient>(new CommandDefinition(
            "SELECT client_id AS ClientId, display_name AS DisplayName, scopes, revoked_at AS RevokedAt FROM hub.api_client WHERE client_id = @clientId",
            new { clientId }, cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ApiClient>> ListClientsAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<ApiClient>(new CommandDefinition(
            "SELECT client_id AS ClientId, display_name AS DisplayName, scopes, revoked_at AS RevokedAt FROM hub.api_client ORDER BY client_id",
            cancellationToken: ct)).ConfigureAwait(false)).ToList();
    }

    public async Task<bool> InsertClientAsync(string clientId, string displayName, string[] scopes, string createdBy, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.api_client (client_id, display_name, scopes, created_at, created_by) VALUES (@clientId, @displayName, @scopes, @now, @createdBy)
            ON CONFLICT DO NOTHING
            """, new { clientId, displayName, scopes, createdBy, now = clock.GetUtcNow() }, cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    /// <summary>Adds a secret and retires all but the newest <paramref name="keepLive"/> (the new one included).</summary>
    public async Task AddSecretAsync(string clientId, string secretHash, int keepLive, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.api_client_secret (id, client_id, secret_hash, created_at) VALUES (@id, @clientId, @secretHash, @now);
            UPDATE hub.api_client_secret SET retired_at = @now
            WHERE client_id = @clientId AND retired_at IS NULL
              AND id NOT IN (SELECT id FROM hub.api_client_secret WHERE client_id = @clientId AND retired_at IS NULL ORDER BY created_at DESC, id DESC LIMIT @keepLive);
            """, new { id = Guid.CreateVersion7(), clientId, secretHash, now, keepLive }, cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> LiveSecretHashesAsync(string clientId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<string>(new CommandDefinition(
            "SELECT secret_hash FROM hub.api_client_secret WHERE client_id = @clientId AND retired_at IS NULL ORDER BY created_at DESC",
            new { clientId }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
    }

    public async Task<bool> RevokeClientAsync(string clientId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.api_client_secret SET retired_at = @now WHERE client_id = @clientId AND retired_at IS NULL;
            UPDATE hub.api_client SET revoked_at = @now WHERE client_id = @clientId AND revoked_at IS NULL;
            """, new { clientId, now }, cancellationToken: ct)).ConfigureAwait(false) > 0;
    }

    /// <summary>Whether the principal behind a token may still act: the client is not revoked, the user not disabled.</summary>
    public async Task<bool> IsActiveAsync(string kind, string subject, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        if (kind == "client")
        {
            return await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM hub.api_client WHERE client_id = @subject AND revoked_at IS NULL)", new { subject }, cancellationToken: ct)).ConfigureAwait(false);
        }

        return Guid.TryParse(subject, out var id) && await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM hub.identity_user WHERE id = @id AND disabled_at IS NULL)", new { id }, cancellationToken: ct)).ConfigureAwait(false);
    }

    public static string Normalize(string userName) => userName.Trim().ToLowerInvariant();

    private static byte[] Hash(string code) => SHA256.HashData(Encoding.UTF8.GetBytes(code.Trim()));
}
