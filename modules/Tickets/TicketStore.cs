using System.Text;
using CableHub.Core.Api;
using CableHub.Core.Security;
using CableHub.Tickets.Contracts;
using Dapper;
using Npgsql;

namespace CableHub.Tickets;

/// <summary>A ticket as the module reads it: free text decrypted (<see cref="TicketStore.Erased"/> once erased).</summary>
public sealed record TicketDetail(
    Guid Id,
    Guid CustomerId,
    string TicketType,
    string Severity,
    string? Priority,
    string Status,
    DateTimeOffset StatusChangeDate,
    string? StatusChangeReason,
    string? Channel,
    Guid? DeviceId,
    Guid? SubscriptionId,
    string? ExternalId,
    string? Name,
    string Description,
    DateTimeOffset? RequestedResolutionDate,
    DateTimeOffset? ExpectedResolutionDate,
    DateTimeOffset CreationDate,
    DateTimeOffset LastUpdate,
    DateTimeOffset? ResolutionDate,
    string OpenedBy,
    DateTimeOffset? ErasedAt,
    IReadOnlyList<TicketNoteDetail> Notes,
    IReadOnlyList<TicketStatusDetail> StatusChanges);

public sealed record TicketNoteDetail(Guid Id, string Author, DateTimeOffset Date, string Text);

public sealed record TicketStatusDetail(string Status, DateTimeOffset ChangeDate, string? ChangeReason, string ChangedBy);

/// <summary>A ticket to open (validated by the endpoint): it starts <c>acknowledged</c>.</summary>
public sealed record OpenTicket(
    Guid CustomerId,
    string TicketType,
    string Severity,
    string? Priority,
    string? Channel,
    Guid? DeviceId,
    Guid? SubscriptionId,
    string? ExternalId,
    string? Name,
    string Description,
    DateTimeOffset? RequestedResolutionDate,
    IReadOnlyList<string> Notes);

/// <summary>What a PATCH changes (null: unchanged); notes are appended.</summary>
public sealed record TicketChange(
    string? Status,
    string? StatusChangeReason,
    string? Severity,
    string? Priority,
    string? Name,
    string? Description,
    DateTimeOffset? ExpectedResolutionDate,
    IReadOnlyList<string> Notes);

/// <summary>List filters, applied in SQL with the page.</summary>
public sealed record TicketQuery(
    IReadOnlyList<string>? Statuses,
    IReadOnlyList<string>? TicketTypes,
    IReadOnlyList<string>? Severities,
    Guid? CustomerId,
    Guid? DeviceId,
    DateTimeOffset? CreatedAfter,
    DateTimeOffset? CreatedBefore,
    string? ExternalId,
    PageRequest Page);

/// <summary>
/// <c>hub.trouble_ticket</c> and its status history and notes. Free text (name, description, notes, status-change reasons)
/// is encrypted with the hub's field encryption before it is stored and decrypted when read.
/// </summary>
public sealed class TicketStore(NpgsqlDataSource dataSource, FieldEncryptor encryptor, TimeProvider clock)
{
    /// <summary>What erased free text reads as.</summary>
    public const string Erased = "[erased]";

    private const string Columns = """
        id, customer_id, ticket_type, severity, priority, status, status_change_date, status_change_reason_enc, channel, device_id, subscription_id,
        external_id, name_enc, description_enc, requested_resolution_date, expected_resolution_date, creation_date, last_update, resolution_date, opened_by, erased_at
        """;

