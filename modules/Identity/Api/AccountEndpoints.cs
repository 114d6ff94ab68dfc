using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace CableHub.Identity.Api;

/// <summary>
/// <c>/api/v1/identity</c>: subscribers' activation (a one-time code sent to their contact, then the first password),
/// password reset by single-use token (staff and subscribers), "who am I", and the access audit for admins and
/// compliance officers. Requests for a code answer 202 whether or not the login exists (nothing is revealed).
/// </summary>
internal static class AccountEndpoints
{
    public const string BasePath = "/api/v1/identity";

    public static void Map(IEndpointRouteBuilder app)
    {
        var open = app.MapModuleGroup(BasePath, "Identity")
            .AllowAnonymousBecause("sign-up and recovery: whoever cannot sign in yet proves themselves with a one-time code sent to their contact")
            .RequireRateLimiting(IdentityModule.SignInRateLimit);
        open.MapPost("/activation", async (HttpContext http, Accounts accounts, CancellationToken ct) =>
        {
            var body = await ApiRequest.ReadJsonAsync<LoginBody>(http, ct).ConfigureAwait(false);
            await accounts.RequestActivationAsync(Required(body.Login, "login"), http, ct).ConfigureAwait(false);
            return TypedResults.Accepted((string?)null);
        });
        open.MapPost("/activation/complete", async (HttpContext http, Accounts accounts, CancellationToken ct) =>
        {
            var body = await ApiRequest.ReadJsonAsync<CompleteBody>(http, ct).ConfigureAwait(false);
            var outcome = await accounts.ActivateAsync(Required(body.Login, "login"), Required(body.Code, "code"), Required(body.Password, "password"), http, ct).ConfigureAwait(false);
            return Answer(outcome, "the code is wrong, expired or used, or the account is already active");
        });
        open.MapPost("/password-reset", async (HttpContext http, Accounts accounts, CancellationToken ct) =>
        {
            var body = await ApiRequest.ReadJsonAsync<LoginBody>(http, ct).ConfigureAwait(false);
            await accounts.RequestPasswordResetAsync(Required(body.Login, "login"), http, ct).ConfigureAwait(false);
            return TypedResults.Accepted((string?)null);
        });
        open.MapPost("/password-reset/complete", async (HttpContext http, Accounts accounts, CancellationToken ct) =>
        {
            var body = await ApiRequest.ReadJsonAsync<CompleteBody>(http, ct).ConfigureAwait(false);
            var outcome = await accounts.ResetPasswordAsync(Required(body.Login, "login"), Required(body.Code, "code"), Required(body.Password, "password"), http, ct).ConfigureAwait(false);
            return Answer(outcome, "the reset token is wrong, expired or used");
        });

        var me = app.MapModuleGroup(BasePath, "Identity").RequireAccess(HubPolicies.Authenticated);
        me.MapGet("/me", (HttpContext http) => TypedResults.Ok(new MeResource(
            HubPrincipal.KindOf(http.User)!, HubPrincipal.ActorOrNull(http.User)!, [.. HubPrincipal.RolesOf(http.User)], [.. HubPrincipal.ScopesOf(http.User)],
            HubPrincipal.CustomerIdOf(http.User))));

        var audit = app.MapModuleGroup(BasePath, "Identity").RequireStaff(StaffRoles.ComplianceOfficer);
        audit.MapGet("/audit", async (HttpContext http, AccessAudit log, CancellationToken ct) =>
            TypedResults.Ok(await log.ListAsync(Math.Clamp(int.TryParse(ApiRequest.Query(http, "limit"), out var l) ? l : 100, 1, 1000), ApiRequest.Query(http, "event"), ct).ConfigureAwait(false)));
        audit.MapGet("/audit/verify", async (AccessAudit log, CancellationToken ct) =>
        {
            var broken = await log.VerifyChainAsync(ct).ConfigureAwait(false);
            return TypedResults.Ok(new { intact = broken.Count == 0, brokenRows = broken });
        });
    }

    private static IResult Answer(SignInOutcome outcome, string wrong) => outcome switch
    {
        SignInOutcome.Success => TypedResults.NoContent(),
        SignInOutcome.LockedOut => ProblemMapping.Invalid("code", "the account is locked after repeated failures; try again later"),
        _ => ProblemMapping.Invalid("code", wrong),
    };

    private static string Required(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw new RequestInvalidException(field, "is required") : value;

    private sealed record LoginBody(string? Login);

    private sealed record CompleteBody(string? Login, string? Code, string? Password);

    internal sealed record MeResource(string Kind, string Actor, IReadOnlyList<string> Roles, IReadOnlyList<string> Scopes, Guid? CustomerId);
}
