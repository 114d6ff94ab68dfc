using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Stripe;

namespace CableHub.Connectors.Stripe.Simulator;

/// <summary>A request as the API sees it: form/query parameters in Stripe's bracket encoding.</summary>
internal sealed record StripeRequest(string Method, string Path, IReadOnlyList<KeyValuePair<string, string>> Parameters, string? ApiKey, string? IdempotencyKey)
{
    public string? Get(string name)
    {
        foreach (var (key, value) in Parameters)
        {
            if (string.Equals(key, name, StringComparison.Ordinal))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>"metadata[invoice]=X" → {invoice: X}.</summary>
    public Dictionary<string, string> Hash(string name)
    {
        var prefix = name + "[";
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in Parameters)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal) && key.EndsWith(']'))
            {
                result[key[prefix.Length..^1]] = value;
            }
        }

        return result;
    }

    /// <summary>"expand[0]=a&amp;expand[1]=b", "expand[]=a" or "expand=a" → [a, b].</summary>
    public List<string> List(string name) =>
        Parameters.Where(p => string.Equals(p.Key, name, StringComparison.Ordinal) || (p.Key.StartsWith(name + "[", StringComparison.Ordinal) && p.Key.EndsWith(']')))
            .Select(p => p.Value).ToList();

    /// <summary>What "the same request" means for idempotency: method, path and the parameters in order-free form.</summary>
    public string Fingerprint() =>
        Method + " " + Path + "?" + string.Join('&', Parameters.Select(p => p.Key + "=" + p.Value).Order(StringComparer.Ordinal));
}

/// <summary>An answer: status code, Stripe JSON, and whether it is a replay of a stored idempotent result.</summary>
internal sealed record StripeResponse(int Status, JsonObject Body, bool Replayed = false, string? RequestId = null);

/// <summary>An API error in Stripe's shape: <c>{"error":{"type","code","message","param","doc_url"…}}</c>.</summary>
internal sealed class StripeApiError : Exception
{
    public StripeApiError(int status, string type, string? code, string message, string? param = null, JsonObject? extra = null)
        : base(message)
    {
        Status = status;
        Type = type;
        Code = code;
        Param = param;
        Extra = extra;
    }

    public StripeApiError()
    {
    }

    public StripeApiError(string message)
        : base(message)
    {
    }

    public StripeApiError(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Status { get; } = 400;

    public string Type { get; } = "invalid_request_error";

    public string? Code { get; }

    public string? Param { get; }

    public JsonObject? Extra { get; }

    /// <summary>Whether the endpoint had begun executing: Stripe stores idempotent results only then (card declines
    /// yes, parameter validation errors no).</summary>
    public bool Executed => Status == 402;

    public JsonObject ToJson()
    {
        var error = new JsonObject();
        if (Extra is not null)
        {
            foreach (var (key, value) in Extra)
            {
                error[key] = value?.DeepClone();
            }
        }

        if (Code is not null)
        {
            error["code"] = Code;
            error["doc_url"] = "https://stripe.com/docs/error-codes/" + Code.Replace('_', '-');
        }

        error["message"] = Message;
        if (Param is not null)
        {
            error["param"] = Param;
        }

        error["type"] = Type;
        return new JsonObject { ["error"] = error };
    }
}

/// <summary>
/// The state and rules of the simulated Stripe account: PaymentIntents (create, confirm, retrieve), charges, refunds,
/// events, and Idempotency-Key handling as Stripe documents it (same key + same parameters → the stored response
/// replayed with <c>Idempotent-Replayed: true</c>; same key + other parameters or another endpoint → 400
/// <c>idempotency_error</c>; results stored only once the endpoint executed; keys kept 24 h). One lock serialises
/// requests: this is a test double, not a throughput engine. Events are handed to <paramref name="publish"/>.
/// </summary>
internal sealed partial class StripeSimulatorEngine
{
    private static readonly TimeSpan KeyLifetime = TimeSpan.FromHours(24);
    private readonly object gate = new();
    private readonly TimeProvider clock;
    private readonly Action<string, JsonObject> publish;
    private readonly Dictionary<string, JsonObject> intents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> charges = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> refunds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> events = new(StringComparer.Ordinal);
    private readonly List<string> eventOrder = [];
    private readonly Dictionary<string, IdempotentResult> idempotent = new(StringComparer.Ordinal);
    private readonly bool webhooksConfigured;

