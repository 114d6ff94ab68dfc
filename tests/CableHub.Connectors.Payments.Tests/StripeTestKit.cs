using System.Collections.Concurrent;
using CableHub.Connectors.Stripe;
using CableHub.Connectors.Stripe.Simulator;
using CableHub.Core.Ports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CableHub.Connectors.Payments.Tests;

/// <summary>A clock the test sets.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>
/// What the hub's webhook endpoint will do, in miniature: read the RAW body, verify, answer 400 and apply nothing for a
/// rejected delivery, apply an accepted event once per event id (the unique record billing keeps), 200 otherwise.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly SemaphoreSlim signal = new(0);

    private WebhookReceiver(WebApplication app) => this.app = app;

    public Uri Url { get; private set; } = new("http://127.0.0.1/");

    public IPaymentWebhookVerifier? Verifier { get; set; }

    public ConcurrentQueue<PaymentWebhookVerification> Outcomes { get; } = new();

    /// <summary>Events applied, at most once per event id.</summary>
    public ConcurrentDictionary<string, PaymentEvent> Applied { get; } = new();

    public ConcurrentQueue<string> Duplicates { get; } = new();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/webhooks/stripe", (Delegate)receiver.HandleAsync);
        await app.StartAsync();
        receiver.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/webhooks/stripe");
        return receiver;
    }

    public async Task<T> WaitForAsync<T>(Func<PaymentWebhookVerification, T?> match, TimeSpan? timeout = null)
        where T : class
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            foreach (var outcome in Outcomes)
            {
                if (match(outcome) is { } found)
                {
                    return found;
                }
            }

            await signal.WaitAsync(cts.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        signal.Dispose();
    }

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var outcome = Verifier!.Verify(buffer.ToArray(), context.Request.Headers["Stripe-Signature"].ToString());
        IResult result;
        switch (outcome)
        {
            case PaymentWebhookVerification.Accepted accepted:
                if (!Applied.TryAdd(accepted.Event.EventId, accepted.Event))
                {
                    Duplicates.Enqueue(accepted.Event.EventId);
                }

                result = Results.Ok();
                break;
            case PaymentWebhookVerification.Rejected:
                result = Results.BadRequest();
                break;
            default:
                result = Results.Ok();
                break;
        }

        Outcomes.Enqueue(outcome);
        signal.Release();
        return result;
    }
}

/// <summary>A simulator, a receiver for its webhooks, and the Stripe.net gateway pointed at the simulator.</summary>
internal sealed class StripeWorld : IAsyncDisposable
{
    public const string Secret = "whsec_test_cablehub";

    private StripeWorld(StripeSimulator simulator, WebhookReceiver receiver, StripePaymentGateway gateway)
    {
        Simulator = simulator;
        Receiver = receiver;
        Gateway = gateway;
    }

    public StripeSimulator Simulator { get; }

    public WebhookReceiver Receiver { get; }

    public StripePaymentGateway Gateway { get; }

    public static async Task<StripeWorld> StartAsync(int maxAttempts = 5, string receiverSecret = Secret)
    {
        var receiver = await WebhookReceiver.StartAsync();
        receiver.Verifier = new StripeWebhookVerifier(receiverSecret, TimeSpan.FromSeconds(300), TimeProvider.System);
        var simulator = await StripeSimulator.StartAsync(new StripeSimulatorOptions
        {
            WebhookUrl = receiver.Url,
            WebhookSecret = Secret,
            WebhookMaxAttempts = maxAttempts,
            WebhookRetryDelay = TimeSpan.FromMilliseconds(20),
        });
        var gateway = new StripePaymentGateway(new StripeOptions
        {
            ApiBase = simulator.BaseAddress.ToString(),
            ApiKey = "sk_test_cablehub_tests",
            WebhookSecret = Secret,
            MaxNetworkRetries = 0,
        });
        return new StripeWorld(simulator, receiver, gateway);
    }

    public async ValueTask DisposeAsync()
    {
        Gateway.Dispose();
        await Simulator.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}
