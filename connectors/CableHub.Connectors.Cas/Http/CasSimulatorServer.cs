using CableHub.Connectors.Cas.Simulator;
using CableHub.Connectors.Common.Simulation;
using CableHub.Core.Diagnostics;
using CableHub.Core.Ports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace CableHub.Connectors.Cas.Http;

/// <summary>
/// The simulated CAS behind the JSON-over-HTTP wire contract (<c>WIRE-CONTRACT.md</c>), on loopback, so the
/// production adapter (<see cref="CasHttpClient"/>) is tested over real HTTP. Random faults (5xx, hangs, lost
/// answers) are injected on the wire; the "down" switch is the simulator's own (<c>cas_sim.control</c>), so
/// <c>POST /admin/down?seconds=N</c>, the CLI and tests all flip the same switch.
/// </summary>
public static class CasSimulatorServer
{
    public static Task<SimulatorWebHost> StartAsync(SimulatedConditionalAccessSystem cas, string url = "http://127.0.0.1:0", string? apiKey = null,
        ILoggerFactory? loggerFactory = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(cas);
        cas.Faults.RandomFaultsOnTransport = true;
        return SimulatorWebHost.StartAsync("cas", url, cas.Faults.RandomFaults, app => Map(app, cas, apiKey), loggerFactory, downSwitch: cas, ct: ct);
    }

