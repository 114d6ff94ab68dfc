using CableHub.Core.Ports;
using CableHub.Modules.Testing;
using CableHub.Sagas.Messaging;
using CableHub.Sagas.Onboarding;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Wolverine;

namespace CableHub.Sagas.Tests;

/// <summary>A Wolverine host wired the way the hub wires it (the modules the steps use, messaging), on a test database.</summary>
public static class OnboardingTestHost
{
    public static async Task<IHost> StartAsync(HubTestDatabase db, IConditionalAccessSystem cas, ILoggerProvider logs, OnboardingOptions onboarding, OutcomeLog outcomes,
        Lifecycle.LifecycleOptions? lifecycle = null, Dunning.DunningOptions? dunning = null, INotificationSender? notifications = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.AddSimpleConsole();
        builder.Logging.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(level => level >= LogLevel.Error);
        ModuleServices.Register(builder.Services, db.DataSource, TimeProvider.System);
        builder.Services.AddSingleton(cas);
        builder.Services.AddSingleton(outcomes);
        builder.Services.AddSingleton(notifications ?? new RecordingNotifications());
        builder.UseWolverine(opts =>
        {
            opts.ApplicationAssembly = typeof(OnboardingTestHost).Assembly;
            opts.ConfigureCableHubMessaging(new MessagingOptions
            {
                ConnectionString = db.ConnectionString,
                HandlerParallelism = 16,
                PollingInterval = TimeSpan.FromMilliseconds(250),
                Onboarding = onboarding,
                Lifecycle = lifecycle ?? new(),
                Dunning = dunning ?? new(),
            });
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}

/// <summary>TEST DOUBLE of the notification port: records every request and answers Sent (AlreadySent for a key seen before).</summary>
public sealed class RecordingNotifications : INotificationSender
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, NotificationRequest> _sent = new();

    public IReadOnlyCollection<NotificationRequest> Sent => _sent.Values.ToList();

    /// <summary>When set (a test that reads mail back from a real SMTP server), requests are also handed to this sender.</summary>
    public INotificationSender? Forward { get; set; }

    public async Task<NotificationResult> SendAsync(NotificationRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var first = _sent.TryAdd(request.IdempotencyKey, request);
        if (Forward is { } forward)
        {
            return await forward.SendAsync(request, ct).ConfigureAwait(false);
        }

        return new NotificationResult(first ? NotificationOutcome.Sent : NotificationOutcome.AlreadySent);
    }
}
