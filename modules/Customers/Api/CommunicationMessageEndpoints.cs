using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using CableHub.Core.Ports;
using CableHub.Customers.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace CableHub.Customers.Api;

/// <summary>
/// TMF681 Communication Management, read side: the communication history of the hub's customers (every message the
/// notification sender decided about — sent, being sent, not sent for lack of consent or address, refused — with what was
/// sent). Lists page in SQL, newest first. The recipient's address and name, the subject and the text are personal data: they
/// are in the answer only for a caller <see cref="IPersonalDataAccess"/> allows for that customer, and each disclosure is
/// recorded in the access audit. The hub sends messages from its sagas (through the outbox); there is no POST.
/// </summary>
public static class CommunicationMessageEndpoints
{
    public const string Path = "/tmf-api/communicationManagement/v4/communicationMessage";

    /// <summary>Attributes that carry personal data (asked for, or the whole resource, before anything is decrypted and disclosed).</summary>
    private static readonly string[] PersonalAttributes = ["subject", "content", "receiver"];

    /// <summary>TMF681 states by stored state.</summary>
    private static readonly Dictionary<string, string> TmfStates = new(StringComparer.Ordinal)
    {
        ["sending"] = "inProgress",
        ["sent"] = "completed",
        ["suppressed"] = "cancelled",
        ["rejected"] = "failed",
    };

    private static readonly string[] AllTmfStates = ["initial", "inProgress", "completed", "cancelled", "failed"];

    internal static IEndpointRouteBuilder Map(IEndpointRouteBuilder app)
    {
        // Customer-facing staff and clients read any customer's history, a subscriber only their own (another's message answers
        // 404, the list holds only theirs); the personal fields additionally need personal-data.read and are audited.
        var messages = app.MapModuleGroup(Path, "TMF681 Communication Management");
        messages.MapGet("", ListAsync).WithFieldSelection().RequireAccess(HubPolicies.CustomerRead);
        messages.MapGet("/{id}", GetAsync).WithFieldSelection().RequireOwnerOrStaff(HubPolicies.CustomerRead, "id", OwnedKinds.CommunicationMessage);
        return app;
    }

    /// <summary>
    /// Messages, newest first (a subscriber: only their own): <c>?receiver.id=</c> (customer id), <c>?messageType=Email|SMS</c>,
    /// <c>?state=</c> (comma-separated TMF681 states), <c>?sendTime.gt=</c> / <c>?sendTime.lt=</c> (ISO 8601), <c>?offset=&amp;limit=</c>
    /// (X-Total-Count, X-Result-Count).
    /// </summary>
    [Paged]
    [QueryParameter("receiver.id", "Only the messages to this customer (id)")]
    [QueryParameter("messageType", "Only messages of this type: Email or SMS")]
    [QueryParameter("state", "Only messages in one of these states (comma-separated: initial, inProgress, completed, cancelled, failed)")]
    [QueryParameter("sendTime.gt", "Only messages sent (or decided) after this instant (ISO 8601)", "date-time")]
    [QueryParameter("sendTime.lt", "Only messages sent (or decided) before this instant (ISO 8601)", "date-time")]
    private static async Task<Ok<IReadOnlyList<CommunicationMessageResource>>> ListAsync(
        HttpContext http, [FromServices] ICommunicationLog log, IPersonalDataAccess access, TimeProvider clock, CancellationToken ct)
    {
        var page = PageRequest.From(http);
        var errors = new RequestErrors();
        Guid? customerId = null;
        if (ApiRequest.Query(http, "receiver.id") is { } receiver)
        {
            if (Guid.TryParse(receiver, out var parsed))
            {
                customerId = parsed;
            }
            else
            {
                errors.Add("receiver.id", $"'{receiver}' is not a customer id");
            }
        }

        string? channel = null;
        if (ApiRequest.Query(http, "messageType") is { } type)
        {
            channel = type.ToUpperInvariant() switch
            {
                "EMAIL" => "email",
                "SMS" => "sms",
                _ => null,
            };
            if (channel is null)
            {
                errors.Add("messageType", $"'{type}' is not one of Email, SMS");
            }
        }

        var states = ApiRequest.List(http, "state");
        foreach (var state in states ?? [])
        {
            if (!AllTmfStates.Contains(state, StringComparer.Ordinal))
            {
                errors.Add("state", $"'{state}' is not one of {string.Join(", ", AllTmfStates)}");
            }
        }

        var (after, before) = (ApiRequest.Instant(http, "sendTime.gt", errors), ApiRequest.Instant(http, "sendTime.lt", errors));
        errors.ThrowIfAny();
        if (HubPrincipal.KindOf(http.User) == HubClaims.Subscriber)
        {
            // A subscriber lists their own messages only: another customer's id is answered like one without messages.
            var own = HubPrincipal.CustomerIdOf(http.User) ?? Guid.Empty;
            if (customerId is { } asked && asked != own)
            {
                return TypedResults.Ok(new Page<CommunicationMessageResource>([], 0).WriteHeaders(http.Response));
            }

            customerId = own;
        }

        var stored = states?.SelectMany(s => TmfStates.Where(kv => kv.Value == s).Select(kv => kv.Key)).ToList();
        if (stored is { Count: 0 })
        {
            return TypedResults.Ok(new Page<CommunicationMessageResource>([], 0).WriteHeaders(http.Response)); // only "initial": the hub records none
        }

        var found = await log.ListAsync(new CommunicationQuery(customerId?.ToString(), channel, stored, after, before, page.Offset, page.Limit), ct).ConfigureAwait(false);
        var resources = await ToResourcesAsync(found.Items, http, access, clock, ct).ConfigureAwait(false);
        return TypedResults.Ok(new Page<CommunicationMessageResource>(resources, found.Total).WriteHeaders(http.Response));
    }

