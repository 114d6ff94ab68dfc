using CableHub.Core.Ports;

namespace CableHub.Identity;

/// <summary>Where a one-time code goes: e-mail when the person has an address, else SMS to their phone.</summary>
/// <param name="CustomerNumber">the subscriber's customer number (null for staff): recorded with the message, no address in clear</param>
/// <param name="Login">the login the code is for (customer number or staff user name), shown in the message</param>
/// <param name="Language">BCP 47 language of the message (the customer's preferred language; staff: the default)</param>
public sealed record IdentityRecipient(string? CustomerNumber, string Login, string? Email, string? Phone, string Language);

/// <summary>A one-time code to deliver: its row id (the message's idempotency key; the code itself is never a key or a log value).</summary>
/// <param name="Purpose"><c>activation</c> or <c>password_reset</c></param>
public sealed record IdentityCode(Guid Id, string Purpose, string Code, DateTimeOffset ExpiresAt, IdentityRecipient To);

/// <summary>Whether the code left the hub, and how (or why not), for the access audit.</summary>
public sealed record IdentityDelivery(bool Delivered, string Detail);

/// <summary>How activation codes and password-reset tokens reach people (the hub: <see cref="NotificationIdentityMessenger"/>).</summary>
public interface IIdentityMessenger
{
    Task<IdentityDelivery> SendCodeAsync(IdentityCode message, CancellationToken ct);
}

/// <summary>
/// Codes go out through core's <see cref="INotificationSender"/> — the hub's notification connector (SMTP, or <c>.eml</c>
/// files in the embedded default; SMS provider), the same port dunning reminders use — with the templates
/// <c>identity-activation</c> and <c>identity-password-reset</c>. One message per code: the idempotency key is
/// <c>identity:{purpose}:{code row id}</c>, so a retried send never sends twice and no key, log line or table holds the
/// code. The person asked for the message, so it is urgent (no quiet-hours delay) and not subject to marketing consent.
/// Without a sender (CLI verbs compose no connectors) nothing is delivered and the audit says so.
/// </summary>
public sealed class NotificationIdentityMessenger(INotificationSender? sender, string timeZone = "UTC") : IIdentityMessenger
{
    public const string ActivationTemplate = "identity-activation";
    public const string PasswordResetTemplate = "identity-password-reset";

    public async Task<IdentityDelivery> SendCodeAsync(IdentityCode message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (sender is null)
        {
            return new(false, "not delivered: no notification sender is configured");
        }

        var to = message.To;
        NotificationChannel? channel = !string.IsNullOrWhiteSpace(to.Email) ? NotificationChannel.Email
            : !string.IsNullOrWhiteSpace(to.Phone) ? NotificationChannel.Sms : null;
        if (channel is null)
        {
            return new(false, "not delivered: no e-mail address or phone number");
        }

        var purpose = message.Purpose == "activation" ? "activation" : "password-reset";
        var request = new NotificationRequest(
            $"identity:{purpose}:{message.Id}",
            channel.Value,
            purpose == "activation" ? ActivationTemplate : PasswordResetTemplate,
            to.Language,
            new NotificationRecipient(to.CustomerNumber, null, to.Email, to.Phone, timeZone),
            new Dictionary<string, object?> { ["login"] = to.Login, ["code"] = message.Code, ["expires_at"] = message.ExpiresAt },
            new ContactPolicy(EmailConsent: true, SmsConsent: true),
            NotificationUrgency.Urgent);
        try
        {
            var result = await sender.SendAsync(request, ct).ConfigureAwait(false);
            var by = channel == NotificationChannel.Email ? "e-mail" : "SMS";
            return result.Outcome is NotificationOutcome.Sent or NotificationOutcome.AlreadySent
                ? new(true, $"sent by {by} ({result.ProviderMessageId})")
                : new(false, $"not delivered by {by}: {result.Outcome.ToString().ToLowerInvariant()} {result.Reason}".TrimEnd());
        }
        catch (NotificationUnavailableException e)
        {
            return new(false, "not delivered: " + e.Message);
        }
    }
}
