using Dapper;
using Npgsql;

namespace CableHub.Audit;

/// <summary>One data-subject request and its deadline clock.</summary>
public sealed class DataSubjectRequest
{
    public Guid Id { get; init; }

    public Guid CustomerId { get; init; }

    public string Kind { get; init; } = "";

    public DateTimeOffset ReceivedAt { get; init; }

    public DateTimeOffset DueAt { get; init; }

    public string Status { get; init; } = "";

    public string? ExtendedReason { get; init; }

    public DateTimeOffset? ClosedAt { get; init; }

    public string? Outcome { get; init; }

    public string OpenedBy { get; init; } = "";

    public string? ClosedBy { get; init; }

    /// <summary>Time left until the deadline at the moment it was read (negative: overdue); null once closed.</summary>
    public TimeSpan? Remaining { get; set; }
}

/// <summary>
/// The request log of data-subject requests (access, erasure, rectification, objection): received → due one calendar month
/// later (GDPR art. 12(3)), extendable once by two more months with a reason, closed as completed or refused. Only the log
/// and its clock: carrying out an access export or an erasure is not built yet.
/// </summary>
public sealed class DataSubjectRequests(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public static readonly IReadOnlyList<string> Kinds = ["access", "erasure", "rectification", "objection"];

    public async Task<DataSubjectRequest> OpenAsync(Guid customerId, string kind, string actor, DateTimeOffset? receivedAt, CancellationToken ct)
    {
        if (!Kinds.Contains(kind))
        {
            throw new RequestInvalidException("kind", $"'{kind}' is not one of {string.Join(", ", Kinds)}");
        }

        var now = clock.GetUtcNow();
        var received = receivedAt ?? now;
        if (received > now)
        {
            throw new RequestInvalidException("receivedAt", "a request cannot be received in the future");
        }

        var id = Ids.New(clock);
        await using (var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false))
        await using (var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false))
        {
            await conn.ExecuteAsync(new CommandDefinition("SELECT set_config('cablehub.actor', @actor, true)", new { actor }, tx, cancellationToken: ct)).ConfigureAwait(false);
            await conn.ExecuteAsync(new CommandDefinition(
                "INSERT INTO hub.data_subject_request (id, customer_id, kind, received_at, due_at, opened_by) VALUES (@id, @customerId, @kind, @received, @due, @actor)",
                new { id, customerId, kind, received, due = received.AddMonths(1), actor }, tx, cancellationToken: ct)).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }

        return (await GetAsync(id, ct).ConfigureAwait(false))!;
    }

    /// <summary>Extends an open request's deadline once by two months (complex or numerous requests), with the reason.</summary>
    public Task<DataSubjectRequest> ExtendAsync(Guid id, string reason, string actor, CancellationToken ct) =>
        ChangeAsync(id, actor, "UPDATE hub.data_subject_request SET status = 'extended', due_at = due_at + interval '2 months', extended_reason = @text WHERE id = @id AND status = 'open'",
            reason, "only an open request that was never extended can be extended", ct);

    /// <summary>Closes a request as completed or refused, with the outcome.</summary>
    public Task<DataSubjectRequest> CloseAsync(Guid id, bool completed, string outcome, string actor, CancellationToken ct) =>
        ChangeAsync(id, actor,
            $"UPDATE hub.data_subject_request SET status = '{(completed ? "completed" : "refused")}', closed_at = @now, closed_by = @actor, outcome = @text WHERE id = @id AND status IN ('open', 'extended')",
            outcome, "the request is already closed", ct);

    public async Task<DataSubjectRequest?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var r = await conn.QuerySingleOrDefaultAsync<DataSubjectRequest>(new CommandDefinition("SELECT * FROM hub.data_subject_request WHERE id = @id", new { id }, cancellationToken: ct)).ConfigureAwait(false);
        return r is null ? null : WithClock(r);
    }

    /// <summary>Requests, open ones first by deadline; with <paramref name="overdueOnly"/> the open ones past their deadline.</summary>
    public async Task<IReadOnlyList<DataSubjectRequest>> ListAsync(bool overdueOnly, Guid? customerId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<DataSubjectRequest>(new CommandDefinition(
            """
            SELECT * FROM hub.data_subject_request
            WHERE (@customerId::uuid IS NULL OR customer_id = @customerId)
              AND (NOT @overdueOnly OR (status IN ('open', 'extended') AND due_at < @now))
            ORDER BY (status IN ('open', 'extended')) DESC, due_at, id
            """, new { overdueOnly, customerId, now = clock.GetUtcNow() }, cancellationToken: ct)).ConfigureAwait(false);
        return [.. rows.Select(WithClock)];
    }

    private async Task<DataSubjectRequest> ChangeAsync(Guid id, string actor, string sql, string text, string conflict, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new RequestInvalidException("reason", "say why");
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition("SELECT set_config('cablehub.actor', @actor, true)", new { actor }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var changed = await conn.ExecuteAsync(new CommandDefinition(sql, new { id, text, actor, now = clock.GetUtcNow() }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (changed == 0)
        {
            if (await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT NOT EXISTS (SELECT 1 FROM hub.data_subject_request WHERE id = @id)", new { id }, tx, cancellationToken: ct)).ConfigureAwait(false))
            {
                throw new NotFoundException($"data-subject request {id}", "id");
            }

            throw new StateConflictException("DSR-STATE", conflict, "status");
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
        return (await GetAsync(id, ct).ConfigureAwait(false))!;
    }

    private DataSubjectRequest WithClock(DataSubjectRequest r)
    {
        r.Remaining = r.ClosedAt is null ? r.DueAt - clock.GetUtcNow() : null;
        return r;
    }
}