    /// <summary>Opens a ticket (status <c>acknowledged</c>, its first status change and notes) in one transaction; a known external id returns that ticket.</summary>
    public async Task<(Guid Id, bool Created)> OpenAsync(OpenTicket ticket, string actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var now = clock.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await SetActorAsync(conn, tx, actor, ct).ConfigureAwait(false);
        var inserted = await conn.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            """
            INSERT INTO hub.trouble_ticket (id, customer_id, ticket_type, severity, priority, status, status_change_date, channel, device_id, subscription_id,
                external_id, name_enc, description_enc, requested_resolution_date, creation_date, last_update, opened_by)
            VALUES (@id, @CustomerId, @TicketType, @Severity, @Priority, 'acknowledged', @now, @Channel, @DeviceId, @SubscriptionId,
                @ExternalId, @nameEnc, @descriptionEnc, @RequestedResolutionDate, @now, @now, @actor)
            ON CONFLICT (external_id) WHERE external_id IS NOT NULL DO NOTHING
            RETURNING id
            """,
            new
            {
                id, ticket.CustomerId, ticket.TicketType, ticket.Severity, ticket.Priority, ticket.Channel, ticket.DeviceId, ticket.SubscriptionId, ticket.ExternalId,
                nameEnc = encryptor.EncryptOptional(ticket.Name), descriptionEnc = encryptor.Encrypt(ticket.Description), ticket.RequestedResolutionDate, now, actor,
            }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (inserted is null)
        {
            var existing = await conn.ExecuteScalarAsync<Guid>(new CommandDefinition(
                "SELECT id FROM hub.trouble_ticket WHERE external_id = @ExternalId", new { ticket.ExternalId }, tx, cancellationToken: ct)).ConfigureAwait(false);
            await tx.RollbackAsync(ct).ConfigureAwait(false);
            return (existing, false);
        }

        await AddStatusChangeAsync(conn, tx, id, TroubleTicketStatus.Acknowledged, now, null, actor, ct).ConfigureAwait(false);
        await AddNotesAsync(conn, tx, id, ticket.Notes, actor, now, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return (id, true);
    }

    public async Task<TicketDetail?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = (await conn.QueryAsync<TicketRow>(new CommandDefinition($"SELECT {Columns} FROM hub.trouble_ticket WHERE id = @id", new { id }, cancellationToken: ct))
            .ConfigureAwait(false)).ToList();
        return rows.Count == 0 ? null : (await DetailsAsync(conn, rows, ct).ConfigureAwait(false))[0];
    }

    /// <summary>Tickets newest first, filtered and paged in SQL.</summary>
    public async Task<Page<TicketDetail>> ListAsync(TicketQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new StringBuilder("TRUE");
        void And(bool when, string condition)
        {
            if (when)
            {
                where.Append(" AND ").Append(condition);
            }
        }

        And(query.Statuses is { Count: > 0 }, "status = ANY(@Statuses)");
        And(query.TicketTypes is { Count: > 0 }, "ticket_type = ANY(@TicketTypes)");
        And(query.Severities is { Count: > 0 }, "severity = ANY(@Severities)");
        And(query.CustomerId is not null, "customer_id = @CustomerId");
        And(query.DeviceId is not null, "device_id = @DeviceId");
        And(query.CreatedAfter is not null, "creation_date > @CreatedAfter");
        And(query.CreatedBefore is not null, "creation_date < @CreatedBefore");
        And(query.ExternalId is not null, "external_id = @ExternalId");
        var args = new
        {
            Statuses = query.Statuses?.ToArray(), TicketTypes = query.TicketTypes?.ToArray(), Severities = query.Severities?.ToArray(), query.CustomerId, query.DeviceId,
            query.CreatedAfter, query.CreatedBefore, query.ExternalId, query.Page.Offset, query.Page.Limit,
        };
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        using var grid = await conn.QueryMultipleAsync(new CommandDefinition(
            $"""
            SELECT count(*) FROM hub.trouble_ticket WHERE {where};
            SELECT {Columns} FROM hub.trouble_ticket WHERE {where} ORDER BY creation_date DESC, id DESC OFFSET @Offset LIMIT @Limit;
            """, args, cancellationToken: ct)).ConfigureAwait(false);
        var total = await grid.ReadSingleAsync<long>().ConfigureAwait(false);
        var rows = (await grid.ReadAsync<TicketRow>().ConfigureAwait(false)).ToList();
        return new Page<TicketDetail>(rows.Count == 0 ? [] : await DetailsAsync(conn, rows, ct).ConfigureAwait(false), total);
    }

