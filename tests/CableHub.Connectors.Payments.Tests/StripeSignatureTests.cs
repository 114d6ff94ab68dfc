using System.Text;
using CableHub.Connectors.Stripe;
using CableHub.Connectors.Stripe.Simulator;
using CableHub.Core.Ports;
using Stripe;
using static CableHub.Connectors.Payments.Tests.TestFiles;

namespace CableHub.Connectors.Payments.Tests;

/// <summary>
/// The Stripe-Signature scheme against stripe-dotnet's official test vector (Fixtures/stripe/event_test_signature.json:
/// key "webhook_secret", t=1533204620, HMAC-SHA256 over "1533204620." + the exact file bytes including the final newline).
/// </summary>
public sealed class StripeSignatureTests
{
    private const long VectorTime = 1533204620;
    private const string VectorSecret = "webhook_secret";
    private const string VectorV1 = "2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7";
    private const string VectorHeader = "t=1533204620,v1=" + VectorV1 + ",v0=63f3a72374a733066c4be69ed7f8e5ac85c22c9f0a6a612ab9a025a9e4ee7eef";

    private static byte[] VectorBody => System.IO.File.ReadAllBytes(StripeFixture("event_test_signature.json"));

    private static PaymentWebhookVerification Verify(byte[] body, string? header, long now, string secret = VectorSecret) =>
        new StripeWebhookVerifier(secret, TimeSpan.FromSeconds(300), new ManualClock(DateTimeOffset.FromUnixTimeSeconds(now))).Verify(body, header);

    [Fact]
    public void The_official_vector_signs_the_raw_bytes_and_our_signer_agrees()
    {
        VectorBody[^1].ShouldBe((byte)'\n');
        EventUtility.ComputeSignature(VectorSecret, "1533204620", Encoding.UTF8.GetString(VectorBody)).ShouldBe(VectorV1);
        StripeSimulator.SignatureHeader(VectorBody, VectorSecret, VectorTime).ShouldBe($"t=1533204620,v1={VectorV1}");
    }

    [Fact]
    public void The_official_vector_verifies_and_its_event_type_is_ignored_by_payments()
    {
        var outcome = Verify(VectorBody, VectorHeader, VectorTime + 100);

        var ignored = outcome.ShouldBeOfType<PaymentWebhookVerification.Ignored>();
        ignored.EventId.ShouldBe("evt_123");
        ignored.EventType.ShouldBe("customer.created");
    }

    [Fact]
    public void A_body_changed_by_one_byte_or_reserialised_fails()
    {
        var stripped = VectorBody[..^1]; // the final newline removed: what a re-serialising framework would do
        Verify(stripped, VectorHeader, VectorTime).ShouldBeOfType<PaymentWebhookVerification.Rejected>()
            .Reason.ShouldBe(WebhookRejectionReason.SignatureMismatch);

        var altered = VectorBody.ToArray();
        altered[Array.IndexOf(altered, (byte)'1')] = (byte)'2';
        Verify(altered, VectorHeader, VectorTime).ShouldBeOfType<PaymentWebhookVerification.Rejected>()
            .Reason.ShouldBe(WebhookRejectionReason.SignatureMismatch);
    }

    [Fact]
    public void Another_secret_fails()
    {
        var rejected = Verify(VectorBody, VectorHeader, VectorTime, "whsec_other").ShouldBeOfType<PaymentWebhookVerification.Rejected>();

        rejected.Reason.ShouldBe(WebhookRejectionReason.SignatureMismatch);
        rejected.LogLine.ShouldStartWith("webhook rejected: SignatureMismatch: ");
        rejected.LogLine.ShouldNotContain("webhook_secret");
    }

    [Theory]
    [InlineData(300, true)]
    [InlineData(-300, true)]
    [InlineData(301, false)]
    [InlineData(-301, false)]
    [InlineData(86_400, false)]
    public void The_timestamp_must_be_within_300_seconds_of_now(long offset, bool accepted)
    {
        var outcome = Verify(VectorBody, VectorHeader, VectorTime + offset);

        if (accepted)
        {
            outcome.ShouldBeOfType<PaymentWebhookVerification.Ignored>();
        }
        else
        {
            var rejected = outcome.ShouldBeOfType<PaymentWebhookVerification.Rejected>();
            rejected.Reason.ShouldBe(WebhookRejectionReason.TimestampOutsideTolerance);
            rejected.Detail.ShouldContain("tolerance 300 s");
        }
    }

