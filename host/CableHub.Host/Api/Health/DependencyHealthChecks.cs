using CableHub.Host.Infrastructure;
using ClickHouse.Driver.ADO;
using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace CableHub.Host.Api.Health;

/// <summary>Live checks of the hub's servers; each answers with its mode (embedded / external) and address.</summary>
public static class DependencyHealthChecks
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public static IHealthChecksBuilder AddHubDependencies(this IHealthChecksBuilder builder, HubInfrastructure infra, PipelineRoles pipelines)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(infra);
        ArgumentNullException.ThrowIfNull(pipelines);
        builder.AddAsyncCheck("postgres", ct => PostgresAsync(infra, ct), timeout: Timeout);
        builder.AddAsyncCheck("kafka", ct => KafkaAsync(infra, ct), timeout: Timeout);
        builder.AddAsyncCheck("clickhouse", ct => ClickHouseAsync(infra, ct), timeout: Timeout);
        builder.AddAsyncCheck("messaging", ct => MessagingAsync(infra, ct), timeout: Timeout);
        pipelines.AddHealthChecks(builder);
        return builder;
    }

    private static Dictionary<string, object> Where(DependencyEndpoint? endpoint) => new()
    {
        ["mode"] = endpoint?.Mode ?? "not used",
        ["address"] = endpoint?.Address ?? "",
    };

    private static async Task<HealthCheckResult> PostgresAsync(HubInfrastructure infra, CancellationToken ct)
    {
        var data = Where(infra.Postgres);
        try
        {
            await using var conn = new NpgsqlConnection(infra.PostgresConnectionString);
            await conn.OpenAsync(ct).ConfigureAwait(false);
            await using var cmd = new NpgsqlCommand("SELECT current_setting('server_version'), current_setting('wal_level')", conn);
            await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            data["version"] = reader.GetString(0);
            data["walLevel"] = reader.GetString(1);
            return reader.GetString(1) == "logical"
                ? HealthCheckResult.Healthy(data: data)
                : HealthCheckResult.Degraded("wal_level is not logical: CDC cannot run", data: data);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy(exception: ex, data: data);
        }
    }

    private static Task<HealthCheckResult> KafkaAsync(HubInfrastructure infra, CancellationToken ct)
    {
        var data = Where(infra.Kafka);
        return Task.Run(() =>
        {
            try
            {
                using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = infra.KafkaBootstrapServers, SocketTimeoutMs = 3000 }).Build();
                var metadata = admin.GetMetadata(Timeout);
                data["brokers"] = metadata.Brokers.Count;
                data["topics"] = metadata.Topics.Count(t => !t.Topic.StartsWith("__", StringComparison.Ordinal));
                return metadata.Brokers.Count > 0 ? HealthCheckResult.Healthy(data: data) : HealthCheckResult.Unhealthy("no broker answered", data: data);
            }
            catch (KafkaException ex)
            {
                return HealthCheckResult.Unhealthy(exception: ex, data: data);
            }
        }, ct);
    }

    private static async Task<HealthCheckResult> ClickHouseAsync(HubInfrastructure infra, CancellationToken ct)
    {
        var data = Where(infra.ClickHouse);
        try
        {
            await using var conn = new ClickHouseConnection(infra.ClickHouseConnectionString);
            await conn.OpenAsync(ct).ConfigureAwait(false);
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = "SELECT version()";
            data["version"] = (await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))?.ToString() ?? "";
            return HealthCheckResult.Healthy(data: data);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return HealthCheckResult.Unhealthy(exception: ex, data: data);
        }
    }

    private static async Task<HealthCheckResult> MessagingAsync(HubInfrastructure infra, CancellationToken ct)
    {
        var data = new Dictionary<string, object> { ["mode"] = "wolverine, durable on PostgreSQL (schema wolverine)" };
        try
        {
            await using var conn = new NpgsqlConnection(infra.PostgresConnectionString);
            await conn.OpenAsync(ct).ConfigureAwait(false);
            await using var cmd = new NpgsqlCommand(
                """
                SELECT (SELECT count(*) FROM wolverine.wolverine_incoming_envelopes),
                       (SELECT count(*) FROM wolverine.wolverine_outgoing_envelopes),
                       (SELECT count(*) FROM wolverine.wolverine_dead_letters)
                """, conn);
            await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            data["incoming"] = reader.GetInt64(0);
            data["outgoing"] = reader.GetInt64(1);
            data["deadLetters"] = reader.GetInt64(2);
            return reader.GetInt64(2) == 0 ? HealthCheckResult.Healthy(data: data) : HealthCheckResult.Degraded("messages in the dead-letter queue", data: data);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy(exception: ex, data: data);
        }
    }
}
