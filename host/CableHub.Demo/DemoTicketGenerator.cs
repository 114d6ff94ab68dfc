using CableHub.Core.Security;
using Npgsql;

namespace CableHub.Demo;

/// <summary>
/// The demo's trouble tickets (TMF621, <c>hub.trouble_ticket</c> with its status history), generated after the subscribers
/// from the history the seed simulated (<c>hub.subscription_change</c>), so tickets go with the churn drivers as in the
/// field: a box swap follows an <c>stbFault</c> ticket naming the box (opened 1–6 days before, resolved by the swap), a faulty
/// box also fails between swaps, a dunning suspension brings a billing complaint about half the time, a subscriber who
/// disconnects for their own reasons often complained in the two months before, and everyone has a few incidents and
/// requests (background noise). Description text is encrypted like the module stores it. Runs once: a database that already
/// has tickets is left alone. Deterministic for a given seed and database.
/// </summary>
public sealed class DemoTicketGenerator(NpgsqlDataSource dataSource, FieldEncryptor encryptor, TimeProvider? clock = null)
{
    private static readonly string[] FaultTexts =
    [
        "No signal on any channel", "Box restarts by itself every few minutes", "Picture freezes and pixelates", "Remote not responding, box front panel dark",
        "Smart card not detected", "No sound on HD channels",
    ];

    private static readonly string[] BillingTexts = ["Charged a late fee although I paid", "Service cut while payment was in process", "Bill amount higher than my plan"];
    private static readonly string[] ComplaintTexts = ["Too many price increases", "Channels I watch were removed from my pack", "Technician did not come at the booked time"];
    private static readonly string[] NoiseTexts = ["Please add a channel to my pack", "Change my billing address", "EPG shows wrong programme times", "Want to know the annual plan price"];
    private static readonly string[] Channels = ["phone", "phone", "app", "web", "store"];

    /// <summary>Generates the tickets (returns how many; 0 when the database already has tickets).</summary>
    public async Task<int> SeedAsync(int seed, CancellationToken ct = default)
    {
        var now = (clock ?? TimeProvider.System).GetUtcNow();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using (var any = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM hub.trouble_ticket)", conn))
        {
            if ((bool)(await any.ExecuteScalarAsync(ct).ConfigureAwait(false))!)
            {
                return 0;
            }
        }

        var subscriptions = new List<SubscriptionHistory>();
        await using (var read = new NpgsqlCommand(
            """
            SELECT s.id, s.customer_id, s.device_id, s.start_at, s.end_at,
                   coalesce(array_agg(c.kind ORDER BY c.effective_at) FILTER (WHERE c.id IS NOT NULL), '{}') AS kinds,
                   coalesce(array_agg(coalesce(c.reason, '') ORDER BY c.effective_at) FILTER (WHERE c.id IS NOT NULL), '{}') AS reasons,
                   coalesce(array_agg(c.effective_at ORDER BY c.effective_at) FILTER (WHERE c.id IS NOT NULL), '{}') AS ats
            FROM hub.subscription s LEFT JOIN hub.subscription_change c ON c.subscription_id = s.id
            WHERE s.start_at IS NOT NULL AND s.device_id IS NOT NULL
            GROUP BY s.id ORDER BY s.start_at, s.id
            """, conn))
        await using (var reader = await read.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                subscriptions.Add(new SubscriptionHistory(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetFieldValue<DateTimeOffset>(3),
                    reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<string[]>(5), reader.GetFieldValue<string[]>(6),
                    reader.GetFieldValue<DateTimeOffset[]>(7)));
            }
        }

