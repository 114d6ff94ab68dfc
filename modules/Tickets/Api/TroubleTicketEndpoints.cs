using System.Text.Json;
using System.Text.Json.Serialization;
using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using CableHub.Customers.Contracts;
using CableHub.Inventory.Contracts;
using CableHub.Subscriptions.Contracts;
using CableHub.Tickets.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace CableHub.Tickets.Api;

/// <summary>
/// TMF621 Trouble Ticket: open a ticket (customer service, a technician, or the subscriber for themselves), list and read
/// tickets (a subscriber only their own), and work it with PATCH along the TMF621 lifecycle (<see cref="TicketLifecycle"/>;
/// staff only). A ticket of type <c>stbFault</c> names the box as a relatedEntity of <c>@referredType</c> Resource.
/// </summary>
public static class TroubleTicketEndpoints
{
    public const string BasePath = TroubleTicketHrefs.TroubleTicketPath;
    private const string Tag = "TMF621 Trouble Ticket";
    private const int MaxText = 4000;
    private static readonly string[] Channels = ["phone", "web", "app", "email", "store", "technician", "api"];
    private static readonly string[] Priorities = ["high", "medium", "low"];

    internal static IEndpointRouteBuilder Map(IEndpointRouteBuilder app)
    {
        var open = app.MapModuleGroup(BasePath, Tag).RequireAccess(HubPolicies.Tickets);
        open.MapPost("", CreateAsync);
        open.MapGet("", ListAsync).WithFieldSelection();
        var read = app.MapModuleGroup(BasePath, Tag).RequireOwnerOrStaff(HubPolicies.Tickets, "id", OwnedKinds.TroubleTicket);
        read.MapGet("/{id}", GetAsync).WithFieldSelection();
        var work = app.MapModuleGroup(BasePath, Tag).RequireAccess(HubPolicies.TicketsUpdate);
        work.MapPatch("/{id}", PatchAsync);
        return app;
    }

