using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CableHub.Core.Ports;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace CableHub.Connectors.Cas.Http;

/// <summary>
/// The production CAS adapter: the JSON-over-HTTP wire contract of <c>WIRE-CONTRACT.md</c> through a typed
/// HttpClient (IHttpClientFactory's named client <c>cas</c>, so the adapter can be a singleton) whose handlers add the correlation id, count calls and apply timeouts, retries with back-off
/// and circuit breaking (<see cref="CasConnector.AddCasConnector"/>). Every command carries its idempotency key
/// as the <c>Idempotency-Key</c> header, unchanged across retries.
/// </summary>
/// <remarks>
/// Outcomes: 2xx → accepted; 422/409 (and 400, 404 on a command) → rejected with the server's code, never
/// retried; 5xx, 408, 429, timeouts and connection failures → retried, then <see cref="CasUnavailableException"/>;
/// open circuit → <see cref="CasUnavailableException"/> at once; 401/403 → <see cref="CasUnavailableException"/>
/// (a configuration problem the operator must fix, not a refusal of the command).
/// </remarks>
public sealed class CasHttpClient(Func<HttpClient> client, ILogger<CasHttpClient> logger) : IConditionalAccessSystem
{
    /// <summary>For a single HttpClient (tests, tools); the host passes the factory's named client instead.</summary>
    public CasHttpClient(HttpClient http, ILogger<CasHttpClient> logger)
        : this(() => http, logger)
    {
    }

    public Task<CasCommandResult> ActivateDeviceAsync(CasActivation activation, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(activation);
        return CommandAsync(HttpMethod.Post, $"v1/devices/{Escape(activation.CasDeviceId)}/activate", activation.IdempotencyKey,
            new CasWire.ActivationRequest(activation.SmartCardNumber, activation.ProductIds, activation.ValidFrom, activation.ValidTo), ct);
    }

    public Task<CasCommandResult> DeactivateDeviceAsync(string idempotencyKey, string casDeviceId, CancellationToken ct) =>
        CommandAsync<object?>(HttpMethod.Post, $"v1/devices/{Escape(casDeviceId)}/deactivate", idempotencyKey, null, ct);

    public Task<CasCommandResult> UpdateEntitlementsAsync(string idempotencyKey, string casDeviceId, IReadOnlyList<string> productIds, CancellationToken ct) =>
        CommandAsync(HttpMethod.Put, $"v1/devices/{Escape(casDeviceId)}/entitlements", idempotencyKey, new CasWire.EntitlementsRequest(productIds), ct);

    public Task<CasCommandResult> AddProductsAsync(CasProductGrant grant, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(grant);
        return CommandAsync(HttpMethod.Post, $"{TargetPath(grant.Target)}/products", grant.IdempotencyKey,
            new CasWire.AddProductsRequest(grant.Products.Select(p => new CasWire.Product(p.ProductId, p.ValidFrom, p.ValidTo)).ToList()), ct);
    }

    public Task<CasCommandResult> RemoveProductsAsync(CasProductRevocation revocation, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(revocation);
        return CommandAsync(HttpMethod.Post, $"{TargetPath(revocation.Target)}/products/remove", revocation.IdempotencyKey,
            new CasWire.RemoveProductsRequest(revocation.ProductIds), ct);
    }

    public Task<CasCommandResult> PairAsync(CasPairing pairing, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(pairing);
        return CommandAsync(HttpMethod.Post, $"v1/devices/{Escape(pairing.CasDeviceId)}/pair", pairing.IdempotencyKey, new CasWire.PairingRequest(pairing.SmartCardNumber), ct);
    }

    public Task<CasCommandResult> UnpairAsync(CasPairing pairing, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(pairing);
        return CommandAsync(HttpMethod.Post, $"v1/devices/{Escape(pairing.CasDeviceId)}/unpair", pairing.IdempotencyKey, new CasWire.PairingRequest(pairing.SmartCardNumber), ct);
    }

    public Task<CasCommandResult> SendOnScreenMessageAsync(CasOnScreenMessage message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        return CommandAsync(HttpMethod.Post, $"{TargetPath(message.Target)}/messages", message.IdempotencyKey,
            new CasWire.MessageRequest(message.Text, (int)Math.Ceiling(message.DisplayFor.TotalSeconds), message.Priority.ToString().ToLowerInvariant()), ct);
    }

