using System.Security.Cryptography;
using CableHub.Core.Api.Access;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;

namespace CableHub.Identity;

/// <summary>
/// Back-office systems (OAuth 2.0 client credentials): scopes from <see cref="ApiScopes"/>, secrets stored hashed
/// (PasswordHasher), rotation without downtime (a new secret is added, the previous one stays valid; at most two are live),
/// revocation that stops live tokens at once.
/// </summary>
public sealed class ApiClients
{
    public const int LiveSecrets = 2;

    private static readonly PasswordHasher<ApiClient> Hasher = new();
    private readonly IdentityStore _store;
    private readonly AccessAudit _audit;

    internal ApiClients(IdentityStore store, AccessAudit audit)
    {
        _store = store;
        _audit = audit;
    }

    public async Task<IssuedSecret> AddAsync(string clientId, string displayName, IReadOnlyList<string> scopes, string actor, CancellationToken ct, string? secret = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clientId);
        ArgumentNullException.ThrowIfNull(scopes);
        var unknown = scopes.Where(s => !ApiScopes.All.Contains(s)).ToList();
        if (scopes.Count == 0 || unknown.Count > 0)
        {
            throw new RequestInvalidException("scopes", scopes.Count == 0 ? "at least one scope is required" : $"unknown scope(s) {string.Join(", ", unknown)}; known: {string.Join(", ", ApiScopes.All)}");
        }

        if (!await _store.InsertClientAsync(clientId.Trim(), displayName, scopes.Distinct().ToArray(), actor, ct).ConfigureAwait(false))
        {
            throw new StateConflictException("IDENTITY-CLIENT-EXISTS", $"a client '{clientId}' exists", "clientId", $"A client '{clientId}' exists");
        }

        secret ??= NewSecret();
        await _store.AddSecretAsync(clientId.Trim(), Hasher.HashPassword(null!, secret), LiveSecrets, ct).ConfigureAwait(false);
        await _audit.RecordAsync(AuditEvents.ClientAdded, "success", actor, clientId, null, null, "scopes " + string.Join(' ', scopes), ct).ConfigureAwait(false);
        return new IssuedSecret(clientId.Trim(), secret, scopes);
    }

    /// <summary>A new secret; the newest previous one stays valid until the next rotation (switch systems over in between).</summary>
    public async Task<IssuedSecret> RotateAsync(string clientId, string actor, CancellationToken ct)
    {
        var client = await LiveClientAsync(clientId, ct).ConfigureAwait(false);
        var secret = NewSecret();
        await _store.AddSecretAsync(client.ClientId, Hasher.HashPassword(null!, secret), LiveSecrets, ct).ConfigureAwait(false);
        await _audit.RecordAsync(AuditEvents.ClientRotated, "success", actor, client.ClientId, null, null, null, ct).ConfigureAwait(false);
        return new IssuedSecret(client.ClientId, secret, client.Scopes);
    }

    public async Task RevokeAsync(string clientId, string actor, CancellationToken ct)
    {
        if (!await _store.RevokeClientAsync(clientId, ct).ConfigureAwait(false))
        {
            throw new NotFoundException($"client '{clientId}'");
        }

        await _audit.RecordAsync(AuditEvents.ClientRevoked, "success", actor, clientId, null, null, null, ct).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<ApiClient>> ListAsync(CancellationToken ct) => _store.ListClientsAsync(ct);

    /// <summary>The client if the secret matches one of its live secrets and it is not revoked; null otherwise (audited).</summary>
    public async Task<ApiClient?> AuthenticateAsync(string clientId, string secret, HttpContext? http, CancellationToken ct)
    {
        var client = await _store.GetClientAsync(clientId, ct).ConfigureAwait(false);
        var ok = client is { RevokedAt: null }
            && (await _store.LiveSecretHashesAsync(clientId, ct).ConfigureAwait(false))
                .Any(h => Hasher.VerifyHashedPassword(client, h, secret ?? "") != PasswordVerificationResult.Failed);
        if (!ok)
        {
            await _audit.RecordAsync(AuditEvents.SignInFailed, "failure", "client:" + clientId, clientId, http, 401,
                client is null ? "unknown client" : client.RevokedAt is not null ? "revoked client" : "wrong secret", ct).ConfigureAwait(false);
            return null;
        }

        return client;
    }

    private async Task<ApiClient> LiveClientAsync(string clientId, CancellationToken ct) =>
        await _store.GetClientAsync(clientId, ct).ConfigureAwait(false) is { RevokedAt: null } client ? client : throw new NotFoundException($"client '{clientId}'");

    private static string NewSecret() => Accounts.Base64Url(RandomNumberGenerator.GetBytes(32));
}
