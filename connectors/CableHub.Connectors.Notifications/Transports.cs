namespace CableHub.Connectors.Notifications;

/// <param name="IdempotencyKey">also gives the e-mail a stable Message-ID, so a re-send after a crash is recognisable as the same message</param>
public sealed record EmailMessage(string IdempotencyKey, string To, string? ToName, string Subject, string Text, string? Html, string Language, string TemplateId);

public sealed record SmsMessage(string IdempotencyKey, string To, string Text);

/// <summary>Sends e-mail. Returns the message id; throws <see cref="Core.Ports.NotificationUnavailableException"/> (retry) or <see cref="NotificationRejectedException"/> (final).</summary>
public interface IEmailTransport
{
    Task<string> SendAsync(EmailMessage message, CancellationToken ct);
}

/// <summary>Sends SMS. Returns the provider's message id; throws <see cref="Core.Ports.NotificationUnavailableException"/> (retry) or <see cref="NotificationRejectedException"/> (final).</summary>
public interface ISmsTransport
{
    Task<string> SendAsync(SmsMessage message, CancellationToken ct);
}

/// <summary>The server or provider refused the message for good (bad address, blocked number…).</summary>
public sealed class NotificationRejectedException : Exception
{
    public NotificationRejectedException()
    {
    }

    public NotificationRejectedException(string message)
        : base(message)
    {
    }

    public NotificationRejectedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
