using System.CommandLine;
using CableHub.Core.Persistence;
using CableHub.Modules;
using CableHub.Host.Configuration;
using CableHub.Host.Infrastructure;
using Npgsql;

namespace CableHub.Host.Cli;

/// <summary>
/// The operational database for a CLI verb, opened the way <see cref="SeedCommand"/> does: configuration from the verb's
/// overrides, PostgreSQL only (the running hub's embedded cluster is reused, else started; an external one is used as
/// configured), migrations applied. Shared by the <c>epg</c> verbs and <c>bench epg</c>.
/// </summary>
internal sealed class CliDatabase : IAsyncDisposable
{
    private readonly Serilog.Core.Logger _serilog;
    private readonly Serilog.Extensions.Logging.SerilogLoggerFactory _loggers;
    private ServiceProvider? _services;

    private CliDatabase(IConfigurationRoot configuration, HubSettings settings, Serilog.Core.Logger serilog, Serilog.Extensions.Logging.SerilogLoggerFactory loggers, HubInfrastructure infra, NpgsqlDataSource dataSource)
    {
        Configuration = configuration;
        Settings = settings;
        _serilog = serilog;
        _loggers = loggers;
        Infrastructure = infra;
        DataSource = dataSource;
    }

    public IConfigurationRoot Configuration { get; }

    public HubSettings Settings { get; }

    public HubInfrastructure Infrastructure { get; }

    public NpgsqlDataSource DataSource { get; }

    public ILoggerFactory Loggers => _loggers;

    /// <summary>The modules' services on this database (created on first use).</summary>
    public IServiceProvider Services => _services ??= Composition.HubComposition.CliServices(DataSource, Settings, Configuration, _loggers,
        DataKeys.CreateEncryptor(Settings, _loggers.CreateLogger("Keys")));

    public static async Task<CliDatabase> OpenAsync(ParseResult parse, CancellationToken ct)
    {
        var configuration = HubCli.Configuration(parse);
        var settings = HubConfiguration.Bind(configuration);
        var serilog = Logging.CreateLogger(configuration);
        var loggers = new Serilog.Extensions.Logging.SerilogLoggerFactory(serilog);
        HubInfrastructure? infra = null;
        try
        {
            infra = await HubInfrastructure.StartAsync(settings, loggers, postgres: true, kafka: false, clickHouse: false, ct).ConfigureAwait(false);
            await HubModules.MigrateAsync(infra.PostgresConnectionString, loggers.CreateLogger("Migrations"), ct).ConfigureAwait(false);
            return new CliDatabase(configuration, settings, serilog, loggers, infra, OperationalStore.CreateDataSource(infra.PostgresConnectionString));
        }
        catch
        {
            if (infra is not null)
            {
                await infra.DisposeAsync().ConfigureAwait(false);
            }

            loggers.Dispose();
            serilog.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync().ConfigureAwait(false);
        }

        await DataSource.DisposeAsync().ConfigureAwait(false);
        await Infrastructure.DisposeAsync().ConfigureAwait(false);
        _loggers.Dispose();
        await _serilog.DisposeAsync().ConfigureAwait(false);
    }
}
