using CableHub.Ordering.Contracts;
using CableHub.Core.Messaging;
using CableHub.Core.Ports;
using CableHub.Sagas.Lifecycle;
using CableHub.Sagas.Onboarding;
using CableHub.Subscriptions.Contracts;
using JasperFx;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Postgresql;
using Wolverine.RDBMS;

namespace CableHub.Sagas.Messaging;

public static class MessagingConfiguration
{
    /// <summary>Local queue of the saga: ProductOrderAcknowledged, the steps' replies, timeouts.</summary>
    public const string SagaQueue = "onboarding-saga";

    /// <summary>Local queue of the step handlers (database work, CAS calls).</summary>
    public const string StepQueue = "onboarding-steps";

    /// <summary>Local queue of the lifecycle saga (plan change, add-ons, suspension, restore, disconnect).</summary>
    public const string LifecycleSagaQueue = "lifecycle-saga";

    /// <summary>Local queue of the lifecycle step handlers.</summary>
    public const string LifecycleStepQueue = "lifecycle-steps";

    /// <summary>Local queue of the messages to subscribers the sagas decided on (welcome, plan changed, suspended, restored, disconnected).</summary>
    public const string SubscriberMessageQueue = "subscriber-messages";

    /// <summary>Local queue of the dunning saga (overdue invoices, checks, payments).</summary>
    public const string DunningSagaQueue = "dunning-saga";

    /// <summary>Table of the dunning saga's state.</summary>
    public const string DunningSagaTable = "dunning_saga";

    /// <summary>Table of the lifecycle saga's state.</summary>
    public const string LifecycleSagaTable = "lifecycle_saga";

    /// <summary>Table of the onboarding saga's state, in the messaging schema.</summary>
    public const string OnboardingSagaTable = "onboarding_saga";

