using CableHub.Connectors.Stripe.Simulator;
using CableHub.Core.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CableHub.Connectors.Stripe;

/// <summary>
/// The composition the host needs, one call: with <see cref="StripeOptions.ApiBase"/> set, the real Stripe (or any
/// Stripe-compatible base URL); with it empty, the embedded default — a <see cref="StripeSimulator"/> started in-process
/// on loopback, the gateway pointed at it, its webhooks sent to <paramref name="webhookUrl"/> (the hub's endpoint)
/// signed with <see cref="StripeOptions.WebhookSecret"/>. Production is one setting away: ApiBase, ApiKey, WebhookSecret.
/// </summary>
public sealed class StripePayments : IAsyncDisposable
{
    public const string SimulatorApiKey = "sk_test_cablehub_simulator";
    public const string SimulatorWebhookSecret = "whsec_cablehub_simulator";

    private readonly StripePaymentGateway gateway;

    private StripePayments(StripePaymentGateway gateway, StripeWebhookVerifier verifier, StripeSimulator? simulator)
    {
        this.gateway = gateway;
        Webhooks = verifier;
        Simulator = simulator;
    }

    public IPaymentGateway Gateway => gateway;

    public IPaymentWebhookVerifier Webhooks { get; }

    /// <summary>The embedded simulator, when running one (dev/CI only).</summary>
    public StripeSimulator? Simulator { get; }

    public static async Task<StripePayments> StartAsync(StripeOptions options, Uri? webhookUrl, TimeProvider clock, ILoggerFactory? loggers = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        loggers ??= NullLoggerFactory.Instance;
        if (!string.IsNullOrWhiteSpace(options.ApiBase))
        {
            return new StripePayments(new StripePaymentGateway(options), new StripeWebhookVerifier(options, clock), null);
        }

        var secret = string.IsNullOrWhiteSpace(options.WebhookSecret) ? SimulatorWebhookSecret : options.WebhookSecret;
        var simulator = await StripeSimulator.StartAsync(new StripeSimulatorOptions { WebhookUrl = webhookUrl, WebhookSecret = secret, Clock = clock }, loggers, ct).ConfigureAwait(false);
        loggers.CreateLogger<StripePayments>().LogWarning(
            "Payments: EMBEDDED Stripe API simulator on {Address} (dev-only, memory only); set Payments:Stripe:ApiBase, ApiKey and WebhookSecret for Stripe",
            simulator.BaseAddress);
        var local = options with
        {
            ApiBase = simulator.BaseAddress.ToString().TrimEnd('/'),
            ApiKey = string.IsNullOrWhiteSpace(options.ApiKey) ? SimulatorApiKey : options.ApiKey,
            WebhookSecret = secret,
        };
        return new StripePayments(new StripePaymentGateway(local), new StripeWebhookVerifier(local, clock), simulator);
    }

    public async ValueTask DisposeAsync()
    {
        gateway.Dispose();
        if (Simulator is not null)
        {
            await Simulator.DisposeAsync().ConfigureAwait(false);
        }
    }
}