    private static void Map(IEndpointRouteBuilder app, SimulatedConditionalAccessSystem cas, string? apiKey)
    {
        app.MapGet("/v1/health", () => Results.Json(new { status = "ok" }));
        var v1 = app.MapGroup("/v1");
        v1.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (apiKey is not null && http.Request.Headers.Authorization.ToString() != "Bearer " + apiKey)
            {
                return Problem(401, "unauthorized", "missing or wrong bearer token");
            }

            if (HttpMethods.IsGet(http.Request.Method))
            {
                return await next(context).ConfigureAwait(false);
            }

            var key = http.Request.Headers[CasWire.IdempotencyKeyHeader].ToString();
            if (string.IsNullOrWhiteSpace(key) || key.Length > 200)
            {
                return Problem(400, "missing_idempotency_key", $"every command needs an {CasWire.IdempotencyKeyHeader} header (1–200 characters)");
            }

            using var correlation = CorrelationContext.Begin(http.Request.Headers[CasWire.CorrelationIdHeader].FirstOrDefault());
            try
            {
                return await next(context).ConfigureAwait(false);
            }
            catch (CasUnavailableException e)
            {
                http.Response.Headers.RetryAfter = "1";
                return Problem(503, "unavailable", e.Message);
            }
            catch (BadHttpRequestException e)
            {
                return Problem(400, "malformed_request", e.Message);
            }
        });

        v1.MapPost("/devices/{id}/activate", (string id, CasWire.ActivationRequest body, HttpContext http, CancellationToken ct) =>
            Command(() => cas.ActivateDeviceAsync(new CasActivation(Key(http), id, body.SmartCardNumber, body.ProductIds ?? [], body.ValidFrom, body.ValidTo), ct)));
        v1.MapPost("/devices/{id}/deactivate", (string id, HttpContext http, CancellationToken ct) =>
            Command(() => cas.DeactivateDeviceAsync(Key(http), id, ct)));
        v1.MapPut("/devices/{id}/entitlements", (string id, CasWire.EntitlementsRequest body, HttpContext http, CancellationToken ct) =>
            Command(() => cas.UpdateEntitlementsAsync(Key(http), id, body.ProductIds ?? [], ct)));
        v1.MapPost("/devices/{id}/pair", (string id, CasWire.PairingRequest body, HttpContext http, CancellationToken ct) =>
            Command(() => cas.PairAsync(new CasPairing(Key(http), id, body.SmartCardNumber), ct)));
        v1.MapPost("/devices/{id}/unpair", (string id, CasWire.PairingRequest body, HttpContext http, CancellationToken ct) =>
            Command(() => cas.UnpairAsync(new CasPairing(Key(http), id, body.SmartCardNumber), ct)));
        v1.MapPost("/{kind}/{id}/products", (string kind, string id, CasWire.AddProductsRequest body, HttpContext http, CancellationToken ct) =>
            Target(kind, id) is not { } target ? UnknownKind(kind)
            : Command(() => cas.AddProductsAsync(new CasProductGrant(Key(http), target,
                (body.Products ?? []).Select(p => new CasEntitlement(p.ProductId, p.ValidFrom, p.ValidTo)).ToList()), ct)));
        v1.MapPost("/{kind}/{id}/products/remove", (string kind, string id, CasWire.RemoveProductsRequest body, HttpContext http, CancellationToken ct) =>
            Target(kind, id) is not { } target ? UnknownKind(kind)
            : Command(() => cas.RemoveProductsAsync(new CasProductRevocation(Key(http), target, body.ProductIds ?? []), ct)));
        v1.MapPost("/{kind}/{id}/messages", (string kind, string id, CasWire.MessageRequest body, HttpContext http, CancellationToken ct) =>
            Target(kind, id) is not { } target ? UnknownKind(kind)
            : !Enum.TryParse<CasMessagePriority>(body.Priority ?? "normal", ignoreCase: true, out var priority)
                ? Task.FromResult(Problem(400, "malformed_request", $"priority {body.Priority} is not normal, high or emergency"))
            : Command(() => cas.SendOnScreenMessageAsync(new CasOnScreenMessage(Key(http), target, body.Text, TimeSpan.FromSeconds(body.DisplaySeconds), priority), ct)));
        v1.MapPost("/{kind}/{id}/forced-tune", (string kind, string id, CasWire.ForcedTuneRequest body, HttpContext http, CancellationToken ct) =>
            Target(kind, id) is not { } target ? UnknownKind(kind)
            : Command(() => cas.ForceTuneAsync(new CasForcedTune(Key(http), target, body.ServiceId, TimeSpan.FromSeconds(body.DurationSeconds)), ct)));

        v1.MapGet("/devices/{id}", async (string id, CancellationToken ct) =>
        {
            try
            {
                return await cas.GetDeviceAsync(id, ct).ConfigureAwait(false) is { } device
                    ? Results.Json(ToWire(device), CasWire.Json)
                    : Problem(404, CasRejectionCodes.UnknownDevice, $"device {id} is not registered in the CAS");
            }
            catch (CasUnavailableException e)
            {
                return Problem(503, "unavailable", e.Message);
            }
        });
        v1.MapGet("/devices", async (string? after, int? limit, DateTimeOffset? changedSince, CancellationToken ct) =>
        {
            if (limit is < 1 or > 1000)
            {
                return Problem(400, "malformed_request", "limit must be 1–1000");
            }

            try
            {
                var page = await cas.ListDevicesAsync(new CasDeviceListRequest(after, limit ?? 500, changedSince), ct).ConfigureAwait(false);
                return Results.Json(new CasWire.DevicePage(page.Items.Select(ToWire).ToList(), page.NextCursor), CasWire.Json);
            }
            catch (CasUnavailableException e)
            {
                return Problem(503, "unavailable", e.Message);
            }
        });
    }

    private static string Key(HttpContext http) => http.Request.Headers[CasWire.IdempotencyKeyHeader].ToString();

    private static CasTarget? Target(string kind, string id) => kind switch
    {
        "devices" => CasTarget.Box(id),
        "smartcards" => CasTarget.SmartCard(id),
        _ => null,
    };

    private static Task<IResult> UnknownKind(string kind) =>
        Task.FromResult(Problem(404, "not_found", $"/{kind} is not a resource (devices, smartcards)"));

    private static async Task<IResult> Command(Func<Task<CasCommandResult>> run)
    {
        var result = await run().ConfigureAwait(false);
        if (result.Accepted)
        {
            return Results.Json(new CasWire.CommandResponse("applied", result.VendorReference!), CasWire.Json);
        }

        var code = result.RejectionCode ?? CasRejectionCodes.Refused;
        return Problem(code == CasRejectionCodes.IdempotencyKeyReused ? 409 : 422, code, result.RejectionReason ?? "refused");
    }

    private static IResult Problem(int status, string code, string message) =>
        Results.Json(new CasWire.Error(code, message), CasWire.Json, statusCode: status);

    private static CasWire.Device ToWire(CasDeviceSnapshot d) =>
        new(d.CasDeviceId, d.Status, d.SmartCardNumber, d.PairedAt, d.Products.Select(p => new CasWire.Product(p.ProductId, p.ValidFrom, p.ValidTo)).ToList(), d.UpdatedAt);
}
