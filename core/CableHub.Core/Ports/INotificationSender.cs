namespace CableHub.Core.Ports;

/// <summary>
/// Messages to subscribers (e-mail over SMTP, SMS through a provider), rendered from a template in the
/// subscriber's language. The sender decides, from the <see cref="ContactPolicy"/> the caller passes (the
/// customer's consent per channel and quiet hours), whether to send now, later or not at all
/// (<see cref="ContactRules"/>); it records every key it handled, so the same idempotency key is sent at most
/// once and a repeat gets the first outcome back.
/// </summary>
/// <remarks>
/// Transient trouble (SMTP server or SMS provider unreachable, circuit open) throws
/// <see cref="NotificationUnavailableException"/>: retry with the same key. <see cref="NotificationOutcome.Deferred"/>
/// means "quiet hours: ask again at <see cref="NotificationResult.NotBefore"/>" — the caller (a saga) schedules that.
/// </remarks>
public interface INotificationSender
{
    Task<NotificationResult> SendAsync(NotificationRequest request, CancellationToken ct);
}

public enum NotificationChannel
{
    Email,
    Sms,
}

/// <summary>Normal messages wait for the end of quiet hours; urgent ones (service outage, a disconnection today) do not. Consent is never overridden.</summary>
public enum NotificationUrgency
{
    Normal,
    Urgent,
}

/// <param name="CustomerId">whose message it is (recorded with the message; no address is stored in clear)</param>
/// <param name="TimeZone">IANA zone of the subscriber: quiet hours and dates in the text are in it</param>
public sealed record NotificationRecipient(string? CustomerId, string? Name, string? EmailAddress, string? PhoneNumber, string TimeZone = "UTC");

/// <param name="IdempotencyKey">one per message the business means to send, e.g. <c>welcome:{order}</c>; a repeat is never sent twice</param>
/// <param name="TemplateId">file set under the connector's <c>Templates/</c>: welcome, plan-changed, suspension-warning, payment-reminder, service-restored, disconnect-notice</param>
/// <param name="Language">BCP 47 language (<c>hi</c>, <c>en-IN</c>); falls back to the region-less language, then the configured default</param>
/// <param name="Data">template values: strings, numbers, dates, <see cref="Money"/>, nested dictionaries or lists</param>
public sealed record NotificationRequest(
    string IdempotencyKey,
    NotificationChannel Channel,
    string TemplateId,
    string Language,
    NotificationRecipient Recipient,
    IReadOnlyDictionary<string, object?> Data,
    ContactPolicy Policy,
    NotificationUrgency Urgency = NotificationUrgency.Normal);

/// <summary>The customer's choices the sender must respect (owned by the customer record; passed in by the caller).</summary>
/// <param name="QuietHours">null: any time</param>
public sealed record ContactPolicy(bool EmailConsent, bool SmsConsent, QuietHours? QuietHours = null)
{
    public static ContactPolicy AllowAll { get; } = new(true, true);

    public bool Allows(NotificationChannel channel) => channel == NotificationChannel.Email ? EmailConsent : SmsConsent;
}

/// <summary>
/// No messages between <paramref name="Start"/> and <paramref name="End"/> local time in <paramref name="TimeZone"/>
/// (the window may cross midnight: 21:00–09:00). SMS always; e-mail only when <paramref name="IncludeEmail"/>.
/// </summary>
public sealed record QuietHours(TimeOnly Start, TimeOnly End, string TimeZone, bool IncludeEmail = false);

public enum NotificationOutcome
{
    /// <summary>Handed to the SMTP server / SMS provider now.</summary>
    Sent,

    /// <summary>The key was sent before; nothing sent now (the first result's provider id and time are given).</summary>
    AlreadySent,

    /// <summary>Quiet hours: nothing sent; ask again at <see cref="NotificationResult.NotBefore"/>.</summary>
    Deferred,

