using CableHub.Core.Persistence;
using Dapper;

namespace CableHub.Sagas.Lifecycle;

/// <summary>One CAS command of a lifecycle change (<c>sagas.lifecycle_cas_op</c>).</summary>
public sealed record LifecycleCasOp(
    string IdempotencyKey,
    Guid ChangeId,
    int Seq,
    Guid DeviceId,
    string CasDeviceId,
    string Op,
    string[] Products,
    bool Compensation,
    DateTimeOffset LeaseUntil,
    DateTimeOffset? FinishedAt,
    string? Outcome,
    string? Reason)
{
    public const string Add = "add";
    public const string Remove = "remove";
    public const string Activate = "activate";
    public const string Deactivate = "deactivate";
    public const string Message = "message";
    public const string Accepted = "accepted";
    public const string Rejected = "rejected";
    public const string Unavailable = "unavailable";

    /// <summary>The smart card an activation pairs with the box (a swap's replacement box), else null.</summary>
    public string? SmartCard { get; init; }

    public bool InFlight(DateTimeOffset now) => FinishedAt is null && LeaseUntil > now;

    /// <summary>How often the command was sent (0: planned, never sent — the change stopped at an earlier refusal).</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>May have changed the CAS: sent, and accepted or never answered.</summary>
    public bool MayHaveTakenEffect => Outcome is not Rejected && Attempts > 0;
}

/// <summary>The SQL of <c>sagas.lifecycle_cas_op</c> and <c>sagas.lifecycle_lease</c>.</summary>
internal static class LifecycleOpLog
{
    private const string Columns = "idempotency_key, change_id, seq, device_id, cas_device_id, op, products, compensation, lease_until, finished_at, outcome, reason, smart_card, attempts";

    public static string Key(Guid changeId, int seq, string op, string casDeviceId, bool compensation) =>
        $"lifecycle:{changeId}:{(compensation ? "undo-" : "")}{seq}:{op}:{casDeviceId}";

