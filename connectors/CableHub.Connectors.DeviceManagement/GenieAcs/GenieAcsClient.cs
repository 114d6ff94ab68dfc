using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CableHub.Core.Ports;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace CableHub.Connectors.DeviceManagement.GenieAcs;

/// <summary>Where the GenieACS NBI is (the host binds <c>DeviceManagement</c>).</summary>
public sealed class GenieAcsOptions
{
    /// <summary>NBI base address (GenieACS default port 7557), e.g. <c>http://acs.example.net:7557/</c>.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>HTTP basic credentials when the NBI sits behind a proxy that asks for them.</summary>
    public string? User { get; set; }

    public string? Password { get; set; }

    /// <summary>How long GenieACS may wait for a box to start its session after a connection request (its <c>timeout</c> parameter).</summary>
    public TimeSpan ConnectionRequestTimeout { get; set; } = TimeSpan.FromSeconds(3);

    public Common.Resilience.ConnectorResilienceOptions Resilience { get; set; } = new()
    {
        // A task with a connection request may take the box's whole session to answer.
        AttemptTimeout = TimeSpan.FromSeconds(40),
        TotalTimeout = TimeSpan.FromSeconds(90),
    };
}

/// <summary>
/// <see cref="IDeviceManagement"/> over the GenieACS north-bound REST API: <c>GET /devices/?query=&lt;mongo json&gt;&amp;projection=…</c>,
/// <c>POST /devices/&lt;id&gt;/tasks?timeout=&lt;ms&gt;&amp;connection_request</c> (200 = ran now, 202 = queued or faulted, 404 = no
/// such device), <c>GET /tasks/?query=</c>, <c>DELETE /tasks/&lt;id&gt;</c>, <c>GET /faults/?query=</c>. Device ids are
/// percent-encoded in paths. Typed HttpClient with the connector resilience handler.
/// </summary>
public sealed class GenieAcsClient(Func<HttpClient> client, GenieAcsOptions options, TimeProvider time, ILogger<GenieAcsClient> logger) : IDeviceManagement
{
    public async Task<IReadOnlyList<ManagedDevice>> FindDevicesAsync(ManagedDeviceQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = new JsonObject();
        if (query.SerialNumbers is { Count: > 0 } serials)
        {
            filter["_deviceId._SerialNumber"] = new JsonObject { ["$in"] = new JsonArray(serials.Select(s => (JsonNode)JsonValue.Create(s)).ToArray()) };
        }

        if (query.SoftwareVersion is { } version)
        {
            filter[Tr135.SoftwareVersion] = version;
        }

        if (query.NotSeenSince is { } since)
        {
            filter["_lastInform"] = new JsonObject { ["$lt"] = since.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) };
        }

