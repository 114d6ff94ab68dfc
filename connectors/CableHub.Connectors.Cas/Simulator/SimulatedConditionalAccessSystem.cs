using CableHub.Core.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace CableHub.Connectors.Cas.Simulator;

/// <summary>
/// A stand-in for a vendor conditional-access system, with durable state of its own in the PostgreSQL
/// schema <c>cas_sim</c>. It behaves like an outside system: it commits on its own connection (never in
/// the caller's transaction), logs every command it receives, and applies each idempotency key at most
/// once — a repeated key is logged as a duplicate and answered with the first command's result.
/// Latency, refusals, unavailability and lost answers can be injected through <see cref="Faults"/>.
/// </summary>
public sealed class SimulatedConditionalAccessSystem : IConditionalAccessSystem, IAsyncDisposable
{
    private const long SchemaLockKey = 0x43_41_53_5F_53_49_4D; // "CAS_SIM"
    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private volatile bool _schemaReady;

    public SimulatedConditionalAccessSystem(CasSimulatorOptions options, ILogger<SimulatedConditionalAccessSystem>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ConnectionString);
        _dataSource = NpgsqlDataSource.Create(options.ConnectionString);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Faults.Latency = options.Latency;
        Faults.ResponseDelay = options.ResponseDelay;
    }

    /// <summary>Faults and delays, changeable at run time.</summary>
    public CasFaultInjection Faults { get; } = new();

    /// <summary>Creates the <c>cas_sim</c> schema if it is missing (idempotent, safe across processes).</summary>
    public async Task EnsureSchemaAsync(CancellationToken ct = default)
    {
        if (_schemaReady)
        {
            return;
        }

        await _schemaGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_schemaReady)
            {
                return;
            }

            await using var conn = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", conn, tx))
            {
                lockCmd.Parameters.AddWithValue("key", SchemaLockKey);
                await lockCmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

#pragma warning disable CA2100 // the DDL is an embedded resource of this assembly, not input
            await using (var ddl = new NpgsqlCommand(CasSimulatorSql.Schema, conn, tx))
#pragma warning restore CA2100
            {
                await ddl.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await tx.CommitAsync(ct).ConfigureAwait(false);
            _schemaReady = true;
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    public Task<CasCommandResult> ActivateDeviceAsync(CasActivation activation, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(activation);
        return ExecuteAsync(new Command(CasCommandKind.Activate, activation.IdempotencyKey, activation.CasDeviceId, activation.SmartCardNumber,
            activation.ProductIds, activation.ValidFrom, activation.ValidTo), ct);
    }

    public Task<CasCommandResult> DeactivateDeviceAsync(string idempotencyKey, string casDeviceId, CancellationToken ct) =>
        ExecuteAsync(new Command(CasCommandKind.Deactivate, idempotencyKey, casDeviceId, null, [], null, null), ct);

    public Task<CasCommandResult> UpdateEntitlementsAsync(string idempotencyKey, string casDeviceId, IReadOnlyList<string> productIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(productIds);
        return ExecuteAsync(new Command(CasCommandKind.UpdateEntitlements, idempotencyKey, casDeviceId, null, productIds, null, null), ct);
    }

    /// <summary>The whole command log in arrival order, or only the commands for one box.</summary>
    public async Task<IReadOnlyList<CasCommandRecord>> CommandLogAsync(string? casDeviceId = null, CancellationToken ct = default)
    {
        await EnsureSchemaAsync(ct).ConfigureAwait(false);
        await using var conn = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(CasSimulatorSql.SelectLog, conn);
        cmd.Parameters.Add(new NpgsqlParameter("device", NpgsqlDbType.Text) { Value = (object?)casDeviceId ?? DBNull.Value });
        return await ReadLogAsync(cmd, ct).ConfigureAwait(false);
    }

    /// <summary>Activations of the box that took effect (duplicates and refusals excluded).</summary>
    public async Task<IReadOnlyList<CasCommandRecord>> ActivationsForDeviceAsync(string casDeviceId, CancellationToken ct = default)
    {
        var log = await CommandLogAsync(casDeviceId, ct).ConfigureAwait(false);
        return log.Where(c => c.Kind == CasCommandKind.Activate && c.Outcome == CasCommandOutcome.Applied).ToList();
    }

    /// <summary>The box as the CAS sees it now, or null when it never received a command that took effect.</summary>
    public async Task<CasDeviceState?> DeviceAsync(string casDeviceId, CancellationToken ct = default)
    {
        await EnsureSchemaAsync(ct).ConfigureAwait(false);
        await using var conn = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(CasSimulatorSql.SelectDevice, conn);
        cmd.Parameters.AddWithValue("device", casDeviceId);
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        if (!await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            return null;
        }

        return new CasDeviceState(
            reader.GetString(0),
            reader.IsDBNull(1) ? null : reader.GetString(1),
            reader.GetString(2),
            reader.GetFieldValue<string[]>(3));
    }

    public async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _schemaGate.Dispose();
    }

    private async Task<CasCommandResult> ExecuteAsync(Command command, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command.IdempotencyKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(command.CasDeviceId);

        var latency = Faults.Latency;
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, ct).ConfigureAwait(false);
        }

        if (Faults.TakeUnavailable(command.CasDeviceId))
        {
            _logger.LogWarning("Simulated CAS unavailable for {Kind} of {CasDeviceId} (key {IdempotencyKey})", command.Kind, command.CasDeviceId, command.IdempotencyKey);
            throw new CasUnavailableException($"simulated CAS is unavailable ({command.Kind} of {command.CasDeviceId})");
        }

        await EnsureSchemaAsync(ct).ConfigureAwait(false);
        CasCommandResult result;
        try
        {
            result = await RecordAndApplyAsync(command, ct).ConfigureAwait(false);
        }
        catch (NpgsqlException e) when (e.IsTransient)
        {
            throw new CasUnavailableException($"simulated CAS could not reach its store ({command.Kind} of {command.CasDeviceId})", e);
        }

        if (Faults.TakeLostResponse())
        {
            _logger.LogWarning("Simulated CAS applied {Kind} of {CasDeviceId} (key {IdempotencyKey}) but lost the answer", command.Kind, command.CasDeviceId, command.IdempotencyKey);
            throw new CasUnavailableException($"simulated CAS did not answer ({command.Kind} of {command.CasDeviceId})");
        }

        var responseDelay = Faults.ResponseDelay;
        if (responseDelay > TimeSpan.Zero)
        {
            await Task.Delay(responseDelay, ct).ConfigureAwait(false);
        }

        return result;
    }

    private async Task<CasCommandResult> RecordAndApplyAsync(Command command, CancellationToken ct)
    {
        await using var conn = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);

        // Commands with the same key are serialised; the first one decides the outcome for all of them.
        await using (var lockCmd = new NpgsqlCommand(CasSimulatorSql.LockKey, conn, tx))
        {
            lockCmd.Parameters.AddWithValue("key", command.IdempotencyKey);
            await lockCmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        var first = await FindFirstAsync(command.IdempotencyKey, conn, tx, ct).ConfigureAwait(false);
        CasCommandResult result;
        if (first is not null)
        {
            await InsertLogAsync(command, CasCommandOutcome.Duplicate, null, null, first.Id, conn, tx, ct).ConfigureAwait(false);
            result = first.Kind != command.Kind || first.CasDeviceId != command.CasDeviceId
                ? CasCommandResult.Rejected($"idempotency key {command.IdempotencyKey} was already used for {first.Kind} of {first.CasDeviceId}")
                : first.Outcome == CasCommandOutcome.Applied
                    ? CasCommandResult.Ok(first.VendorReference!)
                    : CasCommandResult.Rejected(first.RejectionReason ?? "rejected");
            _logger.LogInformation("Simulated CAS: duplicate {Kind} of {CasDeviceId} (key {IdempotencyKey}), no effect", command.Kind, command.CasDeviceId, command.IdempotencyKey);
        }
        else if (await RefusalAsync(command, conn, tx, ct).ConfigureAwait(false) is { } reason)
        {
            await InsertLogAsync(command, CasCommandOutcome.Rejected, reason, null, null, conn, tx, ct).ConfigureAwait(false);
            result = CasCommandResult.Rejected(reason);
            _logger.LogInformation("Simulated CAS: rejected {Kind} of {CasDeviceId}: {Reason}", command.Kind, command.CasDeviceId, reason);
        }
        else
        {
            var vendorReference = "SIM-" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
            var id = await InsertLogAsync(command, CasCommandOutcome.Applied, null, vendorReference, null, conn, tx, ct).ConfigureAwait(false);
            await ApplyAsync(command, id, conn, tx, ct).ConfigureAwait(false);
            result = CasCommandResult.Ok(vendorReference);
            _logger.LogInformation("Simulated CAS: applied {Kind} of {CasDeviceId} ({VendorReference})", command.Kind, command.CasDeviceId, vendorReference);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
        return result;
    }

    private async Task<string?> RefusalAsync(Command command, NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (Faults.IsRejected(command.CasDeviceId, out var reason))
        {
            return reason;
        }

        if (command.Kind == CasCommandKind.Activate && command.ProductIds.Count == 0)
        {
            return "activation without products";
        }

        if (command.Kind == CasCommandKind.UpdateEntitlements)
        {
            await using var cmd = new NpgsqlCommand("SELECT state FROM cas_sim.device WHERE cas_device_id = @device", conn, tx);
            cmd.Parameters.AddWithValue("device", command.CasDeviceId);
            var state = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) as string;
            if (state != "active")
            {
                return $"device {command.CasDeviceId} is not active";
            }
        }

        return null;
    }

    private static async Task ApplyAsync(Command command, long commandId, NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        var sql = command.Kind switch
        {
            CasCommandKind.Activate => CasSimulatorSql.Activate,
            CasCommandKind.Deactivate => CasSimulatorSql.Deactivate,
            CasCommandKind.UpdateEntitlements => CasSimulatorSql.UpdateEntitlements,
            _ => throw new InvalidOperationException($"unknown CAS command kind {command.Kind}"),
        };
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        cmd.Parameters.AddWithValue("device", command.CasDeviceId);
        cmd.Parameters.Add(new NpgsqlParameter("card", NpgsqlDbType.Text) { Value = (object?)command.SmartCardNumber ?? DBNull.Value });
        cmd.Parameters.AddWithValue("products", command.ProductIds.ToArray());
        cmd.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = (object?)command.ValidFrom?.ToUniversalTime() ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = (object?)command.ValidTo?.ToUniversalTime() ?? DBNull.Value });
        cmd.Parameters.AddWithValue("command", commandId);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static async Task<CasCommandRecord?> FindFirstAsync(string key, NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(CasSimulatorSql.SelectFirstByKey, conn, tx);
        cmd.Parameters.AddWithValue("key", key);
        var rows = await ReadLogAsync(cmd, ct).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    private static async Task<long> InsertLogAsync(Command command, string outcome, string? reason, string? vendorReference, long? originalId,
        NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(CasSimulatorSql.InsertLog, conn, tx);
        cmd.Parameters.AddWithValue("key", command.IdempotencyKey);
        cmd.Parameters.AddWithValue("kind", command.Kind);
        cmd.Parameters.AddWithValue("device", command.CasDeviceId);
        cmd.Parameters.Add(new NpgsqlParameter("card", NpgsqlDbType.Text) { Value = (object?)command.SmartCardNumber ?? DBNull.Value });
        cmd.Parameters.AddWithValue("products", command.ProductIds.ToArray());
        cmd.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = (object?)command.ValidFrom?.ToUniversalTime() ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = (object?)command.ValidTo?.ToUniversalTime() ?? DBNull.Value });
        cmd.Parameters.AddWithValue("outcome", outcome);
        cmd.Parameters.Add(new NpgsqlParameter("reason", NpgsqlDbType.Text) { Value = (object?)reason ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("reference", NpgsqlDbType.Text) { Value = (object?)vendorReference ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("original", NpgsqlDbType.Bigint) { Value = (object?)originalId ?? DBNull.Value });
        return (long)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    private static async Task<IReadOnlyList<CasCommandRecord>> ReadLogAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<CasCommandRecord>();
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            list.Add(new CasCommandRecord(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetFieldValue<string[]>(5),
                reader.GetFieldValue<DateTimeOffset>(6),
                reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetInt64(10)));
        }

        return list;
    }

    private sealed record Command(
        string Kind,
        string IdempotencyKey,
        string CasDeviceId,
        string? SmartCardNumber,
        IReadOnlyList<string> ProductIds,
        DateTimeOffset? ValidFrom,
        DateTimeOffset? ValidTo);
}
