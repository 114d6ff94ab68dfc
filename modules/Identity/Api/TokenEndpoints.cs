using System.Security.Claims;
using CableHub.Core.Api.Access;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CableHub.Identity.Api;

/// <summary>
/// <c>POST /connect/token</c> (OpenIddict parses and answers the OAuth 2.0 protocol; this handler decides): client
/// credentials for back-office systems (scopes ⊆ the client's), password grant for staff (plus <c>otp</c> for roles
/// that need TOTP) and subscribers (customer number or e-mail), refresh tokens (<c>offline_access</c>; the user is
/// checked again). Every issuance and refusal is audited.
/// </summary>
internal static class TokenEndpoints
{
    public const string TokenPath = "/connect/token";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost(TokenPath, TokenAsync)
            .AllowAnonymousBecause("OAuth 2.0 token endpoint: the caller proves who it is with the request itself")
            .RequireRateLimiting(IdentityModule.SignInRateLimit)
            .DisableAntiforgery()
            .WithTags("Identity");
    }

    private static async Task<IResult> TokenAsync(HttpContext http, Accounts accounts, ApiClients clients, AccessAudit audit, IdentityOptions options, CancellationToken ct)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("the OpenIddict server request is missing");
        ClaimsIdentity identity;
        string actor;
        if (request.IsClientCredentialsGrantType())
        {
            var client = await clients.AuthenticateAsync(request.ClientId ?? "", request.ClientSecret ?? "", http, ct).ConfigureAwait(false);
            if (client is null)
            {
                return Refuse(Errors.InvalidClient, "unknown client, wrong secret or revoked client");
            }

            var requested = request.GetScopes();
            var missing = requested.Where(s => !client.Scopes.Contains(s)).ToList();
            if (missing.Count > 0)
            {
                await audit.RecordAsync(AuditEvents.TokenRefused, "failure", "client:" + client.ClientId, client.ClientId, http, 400, "scope not granted: " + string.Join(' ', missing), ct).ConfigureAwait(false);
                return Refuse(Errors.InvalidScope, $"scope(s) not granted to this client: {string.Join(' ', missing)}");
            }

            identity = NewIdentity();
            identity.SetClaim(Claims.Subject, client.ClientId).SetClaim(HubClaims.Kind, HubClaims.Client).SetClaim(HubClaims.Name, client.ClientId);
            identity.SetScopes(requested.IsEmpty ? client.Scopes : requested);
            actor = "client:" + client.ClientId;
        }
        else if (request.IsPasswordGrantType())
        {
            var result = await accounts.PasswordSignInAsync(request.Username ?? "", request.Password ?? "", request.GetParameter("otp")?.ToString(), http, ct).ConfigureAwait(false);
            if (result.Outcome != SignInOutcome.Success)
            {
                return Refuse(Errors.InvalidGrant, result.Outcome switch
                {
                    SignInOutcome.LockedOut => "the account is locked after repeated failures; try again later",
                    SignInOutcome.SecondFactorRequired => "this account needs its one-time password: send the 'otp' parameter",
                    SignInOutcome.SecondFactorNotEnrolled => "this account's role needs a second factor: ask an operator for './cablehub users reset-mfa'",
                    SignInOutcome.NotActivated => "the account is not activated yet",
                    _ => "wrong user name or password",
                });
            }

            identity = UserIdentity(result.User!, result.CustomerNumber);
            identity.SetScopes(request.GetScopes().Where(s => s == Scopes.OfflineAccess));
            actor = HubPrincipal.ActorOrNull(new ClaimsPrincipal(identity))!;
        }
        else if (request.IsRefreshTokenGrantType())
        {
            var previous = (await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme).ConfigureAwait(false)).Principal;
            var userId = Guid.TryParse(previous?.FindFirst(Claims.Subject)?.Value, out var id) ? id : Guid.Empty;
            var user = userId == Guid.Empty ? null : await accounts.GetUserAsync(userId, ct).ConfigureAwait(false);
            if (user is null || user.DisabledAt is not null || (user.LockedUntil is { } until && until > DateTimeOffset.UtcNow))
            {
                await audit.RecordAsync(AuditEvents.TokenRefused, "failure", previous?.FindFirst(HubClaims.Name)?.Value, userId.ToString(), http, 400, "refresh for a disabled, locked or unknown user", ct).ConfigureAwait(false);
                return Refuse(Errors.InvalidGrant, "the refresh token is no longer valid");
            }

            identity = UserIdentity(user, previous?.FindFirst(HubClaims.Name)?.Value);
            identity.SetScopes(previous!.GetScopes());
            actor = HubPrincipal.ActorOrNull(new ClaimsPrincipal(identity))!;
        }
        else
        {
            return Refuse(Errors.UnsupportedGrantType, "grant types: client_credentials, password, refresh_token");
        }

        identity.SetAudiences(options.Audience);
        identity.SetDestinations(_ => [Destinations.AccessToken]);
        await audit.RecordAsync(AuditEvents.TokenIssued, "success", actor, identity.FindFirst(Claims.Subject)?.Value, http, 200,
            $"{request.GrantType}; scopes {string.Join(' ', identity.GetScopes())}", ct).ConfigureAwait(false);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static ClaimsIdentity UserIdentity(IdentityUser user, string? customerNumber)
    {
        var identity = NewIdentity();
        identity.SetClaim(Claims.Subject, user.Id.ToString());
        if (user.IsStaff)
        {
            identity.SetClaim(HubClaims.Kind, HubClaims.Staff).SetClaim(HubClaims.Name, user.UserName);
            identity.SetClaims(HubClaims.Role, [.. user.Roles]);
        }
        else
        {
            identity.SetClaim(HubClaims.Kind, HubClaims.Subscriber).SetClaim(HubClaims.Name, customerNumber ?? user.UserName.ToUpperInvariant())
                .SetClaim(HubClaims.CustomerId, user.CustomerId!.Value.ToString());
        }

        return identity;
    }

    private static ClaimsIdentity NewIdentity() => new(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, HubClaims.Name, HubClaims.Role);

    private static IResult Refuse(string error, string description) =>
        Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
