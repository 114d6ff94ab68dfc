using Microsoft.AspNetCore.Http.Metadata;

namespace CableHub.Core.Api;

/// <summary>
/// Declares the request body of a handler that reads it itself (<see cref="ApiRequest.ReadJsonAsync{T}"/>): the OpenAPI
/// document shows <typeparamref name="T"/> as the JSON body. Put it on the handler method.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class JsonBodyAttribute<T>() : Attribute, IAcceptsMetadata
{
    public IReadOnlyList<string> ContentTypes { get; } = ["application/json"];

    public Type? RequestType => typeof(T);

    /// <summary>
    /// Optional for routing only (the OpenAPI document marks the body required): a request without a content type still
    /// reaches authorization (401/403 first) and then the handler, which answers a missing or malformed body with 400.
    /// </summary>
    public bool IsOptional => true;
}

/// <summary>Declares a raw request body (a file upload read from the stream) of the given media types.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RawBodyAttribute(params string[] contentTypes) : Attribute, IAcceptsMetadata
{
    public IReadOnlyList<string> ContentTypes { get; } = contentTypes;

    public Type? RequestType => typeof(Stream);

    /// <summary>Optional for routing only, as for <see cref="JsonBodyAttribute{T}"/>.</summary>
    public bool IsOptional => true;
}

/// <summary>
/// Declares a query parameter that a handler reads itself (<see cref="ApiRequest.Query"/>, <see cref="PageRequest.From"/>):
/// the OpenAPI document lists it. <paramref name="type"/>: <c>string</c> (default), <c>integer</c>, <c>boolean</c> or
/// <c>date-time</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class QueryParameterAttribute(string name, string description, string type = "string") : Attribute
{
    public string Name { get; } = name;

    public string Description { get; } = description;

    public string Type { get; } = type;
}

/// <summary>The <c>offset</c> / <c>limit</c> paging parameters of a list (answer headers <c>X-Total-Count</c>, <c>X-Result-Count</c>).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PagedAttribute : Attribute;