    /// <summary>
    /// Applies a change in one transaction (the row locked): a status step the lifecycle does not allow is a 409 and changes
    /// nothing. A new status is recorded in the history; resolved sets the resolution date, reopening clears it.
    /// </summary>
    public async Task<bool> ChangeAsync(Guid id, TicketChange change, string actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        var now = clock.GetUtcNow();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var found = await conn.QuerySingleOrDefaultAsync<CurrentRow>(new CommandDefinition(
            "SELECT status, erased_at FROM hub.trouble_ticket WHERE id = @id FOR UPDATE", new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (found is null)
        {
            return false;
        }

        var status = change.Status is { } to && to != found.Status ? to : null;
        if (status is not null && !TicketLifecycle.Allows(found.Status, status))
        {
            var allowed = TicketLifecycle.From(found.Status);
            throw new StateConflictException("TICKET-STATUS-TRANSITION",
                $"troubleTicket '{id}' is {found.Status}: it cannot become {status} (allowed: {(allowed.Count == 0 ? "none, the status is final" : string.Join(", ", allowed))})", "status");
        }

        if (found.ErasedAt is not null && (change.Name is not null || change.Description is not null || change.Notes.Count > 0))
        {
            throw new StateConflictException("TICKET-ERASED", $"troubleTicket '{id}' belongs to an erased data subject: no new free text is taken", "description");
        }

        await SetActorAsync(conn, tx, actor, ct).ConfigureAwait(false);
        var reason = status is null ? null : encryptor.EncryptOptional(change.StatusChangeReason);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.trouble_ticket SET
                status = coalesce(@status, status),
                status_change_date = CASE WHEN @status IS NULL THEN status_change_date ELSE @now END,
                status_change_reason_enc = CASE WHEN @status IS NULL THEN status_change_reason_enc ELSE @reason END,
                resolution_date = CASE WHEN @status = 'resolved' THEN @now WHEN @status = 'inProgress' THEN NULL ELSE resolution_date END,
                severity = coalesce(@Severity, severity),
                priority = coalesce(@Priority, priority),
                name_enc = coalesce(@nameEnc, name_enc),
                description_enc = coalesce(@descriptionEnc, description_enc),
                expected_resolution_date = coalesce(@ExpectedResolutionDate, expected_resolution_date),
                last_update = @now
            WHERE id = @id
            """,
            new
            {
                id, status, now, reason, change.Severity, change.Priority, nameEnc = encryptor.EncryptOptional(change.Name),
                descriptionEnc = encryptor.EncryptOptional(change.Description), change.ExpectedResolutionDate,
            }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (status is not null)
        {
            await AddStatusChangeAsync(conn, tx, id, status, now, reason, actor, ct).ConfigureAwait(false);
        }

        await AddNotesAsync(conn, tx, id, change.Notes, actor, now, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>Erasure: every free-text field of the customer's tickets overwritten with empty bytes (read as <see cref="Erased"/>); returns tickets, notes and reasons touched.</summary>
    internal async Task<(int Tickets, int Notes, int Reasons)> EraseAsync(Guid customerId, string actor, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await SetActorAsync(conn, tx, actor, ct).ConfigureAwait(false);
        var args = new { customerId, now };
        var tickets = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.trouble_ticket SET description_enc = '\x'::bytea,
                name_enc = CASE WHEN name_enc IS NULL THEN NULL ELSE '\x'::bytea END,
                status_change_reason_enc = CASE WHEN status_change_reason_enc IS NULL THEN NULL ELSE '\x'::bytea END,
                erased_at = coalesce(erased_at, @now)
            WHERE customer_id = @customerId
              AND (length(description_enc) > 0 OR length(name_enc) > 0 OR length(status_change_reason_enc) > 0 OR erased_at IS NULL)
            """, args, tx, cancellationToken: ct)).ConfigureAwait(false);
        var notes = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.trouble_ticket_note SET text_enc = '\x'::bytea
            WHERE length(text_enc) > 0 AND ticket_id IN (SELECT id FROM hub.trouble_ticket WHERE customer_id = @customerId)
            """, args, tx, cancellationToken: ct)).ConfigureAwait(false);
        var reasons = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.trouble_ticket_status_change SET change_reason_enc = '\x'::bytea
            WHERE length(change_reason_enc) > 0 AND ticket_id IN (SELECT id FROM hub.trouble_ticket WHERE customer_id = @customerId)
            """, args, tx, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return (tickets, notes, reasons);
    }

