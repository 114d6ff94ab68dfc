using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CableHub.Connectors.Common.Simulation;

/// <summary>
/// Runs a simulated vendor system as a real HTTP server on loopback (Kestrel), so the production adapter is
/// exercised over the wire. Every request outside <c>/admin</c> passes through <see cref="SimulatorFaults"/>
/// (down → 503 with Retry-After, error → 5xx, timeout → hang, lost response → effect then hang and 504).
/// Admin endpoints: <c>GET /admin/faults</c>, <c>PUT /admin/faults</c> (JSON <see cref="SimulatorFaultSettings"/>),
/// <c>POST /admin/down?seconds=N</c>, <c>POST /admin/up</c>.
/// </summary>
public sealed class SimulatorWebHost : IAsyncDisposable
{
    private const string LostResponseKey = "cablehub.simulator.lost-response";
    private readonly WebApplication _app;

    private SimulatorWebHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Base address the server listens on, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts a server on <paramref name="url"/> (port 0 picks a free one). <paramref name="mapRoutes"/> maps the
    /// vendor API; <paramref name="downSwitch"/> (default: the in-memory switch of <paramref name="faults"/>) is asked on
    /// every request whether the system is down — simulators keeping it elsewhere (the CAS: in its database) pass theirs.
    /// </summary>
    public static async Task<SimulatorWebHost> StartAsync(string name, string url, SimulatorFaults faults, Action<IEndpointRouteBuilder> mapRoutes,
        ILoggerFactory? loggerFactory = null, ISimulatorDownSwitch? downSwitch = null,
        Action<IServiceCollection>? services = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(faults);
        ArgumentNullException.ThrowIfNull(mapRoutes);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        builder.Services.AddSingleton(faults);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        var down = downSwitch ?? faults;
        var logger = (loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger("Simulator." + name);

        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/admin"))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            if (await down.DownUntilAsync(context.RequestAborted).ConfigureAwait(false) is { } until)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "1"; // outages have no announced end: clients should probe again soon
                await context.Response.WriteAsJsonAsync(new { code = "unavailable", message = $"{name} is down until {until:O}" }, context.RequestAborted).ConfigureAwait(false);
                return;
            }

            var decision = faults.Next();
            if (decision.Latency > TimeSpan.Zero)
            {
                await Task.Delay(decision.Latency, context.RequestAborted).ConfigureAwait(false);
            }

            switch (decision.Kind)
            {
                case FaultKind.Error:
                    logger.LogInformation("{Simulator}: injected HTTP {Status} for {Method} {Path}", name, decision.ErrorStatus, context.Request.Method, context.Request.Path);
                    context.Response.StatusCode = decision.ErrorStatus;
                    await context.Response.WriteAsJsonAsync(new { code = "internal_error", message = "simulated failure" }, context.RequestAborted).ConfigureAwait(false);
                    return;
                case FaultKind.Timeout:
                    logger.LogInformation("{Simulator}: injected hang for {Method} {Path}", name, context.Request.Method, context.Request.Path);
                    await HangAsync(faults.Settings.HangFor, context.RequestAborted).ConfigureAwait(false);
                    context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
                    return;
                case FaultKind.LostResponse:
                    // The request takes effect; the endpoint filter below swallows its answer.
                    context.Items[LostResponseKey] = true;
                    await next(context).ConfigureAwait(false);
                    return;
                default:
                    await next(context).ConfigureAwait(false);
                    return;
            }
        });

        var admin = app.MapGroup("/admin");
        admin.MapGet("/faults", async (CancellationToken ct) =>
            Results.Json(new { settings = faults.Settings, downUntil = await down.DownUntilAsync(ct).ConfigureAwait(false) }));
        admin.MapPut("/faults", async (HttpContext http) =>
        {
            SimulatorFaultSettings? settings;
            try
            {
                settings = await http.Request.ReadFromJsonAsync<SimulatorFaultSettings>(http.RequestAborted).ConfigureAwait(false);
                ArgumentNullException.ThrowIfNull(settings);
                faults.Configure(settings);
            }
            catch (Exception e) when (e is JsonException or ArgumentException)
            {
                return Results.Json(new { code = "invalid_settings", message = e.Message }, statusCode: 400);
            }

            return Results.Json(faults.Settings);
        });
        admin.MapPost("/down", async (int? seconds, string? reason, CancellationToken ct) =>
        {
            await down.DownAsync(seconds is > 0 ? TimeSpan.FromSeconds(seconds.Value) : null, reason, ct).ConfigureAwait(false);
            return Results.Json(new { downUntil = await down.DownUntilAsync(ct).ConfigureAwait(false) });
        });
        admin.MapPost("/up", async (CancellationToken ct) =>
        {
            await down.UpAsync(ct).ConfigureAwait(false);
            return Results.Json(new { downUntil = (DateTimeOffset?)null });
        });
        // Every simulator route runs under this filter: a "lost response" runs the handler (the effect happens),
        // then drops its result — nothing has been written yet — hangs and cuts the connection.
        var api = app.MapGroup("");
        api.AddEndpointFilter(async (invocation, next) =>
        {
            var result = await next(invocation).ConfigureAwait(false);
            var http = invocation.HttpContext;
            if (!http.Items.ContainsKey(LostResponseKey))
            {
                return result;
            }

            logger.LogInformation("{Simulator}: applied {Method} {Path}, answer lost", name, http.Request.Method, http.Request.Path);
            await HangAsync(faults.Settings.HangFor, http.RequestAborted).ConfigureAwait(false);
            http.Abort();
            return Results.Empty;
        });
        mapRoutes(api);

        await app.StartAsync(ct).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            ?? throw new InvalidOperationException($"{name} simulator: no listening address");
        var address = new Uri(addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        logger.LogInformation("{Simulator} simulator listening on {Address}", name, address);
        return new SimulatorWebHost(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task HangAsync(TimeSpan duration, CancellationToken ct)
    {
        try
        {
            await Task.Delay(duration, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The caller gave up, as a caller facing a hung server does.
        }
    }
}
