using CableHub.Audit;
using System.Net.Http.Json;
using System.Text.Json;
using CableHub.Billing;
using CableHub.Catalog;
using CableHub.Compliance.Reports.Api;
using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using CableHub.Customers;
using CableHub.Epg;
using CableHub.Inventory;
using CableHub.Ordering;
using CableHub.Subscriptions;
using CableHub.Tickets;
using CableHub.Testing;
using CableHub.Vod;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CableHub.Modules.Testing;

/// <summary>
/// Every module's endpoint group on a real Kestrel server (free port) over a seeded <see cref="CatalogDatabase"/>, wired as
/// the hub wires them (module registrations + Map*Endpoints), with the recording outbox: events land in <see cref="Events"/>.
/// </summary>
public sealed class ApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ApiHost(WebApplication app, CatalogDatabase db, Uri address)
    {
        _app = app;
        Db = db;
        Client = new HttpClient { BaseAddress = address };
        Identity = TestIdentity.For(app, Client);
    }

    /// <summary>Real tokens for staff roles, subscribers and clients (the host authenticates every request as the hub does).</summary>
    public TestIdentity Identity { get; }

    /// <summary>The app's endpoints (the authorization matrix walks them).</summary>
    public IEnumerable<Microsoft.AspNetCore.Routing.EndpointDataSource> Endpoints => ((Microsoft.AspNetCore.Routing.IEndpointRouteBuilder)_app).DataSources;

    public CatalogDatabase Db { get; }

    public HttpClient Client { get; }

    public IReadOnlyList<object> Events => Db.Events.Published;

    /// <param name="configure">More services (e.g. a payment gateway's webhook verifier), after the modules'.</param>
    public static Task<ApiHost> StartAsync(PostgresFixture postgres, Action<IServiceCollection>? configure = null) =>
        StartAsync(postgres, configure is null ? null : (services, _) => configure(services));

    /// <param name="configure">More services that need the test database (e.g. the notification connector's sent-once log).</param>
    public static async Task<ApiHost> StartAsync(PostgresFixture postgres, Action<IServiceCollection, CatalogDatabase>? configure)
    {
        var db = await CatalogDatabase.CreateAsync(postgres);
        var address = new Uri($"http://127.0.0.1:{Network.FreePort()}");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], EnvironmentName = "Test" });
        builder.WebHost.UseUrls(address.ToString());
        builder.Logging.ClearProviders();
        ModuleServices.Register(builder.Services, db.DataSource, db.Clock, db.Events);
        TestIdentity.Register(builder.Services, address);
        configure?.Invoke(builder.Services, db);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c => c.ProblemDetails.Detail ??= c.Exception?.ToString()); // tests see why a 500 happened
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull);
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseCorrelationId();
        TestIdentity.Use(app);
        app.MapCustomersEndpoints();
        app.MapCatalogEndpoints();
        app.MapEpgEndpoints();
        app.MapVodEndpoints();
        app.MapTicketsEndpoints();
        app.MapOrderingEndpoints();
        app.MapSubscriptionsEndpoints();
        app.MapInventoryEndpoints();
        app.MapBillingEndpoints();
        app.MapAuditEndpoints();
        app.MapComplianceReportEndpoints(); // needs AddComplianceReports (a warehouse) to answer; its access rule holds without
        EndpointAccessCheck.Verify(((Microsoft.AspNetCore.Routing.IEndpointRouteBuilder)app).DataSources);
        await app.StartAsync();
        return new ApiHost(app, db, address);
    }

    /// <summary>A request as a staff member with <paramref name="role"/> (admin by default), or anonymous with <c>role: null</c>.</summary>
    public async Task<HttpRequestMessage> RequestAsync(HttpMethod method, string path, object? body = null, string? role = StaffRoles.Admin)
    {
        var request = new HttpRequestMessage(method, path);
        if (role is not null)
        {
            TestIdentity.Authorize(request, await Identity.StaffTokenAsync(role));
        }

        if (body is string raw)
        {
            request.Content = new StringContent(raw, System.Text.Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return request;
    }

    public async Task<(System.Net.HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, object? body = null, string? role = StaffRoles.Admin)
    {
        using var request = await RequestAsync(method, path, body, role);
        return await SendAsync(request);
    }

    /// <summary>Sends with a bearer token (any kind: staff, subscriber, client, or a forged one).</summary>
    public async Task<(System.Net.HttpStatusCode Status, JsonElement Body)> SendWithTokenAsync(HttpMethod method, string path, string? token, object? body = null)
    {
        using var request = await RequestAsync(method, path, body, role: null);
        if (token is not null)
        {
            TestIdentity.Authorize(request, token);
        }

        return await SendAsync(request);
    }

    private async Task<(System.Net.HttpStatusCode Status, JsonElement Body)> SendAsync(HttpRequestMessage request)
    {
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonElement body = default;
        if (text.Length > 0 && response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true)
        {
            body = JsonDocument.Parse(text).RootElement.Clone();
        }

        return (response.StatusCode, body);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Db.DisposeAsync();
    }
}
