using CableHub.Connectors.Common.Resilience;
using CableHub.Core.Ports;
using Microsoft.Extensions.Logging;

namespace CableHub.Connectors.Notifications.Email;

/// <summary>
/// The embedded stand-in for an SMTP server (no <c>Notifications:Smtp:Host</c> configured): each e-mail is written as one
/// RFC 5322 <c>.eml</c> file into a pickup directory (named by its Message-ID, so a repeat overwrites the same file), the way
/// IIS or Postfix pickup directories work. Same MIME as <see cref="SmtpEmailTransport"/>; a write failure is transient.
/// </summary>
public sealed class PickupDirectoryEmailTransport : IEmailTransport
{
    private readonly string _directory;
    private readonly SmtpOptions _options;
    private readonly ConnectorHealthTracker _health;
    private readonly ILogger _logger;

    public PickupDirectoryEmailTransport(string directory, SmtpOptions options, ConnectorHealthTracker health, ILogger<PickupDirectoryEmailTransport> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(logger);
        _directory = directory;
        _options = options;
        _health = health;
        _logger = logger;
    }

    public string Directory => _directory;

    public async Task<string> SendAsync(EmailMessage message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        var mime = SmtpEmailTransport.BuildMime(message, _options);
        _health.CallStarted();
        try
        {
            System.IO.Directory.CreateDirectory(_directory);
            var path = Path.Combine(_directory, mime.MessageId!.Split('@')[0] + ".eml");
            var temp = path + ".tmp";
            await mime.WriteToAsync(temp, ct).ConfigureAwait(false);
            File.Move(temp, path, overwrite: true);
            _logger.LogInformation("E-mail {Template}/{Language} written to {Path} (key {IdempotencyKey})", message.TemplateId, message.Language, path, message.IdempotencyKey);
            return mime.MessageId!;
        }
        catch (IOException e)
        {
            _health.CallFailed(e.Message);
            throw new NotificationUnavailableException($"pickup directory {_directory}: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            _health.CallFailed(e.Message);
            throw new NotificationUnavailableException($"pickup directory {_directory}: {e.Message}", e);
        }
    }
}
