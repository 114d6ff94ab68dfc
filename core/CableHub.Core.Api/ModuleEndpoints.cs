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
    /// 422) through the one mapping, and the group declares those answers for OpenAPI.
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
        });
        group.ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return group;
    }
}
