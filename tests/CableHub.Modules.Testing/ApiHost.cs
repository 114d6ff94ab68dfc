using System.Net.Http.Json;
using System.Text.Json;
using CableHub.Catalog;
using CableHub.Core.Api;
using CableHub.Customers;
using CableHub.Epg;
using CableHub.Inventory;
using CableHub.Ordering;
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
    }

    public CatalogDatabase Db { get; }

    public HttpClient Client { get; }

    public IReadOnlyList<object> Events => Db.Events.Published;

    /// <summary>Starts the API; <paramref name="configure"/> may replace services (e.g. who may read personal data).</summary>
    public static async Task<ApiHost> StartAsync(PostgresFixture postgres, Action<IServiceCollection>? configure = null)
    {
        var db = await CatalogDatabase.CreateAsync(postgres);
        var address = new Uri($"http://127.0.0.1:{Network.FreePort()}");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], EnvironmentName = "Test" });
        builder.WebHost.UseUrls(address.ToString());
        builder.Logging.ClearProviders();
        ModuleServices.Register(builder.Services, db.DataSource, db.Clock, db.Events);
        configure?.Invoke(builder.Services);
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull);
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseCorrelationId();
        app.MapCustomersEndpoints();
        app.MapCatalogEndpoints();
        app.MapEpgEndpoints();
        app.MapVodEndpoints();
        app.MapOrderingEndpoints();
        app.MapInventoryEndpoints();
        await app.StartAsync();
        return new ApiHost(app, db, address);
    }

    public HttpRequestMessage Request(HttpMethod method, string path, object? body = null, string? role = Roles.CatalogAdmin)
    {
        var request = new HttpRequestMessage(method, path);
        if (role is not null)
        {
            request.Headers.Add("X-Role", role);
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

    public async Task<(System.Net.HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, object? body = null, string? role = Roles.CatalogAdmin)
    {
        using var response = await Client.SendAsync(Request(method, path, body, role));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Db.DisposeAsync();
    }
}
