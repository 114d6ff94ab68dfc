using System.Text.Json;
using CableHub.Connectors.Common.Simulation;
using CableHub.Core.Diagnostics;
using CableHub.Core.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace CableHub.Connectors.Cas.Simulator;

/// <summary>
/// A stand-in for a vendor conditional-access head-end, with durable state of its own in the PostgreSQL schema
/// <c>cas_sim</c>. It behaves like an outside system: it commits on its own connection (never in the caller's
/// transaction), logs every command it receives, refuses boxes it does not know, and applies each idempotency
/// key at most once — a repeated key is logged as a duplicate and answered with the first command's result.
/// Latency, refusals, random 5xx/timeouts/lost answers (seeded) and a "down" switch (in <c>cas_sim.control</c>,
/// so the CLI and the admin endpoint reach a simulator running inside the hub) come from <see cref="Faults"/>
/// and <see cref="DownAsync"/>. Runs in-process or behind its HTTP server (<see cref="Http.CasSimulatorServer"/>).
/// </summary>
public sealed class SimulatedConditionalAccessSystem : IConditionalAccessSystem, ISimulatorDownSwitch, IAsyncDisposable
{
    private const long SchemaLockKey = 0x43_41_53_5F_53_49_4D; // "CAS_SIM"
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger _logger;
    private readonly CasSimulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private volatile bool _schemaReady;
    private DownCache? _downCache;

