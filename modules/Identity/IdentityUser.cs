namespace CableHub.Identity;

/// <summary>A staff member or a subscriber who can sign in (read by Dapper: settable properties).</summary>
public sealed class IdentityUser
{
    public Guid Id { get; init; }

    public string Kind { get; init; } = "";

    public string UserName { get; init; } = "";

    public Guid? CustomerId { get; init; }

    public string? DisplayName { get; init; }

    public string? PasswordHash { get; init; }

    public string[] Roles { get; init; } = [];

    public byte[]? TotpSecretEnc { get; init; }

    public DateTimeOffset? LockedUntil { get; init; }

    public DateTimeOffset? DisabledAt { get; init; }

    public DateTimeOffset? ActivatedAt { get; init; }

    public bool IsStaff => Kind == "staff";
}

/// <summary>A back-office system (OAuth 2.0 client credentials).</summary>
public sealed class ApiClient
{
    public string ClientId { get; init; } = "";

    public string DisplayName { get; init; } = "";

    public string[] Scopes { get; init; } = [];

    public DateTimeOffset? RevokedAt { get; init; }
}

/// <summary>A new secret, shown once.</summary>
public sealed record IssuedSecret(string ClientId, string Secret, IReadOnlyList<string> Scopes);

/// <summary>A new staff member: the TOTP secret (when the roles require a second factor) is shown once.</summary>
public sealed record AddedStaff(Guid Id, string UserName, IReadOnlyList<string> Roles, string? TotpSecret, string? TotpUri);

/// <summary>An access audit row.</summary>
public sealed class AuditEntry
{
    public long Id { get; init; }

    public DateTimeOffset At { get; init; }

    public string Event { get; init; } = "";

    public string Outcome { get; init; } = "";

    public string? Actor { get; init; }

    public string? Subject { get; init; }

    public string? SourceAddress { get; init; }

    public string? Route { get; init; }

    public int? Status { get; init; }

    public string? Detail { get; init; }
}
