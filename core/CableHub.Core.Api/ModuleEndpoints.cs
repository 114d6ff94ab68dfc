using CableHub.Core.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CableHub.Core.Api;

/// <summary>How every module maps its endpoint group: one route group per resource path, domain errors answered through <see cref="ProblemMapping"/>.</summary>
public static class ModuleEndpoints
{
    /// <summary>
    /// A route group whose handlers may throw <see cref="DomainException"/>s: they become problem documents (400, 404, 409,
    /// 422) through the one mapping, and the group declares those answers for OpenAPI. A request the server refuses while the
    /// handler reads it (<see cref="BadHttpRequestException"/>: 413 over the body limit, 400 a cut-off body) answers its own status.
    /// </summary>
    public static RouteGroupBuilder MapModuleGroup(this IEndpointRouteBuilder app, string prefix, string tag)
    {
        ArgumentNullException.ThrowIfNull(app);
        var group = app.MapGroup(prefix).WithTags(tag);
        group.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context).ConfigureAwait(false);
            }
            catch (DomainException ex)
            {
                return ProblemMapping.ToProblem(ex);
            }
            catch (BadHttpRequestException ex)
            {
                // the server refused the request while the handler read it (body over the size limit, body cut off): its status, not a 500
                return ProblemMapping.Rejected(ex);
            }
        });
        group.ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return group;
    }
}
