using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace CableHub.Core.Api.Access;

/// <summary>Reads the signed-in principal's kind, roles, scopes, customer and the actor name recorded in audit columns.</summary>
public static class HubPrincipal
{
    public static string? KindOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Identity?.IsAuthenticated == true ? user.FindFirst(HubClaims.Kind)?.Value : null;
    }

    public static IEnumerable<string> RolesOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindAll(HubClaims.Role).Concat(user.FindAll(ClaimTypes.Role)).Select(c => c.Value);
    }

    /// <summary>Scopes from <c>scope</c> claims (space-separated in a JWT, or one claim per scope).</summary>
    public static IEnumerable<string> ScopesOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindAll(HubClaims.Scope).Concat(user.FindAll("scp"))
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    public static Guid? CustomerIdOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return Guid.TryParse(user.FindFirst(HubClaims.CustomerId)?.Value, out var id) ? id : null;
    }

    /// <summary>
    /// Who acts, for the columns that record it (price changes, stock movements, purchase orders, orders):
    /// <c>staff:&lt;user name&gt;</c>, <c>client:&lt;client id&gt;</c> or <c>subscriber:&lt;customer number&gt;</c>, from the
    /// access token. Throws when nobody signed in (routes that record an actor are never anonymous).
    /// </summary>
    public static string Actor(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return ActorOrNull(http.User) ?? throw new InvalidOperationException("no signed-in principal: a route that records its actor must require access");
    }

    public static string? ActorOrNull(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var kind = KindOf(user);
        if (kind is null)
        {
            return null;
        }

        var name = user.FindFirst(HubClaims.Name)?.Value ?? user.FindFirst(HubClaims.ClientId)?.Value ?? user.FindFirst(HubClaims.Subject)?.Value ?? "?";
        return $"{kind}:{name}";
    }
}