        var path = $"devices/?query={Uri.EscapeDataString(filter.ToJsonString())}&projection={Uri.EscapeDataString("_id,_deviceId,_lastInform,_tags," + Tr135.SoftwareVersion)}"
            + $"&limit={query.Limit.ToString(CultureInfo.InvariantCulture)}&skip={query.Skip.ToString(CultureInfo.InvariantCulture)}";
        var devices = await GetArrayAsync(path, ct).ConfigureAwait(false);
        return devices.OfType<JsonObject>().Select(Tr135.ToManagedDevice).ToList();
    }

    public async Task<StbDiagnostics?> GetDiagnosticsAsync(string deviceId, bool refresh, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        var fresh = false;
        if (refresh)
        {
            var task = new JsonObject
            {
                ["name"] = "getParameterValues",
                ["parameterNames"] = new JsonArray(Tr135.DiagnosticObjects.Select(p => (JsonNode)JsonValue.Create(p)).ToArray()),
            };
            var result = await PostTaskAsync(deviceId, task, "diagnostics refresh", ct).ConfigureAwait(false);
            if (result.Status == DeviceTaskStatus.UnknownDevice)
            {
                return null;
            }

            fresh = result.Status == DeviceTaskStatus.Done;
            if (result.Status == DeviceTaskStatus.Queued && result.TaskId is { } queued)
            {
                // An offline box: do not leave a refresh waiting for its next contact.
                await CancelTaskAsync(queued, ct).ConfigureAwait(false);
            }
        }

        var filter = new JsonObject { ["_id"] = deviceId };
        var devices = await GetArrayAsync($"devices/?query={Uri.EscapeDataString(filter.ToJsonString())}&projection={Uri.EscapeDataString(Tr135.Projection)}", ct)
            .ConfigureAwait(false);
        return devices.FirstOrDefault() is JsonObject device ? Tr135.ToDiagnostics(device, time.GetUtcNow(), fresh) : null;
    }

    public Task<DeviceTaskResult> RebootAsync(DeviceCommand command, CancellationToken ct) =>
        RunAsync(command, new JsonObject { ["name"] = "reboot" }, ct);

    public Task<DeviceTaskResult> FactoryResetAsync(DeviceCommand command, CancellationToken ct) =>
        RunAsync(command, new JsonObject { ["name"] = "factoryReset" }, ct);

    public Task<DeviceTaskResult> DownloadFirmwareAsync(DeviceCommand command, string fileName, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        return RunAsync(command, new JsonObject { ["name"] = "download", ["file"] = fileName, ["fileType"] = "1 Firmware Upgrade Image" }, ct);
    }

    public Task<DeviceTaskResult> SetParametersAsync(DeviceCommand command, IReadOnlyList<DeviceParameterValue> values, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(values);
        var list = new JsonArray(values.Select(v => (JsonNode)new JsonArray(v.Name, v.Value, v.Type)).ToArray());
        return RunAsync(command, new JsonObject { ["name"] = "setParameterValues", ["parameterValues"] = list }, ct);
    }

    public async Task<IReadOnlyList<PendingDeviceTask>> PendingTasksAsync(string deviceId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        var tasks = await GetArrayAsync($"tasks/?query={Uri.EscapeDataString(new JsonObject { ["device"] = deviceId }.ToJsonString())}", ct).ConfigureAwait(false);
        var faults = await GetArrayAsync($"faults/?query={Uri.EscapeDataString(new JsonObject { ["device"] = deviceId }.ToJsonString())}", ct).ConfigureAwait(false);
        return tasks.OfType<JsonObject>().Select(t =>
        {
            var id = t["_id"]!.ToString();
            var fault = faults.OfType<JsonObject>().FirstOrDefault(f => f["_id"]?.ToString() == $"{deviceId}:task_{id}");
            return new PendingDeviceTask(id, t["name"]?.ToString() ?? "?",
                DateTimeOffset.TryParse(t["timestamp"]?.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null,
                fault is null ? null : $"{fault["code"]}: {fault["message"]}");
        }).ToList();
    }

    public async Task<bool> CancelTaskAsync(string taskId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"tasks/{Uri.EscapeDataString(taskId)}");
        using var response = await SendAsync(request, ct).ConfigureAwait(false);
        return response.StatusCode switch
        {
            HttpStatusCode.OK => true,
            HttpStatusCode.NotFound => false,
            _ => throw Unavailable(response, $"DELETE tasks/{taskId}"),
        };
    }

    private async Task<DeviceTaskResult> RunAsync(DeviceCommand command, JsonObject task, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentException.ThrowIfNullOrWhiteSpace(command.IdempotencyKey);
        var name = task["name"]!.GetValue<string>();
        // The ACS has no idempotency keys: a task of the same kind still pending for the box is this command.
        var pending = await GetArrayAsync($"tasks/?query={Uri.EscapeDataString(new JsonObject { ["device"] = command.DeviceId, ["name"] = name }.ToJsonString())}", ct)
            .ConfigureAwait(false);
        var same = pending.OfType<JsonObject>().FirstOrDefault(t => task["file"] is null || t["file"]?.ToString() == task["file"]!.ToString());
        if (same is not null)
        {
            logger.LogInformation("ACS: {Task} for {DeviceId} already pending as {TaskId} (key {IdempotencyKey}); not adding another",
                name, command.DeviceId, same["_id"], command.IdempotencyKey);
            return new DeviceTaskResult(DeviceTaskStatus.Queued, same["_id"]?.ToString(), "already pending");
        }

        return await PostTaskAsync(command.DeviceId, task, command.IdempotencyKey, ct, command.WaitFor).ConfigureAwait(false);
    }

    private async Task<DeviceTaskResult> PostTaskAsync(string deviceId, JsonObject task, string key, CancellationToken ct, TimeSpan? waitFor = null)
    {
        var timeout = (int)(waitFor ?? options.ConnectionRequestTimeout).TotalMilliseconds;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"devices/{Uri.EscapeDataString(deviceId)}/tasks?timeout={timeout.ToString(CultureInfo.InvariantCulture)}&connection_request")
        {
            Content = new StringContent(task.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        // GenieACS would store a re-sent task twice: no blind retries here; the caller's retry re-checks pending tasks first.
        request.Options.Set(Common.Resilience.ConnectorResilience.DoNotRetry, true);
        using var response = await SendAsync(request, ct).ConfigureAwait(false);
        var name = task["name"]!.GetValue<string>();
        switch (response.StatusCode)
        {
            case HttpStatusCode.NotFound:
                return new DeviceTaskResult(DeviceTaskStatus.UnknownDevice, null, $"the ACS does not know {deviceId}");
            case HttpStatusCode.OK or HttpStatusCode.Accepted:
                var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)) as JsonObject;
                var taskId = body?["_id"]?.ToString();
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    logger.LogInformation("ACS: {Task} ran on {DeviceId} ({TaskId}, key {IdempotencyKey})", name, deviceId, taskId, key);
                    return new DeviceTaskResult(DeviceTaskStatus.Done, taskId);
                }

                var reason = response.ReasonPhrase ?? "queued";
                if (reason.Contains("fault", StringComparison.OrdinalIgnoreCase) && taskId is not null)
                {
                    var faults = await GetArrayAsync($"faults/?query={Uri.EscapeDataString(new JsonObject { ["_id"] = $"{deviceId}:task_{taskId}" }.ToJsonString())}", ct).ConfigureAwait(false);
                    var fault = faults.FirstOrDefault() as JsonObject;
                    var detail = fault is null ? reason : $"{fault["code"]}: {fault["message"]}";
                    logger.LogWarning("ACS: {Task} on {DeviceId} faulted: {Detail} (key {IdempotencyKey})", name, deviceId, detail, key);
                    return new DeviceTaskResult(DeviceTaskStatus.Faulted, taskId, detail);
                }

                logger.LogInformation("ACS: {Task} for {DeviceId} queued: {Reason} (key {IdempotencyKey})", name, deviceId, reason, key);
                return new DeviceTaskResult(DeviceTaskStatus.Queued, taskId, reason);
            case HttpStatusCode.BadRequest:
                throw new ArgumentException($"the ACS refused the {name} task for {deviceId} as malformed: {await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)}");
            default:
                throw Unavailable(response, $"POST devices/{deviceId}/tasks");
        }
    }

    private async Task<JsonArray> GetArrayAsync(string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = await SendAsync(request, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw Unavailable(response, "GET " + path.Split('?')[0]);
        }

        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)) as JsonArray
            ?? throw new DeviceManagementUnavailableException($"the ACS answered GET {path.Split('?')[0]} with something other than a JSON array");
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        try
        {
            return await client().SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (BrokenCircuitException e)
        {
            throw new DeviceManagementUnavailableException("device management circuit is open; failing fast", e);
        }
        catch (Exception e) when (e is TimeoutRejectedException or HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new DeviceManagementUnavailableException($"ACS unreachable ({request.Method} {request.RequestUri?.AbsolutePath}): {e.Message}", e);
        }
    }

    private static DeviceManagementUnavailableException Unavailable(HttpResponseMessage response, string what) =>
        new($"the ACS answered {(int)response.StatusCode} {response.ReasonPhrase} to {what}");
}
