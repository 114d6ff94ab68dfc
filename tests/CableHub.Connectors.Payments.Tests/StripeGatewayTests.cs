using System.Net;
using System.Text.Json;
using CableHub.Connectors.Stripe;
using CableHub.Core;
using CableHub.Core.Ports;

namespace CableHub.Connectors.Payments.Tests;

/// <summary>Stripe.net (through <see cref="StripePaymentGateway"/>) against the local Stripe API simulator.</summary>
public sealed class StripeGatewayTests : IAsyncLifetime
{
    private StripeWorld world = null!;

    public async ValueTask InitializeAsync() => world = await StripeWorld.StartAsync();

    public async ValueTask DisposeAsync() => await world.DisposeAsync();

    private static CreateCardPayment Visa(string key, decimal amount = 499.00m) =>
        new(key, new Money(amount, "INR"), "pm_card_visa", Confirm: true)
        {
            Description = "Invoice INV-2025-000001",
            Metadata = new Dictionary<string, string> { ["invoice"] = "INV-2025-000001", ["billing_account"] = "BA-42" },
        };

    [Fact]
    public async Task A_confirmed_payment_succeeds_with_brand_and_last4_only()
    {
        var payment = await world.Gateway.CreatePaymentAsync(Visa("invoice:INV-2025-000001:card:1"), CancellationToken.None);

        payment.Gateway.ShouldBe("stripe");
        payment.GatewayPaymentId.ShouldStartWith("pi_");
        payment.Status.ShouldBe(CardPaymentStatus.Succeeded);
        payment.Amount.ShouldBe(new Money(499.00m, "INR"));
        payment.AmountReceived.ShouldBe(new Money(499.00m, "INR"));
        payment.GatewayChargeId!.ShouldStartWith("ch_");
        payment.Card.ShouldBe(new CardSummary("visa", "4242"));
        payment.LastFailure.ShouldBeNull();
        payment.Metadata["invoice"].ShouldBe("INV-2025-000001");
        (DateTimeOffset.UtcNow - payment.CreatedAt).ShouldBeLessThan(TimeSpan.FromMinutes(1));

        var fetched = await world.Gateway.GetPaymentAsync(payment.GatewayPaymentId, CancellationToken.None);
        fetched.ShouldBeEquivalentTo(payment);
    }

    [Fact]
    public async Task Create_then_confirm_and_attach_a_card_on_confirm()
    {
        var pending = await world.Gateway.CreatePaymentAsync(new CreateCardPayment("k-create-1", new Money(299.00m, "INR"), "pm_card_mastercard", Confirm: false), CancellationToken.None);
        pending.Status.ShouldBe(CardPaymentStatus.RequiresConfirmation);
        pending.GatewayChargeId.ShouldBeNull();

        var confirmed = await world.Gateway.ConfirmPaymentAsync(new ConfirmCardPayment("k-confirm-1", pending.GatewayPaymentId), CancellationToken.None);
        confirmed.Status.ShouldBe(CardPaymentStatus.Succeeded);
        confirmed.Card.ShouldBe(new CardSummary("mastercard", "4444"));

        var bare = await world.Gateway.CreatePaymentAsync(new CreateCardPayment("k-create-2", new Money(10m, "INR"), null, Confirm: false), CancellationToken.None);
        bare.Status.ShouldBe(CardPaymentStatus.RequiresPaymentMethod);
        var paid = await world.Gateway.ConfirmPaymentAsync(new ConfirmCardPayment("k-confirm-2", bare.GatewayPaymentId, "pm_card_amex"), CancellationToken.None);
        paid.Status.ShouldBe(CardPaymentStatus.Succeeded);
        paid.Card.ShouldBe(new CardSummary("amex", "8431"));

        var again = await Should.ThrowAsync<PaymentGatewayRequestException>(() =>
            world.Gateway.ConfirmPaymentAsync(new ConfirmCardPayment("k-confirm-3", paid.GatewayPaymentId), CancellationToken.None));
        again.Code.ShouldBe("payment_intent_unexpected_state");
        again.HttpStatus.ShouldBe(400);
    }

