using CableHub.Billing;
using CableHub.Catalog;
using CableHub.Connectors.DeviceManagement;
using CableHub.Connectors.DeviceManagement.GenieAcs;
using CableHub.Connectors.Notifications;
using CableHub.Host.Infrastructure;
using CableHub.Core.Security;
using CableHub.Customers;
using CableHub.Epg;
using CableHub.Audit;
using CableHub.Identity;
using CableHub.Host.Configuration;
using CableHub.Inventory;
using CableHub.Inventory.Edi;
using CableHub.Ordering;
using CableHub.Subscriptions;
using CableHub.Vod;
using Microsoft.AspNetCore.HttpOverrides;
using Npgsql;

namespace CableHub.Host.Composition;

/// <summary>
/// The composition of the modules: their options bound from configuration (libraries never read it), their services, and
/// their endpoint groups. The one place that knows every module.
/// </summary>
public static class HubComposition
{
    /// <summary>
    /// Registers every module. With <paramref name="backgroundJobs"/> the modules' background work runs too (price scheduler;
    /// for the api role the EDI inbox watcher and the low-stock monitor). Needs an <see cref="NpgsqlDataSource"/>, a
    /// <see cref="TimeProvider"/> and a <see cref="FieldEncryptor"/>; endpoints that publish events need the messaging's
    /// <c>IEventTransactions</c>.
    /// </summary>
    public static IServiceCollection AddHubModules(this IServiceCollection services, HubSettings settings, IConfiguration configuration, bool backgroundJobs)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddCustomersModule();
        services.AddIdentityModule(IdentityOptions(settings));
        services.AddSubscriptionsModule();
        services.AddCatalogModule(CatalogOptions(configuration), priceScheduler: backgroundJobs);
        services.AddInventoryModule(settings.Inventory, EdiOptions.From(settings.DataDirectory, settings.Inventory), backgroundJobs && settings.HasRole("api"));
        services.AddOrderingModule();
        services.AddEpgModule();
        services.AddVodModule();
        services.AddBillingModule(BillingOptions(settings, configuration));
        services.AddBillingPeriods(); // Billing answers Subscriptions' port IBillingPeriods (after AddSubscriptionsModule: it replaces the placeholder)
        services.AddSingleton<Core.Ports.IBankNotificationReader>(new Connectors.Iso20022.Camt.CamtReader());
        services.AddSingleton<Core.Ports.IPaymentWebhookVerifier>(sp => new Connectors.Stripe.StripeWebhookVerifier(StripeWebhookSecret(configuration), TimeSpan.FromSeconds(300), sp.GetRequiredService<TimeProvider>()));
        services.AddAuditModule(backgroundJobs ? TimeSpan.FromSeconds(10) : null); // the sealer chains new audit rows every 10 s
        services.AddCommunicationHistory(); // the notification log read back: TMF681 history (Customers' endpoints), access export and erasure
        // Data-subject access exports: every module's IDataSubjectRecords → JSON + PDF, signed with the report key, recorded in the audit log.
        services.AddSingleton<Core.Ports.IDataSubjectAccessExporter>(sp => new Compliance.Reports.Privacy.DataSubjectAccessExport(
            sp.GetServices<Core.Ports.IDataSubjectRecords>(), new Compliance.Reports.Signing.ExportSigner(ReportSigningKeyPath(configuration, settings)),
            sp.GetRequiredService<Core.Ports.IExportAuditSink>(), sp.GetRequiredService<TimeProvider>(),
            Path.Combine(settings.DataDirectory, "exports", "data-subject-requests")));
        return services;
    }

    /// <summary><c>Compliance:SigningKeyFile</c>, default <c>&lt;DataDirectory&gt;/keys/report-signing.key</c>: the HMAC key of export manifests.</summary>
    public static string ReportSigningKeyPath(IConfiguration configuration, HubSettings settings)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(settings);
        return configuration["Compliance:SigningKeyFile"] is { Length: > 0 } path ? path : Path.Combine(settings.DataDirectory, "keys", "report-signing.key");
    }

    /// <summary>
    /// The API's access layer: token validation and the built-in token server (<see cref="IdentityModule.AddHubAuthentication"/>,
    /// with the <see cref="IdentityOptions"/> <see cref="AddHubModules"/> registered), CORS for the configured origins,
    /// forwarded headers from a proxy on this machine, HSTS for requests that came over TLS.
    /// </summary>
    public static IServiceCollection AddHubAccess(this IServiceCollection services, HubSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = services.Single(d => d.ServiceType == typeof(IdentityOptions)).ImplementationInstance as IdentityOptions
            ?? throw new InvalidOperationException("AddHubModules first: it registers the IdentityOptions");
        services.AddHubAuthentication(options, settings.Authentication.SignInPermitsPerMinute);
        var origins = settings.Authentication.CorsOrigins.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        services.AddCors(o => o.AddDefaultPolicy(p =>
        {
            if (origins.Length > 0)
            {
                p.WithOrigins(origins).WithHeaders("Authorization", "Content-Type", "X-Correlation-Id").AllowAnyMethod()
                    .WithExposedHeaders("X-Correlation-Id", "X-Total-Count", "X-Result-Count", "Location");
            }
        }));
        services.Configure<ForwardedHeadersOptions>(o => o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost);
        services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(365);
            o.IncludeSubDomains = true;
        });
        return services;
    }

    /// <summary>Names of the vendor adapters whose circuits <c>/health</c> shows (<c>connector:&lt;name&gt;</c>).</summary>
    public static readonly string[] ConnectorNames = [Connectors.Cas.CasConnector.HealthName, DeviceManagementConnector.HealthName, "smtp", "sms"];

    /// <summary>
    /// The vendor adapters besides the CAS (which <see cref="Messaging"/> registers with the sagas): device management (GenieACS NBI
    /// adapter at <c>DeviceManagement:BaseUrl</c>, else at the embedded GenieACS simulator) and notifications (SMTP at
    /// <c>Notifications:Smtp:Host</c>, else <c>.eml</c> files in <c>{DataDirectory}/mail</c>; the SMS adapter at
    /// <c>Notifications:Sms:BaseUrl</c>, else at the embedded SMS provider simulator). Production is one setting away; the
    /// embedded defaults go over the same adapters and wire protocols.
    /// </summary>
    public static IServiceCollection AddVendorConnectors(this IServiceCollection services, HubSettings settings, string connectionString, VendorSimulators simulators)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(simulators);
        var dm = settings.DeviceManagement;
        services.AddGenieAcs(new GenieAcsOptions
        {
            BaseUrl = simulators.DeviceManagementUrl(settings),
            User = string.IsNullOrEmpty(dm.User) ? null : dm.User,
            Password = string.IsNullOrEmpty(dm.Password) ? null : dm.Password,
            Resilience = dm.Resilience,
        });
        var n = settings.Notifications;
        n.Sms.BaseUrl = simulators.SmsUrl(settings);
        services.AddNotifications(connectionString, new NotificationOptions { DefaultLanguage = n.DefaultLanguage },
            string.IsNullOrWhiteSpace(n.Smtp.Host) ? null : n.Smtp, n.Sms, pickupDirectory: Path.Combine(settings.DataDirectory, "mail"));
        return services;
    }

    /// <summary>
    /// The scheduled CAS reconciliation (<c>Lifecycle:ReconcileMinutes</c>, default 60; 0 = off), in the process that runs the sagas.
    /// The verb <c>cas reconcile</c> runs the same comparison on demand.
    /// </summary>
    public static IServiceCollection AddLifecycleJobs(this IServiceCollection services, HubSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Lifecycle.ReconcileMinutes > 0 && settings.HasRole("sagas"))
        {
            var interval = TimeSpan.FromMinutes(settings.Lifecycle.ReconcileMinutes);
            services.AddHostedService(sp => new Sagas.Lifecycle.CasReconciliationJob(sp.GetRequiredService<Sagas.Lifecycle.CasReconciler>(), interval,
                sp.GetRequiredService<ILogger<Sagas.Lifecycle.CasReconciliationJob>>()));
        }

        if (settings.HasRole("sagas"))
        {
            // Dunning: publishes overdue invoices hourly; one saga per invoice takes the policy's steps.
            services.AddHostedService<Sagas.Dunning.DunningSweepJob>();
        }

        return services;
    }

    /// <summary>
    /// The daily churn scoring run (<c>Ml:DailyScoreModel</c> set, role <c>marts</c>): the registered model in
    /// <c>{DataDirectory}/ml/registry</c> scores every active customer into <c>marts.fact_churn_score</c> once a day after
    /// <c>Ml:DailyScoreTime</c> (reporting time zone).
    /// </summary>
    public static IServiceCollection AddChurnScoring(this IServiceCollection services, HubSettings settings, string clickHouseConnectionString)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrWhiteSpace(settings.Ml.DailyScoreModel) || !settings.HasRole("marts"))
        {
            return services;
        }

        if (!TimeOnly.TryParseExact(settings.Ml.DailyScoreTime, "HH:mm", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var at))
        {
            throw new ArgumentException($"Ml:DailyScoreTime '{settings.Ml.DailyScoreTime}' is not a time HH:mm");
        }

        var options = new Ml.Warehouse.DailyChurnScoringOptions
        {
            ConnectionString = clickHouseConnectionString,
            RegistryRoot = Path.Combine(settings.DataDirectory, "ml", "registry"),
            Model = settings.Ml.DailyScoreModel,
            HorizonDays = settings.Ml.HorizonDays,
            At = at,
            ReportingTimeZone = settings.ReportingTimeZone,
        };
        services.AddHostedService(sp => new ChurnScoringJob(new Ml.Warehouse.DailyChurnScoring(options, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("CableHub.Ml.DailyChurnScoring"))));
        return services;
    }

    private sealed class ChurnScoringJob(Ml.Warehouse.DailyChurnScoring scoring) : Microsoft.Extensions.Hosting.BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) => scoring.RunAsync(stoppingToken);
    }

    /// <summary>Every module's endpoint group.</summary>
    public static IEndpointRouteBuilder MapHubModules(this IEndpointRouteBuilder app)
    {
        app.MapIdentityEndpoints();
        app.MapCustomersEndpoints();
        app.MapCatalogEndpoints();
        app.MapEpgEndpoints();
        app.MapVodEndpoints();
        app.MapOrderingEndpoints();
        app.MapInventoryEndpoints();
        app.MapSubscriptionsEndpoints();
        app.MapBillingEndpoints();
        app.MapAuditEndpoints();
        return app;
    }

    /// <summary>
    /// The modules for a CLI verb: no background work, no messaging, no HTTP (verbs parse their arguments and call module
    /// services from this provider).
    /// </summary>
    public static ServiceProvider CliServices(NpgsqlDataSource dataSource, HubSettings settings, IConfiguration configuration, ILoggerFactory loggers, FieldEncryptor? encryptor = null,
        Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(dataSource);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(loggers);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        if (encryptor is not null)
        {
            services.AddSingleton(encryptor);
        }

        services.AddHubModules(settings, configuration, backgroundJobs: false);
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    /// <summary>
    /// <c>Authentication:*</c>: issuer (default: the first of <c>Http:Urls</c>), audience, lifetimes, the token keys (files under
    /// <c>&lt;DataDirectory&gt;/keys</c>, created on first use, owner-only) unless an external <c>Authority</c> issues the tokens.
    /// </summary>
    public static IdentityOptions IdentityOptions(HubSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var auth = settings.Authentication;
        var issuer = string.IsNullOrWhiteSpace(auth.Issuer) ? settings.Http.Urls.Split(';', ',')[0].Trim() : auth.Issuer;
        var options = new IdentityOptions
        {
            Authority = string.IsNullOrWhiteSpace(auth.Authority) ? null : auth.Authority,
            Issuer = new Uri(issuer.EndsWith('/') ? issuer : issuer + "/"),
            Audience = auth.Audience,
            AccessTokenLifetime = TimeSpan.FromMinutes(Math.Max(1, auth.AccessTokenMinutes)),
            RefreshTokenLifetime = TimeSpan.FromHours(Math.Max(1, auth.RefreshTokenHours)),
            RoleClaim = auth.RoleClaim,
            MessageLanguage = settings.Notifications.DefaultLanguage,
            MessageTimeZone = settings.ReportingTimeZone,
        };
        if (options.BuiltInServer)
        {
            var keys = Path.Combine(settings.DataDirectory, "keys");
            options.SigningKey = TokenKeys.LoadOrCreateRsa(string.IsNullOrWhiteSpace(auth.SigningKeyFile) ? Path.Combine(keys, "token-signing.pem") : auth.SigningKeyFile);
            options.EncryptionKey = TokenKeys.LoadOrCreateSecret(string.IsNullOrWhiteSpace(auth.EncryptionKeyFile) ? Path.Combine(keys, "token-encryption.key") : auth.EncryptionKeyFile);
        }

        return options;
    }

    /// <summary><c>Payments:Stripe:WebhookSecret</c>; empty = the Stripe simulator's secret (the embedded default).</summary>
    public static string StripeWebhookSecret(IConfiguration configuration) =>
        configuration?["Payments:Stripe:WebhookSecret"] is { Length: > 0 } secret ? secret : Connectors.Stripe.StripePayments.SimulatorWebhookSecret;

    /// <summary><c>ReportingTimeZone</c> (local dates of bills), <c>Billing:PaymentTermsDays</c> (15), <c>Billing:BillRunChunkSize</c> (25,000).</summary>
    public static BillingOptions BillingOptions(HubSettings settings, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(configuration);
        return new BillingOptions
        {
            ReportingTimeZone = TimeZoneInfo.FindSystemTimeZoneById(settings.ReportingTimeZone),
            PaymentTermsDays = int.TryParse(configuration["Billing:PaymentTermsDays"], out var days) && days is >= 0 and <= 120 ? days : 15,
            BillRunChunkSize = int.TryParse(configuration["Billing:BillRunChunkSize"], out var chunk) && chunk > 0 ? chunk : 25_000,
        };
    }

    /// <summary><c>Catalog:RegulatoryProfile</c> = IN (default) / US / EU; <c>Catalog:PriceSchedulerIntervalSeconds</c> (default 60).</summary>
    public static CatalogOptions CatalogOptions(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var profile = RegulatoryProfile.FromCode(configuration["Catalog:RegulatoryProfile"] ?? RegulatoryProfile.India.Code);
        var interval = TimeSpan.FromSeconds(int.TryParse(configuration["Catalog:PriceSchedulerIntervalSeconds"], out var s) && s > 0 ? s : 60);
        return new CatalogOptions { Profile = profile, PriceSchedulerInterval = interval };
    }
}
