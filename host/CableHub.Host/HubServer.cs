using CableHub.Connectors.Cas.Simulator;
using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using CableHub.Identity;
using CableHub.Core.Persistence;
using CableHub.Demo;
using CableHub.Host.Api.Health;
using CableHub.Host.Api.OpenApi;
using CableHub.Host.Composition;
using CableHub.Host.Configuration;
using CableHub.Host.Infrastructure;
using CableHub.Compliance.Reports.Api;
using CableHub.Ml.Api;
using CableHub.Modules;
using CableHub.Ordering.Api;
using CableHub.Warehouse.Migrations;
using Serilog;

namespace CableHub.Host;

/// <summary>
/// The composition root: starts (or connects to) the servers, migrates, seeds demo data when asked,
/// then runs the HTTP API and the background roles (sagas, CDC reader, warehouse ingester) in one process.
/// </summary>
public static class HubServer
{
    public static async Task<int> RunAsync(IConfigurationRoot configuration, bool seedDemo, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = HubConfiguration.Bind(configuration);
        using var serilog = Logging.CreateLogger(configuration);
        Log.Logger = serilog;
        using var loggers = new Serilog.Extensions.Logging.SerilogLoggerFactory(serilog);
        var logger = loggers.CreateLogger("CableHub");
        try
        {
            return await RunCoreAsync(configuration, settings, serilog, loggers, logger, seedDemo, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or TimeoutException)
        {
            // Expected operational failures (port taken, data path locked by another hub, missing engine): the reason, no stack trace.
            logger.LogCritical("CableHub could not run: {Reason}", ex.Message);
            return 1;
        }
        catch (Exception ex)
        {
            logger.LogCritical(ex, "CableHub could not run: {Reason}", ex.Message);
            return 1;
        }
    }

    private static async Task<int> RunCoreAsync(IConfigurationRoot configuration, HubSettings settings, Serilog.Core.Logger serilog,
        ILoggerFactory loggers, Microsoft.Extensions.Logging.ILogger logger, bool seedDemo, CancellationToken ct)
    {

        await using var infra = await HubInfrastructure.StartAsync(settings, loggers, postgres: true, kafka: true, clickHouse: true, ct).ConfigureAwait(false);
        await HubModules.MigrateAsync(infra.PostgresConnectionString, loggers.CreateLogger("Migrations"), ct).ConfigureAwait(false);
        await WarehouseMigrator.MigrateAsync(infra.ClickHouseConnectionString, Warehouse.Ddl.ClickHouseTopology.For(settings.ClickHouse.Cluster), loggers.CreateLogger("WarehouseMigrations"), ct).ConfigureAwait(false);

        var encryptor = DataKeys.CreateEncryptor(settings, logger);
        await using var dataSource = OperationalStore.CreateDataSource(infra.PostgresConnectionString, loggers);

        var pipelines = new PipelineRoles(settings, infra, loggers);
        await pipelines.PrepareAsync(ct).ConfigureAwait(false);

        if (seedDemo && settings.Demo.SeedWhenEmpty)
        {
            var generator = new DemoDataGenerator(dataSource, encryptor);
            if (await generator.IsEmptyAsync(ct).ConfigureAwait(false))
            {
                var size = new DemoDataSize(settings.Demo.Subscribers, settings.Demo.Channels, settings.Demo.Packages);
                logger.LogInformation("Seeding demo data: {Subscribers} subscribers, {Channels} channels, {Packages} packages", size.Subscribers, size.Channels, size.Packages);
                await generator.SeedAsync(size, new Progress<SeedProgress>(p => logger.LogInformation("seed {Stage}: {Done}/{Total}", p.Stage, p.Done, p.Total)), ct).ConfigureAwait(false);
            }
        }

        await using var vendors = await VendorSimulators.StartAsync(settings, loggers, ct).ConfigureAwait(false);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddConfiguration(configuration);
        builder.WebHost.UseUrls(settings.Http.Urls);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = settings.Authentication.MaxRequestBodyMegabytes * 1024L * 1024L);
        builder.Host.UseSerilog(serilog, dispose: false);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));

        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton(infra);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(dataSource);
        services.AddSingleton(encryptor);
        services.AddHubApi();

        services.AddHubModules(settings, configuration, backgroundJobs: true);
        services.AddHubAccess(settings);
        Messaging.Configure(builder, settings, infra);
        services.AddVendorConnectors(settings, infra.PostgresConnectionString, vendors);
        services.AddLifecycleJobs(settings);
        services.AddChurnScores(infra.ClickHouseConnectionString);
        // Compliance reports over the API (compliance-officer only): the same reports as `report …`, signed, recorded in the audit log.
        services.AddSingleton<Core.Ports.ICasReconciliationLog>(new Sagas.Lifecycle.CasReconciliationLog(dataSource));
        services.AddComplianceReports(infra.ClickHouseConnectionString, Cli.ReportCommand.Options(configuration, settings), Path.Combine(settings.DataDirectory, "exports", "reports"));
        services.AddChurnScoring(settings, infra.ClickHouseConnectionString);
        pipelines.Register(services);
        services.AddHealthChecks().AddHubDependencies(infra, pipelines).AddConnectorCircuits(HubComposition.ConnectorNames);

        await using var app = builder.Build();
        await (app.Services.GetService<SimulatedConditionalAccessSystem>()?.EnsureSchemaAsync(ct) ?? Task.CompletedTask).ConfigureAwait(false);
        app.UseForwardedHeaders();
        app.UseExceptionHandler();
        app.UseHsts(); // only on requests that arrived over TLS (directly or per X-Forwarded-Proto)
        app.UseCorrelationId();
        app.UseSerilogRequestLogging(o => o.GetLevel = (http, _, ex) =>
            ex is not null || http.Response.StatusCode >= 500 ? Serilog.Events.LogEventLevel.Error
            : http.Request.Path.StartsWithSegments("/health") ? Serilog.Events.LogEventLevel.Verbose
            : Serilog.Events.LogEventLevel.Information);
        app.UseRouting();
        app.UseCors();
        app.UseHubAuthentication();
        app.MapHubHealth();
        app.MapHubModules();
        app.MapHubOpenApi();
        app.MapChurnScoreEndpoints(); // churn scores for customer service, read from the warehouse (CableHub.Ml)
        app.MapComplianceReportEndpoints(); // compliance reports for the compliance officer, from the warehouse (CableHub.Compliance.Reports)
        EndpointAccessCheck.Verify(((IEndpointRouteBuilder)app).DataSources); // default deny: a route without a rule stops the start
        if (seedDemo)
        {
            await DemoAccess.EnsureAsync(app.Services, settings, logger, ct).ConfigureAwait(false);
        }

        await app.StartAsync(ct).ConfigureAwait(false);
        Messaging.WarmUp(app.Services, logger);
        PrintAddresses(settings, infra);
        await app.WaitForShutdownAsync(ct).ConfigureAwait(false);
        return 0;
    }

    private static void PrintAddresses(HubSettings settings, HubInfrastructure infra)
    {
        var http = settings.Http.Urls.Split(';')[0].TrimEnd('/');
        Console.Error.WriteLine($"""

            CableHub is up.
              API          {http}   (GET /health, {ProductOrderEndpoints.BasePath})
              API docs     {http}{HubOpenApi.DocsPath}   (OpenAPI document {http}{HubOpenApi.DocumentPath})
              PostgreSQL   {infra.Postgres?.Address} [{infra.Postgres?.Mode}]
              Kafka        {infra.Kafka?.Address} [{infra.Kafka?.Mode}]
              ClickHouse   {infra.ClickHouse?.Address} [{infra.ClickHouse?.Mode}]   e.g. curl '{infra.ClickHouse?.Address}/?query=SELECT%201'
              Data         {settings.DataDirectory}
            Ctrl-C stops it.

            """);
    }
}