    [Theory]
    [InlineData("pm_card_chargeDeclined", "card_declined", "generic_decline", "0002")]
    [InlineData("pm_card_visa_chargeDeclined", "card_declined", "generic_decline", "0002")]
    [InlineData("pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds", "9995")]
    [InlineData("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card", "0069")]
    public async Task A_declined_card_is_a_result_not_an_exception(string token, string code, string declineCode, string last4)
    {
        var payment = await world.Gateway.CreatePaymentAsync(new CreateCardPayment("decline-" + token, new Money(499.00m, "INR"), token, Confirm: true), CancellationToken.None);

        payment.IsDeclined.ShouldBeTrue();
        payment.Status.ShouldBe(CardPaymentStatus.RequiresPaymentMethod);
        payment.AmountReceived.Amount.ShouldBe(0m);
        payment.LastFailure!.Code.ShouldBe(code);
        payment.LastFailure.DeclineCode.ShouldBe(declineCode);
        payment.LastFailure.Message.ShouldNotBeNullOrEmpty();
        payment.Card.ShouldBe(new CardSummary("visa", last4));

        // another card on the same payment succeeds
        var retried = await world.Gateway.ConfirmPaymentAsync(new ConfirmCardPayment("retry-" + token, payment.GatewayPaymentId, "pm_card_visa"), CancellationToken.None);
        retried.Status.ShouldBe(CardPaymentStatus.Succeeded);
        retried.LastFailure.ShouldBeNull();
    }

    [Fact]
    public async Task A_card_needing_3ds_waits_for_the_cardholder()
    {
        var payment = await world.Gateway.CreatePaymentAsync(new CreateCardPayment("k-3ds", new Money(499.00m, "INR"), "pm_card_authenticationRequired", Confirm: true), CancellationToken.None);

        payment.Status.ShouldBe(CardPaymentStatus.RequiresAction);
        payment.AmountReceived.Amount.ShouldBe(0m);
    }

    [Fact]
    public async Task The_same_idempotency_key_and_request_gives_the_same_payment_once()
    {
        var first = await world.Gateway.CreatePaymentAsync(Visa("invoice:7:card:1"), CancellationToken.None);
        var second = await world.Gateway.CreatePaymentAsync(Visa("invoice:7:card:1"), CancellationToken.None);

        second.GatewayPaymentId.ShouldBe(first.GatewayPaymentId);
        second.ShouldBeEquivalentTo(first);
        var created = world.Simulator.EventIds.Select(id => world.Simulator.GetEvent(id)!).Count(e => (string?)e["type"] == "payment_intent.created");
        created.ShouldBe(1);
    }

    [Fact]
    public async Task The_same_key_with_other_parameters_is_refused()
    {
        await world.Gateway.CreatePaymentAsync(Visa("invoice:8:card:1", 499.00m), CancellationToken.None);

        var error = await Should.ThrowAsync<PaymentGatewayRequestException>(() => world.Gateway.CreatePaymentAsync(Visa("invoice:8:card:1", 500.00m), CancellationToken.None));

        error.HttpStatus.ShouldBe(400);
        error.ErrorType.ShouldBe("idempotency_error");
        error.Code.ShouldBe("idempotency_error");
        error.Message.ShouldContain("Keys for idempotent requests can only be used with the same parameters");
    }

    [Fact]
    public async Task A_declined_attempt_is_replayed_too()
    {
        var first = await world.Gateway.CreatePaymentAsync(new CreateCardPayment("k-decline-replay", new Money(1m, "INR"), "pm_card_chargeDeclined", true), CancellationToken.None);
        var second = await world.Gateway.CreatePaymentAsync(new CreateCardPayment("k-decline-replay", new Money(1m, "INR"), "pm_card_chargeDeclined", true), CancellationToken.None);

        second.GatewayPaymentId.ShouldBe(first.GatewayPaymentId);
        second.IsDeclined.ShouldBeTrue();
    }