        var random = new Random(seed + 7);
        var tickets = new List<Ticket>();
        foreach (var s in subscriptions)
        {
            var until = s.End ?? now;
            var faulty = s.Kinds.Contains("device_swap");
            for (var i = 0; i < s.Kinds.Length; i++)
            {
                var at = s.At[i];
                switch (s.Kinds[i])
                {
                    case "device_swap":
                        tickets.Add(new Ticket(s, "stbFault", random.NextDouble() < 0.3 ? "critical" : "major", Pick(random, FaultTexts), at.AddDays(-random.Next(1, 7)).AddMinutes(-random.Next(0, 600)), at));
                        break;
                    case "suspend" when s.Reasons[i] == "dunning" && random.NextDouble() < 0.5:
                        var complained = at.AddHours(random.Next(2, 60));
                        tickets.Add(new Ticket(s, "billing", "minor", Pick(random, BillingTexts), complained, complained.AddDays(random.Next(1, 5))));
                        break;
                    case "disconnect" when s.Reasons[i] == "customer_request" && random.NextDouble() < 0.45:
                        var opened = at.AddDays(-random.Next(3, 60));
                        tickets.Add(new Ticket(s, "complaint", "major", Pick(random, ComplaintTexts), opened, opened.AddDays(random.Next(1, 10))));
                        break;
                }
            }

            for (var month = s.Start.AddDays(30); month < until; month = month.AddDays(30))
            {
                if (faulty && random.NextDouble() < 0.08)
                {
                    var opened = month.AddDays(-random.Next(0, 30));
                    tickets.Add(new Ticket(s, "stbFault", "minor", Pick(random, FaultTexts), opened, opened.AddHours(random.Next(2, 72)))); // fixed remotely (reboot, re-sent entitlements)
                }

                if (random.NextDouble() < 0.04)
                {
                    var opened = month.AddDays(-random.Next(0, 30));
                    tickets.Add(new Ticket(s, random.NextDouble() < 0.5 ? "incident" : "request", "minor", Pick(random, NoiseTexts), opened, opened.AddHours(random.Next(1, 96))));
                }
            }
        }

        tickets.RemoveAll(t => t.Opened > now);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var history = new List<(Guid Ticket, string Status, DateTimeOffset At)>();
        await using (var w = await conn.BeginBinaryImportAsync(
            """
            COPY hub.trouble_ticket (id, customer_id, ticket_type, severity, status, status_change_date, channel, device_id, subscription_id, name_enc, description_enc,
                creation_date, last_update, resolution_date, opened_by) FROM STDIN (FORMAT BINARY)
            """, ct).ConfigureAwait(false))
        {
            foreach (var t in tickets)
            {
                var id = Guid.CreateVersion7(t.Opened);
                var taken = t.Opened + ((t.Resolved - t.Opened) / 5); // taken up, then fixed
                var closed = t.Resolved.AddDays(2);
                var (status, since) = closed <= now ? ("closed", closed) : t.Resolved <= now ? ("resolved", t.Resolved) : taken <= now ? ("inProgress", taken) : ("acknowledged", t.Opened);
                history.Add((id, "acknowledged", t.Opened));
                foreach (var (step, at) in new[] { ("inProgress", taken), ("resolved", t.Resolved), ("closed", closed) })
                {
                    if (at <= since && at > t.Opened)
                    {
                        history.Add((id, step, at));
                    }
                }

                w.WriteRow(id, t.Subscription.CustomerId, t.Type, t.Severity, status, since, Channels[random.Next(Channels.Length)],
                    t.Type == "stbFault" ? (object)t.Subscription.DeviceId : DBNull.Value, t.Subscription.Id, encryptor.Encrypt(t.Text.Length > 40 ? t.Text[..40] : t.Text),
                    encryptor.Encrypt(t.Text), t.Opened, since, status is "resolved" or "closed" ? (object)t.Resolved : DBNull.Value, "demo");
            }

            await w.CompleteAsync(ct).ConfigureAwait(false);
        }

        await using (var w = await conn.BeginBinaryImportAsync(
            "COPY hub.trouble_ticket_status_change (id, ticket_id, status, change_date, changed_by) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
        {
            foreach (var (ticket, status, at) in history)
            {
                await w.WriteRowAsync(ct, Guid.CreateVersion7(at), ticket, status, at, "demo").ConfigureAwait(false);
            }

            await w.CompleteAsync(ct).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
        return tickets.Count;
    }

    private static string Pick(Random random, string[] texts) => texts[random.Next(texts.Length)];

    private sealed record SubscriptionHistory(Guid Id, Guid CustomerId, Guid DeviceId, DateTimeOffset Start, DateTimeOffset? End, string[] Kinds, string[] Reasons, DateTimeOffset[] At);

    private sealed record Ticket(SubscriptionHistory Subscription, string Type, string Severity, string Text, DateTimeOffset Opened, DateTimeOffset Resolved);
}
