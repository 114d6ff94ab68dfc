using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace CableHub.Connectors.Stripe.Simulator;

/// <summary>
/// Stripe's own example objects (stripe-mock's <c>fixtures3.json</c>, embedded byte-identical, provenance in
/// <c>Simulator/Fixtures/PROVENANCE.txt</c>): every object the simulator returns starts as a deep copy of the example
/// of its resource, so field names and shapes are Stripe's, not ours.
/// </summary>
internal static class StripeFixtures
{
    private const string Resource = "CableHub.Connectors.Stripe.Simulator.Fixtures.fixtures3.json";
    private const string IdAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static readonly Lazy<JsonObject> Resources = new(Load);

    /// <summary>A fresh copy of Stripe's example object for a resource (payment_intent, charge, refund, event, payment_method).</summary>
    public static JsonObject Example(string resource) =>
        (Resources.Value[resource] as JsonObject ?? throw new InvalidOperationException($"no example object for {resource}")).DeepClone().AsObject();

    /// <summary>A Stripe-looking id: prefix + 24 random letters/digits (pi_3Pgafy…).</summary>
    public static string NewId(string prefix) => prefix + "_" + RandomNumberGenerator.GetString(IdAlphabet, 24);

    private static JsonObject Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException("fixtures3.json is not embedded");
        var root = JsonNode.Parse(stream)?.AsObject() ?? throw new InvalidOperationException("fixtures3.json is empty");
        return root["resources"]?.AsObject() ?? throw new InvalidOperationException("fixtures3.json has no resources");
    }
}
