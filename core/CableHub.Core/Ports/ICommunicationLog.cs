namespace CableHub.Core.Ports;

/// <summary>
/// The communication history: every message the notification sender decided about (sent, being sent, suppressed, rejected),
/// with what was actually sent — channel, recipient address, subject, rendered text — read back decrypted (the store keeps
/// those fields encrypted). The API serves it as TMF681 <c>communicationMessage</c>; callers decide who may see the personal
/// fields (<see cref="SentContent"/>) and record that they did.
/// </summary>
public interface ICommunicationLog
{
    /// <summary>Messages matching <paramref name="query"/>, newest first, with the total count of matches.</summary>
    Task<CommunicationPage> ListAsync(CommunicationQuery query, CancellationToken ct);

    Task<CommunicationRecord?> GetAsync(Guid id, CancellationToken ct);
}

/// <param name="CustomerId">only this customer's messages</param>
/// <param name="Channel"><c>email</c> or <c>sms</c></param>
/// <param name="States">stored states (<c>sending</c>, <c>sent</c>, <c>suppressed</c>, <c>rejected</c>); null or empty: any</param>
/// <param name="After">handed off (or, never handed off, decided) after this instant</param>
/// <param name="Before">handed off (or decided) before this instant</param>
public sealed record CommunicationQuery(string? CustomerId, string? Channel, IReadOnlyList<string>? States, DateTimeOffset? After, DateTimeOffset? Before, int Offset, int Limit);

public sealed record CommunicationPage(IReadOnlyList<CommunicationRecord> Items, long Total);

/// <summary>One decided message. <see cref="Content"/> holds the personal fields, decrypted (<see cref="SentContent.Erased"/> after an erasure).</summary>
/// <param name="HandOffAt">when the hand-off to the mail server / SMS provider started</param>
/// <param name="SentAt">when the server or provider accepted it</param>
public sealed record CommunicationRecord(
    Guid Id, string Channel, string TemplateId, string? Language, string? CustomerId, string State, string? Reason, string? ProviderMessageId,
    int Attempts, string? CorrelationId, DateTimeOffset CreatedAt, DateTimeOffset? HandOffAt, DateTimeOffset? SentAt, SentContent Content);

/// <summary>What went to the recipient: the address of the channel, the name, the subject (e-mail) and the text as rendered. Null: not recorded (decided before rendering, or recorded before the hub kept texts).</summary>
public sealed record SentContent(string? Address, string? Name, string? Subject, string? Body)
{
    /// <summary>What an erased field reads as.</summary>
    public const string Erased = "[erased]";

    public bool HasAny => Address is not null || Name is not null || Subject is not null || Body is not null;
}
