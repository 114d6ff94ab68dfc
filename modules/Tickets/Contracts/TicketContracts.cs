namespace CableHub.Tickets.Contracts;

// What other modules may use of Tickets: the TMF621 vocabulary and where tickets are served.
// Tickets owns hub.trouble_ticket, hub.trouble_ticket_status_change, hub.trouble_ticket_note.

/// <summary>TMF621 v4 <c>TroubleTicketStatusType</c>.</summary>
public static class TroubleTicketStatus
{
    public const string Acknowledged = "acknowledged";
    public const string Rejected = "rejected";
    public const string Pending = "pending";
    public const string Held = "held";
    public const string InProgress = "inProgress";
    public const string Cancelled = "cancelled";
    public const string Closed = "closed";
    public const string Resolved = "resolved";

    public static IReadOnlyList<string> All { get; } = [Acknowledged, Rejected, Pending, Held, InProgress, Cancelled, Closed, Resolved];
}

/// <summary>
/// Business types of a ticket (TMF621 <c>ticketType</c>). A <see cref="StbFault"/> names the box (relatedEntity of
/// <c>@referredType</c> Resource): it is what the churn features count as an STB fault.
/// </summary>
public static class TicketTypes
{
    public const string Incident = "incident";
    public const string Complaint = "complaint";
    public const string Request = "request";
    public const string StbFault = "stbFault";
    public const string Billing = "billing";

    public static IReadOnlyList<string> All { get; } = [Incident, Complaint, Request, StbFault, Billing];
}

/// <summary>TMF621 severities the hub uses.</summary>
public static class TicketSeverities
{
    public static IReadOnlyList<string> All { get; } = ["critical", "major", "minor"];
}

/// <summary>Where the Tickets module serves TMF621.</summary>
public static class TroubleTicketHrefs
{
    public const string TroubleTicketPath = "/tmf-api/troubleTicket/v4/troubleTicket";

    public static string TroubleTicket(Guid id) => $"{TroubleTicketPath}/{id}";
}
