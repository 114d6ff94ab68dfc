using CableHub.DevServers.Postgres;
using CableHub.Host.Configuration;
using CableHub.Pipelines.Kafka;
using CableHub.Warehouse.Embedded;
using Npgsql;

namespace CableHub.Host.Infrastructure;

/// <summary>How the hub reaches one dependency: embedded stand-in or external server, and where.</summary>
public sealed record DependencyEndpoint(string Mode, string Address)
{
    public const string Embedded = "embedded";
    public const string External = "external";
}

/// <summary>
/// The servers the hub needs. Each starts embedded only when no external address is configured
/// (and says so loudly); otherwise the configured production server is used as is.
/// </summary>
public sealed class HubInfrastructure : IAsyncDisposable
{
    private readonly ILogger _logger;
    private EmbeddedPostgres? _postgres;
    private EmbeddedKafka? _kafka;
    private EmbeddedClickHouse? _clickHouse;
    private bool _stopPostgres;

    private HubInfrastructure(ILogger logger) => _logger = logger;

    public string PostgresConnectionString { get; private set; } = "";

    public string KafkaBootstrapServers { get; private set; } = "";

    public string ClickHouseConnectionString { get; private set; } = "";

    public DependencyEndpoint? Postgres { get; private set; }

    public DependencyEndpoint? Kafka { get; private set; }

    public DependencyEndpoint? ClickHouse { get; private set; }

    /// <summary>The embedded broker (null with an external Kafka), for topic creation through its API.</summary>
    public EmbeddedKafka? EmbeddedKafka => _kafka;

    public static async Task<HubInfrastructure> StartAsync(HubSettings settings, ILoggerFactory loggers, bool postgres, bool kafka, bool clickHouse, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(loggers);
        var infra = new HubInfrastructure(loggers.CreateLogger<HubInfrastructure>());
        try
        {
            if (postgres)
            {
                await infra.StartPostgresAsync(settings, loggers, ct).ConfigureAwait(false);
            }

            if (clickHouse)
            {
                await infra.StartClickHouseAsync(settings, loggers, ct).ConfigureAwait(false);
            }

            if (kafka)
            {
                await infra.StartKafkaAsync(settings, loggers, ct).ConfigureAwait(false);
            }

            return infra;
        }
        catch
        {
            await infra.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task StartPostgresAsync(HubSettings settings, ILoggerFactory loggers, CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(settings.Postgres.ConnectionString))
        {
            PostgresConnectionString = settings.Postgres.ConnectionString;
            var b = new NpgsqlConnectionStringBuilder(PostgresConnectionString);
            Postgres = new DependencyEndpoint(DependencyEndpoint.External, $"{b.Host}:{b.Port}/{b.Database}");
            _logger.LogInformation("PostgreSQL: external {Address}", Postgres.Address);
            return;
        }

        _postgres = await EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresOptions(Path.Combine(settings.DataDirectory, "postgres"), settings.Postgres.Embedded.Port, Durable: settings.Postgres.Embedded.Durable),
            loggers.CreateLogger<EmbeddedPostgres>(), ct).ConfigureAwait(false);
        _stopPostgres = settings.Postgres.Embedded.StopOnExit;
        PostgresConnectionString = _postgres.ConnectionString;
        Postgres = new DependencyEndpoint(DependencyEndpoint.Embedded, $"127.0.0.1:{_postgres.Port}/cablehub");
    }

    private async Task StartClickHouseAsync(HubSettings settings, ILoggerFactory loggers, CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(settings.ClickHouse.ConnectionString))
        {
            ClickHouseConnectionString = settings.ClickHouse.ConnectionString;
            ClickHouse = new DependencyEndpoint(DependencyEndpoint.External, Redact(ClickHouseConnectionString));
            _logger.LogInformation("ClickHouse: external {Address}", ClickHouse.Address);
            return;
        }

        var library = string.IsNullOrWhiteSpace(settings.ClickHouse.Embedded.LibraryPath) ? ChdbLibrary.DefaultPath() : settings.ClickHouse.Embedded.LibraryPath;
        _clickHouse = await EmbeddedClickHouse.StartAsync(
            new EmbeddedClickHouseOptions(Path.Combine(settings.DataDirectory, "clickhouse"), library, settings.ClickHouse.Embedded.Port),
            loggers.CreateLogger<EmbeddedClickHouse>(), ct).ConfigureAwait(false);
        ClickHouseConnectionString = _clickHouse.ConnectionString;
        ClickHouse = new DependencyEndpoint(DependencyEndpoint.Embedded, _clickHouse.HttpAddress.ToString().TrimEnd('/'));
    }

    private async Task StartKafkaAsync(HubSettings settings, ILoggerFactory loggers, CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(settings.Kafka.BootstrapServers))
        {
            KafkaBootstrapServers = settings.Kafka.BootstrapServers;
            Kafka = new DependencyEndpoint(DependencyEndpoint.External, KafkaBootstrapServers);
            _logger.LogInformation("Kafka: external {Address}", KafkaBootstrapServers);
            return;
        }

        _kafka = await Pipelines.Kafka.EmbeddedKafka.StartAsync(
            new EmbeddedKafkaOptions { Port = settings.Kafka.Embedded.Port, DefaultPartitions = settings.Kafka.Partitions },
            loggers.CreateLogger<EmbeddedKafka>(), ct).ConfigureAwait(false);
        KafkaBootstrapServers = _kafka.BootstrapServers;
        Kafka = new DependencyEndpoint(DependencyEndpoint.Embedded + " (dev-only mock cluster, memory only)", KafkaBootstrapServers);
    }

    private static string Redact(string connectionString) =>
        string.Join(';', connectionString.Split(';').Where(p => !p.TrimStart().StartsWith("Password", StringComparison.OrdinalIgnoreCase)));

    public async ValueTask DisposeAsync()
    {
        if (_kafka is not null)
        {
            await _kafka.DisposeAsync().ConfigureAwait(false);
            _kafka = null;
        }

        if (_clickHouse is not null)
        {
            await _clickHouse.DisposeAsync().ConfigureAwait(false);
            _clickHouse = null;
        }

        if (_postgres is not null && _stopPostgres)
        {
            await _postgres.StopAsync().ConfigureAwait(false);
        }

        _postgres = null;
    }
}