    [Fact]
    public async Task Refunds_partial_then_the_rest_then_nothing_left()
    {
        var payment = await world.Gateway.CreatePaymentAsync(Visa("refund-me"), CancellationToken.None);

        var part = await world.Gateway.RefundPaymentAsync(new RefundCardPayment("refund-me:1", payment.GatewayPaymentId, new Money(100.00m, "INR"), CardRefundReason.RequestedByCustomer), CancellationToken.None);
        part.GatewayRefundId.ShouldStartWith("re_");
        part.Status.ShouldBe(CardRefundStatus.Succeeded);
        part.Amount.ShouldBe(new Money(100.00m, "INR"));
        part.GatewayPaymentId.ShouldBe(payment.GatewayPaymentId);
        part.GatewayChargeId.ShouldBe(payment.GatewayChargeId);

        var replay = await world.Gateway.RefundPaymentAsync(new RefundCardPayment("refund-me:1", payment.GatewayPaymentId, new Money(100.00m, "INR"), CardRefundReason.RequestedByCustomer), CancellationToken.None);
        replay.GatewayRefundId.ShouldBe(part.GatewayRefundId);

        var tooMuch = await Should.ThrowAsync<PaymentGatewayRequestException>(() =>
            world.Gateway.RefundPaymentAsync(new RefundCardPayment("refund-me:2", payment.GatewayPaymentId, new Money(400.00m, "INR")), CancellationToken.None));
        tooMuch.Code.ShouldBe("amount_too_large");
        tooMuch.Param.ShouldBe("amount");

        var rest = await world.Gateway.RefundPaymentAsync(new RefundCardPayment("refund-me:3", payment.GatewayPaymentId), CancellationToken.None);
        rest.Amount.ShouldBe(new Money(399.00m, "INR"));

        var none = await Should.ThrowAsync<PaymentGatewayRequestException>(() =>
            world.Gateway.RefundPaymentAsync(new RefundCardPayment("refund-me:4", payment.GatewayPaymentId), CancellationToken.None));
        none.Code.ShouldBe("charge_already_refunded");
    }

    [Fact]
    public async Task Refusals_of_the_request_itself()
    {
        var unpaid = await world.Gateway.CreatePaymentAsync(new CreateCardPayment("k-unpaid", new Money(5m, "INR"), null, false), CancellationToken.None);
        (await Should.ThrowAsync<PaymentGatewayRequestException>(() =>
            world.Gateway.RefundPaymentAsync(new RefundCardPayment("k-refund-unpaid", unpaid.GatewayPaymentId), CancellationToken.None)))
            .Message.ShouldContain("does not have a successful charge to refund");

        var missing = await Should.ThrowAsync<PaymentGatewayRequestException>(() => world.Gateway.GetPaymentAsync("pi_doesnotexist", CancellationToken.None));
        missing.HttpStatus.ShouldBe(404);
        missing.Code.ShouldBe("resource_missing");

        var token = await Should.ThrowAsync<PaymentGatewayRequestException>(() =>
            world.Gateway.CreatePaymentAsync(new CreateCardPayment("k-bad-token", new Money(5m, "INR"), "pm_card_unknown", true), CancellationToken.None));
        token.Code.ShouldBe("resource_missing");
        token.Param.ShouldBe("payment_method");
    }

    [Theory]
    [InlineData("4242424242424242")]
    [InlineData("4242 4242 4242 4242")]
    [InlineData("4000-0035-6000-0008")]
    public async Task A_card_number_is_refused_before_anything_is_sent(string pan)
    {
        var before = world.Simulator.EventIds.Count;

        var error = await Should.ThrowAsync<ArgumentException>(() =>
            world.Gateway.CreatePaymentAsync(new CreateCardPayment("k-pan", new Money(5m, "INR"), pan, true), CancellationToken.None));
        await Should.ThrowAsync<ArgumentException>(() =>
            world.Gateway.ConfirmPaymentAsync(new ConfirmCardPayment("k-pan-2", "pi_x", pan), CancellationToken.None));

        error.Message.ShouldNotContain(pan);
        world.Simulator.EventIds.Count.ShouldBe(before);
    }

    [Fact]
    public async Task An_unreachable_gateway_is_unavailable_not_refused()
    {
        using var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        using var gateway = new StripePaymentGateway(new StripeOptions { ApiBase = $"http://127.0.0.1:{port}", ApiKey = "sk_test_x", MaxNetworkRetries = 0 });

        await Should.ThrowAsync<PaymentGatewayUnavailableException>(() => gateway.CreatePaymentAsync(Visa("k-unreachable"), CancellationToken.None));
    }

