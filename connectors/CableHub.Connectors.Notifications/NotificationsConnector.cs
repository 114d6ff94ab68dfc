using CableHub.Connectors.Common.Http;
using CableHub.Connectors.Common.Resilience;
using CableHub.Connectors.Notifications.Email;
using CableHub.Connectors.Notifications.Sms;
using CableHub.Connectors.Notifications.Store;
using CableHub.Connectors.Notifications.Templates;
using CableHub.Core.Ports;
using CableHub.Core.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CableHub.Connectors.Notifications;

public static class NotificationsConnector
{
    /// <summary>
    /// The communication history for the API and data-subject requests, on the hub's <see cref="NpgsqlDataSource"/>:
    /// <see cref="ICommunicationLog"/> (TMF681 reads), and the log's part of access exports and erasure
    /// (<see cref="IDataSubjectRecords"/>, <see cref="IDataSubjectEraser"/>). Needs a <see cref="FieldEncryptor"/>.
    /// </summary>
    public static IServiceCollection AddCommunicationHistory(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(sp => new NotificationSubjectData(sp.GetRequiredService<NpgsqlDataSource>(),
            new NotificationLog(sp.GetRequiredService<NpgsqlDataSource>(), Encryptor(sp), sp.GetService<TimeProvider>() ?? TimeProvider.System)));
        services.AddSingleton<ICommunicationLog>(sp => sp.GetRequiredService<NotificationSubjectData>().Log);
        services.AddSingleton<IDataSubjectRecords>(sp => sp.GetRequiredService<NotificationSubjectData>());
        services.AddSingleton<IDataSubjectEraser>(sp => sp.GetRequiredService<NotificationSubjectData>());
        return services;
    }

    private static FieldEncryptor Encryptor(IServiceProvider sp) => sp.GetService<FieldEncryptor>()
        ?? throw new InvalidOperationException("the notification log stores recipients and texts encrypted: register the hub's FieldEncryptor");

    /// <summary>
    /// Registers <see cref="INotificationSender"/> with SMTP e-mail (when <paramref name="smtp"/> is given) and the
    /// HTTP SMS adapter (when <paramref name="sms"/> has a base URL), each with an <see cref="IConnectorHealth"/>
    /// (<c>smtp</c>, <c>sms</c>). The sent-once log lives in <paramref name="connectionString"/>'s schema <c>notification</c>.
    /// Without <paramref name="smtp"/> but with <paramref name="pickupDirectory"/>, e-mail is written as <c>.eml</c> files there
    /// (<see cref="PickupDirectoryEmailTransport"/>, the embedded default; health <c>smtp</c>, mode <c>pickup-directory</c>).
    /// </summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services, string connectionString, NotificationOptions options,
        SmtpOptions? smtp, SmsOptions? sms, string? pickupDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.AddSingleton(sp => new NotificationLog(NpgsqlDataSource.Create(connectionString), Encryptor(sp), sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton(new TemplateRenderer(options.DefaultLanguage));
        if (smtp is not null)
        {
            var health = new ConnectorHealthTracker("smtp", "smtp", $"{smtp.Host}:{smtp.Port}");
            services.AddSingleton<IConnectorHealth>(health);
            services.AddSingleton<IEmailTransport>(sp => new SmtpEmailTransport(smtp, health, sp.GetRequiredService<ILoggerFactory>().CreateLogger<SmtpEmailTransport>()));
        }
        else if (!string.IsNullOrWhiteSpace(pickupDirectory))
        {
            var health = new ConnectorHealthTracker("smtp", "pickup-directory", pickupDirectory);
            services.AddSingleton<IConnectorHealth>(health);
            services.AddSingleton<IEmailTransport>(sp => new PickupDirectoryEmailTransport(pickupDirectory, new SmtpOptions(), health,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<PickupDirectoryEmailTransport>()));
        }

        if (sms is not null && !string.IsNullOrWhiteSpace(sms.BaseUrl))
        {
            var baseUrl = new Uri(sms.BaseUrl.TrimEnd('/') + "/");
            var health = new ConnectorHealthTracker("sms", "http", baseUrl.GetLeftPart(UriPartial.Path));
            services.AddSingleton<IConnectorHealth>(health);
            services.AddSingleton(sms);
            services.AddSingleton<ISmsTransport>(sp => new HttpSmsTransport(() => sp.GetRequiredService<IHttpClientFactory>().CreateClient("cablehub.sms"), sms,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<HttpSmsTransport>()));
            services.AddHttpClient("cablehub.sms", http =>
                {
                    http.BaseAddress = baseUrl;
                    http.Timeout = Timeout.InfiniteTimeSpan;
                    if (!string.IsNullOrEmpty(sms.ApiKey))
                    {
                        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", sms.ApiKey);
                    }
                })
                .AddHttpMessageHandler(sp => new ConnectorCallHandler(health, sp.GetRequiredService<ILoggerFactory>().CreateLogger<HttpSmsTransport>()))
                .AddConnectorResilience(sms.Resilience, health);
        }

        services.AddSingleton<INotificationSender>(sp => new NotificationDispatcher(
            sp.GetRequiredService<NotificationLog>(), sp.GetRequiredService<TemplateRenderer>(), sp.GetService<IEmailTransport>(), sp.GetService<ISmsTransport>(),
            options, sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILoggerFactory>().CreateLogger<NotificationDispatcher>()));
        return services;
    }
}