    /// <summary>
    /// Opens a ticket (status acknowledged). The customer is the relatedParty of <c>@referredType</c> Customer (a subscriber's
    /// own customer when they open it; naming another customer answers 404); a box is a relatedEntity of <c>@referredType</c>
    /// Resource (it must be the customer's: 422), a product one of <c>@referredType</c> Product. 201; the same <c>externalId</c>
    /// again answers 200 with the ticket opened first.
    /// </summary>
    [JsonBody<TroubleTicketCreate>]
    private static async Task<Results<Created<TroubleTicketResource>, Ok<TroubleTicketResource>>> CreateAsync(HttpContext http, TicketStore store,
        ICustomerDirectory customers, IDeviceLifecycle devices, ISubscriptionLifecycle subscriptions, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<TroubleTicketCreate>(http, ct, "the body must be a troubleTicket object, not null").ConfigureAwait(false);
        var errors = new RequestErrors();
        Required(errors, "description", body.Description, MaxText);
        Optional(errors, "name", body.Name, 200);
        OneOf(errors, "severity", body.Severity, TicketSeverities.All, required: true);
        OneOf(errors, "ticketType", body.TicketType, TicketTypes.All, required: true);
        OneOf(errors, "priority", body.Priority, Priorities, required: false);
        OneOf(errors, "channel.name", body.Channel?.Name, Channels, required: false);
        if (body.Status is { } status && status != TroubleTicketStatus.Acknowledged)
        {
            errors.Add("status", $"a new ticket is acknowledged (the server sets it), not '{status}'");
        }

        Optional(errors, "externalId", body.ExternalId, 100);
        var notes = Notes(errors, body.Note);

        var subscriber = HubPrincipal.KindOf(http.User) == HubClaims.Subscriber;
        Guid? customerId = subscriber ? HubPrincipal.CustomerIdOf(http.User) : null;
        var parties = body.RelatedParty ?? [];
        for (var i = 0; i < parties.Count; i++)
        {
            if (parties[i].ReferredType is not ("Customer" or null) && parties[i].Role is not "customer")
            {
                continue;
            }

            if (!Guid.TryParse(parties[i].Id, out var named))
            {
                errors.Add($"relatedParty[{i}].id", $"'{parties[i].Id}' is not a customer id");
            }
            else if (subscriber && named != customerId)
            {
                throw new NotFoundException($"customer '{parties[i].Id}'", $"relatedParty[{i}].id"); // another subscriber's customer: as if it did not exist
            }
            else
            {
                customerId = named;
            }
        }

        if (customerId is null && !errors.Has("relatedParty"))
        {
            errors.Add("relatedParty", "name the customer: a relatedParty with @referredType Customer and the customer's id");
        }

        Guid? deviceId = null, subscriptionId = null;
        var entities = body.RelatedEntity ?? [];
        for (var i = 0; i < entities.Count; i++)
        {
            var e = entities[i];
            var target = e.ReferredType switch
            {
                "Resource" or "PhysicalResource" or "Device" => "device",
                "Product" => "product",
                _ => null,
            };
            if (target is null)
            {
                errors.Add($"relatedEntity[{i}].@referredType", $"'{e.ReferredType}' is not taken: name a box (Resource) or a subscription (Product)");
            }
            else if (!Guid.TryParse(e.Id, out var entityId))
            {
                errors.Add($"relatedEntity[{i}].id", $"'{e.Id}' is not an id");
            }
            else if ((target == "device" ? deviceId : subscriptionId) is not null)
            {
                errors.Add($"relatedEntity[{i}]", $"one {e.ReferredType} per ticket");
            }
            else if (target == "device")
            {
                deviceId = entityId;
            }
            else
            {
                subscriptionId = entityId;
            }
        }

        if (body.TicketType == TicketTypes.StbFault && deviceId is null && !errors.Has("relatedEntity"))
        {
            errors.Add("relatedEntity", "an stbFault ticket names the faulty box: a relatedEntity with @referredType Resource and the device id");
        }

        errors.ThrowIfAny("The trouble ticket is invalid");
        var customer = customerId!.Value;
        if (await customers.GetAsync(customer, ct).ConfigureAwait(false) is null)
        {
            throw new NotFoundException($"customer '{customer}'", "relatedParty");
        }

        if (deviceId is { } device)
        {
            var info = await devices.GetAsync(device, null, ct).ConfigureAwait(false) ?? throw new NotFoundException($"resource '{device}'", "relatedEntity");
            if (info.CustomerId != customer)
            {
                throw new RuleViolationException([new("TICKET-DEVICE-NOT-CUSTOMERS", $"box '{device}' is not installed with customer '{customer}'", "relatedEntity")]);
            }
        }

        if (subscriptionId is { } product)
        {
            var sub = await subscriptions.GetAsync(product, ct).ConfigureAwait(false) ?? throw new NotFoundException($"product '{product}'", "relatedEntity");
            if (sub.CustomerId != customer)
            {
                throw new RuleViolationException([new("TICKET-PRODUCT-NOT-CUSTOMERS", $"product '{product}' is not customer '{customer}''s", "relatedEntity")]);
            }
        }

        var (id, created) = await store.OpenAsync(new OpenTicket(customer, body.TicketType!, body.Severity!, body.Priority, body.Channel?.Name, deviceId, subscriptionId,
            Trim(body.ExternalId), Trim(body.Name), body.Description!.Trim(), body.RequestedResolutionDate, notes), HubPrincipal.Actor(http), ct).ConfigureAwait(false);
        var ticket = (await store.GetAsync(id, ct).ConfigureAwait(false))!;
        if (!created && subscriber && ticket.CustomerId != customerId)
        {
            throw new NotFoundException($"troubleTicket with externalId '{body.ExternalId}'", "externalId");
        }

        var resource = ToResource(ticket);
        return created ? TypedResults.Created(resource.Href, resource) : TypedResults.Ok(resource);
    }