    public Task<CasCommandResult> ForceTuneAsync(CasForcedTune tune, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tune);
        return CommandAsync(HttpMethod.Post, $"{TargetPath(tune.Target)}/forced-tune", tune.IdempotencyKey,
            new CasWire.ForcedTuneRequest(tune.ServiceId, (int)Math.Ceiling(tune.Duration.TotalSeconds)), ct);
    }

    public async Task<CasDeviceSnapshot?> GetDeviceAsync(string casDeviceId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(casDeviceId);
        var device = await QueryAsync<CasWire.Device>($"v1/devices/{Escape(casDeviceId)}", notFoundIsNull: true, ct).ConfigureAwait(false);
        return device is null ? null : FromWire(device);
    }

    public async Task<CasDevicePage> ListDevicesAsync(CasDeviceListRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = new StringBuilder("v1/devices?limit=").Append(request.Limit.ToString(CultureInfo.InvariantCulture));
        if (request.After is { } after)
        {
            query.Append("&after=").Append(Uri.EscapeDataString(after));
        }

        if (request.ChangedSince is { } since)
        {
            query.Append("&changedSince=").Append(Uri.EscapeDataString(since.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)));
        }

        var page = await QueryAsync<CasWire.DevicePage>(query.ToString(), notFoundIsNull: false, ct).ConfigureAwait(false)
            ?? throw new CasUnavailableException("the CAS answered an empty device page");
        return new CasDevicePage(page.Items.Select(FromWire).ToList(), page.NextCursor);
    }

    private async Task<CasCommandResult> CommandAsync<T>(HttpMethod method, string path, string idempotencyKey, T body, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        using var request = new HttpRequestMessage(method, path)
        {
            // Serialised once: retries re-send the same bytes with the same Idempotency-Key.
            Content = new StringContent(body is null ? "{}" : JsonSerializer.Serialize(body, CasWire.Json), Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation(CasWire.IdempotencyKeyHeader, idempotencyKey);
        using var response = await SendAsync(request, ct).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            var ok = await response.Content.ReadFromJsonAsync<CasWire.CommandResponse>(CasWire.Json, ct).ConfigureAwait(false);
            return CasCommandResult.Ok(ok?.VendorReference ?? throw new CasUnavailableException($"the CAS answered {path} without a vendor reference"));
        }

        var error = await ReadErrorAsync(response, ct).ConfigureAwait(false);
        switch (response.StatusCode)
        {
            case HttpStatusCode.UnprocessableEntity or HttpStatusCode.Conflict:
                return CasCommandResult.Rejected(error?.Code ?? CasRejectionCodes.Refused, error?.Message ?? $"refused ({(int)response.StatusCode})");
            case HttpStatusCode.NotFound:
                return CasCommandResult.Rejected(error?.Code ?? CasRejectionCodes.UnknownDevice, error?.Message ?? $"{path} not found");
            case HttpStatusCode.BadRequest:
                logger.LogError("CAS refused {Method} {Path} as malformed: {Message} — an adapter/contract mismatch", method, path, error?.Message);
                return CasCommandResult.Rejected(CasRejectionCodes.InvalidCommand, error?.Message ?? "malformed request");
            default:
                throw Unavailable(response, error, path);
        }
    }

    private async Task<T?> QueryAsync<T>(string path, bool notFoundIsNull, CancellationToken ct)
        where T : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = await SendAsync(request, ct).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return await response.Content.ReadFromJsonAsync<T>(CasWire.Json, ct).ConfigureAwait(false);
        }

        var error = await ReadErrorAsync(response, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound && notFoundIsNull)
        {
            return null;
        }

        throw Unavailable(response, error, path);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        try
        {
            return await client().SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (BrokenCircuitException e)
        {
            throw new CasUnavailableException($"CAS circuit is open ({request.Method} {request.RequestUri}); failing fast", e);
        }
        catch (TimeoutRejectedException e)
        {
            throw new CasUnavailableException($"CAS did not answer {request.Method} {request.RequestUri} in time", e);
        }
        catch (HttpRequestException e)
        {
            throw new CasUnavailableException($"CAS unreachable ({request.Method} {request.RequestUri}): {e.Message}", e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new CasUnavailableException($"CAS did not answer {request.Method} {request.RequestUri} in time", e);
        }
    }

    private static CasUnavailableException Unavailable(HttpResponseMessage response, CasWire.Error? error, string path) =>
        response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            ? new CasUnavailableException($"CAS refused our credentials ({(int)response.StatusCode}) for {path}: check Cas:ApiKey")
            : new CasUnavailableException($"CAS answered {(int)response.StatusCode} for {path}: {error?.Message ?? response.ReasonPhrase}");

    private static async Task<CasWire.Error?> ReadErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            return response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true
                ? await response.Content.ReadFromJsonAsync<CasWire.Error>(CasWire.Json, ct).ConfigureAwait(false)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string TargetPath(CasTarget target) => $"v1/{CasWire.Segment(target.Kind)}/{Escape(target.Id)}";

    private static string Escape(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return Uri.EscapeDataString(id);
    }

    private static CasDeviceSnapshot FromWire(CasWire.Device d) =>
        new(d.DeviceId, d.Status, d.SmartCardNumber, d.PairedAt, d.Products.Select(p => new CasEntitlement(p.ProductId, p.ValidFrom, p.ValidTo)).ToList(), d.UpdatedAt);
}