    /// <summary>No consent for the channel (or no address for it): nothing sent, recorded, final.</summary>
    Suppressed,

    /// <summary>Refused for good (unknown template, address refused by the server…): recorded, final.</summary>
    Rejected,
}

/// <param name="Language">language of the template actually used (after fallback)</param>
public sealed record NotificationResult(
    NotificationOutcome Outcome,
    string? ProviderMessageId = null,
    string? Language = null,
    DateTimeOffset? SentAt = null,
    DateTimeOffset? NotBefore = null,
    string? Reason = null);

/// <summary>The mail server or SMS provider could not be reached; the message was not sent and may be retried with the same key.</summary>
public sealed class NotificationUnavailableException : Exception
{
    public NotificationUnavailableException()
    {
    }

    public NotificationUnavailableException(string message)
        : base(message)
    {
    }

    public NotificationUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>What <see cref="ContactRules.Decide"/> says about a message now.</summary>
public sealed record ContactDecision(NotificationOutcome Outcome, DateTimeOffset? NotBefore, string? Reason)
{
    public bool SendNow => Outcome == NotificationOutcome.Sent;
}

/// <summary>
/// The one place that reads consent and quiet hours (pure; the notification sender applies it before it
/// renders or sends anything, so no path sends without it).
/// </summary>
public static class ContactRules
{
    public static ContactDecision Decide(NotificationRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var policy = request.Policy ?? throw new ArgumentException("a notification needs the customer's contact policy", nameof(request));
        if (!policy.Allows(request.Channel))
        {
            return new(NotificationOutcome.Suppressed, null, $"no consent for {Name(request.Channel)}");
        }

        var address = request.Channel == NotificationChannel.Email ? request.Recipient.EmailAddress : request.Recipient.PhoneNumber;
        if (string.IsNullOrWhiteSpace(address))
        {
            return new(NotificationOutcome.Suppressed, null, $"no {(request.Channel == NotificationChannel.Email ? "e-mail address" : "phone number")}");
        }

        if (policy.QuietHours is { } quiet && request.Urgency == NotificationUrgency.Normal
            && (request.Channel == NotificationChannel.Sms || quiet.IncludeEmail)
            && QuietUntil(quiet, now) is { } until)
        {
            return new(NotificationOutcome.Deferred, until, $"quiet hours {quiet.Start:HH\\:mm}–{quiet.End:HH\\:mm} {quiet.TimeZone}");
        }

        return new(NotificationOutcome.Sent, null, null);
    }

    /// <summary>When the quiet window that contains <paramref name="now"/> ends (UTC), or null when <paramref name="now"/> is outside it.</summary>
    public static DateTimeOffset? QuietUntil(QuietHours quiet, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(quiet);
        if (quiet.Start == quiet.End)
        {
            return null;
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById(quiet.TimeZone);
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var time = TimeOnly.FromDateTime(local.DateTime);
        var crossesMidnight = quiet.Start > quiet.End;
        var inside = crossesMidnight ? time >= quiet.Start || time < quiet.End : time >= quiet.Start && time < quiet.End;
        if (!inside)
        {
            return null;
        }

        var endDate = DateOnly.FromDateTime(local.DateTime);
        if (crossesMidnight && time >= quiet.Start)
        {
            endDate = endDate.AddDays(1);
        }

        var endLocal = endDate.ToDateTime(quiet.End);
        // A local end time that does not exist (DST gap) moves forward; an ambiguous one takes the later offset.
        while (zone.IsInvalidTime(endLocal))
        {
            endLocal = endLocal.AddMinutes(30);
        }

        var offset = zone.IsAmbiguousTime(endLocal) ? zone.GetAmbiguousTimeOffsets(endLocal).Min() : zone.GetUtcOffset(endLocal);
        return new DateTimeOffset(endLocal, offset).ToUniversalTime();
    }

    private static string Name(NotificationChannel channel) => channel == NotificationChannel.Email ? "e-mail" : "SMS";
}