    [Fact]
    public async Task The_wire_is_Stripes_form_encoding_error_json_and_idempotency_headers()
    {
        using var http = new HttpClient { BaseAddress = world.Simulator.BaseAddress };

        using var noKey = await http.PostAsync("/v1/payment_intents", new FormUrlEncodedContent([new("amount", "100"), new("currency", "inr")]));
        noKey.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using (var doc = JsonDocument.Parse(await noKey.Content.ReadAsStringAsync()))
        {
            doc.RootElement.GetProperty("error").GetProperty("type").GetString().ShouldBe("invalid_request_error");
            doc.RootElement.GetProperty("error").GetProperty("message").GetString()!.ShouldContain("You did not provide an API key");
        }

        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "sk_test_wire");
        using var missing = await http.PostAsync("/v1/payment_intents", new FormUrlEncodedContent([new("currency", "inr")]));
        missing.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using (var doc = JsonDocument.Parse(await missing.Content.ReadAsStringAsync()))
        {
            var error = doc.RootElement.GetProperty("error");
            error.GetProperty("code").GetString().ShouldBe("parameter_missing");
            error.GetProperty("param").GetString().ShouldBe("amount");
            error.GetProperty("message").GetString().ShouldBe("Missing required param: amount.");
        }

        KeyValuePair<string, string>[] form = [new("amount", "49900"), new("currency", "inr"), new("payment_method", "pm_card_visa"), new("confirm", "true"), new("metadata[invoice]", "INV-9")];
        using var request1 = new HttpRequestMessage(HttpMethod.Post, "/v1/payment_intents") { Content = new FormUrlEncodedContent(form) };
        request1.Headers.Add("Idempotency-Key", "wire-1");
        using var first = await http.SendAsync(request1);
        var firstBody = await first.Content.ReadAsStringAsync();
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        first.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        first.Headers.GetValues("Request-Id").Single().ShouldStartWith("req_");

        using var request2 = new HttpRequestMessage(HttpMethod.Post, "/v1/payment_intents") { Content = new FormUrlEncodedContent(form.Reverse()) };
        request2.Headers.Add("Idempotency-Key", "wire-1");
        using var second = await http.SendAsync(request2);
        second.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
        (await second.Content.ReadAsStringAsync()).ShouldBe(firstBody);

        using (var doc = JsonDocument.Parse(firstBody))
        {
            var pi = doc.RootElement;
            pi.GetProperty("object").GetString().ShouldBe("payment_intent");
            pi.GetProperty("amount").GetInt64().ShouldBe(49900);
            pi.GetProperty("currency").GetString().ShouldBe("inr");
            pi.GetProperty("status").GetString().ShouldBe("succeeded");
            pi.GetProperty("metadata").GetProperty("invoice").GetString().ShouldBe("INV-9");
            pi.GetProperty("latest_charge").GetString()!.ShouldStartWith("ch_");
            pi.GetProperty("client_secret").GetString()!.ShouldStartWith(pi.GetProperty("id").GetString() + "_secret_");
        }

        using var other = new HttpRequestMessage(HttpMethod.Post, "/v1/refunds") { Content = new FormUrlEncodedContent(form) };
        other.Headers.Add("Idempotency-Key", "wire-1");
        using var reused = await http.SendAsync(other);
        reused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await reused.Content.ReadAsStringAsync()).ShouldContain("\"type\":\"idempotency_error\"");

        using var unknown = await http.GetAsync("/v1/customers/cus_1");
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_validation_error_is_not_stored_under_the_key()
    {
        using var http = new HttpClient { BaseAddress = world.Simulator.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "sk_test_wire");

        using var bad = new HttpRequestMessage(HttpMethod.Post, "/v1/payment_intents") { Content = new FormUrlEncodedContent([new("amount", "100")]) };
        bad.Headers.Add("Idempotency-Key", "fix-and-retry");
        (await http.SendAsync(bad)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        // Stripe saves results only once the endpoint executed: the corrected request under the same key goes through
        using var good = new HttpRequestMessage(HttpMethod.Post, "/v1/payment_intents") { Content = new FormUrlEncodedContent([new("amount", "100"), new("currency", "inr")]) };
        good.Headers.Add("Idempotency-Key", "fix-and-retry");
        (await http.SendAsync(good)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
