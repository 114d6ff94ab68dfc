using CableHub.Connectors.Notifications.Templates;
using CableHub.Core.Diagnostics;
using CableHub.Core.Ports;
using CableHub.Core.Security;
using Npgsql;
using NpgsqlTypes;

namespace CableHub.Connectors.Notifications.Store;

/// <summary>A claim on a key: its attempt number, and when a crashed sender's hand-off of it started (null: none was interrupted).</summary>
public sealed record MessageClaim(int Attempts, DateTimeOffset? InterruptedHandOffAt);

/// <summary>A row of <c>notification.message</c>.</summary>
public sealed record NotificationRecord(
    string IdempotencyKey, string Channel, string TemplateId, string? Language, string? CustomerId, string State, string? Reason,
    string? ProviderMessageId, int Attempts, string? CorrelationId, DateTimeOffset CreatedAt, DateTimeOffset? SentAt);

/// <summary>
/// The sent-once bookkeeping (schema <c>notification</c>): a key is claimed before sending (a lease, so a crashed
/// sender's claim expires), then marked sent/suppressed/rejected. Short transactions; never held during a send.
/// The schema comes from the hub's migration runner (<see cref="NotificationsSchema"/>), like every hub table.
/// It also keeps what was sent — recipient address and name, subject, rendered text — encrypted with <paramref name="encryptor"/>,
/// and reads it back as the communication history (<see cref="ICommunicationLog"/>, TMF681).
/// </summary>
public sealed class NotificationLog(NpgsqlDataSource dataSource, FieldEncryptor encryptor, TimeProvider time) : ICommunicationLog
{
    private const string Columns =
        "idempotency_key, channel, template_id, language, customer_id, state, reason, provider_message_id, attempts, correlation_id, created_at, sent_at";

