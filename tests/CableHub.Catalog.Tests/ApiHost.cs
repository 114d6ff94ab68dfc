using CableHub.Core.Api;
using System.Net.Http.Json;
using System.Text.Json;
using CableHub.Core.Catalog;
using CableHub.Host.Api;
using CableHub.Host.Api.Catalog;
using CableHub.Host.Api.Epg;
using CableHub.Host.Api.ProductCatalog;
using CableHub.Host.Api.Vod;
using CableHub.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CableHub.Catalog.Tests;

/// <summary>
/// The catalog, EPG and VOD endpoints on a real Kestrel server (free port) over a seeded <see cref="CatalogDatabase"/>,
/// wired exactly as the hub wires them (<c>AddCatalogFeatures</c> + the Map* calls), without messaging: events land in
/// <see cref="PlainEventTransactions.Published"/>.
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

    public IReadOnlyList<object> Events => ((PlainEventTransactions)_app.Services.GetRequiredService<IEventTransactions>()).Published.ToList();

    public static async Task<ApiHost> StartAsync(PostgresFixture postgres)
    {
        var db = await CatalogDatabase.CreateAsync(postgres);
        var address = new Uri($"http://127.0.0.1:{Network.FreePort()}");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], EnvironmentName = "Test" });
        builder.WebHost.UseUrls(address.ToString());
        builder.Logging.ClearProviders();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Catalog:RegulatoryProfile"] = "IN" }).Build();
        builder.Services.AddSingleton(db.DataSource);
        builder.Services.AddSingleton<TimeProvider>(db.Clock);
        builder.Services.AddSingleton<CatalogStore>();
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull);
        builder.Services.AddCatalogFeatures(configuration);
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseCorrelationId();
        app.MapProductCatalog();
        app.MapCatalog();
        app.MapEpg();
        app.MapVod();
        await app.StartAsync();
        return new ApiHost(app, db, address);
    }

    public HttpRequestMessage Request(HttpMethod method, string path, object? body = null, string? role = CatalogApi.CatalogAdmin)
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

    public async Task<(System.Net.HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, object? body = null, string? role = CatalogApi.CatalogAdmin)
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
