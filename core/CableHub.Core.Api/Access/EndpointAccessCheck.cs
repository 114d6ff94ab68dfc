using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CableHub.Core.Api.Access;

/// <summary>
/// Default deny: every endpoint must declare an access rule (<see cref="AccessRule"/> metadata) or be public with a
/// reason (<see cref="AnonymousReason"/>). The host runs <see cref="Verify"/> before it starts listening and refuses to
/// start otherwise; the authorization matrix test reads the same metadata.
/// </summary>
public static class EndpointAccessCheck
{
    public static IReadOnlyList<string> Violations(IEnumerable<EndpointDataSource> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var bad = new List<string>();
        foreach (var endpoint in sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>())
        {
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var reason = endpoint.Metadata.GetMetadata<AnonymousReason>();
            var rule = endpoint.Metadata.GetOrderedMetadata<AccessRule>();
            var name = $"{string.Join(',', endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"])} {endpoint.RoutePattern.RawText}";
            if (anonymous && reason is null)
            {
                bad.Add($"{name}: AllowAnonymous without a reason (use AllowAnonymousBecause)");
            }
            else if (!anonymous && rule.Count == 0)
            {
                bad.Add($"{name}: no access rule (RequireAccess / RequireStaff / RequireScope / AllowAnonymousBecause)");
            }
        }

        return bad;
    }

    /// <summary>Throws, naming every offending endpoint, when one lacks a rule.</summary>
    public static void Verify(IEnumerable<EndpointDataSource> sources)
    {
        var bad = Violations(sources);
        if (bad.Count > 0)
        {
            throw new InvalidOperationException("Default deny: these endpoints declare no access rule, the hub does not start:\n  " + string.Join("\n  ", bad));
        }
    }
}
