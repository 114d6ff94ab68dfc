using CableHub.Core.Persistence;
using CableHub.Modules;
using CableHub.Host.Configuration;
using CableHub.Host.Infrastructure;
using CableHub.Inventory;
using CableHub.Inventory.Edi;
using Npgsql;

namespace CableHub.Host.Cli;

/// <summary>
/// The PostgreSQL side of the inventory / EDI verbs, opened as <c>seed</c> does (embedded or configured server,
/// migrated), with the EDI intake bound to the configured folders.
/// </summary>
internal sealed class InventoryCli : IAsyncDisposable
{
    private readonly Serilog.Core.Logger _serilog;
    private readonly Serilog.Extensions.Logging.SerilogLoggerFactory _loggers;
    private readonly HubInfrastructure _infra;

    private InventoryCli(Serilog.Core.Logger serilog, Serilog.Extensions.Logging.SerilogLoggerFactory loggers, HubInfrastructure infra, NpgsqlDataSource dataSource, HubSettings settings)
    {
        _serilog = serilog;
        _loggers = loggers;
        _infra = infra;
        DataSource = dataSource;
        Settings = settings;
        Edi = EdiOptions.From(settings.DataDirectory, settings.Inventory);
    }

    public NpgsqlDataSource DataSource { get; }

    public HubSettings Settings { get; }

    public EdiOptions Edi { get; }

    public ILoggerFactory Loggers => _loggers;

    /// <param name="overrides">More <c>--Section:Key=value</c> tokens (a variadic argument may have taken them).</param>
    public static async Task<InventoryCli> OpenAsync(System.CommandLine.ParseResult parse, CancellationToken ct, IEnumerable<string>? overrides = null)
    {
        var configuration = HubConfiguration.Build([.. parse.UnmatchedTokens, .. overrides ?? []]);
        var settings = HubConfiguration.Bind(configuration);
        var serilog = Logging.CreateLogger(configuration);
        var loggers = new Serilog.Extensions.Logging.SerilogLoggerFactory(serilog);
        var infra = await HubInfrastructure.StartAsync(settings, loggers, postgres: true, kafka: false, clickHouse: false, ct).ConfigureAwait(false);
        await HubModules.MigrateAsync(infra.PostgresConnectionString, loggers.CreateLogger("Migrations"), ct).ConfigureAwait(false);
        return new InventoryCli(serilog, loggers, infra, OperationalStore.CreateDataSource(infra.PostgresConnectionString), settings);
    }

    /// <summary>Like <see cref="OpenAsync"/>, but a database that cannot be reached is one line on standard error and null (no stack trace).</summary>
    public static async Task<InventoryCli?> TryOpenAsync(string verb, System.CommandLine.ParseResult parse, CancellationToken ct, IEnumerable<string>? overrides = null)
    {
        try
        {
            return await OpenAsync(parse, ct, overrides).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or NpgsqlException or IOException or TimeoutException)
        {
            await Console.Error.WriteLineAsync($"{verb}: cannot open the operational database: {ex.Message}").ConfigureAwait(false);
            return null;
        }
    }

    public EdiIntake Intake() => new(DataSource, Edi, TimeProvider.System, _loggers.CreateLogger<EdiIntake>());

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync().ConfigureAwait(false);
        await _infra.DisposeAsync().ConfigureAwait(false);
        _loggers.Dispose();
        await _serilog.DisposeAsync().ConfigureAwait(false);
    }
}
