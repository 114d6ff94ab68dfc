using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CableHub.Core.Api;

/// <summary>
/// STAND-IN FOR REAL AUTHENTICATION (identity work is in progress): the caller's roles come from the <c>X-Role</c> header
/// (comma-separated). Behind the operator's gateway this becomes a claim of the authenticated principal; until then anyone
/// who can reach the API can send the header, so the hub must not be exposed beyond the operator's network.
/// </summary>
public static class Roles
{
    /// <summary>Role allowed to change the catalog (channels, bouquets, prices, VOD titles and offers, EPG sources and imports).</summary>
    public const string CatalogAdmin = "catalog-admin";

    /// <summary>Role allowed to read customers, their billing accounts and the list of product orders (TMF629, TMF666, TMF622 list).</summary>
    public const string CustomerService = "customer-service";

    public static bool HasRole(HttpContext http, string role)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.Request.Headers.TryGetValue("X-Role", out var values)
            && values.SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                .Contains(role, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>An endpoint filter answering 403 (problem document) unless the caller has <paramref name="role"/>.</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, string role)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new RequiredRoleMetadata(role));
        builder.WithMetadata(new ProducesResponseTypeMetadata(
            StatusCodes.Status403Forbidden, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]));
        builder.AddEndpointFilter(async (context, next) =>
            HasRole(context.HttpContext, role)
                ? await next(context).ConfigureAwait(false)
                : TypedResults.Problem(
                    title: $"This operation needs the role '{role}'",
                    detail: $"Send the header 'X-Role: {role}' (stand-in for real authentication; see CableHub.Core.Api.Roles).",
                    statusCode: StatusCodes.Status403Forbidden,
                    type: ProblemMapping.ForbiddenType));
        return builder;
    }

    /// <summary>Who acts, for audit columns: the <c>X-Actor</c> header, else the role, else "api".</summary>
    public static string Actor(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.Request.Headers.TryGetValue("X-Actor", out var actor) && !string.IsNullOrWhiteSpace(actor) ? actor.ToString().Trim()
            : http.Request.Headers.TryGetValue("X-Role", out var role) && !string.IsNullOrWhiteSpace(role) ? role.ToString().Trim()
            : "api";
    }

    /// <summary>Endpoint metadata: the role <see cref="RequireRole{TBuilder}"/> asks for (the OpenAPI document and route tables read it).</summary>
    public sealed record RequiredRoleMetadata(string Role);
}
