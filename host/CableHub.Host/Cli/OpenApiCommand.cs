using CableHub.Compliance.Reports.Api;
using CableHub.Ml.Api;
using System.CommandLine;
using System.Security.Cryptography;
using CableHub.Core.Messaging;
using CableHub.Core.Security;
using CableHub.Host.Api.Health;
using CableHub.Host.Api.OpenApi;
using CableHub.Host.Composition;
using CableHub.Host.Configuration;
using Npgsql;

namespace CableHub.Host.Cli;

/// <summary>
/// <c>openapi [--out FILE]</c>: writes the hub's OpenAPI document — the same one <c>up</c> serves at <c>/openapi/v1.json</c> —
/// without starting any server: the API's endpoints are mapped on an application that is built, never started, and the
/// document is generated from their metadata.
/// </summary>
public static class OpenApiCommand
{
    public static Command Build()
    {
        var output = new Option<FileInfo?>("--out") { Description = "File to write (default: standard output)" };
        var command = new Command("openapi", "Write the OpenAPI 3.1 document of every route (no servers started)") { output };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var json = await DocumentAsync(HubCli.Configuration(parse), ct).ConfigureAwait(false);
            if (parse.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, json, ct).ConfigureAwait(false);
                await Console.Error.WriteLineAsync($"wrote {file.FullName}").ConfigureAwait(false);
            }
            else
            {
                await Console.Out.WriteLineAsync(json).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    /// <summary>The document of every route the hub maps, from an application that is built but never started.</summary>
    public static async Task<string> DocumentAsync(IConfigurationRoot configuration, CancellationToken ct) =>
        (await DescribeAsync(configuration, ct).ConfigureAwait(false)).Json;

    /// <summary>The document and the route table it was made from (method and route pattern of every mapped endpoint meant for clients).</summary>
    public static async Task<ApiDescription> DescribeAsync(IConfigurationRoot configuration, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = HubConfiguration.Bind(configuration);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        var services = builder.Services;

        // The services the route handlers take, registered as the hub registers them, none of them opened: the generator
        // only asks which parameters are services (the rest are request values).
        services.AddSingleton(settings);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => NpgsqlDataSource.Create("Host=127.0.0.1;Database=cablehub-openapi-never-opened"));
        services.AddSingleton(_ => FieldEncryptor.FromSingleKey(RandomNumberGenerator.GetBytes(32)));
        services.AddSingleton<IEventTransactions>(_ => throw new InvalidOperationException("the openapi verb publishes no events"));
        services.AddHubApi();
        services.AddHubModules(settings, configuration, backgroundJobs: false);
        services.AddChurnScores("Host=127.0.0.1;Port=9;Protocol=http"); // never queried: the document only needs the handler's services
        services.AddComplianceReports("Host=127.0.0.1;Port=9;Protocol=http", new CableHub.Compliance.Reports.ComplianceOptions(), Path.GetTempPath()); // likewise never built
        services.AddHealthChecks();

        // A started application hands its endpoints to routing (and so to the API explorer) when its pipeline is built;
        // this one never starts, so the explorer is given the application's endpoint sources directly.
        WebApplication? built = null;
        services.AddSingleton<EndpointDataSource>(_ => new CompositeEndpointDataSource(((IEndpointRouteBuilder)built!).DataSources));

        await using var app = builder.Build();
        built = app;
        app.MapHubHealth();
        app.MapHubModules();
        app.MapChurnScoreEndpoints();
        app.MapComplianceReportEndpoints();
        app.MapHubOpenApi();
        var json = await HubOpenApi.WriteAsync(app.Services, ct).ConfigureAwait(false);
        var routes = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => new ApiRoute(m, e.RoutePattern.RawText ?? "")))
            .ToList();
        return new ApiDescription(json, routes);
    }

    /// <summary>The OpenAPI document and the routes mapped.</summary>
    public sealed record ApiDescription(string Json, IReadOnlyList<ApiRoute> Routes);

    /// <summary>One mapped route: HTTP method and route pattern as mapped (constraints included).</summary>
    public sealed record ApiRoute(string Method, string Pattern);
}