    [Fact]
    public void Any_one_of_several_v1_signatures_may_match()
    {
        var bogus = "v1=" + new string('0', 64);
        Verify(VectorBody, $"t={VectorTime},{bogus},v1={VectorV1}", VectorTime).ShouldBeOfType<PaymentWebhookVerification.Ignored>();
        Verify(VectorBody, $"t={VectorTime},v1={VectorV1},{bogus}", VectorTime).ShouldBeOfType<PaymentWebhookVerification.Ignored>();
        Verify(VectorBody, $"t={VectorTime},{bogus},v1={new string('f', 64)}", VectorTime).ShouldBeOfType<PaymentWebhookVerification.Rejected>()
            .Reason.ShouldBe(WebhookRejectionReason.SignatureMismatch);
    }

    [Fact]
    public void A_signature_for_another_timestamp_does_not_carry_over()
    {
        // an attacker keeps the v1 and moves t into the tolerance window: the HMAC covers t, so it fails
        Verify(VectorBody, $"t={VectorTime + 1000},v1={VectorV1}", VectorTime + 1000).ShouldBeOfType<PaymentWebhookVerification.Rejected>()
            .Reason.ShouldBe(WebhookRejectionReason.SignatureMismatch);
    }

    [Theory]
    [InlineData(null, WebhookRejectionReason.MissingSignatureHeader)]
    [InlineData("", WebhookRejectionReason.MissingSignatureHeader)]
    [InlineData("   ", WebhookRejectionReason.MissingSignatureHeader)]
    [InlineData("garbage", WebhookRejectionReason.MalformedSignatureHeader)]
    [InlineData("t=abc,v1=00", WebhookRejectionReason.MalformedSignatureHeader)]
    [InlineData("t=1533204620", WebhookRejectionReason.MalformedSignatureHeader)]
    [InlineData("v1=2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7", WebhookRejectionReason.MalformedSignatureHeader)]
    [InlineData("t=1533204620,v0=63f3a72374a733066c4be69ed7f8e5ac85c22c9f0a6a612ab9a025a9e4ee7eef", WebhookRejectionReason.MalformedSignatureHeader)]
    [InlineData("t=1533204620,t=1533204621,v1=00", WebhookRejectionReason.MalformedSignatureHeader)]
    [InlineData("t=99999999999,v1=00", WebhookRejectionReason.MalformedSignatureHeader)]
    public void Missing_and_malformed_headers_are_named(string? header, WebhookRejectionReason reason) =>
        Verify(VectorBody, header, VectorTime).ShouldBeOfType<PaymentWebhookVerification.Rejected>().Reason.ShouldBe(reason);

    [Fact]
    public void A_correctly_signed_body_that_is_not_an_event_is_a_malformed_payload()
    {
        var body = "this is not json"u8.ToArray();
        var header = StripeSimulator.SignatureHeader(body, VectorSecret, VectorTime);

        Verify(body, header, VectorTime).ShouldBeOfType<PaymentWebhookVerification.Rejected>()
            .Reason.ShouldBe(WebhookRejectionReason.MalformedPayload);

        var notUtf8 = new byte[] { 0x7b, 0xff, 0xfe, 0x7d };
        Verify(notUtf8, $"t={VectorTime},v1={new string('0', 64)}", VectorTime).ShouldBeOfType<PaymentWebhookVerification.Rejected>()
            .Reason.ShouldBe(WebhookRejectionReason.MalformedPayload);

        var noType = """{"id":"evt_1","object":"event"}"""u8.ToArray();
        Verify(noType, StripeSimulator.SignatureHeader(noType, VectorSecret, VectorTime), VectorTime).ShouldBeOfType<PaymentWebhookVerification.Rejected>()
            .Detail.ShouldContain("no id or type");
    }

    [Fact]
    public void A_signed_payment_event_without_its_currency_is_a_malformed_payload()
    {
        var body = """{"id":"evt_1","object":"event","type":"payment_intent.succeeded","created":1533204620,"data":{"object":{"id":"pi_1","object":"payment_intent","amount":100,"status":"succeeded"}}}"""u8.ToArray();

        var rejected = Verify(body, StripeSimulator.SignatureHeader(body, VectorSecret, VectorTime), VectorTime).ShouldBeOfType<PaymentWebhookVerification.Rejected>();

        rejected.Reason.ShouldBe(WebhookRejectionReason.MalformedPayload);
        rejected.Detail.ShouldContain("payment_intent.succeeded evt_1");
    }
}
