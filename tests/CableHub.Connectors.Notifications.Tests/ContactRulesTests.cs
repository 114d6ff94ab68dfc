using CableHub.Core.Ports;

namespace CableHub.Connectors.Notifications.Tests;

public sealed class ContactRulesTests
{
    private static readonly QuietHours Night = new(new TimeOnly(21, 0), new TimeOnly(9, 0), "Asia/Kolkata");

    private static NotificationRequest Request(NotificationChannel channel, ContactPolicy policy, NotificationUrgency urgency = NotificationUrgency.Normal) =>
        Messages.Welcome("k", channel, "en", policy: policy) with { Urgency = urgency };

    [Fact]
    public void No_consent_suppresses_the_channel_only()
    {
        var policy = new ContactPolicy(EmailConsent: false, SmsConsent: true);
        var now = new DateTimeOffset(2026, 3, 1, 6, 0, 0, TimeSpan.Zero);

        ContactRules.Decide(Request(NotificationChannel.Email, policy), now).ShouldBe(new ContactDecision(NotificationOutcome.Suppressed, null, "no consent for e-mail"));
        ContactRules.Decide(Request(NotificationChannel.Sms, policy), now).SendNow.ShouldBeTrue();
    }

    [Fact]
    public void Sms_in_quiet_hours_waits_for_their_end_in_the_customers_zone()
    {
        var policy = new ContactPolicy(true, true, Night);
        var lateEvening = new DateTimeOffset(2026, 3, 1, 17, 30, 0, TimeSpan.Zero); // 23:00 IST

        var decision = ContactRules.Decide(Request(NotificationChannel.Sms, policy), lateEvening);

        decision.Outcome.ShouldBe(NotificationOutcome.Deferred);
        decision.NotBefore.ShouldBe(new DateTimeOffset(2026, 3, 2, 3, 30, 0, TimeSpan.Zero)); // 09:00 IST next day
        ContactRules.Decide(Request(NotificationChannel.Sms, policy), new DateTimeOffset(2026, 3, 1, 23, 0, 0, TimeSpan.Zero)) // 04:30 IST
            .NotBefore.ShouldBe(new DateTimeOffset(2026, 3, 2, 3, 30, 0, TimeSpan.Zero));
        ContactRules.Decide(Request(NotificationChannel.Sms, policy), new DateTimeOffset(2026, 3, 1, 6, 0, 0, TimeSpan.Zero)).SendNow.ShouldBeTrue(); // 11:30 IST
    }

    [Fact]
    public void Quiet_hours_spare_email_unless_asked_and_urgent_messages_go_through()
    {
        var night = new DateTimeOffset(2026, 3, 1, 17, 30, 0, TimeSpan.Zero);

        ContactRules.Decide(Request(NotificationChannel.Email, new ContactPolicy(true, true, Night)), night).SendNow.ShouldBeTrue();
        ContactRules.Decide(Request(NotificationChannel.Email, new ContactPolicy(true, true, Night with { IncludeEmail = true })), night).Outcome
            .ShouldBe(NotificationOutcome.Deferred);
        ContactRules.Decide(Request(NotificationChannel.Sms, new ContactPolicy(true, true, Night), NotificationUrgency.Urgent), night).SendNow.ShouldBeTrue();
        ContactRules.Decide(Request(NotificationChannel.Sms, new ContactPolicy(true, false, Night), NotificationUrgency.Urgent), night).Outcome
            .ShouldBe(NotificationOutcome.Suppressed);
    }

    [Fact]
    public void A_daytime_window_and_a_DST_zone_end_at_the_local_time()
    {
        var lunch = new QuietHours(new TimeOnly(13, 0), new TimeOnly(14, 0), "Europe/Berlin");
        // 31 March 2026 is summer time (UTC+2): 13:30 local = 11:30 UTC, ends 14:00 local = 12:00 UTC.
        ContactRules.QuietUntil(lunch, new DateTimeOffset(2026, 3, 31, 11, 30, 0, TimeSpan.Zero)).ShouldBe(new DateTimeOffset(2026, 3, 31, 12, 0, 0, TimeSpan.Zero));
        ContactRules.QuietUntil(lunch, new DateTimeOffset(2026, 3, 31, 12, 0, 0, TimeSpan.Zero)).ShouldBeNull();
    }

    [Fact]
    public void A_channel_without_an_address_is_suppressed()
    {
        var request = Messages.Welcome("k", NotificationChannel.Sms, "en", phone: "");
        ContactRules.Decide(request, DateTimeOffset.UnixEpoch).Reason.ShouldBe("no phone number");
    }
}