    /// <summary>Tickets, newest first (a subscriber sees only their own), filtered and paged in SQL.</summary>
    [Paged]
    [QueryParameter("status", "Only tickets in one of these statuses (comma-separated: acknowledged, inProgress, pending, held, resolved, closed, ...)")]
    [QueryParameter("ticketType", "Only these ticket types (comma-separated: incident, complaint, request, stbFault, billing)")]
    [QueryParameter("severity", "Only these severities (comma-separated: critical, major, minor)")]
    [QueryParameter("relatedParty.id", "Only the tickets of this customer (id)")]
    [QueryParameter("relatedEntity.id", "Only the tickets naming this box (device id)")]
    [QueryParameter("creationDate.gt", "Only tickets opened after this instant (ISO 8601)", "date-time")]
    [QueryParameter("creationDate.lt", "Only tickets opened before this instant (ISO 8601)", "date-time")]
    [QueryParameter("externalId", "Only the ticket with this external id")]
    private static async Task<Ok<IReadOnlyList<TroubleTicketResource>>> ListAsync(HttpContext http, TicketStore store, CancellationToken ct)
    {
        var page = PageRequest.From(http);
        var errors = new RequestErrors();
        var statuses = ApiRequest.List(http, "status", TroubleTicketStatus.All, errors);
        var types = ApiRequest.List(http, "ticketType", TicketTypes.All, errors);
        var severities = ApiRequest.List(http, "severity", TicketSeverities.All, errors);
        var customerId = ApiRequest.Id(http, "relatedParty.id", errors, "a customer id");
        var deviceId = ApiRequest.Id(http, "relatedEntity.id", errors, "a device id");
        var after = ApiRequest.Instant(http, "creationDate.gt", errors);
        var before = ApiRequest.Instant(http, "creationDate.lt", errors);
        errors.ThrowIfAny();
        if (HubPrincipal.KindOf(http.User) == HubClaims.Subscriber)
        {
            // A subscriber lists their own tickets only: another customer's id is answered like one without tickets.
            var own = HubPrincipal.CustomerIdOf(http.User) ?? Guid.Empty;
            if (customerId is { } asked && asked != own)
            {
                return TypedResults.Ok(new Page<TroubleTicketResource>([], 0).WriteHeaders(http.Response));
            }

            customerId = own;
        }

        var found = await store.ListAsync(new TicketQuery(statuses, types, severities, customerId, deviceId, after, before, ApiRequest.Query(http, "externalId"), page), ct)
            .ConfigureAwait(false);
        return TypedResults.Ok(new Page<TroubleTicketResource>([.. found.Items.Select(ToResource)], found.Total).WriteHeaders(http.Response));
    }

    private static async Task<Ok<TroubleTicketResource>> GetAsync(string id, TicketStore store, CancellationToken ct) =>
        Guid.TryParse(id, out var ticketId) && await store.GetAsync(ticketId, ct).ConfigureAwait(false) is { } ticket
            ? TypedResults.Ok(ToResource(ticket))
            : throw new NotFoundException($"troubleTicket '{id}'");

