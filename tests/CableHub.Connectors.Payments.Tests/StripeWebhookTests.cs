using CableHub.Connectors.Stripe;
using CableHub.Core;
using CableHub.Core.Ports;

namespace CableHub.Connectors.Payments.Tests;

/// <summary>
/// The simulator's signed webhooks into a receiver that does what the hub's endpoint will: verify over the raw body,
/// 400 and nothing applied for a rejected delivery, each event applied once by its id.
/// </summary>
public sealed class StripeWebhookTests
{
    private static PaymentEvent? AcceptedOf(PaymentWebhookVerification outcome, PaymentEventKind kind, string paymentId) =>
        outcome is PaymentWebhookVerification.Accepted a && a.Event.Kind == kind && a.Event.GatewayPaymentId == paymentId ? a.Event : null;

    [Fact]
    public async Task A_successful_payment_arrives_as_a_verified_PaymentSucceeded_event()
    {
        await using var world = await StripeWorld.StartAsync();
        var payment = await world.Gateway.CreatePaymentAsync(
            new CreateCardPayment("invoice:INV-1:card:1", new Money(499.00m, "INR"), "pm_card_visa", true) { Metadata = new Dictionary<string, string> { ["invoice"] = "INV-1" } },
            CancellationToken.None);

        var e = await world.Receiver.WaitForAsync(o => AcceptedOf(o, PaymentEventKind.PaymentSucceeded, payment.GatewayPaymentId));

        e.Gateway.ShouldBe("stripe");
        e.EventId.ShouldStartWith("evt_");
        e.EventType.ShouldBe("payment_intent.succeeded");
        e.Amount.ShouldBe(new Money(499.00m, "INR"));
        e.GatewayChargeId.ShouldBe(payment.GatewayChargeId);
        e.Metadata["invoice"].ShouldBe("INV-1");
        e.RequestIdempotencyKey.ShouldBe("invoice:INV-1:card:1");
        e.Livemode.ShouldBeFalse();
        e.Failure.ShouldBeNull();
        // events payments does not act on are verified and acknowledged, not applied
        await world.Receiver.WaitForAsync(o => o is PaymentWebhookVerification.Ignored { EventType: "charge.succeeded" } i ? i : null);
        world.Receiver.Outcomes.OfType<PaymentWebhookVerification.Rejected>().ShouldBeEmpty();
    }

    [Fact]
    public async Task A_declined_payment_arrives_as_PaymentFailed_with_reason_and_card_summary()
    {
        await using var world = await StripeWorld.StartAsync();
        var payment = await world.Gateway.CreatePaymentAsync(new CreateCardPayment("k-fail", new Money(250.00m, "INR"), "pm_card_chargeDeclinedInsufficientFunds", true), CancellationToken.None);

        var e = await world.Receiver.WaitForAsync(o => AcceptedOf(o, PaymentEventKind.PaymentFailed, payment.GatewayPaymentId));

        e.EventType.ShouldBe("payment_intent.payment_failed");
        e.Amount.ShouldBe(new Money(250.00m, "INR"));
        e.Failure.ShouldBe(new PaymentFailure("card_declined", "insufficient_funds", "Your card has insufficient funds."));
        e.Card.ShouldBe(new CardSummary("visa", "9995"));
    }

    [Fact]
    public async Task A_refund_arrives_as_PaymentRefunded_with_the_total_refunded()
    {
        await using var world = await StripeWorld.StartAsync();
        var payment = await world.Gateway.CreatePaymentAsync(new CreateCardPayment("k-pay", new Money(499.00m, "INR"), "pm_card_visa", true), CancellationToken.None);
        await world.Gateway.RefundPaymentAsync(new RefundCardPayment("k-refund-1", payment.GatewayPaymentId, new Money(100.00m, "INR")), CancellationToken.None);

        var e = await world.Receiver.WaitForAsync(o => AcceptedOf(o, PaymentEventKind.PaymentRefunded, payment.GatewayPaymentId));

        e.EventType.ShouldBe("charge.refunded");
        e.Amount.ShouldBe(new Money(499.00m, "INR"));
        e.AmountRefunded.ShouldBe(new Money(100.00m, "INR"));
        e.GatewayChargeId.ShouldBe(payment.GatewayChargeId);
        e.Card.ShouldBe(new CardSummary("visa", "4242"));
    }

