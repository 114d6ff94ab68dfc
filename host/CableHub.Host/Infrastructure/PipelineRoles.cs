using CableHub.Host.Api.Health;
using CableHub.Host.Configuration;
using CableHub.Pipelines.Cdc;
using CableHub.Pipelines.Cdc.Delivery;
using CableHub.Pipelines.Ingest;
using CableHub.Pipelines.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace CableHub.Host.Infrastructure;

/// <summary>
/// The data pipeline roles of this process: the CDC reader (PostgreSQL WAL → Debezium envelopes → Kafka) and the
/// warehouse ingester (Kafka → ClickHouse). With the embedded, memory-only broker the replication slot advances only
/// after the warehouse has the data (the ingester acknowledges to the reader's gate); with a real Kafka it advances
/// on the broker's acknowledgement.
/// </summary>
public sealed class PipelineRoles
{
    private readonly HubSettings _settings;
    private readonly HubInfrastructure _infra;
    private readonly ILoggerFactory _loggers;

    public PipelineRoles(HubSettings settings, HubInfrastructure infra, ILoggerFactory loggers)
    {
        _settings = settings;
        _infra = infra;
        _loggers = loggers;
        var sinkAcknowledges = infra.EmbeddedKafka is not null && settings.HasRole("cdc") && settings.HasRole("ingest");
        if (settings.HasRole("cdc"))
        {
            var options = new CdcReaderOptions
            {
                ConnectionString = infra.PostgresConnectionString,
                BootstrapServers = infra.KafkaBootstrapServers,
                TopicPrefix = settings.Kafka.TopicPrefix,
                TopicPartitions = settings.Kafka.Partitions,
                Acknowledgement = sinkAcknowledges ? AcknowledgementMode.Sink : AcknowledgementMode.Broker,
            };
            ITopicProvisioner topics = infra.EmbeddedKafka is { } embedded
                ? new EmbeddedKafkaTopicProvisioner(embedded)
                : new AdminClientTopicProvisioner(new Confluent.Kafka.AdminClientConfig { BootstrapServers = infra.KafkaBootstrapServers });
            Cdc = new CdcReader(options, topics, loggers.CreateLogger<CdcReader>());
        }

        if (settings.HasRole("ingest"))
        {
            var options = new WarehouseIngesterOptions
            {
                BootstrapServers = infra.KafkaBootstrapServers,
                ClickHouseConnectionString = infra.ClickHouseConnectionString,
                TopicPattern = $"^{System.Text.RegularExpressions.Regex.Escape(settings.Kafka.TopicPrefix)}\\.hub\\..+",
                DeadLetterTopic = $"{settings.Kafka.TopicPrefix}.dlq.ingest",
                CompressInserts = infra.ClickHouse?.Mode != DependencyEndpoint.Embedded,
            };
            var acknowledger = sinkAcknowledges && Cdc is { } reader ? IngestAcknowledger.PerCommit(reader.Gate.Acknowledge) : null;
            Ingester = new WarehouseIngester(options, loggers, acknowledger);
        }
    }

    public CdcReader? Cdc { get; }

    public WarehouseIngester? Ingester { get; }

    /// <summary>Work before the roles run: the dead-letter topic on the embedded broker.</summary>
    public Task PrepareAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        _infra.EmbeddedKafka?.EnsureTopic($"{_settings.Kafka.TopicPrefix}.dlq.ingest", 1);
        return Task.CompletedTask;
    }

    public void Register(IServiceCollection services)
    {
        // Not AddHostedService: it de-duplicates by implementation type, and both roles are RoleServices.
        if (Cdc is { } cdc)
        {
            services.AddSingleton(cdc);
            services.AddSingleton<IHostedService>(_ => new RoleService("CDC reader", cdc.RunAsync, _loggers.CreateLogger<RoleService>()));
        }

        if (Ingester is { } ingester)
        {
            services.AddSingleton(ingester);
            services.AddSingleton<IHostedService>(_ => new RoleService("warehouse ingester", ingester.RunAsync, _loggers.CreateLogger<RoleService>()));
        }
    }

    public void AddHealthChecks(IHealthChecksBuilder builder)
    {
        if (Cdc is { } cdc)
        {
            builder.AddCheck("cdc", () =>
            {
                var stats = cdc.Stats;
                var data = new Dictionary<string, object>
                {
                    ["slot"] = "cablehub_cdc",
                    ["acknowledgement"] = cdc.Gate.Mode.ToString(),
                    ["events"] = stats.Events,
                    ["transactions"] = stats.Transactions,
                    ["snapshotRows"] = stats.SnapshotRows,
                    ["confirmedLsn"] = Lsn(stats.ConfirmedLsn),
                    ["inFlight"] = cdc.Gate.InFlight,
                };
                return cdc.Streaming.IsCompletedSuccessfully
                    ? HealthCheckResult.Healthy(data: data)
                    : HealthCheckResult.Degraded("not streaming yet", data: data);
            });
        }

        if (Ingester is { } ingester)
        {
            builder.AddCheck("ingest", () =>
            {
                var s = ingester.Stats.Snapshot();
                var data = new Dictionary<string, object>
                {
                    ["state"] = s.State.ToString(),
                    ["events"] = s.EventsIngested,
                    ["rows"] = s.RowsWritten,
                    ["batches"] = s.Batches,
                    ["deadLetters"] = s.DeadLetters,
                    ["lag"] = s.Lag,
                };
                return s.State switch
                {
                    IngesterState.Faulted => HealthCheckResult.Unhealthy("the ingester stopped on an error", data: data),
                    IngesterState.Running => s.DeadLetters == 0 ? HealthCheckResult.Healthy(data: data) : HealthCheckResult.Degraded("dead letters recorded", data: data),
                    _ => HealthCheckResult.Degraded(s.State.ToString(), data: data),
                };
            });
        }
    }

    private static string Lsn(ulong lsn) => $"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}";

    /// <summary>Runs one background role for the host's lifetime.</summary>
    private sealed class RoleService(string name, Func<CancellationToken, Task> run, ILogger logger) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            logger.LogInformation("Starting {Role}", name);
            await run(stoppingToken).ConfigureAwait(false);
            logger.LogInformation("{Role} stopped", name);
        }
    }
}
