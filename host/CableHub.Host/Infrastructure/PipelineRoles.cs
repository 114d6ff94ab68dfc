using CableHub.Host.Api.Health;
using CableHub.Host.Configuration;
using CableHub.Pipelines.Cdc;
using CableHub.Pipelines.Cdc.Delivery;
using CableHub.Pipelines.Ingest;
using CableHub.Pipelines.Kafka;
using CableHub.Warehouse.Ddl;
using CableHub.Warehouse.Marts;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using System.Text.Json;
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
            var options = CdcOptions();
            options.Acknowledgement = sinkAcknowledges ? AcknowledgementMode.Sink : AcknowledgementMode.Broker;
            // The mock broker keeps 5 MiB per partition: what is in flight must fit the busiest topic's partitions.
            options.MaxInFlightEvents = Math.Max(1_000, settings.Kafka.Partitions * 4_000);
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
                TopicPattern = settings.Cdc.TopicPattern(settings.Kafka.TopicPrefix),
                DeadLetterTopic = $"{settings.Kafka.TopicPrefix}.dlq.ingest",
                SchemaTopic = $"{settings.Kafka.TopicPrefix}._schemas",
                CompressInserts = infra.ClickHouse?.Mode != DependencyEndpoint.Embedded,
                Naming = new RawTableNaming { Topology = Topology },
            };
            if (infra.EmbeddedKafka is not null)
            {
                // In sink mode the reader waits for the warehouse: short flushes keep the pipeline moving.
                options.FlushInterval = TimeSpan.FromMilliseconds(250);

                // The mock broker's group rejoin waits session.timeout.ms - 1 s: keep rebalances short.
                options.ConsumerProperties["session.timeout.ms"] = "6000";
                options.ConsumerProperties["heartbeat.interval.ms"] = "1000";
            }

            var acknowledger = sinkAcknowledges && Cdc is { } reader ? IngestAcknowledger.PerCommit(reader.Gate.Acknowledge) : null;
            Ingester = new WarehouseIngester(options, loggers, acknowledger);
        }
    }

    public CdcReader? Cdc { get; }

    /// <summary>Single node or cluster (<c>ClickHouse:Cluster</c>): the DDL dialect of raw tables, migrations and marts.</summary>
    public ClickHouseTopology Topology => ClickHouseTopology.For(_settings.ClickHouse.Cluster);

    public WarehouseIngester? Ingester { get; }

    /// <summary>
    /// Work before the roles run: every captured table's topic (and the dead-letter topic) exists, so the ingester's
    /// pattern subscription sees them all at once instead of rebalancing as topics appear.
    /// </summary>
    public async Task PrepareAsync(CancellationToken ct)
    {
        ITopicProvisioner topics = _infra.EmbeddedKafka is { } embedded
            ? new EmbeddedKafkaTopicProvisioner(embedded)
            : new AdminClientTopicProvisioner(new Confluent.Kafka.AdminClientConfig { BootstrapServers = _infra.KafkaBootstrapServers });
        await topics.EnsureTopicAsync($"{_settings.Kafka.TopicPrefix}.dlq.ingest", 1, ct).ConfigureAwait(false);
        await topics.EnsureTopicAsync($"{_settings.Kafka.TopicPrefix}._schemas", 1, new Dictionary<string, string> { ["cleanup.policy"] = "compact" }, ct).ConfigureAwait(false);
        foreach (var stream in Integration.IntegrationEventProducer.Streams)
        {
            await topics.EnsureTopicAsync(Integration.IntegrationEventProducer.Topic(_settings.Kafka.TopicPrefix, stream), _settings.Kafka.Partitions, ct).ConfigureAwait(false);
        }
        foreach (var table in await PublishedTables.DescribeAsync(CdcOptions(), ct).ConfigureAwait(false))
        {
            await topics.EnsureTopicAsync(table.Topic, _settings.Kafka.Partitions, ct).ConfigureAwait(false);
        }
    }

    private CdcReaderOptions CdcOptions()
    {
        var options = new CdcReaderOptions
        {
            ConnectionString = _infra.PostgresConnectionString,
            BootstrapServers = _infra.KafkaBootstrapServers,
            TopicPrefix = _settings.Kafka.TopicPrefix,
            TopicPartitions = _settings.Kafka.Partitions,
        };
        _settings.Cdc.ApplyTo(options);
        return options;
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
            services.AddSingleton<IHostedService>(_ => new RoleService("warehouse tables and marts", PrepareWarehouseAsync, _loggers.CreateLogger<RoleService>()));
        }
    }

    /// <summary>True once the analyst marts exist (they need the current-state views of the tables they read).</summary>
    public bool MartsInstalled { get; private set; }

    /// <summary>
    /// Creates the raw table (and current-state view) of every captured table from the catalog — an empty table
    /// sends no event, yet the marts read it — then installs the marts. Retries while ClickHouse is not ready.
    /// </summary>
    private async Task PrepareWarehouseAsync(CancellationToken ct)
    {
        var logger = _loggers.CreateLogger("CableHub.Warehouse.Marts");
        var ingester = Ingester!;
        var cdcOptions = CdcOptions();
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                foreach (var table in await PublishedTables.DescribeAsync(cdcOptions, ct).ConfigureAwait(false))
                {
                    using var envelope = JsonDocument.Parse(table.EnvelopeSchemaJson);
                    var after = envelope.RootElement.GetProperty("fields").EnumerateArray().First(f => f.GetProperty("field").GetString() == "after");
                    await ingester.Tables.EnsureTableAsync(table.Schema, table.Table, after.GetRawText(), table.KeyColumns, ct).ConfigureAwait(false);
                    if (cdcOptions.ColumnAllowlist.ContainsKey($"{table.Schema}.{table.Table}"))
                    {
                        // A raw table made before the allowlist (or before a column left it) keeps no copy of what the stream now leaves out.
                        await ingester.Tables.DropColumnsNotInAsync(table.Schema, table.Table, after.GetRawText(), table.KeyColumns, ct).ConfigureAwait(false);
                    }
                }

                await MartInstaller.InstallAsync(_infra.ClickHouseConnectionString, _settings.ReportingTimeZone, Topology, logger, ct).ConfigureAwait(false);
                MartsInstalled = true;
                break;
            }
            catch (Exception ex) when (ex is ClickHouse.Driver.ClickHouseServerException or HttpRequestException or NpgsqlException)
            {
                logger.LogWarning("Warehouse tables and marts not ready yet ({Reason}); retrying in {Delay}", ex.Message, delay);
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
            }
        }

        if (_settings.HasRole("marts") && _settings.Marts.RefreshSeconds > 0)
        {
            await RefreshMartsAsync(logger, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The mart scheduler: refresh every <c>Marts:RefreshSeconds</c>; a failed refresh is logged and retried next tick.</summary>
    private async Task RefreshMartsAsync(ILogger logger, CancellationToken ct)
    {
        var refresher = new MartRefresher(_infra.ClickHouseConnectionString, MartOptions(_settings), Topology, TimeProvider.System, logger);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_settings.Marts.RefreshSeconds));
        // The first refresh one interval after start: start-up (sagas resuming, the CDC snapshot) goes first.
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            try
            {
                var results = await refresher.RefreshAsync(ct: ct).ConfigureAwait(false);
                LastMartRefresh = results;
                logger.LogInformation("Marts refreshed: {Summary}", string.Join(", ", results.Select(r => $"{r.Mart} {r.Mode} {r.Rows} rows {r.Duration.TotalMilliseconds:0} ms")));
            }
            catch (Exception ex) when (ex is ClickHouse.Driver.ClickHouseServerException or HttpRequestException or TimeoutException)
            {
                logger.LogWarning("Mart refresh failed ({Reason}); next try in {Seconds} s", ex.Message, _settings.Marts.RefreshSeconds);
            }
        }
    }

    /// <summary>What the last scheduled mart refresh did (health).</summary>
    public IReadOnlyList<MartRefreshResult> LastMartRefresh { get; private set; } = [];

    /// <summary>Mart options from the host settings (the names in the messages are the settings').</summary>
    public static MartOptions MartOptions(HubSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var days = settings.Marts.SnapshotDays.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.TryParse(d, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n
                : throw new ArgumentException($"Marts:SnapshotDays: '{d}' is not a day of the month")).ToList();
        if (!TimeOnly.TryParseExact(settings.Marts.SnapshotTime, "HH:mm", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var time))
        {
            throw new ArgumentException($"Marts:SnapshotTime '{settings.Marts.SnapshotTime}' is not a time HH:mm");
        }

        var options = new MartOptions
        {
            ReportingTimeZone = settings.ReportingTimeZone,
            WatermarkOverlap = TimeSpan.FromMinutes(settings.Marts.WatermarkOverlapMinutes),
            SnapshotDays = days,
            SnapshotTime = time,
            SnapshotBackfillDays = settings.Marts.SnapshotBackfillDays,
        };
        options.Validate();
        return options;
    }

    public void AddHealthChecks(IHealthChecksBuilder builder)
    {
        if (Cdc is { } cdc)
        {
            builder.AddCheck("cdc", () =>
            {
                var data = cdc.Health(out var problem); // slot lag (bytes, seconds), counters, in flight
                return problem is null ? HealthCheckResult.Healthy(data: data) : HealthCheckResult.Degraded(problem, data: data);
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
                    ["lagSeconds"] = s.LagSeconds,
                    ["lagMeasuredAt"] = (object?)s.LagMeasuredAt ?? "",
                    ["martsInstalled"] = MartsInstalled,
                    ["martsRefreshed"] = LastMartRefresh.Count,
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
