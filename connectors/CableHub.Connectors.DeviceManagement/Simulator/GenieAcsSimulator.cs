using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CableHub.Connectors.Common.Simulation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace CableHub.Connectors.DeviceManagement.Simulator;

/// <summary>Size and make-up of the simulated box population (all draws from <see cref="Seed"/>).</summary>
public sealed record StbPopulationSettings
{
    public int Seed { get; init; } = 7;

    public int Devices { get; init; } = 200;

    public double WeakSignalShare { get; init; } = 0.10;

    public double DecoderErrorShare { get; init; } = 0.08;

    public double StuckFirmwareShare { get; init; } = 0.06;

    public double OfflineShare { get; init; } = 0.06;

    public string CurrentFirmware { get; init; } = "4.2.1";

    public string OldFirmware { get; init; } = "3.9.0";
}

/// <summary>
/// A TR-069 ACS speaking the GenieACS north-bound REST API over real HTTP (loopback), with a seeded population
/// of healthy and faulty boxes whose tasks have effects: reboot clears transient decoder faults, factoryReset also
/// un-sticks firmware, download installs a file the ACS holds (refused with fault 9010 by a stuck box),
/// setParameterValues changes writable parameters (9008 otherwise), getParameterValues/refreshObject re-read the box.
/// An offline box keeps its tasks queued (202) until it comes back (<see cref="BringOnline"/>, <c>POST /admin/devices/{id}/online</c>)
/// and runs them at that inform. Faults: <see cref="Faults"/> and <c>/admin</c>.
/// </summary>
public sealed class GenieAcsSimulator : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SimulatedStb> _devices = new(StringComparer.Ordinal);
    private readonly List<JsonObject> _tasks = [];
    private readonly Dictionary<string, JsonObject> _faults = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly StbPopulationSettings _population;
    private SimulatorWebHost? _host;
    private long _nextTask;

    private GenieAcsSimulator(StbPopulationSettings population, SimulatorFaults faults, TimeProvider time)
    {
        _population = population;
        _time = time;
        _random = new Random(population.Seed);
        Faults = faults;
        var now = time.GetUtcNow();
        for (var i = 0; i < population.Devices; i++)
        {
            var roll = _random.NextDouble();
            var profile = roll < population.WeakSignalShare ? StbProfile.WeakSignal
                : roll < population.WeakSignalShare + population.DecoderErrorShare ? StbProfile.DecoderErrors
                : roll < population.WeakSignalShare + population.DecoderErrorShare + population.StuckFirmwareShare ? StbProfile.StuckFirmware
                : roll < population.WeakSignalShare + population.DecoderErrorShare + population.StuckFirmwareShare + population.OfflineShare ? StbProfile.Offline
                : StbProfile.Healthy;
            Add(i % 10 == 9 ? "CH-STB-T2" : i % 2 == 0 ? "CH-STB-4K" : "CH-STB-HD", $"CHB{100000 + i}", profile);
        }

        _files[$"stb-fw-{population.CurrentFirmware}.bin"] = population.CurrentFirmware;
    }

    public SimulatorFaults Faults { get; }

    public Uri Address => _host?.Address ?? throw new InvalidOperationException("not started");

    /// <summary>Box ids and profiles, in id order.</summary>
    public IReadOnlyList<SimulatedStb> Devices
    {
        get
        {
            lock (_gate)
            {
                return _devices.Values.OrderBy(d => d.Id, StringComparer.Ordinal).ToList();
            }
        }
    }

    public static async Task<GenieAcsSimulator> StartAsync(StbPopulationSettings? population = null, string url = "http://127.0.0.1:0",
        SimulatorFaultSettings? faults = null, ILoggerFactory? loggerFactory = null, TimeProvider? time = null, CancellationToken ct = default)
    {
        time ??= TimeProvider.System;
        var sim = new GenieAcsSimulator(population ?? new StbPopulationSettings(), new SimulatorFaults(faults, time), time);
        sim._host = await SimulatorWebHost.StartAsync("genieacs", url, sim.Faults, sim.Map, loggerFactory, ct: ct).ConfigureAwait(false);
        return sim;
    }

    /// <summary>Adds a box with the given profile (tests); returns it.</summary>
    public SimulatedStb Add(string productClass, string serial, StbProfile profile)
    {
        lock (_gate)
        {
            var firmware = profile == StbProfile.StuckFirmware ? _population.OldFirmware : _population.CurrentFirmware;
            var stb = new SimulatedStb("00D09E", productClass, serial, profile, firmware, _time.GetUtcNow(), _random);
            _devices[stb.Id] = stb;
            return stb;
        }
    }

    /// <summary>A firmware image the ACS holds (GenieACS <c>PUT /files/</c>).</summary>
    public void AddFile(string name, string version)
    {
        lock (_gate)
        {
            _files[name] = version;
        }
    }

    public SimulatedStb Device(string id)
    {
        lock (_gate)
        {
            return _devices[id];
        }
    }

    /// <summary>The box contacts the ACS (inform): queued tasks run now.</summary>
    public void BringOnline(string id)
    {
        lock (_gate)
        {
            var stb = _devices[id];
            stb.Online = true;
            stb.LastInform = _time.GetUtcNow();
            foreach (var task in _tasks.Where(t => t["device"]!.GetValue<string>() == id && !_faults.ContainsKey(FaultId(id, t))).ToList())
            {
                Execute(stb, task);
            }
        }
    }

    public void TakeOffline(string id)
    {
        lock (_gate)
        {
            _devices[id].Online = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _host, null) is { } host)
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/devices", (HttpContext http) => Query(http, "devices"));
        app.MapGet("/tasks", (HttpContext http) => Query(http, "tasks"));
        app.MapGet("/faults", (HttpContext http) => Query(http, "faults"));
        app.MapPost("/devices/{id}/tasks", async (string id, HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync(http.RequestAborted).ConfigureAwait(false);
            return PostTask(Uri.UnescapeDataString(id), body, http.Request.Query.ContainsKey("connection_request"), http);
        });
        app.MapDelete("/tasks/{id}", (string id) =>
        {
            lock (_gate)
            {
                var task = _tasks.FirstOrDefault(t => t["_id"]!.GetValue<string>() == id);
                if (task is null)
                {
                    return Results.Text("Task not found", statusCode: 404);
                }

                _tasks.Remove(task);
                _faults.Remove(FaultId(task["device"]!.GetValue<string>(), task));
                return Results.Ok();
            }
        });
        app.MapPost("/tasks/{id}/retry", (string id) =>
        {
            lock (_gate)
            {
                var task = _tasks.FirstOrDefault(t => t["_id"]!.GetValue<string>() == id);
                if (task is null)
                {
                    return Results.Text("Task not found", statusCode: 404);
                }

                _faults.Remove(FaultId(task["device"]!.GetValue<string>(), task));
                return Results.Ok();
            }
        });
        app.MapPost("/admin/devices/{id}/online", (string id) =>
        {
            BringOnline(Uri.UnescapeDataString(id));
            return Results.Ok();
        });
        app.MapPost("/admin/devices/{id}/offline", (string id) =>
        {
            TakeOffline(Uri.UnescapeDataString(id));
            return Results.Ok();
        });
    }

    private IResult Query(HttpContext http, string collection)
    {
        JsonObject query;
        try
        {
            query = http.Request.Query["query"].FirstOrDefault() is { Length: > 0 } q ? JsonNode.Parse(q) as JsonObject ?? new JsonObject() : new JsonObject();
        }
        catch (JsonException e)
        {
            return Results.Text($"SyntaxError: {e.Message}", statusCode: 400);
        }

        var projection = http.Request.Query["projection"].FirstOrDefault()?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var skip = int.TryParse(http.Request.Query["skip"], CultureInfo.InvariantCulture, out var s) ? s : 0;
        var limit = int.TryParse(http.Request.Query["limit"], CultureInfo.InvariantCulture, out var l) ? l : int.MaxValue;
        List<JsonObject> items;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            items = collection switch
            {
                "devices" => _devices.Values.OrderBy(d => d.Id, StringComparer.Ordinal)
                    .Where(d => MongoQuery.Matches(query, path => DeviceField(d, path, now)))
                    .Select(d => Document(d, projection, now)).ToList(),
                "tasks" => _tasks.Where(t => MongoQuery.Matches(query, path => t[path]?.DeepClone())).Select(t => (JsonObject)t.DeepClone()).ToList(),
                _ => _faults.Values.Where(f => MongoQuery.Matches(query, path => f[path]?.DeepClone())).Select(f => (JsonObject)f.DeepClone()).ToList(),
            };
        }

        http.Response.Headers["total"] = items.Count.ToString(CultureInfo.InvariantCulture);
        return Results.Text(new JsonArray(items.Skip(skip).Take(limit).Cast<JsonNode>().ToArray()).ToJsonString(), "application/json");
    }

    private IResult PostTask(string deviceId, string body, bool connectionRequest, HttpContext http)
    {
        JsonObject task;
        try
        {
            task = JsonNode.Parse(body) as JsonObject ?? throw new JsonException("a task is a JSON object");
        }
        catch (JsonException e)
        {
            return Results.Text($"SyntaxError: {e.Message}", statusCode: 400);
        }

        var name = task["name"]?.GetValue<string>();
        if (name is not ("getParameterValues" or "refreshObject" or "setParameterValues" or "reboot" or "factoryReset" or "download"))
        {
            return Results.Text($"Invalid task name {name}", statusCode: 400);
        }

        lock (_gate)
        {
            if (!_devices.TryGetValue(deviceId, out var stb))
            {
                return Results.Text("No such device", statusCode: 404);
            }

            task["device"] = deviceId;
            task["_id"] = (++_nextTask).ToString("x24", CultureInfo.InvariantCulture);
            task["timestamp"] = _time.GetUtcNow().UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
            _tasks.Add(task);
            if (!connectionRequest)
            {
                return Answer(http, 202, "Accepted", task);
            }

            if (!stb.Online)
            {
                return Answer(http, 202, "Connection request error: No contact from CPE", task);
            }

            stb.LastInform = _time.GetUtcNow();
            return Execute(stb, task)
                ? Answer(http, 200, null, task)
                : Answer(http, 202, "Task faulted", task);
        }
    }

    /// <summary>Runs a task on the box (under the lock); true when done (task removed), false when it faulted (fault recorded, task kept).</summary>
    private bool Execute(SimulatedStb stb, JsonObject task)
    {
        var now = _time.GetUtcNow();
        (string Code, string Message)? fault = null;
        switch (task["name"]!.GetValue<string>())
        {
            case "getParameterValues" or "refreshObject":
                stb.ParametersReadAt = now;
                break;
            case "setParameterValues":
                foreach (var entry in task["parameterValues"] as JsonArray ?? [])
                {
                    if (entry is not JsonArray { Count: >= 2 } pair || !stb.TrySet(pair[0]!.ToString(), pair[1]!.ToString()))
                    {
                        fault = ("cwmp.9008", $"Attempt to set a non-writable parameter: {(entry as JsonArray)?[0]}");
                        break;
                    }
                }

                break;
            case "reboot":
                stb.Reboot(now);
                break;
            case "factoryReset":
                stb.FactoryReset(now);
                break;
            case "download":
                var file = task["file"]?.ToString() ?? "";
                if (!_files.TryGetValue(file, out var version))
                {
                    fault = ("cwmp.9010", $"Download failure: file {file} not found");
                }
                else if (stb.FirmwareStuck)
                {
                    fault = ("cwmp.9010", "Download failure: image verification failed");
                }
                else
                {
                    stb.SoftwareVersion = version;
                    stb.Reboot(now);
                }

                break;
        }

        var id = FaultId(stb.Id, task);
        if (fault is { } f)
        {
            _faults[id] = new JsonObject
            {
                ["_id"] = id,
                ["device"] = stb.Id,
                ["channel"] = "task_" + task["_id"],
                ["code"] = f.Code,
                ["message"] = f.Message,
                ["retries"] = 0,
                ["timestamp"] = now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            };
            return false;
        }

        _tasks.Remove(task);
        return true;
    }

    private static string FaultId(string deviceId, JsonObject task) => $"{deviceId}:task_{task["_id"]}";

    private static IResult Answer(HttpContext http, int status, string? reason, JsonObject task)
    {
        if (reason is not null)
        {
            http.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = reason;
        }

        return Results.Text(task.ToJsonString(), "application/json", statusCode: status);
    }

    private static JsonNode? DeviceField(SimulatedStb d, string path, DateTimeOffset now) => path switch
    {
        "_id" => d.Id,
        "_lastInform" => d.LastInform.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        "_registered" => d.Registered.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        "_tags" => new JsonArray(d.Tags.Select(t => (JsonNode)JsonValue.Create(t)).ToArray()),
        "_deviceId._SerialNumber" => d.SerialNumber,
        "_deviceId._OUI" => d.Oui,
        "_deviceId._ProductClass" => d.ProductClass,
        "_deviceId._Manufacturer" => "CableHub Devices",
        _ => d.Parameters(now).Where(p => p.Path == path).Select(p => Json(p.Value)).FirstOrDefault(),
    };

    private static JsonValue Json(object value) => value switch
    {
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double x => JsonValue.Create(x),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""),
    };

    /// <summary>The device as GenieACS stores it: nested objects, parameters as <c>_value/_type/_timestamp/_writable</c> leaves.</summary>
    private static JsonObject Document(SimulatedStb d, string[]? projection, DateTimeOffset now)
    {
        bool Wanted(string path) => projection is null || projection.Any(p => path == p || path.StartsWith(p + ".", StringComparison.Ordinal));
        var doc = new JsonObject { ["_id"] = d.Id };
        if (Wanted("_deviceId"))
        {
            doc["_deviceId"] = new JsonObject { ["_Manufacturer"] = "CableHub Devices", ["_OUI"] = d.Oui, ["_ProductClass"] = d.ProductClass, ["_SerialNumber"] = d.SerialNumber };
        }

        if (Wanted("_lastInform"))
        {
            doc["_lastInform"] = d.LastInform.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        }

        if (Wanted("_registered"))
        {
            doc["_registered"] = d.Registered.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        }

        if (Wanted("_lastBoot"))
        {
            doc["_lastBoot"] = d.LastBoot.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        }

        if (Wanted("_tags"))
        {
            doc["_tags"] = new JsonArray(d.Tags.Select(t => (JsonNode)JsonValue.Create(t)).ToArray());
        }

        var stamp = (d.ParametersReadAt == default ? d.LastInform : d.ParametersReadAt).UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        foreach (var (path, value, type, writable) in d.Parameters(now))
        {
            if (!Wanted(path))
            {
                continue;
            }

            var parts = path.Split('.');
            var node = doc;
            foreach (var part in parts[..^1])
            {
                if (node[part] is not JsonObject child)
                {
                    child = new JsonObject { ["_object"] = true };
                    node[part] = child;
                }

                node = child;
            }

            node[parts[^1]] = new JsonObject
            {
                ["_value"] = Json(value),
                ["_type"] = type,
                ["_timestamp"] = stamp,
                ["_writable"] = writable,
            };
        }

        return doc;
    }
}
