using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stripe;

namespace CableHub.Connectors.Stripe.Simulator;

public sealed record StripeSimulatorOptions
{
    /// <summary>Where the simulated API listens; port 0 picks a free port (see <see cref="StripeSimulator.BaseAddress"/>).</summary>
    public string Url { get; init; } = "http://127.0.0.1:0";

    /// <summary>Where signed webhook events are POSTed (the hub's webhook endpoint); null sends none.</summary>
    public Uri? WebhookUrl { get; init; }

    /// <summary>The endpoint signing secret the simulator signs with (give the verifier the same).</summary>
    public string WebhookSecret { get; init; } = "whsec_cablehub_simulator";

    /// <summary>Attempts per event until a 2xx answer (Stripe retries for days; a test double, fewer).</summary>
    public int WebhookMaxAttempts { get; init; } = 5;

    /// <summary>Delay before the 2nd attempt, doubled for each further one.</summary>
    public TimeSpan WebhookRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>One attempt to deliver an event: when, HTTP status (0 when the request failed), error text.</summary>
public sealed record WebhookDelivery(string EventId, string EventType, int Attempt, DateTimeOffset At, int StatusCode, string? Error, string SignatureHeader)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
}

/// <summary>
/// A local stand-in for the Stripe API, for tests and the embedded default: an ASP.NET Core (Kestrel) server that
/// speaks the subset the hub uses — form-encoded POST /v1/payment_intents, /confirm, GET, POST /v1/refunds (plus GET of
/// refunds, charges, events) with Stripe's error JSON, Bearer API keys and Idempotency-Key semantics — answering with
/// objects built from Stripe's own example objects, and emitting signed webhook events (payment_intent.succeeded /
/// payment_failed, charge.refunded, …) to <see cref="StripeSimulatorOptions.WebhookUrl"/>, retried until a 2xx, each
/// attempt signed afresh (<c>Stripe-Signature: t=…,v1=…</c>) over the same body bytes. Memory only.
/// </summary>
public sealed class StripeSimulator : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly StripeSimulatorOptions options;
    private readonly StripeSimulatorEngine engine;
    private readonly Channel<(string EventId, byte[] Body, string Type)> outbox = Channel.CreateUnbounded<(string, byte[], string)>();
    private readonly ConcurrentDictionary<string, byte[]> bodies = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<WebhookDelivery> deliveries = new();
    private readonly HttpClient webhookClient = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly CancellationTokenSource stopping = new();
    private readonly ILogger logger;
    private readonly SemaphoreSlim delivered = new(0);
    private Task? sender;

    private StripeSimulator(WebApplication app, StripeSimulatorOptions options, ILogger logger)
    {
        this.app = app;
        this.options = options;
        this.logger = logger;
        engine = new StripeSimulatorEngine(options.Clock, options.WebhookUrl is not null, Publish);
    }

    /// <summary>http://127.0.0.1:PORT — give it to Stripe.net as the API base.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public string WebhookSecret => options.WebhookSecret;

    /// <summary>Every delivery attempt so far, in order.</summary>
    public IReadOnlyList<WebhookDelivery> Deliveries => deliveries.ToList();

    /// <summary>Ids of every event created, in order.</summary>
    public IReadOnlyList<string> EventIds => engine.EventIds;

    public static async Task<StripeSimulator> StartAsync(StripeSimulatorOptions? options = null, ILoggerFactory? loggers = null, CancellationToken ct = default)
    {
        options ??= new StripeSimulatorOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(options.Url);
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(k => k.AddServerHeader = false);
        var app = builder.Build();
        var simulator = new StripeSimulator(app, options, (loggers ?? NullLoggerFactory.Instance).CreateLogger<StripeSimulator>());
        app.Run(simulator.HandleAsync);
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        simulator.BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        simulator.sender = Task.Run(() => simulator.SendLoopAsync(simulator.stopping.Token), CancellationToken.None);
        simulator.logger.LogInformation("Stripe API simulator on {Address}; webhooks to {WebhookUrl}", simulator.BaseAddress, options.WebhookUrl?.ToString() ?? "(none)");
        return simulator;
    }

    /// <summary>The event as stored (what GET /v1/events/:id answers), or null.</summary>
    public JsonObject? GetEvent(string eventId) => engine.Event(eventId);

    /// <summary>Deliver an event again with a fresh signature (what <c>stripe events resend</c> does): same id, same body.</summary>
    public void Resend(string eventId)
    {
        if (!bodies.TryGetValue(eventId, out var body))
        {
            throw new ArgumentException($"no event {eventId} to resend", nameof(eventId));
        }

        var type = engine.Event(eventId)?["type"]?.GetValue<string>() ?? "";
        outbox.Writer.TryWrite((eventId, body, type));
    }

    /// <summary>The exact body bytes delivered for an event.</summary>
    public byte[] EventBody(string eventId) => bodies.TryGetValue(eventId, out var body) ? body.ToArray() : throw new ArgumentException($"no event {eventId}", nameof(eventId));

    /// <summary>Waits until at least <paramref name="count"/> delivery attempts were made in total.</summary>
    public async Task WaitForDeliveriesAsync(int count, CancellationToken ct)
    {
        while (deliveries.Count < count)
        {
            await delivered.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> attempts matching <paramref name="match"/> were made; returns them.</summary>
    public async Task<IReadOnlyList<WebhookDelivery>> WaitForDeliveriesAsync(Func<WebhookDelivery, bool> match, int count, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(match);
        while (true)
        {
            var seen = deliveries.Count;
            var found = deliveries.Where(match).ToList();
            if (found.Count >= count)
            {
                return found;
            }

            await WaitForDeliveriesAsync(seen + 1, ct).ConfigureAwait(false);
        }
    }

    /// <summary><c>t=&lt;timestamp&gt;,v1=&lt;HMAC-SHA256(secret, "t." + body)&gt;</c> for a body, as Stripe signs.</summary>
    public static string SignatureHeader(byte[] body, string secret, long timestamp)
    {
        ArgumentNullException.ThrowIfNull(body);
        var t = timestamp.ToString(CultureInfo.InvariantCulture);
        return $"t={t},v1={EventUtility.ComputeSignature(secret, t, Encoding.UTF8.GetString(body))}";
    }

    public async ValueTask DisposeAsync()
    {
        outbox.Writer.TryComplete();
        await stopping.CancelAsync().ConfigureAwait(false);
        if (sender is not null)
        {
            try
            {
                await sender.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        webhookClient.Dispose();
        stopping.Dispose();
        delivered.Dispose();
    }

    private void Publish(string eventId, JsonObject stripeEvent)
    {
        var body = Encoding.UTF8.GetBytes(stripeEvent.ToJsonString());
        bodies[eventId] = body;
        if (options.WebhookUrl is not null)
        {
            outbox.Writer.TryWrite((eventId, body, stripeEvent["type"]!.GetValue<string>()));
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var parameters = new List<KeyValuePair<string, string>>();
        foreach (var (key, values) in request.Query)
        {
            parameters.AddRange(values.Select(v => new KeyValuePair<string, string>(key, v ?? "")));
        }

        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            foreach (var (key, values) in form)
            {
                parameters.AddRange(values.Select(v => new KeyValuePair<string, string>(key, v ?? "")));
            }
        }

        string? apiKey = null;
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            apiKey = authorization[7..].Trim();
        }
        else if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            // curl -u sk_test_…: (Stripe's documented curl usage): the key is the user name
            try
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
                apiKey = pair.Split(':', 2)[0];
            }
            catch (FormatException)
            {
                apiKey = null;
            }
        }

        var idempotencyKey = request.Headers["Idempotency-Key"].ToString();
        var response = engine.Handle(new StripeRequest(request.Method, request.Path.Value ?? "/", parameters, apiKey, idempotencyKey.Length == 0 ? null : idempotencyKey));

        context.Response.StatusCode = response.Status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["Request-Id"] = response.RequestId;
        context.Response.Headers["Stripe-Version"] = StripeConfiguration.ApiVersion;
        if (idempotencyKey.Length > 0 && request.Method == "POST")
        {
            context.Response.Headers["Idempotency-Key"] = idempotencyKey;
        }

        if (response.Replayed)
        {
            context.Response.Headers["Idempotent-Replayed"] = "true";
        }

        await context.Response.WriteAsync(response.Body.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }

    private async Task SendLoopAsync(CancellationToken ct)
    {
        await foreach (var (eventId, body, type) in outbox.Reader.ReadAllAsync(ct).ConfigureAwait(false))
        {
            var delay = options.WebhookRetryDelay;
            for (var attempt = 1; attempt <= options.WebhookMaxAttempts; attempt++)
            {
                var now = options.Clock.GetUtcNow();
                var header = SignatureHeader(body, options.WebhookSecret, now.ToUnixTimeSeconds());
                int status;
                string? error = null;
                try
                {
                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                    using var message = new HttpRequestMessage(HttpMethod.Post, options.WebhookUrl) { Content = content };
                    message.Headers.TryAddWithoutValidation("Stripe-Signature", header);
                    message.Headers.UserAgent.ParseAdd("Stripe/1.0 (+https://stripe.com/docs/webhooks)");
                    using var answer = await webhookClient.SendAsync(message, ct).ConfigureAwait(false);
                    status = (int)answer.StatusCode;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    status = 0;
                    error = ex.Message;
                }

                var delivery = new WebhookDelivery(eventId, type, attempt, now, status, error, header);
                deliveries.Enqueue(delivery);
                delivered.Release();
                if (delivery.Succeeded)
                {
                    break;
                }

                logger.LogWarning("webhook {EventId} ({Type}) attempt {Attempt} failed: {Status} {Error}", eventId, type, attempt, status, error);
                if (attempt < options.WebhookMaxAttempts)
                {
                    await Task.Delay(delay, options.Clock, ct).ConfigureAwait(false);
                    delay *= 2;
                }
            }
        }
    }
}
