using CableHub.Connectors.Notifications.Store;
using CableHub.Connectors.Notifications.Templates;
using CableHub.Core.Diagnostics;
using CableHub.Core.Ports;
using Microsoft.Extensions.Logging;

namespace CableHub.Connectors.Notifications;

/// <summary>Settings of the notification sender (the host binds <c>Notifications</c>).</summary>
public sealed class NotificationOptions
{
    /// <summary>Language used when the requested one (and its region-less form) has no template.</summary>
    public string DefaultLanguage { get; set; } = "en";

    /// <summary>How long a sender owns a key it is sending; after a crash another sender takes over once it expires.</summary>
    public TimeSpan SendingLease { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// <see cref="INotificationSender"/>: in order, (1) a key already final (sent, suppressed, rejected) gets its first
/// outcome back; (2) <see cref="ContactRules"/> decides on consent and quiet hours — suppressed is recorded, deferred
/// is answered with the time to ask again and nothing is recorded; (3) the template is rendered (unknown → rejected,
/// recorded); (4) the key is claimed with a lease in <c>notification.message</c> (recipient, subject and rendered text stored
/// encrypted: the communication history), the message handed to SMTP or the
/// SMS provider (their own retries and circuit), and marked sent; a transient failure gives the claim back and
/// throws <see cref="NotificationUnavailableException"/>.
/// </summary>
/// <remarks>
/// Sent once: SMS carry the key to the provider (which deduplicates); an e-mail's Message-ID is derived from the key.
/// The hand-off's start is recorded (<c>handoff_at</c>) right before the transport is called. A crash during a hand-off
/// (lease expired, hand-off started) is resolved after the lease: an SMS is sent again with the same key (the provider
/// answers with the first message); an e-mail is NOT sent again — it is recorded <c>rejected</c> with the reason (it may
/// or may not have reached the server): at most once, never twice. A crash before the hand-off sends normally after the lease.
/// </remarks>
public sealed class NotificationDispatcher(
    NotificationLog log,
    TemplateRenderer renderer,
    IEmailTransport? email,
    ISmsTransport? sms,
    NotificationOptions options,
    TimeProvider time,
    ILogger<NotificationDispatcher> logger) : INotificationSender
{
    public async Task<NotificationResult> SendAsync(NotificationRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.IdempotencyKey);
        ArgumentNullException.ThrowIfNull(request.Recipient);
        using var scope = logger.BeginScope(new Dictionary<string, object?>
        {
            [CorrelationContext.LogPropertyName] = CorrelationContext.Current,
            ["IdempotencyKey"] = request.IdempotencyKey,
            ["Template"] = request.TemplateId,
        });

        if (await log.FindAsync(request.IdempotencyKey, ct).ConfigureAwait(false) is { State: not "sending" } done)
        {
            return Replay(done);
        }

        var decision = ContactRules.Decide(request, time.GetUtcNow());
        if (decision.Outcome == NotificationOutcome.Deferred)
        {
            logger.LogInformation("{Channel} {Template} for customer {CustomerId} deferred to {NotBefore:O}: {Reason}",
                request.Channel, request.TemplateId, request.Recipient.CustomerId, decision.NotBefore, decision.Reason);
            return new NotificationResult(NotificationOutcome.Deferred, NotBefore: decision.NotBefore, Reason: decision.Reason);
        }

        if (decision.Outcome == NotificationOutcome.Suppressed)
        {
            await log.RecordFinalAsync(request, "suppressed", null, decision.Reason!, ct).ConfigureAwait(false);
            logger.LogInformation("{Channel} {Template} for customer {CustomerId} suppressed: {Reason}", request.Channel, request.TemplateId, request.Recipient.CustomerId, decision.Reason);
            return await ReplayAsync(request.IdempotencyKey, ct).ConfigureAwait(false);
        }

        RenderedMessage rendered;
        try
        {
            rendered = await renderer.RenderAsync(request.TemplateId, request.Language, request.Channel, request.Data, request.Recipient.TimeZone).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TemplateNotFoundException or TimeZoneNotFoundException or Fluid.ParseException)
        {
            await log.RecordFinalAsync(request, "rejected", null, e.Message, ct).ConfigureAwait(false);
            logger.LogError("{Channel} {Template} refused: {Reason}", request.Channel, request.TemplateId, e.Message);
            return await ReplayAsync(request.IdempotencyKey, ct).ConfigureAwait(false);
        }

        var claim = await log.ClaimAsync(request, rendered.Language, options.SendingLease, ct, rendered).ConfigureAwait(false);
        if (claim is null)
        {
            if (await log.FindAsync(request.IdempotencyKey, ct).ConfigureAwait(false) is { State: not "sending" } finished)
            {
                return Replay(finished);
            }

            throw new NotificationUnavailableException($"message {request.IdempotencyKey} is being sent by another worker; ask again later");
        }

        if (claim.InterruptedHandOffAt is { } interrupted && request.Channel == NotificationChannel.Email)
        {
            // The sender before us stopped while handing this mail to the server: it may have been delivered. Not again.
            var why = $"not re-sent: a sender stopped while handing it to the mail server at {interrupted:O}; it may have been delivered (at most once)";
            await log.RecordFinalAsync(request, "rejected", rendered.Language, why, CancellationToken.None, rendered).ConfigureAwait(false);
            logger.LogWarning("{Channel} {Template} for customer {CustomerId} {Reason}", request.Channel, request.TemplateId, request.Recipient.CustomerId, why);
            return await ReplayAsync(request.IdempotencyKey, ct).ConfigureAwait(false);
        }

        await log.StartHandOffAsync(request.IdempotencyKey, ct).ConfigureAwait(false);
        string providerId;
        try
        {
            providerId = request.Channel == NotificationChannel.Email
                ? await (email ?? throw new NotificationUnavailableException("no e-mail transport is configured")).SendAsync(
                    new EmailMessage(request.IdempotencyKey, request.Recipient.EmailAddress!, request.Recipient.Name, rendered.Subject!, rendered.Text,
                        rendered.Html, rendered.Language, request.TemplateId), ct).ConfigureAwait(false)
                : await (sms ?? throw new NotificationUnavailableException("no SMS transport is configured")).SendAsync(
                    new SmsMessage(request.IdempotencyKey, request.Recipient.PhoneNumber!, rendered.Text), ct).ConfigureAwait(false);
        }
        catch (NotificationRejectedException e)
        {
            await log.RecordFinalAsync(request, "rejected", rendered.Language, e.Message, CancellationToken.None, rendered).ConfigureAwait(false);
            logger.LogWarning("{Channel} {Template} for customer {CustomerId} rejected: {Reason}", request.Channel, request.TemplateId, request.Recipient.CustomerId, e.Message);
            return await ReplayAsync(request.IdempotencyKey, ct).ConfigureAwait(false);
        }
        catch (Exception)
        {
            await log.ReleaseAsync(request.IdempotencyKey, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        await log.MarkSentAsync(request.IdempotencyKey, providerId, CancellationToken.None).ConfigureAwait(false);
        logger.LogInformation("{Channel} {Template}/{Language} sent to customer {CustomerId} as {ProviderId}",
            request.Channel, request.TemplateId, rendered.Language, request.Recipient.CustomerId, providerId);
        return new NotificationResult(NotificationOutcome.Sent, providerId, rendered.Language, time.GetUtcNow());
    }

    private async Task<NotificationResult> ReplayAsync(string key, CancellationToken ct) =>
        Replay(await log.FindAsync(key, ct).ConfigureAwait(false) ?? throw new InvalidOperationException($"message {key} was recorded but cannot be read back"));

    private static NotificationResult Replay(NotificationRecord record) => record.State switch
    {
        "sent" => new NotificationResult(NotificationOutcome.AlreadySent, record.ProviderMessageId, record.Language, record.SentAt),
        "suppressed" => new NotificationResult(NotificationOutcome.Suppressed, Language: record.Language, Reason: record.Reason),
        _ => new NotificationResult(NotificationOutcome.Rejected, Language: record.Language, Reason: record.Reason),
    };
}