    public async Task<NotificationRecord?> FindAsync(string key, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM notification.message WHERE idempotency_key = @key");
        cmd.Parameters.AddWithValue("key", key);
        var rows = await ReadAsync(cmd, ct).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Messages of a customer, oldest first (communication history).</summary>
    public async Task<IReadOnlyList<NotificationRecord>> ForCustomerAsync(string customerId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM notification.message WHERE customer_id = @customer ORDER BY created_at, idempotency_key");
        cmd.Parameters.AddWithValue("customer", customerId);
        return await ReadAsync(cmd, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Claims the key for sending until now + <paramref name="lease"/>. Null when the key is final already or another
    /// sender holds a live claim. A claim taken over from a sender whose lease expired during a hand-off says when that
    /// hand-off started (<see cref="MessageClaim.InterruptedHandOffAt"/>).
    /// </summary>
    /// <param name="rendered">what will be sent (stored encrypted with the recipient's address)</param>
    public async Task<MessageClaim?> ClaimAsync(NotificationRequest request, string language, TimeSpan lease, CancellationToken ct, RenderedMessage? rendered = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = time.GetUtcNow();
        await using var cmd = dataSource.CreateCommand(
            """
            WITH previous AS (SELECT handoff_at FROM notification.message WHERE idempotency_key = @key)
            INSERT INTO notification.message (idempotency_key, id, channel, template_id, language, customer_id, state, attempts, correlation_id, created_at, updated_at, lease_until,
                                              recipient_enc, recipient_name_enc, subject_enc, body_enc)
            VALUES (@key, @id, @channel, @template, @language, @customer, 'sending', 1, @correlation, @now, @now, @lease, @recipient, @name, @subject, @body)
            ON CONFLICT (idempotency_key) DO UPDATE
                SET attempts = notification.message.attempts + 1, updated_at = @now, lease_until = @lease, language = EXCLUDED.language, handoff_at = NULL,
                    recipient_enc = EXCLUDED.recipient_enc, recipient_name_enc = EXCLUDED.recipient_name_enc,
                    subject_enc = coalesce(EXCLUDED.subject_enc, notification.message.subject_enc), body_enc = coalesce(EXCLUDED.body_enc, notification.message.body_enc)
                WHERE notification.message.state = 'sending' AND (notification.message.lease_until IS NULL OR notification.message.lease_until < @now)
            RETURNING attempts, (SELECT handoff_at FROM previous)
            """);
        cmd.Parameters.AddWithValue("key", request.IdempotencyKey);
        AddContent(cmd, request, rendered);
        cmd.Parameters.AddWithValue("channel", Channel(request.Channel));
        cmd.Parameters.AddWithValue("template", request.TemplateId);
        cmd.Parameters.AddWithValue("language", language);
        cmd.Parameters.Add(new NpgsqlParameter("customer", NpgsqlDbType.Text) { Value = (object?)request.Recipient.CustomerId ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("correlation", NpgsqlDbType.Text) { Value = (object?)CorrelationContext.Current ?? DBNull.Value });
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("lease", now + lease);
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        if (!await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            return null;
        }

        return new MessageClaim(reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
    }

    /// <summary>Notes that the hand-off to the mail server / SMS provider starts now (after the claim, right before the transport is called).</summary>
    public async Task StartHandOffAsync(string key, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "UPDATE notification.message SET handoff_at = @now, updated_at = @now WHERE idempotency_key = @key AND state = 'sending'");
        cmd.Parameters.AddWithValue("key", key);
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Gives a claim back after a transient failure (the next attempt may claim at once).</summary>
    public async Task ReleaseAsync(string key, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "UPDATE notification.message SET lease_until = NULL, handoff_at = NULL, updated_at = @now WHERE idempotency_key = @key AND state = 'sending'");
        cmd.Parameters.AddWithValue("key", key);
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public async Task MarkSentAsync(string key, string providerMessageId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            """
            UPDATE notification.message SET state = 'sent', provider_message_id = @provider, sent_at = @now, updated_at = @now, lease_until = NULL
            WHERE idempotency_key = @key
            """);
        cmd.Parameters.AddWithValue("key", key);
        cmd.Parameters.AddWithValue("provider", providerMessageId);
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Records a final decision without a send (suppressed, rejected); an existing row (a claim) is finalised.</summary>
    /// <param name="rendered">the text that was (or would have been) sent, when it was rendered</param>
    public async Task RecordFinalAsync(NotificationRequest request, string state, string? language, string reason, CancellationToken ct, RenderedMessage? rendered = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = time.GetUtcNow();
        await using var cmd = dataSource.CreateCommand(
            """
            INSERT INTO notification.message (idempotency_key, id, channel, template_id, language, customer_id, state, reason, correlation_id, created_at, updated_at,
                                              recipient_enc, recipient_name_enc, subject_enc, body_enc)
            VALUES (@key, @id, @channel, @template, @language, @customer, @state, @reason, @correlation, @now, @now, @recipient, @name, @subject, @body)
            ON CONFLICT (idempotency_key) DO UPDATE
                SET state = EXCLUDED.state, reason = EXCLUDED.reason, updated_at = EXCLUDED.updated_at, lease_until = NULL,
                    subject_enc = coalesce(EXCLUDED.subject_enc, notification.message.subject_enc), body_enc = coalesce(EXCLUDED.body_enc, notification.message.body_enc)
                WHERE notification.message.state = 'sending'
            """);
        cmd.Parameters.AddWithValue("key", request.IdempotencyKey);
        AddContent(cmd, request, rendered);
        cmd.Parameters.AddWithValue("channel", Channel(request.Channel));
        cmd.Parameters.AddWithValue("template", request.TemplateId);
        cmd.Parameters.Add(new NpgsqlParameter("language", NpgsqlDbType.Text) { Value = (object?)language ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("customer", NpgsqlDbType.Text) { Value = (object?)request.Recipient.CustomerId ?? DBNull.Value });
        cmd.Parameters.AddWithValue("state", state);
        cmd.Parameters.AddWithValue("reason", reason);
        cmd.Parameters.Add(new NpgsqlParameter("correlation", NpgsqlDbType.Text) { Value = (object?)CorrelationContext.Current ?? DBNull.Value });
        cmd.Parameters.AddWithValue("now", now);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public static string Channel(NotificationChannel channel) => channel == NotificationChannel.Email ? "email" : "sms";

    private const string HistoryColumns =
        "id, channel, template_id, language, customer_id, state, reason, provider_message_id, attempts, correlation_id, created_at, handoff_at, sent_at, recipient_enc, recipient_name_enc, subject_enc, body_enc";

    /// <inheritdoc />
    public async Task<CommunicationPage> ListAsync(CommunicationQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new List<string>();
        await using var count = dataSource.CreateCommand();
        await using var list = dataSource.CreateCommand();
        void Add(string condition, string name, object value, NpgsqlDbType type)
        {
            where.Add(condition);
            count.Parameters.Add(new NpgsqlParameter(name, type) { Value = value });
            list.Parameters.Add(new NpgsqlParameter(name, type) { Value = value });
        }

        if (query.CustomerId is { } customer)
        {
            Add("customer_id = @customer", "customer", customer, NpgsqlDbType.Text);
        }

        if (query.Channel is { } channel)
        {
            Add("channel = @channel", "channel", channel, NpgsqlDbType.Text);
        }

        if (query.States is { Count: > 0 } states)
        {
            Add("state = ANY(@states)", "states", states.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
        }

        if (query.After is { } after)
        {
            Add("coalesce(handoff_at, created_at) > @after", "after", after, NpgsqlDbType.TimestampTz);
        }

        if (query.Before is { } before)
        {
            Add("coalesce(handoff_at, created_at) < @before", "before", before, NpgsqlDbType.TimestampTz);
        }

        var filter = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
#pragma warning disable CA2100 // conditions are fixed text; values are parameters
        count.CommandText = $"SELECT count(*) FROM notification.message {filter}";
        list.CommandText = $"SELECT {HistoryColumns} FROM notification.message {filter} ORDER BY created_at DESC, id DESC OFFSET @offset LIMIT @limit";
#pragma warning restore CA2100
        list.Parameters.AddWithValue("offset", query.Offset);
        list.Parameters.AddWithValue("limit", query.Limit);
        var total = (long)(await count.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        return new CommunicationPage(await ReadHistoryAsync(list, ct).ConfigureAwait(false), total);
    }

    /// <inheritdoc />
    public async Task<CommunicationRecord?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {HistoryColumns} FROM notification.message WHERE id = @id");
        cmd.Parameters.AddWithValue("id", id);
        var rows = await ReadHistoryAsync(cmd, ct).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    private void AddContent(NpgsqlCommand cmd, NotificationRequest request, RenderedMessage? rendered)
    {
        var address = request.Channel == NotificationChannel.Email ? request.Recipient.EmailAddress : request.Recipient.PhoneNumber;
        cmd.Parameters.AddWithValue("id", Guid.CreateVersion7());
        cmd.Parameters.Add(new NpgsqlParameter("recipient", NpgsqlDbType.Bytea) { Value = (object?)encryptor.EncryptOptional(address) ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("name", NpgsqlDbType.Bytea) { Value = (object?)encryptor.EncryptOptional(request.Recipient.Name) ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("subject", NpgsqlDbType.Bytea) { Value = (object?)encryptor.EncryptOptional(rendered?.Subject) ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("body", NpgsqlDbType.Bytea) { Value = (object?)encryptor.EncryptOptional(rendered?.Text) ?? DBNull.Value });
    }

    private string? Decrypt(NpgsqlDataReader reader, int ordinal)
    {
        if (reader.IsDBNull(ordinal))
        {
            return null;
        }

        var value = reader.GetFieldValue<byte[]>(ordinal);
        return value.Length == 0 ? SentContent.Erased : encryptor.Decrypt(value);
    }

    private async Task<IReadOnlyList<CommunicationRecord>> ReadHistoryAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<CommunicationRecord>();
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
            list.Add(new CommunicationRecord(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), Text(3), Text(4), reader.GetString(5), Text(6), Text(7),
                reader.GetInt32(8), Text(9), reader.GetFieldValue<DateTimeOffset>(10), At(11), At(12),
                new SentContent(Decrypt(reader, 13), Decrypt(reader, 14), Decrypt(reader, 15), Decrypt(reader, 16))));
        }

        return list;
    }

    private static async Task<IReadOnlyList<NotificationRecord>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<NotificationRecord>();
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            list.Add(new NotificationRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetInt32(8),
                reader.IsDBNull(9) ? null : reader.GetString(9), reader.GetFieldValue<DateTimeOffset>(10),
                reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11)));
        }

        return list;
    }
}
