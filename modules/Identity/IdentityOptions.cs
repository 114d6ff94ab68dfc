using System.Security.Cryptography;

namespace CableHub.Identity;

/// <summary>Settings of the Identity module (the host binds them from <c>Authentication:*</c>; libraries never read configuration).</summary>
public sealed class IdentityOptions
{
    /// <summary>
    /// An external OpenID Connect issuer (Keycloak, Entra ID, ...). Empty: the hub's built-in token server issues and the API
    /// validates with its own keys. Set: the API validates that issuer's tokens (discovery + JWKS) and the built-in server is off.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>The <c>iss</c> of the built-in server's tokens (the hub's public base address).</summary>
    public Uri Issuer { get; set; } = new("http://127.0.0.1:8080/");

    /// <summary>The <c>aud</c> every access token must carry.</summary>
    public string Audience { get; set; } = "cablehub-api";

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>RSA key signing the built-in server's tokens (the API validates with its public half).</summary>
    public RSA? SigningKey { get; set; }

    /// <summary>32-byte key encrypting refresh tokens (they are opaque to clients).</summary>
    public byte[]? EncryptionKey { get; set; }

    /// <summary>Wrong passwords allowed within <see cref="FailureWindow"/>; the next one locks the account.</summary>
    public int MaxFailures { get; set; } = 5;

    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan ActivationCodeLifetime { get; set; } = TimeSpan.FromHours(24);

    public TimeSpan ResetTokenLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Language of codes sent to staff (subscribers get their preferred language).</summary>
    public string MessageLanguage { get; set; } = "en";

    /// <summary>IANA time zone in which messages show when a code expires (the hub passes its reporting time zone).</summary>
    public string MessageTimeZone { get; set; } = "UTC";

    /// <summary>Name of the claim carrying roles in an external issuer's tokens (the built-in one writes <c>role</c>).</summary>
    public string RoleClaim { get; set; } = "role";

    public bool BuiltInServer => string.IsNullOrWhiteSpace(Authority);

    /// <summary>Options for tests and first runs: fresh keys in memory.</summary>
    public static IdentityOptions WithNewKeys(Uri issuer) => new() { Issuer = issuer, SigningKey = RSA.Create(2048), EncryptionKey = RandomNumberGenerator.GetBytes(32) };
}
