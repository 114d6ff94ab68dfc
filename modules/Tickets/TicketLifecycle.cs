using CableHub.Tickets.Contracts;
using S = CableHub.Tickets.Contracts.TroubleTicketStatus;

namespace CableHub.Tickets;

/// <summary>
/// The TMF621 v4 trouble-ticket lifecycle (user guide, "Trouble Ticket state machine"): a new ticket is
/// <c>acknowledged</c>; it is then taken (<c>inProgress</c>) or <c>rejected</c>; work waits on the customer
/// (<c>pending</c>) or on someone else (<c>held</c>) and resumes; a fix makes it <c>resolved</c>, which the customer
/// confirms (<c>closed</c>) or disputes (back to <c>inProgress</c>); it may be <c>cancelled</c> before it is resolved.
/// <c>rejected</c>, <c>cancelled</c> and <c>closed</c> are final. Any other step is a 409.
/// </summary>
public static class TicketLifecycle
{
    private static readonly Dictionary<string, string[]> Next = new(StringComparer.Ordinal)
    {
        [S.Acknowledged] = [S.InProgress, S.Rejected, S.Cancelled],
        [S.InProgress] = [S.Pending, S.Held, S.Resolved, S.Cancelled],
        [S.Pending] = [S.InProgress, S.Resolved, S.Cancelled],
        [S.Held] = [S.InProgress, S.Resolved, S.Cancelled],
        [S.Resolved] = [S.Closed, S.InProgress],
        [S.Rejected] = [],
        [S.Cancelled] = [],
        [S.Closed] = [],
    };

    /// <summary>The statuses a ticket in <paramref name="status"/> may move to.</summary>
    public static IReadOnlyList<string> From(string status) => Next.TryGetValue(status, out var next) ? next : [];

    public static bool Allows(string from, string to) => From(from).Contains(to, StringComparer.Ordinal);

    public static bool IsFinal(string status) => From(status).Count == 0;

    /// <summary>Whether <paramref name="status"/> is a TMF621 status at all.</summary>
    public static bool IsKnown(string status) => TroubleTicketStatus.All.Contains(status, StringComparer.Ordinal);
}