    public SimulatedConditionalAccessSystem(CasSimulatorOptions options, ILogger<SimulatedConditionalAccessSystem>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ConnectionString);
        _options = options;
        _time = options.Time;
        _dataSource = NpgsqlDataSource.Create(options.ConnectionString);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Faults.Latency = options.Latency;
        Faults.ResponseDelay = options.ResponseDelay;
        if (options.RandomFaults is { } random)
        {
            Faults.RandomFaults.Configure(random);
        }
    }

    /// <summary>Faults and delays, changeable at run time.</summary>
    public CasFaultInjection Faults { get; } = new();

    /// <summary>Applies the <c>cas_sim</c> migrations not applied yet (idempotent, safe across processes).</summary>
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

            await using (var versions = new NpgsqlCommand(CasSimulatorSql.VersionTable, conn, tx))
            {
                await versions.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            var applied = new HashSet<int>();
            await using (var read = new NpgsqlCommand(CasSimulatorSql.AppliedVersions, conn, tx))
            await using (var reader = await read.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    applied.Add(reader.GetInt32(0));
                }
            }

            foreach (var (version, script) in CasSimulatorSql.Migrations.Where(m => !applied.Contains(m.Version)))
            {
#pragma warning disable CA2100 // the DDL is an embedded resource of this assembly, not input
                await using (var ddl = new NpgsqlCommand(script, conn, tx))
#pragma warning restore CA2100
                {
                    await ddl.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                await using var record = new NpgsqlCommand(CasSimulatorSql.RecordVersion, conn, tx);
                record.Parameters.AddWithValue("version", version);
                await record.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                _logger.LogInformation("Simulated CAS: schema cas_sim migrated to version {Version}", version);
            }

            await tx.CommitAsync(ct).ConfigureAwait(false);
            _schemaReady = true;
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    // ---- the port ----

    public Task<CasCommandResult> ActivateDeviceAsync(CasActivation activation, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(activation);
        return ExecuteAsync(new Command(CasCommandKind.Activate, activation.IdempotencyKey, CasTarget.Box(activation.CasDeviceId))
        {
            SmartCardNumber = activation.SmartCardNumber,
            ProductIds = activation.ProductIds,
            ValidFrom = activation.ValidFrom,
            ValidTo = activation.ValidTo,
        }, ct);
    }

    /// <summary>
    /// Several activations in one exchange: one latency, one fault decision and ONE transaction for the batch (each command still
    /// locked by its key, logged, checked and applied as alone; results in order). A down or failing head-end, a box made
    /// unavailable, or a lost answer fails the whole batch with <see cref="CasUnavailableException"/> (every key may be retried).
    /// </summary>
    public async Task<IReadOnlyList<CasCommandResult>> ActivateDevicesAsync(IReadOnlyList<CasActivation> activations, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(activations);
        var commands = activations.Select(a => new Command(CasCommandKind.Activate, a.IdempotencyKey, CasTarget.Box(a.CasDeviceId))
        {
            SmartCardNumber = a.SmartCardNumber,
            ProductIds = a.ProductIds,
            ValidFrom = a.ValidFrom,
            ValidTo = a.ValidTo,
        }).ToList();
        foreach (var command in commands)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(command.IdempotencyKey);
            ArgumentException.ThrowIfNullOrWhiteSpace(command.Target.Id);
        }

        if (commands.Count == 0)
        {
            return [];
        }

        await EnsureSchemaAsync(ct).ConfigureAwait(false);
        if (await DownUntilAsync(ct).ConfigureAwait(false) is { } until)
        {
            _logger.LogWarning("Simulated CAS down: refused a batch of {Count} activations", commands.Count);
            throw new CasUnavailableException($"simulated CAS is down until {until:O} (a batch of {commands.Count} activations)");
        }

        var latency = Faults.Latency;
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, _time, ct).ConfigureAwait(false);
        }

        var decision = Faults.RandomFaultsOnTransport ? default : Faults.RandomFaults.Next();
        await DelayAsync(decision.Latency, ct).ConfigureAwait(false);
        if (decision.Kind == FaultKind.Error || commands.Aggregate(false, (any, c) => Faults.TakeUnavailable(c.Target.Id) | any))
        {
            _logger.LogWarning("Simulated CAS unavailable for a batch of {Count} activations", commands.Count);
            throw new CasUnavailableException($"simulated CAS is unavailable (a batch of {commands.Count} activations)");
        }

        if (decision.Kind == FaultKind.Timeout)
        {
            await HangAsync(ct).ConfigureAwait(false);
            throw new CasUnavailableException($"simulated CAS did not answer (a batch of {commands.Count} activations)");
        }

        var results = new CasCommandResult[commands.Count];
        try
        {
            await using var conn = await OpenAsync(ct).ConfigureAwait(false);
            await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
            // In key order, so two batches that share keys (retries) take the keys' locks in the same order.
            foreach (var i in Enumerable.Range(0, commands.Count).OrderBy(i => commands[i].IdempotencyKey, StringComparer.Ordinal))
            {
                results[i] = await RecordAndApplyAsync(commands[i], conn, tx, ct).ConfigureAwait(false);
            }

            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
        catch (NpgsqlException e) when (e.IsTransient)
        {
            throw new CasUnavailableException($"simulated CAS could not reach its store (a batch of {commands.Count} activations)", e);
        }

        if (decision.Kind == FaultKind.LostResponse || Faults.TakeLostResponse())
        {
            _logger.LogWarning("Simulated CAS applied a batch of {Count} activations but lost the answer", commands.Count);
            if (decision.Kind == FaultKind.LostResponse)
            {
                await HangAsync(ct).ConfigureAwait(false);
            }

            throw new CasUnavailableException($"simulated CAS did not answer (a batch of {commands.Count} activations)");
        }

        var responseDelay = Faults.ResponseDelay;
        if (responseDelay > TimeSpan.Zero)
        {
            await Task.Delay(responseDelay, _time, ct).ConfigureAwait(false);
        }

        return results;
    }

    public Task<CasCommandResult> DeactivateDeviceAsync(string idempotencyKey, string casDeviceId, CancellationToken ct) =>
        ExecuteAsync(new Command(CasCommandKind.Deactivate, idempotencyKey, CasTarget.Box(casDeviceId)), ct);

    public Task<CasCommandResult> UpdateEntitlementsAsync(string idempotencyKey, string casDeviceId, IReadOnlyList<string> productIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(productIds);
        return ExecuteAsync(new Command(CasCommandKind.UpdateEntitlements, idempotencyKey, CasTarget.Box(casDeviceId)) { ProductIds = productIds }, ct);
    }

    public Task<CasCommandResult> AddProductsAsync(CasProductGrant grant, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(grant);
        ArgumentNullException.ThrowIfNull(grant.Target);
        return ExecuteAsync(new Command(CasCommandKind.AddProducts, grant.IdempotencyKey, grant.Target)
        {
            ProductIds = grant.Products.Select(p => p.ProductId).ToList(),
            Products = grant.Products,
        }, ct);
    }

    public Task<CasCommandResult> RemoveProductsAsync(CasProductRevocation revocation, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(revocation);
        ArgumentNullException.ThrowIfNull(revocation.Target);
        return ExecuteAsync(new Command(CasCommandKind.RemoveProducts, revocation.IdempotencyKey, revocation.Target) { ProductIds = revocation.ProductIds }, ct);
    }

    public Task<CasCommandResult> PairAsync(CasPairing pairing, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(pairing);
        return ExecuteAsync(new Command(CasCommandKind.Pair, pairing.IdempotencyKey, CasTarget.Box(pairing.CasDeviceId)) { SmartCardNumber = pairing.SmartCardNumber }, ct);
    }

    public Task<CasCommandResult> UnpairAsync(CasPairing pairing, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(pairing);
        return ExecuteAsync(new Command(CasCommandKind.Unpair, pairing.IdempotencyKey, CasTarget.Box(pairing.CasDeviceId)) { SmartCardNumber = pairing.SmartCardNumber }, ct);
    }

    public Task<CasCommandResult> SendOnScreenMessageAsync(CasOnScreenMessage message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(message.Target);
        return ExecuteAsync(new Command(CasCommandKind.OnScreenMessage, message.IdempotencyKey, message.Target)
        {
            Screen = new ScreenPayload(message.Text, message.Priority.ToString().ToLowerInvariant(), null, message.DisplayFor),
        }, ct);
    }

    public Task<CasCommandResult> ForceTuneAsync(CasForcedTune tune, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tune);
        ArgumentNullException.ThrowIfNull(tune.Target);
        return ExecuteAsync(new Command(CasCommandKind.ForceTune, tune.IdempotencyKey, tune.Target)
        {
            Screen = new ScreenPayload(null, null, tune.ServiceId, tune.Duration),
        }, ct);
    }

    public async Task<CasDeviceSnapshot?> GetDeviceAsync(string casDeviceId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(casDeviceId);
        await BeforeQueryAsync(ct).ConfigureAwait(false);
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(CasSimulatorSql.SelectSnapshot, conn);
        cmd.Parameters.AddWithValue("device", casDeviceId);
        var rows = await ReadSnapshotsAsync(cmd, ct).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<CasDevicePage> ListDevicesAsync(CasDeviceListRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Limit is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.Limit, "page size must be 1–1000");
        }

        await BeforeQueryAsync(ct).ConfigureAwait(false);
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(CasSimulatorSql.SelectSnapshotPage, conn);
        cmd.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Text) { Value = (object?)request.After ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("since", NpgsqlDbType.TimestampTz) { Value = (object?)request.ChangedSince?.ToUniversalTime() ?? DBNull.Value });
        cmd.Parameters.AddWithValue("limit", request.Limit + 1);
        var rows = await ReadSnapshotsAsync(cmd, ct).ConfigureAwait(false);
        return rows.Count > request.Limit
            ? new CasDevicePage(rows.Take(request.Limit).ToList(), rows[request.Limit - 1].CasDeviceId)
            : new CasDevicePage(rows, null);
    }

    // ---- head-end administration (the vendor's side) ----

    /// <summary>The vendor's device import: makes boxes (with the card delivered in them) known to the CAS. Returns how many were new.</summary>
    public async Task<int> RegisterDevicesAsync(IReadOnlyCollection<CasDeviceRegistration> devices, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(devices);
        await EnsureSchemaAsync(ct).ConfigureAwait(false);
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(CasSimulatorSql.RegisterMany, conn);
        cmd.Parameters.AddWithValue("boxes", devices.Select(d => d.CasDeviceId).ToArray());
        cmd.Parameters.Add(new NpgsqlParameter("cards", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = devices.Select(d => d.SmartCardNumber).ToArray() });
        var added = await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        _logger.LogInformation("Simulated CAS: {Added} of {Count} boxes registered", added, devices.Count);
        return added;
    }

    public async ValueTask<DateTimeOffset?> DownUntilAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var cache = Volatile.Read(ref _downCache);
        if (cache is null || now - cache.ReadAt >= _options.ControlRefresh)
        {
            await EnsureSchemaAsync(ct).ConfigureAwait(false);
            await using var conn = await OpenAsync(ct).ConfigureAwait(false);
            await using var cmd = new NpgsqlCommand(CasSimulatorSql.SelectDownUntil, conn);
            var value = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
            cache = new DownCache(value is DateTime dt ? new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)) : null, now);
            Volatile.Write(ref _downCache, cache);
        }

        var memory = Faults.RandomFaults.DownUntil;
        var db = cache.Until is { } until && until > now ? until : (DateTimeOffset?)null;
        return memory is null ? db : db is null ? memory : (memory > db ? memory : db);
    }

    /// <summary>Takes the head-end down for <paramref name="duration"/> (null: until <see cref="UpAsync"/>), for every simulator on this database.</summary>
    public async Task DownAsync(TimeSpan? duration, string? reason, CancellationToken ct)
    {
        await EnsureSchemaAsync(ct).ConfigureAwait(false);
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(CasSimulatorSql.SetDown, conn);
        cmd.Parameters.Add(new NpgsqlParameter("until", NpgsqlDbType.TimestampTz)
        {
            Value = duration is { } d ? (_time.GetUtcNow() + d).UtcDateTime : DateTimeOffset.MaxValue.UtcDateTime.AddDays(-1),
        });
        cmd.Parameters.AddWithValue("reason", reason ?? "maintenance");
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        Volatile.Write(ref _downCache, null);
        _logger.LogWarning("Simulated CAS: DOWN {For} ({Reason})", duration is { } x ? $"for {x.TotalSeconds:0} s" : "until brought up", reason ?? "maintenance");
    }

    public async Task UpAsync(CancellationToken ct)
    {
        await EnsureSchemaAsync(ct).ConfigureAwait(false);
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(CasSimulatorSql.SetDown, conn);
        cmd.Parameters.Add(new NpgsqlParameter("until", NpgsqlDbType.TimestampTz) { Value = DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("reason", NpgsqlDbType.Text) { Value = DBNull.Value });
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        Faults.RandomFaults.Up();
        Volatile.Write(ref _downCache, null);
        _logger.LogWarning("Simulated CAS: up");
    }

    // ---- inspection (tests, demos) ----

    /// <summary>The whole command log in arrival order, or only the commands for one box (or card).</summary>
    public async Task<IReadOnlyList<CasCommandRecord>> CommandLogAsync(string? casDeviceId = null, CancellationToken ct = default)
    {
        await EnsureSchemaAsync(ct).ConfigureAwait(false);
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
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

    /// <summary>The box as the CAS sees it now (no faults applied), or null when the CAS does not know it.</summary>
    public async Task<CasDeviceState?> DeviceAsync(string casDeviceId, CancellationToken ct = default)
    {
        await EnsureSchemaAsync(ct).ConfigureAwait(false);
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
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

    /// <summary>On-screen messages and forced tunes sent to a box, oldest first.</summary>
    public async Task<IReadOnlyList<CasScreenCommand>> ScreenCommandsAsync(string casDeviceId, CancellationToken ct = default)
    {
        await EnsureSchemaAsync(ct).ConfigureAwait(false);
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(CasSimulatorSql.SelectScreenCommands, conn);
        cmd.Parameters.AddWithValue("device", casDeviceId);
        var list = new List<CasScreenCommand>();
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            list.Add(new CasScreenCommand(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return list;
    }

    public async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _schemaGate.Dispose();
    }

    // ---- the head-end's work ----

    private async Task BeforeQueryAsync(CancellationToken ct)
    {
        await EnsureSchemaAsync(ct).ConfigureAwait(false);
        if (await DownUntilAsync(ct).ConfigureAwait(false) is { } until)
        {
            throw new CasUnavailableException($"simulated CAS is down until {until:O}");
        }

        var latency = Faults.Latency;
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, _time, ct).ConfigureAwait(false);
        }

        if (!Faults.RandomFaultsOnTransport)
        {
            var decision = Faults.RandomFaults.Next();
            await DelayAsync(decision.Latency, ct).ConfigureAwait(false);
            if (decision.Kind is FaultKind.Error or FaultKind.LostResponse)
            {
                throw new CasUnavailableException($"simulated CAS error {decision.ErrorStatus} (query)");
            }

            if (decision.Kind == FaultKind.Timeout)
            {
                await HangAsync(ct).ConfigureAwait(false);
                throw new CasUnavailableException("simulated CAS did not answer (query)");
            }
        }
    }

    private async Task<CasCommandResult> ExecuteAsync(Command command, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command.IdempotencyKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(command.Target.Id);
        await EnsureSchemaAsync(ct).ConfigureAwait(false);

        if (await DownUntilAsync(ct).ConfigureAwait(false) is { } until)
        {
            _logger.LogWarning("Simulated CAS down: refused {Kind} of {CasDeviceId} (key {IdempotencyKey})", command.Kind, command.Target.Id, command.IdempotencyKey);
            throw new CasUnavailableException($"simulated CAS is down until {until:O} ({command.Kind} of {command.Target.Id})");
        }

        var latency = Faults.Latency;
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, _time, ct).ConfigureAwait(false);
        }

        var decision = Faults.RandomFaultsOnTransport ? default : Faults.RandomFaults.Next();
        await DelayAsync(decision.Latency, ct).ConfigureAwait(false);
        if (decision.Kind == FaultKind.Error || Faults.TakeUnavailable(command.Target.Id))
        {
            _logger.LogWarning("Simulated CAS unavailable for {Kind} of {CasDeviceId} (key {IdempotencyKey})", command.Kind, command.Target.Id, command.IdempotencyKey);
            throw new CasUnavailableException($"simulated CAS is unavailable ({command.Kind} of {command.Target.Id})");
        }

        if (decision.Kind == FaultKind.Timeout)
        {
            await HangAsync(ct).ConfigureAwait(false);
            throw new CasUnavailableException($"simulated CAS did not answer ({command.Kind} of {command.Target.Id})");
        }

        CasCommandResult result;
        try
        {
            result = await RecordAndApplyAsync(command, ct).ConfigureAwait(false);
        }
        catch (NpgsqlException e) when (e.IsTransient)
        {
            throw new CasUnavailableException($"simulated CAS could not reach its store ({command.Kind} of {command.Target.Id})", e);
        }

        if (decision.Kind == FaultKind.LostResponse || Faults.TakeLostResponse())
        {
            _logger.LogWarning("Simulated CAS applied {Kind} of {CasDeviceId} (key {IdempotencyKey}) but lost the answer", command.Kind, command.Target.Id, command.IdempotencyKey);
            if (decision.Kind == FaultKind.LostResponse)
            {
                await HangAsync(ct).ConfigureAwait(false);
            }

            throw new CasUnavailableException($"simulated CAS did not answer ({command.Kind} of {command.Target.Id})");
        }

        var responseDelay = Faults.ResponseDelay;
        if (responseDelay > TimeSpan.Zero)
        {
            await Task.Delay(responseDelay, _time, ct).ConfigureAwait(false);
        }

        return result;
    }

    private async Task<CasCommandResult> RecordAndApplyAsync(Command command, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var result = await RecordAndApplyAsync(command, conn, tx, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return result;
    }

    /// <summary>Logs, checks and applies one command in the caller's transaction (its key locked until that transaction ends).</summary>
    private async Task<CasCommandResult> RecordAndApplyAsync(Command command, NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
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
            await InsertLogAsync(command, CasCommandOutcome.Duplicate, null, null, null, first.Id, conn, tx, ct).ConfigureAwait(false);
            result = first.Kind != command.Kind || first.CasDeviceId != command.Target.Id
                ? CasCommandResult.Rejected(CasRejectionCodes.IdempotencyKeyReused,
                    $"idempotency key {command.IdempotencyKey} was already used for {first.Kind} of {first.CasDeviceId}")
                : first.Outcome == CasCommandOutcome.Applied
                    ? CasCommandResult.Ok(first.VendorReference!)
                    : CasCommandResult.Rejected(first.RejectionCode ?? CasRejectionCodes.Refused, first.RejectionReason ?? "rejected");
            _logger.LogInformation("Simulated CAS: duplicate {Kind} of {CasDeviceId} (key {IdempotencyKey}), no effect", command.Kind, command.Target.Id, command.IdempotencyKey);
        }
        else
        {
            var (box, refusal) = await CheckAsync(command, conn, tx, ct).ConfigureAwait(false);
            if (refusal is { } r)
            {
                await InsertLogAsync(command, CasCommandOutcome.Rejected, r.Code, r.Reason, null, null, conn, tx, ct).ConfigureAwait(false);
                result = CasCommandResult.Rejected(r.Code, r.Reason);
                _logger.LogInformation("Simulated CAS: rejected {Kind} of {CasDeviceId}: {Reason} ({Code})", command.Kind, command.Target.Id, r.Reason, r.Code);
            }
            else
            {
                var vendorReference = "SIM-" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
                var id = await InsertLogAsync(command, CasCommandOutcome.Applied, null, null, vendorReference, null, conn, tx, ct).ConfigureAwait(false);
                await ApplyAsync(command, box!, id, conn, tx, ct).ConfigureAwait(false);
                result = CasCommandResult.Ok(vendorReference);
                _logger.LogInformation("Simulated CAS: applied {Kind} of {CasDeviceId} ({VendorReference})", command.Kind, command.Target.Id, vendorReference);
            }
        }

        return result;
    }

    /// <summary>Finds the box the command is for and whether the head-end refuses it.</summary>
    private async Task<(string? Box, Refusal? Refusal)> CheckAsync(Command command, NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (Faults.IsRejected(command.Target.Id, out var reason))
        {
            return (null, new Refusal(CasRejectionCodes.Refused, reason));
        }

        if (Invalid(command) is { } invalid)
        {
            return (null, new Refusal(CasRejectionCodes.InvalidCommand, invalid));
        }

        DeviceRow? device;
        if (command.Target.Kind == CasTargetKind.SmartCard)
        {
            device = await ReadDeviceAsync(CasSimulatorSql.SelectDeviceOfCardForUpdate, "card", command.Target.Id, conn, tx, ct).ConfigureAwait(false);
            if (device is null)
            {
                return (null, new Refusal(CasRejectionCodes.UnknownSmartCard, $"smart card {command.Target.Id} is not paired with any box the CAS knows"));
            }
        }
        else
        {
            device = await ReadDeviceAsync(CasSimulatorSql.SelectDeviceForUpdate, "device", command.Target.Id, conn, tx, ct).ConfigureAwait(false);
        }

        var box = device?.CasDeviceId ?? command.Target.Id;
        if (device is null && !(command.Kind == CasCommandKind.Activate && _options.RegisterUnknownDevicesOnActivation))
        {
            return (box, new Refusal(CasRejectionCodes.UnknownDevice, $"device {box} is not registered in the CAS"));
        }

        if (Faults.IsRejected(box, out reason))
        {
            return (box, new Refusal(CasRejectionCodes.Refused, reason));
        }

        var needsActive = command.Kind is CasCommandKind.UpdateEntitlements or CasCommandKind.AddProducts
            or CasCommandKind.OnScreenMessage or CasCommandKind.ForceTune;
        if (needsActive && device!.State != CasDeviceStatus.Active)
        {
            return (box, new Refusal(CasRejectionCodes.DeviceNotActive, $"device {box} is not active"));
        }

        if (command.Kind is CasCommandKind.Activate or CasCommandKind.Pair && command.SmartCardNumber is { } card)
        {
            var holder = await ReadDeviceAsync(CasSimulatorSql.SelectDeviceOfCardForUpdate, "card", card, conn, tx, ct).ConfigureAwait(false);
            if (holder is not null && holder.CasDeviceId != box)
            {
                return (box, new Refusal(CasRejectionCodes.SmartCardPairedElsewhere, $"smart card {card} is paired with device {holder.CasDeviceId}"));
            }
        }

        return (box, null);
    }

    private static string? Invalid(Command c)
    {
        switch (c.Kind)
        {
            case CasCommandKind.Activate when c.ProductIds.Count == 0:
                return "activation without products";
            case CasCommandKind.Activate when c.ValidTo is { } to && to < c.ValidFrom:
                return "validity ends before it starts";
            case CasCommandKind.AddProducts when c.Products.Count == 0:
            case CasCommandKind.RemoveProducts when c.ProductIds.Count == 0:
                return "no products";
            case CasCommandKind.AddProducts when c.Products.FirstOrDefault(p => p.ValidTo is { } to && to < p.ValidFrom) is { } bad:
                return $"validity of {bad.ProductId} ends before it starts";
            case CasCommandKind.AddProducts or CasCommandKind.RemoveProducts or CasCommandKind.UpdateEntitlements
                when c.ProductIds.Any(string.IsNullOrWhiteSpace):
                return "empty product id";
            case CasCommandKind.Pair or CasCommandKind.Unpair when string.IsNullOrWhiteSpace(c.SmartCardNumber):
                return "no smart card number";
            case CasCommandKind.OnScreenMessage when string.IsNullOrWhiteSpace(c.Screen?.Text) || c.Screen.Text.Length > 500:
                return "message text must have 1–500 characters";
            case CasCommandKind.ForceTune when string.IsNullOrWhiteSpace(c.Screen?.ServiceId):
                return "no service id";
            case CasCommandKind.OnScreenMessage or CasCommandKind.ForceTune when c.Screen!.Duration <= TimeSpan.Zero || c.Screen.Duration > TimeSpan.FromDays(1):
                return "duration must be between 1 second and 1 day";
            default:
                return null;
        }
    }

    private async Task ApplyAsync(Command command, string box, long commandId, NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        var sql = command.Kind switch
        {
            CasCommandKind.Activate => CasSimulatorSql.Activate,
            CasCommandKind.Deactivate => CasSimulatorSql.Deactivate,
            CasCommandKind.UpdateEntitlements => CasSimulatorSql.UpdateEntitlements,
            CasCommandKind.AddProducts => CasSimulatorSql.AddProducts,
            CasCommandKind.RemoveProducts => CasSimulatorSql.RemoveProducts,
            CasCommandKind.Pair => CasSimulatorSql.Pair,
            CasCommandKind.Unpair => CasSimulatorSql.Unpair,
            CasCommandKind.OnScreenMessage or CasCommandKind.ForceTune => CasSimulatorSql.InsertScreenCommand,
            _ => throw new InvalidOperationException($"unknown CAS command kind {command.Kind}"),
        };
#pragma warning disable CA2100 // constants of this assembly
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
#pragma warning restore CA2100
        cmd.Parameters.AddWithValue("device", box);
        cmd.Parameters.AddWithValue("command", commandId);
        switch (command.Kind)
        {
            case CasCommandKind.AddProducts:
                cmd.Parameters.AddWithValue("products", command.Products.Select(p => p.ProductId).ToArray());
                cmd.Parameters.AddWithValue("froms", command.Products.Select(p => p.ValidFrom.UtcDateTime).ToArray());
                cmd.Parameters.Add(new NpgsqlParameter("tos", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
                {
                    Value = command.Products.Select(p => p.ValidTo?.UtcDateTime).ToArray(),
                });
                break;
            case CasCommandKind.OnScreenMessage or CasCommandKind.ForceTune:
                var now = _time.GetUtcNow();
                cmd.Parameters.AddWithValue("kind", command.Kind);
                cmd.Parameters.Add(new NpgsqlParameter("text", NpgsqlDbType.Text) { Value = (object?)command.Screen!.Text ?? DBNull.Value });
                cmd.Parameters.Add(new NpgsqlParameter("priority", NpgsqlDbType.Text) { Value = (object?)command.Screen.Priority ?? DBNull.Value });
                cmd.Parameters.Add(new NpgsqlParameter("service", NpgsqlDbType.Text) { Value = (object?)command.Screen.ServiceId ?? DBNull.Value });
                cmd.Parameters.AddWithValue("starts", now.UtcDateTime);
                cmd.Parameters.AddWithValue("ends", (now + command.Screen.Duration).UtcDateTime);
                break;
            default:
                cmd.Parameters.Add(new NpgsqlParameter("card", NpgsqlDbType.Text) { Value = (object?)command.SmartCardNumber ?? DBNull.Value });
                cmd.Parameters.AddWithValue("products", command.ProductIds.ToArray());
                cmd.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = (object?)command.ValidFrom?.UtcDateTime ?? DBNull.Value });
                cmd.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = (object?)command.ValidTo?.UtcDateTime ?? DBNull.Value });
                break;
        }

        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static async Task<DeviceRow?> ReadDeviceAsync(string sql, string parameter, string value, NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
#pragma warning disable CA2100 // constants of this assembly
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
#pragma warning restore CA2100
        cmd.Parameters.AddWithValue(parameter, value);
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false)
            ? new DeviceRow(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2))
            : null;
    }

    private static async Task<CasCommandRecord?> FindFirstAsync(string key, NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(CasSimulatorSql.SelectFirstByKey, conn, tx);
        cmd.Parameters.AddWithValue("key", key);
        var rows = await ReadLogAsync(cmd, ct).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    private static async Task<long> InsertLogAsync(Command command, string outcome, string? code, string? reason, string? vendorReference, long? originalId,
        NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(CasSimulatorSql.InsertLog, conn, tx);
        cmd.Parameters.AddWithValue("key", command.IdempotencyKey);
        cmd.Parameters.AddWithValue("kind", command.Kind);
        cmd.Parameters.AddWithValue("device", command.Target.Id);
        cmd.Parameters.AddWithValue("target_kind", command.Target.Kind == CasTargetKind.SmartCard ? "smart_card" : "box");
        cmd.Parameters.Add(new NpgsqlParameter("card", NpgsqlDbType.Text) { Value = (object?)command.SmartCardNumber ?? DBNull.Value });
        cmd.Parameters.AddWithValue("products", command.ProductIds.ToArray());
        cmd.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = (object?)command.ValidFrom?.UtcDateTime ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = (object?)command.ValidTo?.UtcDateTime ?? DBNull.Value });
        cmd.Parameters.AddWithValue("outcome", outcome);
        cmd.Parameters.Add(new NpgsqlParameter("code", NpgsqlDbType.Text) { Value = (object?)code ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("reason", NpgsqlDbType.Text) { Value = (object?)reason ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("reference", NpgsqlDbType.Text) { Value = (object?)vendorReference ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("original", NpgsqlDbType.Bigint) { Value = (object?)originalId ?? DBNull.Value });
        object payload = command.Products.Count > 0 ? JsonSerializer.Serialize(command.Products, Json)
            : command.Screen is { } s ? JsonSerializer.Serialize(new { s.Text, s.Priority, s.ServiceId, durationSeconds = s.Duration.TotalSeconds }, Json)
            : DBNull.Value;
        cmd.Parameters.Add(new NpgsqlParameter("payload", NpgsqlDbType.Text) { Value = payload });
        cmd.Parameters.Add(new NpgsqlParameter("correlation", NpgsqlDbType.Text) { Value = (object?)CorrelationContext.Current ?? DBNull.Value });
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
                reader.IsDBNull(10) ? null : reader.GetInt64(10),
                reader.GetString(11),
                reader.IsDBNull(12) ? null : reader.GetString(12)));
        }

        return list;
    }

    private static async Task<IReadOnlyList<CasDeviceSnapshot>> ReadSnapshotsAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<CasDeviceSnapshot>();
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var products = JsonSerializer.Deserialize<List<CasEntitlement>>(reader.GetString(5), Json) ?? [];
            list.Add(new CasDeviceSnapshot(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
                products,
                reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return list;
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        try
        {
            return await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        }
        catch (NpgsqlException e) when (e.IsTransient)
        {
            throw new CasUnavailableException("simulated CAS could not reach its store", e);
        }
    }

    private Task DelayAsync(TimeSpan delay, CancellationToken ct) => delay > TimeSpan.Zero ? Task.Delay(delay, _time, ct) : Task.CompletedTask;

    private async Task HangAsync(CancellationToken ct) =>
        await Task.Delay(Faults.RandomFaults.Settings.HangFor, _time, ct).ConfigureAwait(false);

    private sealed record DeviceRow(string CasDeviceId, string State, string? SmartCardNumber);

    private sealed record Refusal(string Code, string Reason);

    private sealed record DownCache(DateTimeOffset? Until, DateTimeOffset ReadAt);

    private sealed record ScreenPayload(string? Text, string? Priority, string? ServiceId, TimeSpan Duration);

    private sealed record Command(string Kind, string IdempotencyKey, CasTarget Target)
    {
        public string? SmartCardNumber { get; init; }

        public IReadOnlyList<string> ProductIds { get; init; } = [];

        public IReadOnlyList<CasEntitlement> Products { get; init; } = [];

        public DateTimeOffset? ValidFrom { get; init; }

        public DateTimeOffset? ValidTo { get; init; }

        public ScreenPayload? Screen { get; init; }
    }
}
