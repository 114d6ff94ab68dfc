using System.Collections.Concurrent;
using CableHub.Connectors.Cas.Simulator;
using CableHub.Ordering.Contracts;
using CableHub.Ordering;
using CableHub.Core.Ports;
using CableHub.Sagas.Onboarding;
using CableHub.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Wolverine;

namespace CableHub.Sagas.Tests;

[CollectionDefinition(Name)]
public sealed class OnboardingCollection : ICollectionFixture<OnboardingFixture>
{
    public const string Name = "onboarding";
}

/// <summary>
/// A throwaway PostgreSQL with the hub schema (core's migrations) and a small catalog, the simulated CAS
/// in its own schema, and a Wolverine host configured exactly as the hub configures it.
/// </summary>
public sealed class OnboardingFixture : IAsyncLifetime
{
    public static readonly string[] PlanProducts = HubTestDatabase.PlanProducts;

    private readonly PostgresFixture _postgres = new();
    private ILoggerFactory? _casLogging;

    public HubTestDatabase Db { get; private set; } = null!;

    public SimulatedConditionalAccessSystem Cas { get; private set; } = null!;

    /// <summary>What the sagas call: the simulator behind a wrapper that can refuse removals for one box.</summary>
    public ScriptedCas SagaCas { get; private set; } = null!;

    /// <summary>Lifecycle timing for tests: a CAS outage is retried every second for a minute, steps time out after three.</summary>
    public Sagas.Lifecycle.LifecycleOptions Lifecycle { get; } = new()
    {
        StepTimeout = TimeSpan.FromMinutes(3),
        CasCallTimeout = TimeSpan.FromSeconds(20),
        CasOutageRetries = Enumerable.Repeat(TimeSpan.FromSeconds(2), 24).ToList(),
    };

    public IHost Host { get; private set; } = null!;

    /// <summary>Dunning's clock: tests jump it days ahead, then send a check. Steps at due + 1 / 3 (reminders), + 5 (fee 50 + 2 %), + 8 (suspension), + 12 (write-off).</summary>
    public Microsoft.Extensions.Time.Testing.FakeTimeProvider DunningClock { get; } = new(DateTimeOffset.UtcNow);

    public Sagas.Dunning.DunningOptions Dunning => _dunning ??= new()
    {
        ReminderDays = [1, 3],
        LateFeeDays = 5,
        LateFeeFixed = 50m,
        LateFeePercent = 2m,
        SuspendDays = 8,
        WriteOffDays = 12,
        Clock = DunningClock,
    };

    public RecordingNotifications Notifications { get; } = new();

    private Sagas.Dunning.DunningOptions? _dunning;

    public CapturedLogs Logs { get; } = new();

    public OutcomeLog Outcomes { get; } = new();

    /// <summary>Onboarding timing for tests: a CAS outage is retried every 2 s for 30 s, inside the 45 s step timeout.</summary>
    public OnboardingOptions Onboarding { get; } = new()
    {
        StepTimeout = TimeSpan.FromSeconds(45),
        CasCallTimeout = TimeSpan.FromSeconds(20),
        CasOutageRetries = Enumerable.Repeat(TimeSpan.FromSeconds(2), 15).ToList(),
    };

    public async ValueTask InitializeAsync()
    {
        await _postgres.InitializeAsync();
        Db = await HubTestDatabase.CreateAsync(_postgres);
        Db.Logs = Logs;
        _casLogging = LoggerFactory.Create(b => b.AddProvider(Logs));
        Cas = new SimulatedConditionalAccessSystem(new CasSimulatorOptions { ConnectionString = Db.ConnectionString, RegisterUnknownDevicesOnActivation = true }, _casLogging.CreateLogger<SimulatedConditionalAccessSystem>());
        await Cas.EnsureSchemaAsync();
        SagaCas = new ScriptedCas(Cas);
        Host = await OnboardingTestHost.StartAsync(Db, SagaCas, Logs, Onboarding, Outcomes, Lifecycle, Dunning, Notifications);
    }

    public async ValueTask DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.StopAsync();
            Host.Dispose();
        }

        if (Cas is not null)
        {
            await Cas.DisposeAsync();
        }

        if (Db is not null)
        {
            await Db.DisposeAsync();
        }

        _casLogging?.Dispose();
        await _postgres.DisposeAsync();
    }

    public Task<PlacedProductOrder> PlaceAndAcknowledgeAsync(string correlationId) => Db.PlaceAndAcknowledgeAsync(Host, correlationId);

    public Task AcknowledgeAsync(PlacedProductOrder placed, string correlationId) => Db.AcknowledgeAsync(Host, placed, correlationId);
}

/// <summary>The integration events the outbox delivered, with the correlation id of their envelope.</summary>
public sealed class OutcomeLog
{
    private readonly ConcurrentQueue<(object Event, string? CorrelationId)> _events = new();

    public IReadOnlyList<(object Event, string? CorrelationId)> Events => _events.ToArray();

    public void Add(object @event, string? correlationId) => _events.Enqueue((@event, correlationId));

    public IReadOnlyList<(T Event, string? CorrelationId)> Of<T>(Func<T, bool> filter) =>
        Events.Where(e => e.Event is T t && filter(t)).Select(e => ((T)e.Event, e.CorrelationId)).ToList();
}

/// <summary>Stands in for the subscribers of the integration events (the Kafka relay in the hub).</summary>
public static class ProductOrderOutcomeHandler
{
    public static void Handle(ProductOrderCompleted completed, Envelope envelope, OutcomeLog log) => log.Add(completed, envelope.CorrelationId);

    public static void Handle(ProductOrderFailed failed, Envelope envelope, OutcomeLog log) => log.Add(failed, envelope.CorrelationId);

    public static void Handle(ProductOrderCancelled cancelled, Envelope envelope, OutcomeLog log) => log.Add(cancelled, envelope.CorrelationId);

    public static void Handle(Subscriptions.Contracts.SubscriptionChanged e, Envelope envelope, OutcomeLog log) => log.Add(e, envelope.CorrelationId);

    public static void Handle(Subscriptions.Contracts.SubscriptionSuspended e, Envelope envelope, OutcomeLog log) => log.Add(e, envelope.CorrelationId);

    public static void Handle(Subscriptions.Contracts.SubscriptionRestored e, Envelope envelope, OutcomeLog log) => log.Add(e, envelope.CorrelationId);

    public static void Handle(Subscriptions.Contracts.SubscriptionDisconnected e, Envelope envelope, OutcomeLog log) => log.Add(e, envelope.CorrelationId);

    public static void Handle(Subscriptions.Contracts.SubscriptionDeviceSwapped e, Envelope envelope, OutcomeLog log) => log.Add(e, envelope.CorrelationId);
}