    private static async Task<Ok<CommunicationMessageResource>> GetAsync(
        string id, HttpContext http, [FromServices] ICommunicationLog log, IPersonalDataAccess access, TimeProvider clock, CancellationToken ct) =>
        Guid.TryParse(id, out var messageId) && await log.GetAsync(messageId, ct).ConfigureAwait(false) is { } record
            ? TypedResults.Ok((await ToResourcesAsync([record], http, access, clock, ct).ConfigureAwait(false))[0])
            : throw new NotFoundException($"communicationMessage '{id}'");

    /// <summary>The resources; personal fields for the customers the caller may read, one audited disclosure per customer.</summary>
    private static async Task<IReadOnlyList<CommunicationMessageResource>> ToResourcesAsync(
        IReadOnlyList<CommunicationRecord> records, HttpContext http, IPersonalDataAccess access, TimeProvider clock, CancellationToken ct)
    {
        var fields = ApiRequest.List(http, FieldSelection.Parameter);
        var personalAsked = fields is null || fields.Intersect(PersonalAttributes, StringComparer.Ordinal).Any();
        var mayRead = new Dictionary<Guid, bool>();
        var disclosed = new Dictionary<Guid, SortedSet<string>>();
        var resources = new List<CommunicationMessageResource>(records.Count);
        foreach (var record in records)
        {
            var owner = Guid.TryParse(record.CustomerId, out var parsed) ? parsed : (Guid?)null;
            var resource = ToResource(record, owner);
            if (personalAsked && owner is { } subject && record.Content.HasAny)
            {
                if (!mayRead.TryGetValue(subject, out var allowed))
                {
                    allowed = mayRead[subject] = await access.MayReadAsync(http, subject, ct).ConfigureAwait(false);
                }

                if (allowed)
                {
                    var c = record.Content;
                    resource = resource with
                    {
                        Subject = c.Subject,
                        Content = c.Body,
                        Receiver = [resource.Receiver[0] with
                        {
                            Name = c.Name,
                            Email = record.Channel == "email" ? c.Address : null,
                            PhoneNumber = record.Channel == "sms" ? c.Address : null,
                        }],
                    };
                    var read = disclosed.TryGetValue(subject, out var set) ? set : disclosed[subject] = new SortedSet<string>(StringComparer.Ordinal);
                    Add(read, c.Address, record.Channel == "email" ? "receiver.email" : "receiver.phoneNumber");
                    Add(read, c.Name, "receiver.name");
                    Add(read, c.Subject, "subject");
                    Add(read, c.Body, "content");
                }
            }

            resources.Add(resource);
        }

        foreach (var (subject, read) in disclosed.Where(d => d.Value.Count > 0))
        {
            await access.RecordReadAsync(http, new PersonalDataDisclosure("communicationMessage", subject, [.. read], clock.GetUtcNow()), ct).ConfigureAwait(false);
        }

        return resources;

        static void Add(SortedSet<string> read, string? value, string field)
        {
            if (value is not null)
            {
                read.Add(field);
            }
        }
    }

    private static CommunicationMessageResource ToResource(CommunicationRecord r, Guid? owner)
    {
        List<Characteristic> characteristic = [new("template", "string", r.TemplateId)];
        if (r.Language is not null)
        {
            characteristic.Add(new("language", "string", r.Language));
        }

        if (r.Reason is not null)
        {
            characteristic.Add(new("stateReason", "string", r.Reason));
        }

        if (r.ProviderMessageId is not null)
        {
            characteristic.Add(new("providerMessageId", "string", r.ProviderMessageId));
        }

        if (r.CorrelationId is not null)
        {
            characteristic.Add(new("correlationId", "string", r.CorrelationId));
        }

        return new CommunicationMessageResource
        {
            Id = r.Id.ToString(),
            Href = $"{Path}/{r.Id}",
            MessageType = r.Channel == "email" ? "Email" : "SMS",
            State = TmfStates.GetValueOrDefault(r.State, r.State),
            Description = r.TemplateId,
            SendTime = r.HandOffAt ?? r.CreatedAt,
            SendTimeComplete = r.SentAt,
            TryTimes = r.Attempts,
            Receiver =
            [
                new CommunicationReceiver
                {
                    Id = r.CustomerId,
                    Party = owner is { } customer
                        ? new PartyRef { Id = customer.ToString(), Href = CustomerHrefs.Customer(customer), Role = "Customer", ReferredType = "Customer" }
                        : null,
                },
            ],
            Sender = new CommunicationSender("cablehub", "CableHub"),
            Characteristic = characteristic,
        };
    }
}