    /// <summary>
    /// Configures Wolverine for the hub: PostgreSQL persistence (inbox, outbox, scheduled messages, dead
    /// letters, saga state) in <see cref="MessagingOptions.Schema"/>, built at start-up; durable local queues
    /// with explicit parallelism and polling; retries with exponential back-off, then the dead-letter queue;
    /// the onboarding saga registered explicitly; the correlation id in Serilog's log context.
    /// Registers <see cref="OnboardingOptions"/>, <see cref="HubOutbox"/> and the outbox for modules (<see cref="IEventTransactions"/>).
    /// The host registers an <see cref="NpgsqlDataSource"/> for the same database, a <see cref="TimeProvider"/>, an
    /// <see cref="IConditionalAccessSystem"/> and the modules whose contracts the steps use (Ordering, Inventory,
    /// Subscriptions, Catalog, Customers).
    /// </summary>
    public static WolverineOptions ConfigureCableHubMessaging(this WolverineOptions opts, MessagingOptions options)
    {
        ArgumentNullException.ThrowIfNull(opts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        opts.Discovery.IncludeAssembly(typeof(OnboardingSaga).Assembly);

        // Durable on PostgreSQL. Tables (saga tables included) are created/updated at start-up, never purged.
        opts.PersistMessagesWithPostgresql(options.ConnectionString, options.Schema);
        opts.AutoBuildMessageStorageOnStartup = AutoCreate.CreateOrUpdate;
        opts.AddSagaType<OnboardingSaga>(OnboardingSagaTable);
        opts.AddSagaType<LifecycleSaga>(LifecycleSagaTable);
        opts.AddSagaType<Dunning.DunningSaga>(DunningSagaTable);

        opts.Durability.Mode = options.SingleNode ? DurabilityMode.Solo : DurabilityMode.Balanced;
        opts.Durability.ScheduledJobPollingTime = options.PollingInterval;
        opts.Durability.ScheduledJobFirstExecution = options.PollingInterval;
        opts.Durability.RecoveryBatchSize = options.PollingBatchSize;

        opts.Policies.UseDurableLocalQueues();
        opts.Policies.AllLocalQueues(queue => queue.MaximumParallelMessages(options.HandlerParallelism));
        opts.LocalQueue(SagaQueue).UseDurableInbox().MaximumParallelMessages(options.HandlerParallelism);
        opts.LocalQueue(StepQueue).UseDurableInbox().MaximumParallelMessages(options.HandlerParallelism);
        opts.LocalQueue(LifecycleSagaQueue).UseDurableInbox().MaximumParallelMessages(options.HandlerParallelism);
        opts.LocalQueue(LifecycleStepQueue).UseDurableInbox().MaximumParallelMessages(options.HandlerParallelism);
        opts.LocalQueue(DunningSagaQueue).UseDurableInbox().MaximumParallelMessages(options.HandlerParallelism);
        opts.LocalQueue(SubscriberMessageQueue).UseDurableInbox().MaximumParallelMessages(options.HandlerParallelism);
        opts.PublishMessage<Notifications.NotifySubscriber>().ToLocalQueue(SubscriberMessageQueue);
        RouteOnboardingMessages(opts);
        RouteLifecycleMessages(opts);
        opts.PublishMessage<Billing.Contracts.InvoiceOverdue>().ToLocalQueue(DunningSagaQueue);
        opts.PublishMessage<Billing.Contracts.InvoicePaid>().ToLocalQueue(DunningSagaQueue);
        opts.PublishMessage<Dunning.DunningCheck>().ToLocalQueue(DunningSagaQueue);

        ConfigureErrorHandling(opts, options);
        opts.Policies.AddMiddleware(typeof(CorrelationLogContext));

        opts.Services.AddSingleton(options.Onboarding);
        opts.Services.AddSingleton(options.Lifecycle);
        opts.Services.AddSingleton(options.Dunning);
        opts.Services.AddSingleton<Dunning.DunningSweeper>();
        opts.Services.AddSingleton<CasReconciler>();
        opts.Services.AddSingleton<CasActivationBatcher>();
        opts.Services.AddSingleton<HubOutbox>();
        opts.Services.AddSingleton<IEventTransactions, OutboxEventTransactions>();
        return opts;
    }

    private static void RouteOnboardingMessages(WolverineOptions opts)
    {
        opts.PublishMessage<ProductOrderAcknowledged>().ToLocalQueue(SagaQueue);
        opts.PublishMessage<StbReserved>().ToLocalQueue(SagaQueue);
        opts.PublishMessage<StbReservationFailed>().ToLocalQueue(SagaQueue);
        opts.PublishMessage<StbActivated>().ToLocalQueue(SagaQueue);
        opts.PublishMessage<StbActivationRejected>().ToLocalQueue(SagaQueue);
        opts.PublishMessage<OnboardingCompleted>().ToLocalQueue(SagaQueue);
        opts.PublishMessage<OnboardingCompensated>().ToLocalQueue(SagaQueue);
        opts.PublishMessage<OnboardingAbandoned>().ToLocalQueue(SagaQueue);
        opts.PublishMessage<OnboardingStepTimedOut>().ToLocalQueue(SagaQueue);

        opts.PublishMessage<ReserveStb>().ToLocalQueue(StepQueue);
        opts.PublishMessage<ActivateStb>().ToLocalQueue(StepQueue);
        opts.PublishMessage<CompleteOnboarding>().ToLocalQueue(StepQueue);
        opts.PublishMessage<CompensateOnboarding>().ToLocalQueue(StepQueue);
    }

    private static void RouteLifecycleMessages(WolverineOptions opts)
    {
        opts.PublishMessage<SubscriptionChangeOrdered>().ToLocalQueue(LifecycleSagaQueue);
        opts.PublishMessage<SubscriptionSuspensionRequested>().ToLocalQueue(LifecycleSagaQueue);
        opts.PublishMessage<SubscriptionDisconnectRequested>().ToLocalQueue(LifecycleSagaQueue);
        opts.PublishMessage<SubscriptionDeviceSwapRequested>().ToLocalQueue(LifecycleSagaQueue);
        opts.PublishMessage<LifecycleChangeScheduled>().ToLocalQueue(LifecycleSagaQueue);
        opts.PublishMessage<LifecycleChangeDue>().ToLocalQueue(LifecycleSagaQueue);
        opts.PublishMessage<LifecycleChangeApplied>().ToLocalQueue(LifecycleSagaQueue);
        opts.PublishMessage<LifecycleCasRejected>().ToLocalQueue(LifecycleSagaQueue);
        opts.PublishMessage<LifecycleChangeAbandoned>().ToLocalQueue(LifecycleSagaQueue);
        opts.PublishMessage<LifecycleChangeCompensated>().ToLocalQueue(LifecycleSagaQueue);
        opts.PublishMessage<LifecycleStepTimedOut>().ToLocalQueue(LifecycleSagaQueue);

        opts.PublishMessage<ScheduleLifecycleChange>().ToLocalQueue(LifecycleStepQueue);
        opts.PublishMessage<ApplyLifecycleChange>().ToLocalQueue(LifecycleStepQueue);
        opts.PublishMessage<CompensateLifecycleChange>().ToLocalQueue(LifecycleStepQueue);
        opts.PublishMessage<RecordLifecycleCharges>().ToLocalQueue(LifecycleStepQueue);
    }

    private static void ConfigureErrorHandling(WolverineOptions opts, MessagingOptions options)
    {
        var backOff = options.RetryDelays.ToArray();

        // Two messages for one saga at once: the loser reloads the saga and tries again right away.
        opts.Policies.OnException<SagaConcurrencyException>()
            .RetryWithCooldown(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100),
                TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(800));

        // Two deliveries starting the same saga at once: the second insert of the saga row fails; on retry it finds the saga.
        opts.Policies.OnException<PostgresException>(e => e.SqlState == PostgresErrorCodes.UniqueViolation && e.TableName is OnboardingSagaTable or LifecycleSagaTable or DunningSagaTable)
            .RetryWithCooldown(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(100));

        // Another step's CAS call for the same box may still run: look again later, without holding a handler, a connection
        // or a lock — soon at first (most calls are short), then spread over twice the lease (Wolverine allows 25 attempts).
        opts.Policies.OnException<CasCallInFlightException>().ScheduleRetry(InFlightRetries(options.Onboarding));

        // Lifecycle: another change holds the subscription, or one of its CAS commands still runs; or the CAS is down (waited out,
        // spread over minutes: the change completes when the CAS is back, inside the step timeout).
        opts.Policies.OnException<LifecycleBusyException>().ScheduleRetry(InFlightRetries(options.Onboarding));
        opts.Policies.OnException<LifecycleCasUnavailableException>().ScheduleRetry([.. options.Lifecycle.CasOutageRetries]);
        opts.Policies.OnException<OnboardingCasUnavailableException>().ScheduleRetry([.. options.Onboarding.CasOutageRetries]);

        // The mail server or SMS provider is unreachable: the same message (same key) again, spread over about an hour.
        opts.Policies.OnException<NotificationUnavailableException>().ScheduleRetry(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30),
            TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30));

        // Transient: the CAS did not answer, the database hiccupped or chose us as a deadlock victim.
        opts.Policies.OnException<CasUnavailableException>().RetryWithCooldown(backOff);
        opts.Policies.OnException<NpgsqlException>(e => e.IsTransient).RetryWithCooldown(backOff);
        opts.Policies.OnException<TimeoutException>().RetryWithCooldown(backOff);

        // Anything else is likely a bug or bad data: a few tries, then the dead-letter queue.
        opts.Policies.OnAnyException().RetryWithCooldown(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2));
    }

    /// <summary>When a step waiting for another step's CAS call looks again: 10 × 0.1 s, 8 × 0.25 s, then 7 looks spread over twice the lease.</summary>
    internal static TimeSpan[] InFlightRetries(OnboardingOptions onboarding)
    {
        var lease = onboarding.CasCallTimeout + onboarding.CasLeaseMargin;
        var quick = Enumerable.Repeat(TimeSpan.FromMilliseconds(100), 10).Concat(Enumerable.Repeat(TimeSpan.FromMilliseconds(250), 8)).ToList();
        var rest = TimeSpan.FromTicks(Math.Max(onboarding.CasInFlightRetryDelay.Ticks, (2 * lease - TimeSpan.FromSeconds(3)).Ticks / 7));
        return [.. quick, .. Enumerable.Repeat(rest, 7)];
    }
}