    public StripeSimulatorEngine(TimeProvider clock, bool webhooksConfigured, Action<string, JsonObject> publish)
    {
        this.clock = clock;
        this.webhooksConfigured = webhooksConfigured;
        this.publish = publish;
    }

    private sealed record IdempotentResult(string Fingerprint, StripeResponse Response, DateTimeOffset StoredAt);

    public IReadOnlyList<string> EventIds
    {
        get
        {
            lock (gate)
            {
                return eventOrder.ToList();
            }
        }
    }

    public JsonObject? Event(string id)
    {
        lock (gate)
        {
            return events.TryGetValue(id, out var e) ? e.DeepClone().AsObject() : null;
        }
    }

    public StripeResponse Handle(StripeRequest request)
    {
        var requestId = StripeFixtures.NewId("req");
        try
        {
            Authenticate(request.ApiKey);
            lock (gate)
            {
                if (request.Method == "POST" && request.IdempotencyKey is { } key)
                {
                    return Idempotent(request, key, requestId);
                }

                return Route(request, requestId);
            }
        }
        catch (StripeApiError error)
        {
            return new StripeResponse(error.Status, error.ToJson(), RequestId: requestId);
        }
#pragma warning disable CA1031 // a simulator bug answers as Stripe's api_error (500), never as an empty response
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return new StripeResponse(500, new StripeApiError(500, "api_error", null, $"simulator error: {ex.GetType().Name}: {ex.Message}").ToJson(), RequestId: requestId);
        }
    }

    private StripeResponse Idempotent(StripeRequest request, string key, string requestId)
    {
        if (key.Length > 255)
        {
            throw new StripeApiError(400, "invalid_request_error", null, "Idempotency-Key must be at most 255 characters long.");
        }

        var scoped = request.ApiKey + "\n" + key;
        var now = clock.GetUtcNow();
        var fingerprint = request.Fingerprint();
        if (idempotent.TryGetValue(scoped, out var stored) && now - stored.StoredAt < KeyLifetime)
        {
            if (!string.Equals(stored.Fingerprint, fingerprint, StringComparison.Ordinal))
            {
                throw new StripeApiError(400, "idempotency_error", null,
                    $"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request.");
            }

            return stored.Response with { Replayed = true };
        }

        StripeResponse response;
        try
        {
            response = Route(request, requestId);
        }
        catch (StripeApiError error) when (error.Executed)
        {
            response = new StripeResponse(error.Status, error.ToJson(), RequestId: requestId);
        }

        idempotent[scoped] = new IdempotentResult(fingerprint, response, now);
        return response;
    }

    private StripeResponse Route(StripeRequest r, string requestId)
    {
        var segments = r.Path.Trim('/').Split('/');
        var body = (r.Method, segments) switch
        {
            ("POST", ["v1", "payment_intents"]) => CreateIntent(r, requestId),
            ("POST", ["v1", "payment_intents", var id, "confirm"]) => ConfirmIntent(id, r, requestId),
            ("GET", ["v1", "payment_intents", var id]) => Expand(Find(intents, id, "payment_intent", "intent"), r),
            ("POST", ["v1", "refunds"]) => CreateRefund(r, requestId),
            ("GET", ["v1", "refunds", var id]) => Find(refunds, id, "refund", "refund").DeepClone().AsObject(),
            ("GET", ["v1", "charges", var id]) => Find(charges, id, "charge", "charge").DeepClone().AsObject(),
            ("GET", ["v1", "events", var id]) => Find(events, id, "event", "id").DeepClone().AsObject(),
            _ => throw new StripeApiError(404, "invalid_request_error", null,
                $"Unrecognized request URL ({r.Method}: {r.Path}). This simulator speaks POST /v1/payment_intents, POST /v1/payment_intents/:id/confirm, GET /v1/payment_intents/:id, POST /v1/refunds, GET /v1/refunds/:id, GET /v1/charges/:id, GET /v1/events/:id."),
        };
        return new StripeResponse(200, body, RequestId: requestId);
    }

