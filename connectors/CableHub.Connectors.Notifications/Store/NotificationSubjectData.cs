using CableHub.Core.Ports;
using Npgsql;

namespace CableHub.Connectors.Notifications.Store;

/// <summary>
/// What the notification log holds on a customer, for data-subject requests: the access export lists every message decided
/// for them with what was sent (decrypted); erasure overwrites the recipient address, name, subject and text of their
/// messages with empty values (read back as <see cref="SentContent.Erased"/>) and keeps the bookkeeping (key, channel,
/// template, state, times, provider id) that proves what was sent once. One statement; idempotent.
/// </summary>
public sealed class NotificationSubjectData(NpgsqlDataSource dataSource, NotificationLog log) : IDataSubjectRecords, IDataSubjectEraser
{
    public const string Holder = "notifications";

    public int Order => 85;

    /// <summary>The log it reads (the communication history).</summary>
    public NotificationLog Log => log;

    public async Task<DataSubjectSection> CollectAsync(Guid customerId, CancellationToken ct)
    {
        var rows = new List<object?[]>();
        for (var offset = 0; ; offset += 500)
        {
            var page = await log.ListAsync(new CommunicationQuery(customerId.ToString(), null, null, null, null, offset, 500), ct).ConfigureAwait(false);
            rows.AddRange(page.Items.Select(m => new object?[]
            {
                m.Id, m.Channel, m.TemplateId, m.Language, m.State, m.Reason, m.CreatedAt, m.SentAt, m.Content.Address, m.Content.Name, m.Content.Subject, m.Content.Body,
            }));
            if (page.Items.Count < 500)
            {
                break;
            }
        }

        return new DataSubjectSection("Messages sent", Holder, "service messages about the customer's contract (welcome, plan changes, suspension, disconnection, reminders)",
        [
            new DataSubjectTable("messages", ["id", "channel", "template", "language", "state", "reason", "created_at", "sent_at", "recipient", "recipient_name", "subject", "text"], rows),
        ]);
    }

    public async Task<DataSubjectErasure> EraseAsync(Guid customerId, string actor, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            """
            UPDATE notification.message
               SET recipient_enc = CASE WHEN recipient_enc IS NULL THEN NULL ELSE '\x'::bytea END,
                   recipient_name_enc = CASE WHEN recipient_name_enc IS NULL THEN NULL ELSE '\x'::bytea END,
                   subject_enc = CASE WHEN subject_enc IS NULL THEN NULL ELSE '\x'::bytea END,
                   body_enc = CASE WHEN body_enc IS NULL THEN NULL ELSE '\x'::bytea END
             WHERE customer_id = @customer
               AND (recipient_enc <> '\x' OR recipient_name_enc <> '\x' OR subject_enc <> '\x' OR body_enc <> '\x')
            """);
        cmd.Parameters.AddWithValue("customer", customerId.ToString());
        var erased = await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        return new DataSubjectErasure(Holder,
        [
            $"{erased} message(s): recipient address and name, subject and text overwritten",
            "kept: which message (template, channel, state, times, provider id) was sent once, without its content",
        ]);
    }
}
