namespace CableHub.Connectors.Stripe;

/// <summary>
/// How the hub talks to Stripe. Production: <see cref="ApiBase"/> https://api.stripe.com (the default), a secret key,
/// the webhook endpoint's signing secret. Tests and the embedded default point <see cref="ApiBase"/> at the local
/// <see cref="Simulator.StripeSimulator"/>.
/// </summary>
public sealed record StripeOptions
{
    public const string StripeApiBase = "https://api.stripe.com";

    /// <summary>Secret API key (sk_live_… / sk_test_…).</summary>
    public string ApiKey { get; init; } = "";

    /// <summary>The API base URL (scheme, host, port; no path).</summary>
    public string ApiBase { get; init; } = StripeApiBase;

    /// <summary>The webhook endpoint's signing secret (whsec_…).</summary>
    public string WebhookSecret { get; init; } = "";

    /// <summary>How far the signed timestamp may be from now (Stripe's default: 300 s).</summary>
    public TimeSpan WebhookTolerance { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Retries Stripe.net makes itself on network errors / 409 / 5xx, with the same idempotency key.</summary>
    public int MaxNetworkRetries { get; init; } = 2;

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
