using System.Text.Json.Serialization;

namespace CableHub.Customers.Api;

// TMF681 Communication Management v4 resource shape (the subset the hub serves: the history of what it sent). Field names and
// types follow TM Forum's v4 schema (docs/tmf-specs/TMF681_Communication_Management_API_v4.0.0_swagger.json); null attributes
// are left out of answers.

/// <summary>
/// TMF681 communicationMessage: one message the hub decided to send (or not) to a customer. <c>messageType</c> <c>Email</c> or
/// <c>SMS</c>; <c>state</c> completed (handed to the mail server / SMS provider), inProgress (being sent), cancelled (not sent:
/// no consent or no address), failed (refused for good); <c>sendTime</c> when the hand-off started (or, for a message never
/// handed off, when that was decided), <c>sendTimeComplete</c> when the server accepted it; <c>tryTimes</c> the attempts.
/// Personal data — <c>subject</c>, <c>content</c> (the text as rendered), the receiver's <c>email</c> / <c>phoneNumber</c> /
/// <c>name</c> — only for a caller allowed to read the customer's personal data.
/// </summary>
public sealed record CommunicationMessageResource
{
    public required string Id { get; init; }

    public required string Href { get; init; }

    public required string MessageType { get; init; }

    public required string State { get; init; }

    public string? Description { get; init; }

    public string? Subject { get; init; }

    public string? Content { get; init; }

    public DateTimeOffset? SendTime { get; init; }

    public DateTimeOffset? SendTimeComplete { get; init; }

    public int TryTimes { get; init; }

    public bool LogFlag { get; init; } = true;

    public required IReadOnlyList<CommunicationReceiver> Receiver { get; init; }

    public required CommunicationSender Sender { get; init; }

    public IReadOnlyList<Characteristic> Characteristic { get; init; } = [];

    [JsonPropertyName("@type")]
    public string Type { get; init; } = "CommunicationMessage";
}

/// <summary>TMF681 Receiver: <c>id</c> and <c>party</c> the customer; address and name only with personal-data access.</summary>
public sealed record CommunicationReceiver
{
    public string? Id { get; init; }

    public string? Name { get; init; }

    public string? Email { get; init; }

    public string? PhoneNumber { get; init; }

    public PartyRef? Party { get; init; }

    [JsonPropertyName("@type")]
    public string Type { get; init; } = "Receiver";
}

/// <summary>TMF681 Sender: the hub itself.</summary>
public sealed record CommunicationSender(string Id, string Name, [property: JsonPropertyName("@type")] string Type = "Sender");
