using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using CableHub.Connectors.Common.Resilience;
using CableHub.Core.Diagnostics;
using CableHub.Core.Ports;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using MimeKit;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace CableHub.Connectors.Notifications.Email;

/// <summary>The SMTP server and our sender identity (the host binds <c>Notifications:Smtp</c>).</summary>
public sealed class SmtpOptions
{
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 25;

    /// <summary><c>None</c>, <c>StartTls</c> (required), <c>StartTlsWhenAvailable</c>, <c>SslOnConnect</c>.</summary>
    public string Security { get; set; } = "StartTlsWhenAvailable";

    public string? User { get; set; }

    public string? Password { get; set; }

    public string FromAddress { get; set; } = "care@cablehub.example";

    public string FromName { get; set; } = "CableHub";

    public ConnectorResilienceOptions Resilience { get; set; } = new();
}

/// <summary>
/// E-mail over SMTP with MailKit: one connection per message (connect, authenticate if configured, send, quit)
/// inside the connector resilience recipe. 4xx replies, connection and protocol errors and timeouts are transient
/// (retried, then <see cref="NotificationUnavailableException"/>); 5xx replies are final
/// (<see cref="NotificationRejectedException"/>). The Message-ID is derived from the idempotency key.
/// </summary>
public sealed class SmtpEmailTransport : IEmailTransport
{
    private readonly SmtpOptions _options;
    private readonly ConnectorHealthTracker _health;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;

    public SmtpEmailTransport(SmtpOptions options, ConnectorHealthTracker health, ILogger<SmtpEmailTransport> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _health = health;
        _logger = logger;
        _pipeline = ConnectorResilience.BuildPipeline(options.Resilience, health, logger, e => e is NotificationUnavailableException);
    }

    public async Task<string> SendAsync(EmailMessage message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        var mime = Build(message);
        using var scope = _logger.BeginScope(new Dictionary<string, object?>
        {
            [CorrelationContext.LogPropertyName] = CorrelationContext.Current,
            ["Connector"] = _health.Name,
            ["IdempotencyKey"] = message.IdempotencyKey,
        });
        _health.CallStarted();
        try
        {
            await _pipeline.ExecuteAsync(static async (state, t) => await state.Self.SendOnceAsync(state.Mime, t).ConfigureAwait(false),
                (Self: this, Mime: mime), ct).ConfigureAwait(false);
            _logger.LogInformation("E-mail {Template}/{Language} sent as {MessageId} (key {IdempotencyKey})", message.TemplateId, message.Language, mime.MessageId, message.IdempotencyKey);
            return mime.MessageId!;
        }
        catch (BrokenCircuitException e)
        {
            _health.CallFailed("circuit open");
            throw new NotificationUnavailableException("SMTP circuit is open; failing fast", e);
        }
        catch (TimeoutRejectedException e)
        {
            _health.CallFailed("timeout");
            throw new NotificationUnavailableException($"SMTP server {_options.Host}:{_options.Port} did not answer in time", e);
        }
        catch (NotificationUnavailableException e)
        {
            _health.CallFailed(e.Message);
            throw;
        }
    }

    private MimeMessage Build(EmailMessage message) => BuildMime(message, _options);

    /// <summary>The MIME message for <paramref name="message"/> (Message-ID from the idempotency key); shared with the pickup-directory transport.</summary>
    internal static MimeMessage BuildMime(EmailMessage message, SmtpOptions options)
    {
        var _options = options;
        var mime = new MimeMessage();
        mime.From.Add(new MailboxAddress(_options.FromName, _options.FromAddress));
        try
        {
            mime.To.Add(new MailboxAddress(message.ToName ?? "", message.To));
        }
        catch (ParseException e)
        {
            throw new NotificationRejectedException($"e-mail address is not valid: {e.Message}", e);
        }

        mime.Subject = message.Subject;
        var domain = _options.FromAddress.Split('@') is [_, var d] ? d : "cablehub";
        mime.MessageId = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(message.IdempotencyKey)))[..32] + "@" + domain;
        mime.Headers.Add("Content-Language", message.Language);
        mime.Headers.Add("X-CableHub-Template", message.TemplateId);
        if (CorrelationContext.Current is { } correlation)
        {
            mime.Headers.Add(CorrelationContext.HeaderName, correlation);
        }

        var body = new BodyBuilder { TextBody = message.Text, HtmlBody = message.Html };
        mime.Body = body.ToMessageBody();
        return mime;
    }

    private async Task SendOnceAsync(MimeMessage mime, CancellationToken ct)
    {
        using var client = new SmtpClient { Timeout = (int)_options.Resilience.AttemptTimeout.TotalMilliseconds };
        try
        {
            var security = Enum.Parse<SecureSocketOptions>(_options.Security, ignoreCase: true);
            await client.ConnectAsync(_options.Host, _options.Port, security, ct).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(_options.User))
            {
                await client.AuthenticateAsync(_options.User, _options.Password ?? "", ct).ConfigureAwait(false);
            }

            await client.SendAsync(mime, ct).ConfigureAwait(false);
            await client.DisconnectAsync(quit: true, ct).ConfigureAwait(false);
        }
        catch (SmtpCommandException e) when ((int)e.StatusCode >= 500)
        {
            throw new NotificationRejectedException($"SMTP server refused the message ({(int)e.StatusCode} {e.ErrorCode}): {e.Message}", e);
        }
        catch (AuthenticationException e)
        {
            throw new NotificationUnavailableException($"SMTP server refused our credentials: {e.Message}", e);
        }
        catch (Exception e) when (e is SmtpCommandException or SmtpProtocolException or ServiceNotConnectedException or IOException or SocketException or TimeoutException)
        {
            throw new NotificationUnavailableException($"SMTP {_options.Host}:{_options.Port}: {e.Message}", e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new NotificationUnavailableException($"SMTP {_options.Host}:{_options.Port} timed out", e);
        }
    }
}