    private JsonObject CreateIntent(StripeRequest r, string requestId)
    {
        var amount = RequiredAmount(r, "amount");
        var currency = RequiredCurrency(r);
        var metadata = Metadata(r);
        var token = r.Get("payment_method");
        var card = token is null ? null : FindCard(token);
        var confirm = Bool(r, "confirm");
        var expand = ExpandList(r);
        var captureMethod = r.Get("capture_method") ?? "automatic";
        if (captureMethod != "automatic" && captureMethod != "automatic_async")
        {
            throw new StripeApiError(400, "invalid_request_error", "parameter_unknown", $"capture_method {captureMethod} is not supported by the simulator.", "capture_method");
        }

        if (confirm && card is null)
        {
            throw new StripeApiError(400, "invalid_request_error", "payment_intent_unexpected_state",
                "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with a payment method, update it with a payment_method or pass one on confirm.");
        }

        var id = StripeFixtures.NewId("pi");
        var pi = StripeFixtures.Example("payment_intent");
        pi["id"] = id;
        pi["amount"] = amount;
        pi["amount_capturable"] = 0;
        pi["amount_details"] = new JsonObject { ["tip"] = new JsonObject() };
        pi["amount_received"] = 0;
        pi["automatic_payment_methods"] = null;
        pi["canceled_at"] = null;
        pi["cancellation_reason"] = null;
        pi["capture_method"] = captureMethod;
        pi["client_secret"] = $"{id}_secret_{RandomNumberGenerator.GetString("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 25)}";
        pi["created"] = Now();
        pi["currency"] = currency;
        pi["customer"] = r.Get("customer");
        pi["description"] = r.Get("description");
        pi["last_payment_error"] = null;
        pi["latest_charge"] = null;
        pi["livemode"] = false;
        pi["metadata"] = Json(metadata);
        pi["next_action"] = null;
        pi["payment_method"] = card?.Token;
        pi["payment_method_configuration_details"] = null;
        pi["payment_method_types"] = new JsonArray("card");
        pi["processing"] = null;
        pi["shipping"] = null;
        pi["transfer_data"] = null;
        pi["status"] = card is null ? "requires_payment_method" : "requires_confirmation";
        intents[id] = pi;
        Emit("payment_intent.created", pi, r, requestId);

        if (confirm)
        {
            Attempt(pi, card!, r, requestId);
        }

        return Expand(pi, expand);
    }

    private JsonObject ConfirmIntent(string id, StripeRequest r, string requestId)
    {
        var pi = Find(intents, id, "payment_intent", "intent");
        var expand = ExpandList(r);
        var status = (string)pi["status"]!;
        if (status is not ("requires_payment_method" or "requires_confirmation" or "requires_action"))
        {
            throw new StripeApiError(400, "invalid_request_error", "payment_intent_unexpected_state",
                $"You cannot confirm this PaymentIntent because it has a status of {status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_action, requires_payment_method.",
                extra: new JsonObject { ["payment_intent"] = pi.DeepClone() });
        }

        var token = r.Get("payment_method") ?? (string?)pi["payment_method"];
        if (token is null)
        {
            throw new StripeApiError(400, "invalid_request_error", "payment_intent_unexpected_state",
                "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with a payment method, update it with a payment_method or pass one on confirm.");
        }

        Attempt(pi, FindCard(token), r, requestId);
        return Expand(pi, expand);
    }

    /// <summary>Charge the card: success, decline (HTTP 402 with the PaymentIntent inside the error), or 3-D Secure.</summary>
    private void Attempt(JsonObject pi, TestCard card, StripeRequest r, string requestId)
    {
        var id = (string)pi["id"]!;
        pi["payment_method"] = card.Token;
        if (card.Outcome == CardOutcome.RequiresAuthentication)
        {
            pi["status"] = "requires_action";
            pi["next_action"] = new JsonObject { ["type"] = "use_stripe_sdk", ["use_stripe_sdk"] = new JsonObject { ["type"] = "three_d_secure_redirect" } };
            Emit("payment_intent.requires_action", pi, r, requestId);
            return;
        }

        var charge = NewCharge(pi, card);
        pi["latest_charge"] = charge["id"]!.GetValue<string>();
        if (card.Outcome == CardOutcome.Succeeds)
        {
            pi["status"] = "succeeded";
            pi["amount_received"] = Long(pi["amount"]);
            pi["last_payment_error"] = null;
            pi["next_action"] = null;
            Emit("charge.succeeded", charge, r, requestId);
            Emit("payment_intent.succeeded", pi, r, requestId);
            return;
        }

        var paymentMethod = PaymentMethodObject(card);
        pi["status"] = "requires_payment_method";
        pi["payment_method"] = null;
        pi["last_payment_error"] = new JsonObject
        {
            ["charge"] = charge["id"]!.GetValue<string>(),
            ["code"] = card.Code,
            ["decline_code"] = card.DeclineCode,
            ["doc_url"] = "https://stripe.com/docs/error-codes/" + card.Code!.Replace('_', '-'),
            ["message"] = card.Message,
            ["payment_method"] = paymentMethod.DeepClone(),
            ["type"] = "card_error",
        };
        Emit("charge.failed", charge, r, requestId);
        Emit("payment_intent.payment_failed", pi, r, requestId);
        throw new StripeApiError(402, "card_error", card.Code, card.Message!, extra: new JsonObject
        {
            ["charge"] = charge["id"]!.GetValue<string>(),
            ["decline_code"] = card.DeclineCode,
            ["payment_intent"] = pi.DeepClone(),
            ["payment_method"] = paymentMethod,
            ["request_log_url"] = $"https://dashboard.stripe.com/test/logs/{requestId}",
        });
    }

    private JsonObject NewCharge(JsonObject pi, TestCard card)
    {
        var succeeded = card.Outcome == CardOutcome.Succeeds;
        var amount = Long(pi["amount"]);
        var id = StripeFixtures.NewId("ch");
        var ch = StripeFixtures.Example("charge");
        ch["id"] = id;
        ch["amount"] = amount;
        ch["amount_captured"] = succeeded ? amount : 0;
        ch["amount_refunded"] = 0;
        ch["balance_transaction"] = succeeded ? StripeFixtures.NewId("txn") : null;
        ch["billing_details"] = new JsonObject
        {
            ["address"] = new JsonObject { ["city"] = null, ["country"] = null, ["line1"] = null, ["line2"] = null, ["postal_code"] = null, ["state"] = null },
            ["email"] = null,
            ["name"] = null,
            ["phone"] = null,
            ["tax_id"] = null,
        };
        ch["calculated_statement_descriptor"] = "CABLEHUB";
        ch["captured"] = succeeded;
        ch["created"] = Now();
        ch["currency"] = pi["currency"]!.GetValue<string>();
        ch["customer"] = pi["customer"]?.DeepClone();
        ch["description"] = pi["description"]?.DeepClone();
        ch["failure_code"] = succeeded ? null : card.Code;
        ch["failure_message"] = succeeded ? null : card.Message;
        ch["metadata"] = pi["metadata"]!.DeepClone();
        ch["outcome"] = new JsonObject
        {
            ["advice_code"] = null,
            ["network_advice_code"] = null,
            ["network_decline_code"] = null,
            ["network_status"] = succeeded ? "approved_by_network" : "declined_by_network",
            ["reason"] = succeeded ? null : card.DeclineCode,
            ["risk_level"] = "normal",
            ["seller_message"] = succeeded ? "Payment complete." : "The bank did not return any further details with this decline.",
            ["type"] = succeeded ? "authorized" : "issuer_declined",
        };
        ch["paid"] = succeeded;
        ch["payment_intent"] = pi["id"]!.GetValue<string>();
        ch["payment_method"] = card.Token;
        var details = ch["payment_method_details"]!.AsObject();
        var c = details["card"]!.AsObject();
        c["brand"] = card.Brand;
        c["last4"] = card.Last4;
        c["country"] = card.Country;
        c["funding"] = card.Funding;
        c["network"] = card.Brand;
        c["fingerprint"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(card.Token)))[..16];
        c["wallet"] = null;
        ch["receipt_url"] = null;
        ch["refunded"] = false;
        ch["refunds"] = new JsonObject { ["object"] = "list", ["data"] = new JsonArray(), ["has_more"] = false, ["url"] = $"/v1/charges/{id}/refunds" };
        ch["shipping"] = null;
        ch["source"] = null;
        ch["status"] = succeeded ? "succeeded" : "failed";
        ch["transfer_data"] = null;
        charges[id] = ch;
        return ch;
    }

    private JsonObject CreateRefund(StripeRequest r, string requestId)
    {
        var intentId = r.Get("payment_intent");
        var chargeId = r.Get("charge");
        JsonObject charge;
        if (intentId is not null)
        {
            var pi = Find(intents, intentId, "payment_intent", "payment_intent");
            if ((string?)pi["status"] != "succeeded" || pi["latest_charge"] is null)
            {
                throw new StripeApiError(400, "invalid_request_error", null, "This PaymentIntent does not have a successful charge to refund.", "payment_intent");
            }

            charge = charges[(string)pi["latest_charge"]!];
        }
        else if (chargeId is not null)
        {
            charge = Find(charges, chargeId, "charge", "charge");
            if ((string?)charge["status"] != "succeeded")
            {
                throw new StripeApiError(400, "invalid_request_error", null, $"Charge {chargeId} has not succeeded and cannot be refunded.", "charge");
            }
        }
        else
        {
            throw new StripeApiError(400, "invalid_request_error", "parameter_missing", "One of the following params should be provided for this request: payment_intent or charge.");
        }

        var reason = r.Get("reason");
        if (reason is not (null or "duplicate" or "fraudulent" or "requested_by_customer"))
        {
            throw new StripeApiError(400, "invalid_request_error", "parameter_invalid_string", $"Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer", "reason");
        }

        var metadata = Metadata(r);
        var total = Long(charge["amount"]);
        var refunded = Long(charge["amount_refunded"]);
        var left = total - refunded;
        var chId = (string)charge["id"]!;
        if (left == 0)
        {
            throw new StripeApiError(400, "invalid_request_error", "charge_already_refunded", $"Charge {chId} has already been refunded.");
        }

        var amount = r.Get("amount") is null ? left : RequiredAmount(r, "amount");
        if (amount > left)
        {
            var currency = (string)charge["currency"]!;
            throw new StripeApiError(400, "invalid_request_error", "amount_too_large",
                $"Refund amount ({Format(amount, currency)}) is greater than unrefunded amount on charge ({Format(left, currency)})", "amount");
        }

        var id = StripeFixtures.NewId("re");
        var re = StripeFixtures.Example("refund");
        re["id"] = id;
        re["amount"] = amount;
        re["balance_transaction"] = StripeFixtures.NewId("txn");
        re["charge"] = chId;
        re["created"] = Now();
        re["currency"] = charge["currency"]!.GetValue<string>();
        re["metadata"] = Json(metadata);
        re["payment_intent"] = charge["payment_intent"]?.DeepClone();
        re["reason"] = reason;
        re["status"] = "succeeded";
        refunds[id] = re;

        var previous = new JsonObject { ["amount_refunded"] = refunded, ["refunded"] = false };
        charge["amount_refunded"] = refunded + amount;
        charge["refunded"] = refunded + amount == total;
        charge["refunds"]!["data"]!.AsArray().Insert(0, re.DeepClone());
        Emit("refund.created", re, r, requestId);
        Emit("charge.refunded", charge, r, requestId, previous);
        // the PaymentIntent keeps status succeeded, as on Stripe
        return re.DeepClone().AsObject();
    }

    private void Emit(string type, JsonObject obj, StripeRequest r, string requestId, JsonObject? previousAttributes = null)
    {
        var e = StripeFixtures.Example("event");
        var id = StripeFixtures.NewId("evt");
        e["id"] = id;
        e["api_version"] = StripeConfiguration.ApiVersion;
        e["created"] = Now();
        var data = new JsonObject { ["object"] = obj.DeepClone() };
        if (previousAttributes is not null)
        {
            data["previous_attributes"] = previousAttributes;
        }

        e["data"] = data;
        e["livemode"] = false;
        e["pending_webhooks"] = webhooksConfigured ? 1 : 0;
        e["request"] = new JsonObject { ["id"] = requestId, ["idempotency_key"] = r.IdempotencyKey };
        e["type"] = type;
        events[id] = e;
        eventOrder.Add(id);
        publish(id, e.DeepClone().AsObject());
    }

    private JsonObject Expand(JsonObject pi, StripeRequest r) => Expand(pi, ExpandList(r));

    private JsonObject Expand(JsonObject pi, List<string> expand)
    {
        var copy = pi.DeepClone().AsObject();
        if (expand.Contains("latest_charge") && copy["latest_charge"] is JsonValue chargeId && charges.TryGetValue(chargeId.GetValue<string>(), out var charge))
        {
            copy["latest_charge"] = charge.DeepClone();
        }

        if (expand.Contains("payment_method") && copy["payment_method"] is JsonValue token && TestCard.Find(token.GetValue<string>()) is { } card)
        {
            copy["payment_method"] = PaymentMethodObject(card);
        }

        return copy;
    }

    private static List<string> ExpandList(StripeRequest r)
    {
        var expand = r.List("expand");
        foreach (var field in expand)
        {
            if (field is not ("latest_charge" or "payment_method"))
            {
                throw new StripeApiError(400, "invalid_request_error", null, $"This property cannot be expanded ({field}). The simulator expands latest_charge and payment_method.", "expand");
            }
        }

        return expand;
    }

    private JsonObject PaymentMethodObject(TestCard card)
    {
        var pm = StripeFixtures.Example("payment_method");
        pm["id"] = card.Token;
        pm["created"] = Now();
        pm["customer"] = null;
        pm["metadata"] = new JsonObject();
        pm["billing_details"] = new JsonObject
        {
            ["address"] = new JsonObject { ["city"] = null, ["country"] = null, ["line1"] = null, ["line2"] = null, ["postal_code"] = null, ["state"] = null },
            ["email"] = null,
            ["name"] = null,
            ["phone"] = null,
            ["tax_id"] = null,
        };
        var c = pm["card"]!.AsObject();
        c["brand"] = card.Brand;
        c["display_brand"] = card.Brand;
        c["last4"] = card.Last4;
        c["country"] = card.Country;
        c["funding"] = card.Funding;
        c["networks"] = new JsonObject { ["available"] = new JsonArray(card.Brand), ["preferred"] = null };
        c["wallet"] = null;
        return pm;
    }

    private static TestCard FindCard(string token) =>
        TestCard.Find(token) ?? throw new StripeApiError(400, "invalid_request_error", "resource_missing",
            $"No such PaymentMethod: '{token}'. The simulator knows Stripe's test tokens: {string.Join(", ", TestCard.Tokens)}.", "payment_method");

    private static JsonObject Find(Dictionary<string, JsonObject> store, string id, string resource, string param) =>
        store.TryGetValue(id, out var found)
            ? found
            : throw new StripeApiError(404, "invalid_request_error", "resource_missing", $"No such {resource}: '{id}'", param);

    private static void Authenticate(string? apiKey)
    {
        if (string.IsNullOrEmpty(apiKey))
        {
            throw new StripeApiError(401, "invalid_request_error", null,
                "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').");
        }

        if (!apiKey.StartsWith("sk_", StringComparison.Ordinal) && !apiKey.StartsWith("rk_", StringComparison.Ordinal))
        {
            throw new StripeApiError(401, "invalid_request_error", null, $"Invalid API Key provided: {apiKey[..Math.Min(8, apiKey.Length)]}****");
        }
    }

    private static long RequiredAmount(StripeRequest r, string name)
    {
        var text = r.Get(name) ?? throw new StripeApiError(400, "invalid_request_error", "parameter_missing", $"Missing required param: {name}.", name);
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw new StripeApiError(400, "invalid_request_error", "parameter_invalid_integer", $"Invalid integer: {text}", name);
        }

        return value >= 1 ? value : throw new StripeApiError(400, "invalid_request_error", "parameter_invalid_integer", "This value must be greater than or equal to 1.", name);
    }

    private static string RequiredCurrency(StripeRequest r)
    {
        var text = r.Get("currency") ?? throw new StripeApiError(400, "invalid_request_error", "parameter_missing", "Missing required param: currency.", "currency");
        var lower = text.ToLowerInvariant();
        return CurrencyShape().IsMatch(lower) ? lower : throw new StripeApiError(400, "invalid_request_error", "parameter_invalid_string", $"Invalid currency: {text}.", "currency");
    }

    private static bool Bool(StripeRequest r, string name) => r.Get(name) switch
    {
        null or "false" => false,
        "true" => true,
        var other => throw new StripeApiError(400, "invalid_request_error", "parameter_invalid_boolean", $"Invalid boolean: {other}", name),
    };

    private static Dictionary<string, string> Metadata(StripeRequest r)
    {
        var metadata = r.Hash("metadata");
        if (metadata.Count > 50)
        {
            throw new StripeApiError(400, "invalid_request_error", "parameter_invalid_metadata", "You can specify up to 50 keys in metadata.", "metadata");
        }

        foreach (var (key, value) in metadata)
        {
            if (key.Length > 40 || value.Length > 500)
            {
                throw new StripeApiError(400, "invalid_request_error", "parameter_invalid_metadata",
                    "Metadata keys can be at most 40 characters and values at most 500 characters.", $"metadata[{key}]");
            }
        }

        return metadata;
    }

    private static JsonObject Json(Dictionary<string, string> metadata)
    {
        var result = new JsonObject();
        foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            result[key] = value;
        }

        return result;
    }

    private long Now() => clock.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>A JSON number as long, whether it was stored as int, long or parsed (JsonElement).</summary>
    private static long Long(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        _ => throw new InvalidOperationException($"not an integer: {node?.ToJsonString()}"),
    };

    private static string Format(long minor, string currency) =>
        StripeAmounts.FromMinor(minor, currency).ToString();

    [GeneratedRegex("^[a-z]{3}$", RegexOptions.CultureInvariant)]
    private static partial Regex CurrencyShape();
}