    public static async Task<IReadOnlyList<LifecycleCasOp>> ForAsync(Guid changeId, bool compensation, DbSession session, CancellationToken ct) =>
        (await session.Connection.QueryAsync<OpRow>(new CommandDefinition(
            $"SELECT {Columns} FROM sagas.lifecycle_cas_op WHERE change_id = @changeId AND compensation = @compensation ORDER BY seq",
            new { changeId, compensation }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false))
            .Select(r => new LifecycleCasOp(r.IdempotencyKey, r.ChangeId, r.Seq, r.DeviceId, r.CasDeviceId, r.Op, r.Products, r.Compensation, r.LeaseUntil, r.FinishedAt,
                r.Outcome, r.Reason) { SmartCard = r.SmartCard, Attempts = r.Attempts })
            .ToList();

    private sealed class OpRow
    {
        public string IdempotencyKey { get; set; } = "";

        public Guid ChangeId { get; set; }

        public int Seq { get; set; }

        public Guid DeviceId { get; set; }

        public string CasDeviceId { get; set; } = "";

        public string Op { get; set; } = "";

        public string[] Products { get; set; } = [];

        public bool Compensation { get; set; }

        public DateTimeOffset LeaseUntil { get; set; }

        public DateTimeOffset? FinishedAt { get; set; }

        public string? Outcome { get; set; }

        public string? Reason { get; set; }

        public string? SmartCard { get; set; }

        public int Attempts { get; set; }
    }

    /// <summary>Records the planned commands (a redelivery finds them there and keeps them).</summary>
    public static Task PlanAsync(IEnumerable<LifecycleCasOp> ops, DateTimeOffset now, DbSession session, CancellationToken ct) =>
        session.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO sagas.lifecycle_cas_op (idempotency_key, change_id, seq, device_id, cas_device_id, op, products, compensation, started_at, lease_until, attempts, smart_card)
            VALUES (@IdempotencyKey, @ChangeId, @Seq, @DeviceId, @CasDeviceId, @Op, @Products, @Compensation, @now, @now, 0, @SmartCard)
            ON CONFLICT (idempotency_key) DO NOTHING
            """, ops.Select(o => new { o.IdempotencyKey, o.ChangeId, o.Seq, o.DeviceId, o.CasDeviceId, o.Op, o.Products, o.Compensation, now, o.SmartCard }).ToList(),
            session.Transaction, cancellationToken: ct));

    public static Task StartAsync(string key, DateTimeOffset now, DateTimeOffset leaseUntil, DbSession session, CancellationToken ct) =>
        session.Connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE sagas.lifecycle_cas_op SET attempts = attempts + 1, started_at = @now, lease_until = @leaseUntil, finished_at = NULL, outcome = NULL, reason = NULL
            WHERE idempotency_key = @key
            """, new { key, now, leaseUntil }, session.Transaction, cancellationToken: ct));

    public static Task FinishAsync(string key, string outcome, string? reason, DateTimeOffset now, DbSession session, CancellationToken ct) =>
        session.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE sagas.lifecycle_cas_op SET finished_at = @now, outcome = @outcome, reason = @reason WHERE idempotency_key = @key",
            new { key, outcome, reason, now }, session.Transaction, cancellationToken: ct));

    /// <summary>Takes (or renews) the subscription's lease for the change; false when another change holds it.</summary>
    public static async Task<bool> AcquireLeaseAsync(Guid subscriptionId, Guid changeId, DateTimeOffset now, DateTimeOffset until, DbSession session, CancellationToken ct) =>
        await session.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO sagas.lifecycle_lease (subscription_id, change_id, until) VALUES (@subscriptionId, @changeId, @until)
            ON CONFLICT (subscription_id) DO UPDATE SET change_id = @changeId, until = @until
            WHERE sagas.lifecycle_lease.change_id = @changeId OR sagas.lifecycle_lease.until < @now
            """, new { subscriptionId, changeId, now, until }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false) > 0;

    public static Task ReleaseLeaseAsync(Guid subscriptionId, Guid changeId, DbSession session, CancellationToken ct) =>
        session.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM sagas.lifecycle_lease WHERE subscription_id = @subscriptionId AND change_id = @changeId",
            new { subscriptionId, changeId }, session.Transaction, cancellationToken: ct));

    /// <summary>Records that the change was compensated (idempotent).</summary>
    public static Task MarkCompensatedAsync(Guid changeId, string reason, DateTimeOffset now, DbSession session, CancellationToken ct) =>
        session.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO sagas.lifecycle_compensated (change_id, compensated_at, reason) VALUES (@changeId, @now, @reason) ON CONFLICT (change_id) DO NOTHING",
            new { changeId, now, reason }, session.Transaction, cancellationToken: ct));

    public static Task<bool> CompensatedAsync(Guid changeId, DbSession session, CancellationToken ct) =>
        session.Connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM sagas.lifecycle_compensated WHERE change_id = @changeId)", new { changeId }, session.Transaction, cancellationToken: ct));

    /// <summary>Subscriptions a change is working on right now (reconciliation leaves their boxes alone).</summary>
    public static async Task<IReadOnlySet<Guid>> LeasedSubscriptionsAsync(DateTimeOffset now, DbSession session, CancellationToken ct) =>
        (await session.Connection.QueryAsync<Guid>(new CommandDefinition(
            "SELECT subscription_id FROM sagas.lifecycle_lease WHERE until >= @now", new { now }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false)).ToHashSet();
}

/// <summary>Another change holds the subscription: retry later.</summary>
public sealed class LifecycleBusyException : Exception
{
    public LifecycleBusyException()
    {
    }

    public LifecycleBusyException(string message)
        : base(message)
    {
    }

    public LifecycleBusyException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>The CAS could not be reached for a lifecycle step: the step runs again later (a CAS outage is waited out).</summary>
public sealed class LifecycleCasUnavailableException : Exception
{
    public LifecycleCasUnavailableException()
    {
    }

    public LifecycleCasUnavailableException(string message)
        : base(message)
    {
    }

    public LifecycleCasUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