    /// <summary>Every ticket of a customer, oldest first (access export).</summary>
    internal async Task<IReadOnlyList<TicketDetail>> ForCustomerAsync(Guid customerId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = (await conn.QueryAsync<TicketRow>(new CommandDefinition(
            $"SELECT {Columns} FROM hub.trouble_ticket WHERE customer_id = @customerId ORDER BY creation_date, id", new { customerId }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        return rows.Count == 0 ? [] : await DetailsAsync(conn, rows, ct).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<TicketDetail>> DetailsAsync(NpgsqlConnection conn, List<TicketRow> rows, CancellationToken ct)
    {
        var ids = rows.Select(r => r.Id).ToArray();
        using var grid = await conn.QueryMultipleAsync(new CommandDefinition(
            """
            SELECT id, ticket_id, author, note_date, text_enc FROM hub.trouble_ticket_note WHERE ticket_id = ANY(@ids) ORDER BY seq;
            SELECT ticket_id, status, change_date, change_reason_enc, changed_by FROM hub.trouble_ticket_status_change WHERE ticket_id = ANY(@ids) ORDER BY seq;
            """, new { ids }, cancellationToken: ct)).ConfigureAwait(false);
        var notes = (await grid.ReadAsync<NoteRow>().ConfigureAwait(false)).ToLookup(n => n.TicketId);
        var changes = (await grid.ReadAsync<StatusRow>().ConfigureAwait(false)).ToLookup(s => s.TicketId);
        return [.. rows.Select(r => new TicketDetail(r.Id, r.CustomerId, r.TicketType, r.Severity, r.Priority, r.Status, r.StatusChangeDate, Read(r.StatusChangeReasonEnc),
            r.Channel, r.DeviceId, r.SubscriptionId, r.ExternalId, Read(r.NameEnc), Read(r.DescriptionEnc)!, r.RequestedResolutionDate, r.ExpectedResolutionDate,
            r.CreationDate, r.LastUpdate, r.ResolutionDate, r.OpenedBy, r.ErasedAt,
            [.. notes[r.Id].Select(n => new TicketNoteDetail(n.Id, n.Author, n.NoteDate, Read(n.TextEnc)!))],
            [.. changes[r.Id].Select(s => new TicketStatusDetail(s.Status, s.ChangeDate, Read(s.ChangeReasonEnc), s.ChangedBy))]))];
    }

    private string? Read(byte[]? ciphertext) => ciphertext switch
    {
        null => null,
        { Length: 0 } => Erased,
        _ => encryptor.Decrypt(ciphertext),
    };

    private static Task SetActorAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string actor, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition("SELECT set_config('cablehub.actor', @actor, true)", new { actor }, tx, cancellationToken: ct));

    private static Task AddStatusChangeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid ticketId, string status, DateTimeOffset at, byte[]? reason, string actor, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.trouble_ticket_status_change (id, ticket_id, status, change_date, change_reason_enc, changed_by)
            VALUES (@id, @ticketId, @status, @at, @reason, @actor)
            """, new { id = Guid.CreateVersion7(at), ticketId, status, at, reason, actor }, tx, cancellationToken: ct));

    private async Task AddNotesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid ticketId, IReadOnlyList<string> notes, string actor, DateTimeOffset at, CancellationToken ct)
    {
        foreach (var text in notes)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "INSERT INTO hub.trouble_ticket_note (id, ticket_id, author, note_date, text_enc) VALUES (@id, @ticketId, @actor, @at, @textEnc)",
                new { id = Guid.CreateVersion7(at), ticketId, actor, at, textEnc = encryptor.Encrypt(text) }, tx, cancellationToken: ct)).ConfigureAwait(false);
        }
    }

    private sealed record TicketRow(Guid Id, Guid CustomerId, string TicketType, string Severity, string? Priority, string Status, DateTimeOffset StatusChangeDate,
        byte[]? StatusChangeReasonEnc, string? Channel, Guid? DeviceId, Guid? SubscriptionId, string? ExternalId, byte[]? NameEnc, byte[] DescriptionEnc,
        DateTimeOffset? RequestedResolutionDate, DateTimeOffset? ExpectedResolutionDate, DateTimeOffset CreationDate, DateTimeOffset LastUpdate, DateTimeOffset? ResolutionDate,
        string OpenedBy, DateTimeOffset? ErasedAt);

    private sealed record CurrentRow(string Status, DateTimeOffset? ErasedAt);

    private sealed record NoteRow(Guid Id, Guid TicketId, string Author, DateTimeOffset NoteDate, byte[] TextEnc);

    private sealed record StatusRow(Guid TicketId, string Status, DateTimeOffset ChangeDate, byte[]? ChangeReasonEnc, string ChangedBy);
}
