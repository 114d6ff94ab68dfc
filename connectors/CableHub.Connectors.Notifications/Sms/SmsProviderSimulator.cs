using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using CableHub.Connectors.Common.Simulation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace CableHub.Connectors.Notifications.Sms;

/// <summary>
/// A simulated SMS provider speaking the API of <c>SMS-PROVIDER-API.md</c> over real HTTP on loopback: validates
/// E.164 numbers and the sender id, honours idempotency keys (a repeat gets the first message back; the same key
/// with another body is a 409), refuses numbers on its block list, counts segments (160 GSM-7 / 70 UCS-2
/// characters), keeps what it accepted in memory for tests, and injects faults (<see cref="Faults"/>, <c>/admin</c>).
/// </summary>
public sealed partial class SmsProviderSimulator : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, SmsProviderWire.Message> _byKey = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<SmsProviderWire.Message> _accepted = new();
    private readonly ConcurrentDictionary<string, bool> _blocked = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private SimulatorWebHost? _host;
    private long _next;

    private SmsProviderSimulator(SimulatorFaults faults, TimeProvider time)
    {
        Faults = faults;
        _time = time;
    }

    public SimulatorFaults Faults { get; }

    public Uri Address => _host?.Address ?? throw new InvalidOperationException("not started");

    /// <summary>Messages accepted, in order (a repeated key appears once).</summary>
    public IReadOnlyList<SmsProviderWire.Message> Accepted => _accepted.ToArray();

    /// <summary>Requests that reached the API (after fault injection), repeats included.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    private long _requests;

    public void Block(string number) => _blocked[number] = true;

    public static async Task<SmsProviderSimulator> StartAsync(string url = "http://127.0.0.1:0", string? apiKey = null, SimulatorFaultSettings? faults = null,
        ILoggerFactory? loggerFactory = null, TimeProvider? time = null, CancellationToken ct = default)
    {
        var sim = new SmsProviderSimulator(new SimulatorFaults(faults, time), time ?? TimeProvider.System);
        sim._host = await SimulatorWebHost.StartAsync("sms", url, sim.Faults, app => sim.Map(app, apiKey), loggerFactory, ct: ct).ConfigureAwait(false);
        return sim;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _host, null) is { } host)
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Map(IEndpointRouteBuilder app, string? apiKey)
    {
        var v1 = app.MapGroup("/v1");
        v1.AddEndpointFilter(async (context, next) =>
            apiKey is not null && context.HttpContext.Request.Headers.Authorization.ToString() != "Bearer " + apiKey
                ? Error(401, "unauthorized", "missing or wrong bearer token")
                : await next(context).ConfigureAwait(false));
        v1.MapPost("/messages", (SmsProviderWire.SendRequest body, HttpContext http) =>
        {
            Interlocked.Increment(ref _requests);
            var key = http.Request.Headers[SmsProviderWire.IdempotencyKeyHeader].ToString();
            if (string.IsNullOrWhiteSpace(body.To) || !E164().IsMatch(body.To))
            {
                return Error(400, "invalid_number", $"'{body.To}' is not an E.164 number");
            }

            if (string.IsNullOrWhiteSpace(body.From) || body.From.Length > 11)
            {
                return Error(400, "invalid_sender", "sender id must have 1–11 characters");
            }

            if (string.IsNullOrWhiteSpace(body.Text) || body.Text.Length > 1600)
            {
                return Error(400, "invalid_text", "text must have 1–1600 characters");
            }

            if (_blocked.ContainsKey(body.To))
            {
                return Error(422, "blocked_number", $"{body.To} does not accept messages from this sender");
            }

            var message = new SmsProviderWire.Message($"SM{Interlocked.Increment(ref _next):D8}", body.To, body.From, body.Text, body.Reference, "accepted",
                Segments(body.Text), _time.GetUtcNow());
            if (!string.IsNullOrEmpty(key))
            {
                var first = _byKey.GetOrAdd(key, message);
                if (!ReferenceEquals(first, message))
                {
                    return first.To == body.To && first.Text == body.Text
                        ? Results.Json(first, SmsProviderWire.Json, statusCode: 200)
                        : Error(409, "idempotency_key_reused", $"key {key} was used for another message");
                }
            }

            _accepted.Enqueue(message);
            return Results.Json(message, SmsProviderWire.Json, statusCode: 201);
        });
        v1.MapGet("/messages", (string? to) => Results.Json(Accepted.Where(m => to is null || m.To == to).ToList(), SmsProviderWire.Json));
        v1.MapGet("/messages/{id}", (string id) => Accepted.FirstOrDefault(m => m.Id == id) is { } m
            ? Results.Json(m, SmsProviderWire.Json)
            : Error(404, "not_found", $"no message {id}"));
    }

    private static int Segments(string text)
    {
        var gsm = text.All(c => c < 128);
        var (single, multi) = gsm ? (160, 153) : (70, 67);
        return text.Length <= single ? 1 : (text.Length + multi - 1) / multi;
    }

    private static IResult Error(int status, string code, string message) =>
        Results.Json(new SmsProviderWire.Error(code, message), SmsProviderWire.Json, statusCode: status);

    [GeneratedRegex(@"^\+[1-9][0-9]{7,14}$")]
    private static partial Regex E164();
}
