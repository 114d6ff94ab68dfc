namespace CableHub.Identity;

/// <summary>A staff member or a subscriber who can sign in.</summary>
public sealed record IdentityUser(
    Guid Id,
    string Kind,
    string UserName,
    Guid? CustomerId,
    string? DisplayName,
    string? PasswordHash,
    string[] Roles,
    byte[]? TotpSecretEnc,
    DateTimeOffset? LockedUntil,
    DateTimeOffset? DisabledAt,
    DateTimeOffset? ActivatedAt)
{
    public bool IsStaff => Kind == "staff";
}

/// <summary>A back-office system (OAuth 2.0 client credentials).</summary>
public sealed record ApiClient(string ClientId, string DisplayName, string[] Scopes, DateTimeOffset? RevokedAt);

/// <summary>A new secret, shown once.</summary>
public sealed record IssuedSecret(string ClientId, string Secret, IReadOnlyList<string> Scopes);

/// <summary>A new staff member: the TOTP secret (when the roles require a second factor) is shown once.</summary>
public sealed record AddedStaff(Guid Id, string UserName, IReadOnlyList<string> Roles, string? TotpSecret, string? TotpUri);

/// <summary>An access audit row.</summary>
public sealed record AuditEntry(long Id, DateTimeOffset At, string Event, string Outcome, string? Actor, string? Subject, string? SourceAddress, string? Route, int? Status, string? Detail);