    [Fact]
    public async Task A_redelivered_event_is_verified_again_but_applied_once()
    {
        await using var world = await StripeWorld.StartAsync();
        var payment = await world.Gateway.CreatePaymentAsync(new CreateCardPayment("k-dup", new Money(10.00m, "INR"), "pm_card_visa", true), CancellationToken.None);
        var e = await world.Receiver.WaitForAsync(o => AcceptedOf(o, PaymentEventKind.PaymentSucceeded, payment.GatewayPaymentId));

        world.Simulator.Resend(e.EventId);
        await world.Receiver.WaitForAsync(_ => world.Receiver.Duplicates.Contains(e.EventId) ? e : null);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var deliveries = await world.Simulator.WaitForDeliveriesAsync(d => d.EventId == e.EventId, 2, cts.Token); // recorded once the receiver answered
        deliveries.Count.ShouldBe(2);
        deliveries.ShouldAllBe(d => d.Succeeded);
        world.Receiver.Applied.Values.Count(a => a.EventId == e.EventId).ShouldBe(1);
        world.Receiver.Duplicates.Count(id => id == e.EventId).ShouldBe(1);
    }

    [Fact]
    public async Task A_delivery_signed_with_another_secret_gets_400_is_retried_and_nothing_is_applied()
    {
        await using var world = await StripeWorld.StartAsync(maxAttempts: 2, receiverSecret: "whsec_not_the_simulators");
        await world.Gateway.CreatePaymentAsync(new CreateCardPayment("k-forged", new Money(10.00m, "INR"), "pm_card_visa", true), CancellationToken.None);
        var succeeded = world.Simulator.EventIds.Single(id => (string?)world.Simulator.GetEvent(id)!["type"] == "payment_intent.succeeded");

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var attempts = await world.Simulator.WaitForDeliveriesAsync(d => d.EventId == succeeded, 2, cts.Token);
        attempts.Select(d => d.StatusCode).ShouldBe([400, 400]);
        attempts.Select(d => d.Attempt).ShouldBe([1, 2]);
        attempts.ShouldAllBe(d => d.SignatureHeader.StartsWith("t=") && d.SignatureHeader.Contains(",v1="));
        world.Receiver.Applied.ShouldBeEmpty();
        world.Receiver.Outcomes.OfType<PaymentWebhookVerification.Rejected>().ShouldAllBe(r => r.Reason == WebhookRejectionReason.SignatureMismatch);
    }

    [Fact]
    public async Task A_captured_delivery_replayed_after_the_tolerance_is_rejected()
    {
        await using var world = await StripeWorld.StartAsync();
        var payment = await world.Gateway.CreatePaymentAsync(new CreateCardPayment("k-replay", new Money(10.00m, "INR"), "pm_card_visa", true), CancellationToken.None);
        var e = await world.Receiver.WaitForAsync(o => AcceptedOf(o, PaymentEventKind.PaymentSucceeded, payment.GatewayPaymentId));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var delivery = (await world.Simulator.WaitForDeliveriesAsync(d => d.EventId == e.EventId, 1, cts.Token))[0]; // recorded once the receiver answered
        var body = world.Simulator.EventBody(e.EventId);

        // the same bytes and header, 5 minutes and 1 second after they were signed
        var later = new StripeWebhookVerifier(StripeWorld.Secret, TimeSpan.FromSeconds(300), new ManualClock(delivery.At.AddSeconds(301)));
        var within = new StripeWebhookVerifier(StripeWorld.Secret, TimeSpan.FromSeconds(300), new ManualClock(delivery.At.AddSeconds(299)));

        later.Verify(body, delivery.SignatureHeader).ShouldBeOfType<PaymentWebhookVerification.Rejected>()
            .Reason.ShouldBe(WebhookRejectionReason.TimestampOutsideTolerance);
        // within the window the replay verifies — and carries the same event id, which the endpoint records once
        within.Verify(body, delivery.SignatureHeader).ShouldBeOfType<PaymentWebhookVerification.Accepted>()
            .Event.EventId.ShouldBe(e.EventId);
    }

    [Fact]
    public async Task The_embedded_default_starts_a_simulator_and_points_the_gateway_at_it()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var payments = await StripePayments.StartAsync(new StripeOptions { ApiBase = "" }, receiver.Url, TimeProvider.System);
        receiver.Verifier = payments.Webhooks;

        payments.Simulator.ShouldNotBeNull();
        var payment = await payments.Gateway.CreatePaymentAsync(new CreateCardPayment("k-embedded", new Money(1.00m, "INR"), "pm_card_in", true), CancellationToken.None);

        payment.Card.ShouldBe(new CardSummary("visa", "0008"));
        (await receiver.WaitForAsync(o => AcceptedOf(o, PaymentEventKind.PaymentSucceeded, payment.GatewayPaymentId))).Amount.ShouldBe(new Money(1.00m, "INR"));

        await using var production = await StripePayments.StartAsync(new StripeOptions { ApiKey = "sk_live_x", WebhookSecret = "whsec_x" }, null, TimeProvider.System);
        production.Simulator.ShouldBeNull();
    }
}
