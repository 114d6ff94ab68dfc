using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CableHub.Core.Api;

/// <summary>
/// TMF630 attribute selection: <c>?fields=name,status</c> returns only those first-level attributes of a resource (or of
/// each resource of a list), always with <c>id</c>, <c>href</c> and <c>@type</c>. Unknown names select nothing (no error,
/// as TMF does). The handler stays typed (its OpenAPI schema is the full resource); the filter trims its answer.
/// </summary>
public static class FieldSelection
{
    public const string Parameter = "fields";

    private static readonly string[] Always = ["id", "href", "@type"];

    /// <summary>Adds the <c>fields</c> filter to the endpoint(s) and declares the query parameter for OpenAPI.</summary>
    public static TBuilder WithFieldSelection<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new QueryParameterAttribute(Parameter, "Comma-separated first-level attributes to return (TMF630 attribute selection); id, href and @type always come back"));
        builder.AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context).ConfigureAwait(false);
            var fields = ApiRequest.List(context.HttpContext, Parameter);
            if (fields is null || result is not IValueHttpResult { Value: { } value } || result is IStatusCodeHttpResult { StatusCode: >= 300 })
            {
                return result;
            }

            var options = context.HttpContext.RequestServices.GetService<IOptions<JsonOptions>>()?.Value.SerializerOptions ?? JsonSerializerOptions.Web;
            var node = JsonSerializer.SerializeToNode(value, value.GetType(), options);
            var keep = new HashSet<string>(fields.Concat(Always), StringComparer.Ordinal);
            switch (node)
            {
                case JsonObject single:
                    Trim(single, keep);
                    break;
                case JsonArray many:
                    foreach (var item in many.OfType<JsonObject>())
                    {
                        Trim(item, keep);
                    }

                    break;
            }

            var status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : StatusCodes.Status200OK;
            return TypedResults.Json(node, options, statusCode: status);
        });
        return builder;
    }

    private static void Trim(JsonObject resource, HashSet<string> keep)
    {
        foreach (var name in resource.Select(p => p.Key).Where(n => !keep.Contains(n)).ToList())
        {
            resource.Remove(name);
        }
    }
}
