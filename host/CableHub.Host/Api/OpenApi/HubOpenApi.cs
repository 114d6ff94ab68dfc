using System.Reflection;
using System.Text;
using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace CableHub.Host.Api.OpenApi;

/// <summary>
/// The published API contract: the OpenAPI 3.1 document of every route at <c>/openapi/v1.json</c> (Microsoft.AspNetCore.OpenApi,
/// from the endpoints' metadata), completed here — operation ids, the query parameters and paging headers handlers read
/// themselves (<see cref="QueryParameterAttribute"/>, <see cref="PagedAttribute"/>), problem documents (RFC 9457), the
/// security schemes, <c>/health</c> — and the Scalar reference page at <c>/docs</c>.
/// </summary>
public static class HubOpenApi
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string DocsPath = "/docs";

    /// <summary>Bearer JWT access tokens issued by <c>/connect/token</c> (or the configured external issuer).</summary>
    public const string BearerScheme = "bearer";

    /// <summary>OAuth 2.0 at <c>/connect/token</c>: client credentials for back-office systems (scopes), password for staff and subscribers.</summary>
    public const string OAuth2Scheme = "oauth2";

    /// <summary>What each client scope grants (the OAuth 2.0 scheme lists them).</summary>
    private static readonly Dictionary<string, string> ScopeDescriptions = new(StringComparer.Ordinal)
    {
        [ApiScopes.CatalogRead] = "Read catalogue internals (rule check, notices, EPG sources and imports)",
        [ApiScopes.CatalogWrite] = "Change channels, bouquets, prices, VOD titles, EPG imports",
        [ApiScopes.OrdersRead] = "Read product orders",
        [ApiScopes.OrdersWrite] = "Place and cancel product orders, buy for a customer",
        [ApiScopes.CustomersRead] = "Read customers and their products (without personal data)",
        [ApiScopes.BillingRead] = "Read billing accounts, charges and bills",
        [ApiScopes.BillingWrite] = "Billing changes: credit notes, bill runs",
        [ApiScopes.InventoryRead] = "Read stock, devices, purchase orders, EDI files",
        [ApiScopes.InventoryWrite] = "Stock movements, pairings, purchase orders, EDI uploads",
        [ApiScopes.ReportsRead] = "Reports and exports",
        [ApiScopes.PersonalDataRead] = "Decrypted personal data (each read recorded in the access audit)",
    };

    /// <summary>What every API host of the hub registers: problem details, the JSON answer options, the OpenAPI document.</summary>
    public static IServiceCollection AddHubApi(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
            // Numbers are numbers (TMF's types): the web default would also declare every integer as a numeric string.
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        return services.AddHubOpenApi();
    }

    public static IServiceCollection AddHubOpenApi(this IServiceCollection services)
    {
        services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            var names = new SchemaNames();
            options.CreateSchemaReferenceId = names.For;
            options.AddSchemaTransformer(NullableIsOptional);
            options.AddSchemaTransformer(ProblemMembers);
            options.AddOperationTransformer(DescribeOperation);
            options.AddDocumentTransformer(CompleteDocument);
        });
        return services;
    }

    /// <summary>Maps <c>/openapi/v1.json</c> and the Scalar reference page at <c>/docs</c>.</summary>
    public static IEndpointRouteBuilder MapHubOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymousBecause("the published API contract (OpenAPI document)");
        app.MapScalarApiReference(DocsPath, options => options
            .WithTitle("CableHub API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            .AddDocument(DocumentName)).AllowAnonymousBecause("the API reference page for the published contract");
        return app;
    }

    /// <summary>The document as JSON, from the endpoints mapped on <paramref name="services"/>' application (no request served).</summary>
    public static async Task<string> WriteAsync(IServiceProvider services, CancellationToken ct)
    {
        var provider = services.GetRequiredKeyedService<IOpenApiDocumentProvider>(DocumentName);
        var document = await provider.GetOpenApiDocumentAsync(ct).ConfigureAwait(false);
        await using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        document.SerializeAsV31(new OpenApiJsonWriter(text));
        return text.ToString();
    }

    /// <summary>
    /// A property that may be null is not required: requests validate it in the handler (one 400 naming every field), and
    /// answers leave null attributes out.
    /// </summary>
    private static Task NullableIsOptional(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (schema.Required is { Count: > 0 } required && schema.Properties is { } properties)
        {
            foreach (var (name, property) in properties)
            {
                if (IsNullable(property))
                {
                    required.Remove(name);
                }
            }

            foreach (var property in context.JsonTypeInfo.Properties)
            {
                if (property.IsGetNullable || property.IsSetNullable)
                {
                    required.Remove(property.Name);
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>The members every CableHub problem document carries besides RFC 9457's (see <see cref="ProblemMapping"/>).</summary>
    private static Task ProblemMembers(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (context.JsonTypeInfo.Type != typeof(Microsoft.AspNetCore.Mvc.ProblemDetails) || schema.Properties is null)
        {
            return Task.CompletedTask;
        }

        schema.Description = "RFC 9457 problem document (application/problem+json)";
        schema.Properties["errors"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "Messages by field or JSON path ($ = the whole request)",
            AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
        };
        schema.Properties["violations"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            Description = "The errors with their stable codes (rule violations: e.g. IN-BOUQUET-85)",
            Items = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["code"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["field"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                    ["message"] = new OpenApiSchema { Type = JsonSchemaType.String },
                },
            },
        };
        return Task.CompletedTask;
    }

    private static bool IsNullable(IOpenApiSchema schema) =>
        schema.Type is { } type && type.HasFlag(JsonSchemaType.Null)
        || (schema.OneOf ?? []).Any(s => s.Type == JsonSchemaType.Null)
        || (schema.AnyOf ?? []).Any(s => s.Type == JsonSchemaType.Null);

    /// <summary>
    /// Schema names: TM Forum's where the hub serves a TMF resource (<c>ProductOrder</c>, <c>ProductOrder_Create</c>, …), the
    /// type's name elsewhere; two types never share a name (the later one takes its module's name as prefix) so no schema silently
    /// replaces another.
    /// </summary>
    private sealed class SchemaNames
    {
        private static readonly Dictionary<string, string> Tmf = new(StringComparer.Ordinal)
        {
            ["CableHub.Customers.Api.CustomerResource"] = "Customer",
            ["CableHub.Customers.Api.BillingAccountResource"] = "BillingAccount",
            ["CableHub.Customers.Api.CommunicationMessageResource"] = "CommunicationMessage",
            ["CableHub.Customers.Api.CommunicationReceiver"] = "Receiver",
            ["CableHub.Customers.Api.CommunicationSender"] = "Sender",
            ["CableHub.Ordering.Api.ProductOrderResource"] = "ProductOrder",
            ["CableHub.Ordering.Api.ProductOrderItemResource"] = "ProductOrderItem",
            ["CableHub.Ordering.Api.ProductOrderCreate"] = "ProductOrder_Create",
            ["CableHub.Ordering.Api.ProductOrderItemCreate"] = "ProductOrderItem_Create",
            ["CableHub.Ordering.Api.RelatedParty"] = "RelatedParty_Create",
            ["CableHub.Ordering.Api.ContactMedium"] = "ContactMedium_Create",
            ["CableHub.Ordering.Api.MediumCharacteristic"] = "MediumCharacteristic_Create",
            ["CableHub.Catalog.Api.ProductOfferingResource"] = "ProductOffering",
            ["CableHub.Catalog.Api.ProductOfferingCreate"] = "ProductOffering_Create",
            ["CableHub.Catalog.Api.ProductOfferingPatch"] = "ProductOffering_Update",
            ["CableHub.Catalog.Api.ProductOfferingPriceCreate"] = "ProductOfferingPrice_Create",
            ["CableHub.Inventory.Api.ResourceResource"] = "Resource",
            ["CableHub.Inventory.Api.ResourcePatch"] = "Resource_Update",
        };

        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Type> _taken = new(StringComparer.Ordinal);

        public string? For(System.Text.Json.Serialization.Metadata.JsonTypeInfo info)
        {
            var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
            var name = type.FullName is { } full && Tmf.TryGetValue(full, out var tmf) ? tmf : OpenApiOptions.CreateDefaultSchemaReferenceId(info);
            if (name is null || _taken.GetOrAdd(name, type) == type)
            {
                return name;
            }

            // Two modules use one type name (VOD's PriceBody and the catalog's): the later one is named with its module.
            var module = type.Namespace?.Split('.') is [_, var m, ..] ? m : "";
            var qualified = module + name;
            if (_taken.GetOrAdd(qualified, type) != type)
            {
                throw new InvalidOperationException(
                    $"OpenAPI schema name '{name}' would be shared by {_taken[name].FullName} and {type.FullName}: name one of them in HubOpenApi.SchemaNames");
            }

            name = qualified;
            return name;
        }
    }

    private static Task DescribeOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        operation.Parameters ??= [];
        foreach (var query in metadata.OfType<QueryParameterAttribute>())
        {
            if (operation.Parameters.Any(p => p.Name == query.Name && p.In == ParameterLocation.Query))
            {
                continue;
            }

            operation.Parameters.Add(new OpenApiParameter
            {
                Name = query.Name,
                In = ParameterLocation.Query,
                Description = query.Description,
                Schema = query.Type switch
                {
                    "integer" => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                    "boolean" => new OpenApiSchema { Type = JsonSchemaType.Boolean },
                    "date-time" => new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" },
                    _ => new OpenApiSchema { Type = JsonSchemaType.String },
                },
            });
        }

        var paged = metadata.OfType<PagedAttribute>().Any();
        if (paged)
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "offset", In = ParameterLocation.Query, Description = "Index of the first item of the page (0 = first)",
                Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "0" },
            });
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "limit", In = ParameterLocation.Query, Description = "Most items in the page",
                Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1" },
            });
            if (operation.Responses?.TryGetValue("200", out var ok) == true && ok is OpenApiResponse okResponse)
            {
                okResponse.Headers ??= new Dictionary<string, IOpenApiHeader>();
                okResponse.Headers["X-Total-Count"] = new OpenApiHeader { Description = "How many items match the request in all", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } };
                okResponse.Headers["X-Result-Count"] = new OpenApiHeader { Description = "How many items this page holds", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } };
            }
        }

        if (operation.Parameters.Count == 0)
        {
            operation.Parameters = null;
        }

        if (operation.RequestBody is OpenApiRequestBody body && metadata.Any(IsDeclaredBody))
        {
            body.Required = true; // optional for routing only (see JsonBodyAttribute.IsOptional): the handler refuses a missing body
        }

        DescribeAccess(operation, metadata, context.Document);
        return Task.CompletedTask;
    }

    /// <summary>A body declared by <see cref="JsonBodyAttribute{T}"/> or <see cref="RawBodyAttribute"/> (read by the handler itself).</summary>
    private static bool IsDeclaredBody(object metadata) =>
        metadata is RawBodyAttribute || metadata.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(JsonBodyAttribute<>);

    /// <summary>
    /// Who may call the operation, from the access rules the route declared (<see cref="AccessRule"/>, <see cref="OwnedResource"/>,
    /// <see cref="PersonalDataRead"/>, <see cref="AnonymousReason"/>): a bearer token, or OAuth 2.0 with the rule's scopes;
    /// 401 and 403 answers; a public route says why it is public.
    /// </summary>
    private static void DescribeAccess(OpenApiOperation operation, IList<object> metadata, OpenApiDocument? document)
    {
        var notes = new List<string>();
        if (metadata.OfType<AnonymousReason>().LastOrDefault() is { } open)
        {
            operation.Security = [];
            notes.Add($"Public: {open.Reason}.");
        }
        else if (metadata.OfType<AccessRule>().Distinct().ToList() is { Count: > 0 } rules)
        {
            // Every rule of the route must allow the caller; a client needs a scope each rule accepts.
            var scopes = rules.Select(r => r.Scopes.AsEnumerable()).Aggregate((a, b) => a.Intersect(b, StringComparer.Ordinal)).ToList();
            operation.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OAuth2Scheme, document)] = scopes },
            ];
            foreach (var rule in rules)
            {
                var roles = rule.Roles.Count == 0 ? "admin" : "admin, " + string.Join(", ", rule.Roles);
                var who = $"staff roles {roles}";
                if (rule.Scopes.Count > 0)
                {
                    who += $"; clients with scope {string.Join(" or ", rule.Scopes)}";
                }

                if (rule.Subscribers)
                {
                    who += "; subscribers";
                }

                notes.Add($"Access `{rule.Name}`: {who}.");
            }

            if (metadata.OfType<OwnedResource>().LastOrDefault() is { } owned)
            {
                notes.Add($"A subscriber only for their own {owned.Kind} (another's answers 404, like a missing one).");
            }

            if (metadata.OfType<PersonalDataRead>().LastOrDefault() is { } personal)
            {
                notes.Add($"Returns decrypted personal data ({personal.What}); each call is recorded in the access audit.");
            }

            operation.Responses ??= new OpenApiResponses();
            operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No access token, or one that is not valid" });
            operation.Responses.TryAdd("403", new OpenApiResponse { Description = "The token's roles or scopes do not allow this operation" });
        }

        if (notes.Count > 0)
        {
            operation.Description = (operation.Description is null ? "" : operation.Description + "\n\n") + string.Join(" ", notes);
        }
    }

    private static Task CompleteDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Info = new OpenApiInfo
        {
            Title = "CableHub API",
            Version = "v1",
            Description = "CableHub, the cable-TV operator's system of record and integration hub: TM Forum Open APIs (TMF620 catalog, " +
                "TMF622 ordering, TMF629 customer, TMF639 resource inventory, TMF666 account) and the hub's own operations. Errors are " +
                "RFC 9457 problem documents (`application/problem+json`) with `errors` by field and, for rule violations, `violations`.",
            Contact = new OpenApiContact { Name = "CableHub", Url = new Uri("https://cablehub.dev") },
            License = new OpenApiLicense { Name = "Proprietary", Url = new Uri("https://cablehub.dev/license") },
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "Access token from /connect/token (or the configured external OpenID Connect issuer): staff roles, client scopes or a subscriber's own customer.",
        };
        var tokenUrl = new Uri("/connect/token", UriKind.Relative);
        document.Components.SecuritySchemes[OAuth2Scheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.OAuth2,
            Description = "OAuth 2.0 at /connect/token: client credentials for back-office systems (scopes below), password (with TOTP where the role needs it) for staff and subscribers; refresh tokens.",
            Flows = new OpenApiOAuthFlows
            {
                ClientCredentials = new OpenApiOAuthFlow { TokenUrl = tokenUrl, Scopes = new Dictionary<string, string>(ScopeDescriptions) },
                Password = new OpenApiOAuthFlow { TokenUrl = tokenUrl, RefreshUrl = tokenUrl, Scopes = new Dictionary<string, string>() },
            },
        };

        document.Paths ??= new OpenApiPaths();
        AddHealth(document);
        AssignOperationIds(document);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Operation ids from method and path, TM Forum style for TMF resources (<c>listProductOrder</c>, <c>retrieveCustomer</c>,
    /// <c>createProductOffering</c>, <c>patchResource</c>), verb + path words elsewhere (<c>getApiV1CatalogChannels</c>);
    /// unique in the document.
    /// </summary>
    private static void AssignOperationIds(OpenApiDocument document)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, item) in document.Paths.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                if (operation.OperationId is { Length: > 0 } named && used.Add(named))
                {
                    continue;
                }

                var id = OperationId(method.Method, path);
                var unique = id;
                for (var n = 2; !used.Add(unique); n++)
                {
                    unique = id + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                operation.OperationId = unique;
            }
        }
    }

    internal static string OperationId(string method, string path)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var byId = segments.Length > 0 && segments[^1].StartsWith('{');
        if (segments.Length >= 4 && segments[0] == "tmf-api" && segments.Length <= 5)
        {
            var resource = Pascal(segments[3]);
            var verb = (method.ToUpperInvariant(), byId) switch
            {
                ("GET", false) => "list",
                ("GET", true) => "retrieve",
                ("POST", _) => "create",
                ("PATCH", _) => "patch",
                ("PUT", _) => "update",
                ("DELETE", _) => "delete",
                _ => method.ToLowerInvariant(),
            };
            return verb + resource;
        }

        var name = new StringBuilder(method.ToLowerInvariant());
        foreach (var segment in segments)
        {
            if (segment.StartsWith('{'))
            {
                var parameter = segment.Trim('{', '}').Split(':')[0];
                name.Append("By").Append(Pascal(parameter));
            }
            else
            {
                name.Append(Pascal(segment));
            }
        }

        return name.ToString();
    }

    private static string Pascal(string word)
    {
        var parts = word.Split(['-', '_', '.', '@'], StringSplitOptions.RemoveEmptyEntries);
        return string.Concat(parts.Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
    }

    /// <summary>The health check endpoint is not a route handler, so the generator does not see it: described here.</summary>
    private static void AddHealth(OpenApiDocument document)
    {
        var dependency = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = ["ok", "degraded", "down"] },
            },
            AdditionalProperties = new OpenApiSchema(),
        };
        var report = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Required = new HashSet<string> { "status", "dependencies" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = ["ok", "degraded", "down"], Description = "Worst status of the dependencies" },
                ["checkedAt"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" },
                ["durationMs"] = new OpenApiSchema { Type = JsonSchemaType.Number },
                ["dependencies"] = new OpenApiSchema { Type = JsonSchemaType.Object, AdditionalProperties = dependency },
            },
        };
        OpenApiResponse Answer(string description) => new()
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = report } },
        };
        document.Paths["/health"] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new()
                {
                    OperationId = "getHealth",
                    Summary = "Status of the hub's dependencies",
                    Description = "PostgreSQL, Kafka, ClickHouse, messaging, CDC and ingest: status, mode (embedded or external), address, counters.",
                    Tags = new HashSet<OpenApiTagReference> { new("Health", document) },
                    Responses = new OpenApiResponses { ["200"] = Answer("Every dependency ok or degraded"), ["503"] = Answer("A dependency is down") },
                },
            },
        };
        document.Tags ??= new HashSet<OpenApiTag>();
        if (!document.Tags.Any(t => t.Name == "Health"))
        {
            document.Tags.Add(new OpenApiTag { Name = "Health" });
        }
    }
}
