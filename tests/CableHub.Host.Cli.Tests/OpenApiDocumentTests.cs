using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using CableHub.Host.Cli;
using CableHub.Host.Configuration;

namespace CableHub.Host.Cli.Tests;

/// <summary>
/// The published OpenAPI document (what <c>./cablehub openapi</c> writes and <c>up</c> serves at /openapi/v1.json): every mapped
/// route in it with a unique operation id and problem answers, TM Forum's field names and types for the TMF resources, and no
/// error from Spectral's OpenAPI ruleset (spectral:oas, @stoplight/spectral-cli pinned by tests/tools/spectral).
/// </summary>
public sealed partial class OpenApiDocumentTests
{
    private static readonly Lazy<Task<OpenApiCommand.ApiDescription>> Description = new(() =>
        OpenApiCommand.DescribeAsync(HubConfiguration.Build([]), CancellationToken.None));

    private static async Task<(OpenApiCommand.ApiDescription Api, JsonElement Doc)> DocumentAsync()
    {
        var api = await Description.Value;
        return (api, JsonDocument.Parse(api.Json).RootElement);
    }

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> Operations(JsonElement doc) =>
        doc.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject()
            .Where(m => m.Name is "get" or "post" or "put" or "patch" or "delete")
            .Select(m => (p.Name, m.Name.ToUpperInvariant(), m.Value)));

    [Fact]
    public async Task Every_mapped_route_is_in_the_document_and_nothing_else()
    {
        var (api, doc) = await DocumentAsync();
        api.Routes.Count.ShouldBeGreaterThan(70);
        // A group's own route ("" under the group prefix) is mapped with a trailing slash; both forms match it.
        var mapped = api.Routes.Select(r => $"{r.Method} {Constraint().Replace(r.Pattern, "{$1}").TrimEnd('/')}").ToHashSet(StringComparer.Ordinal);
        var documented = Operations(doc).Select(o => $"{o.Method} {o.Path}").ToHashSet(StringComparer.Ordinal);
        mapped.Except(documented).ShouldBeEmpty("mapped but not documented");
        documented.Except(mapped).ShouldBeEmpty("documented but not mapped");
        mapped.ShouldContain("GET /tmf-api/customerManagement/v4/customer/{id}");
        mapped.ShouldContain("GET /tmf-api/accountManagement/v4/billingAccount");
        mapped.ShouldContain("GET /tmf-api/productOrderingManagement/v4/productOrder");
        mapped.ShouldContain("GET /tmf-api/communicationManagement/v4/communicationMessage");
        mapped.ShouldContain("GET /tmf-api/communicationManagement/v4/communicationMessage/{id}");
        mapped.ShouldContain("GET /health");
    }

    [Fact]
    public async Task Operations_have_unique_ids_problem_answers_and_bodies_only_where_they_are_read()
    {
        var (_, doc) = await DocumentAsync();
        var operations = Operations(doc).ToList();
        var ids = operations.Select(o => o.Operation.GetProperty("operationId").GetString()!).ToList();
        ids.Distinct(StringComparer.Ordinal).Count().ShouldBe(ids.Count);
        ids.ShouldContain("listProductOrder");
        ids.ShouldContain("retrieveCustomer");
        ids.ShouldContain("createProductOrder");
        ids.ShouldContain("listCommunicationMessage");
        ids.ShouldContain("retrieveCommunicationMessage");
        // The OAuth 2.0 endpoints answer errors as RFC 6749 says ({"error": ...}), not as problem documents.
        foreach (var (path, method, operation) in operations.Where(o => o.Path != "/health" && !o.Path.StartsWith("/connect/", StringComparison.Ordinal)))
        {
            var responses = operation.GetProperty("responses");
            foreach (var status in new[] { "400", "404" })
            {
                responses.TryGetProperty(status, out var problem).ShouldBeTrue($"{method} {path} declares no {status}");
                problem.GetProperty("content").TryGetProperty("application/problem+json", out _).ShouldBeTrue($"{method} {path} {status}");
            }

            if (method is "GET" or "DELETE")
            {
                operation.TryGetProperty("requestBody", out _).ShouldBeFalse($"{method} {path} has a request body: a handler parameter was taken for one");
            }
        }

        var create = operations.Single(o => o is { Method: "POST", Path: "/tmf-api/productOrderingManagement/v4/productOrder" }).Operation;
        create.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString()
            .ShouldBe("#/components/schemas/ProductOrder_Create");
        create.GetProperty("requestBody").GetProperty("required").GetBoolean().ShouldBeTrue("optional for routing only, required in the contract");
        var list = operations.Single(o => o is { Method: "GET", Path: "/tmf-api/productOrderingManagement/v4/productOrder" }).Operation;
        list.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString())
            .ShouldBe(["state", "orderDate.gt", "orderDate.lt", "relatedParty.id", "externalId", "fields", "offset", "limit"], ignoreOrder: true);
        list.GetProperty("responses").GetProperty("200").GetProperty("headers").TryGetProperty("X-Total-Count", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Security_follows_each_routes_access_rule()
    {
        var (_, doc) = await DocumentAsync();
        var schemes = doc.GetProperty("components").GetProperty("securitySchemes");
        schemes.GetProperty("bearer").GetProperty("bearerFormat").GetString().ShouldBe("JWT");
        var flows = schemes.GetProperty("oauth2").GetProperty("flows");
        flows.GetProperty("clientCredentials").GetProperty("tokenUrl").GetString().ShouldBe("/connect/token");
        flows.GetProperty("clientCredentials").GetProperty("scopes").EnumerateObject().Select(s => s.Name)
            .ShouldBe(CableHub.Core.Api.Access.ApiScopes.All, ignoreOrder: true);
        flows.GetProperty("password").GetProperty("tokenUrl").GetString().ShouldBe("/connect/token");
        schemes.TryGetProperty("roleHeader", out _).ShouldBeFalse("the X-Role stand-in is gone");

        var operations = Operations(doc).ToList();
        var customer = operations.Single(o => o is { Method: "GET", Path: "/tmf-api/customerManagement/v4/customer/{id}" }).Operation;
        var security = customer.GetProperty("security").EnumerateArray().ToList();
        security.Count.ShouldBe(2);
        security[0].TryGetProperty("bearer", out _).ShouldBeTrue();
        security[1].GetProperty("oauth2").EnumerateArray().Select(s => s.GetString()).ShouldBe(["customers:read"]);
        customer.GetProperty("responses").TryGetProperty("401", out _).ShouldBeTrue();
        customer.GetProperty("responses").TryGetProperty("403", out _).ShouldBeTrue();
        customer.GetProperty("description").GetString()!.ShouldContain("own customer");

        var orders = operations.Single(o => o is { Method: "GET", Path: "/tmf-api/productOrderingManagement/v4/productOrder" }).Operation;
        orders.GetProperty("security")[1].GetProperty("oauth2").EnumerateArray().Select(s => s.GetString()).ShouldBe(["orders:read", "orders:write"], ignoreOrder: true);

        // Public routes say so (no security requirement) and why; every other route names a scheme.
        var catalogue = operations.Single(o => o is { Method: "GET", Path: "/tmf-api/productCatalogManagement/v4/productOffering" }).Operation;
        catalogue.GetProperty("security").GetArrayLength().ShouldBe(0);
        catalogue.GetProperty("description").GetString()!.ShouldContain("Public: ");
        foreach (var (path, method, operation) in operations.Where(o => o.Path != "/health"))
        {
            operation.TryGetProperty("security", out var declared).ShouldBeTrue($"{method} {path} declares no security");
            if (declared.GetArrayLength() == 0)
            {
                operation.GetProperty("description").GetString()!.ShouldContain("Public: ", customMessage: $"{method} {path}");
            }
        }
    }

    /// <summary>Our TMF resources use TM Forum's v4 attribute names with TM Forum's JSON types (extensions named here).</summary>
    [Theory]
    [InlineData("Customer", "TMF629_Customer_Management_API_v4.0.0_swagger.json", "Customer", "")]
    [InlineData("BillingAccount", "TMF666_Account_Management_API_v4.0.0_swagger.json", "BillingAccount", "")]
    [InlineData("ProductOrder", "TMF622_Product_Ordering_Management_API_v4.0.0_swagger.json", "ProductOrder", "stateReason,stateChange")]
    [InlineData("ProductOrderItem", "TMF622_Product_Ordering_Management_API_v4.0.0_swagger.json", "ProductOrderItem", "")]
    [InlineData("ProductOrder_Create", "TMF622_Product_Ordering_Management_API_v4.0.0_swagger.json", "ProductOrder_Create", "effective")]
    [InlineData("CustomerBill", "TMF678_Customer_Bill_Management_API_v4.0.0_swagger.json", "CustomerBill", "appliedBillingRate")]
    [InlineData("TmfPayment", "TMF676-Payment-v4.0.0.swagger.json", "Payment", "")]
    [InlineData("CommunicationMessage", "TMF681_Communication_Management_API_v4.0.0_swagger.json", "CommunicationMessage", "")]
    [InlineData("Receiver", "TMF681_Communication_Management_API_v4.0.0_swagger.json", "Receiver", "")]
    [InlineData("Sender", "TMF681_Communication_Management_API_v4.0.0_swagger.json", "Sender", "")]
    [InlineData("ProductOffering", "TMF620_Product_Catalog_Management_API_v4.1.0_swagger.json", "ProductOffering",
        "code,lcn,broadcaster,genre,language,definition,hdOfChannel,casProductId,freeToAir,bouquetKind,vodModel,rentalHours,vodTitle,includedInPlan")]
    public async Task Tmf_resources_follow_the_v4_schema(string ours, string specFile, string definition, string extensions)
    {
        var (_, doc) = await DocumentAsync();
        using var spec = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(SpecsDirectory(), specFile)));
        var definitions = spec.RootElement.GetProperty("definitions");
        var tmf = definitions.GetProperty(definition).GetProperty("properties");
        var allowed = extensions.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var schema = doc.GetProperty("components").GetProperty("schemas").GetProperty(ours);
        foreach (var property in schema.GetProperty("properties").EnumerateObject())
        {
            if (allowed.Contains(property.Name))
            {
                continue;
            }

            tmf.TryGetProperty(property.Name, out var expected).ShouldBeTrue($"{ours}.{property.Name} is not an attribute of TMF {definition}");
            JsonType(property.Value).ShouldBe(TmfType(expected, definitions), $"{ours}.{property.Name}");
        }
    }

    [Fact]
    public async Task Spectral_oas_ruleset_reports_no_error()
    {
        var (api, _) = await DocumentAsync();
        var root = RepositoryRoot();
        var entry = (await RunAsync("bash", [Path.Combine(root, "tests", "tools", "fetch-spectral.sh")], root)).Output.Trim();
        File.Exists(entry).ShouldBeTrue(entry);
        var dir = Directory.CreateTempSubdirectory("cablehub-spectral-");
        try
        {
            var document = Path.Combine(dir.FullName, "openapi.json");
            await File.WriteAllTextAsync(document, api.Json);
            var ruleset = Path.Combine(dir.FullName, ".spectral.yaml");
            await File.WriteAllTextAsync(ruleset, "extends: [\"spectral:oas\"]\n");
            var (code, output, error) = await RunAsync("node", [entry, "lint", document, "--ruleset", ruleset, "--format", "json", "--fail-severity", "error", "--quiet"], dir.FullName);
            using var results = JsonDocument.Parse(output.Length == 0 ? "[]" : output);
            var errors = results.RootElement.EnumerateArray().Where(r => r.GetProperty("severity").GetInt32() == 0)
                .Select(r => $"{r.GetProperty("code").GetString()} at {string.Join('.', r.GetProperty("path").EnumerateArray().Select(p => p.ToString()))}: {r.GetProperty("message").GetString()}")
                .ToList();
            errors.ShouldBeEmpty();
            code.ShouldBe(0, error);
            TestContext.Current.SendDiagnosticMessage($"spectral:oas: {results.RootElement.GetArrayLength()} findings, none an error");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string JsonType(JsonElement schema)
    {
        if (schema.TryGetProperty("$ref", out _) || schema.TryGetProperty("oneOf", out _))
        {
            return "object";
        }

        var type = schema.GetProperty("type");
        var name = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()).First(t => t != "null")! : type.GetString()!;
        return name == "integer" ? "number" : name;
    }

    /// <summary>A TMF attribute's JSON type; a reference to an enumeration (a state type) is a string.</summary>
    private static string TmfType(JsonElement property, JsonElement definitions)
    {
        if (property.TryGetProperty("$ref", out var reference))
        {
            var target = definitions.GetProperty(reference.GetString()!.Split('/')[^1]);
            return target.TryGetProperty("type", out var t) && t.GetString() == "string" ? "string" : "object";
        }

        var type = property.GetProperty("type").GetString()!;
        return type == "integer" ? "number" : type;
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "tests", "tools", "fetch-spectral.sh")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root (tests/tools/fetch-spectral.sh) not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The TM Forum v4 specifications, copied into the repository with their provenance (docs/tmf-specs).</summary>
    private static string SpecsDirectory() => Path.Combine(RepositoryRoot(), "docs", "tmf-specs");

    private static async Task<(int Code, string Output, string Error)> RunAsync(string program, string[] args, string workingDirectory)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    [GeneratedRegex(@"\{([A-Za-z0-9_]+)(?::[^}]*)?\}")]
    private static partial Regex Constraint();
}
