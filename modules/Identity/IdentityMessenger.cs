using CableHub.Customers.Contracts;
using Microsoft.Extensions.Logging;

namespace CableHub.Identity;

/// <summary>
/// How activation codes and password-reset tokens reach people. The hub does not wire the notification connector into
/// the host yet, so the default adapter is <see cref="LoggingIdentityMessenger"/>; an adapter over core's
/// <c>INotificationSender</c> (templates <c>identity-activation</c>, <c>identity-password-reset</c>) replaces it when the
/// host wires notifications.
/// </summary>
public interface IIdentityMessenger
{
    Task SendActivationCodeAsync(CustomerContact customer, string code, CancellationToken ct);

    Task SendPasswordResetAsync(string email, string userName, string token, CancellationToken ct);
}

/// <summary>Development adapter: writes the message to the log (warning level, so an operator sees it is not e-mailed).</summary>
public sealed partial class LoggingIdentityMessenger(ILogger<LoggingIdentityMessenger> logger) : IIdentityMessenger
{
    public Task SendActivationCodeAsync(CustomerContact customer, string code, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(customer);
        LogActivation(logger, customer.CustomerNumber, Mask(customer.Email), code);
        return Task.CompletedTask;
    }

    public Task SendPasswordResetAsync(string email, string userName, string token, CancellationToken ct)
    {
        LogReset(logger, userName, Mask(email), token);
        return Task.CompletedTask;
    }

    private static string Mask(string? email) =>
        email is null ? "(no e-mail)" : email.IndexOf('@', StringComparison.Ordinal) is var at and > 1 ? email[0] + "***" + email[at..] : "***";

    [LoggerMessage(Level = LogLevel.Warning, Message = "identity (log adapter, not e-mailed): activation code for {CustomerNumber} <{Email}>: {Code}")]
    private static partial void LogActivation(ILogger logger, string customerNumber, string email, string code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "identity (log adapter, not e-mailed): password reset token for {UserName} <{Email}>: {Token}")]
    private static partial void LogReset(ILogger logger, string userName, string email, string token);
}
