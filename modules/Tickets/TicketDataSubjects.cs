using CableHub.Core.Ports;

namespace CableHub.Tickets;

/// <summary>What the Tickets module holds on a customer (access export): their trouble tickets with notes and status history, free text decrypted.</summary>
internal sealed class TicketDataSubjectRecords(TicketStore store) : IDataSubjectRecords
{
    public int Order => 65;

    public async Task<DataSubjectSection> CollectAsync(Guid customerId, CancellationToken ct)
    {
        var tickets = await store.ForCustomerAsync(customerId, ct).ConfigureAwait(false);
        return new DataSubjectSection("Support tickets", "tickets", "trouble tickets the customer opened or that were opened for them (contract: support)",
        [
            new DataSubjectTable("trouble tickets",
                ["id", "ticket_type", "severity", "priority", "status", "channel", "device_id", "name", "description", "creation_date", "last_update", "resolution_date", "opened_by"],
                [.. tickets.Select(t => new object?[] { t.Id, t.TicketType, t.Severity, t.Priority, t.Status, t.Channel, t.DeviceId, t.Name, t.Description, t.CreationDate, t.LastUpdate,
                    t.ResolutionDate, t.OpenedBy })]),
            new DataSubjectTable("ticket notes", ["ticket_id", "author", "date", "text"],
                [.. tickets.SelectMany(t => t.Notes.Select(n => new object?[] { t.Id, n.Author, n.Date, n.Text }))]),
            new DataSubjectTable("ticket status changes", ["ticket_id", "status", "change_date", "change_reason", "changed_by"],
                [.. tickets.SelectMany(t => t.StatusChanges.Select(s => new object?[] { t.Id, s.Status, s.ChangeDate, s.ChangeReason, s.ChangedBy }))]),
        ]);
    }
}

/// <summary>
/// The Tickets module's part of an erasure request: what people typed about the customer (ticket names, descriptions,
/// notes, status-change reasons) is overwritten with empty bytes (read as <see cref="TicketStore.Erased"/>); the tickets
/// stay, pseudonymous (type, severity, status and dates, the box named) — service history and the churn features count
/// them. The text never left the database in clear: it is encrypted at rest, the change stream's allowlist leaves it out
/// and the audit log redacts it. One transaction, audited as the officer; idempotent.
/// </summary>
internal sealed class TicketErasure(TicketStore store) : IDataSubjectEraser
{
    public async Task<DataSubjectErasure> EraseAsync(Guid customerId, string actor, CancellationToken ct)
    {
        var (tickets, notes, reasons) = await store.EraseAsync(customerId, actor, ct).ConfigureAwait(false);
        return new DataSubjectErasure("tickets",
        [
            $"{tickets} trouble ticket(s): name and description overwritten",
            $"{notes} ticket note(s) and {reasons} status-change reason(s) overwritten",
            "kept, pseudonymous: ticket type, severity, status history and dates, the box named",
        ]);
    }
}