    /// <summary>
    /// Works a ticket: <c>status</c> (+ <c>statusChangeReason</c>) along the TMF621 lifecycle (a step it does not allow: 409,
    /// nothing changed), <c>severity</c>, <c>priority</c>, <c>name</c>, <c>description</c>, <c>expectedResolutionDate</c>;
    /// <c>note</c> entries are appended (author and date from the token and the clock). Other attributes cannot be changed (400).
    /// </summary>
    [JsonBody<TroubleTicketUpdate>]
    private static async Task<Ok<TroubleTicketResource>> PatchAsync(string id, HttpContext http, TicketStore store, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var ticketId) || await store.GetAsync(ticketId, ct).ConfigureAwait(false) is null)
        {
            throw new NotFoundException($"troubleTicket '{id}'");
        }

        var body = await ApiRequest.ReadJsonAsync<TroubleTicketUpdate>(http, ct, "the body must be a troubleTicket object, not null").ConfigureAwait(false);
        var errors = new RequestErrors();
        foreach (var other in (body.Other ?? []).Keys.Order(StringComparer.Ordinal))
        {
            errors.Add(other, "cannot be changed (changeable: status, statusChangeReason, severity, priority, name, description, expectedResolutionDate, note)");
        }

        if (body.Status is { } status && !TicketLifecycle.IsKnown(status))
        {
            errors.Add("status", $"'{status}' is not one of {string.Join(", ", TroubleTicketStatus.All)}");
        }

        if (body.StatusChangeReason is not null && body.Status is null)
        {
            errors.Add("statusChangeReason", "goes with a status change");
        }

        Optional(errors, "statusChangeReason", body.StatusChangeReason, 500);
        OneOf(errors, "severity", body.Severity, TicketSeverities.All, required: false);
        OneOf(errors, "priority", body.Priority, Priorities, required: false);
        Optional(errors, "name", body.Name, 200);
        if (body.Description is not null)
        {
            Required(errors, "description", body.Description, MaxText);
        }

        var notes = Notes(errors, body.Note);
        errors.ThrowIfAny("The trouble ticket change is invalid");
        var change = new TicketChange(body.Status, Trim(body.StatusChangeReason), body.Severity, body.Priority, Trim(body.Name), body.Description?.Trim(),
            body.ExpectedResolutionDate, notes);
        if (!await store.ChangeAsync(ticketId, change, HubPrincipal.Actor(http), ct).ConfigureAwait(false))
        {
            throw new NotFoundException($"troubleTicket '{id}'");
        }

        return TypedResults.Ok(ToResource((await store.GetAsync(ticketId, ct).ConfigureAwait(false))!));
    }

    internal static TroubleTicketResource ToResource(TicketDetail t)
    {
        var entities = new List<TicketEntityRef>();
        if (t.DeviceId is { } device)
        {
            entities.Add(new(device.ToString(), $"/tmf-api/resourceInventoryManagement/v4/resource/{device}", t.TicketType == TicketTypes.StbFault ? "faultyDevice" : "device", "Resource"));
        }

        if (t.SubscriptionId is { } product)
        {
            entities.Add(new(product.ToString(), $"/tmf-api/productInventory/v4/product/{product}", "product", "Product"));
        }

        return new TroubleTicketResource(
            t.Id.ToString(), TroubleTicketHrefs.TroubleTicket(t.Id), t.Name, t.Description, t.Severity, t.Priority, t.TicketType, t.Status, t.StatusChangeDate,
            t.StatusChangeReason, t.Channel is { } channel ? new TicketChannelRef(channel, channel) : null, entities,
            [new TicketPartyRef(t.CustomerId.ToString(), CustomerHrefs.Customer(t.CustomerId), "customer", "Customer")],
            [.. t.Notes.Select(n => new TicketNote(n.Id.ToString(), n.Author, n.Date, n.Text))],
            [.. t.StatusChanges.Select(s => new TicketStatusChange(s.Status, s.ChangeDate, s.ChangeReason))],
            t.CreationDate, t.LastUpdate, t.ResolutionDate, t.ExpectedResolutionDate, t.RequestedResolutionDate, t.ExternalId);
    }

    private static List<string> Notes(RequestErrors errors, IReadOnlyList<TicketNoteCreate>? notes)
    {
        var texts = new List<string>();
        for (var i = 0; i < (notes?.Count ?? 0); i++)
        {
            if (Required(errors, $"note[{i}].text", notes![i].Text, MaxText))
            {
                texts.Add(notes[i].Text!.Trim());
            }
        }

        return texts;
    }

    private static bool Required(RequestErrors errors, string field, string? value, int max)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(field, "is required and may not be blank");
            return false;
        }

        return Optional(errors, field, value, max);
    }

    private static bool Optional(RequestErrors errors, string field, string? value, int max)
    {
        if (value is { Length: var length } && length > max)
        {
            errors.Add(field, $"is at most {max} characters, not {length}");
            return false;
        }

        return true;
    }

    private static void OneOf(RequestErrors errors, string field, string? value, IReadOnlyList<string> allowed, bool required)
    {
        if (value is null ? required : !allowed.Contains(value, StringComparer.Ordinal))
        {
            errors.Add(field, value is null ? $"is required: one of {string.Join(", ", allowed)}" : $"'{value}' is not one of {string.Join(", ", allowed)}");
        }
    }

    private static string? Trim(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>TMF621 <c>TroubleTicket_Create</c> (what the hub reads of it).</summary>
public sealed record TroubleTicketCreate(
    string? Name,
    string? Description,
    string? Severity,
    string? TicketType,
    string? Priority,
    string? Status,
    TicketChannelRef? Channel,
    IReadOnlyList<TicketEntityRef>? RelatedEntity,
    IReadOnlyList<TicketPartyRef>? RelatedParty,
    IReadOnlyList<TicketNoteCreate>? Note,
    string? ExternalId,
    DateTimeOffset? RequestedResolutionDate);

/// <summary>TMF621 <c>TroubleTicket_Update</c>: the attributes a PATCH may change (JSON merge patch); any other is refused.</summary>
public sealed record TroubleTicketUpdate(
    string? Status,
    string? StatusChangeReason,
    string? Severity,
    string? Priority,
    string? Name,
    string? Description,
    DateTimeOffset? ExpectedResolutionDate,
    IReadOnlyList<TicketNoteCreate>? Note)
{
    /// <summary>Attributes given that cannot be changed (each answered in the 400).</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Other { get; init; }
}

/// <summary>TMF621 <c>Note</c> to add: its text (author and date are the caller and now).</summary>
public sealed record TicketNoteCreate(string? Text);

/// <summary>TMF621 <c>TroubleTicket</c>.</summary>
public sealed record TroubleTicketResource(
    string Id,
    string Href,
    string? Name,
    string Description,
    string Severity,
    string? Priority,
    string TicketType,
    string Status,
    DateTimeOffset StatusChangeDate,
    string? StatusChangeReason,
    TicketChannelRef? Channel,
    IReadOnlyList<TicketEntityRef> RelatedEntity,
    IReadOnlyList<TicketPartyRef> RelatedParty,
    IReadOnlyList<TicketNote> Note,
    IReadOnlyList<TicketStatusChange> StatusChange,
    DateTimeOffset CreationDate,
    DateTimeOffset LastUpdate,
    DateTimeOffset? ResolutionDate,
    DateTimeOffset? ExpectedResolutionDate,
    DateTimeOffset? RequestedResolutionDate,
    string? ExternalId,
    [property: JsonPropertyName("@type")] string Type = "TroubleTicket");

/// <summary>TMF621 <c>ChannelRef</c>: where the ticket came from (phone, web, app, email, store, technician, api).</summary>
public sealed record TicketChannelRef(string? Id, string? Name);

/// <summary>TMF621 <c>RelatedEntity</c>: the box (Resource) or the subscription (Product) the ticket is about.</summary>
public sealed record TicketEntityRef(string? Id, string? Href, string? Role, [property: JsonPropertyName("@referredType")] string? ReferredType);

/// <summary>TMF621 <c>RelatedParty</c>: the customer.</summary>
public sealed record TicketPartyRef(string? Id, string? Href, string? Role, [property: JsonPropertyName("@referredType")] string? ReferredType);

/// <summary>TMF621 <c>Note</c>.</summary>
public sealed record TicketNote(string Id, string Author, DateTimeOffset Date, string Text);

/// <summary>TMF621 <c>StatusChange</c>.</summary>
public sealed record TicketStatusChange(string Status, DateTimeOffset ChangeDate, string? ChangeReason);
