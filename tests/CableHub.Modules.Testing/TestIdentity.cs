using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using CableHub.Core.Api.Access;
using CableHub.Customers;
using CableHub.Customers.Contracts;
using CableHub.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CableHub.Modules.Testing;

/// <summary>
/// Real tokens for tests: the Identity module and the hub's authentication (built-in OpenIddict server, JwtBearer
/// validation, default deny) on a test web app, and helpers that create staff users, subscribers and API clients in the
/// database and get their tokens from <c>POST /connect/token</c> like any caller. Nothing bypasses authentication.
/// </summary>
public sealed class TestIdentity
{
    public const string Password = "correct-horse-battery";

    private readonly ConcurrentDictionary<string, Task<string>> _tokens = new(StringComparer.Ordinal);
    private readonly HttpClient _http;

    private TestIdentity(HttpClient http, IServiceProvider services, IdentityOptions options)
    {
        _http = http;
        Services = services;
        Options = options;
    }

    public IServiceProvider Services { get; }

    public IdentityOptions Options { get; }

    /// <summary>Codes and tokens the module "sent" (activation, password reset).</summary>
    public RecordingIdentityMessenger Messages => (RecordingIdentityMessenger)Services.GetRequiredService<IIdentityMessenger>();

    public Accounts Accounts => Services.GetRequiredService<Accounts>();

    public ApiClients Clients => Services.GetRequiredService<ApiClients>();

    public AccessAudit Audit => Services.GetRequiredService<AccessAudit>();

    /// <summary>Adds identity and the hub's authentication to a test app served at <paramref name="address"/> (Customers is added when missing).</summary>
    public static IdentityOptions Register(IServiceCollection services, Uri address)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = IdentityOptions.WithNewKeys(address);
        if (!services.Any(d => d.ServiceType == typeof(ICustomerDirectory)))
        {
            services.AddCustomersModule();
        }

        services.TryAddSingleton(ModuleServices.Encryptor);
        services.AddSingleton<IIdentityMessenger, RecordingIdentityMessenger>();
        services.AddIdentityModule(options);
        services.AddHubAuthentication(options, signInPermitsPerMinute: 100_000);
        return options;
    }

    /// <summary>Routing, authentication, authorization and the identity endpoints, as the host orders them.</summary>
    public static void Use(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseRouting();
        app.UseHubAuthentication();
        app.MapIdentityEndpoints();
    }

    public static TestIdentity For(WebApplication app, HttpClient client) =>
        new(client, app.Services, app.Services.GetRequiredService<IdentityOptions>());

    /// <summary>A token of a staff member with <paramref name="roles"/> (TOTP answered for admin and compliance-officer).</summary>
    public Task<string> StaffTokenAsync(params string[] roles) => StaffTokenAsync("test-" + string.Join('-', roles), roles);

    public Task<string> StaffTokenAsync(string userName, IReadOnlyList<string> roles) => _tokens.GetOrAdd("staff:" + userName, async _ =>
    {
        string? totp;
        try
        {
            totp = (await Accounts.AddStaffAsync(userName, Password, roles, $"{userName}@operator.example", null, "test", CancellationToken.None)).TotpSecret;
        }
        catch (Core.Errors.StateConflictException)
        {
            // the user exists on this database (a fixture shared by several test apps): sign in again
            totp = roles.Any(StaffRoles.RequireTotp.Contains) ? (await Accounts.ResetMfaAsync(userName, "test", CancellationToken.None)).TotpSecret : null;
        }

        return await TokenAsync(PasswordForm(userName, Password, totp));
    });

    /// <summary>A subscriber's token (their account is created with <see cref="Password"/>).</summary>
    public Task<string> SubscriberTokenAsync(Guid customerId) => _tokens.GetOrAdd("subscriber:" + customerId, async _ =>
    {
        var user = await Accounts.AddSubscriberAsync(customerId, Password, "test", CancellationToken.None);
        return await TokenAsync(PasswordForm(user.UserName, Password, null));
    });

    /// <summary>A back-office client's token with <paramref name="scopes"/> (the client is created with exactly those).</summary>
    public Task<string> ClientTokenAsync(string clientId, params string[] scopes) => _tokens.GetOrAdd("client:" + clientId, async _ =>
    {
        var issued = await Clients.AddAsync(clientId, clientId, scopes, "test", CancellationToken.None);
        return await TokenAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = issued.Secret });
    });

    /// <summary>The current TOTP code for a secret, at the module's clock.</summary>
    public string Totp(string secret) => Accounts.TotpNow(secret, Services.GetRequiredService<TimeProvider>().GetUtcNow());

    public Dictionary<string, string> PasswordForm(string userName, string password, string? totpSecret)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "password", ["username"] = userName, ["password"] = password };
        if (totpSecret is not null)
        {
            form["otp"] = Totp(totpSecret);
        }

        return form;
    }

    /// <summary>POSTs the form to the token endpoint: the status and the JSON answer.</summary>
    public async Task<(System.Net.HttpStatusCode Status, JsonElement Body)> RequestTokenAsync(Dictionary<string, string> form)
    {
        using var response = await _http.PostAsync("/connect/token", new FormUrlEncodedContent(form));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public async Task<string> TokenAsync(Dictionary<string, string> form)
    {
        var (status, body) = await RequestTokenAsync(form);
        if (status != System.Net.HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"token request refused: {(int)status} {body}");
        }

        return body.GetProperty("access_token").GetString()!;
    }

    /// <summary>
    /// A token the test makes itself, for the refusals: signed with the hub's key unless <paramref name="otherKey"/>, with
    /// the given audience and lifetime. Claims as the built-in server writes them (an admin by default).
    /// </summary>
    public string ForgeToken(string? audience = null, DateTimeOffset? expires = null, bool otherKey = false, IEnumerable<Claim>? claims = null, string? subject = null)
    {
        var key = otherKey ? new RsaSecurityKey(RSA.Create(2048)) : new RsaSecurityKey(Options.SigningKey!);
        var now = DateTimeOffset.UtcNow;
        var notBefore = (expires ?? now.AddMinutes(10)) < now ? expires!.Value.AddMinutes(-10) : now.AddMinutes(-1);
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Options.Issuer.AbsoluteUri,
            Audience = audience ?? Options.Audience,
            IssuedAt = notBefore.UtcDateTime,
            NotBefore = notBefore.UtcDateTime,
            Expires = (expires ?? now.AddMinutes(10)).UtcDateTime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
            Subject = new ClaimsIdentity(claims ?? [new Claim(HubClaims.Subject, subject ?? Guid.NewGuid().ToString()), new Claim(HubClaims.Kind, HubClaims.Staff),
                new Claim(HubClaims.Name, "forger"), new Claim(HubClaims.Role, StaffRoles.Admin)]),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    public static void Authorize(HttpRequestMessage request, string token)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }
}

/// <summary>Keeps what the Identity module would have sent (To = the login the code is for).</summary>
public sealed class RecordingIdentityMessenger : IIdentityMessenger
{
    public ConcurrentQueue<(string To, string Kind, string Secret)> Sent { get; } = new();

    public Task<IdentityDelivery> SendCodeAsync(IdentityCode message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        Sent.Enqueue((message.To.Login, message.Purpose, message.Code));
        return Task.FromResult(new IdentityDelivery(true, "recorded by the test"));
    }
}
