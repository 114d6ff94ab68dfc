using System.Globalization;
using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace CableHub.Inventory.Api;

/// <summary>
/// TMF639 Resource Inventory: serial-level equipment as resources. Read with filters and paging; change state
/// with PATCH (administrativeState / operationalState / usageState / resourceStatus mapped to the equipment
/// lifecycle, and <c>place</c> to move it). An illegal change is a 400 problem naming the field.
/// </summary>
public static class ResourceInventoryEndpoints
{
    public const string BasePath = "/tmf-api/resourceInventoryManagement/v4/resource";

    internal static void Map(IEndpointRouteBuilder app)
    {
        var read = app.MapModuleGroup(BasePath, "TMF639 Resource Inventory").RequireAccess(HubPolicies.InventoryRead);
        var write = app.MapModuleGroup(BasePath, "TMF639 Resource Inventory").RequireAccess(HubPolicies.InventoryWrite);
        read.MapGet("", ListAsync);
        read.MapGet("/{id}", GetAsync);
        write.MapPatch("/{id}", PatchAsync);
    }

    [Paged]
    [QueryParameter("resourceStatus", "TMF639 resourceStatus")]
    [QueryParameter("administrativeState", "TMF639 administrativeState")]
    [QueryParameter("operationalState", "TMF639 operationalState")]
    [QueryParameter("usageState", "TMF639 usageState")]
    [QueryParameter("lifecycleStatus", "Equipment lifecycle status (ordered, in_stock, reserved, installed, ...)")]
    [QueryParameter("place.id", "Stock location (id or code)")]
    [QueryParameter("category", "Equipment category (stb, smart_card, modem, remote, ...)")]
    [QueryParameter("resourceSpecification.id", "Equipment model (id or code)")]
    [QueryParameter("serialNumber", "Serial number")]
    private static async Task<Ok<List<ResourceResource>>> ListAsync(HttpContext http, InventoryStore store, CancellationToken ct)
    {
        var q = http.Request.Query;
        var errors = new Dictionary<string, string[]>();
        int Int(string name, int fallback, int max)
        {
            if (!q.TryGetValue(name, out var raw))
            {
                return fallback;
            }

            if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > max)
            {
                errors[name] = [$"'{raw}' is not a whole number from 0 to {max}"];
            }

            return value;
        }

        var offset = Int("offset", 0, int.MaxValue);
        var limit = Int("limit", 100, 1000);
        string? status = null;
        string[]? statuses = null;
        foreach (var (name, pick) in new (string, Func<ResourceStates, string>)[] { ("resourceStatus", s => s.ResourceStatus), ("administrativeState", s => s.AdministrativeState), ("operationalState", s => s.OperationalState), ("usageState", s => s.UsageState) })
        {
            if (q[name].FirstOrDefault() is not { } value)
            {
                continue;
            }

            var matching = ResourceStateMapping.ByStatus.Where(kv => pick(kv.Value) == value).Select(kv => kv.Key).ToArray();
            if (matching.Length == 0)
            {
                errors[name] = [$"'{value}' is the {name} of no equipment in the lifecycle"];
            }

            statuses = statuses is null ? matching : statuses.Intersect(matching).ToArray();
        }

        if (q["lifecycleStatus"].FirstOrDefault() is { } lifecycle)
        {
            if (!DeviceLifecycle.IsStatus(lifecycle))
            {
                errors["lifecycleStatus"] = [$"'{lifecycle}' is not one of {string.Join(", ", DeviceLifecycle.Statuses)}"];
            }

            status = lifecycle;
        }

        Guid? location = null;
        if (q["place.id"].FirstOrDefault() is { } place)
        {
            location = (await store.FindLocationAsync(place, ct).ConfigureAwait(false))?.Id;
            if (location is null)
            {
                errors["place.id"] = [$"location '{place}' does not exist"];
            }
        }

        if (errors.Count > 0)
        {
            throw new RequestInvalidException(errors.SelectMany(kv => kv.Value.Select(m => new DomainError("", m, kv.Key))).ToList());
        }

        var page = await store.QueryItemsAsync(new ItemQuery
        {
            Kind = q["category"].FirstOrDefault(),
            ModelCode = q["resourceSpecification.id"].FirstOrDefault(),
            SerialNumber = q["serialNumber"].FirstOrDefault(),
            Status = status,
            Statuses = statuses,
            LocationId = location,
            Offset = offset,
            Limit = limit,
        }, ct).ConfigureAwait(false);
        http.Response.Headers["X-Total-Count"] = page.Total.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers["X-Result-Count"] = page.Items.Count.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Ok(page.Items.Select(ToResource).ToList());
    }

    private static async Task<Ok<ResourceResource>> GetAsync(string id, InventoryStore store, CancellationToken ct) =>
        TypedResults.Ok(ToResource(await FindAsync(id, store, ct).ConfigureAwait(false) ?? throw new NotFoundException($"resource '{id}'")));

    [JsonBody<ResourcePatch>]
    private static async Task<Ok<ResourceResource>> PatchAsync(string id, HttpContext http, InventoryStore store, CancellationToken ct)
    {
        var item = await FindAsync(id, store, ct).ConfigureAwait(false) ?? throw new NotFoundException($"resource '{id}'");
        var patch = await ApiRequest.ReadJsonAsync<ResourcePatch>(http, ct).ConfigureAwait(false);
        Guid? location = null;
        if (patch.Place is { Count: > 0 } places)
        {
            if (places.Count > 1 || string.IsNullOrWhiteSpace(places[0].Id))
            {
                throw new RequestInvalidException("place", "give one place with its id (a stock location id or code)");
            }

            location = (await store.FindLocationAsync(places[0].Id!, ct).ConfigureAwait(false))?.Id
                ?? throw new RequestInvalidException("place[0].id", $"location '{places[0].Id}' does not exist");
        }

        var reason = patch.Note?.FirstOrDefault()?.Text is { Length: > 0 } text ? text : "TMF639 resource update";
        var actor = new InventoryActor(HubPrincipal.Actor(http), reason);
        var anyState = patch.ResourceStatus is not null || patch.AdministrativeState is not null || patch.OperationalState is not null || patch.UsageState is not null;
        if (!anyState && location is null)
        {
            throw new RequestInvalidException("$", "nothing to change: give administrativeState, operationalState, usageState, resourceStatus and/or place");
        }

        var target = item.Status;
        var field = "place";
        if (anyState)
        {
            var (status, f, error) = ResourceStateMapping.Resolve(item.Status, patch.ResourceStatus, patch.AdministrativeState, patch.OperationalState, patch.UsageState);
            field = f!;
            target = status ?? throw new RequestInvalidException(field, error!);
        }

        var updated = await InventoryApi.AtAsync(field, () => target == item.Status
            ? store.MoveAsync(item.Id, location!.Value, actor, ct)
            : store.ChangeStatusAsync(item.Id, target, location, actor, ct)).ConfigureAwait(false);
        return TypedResults.Ok(ToResource(updated));
    }

    private static async Task<InventoryItem?> FindAsync(string id, InventoryStore store, CancellationToken ct) =>
        Guid.TryParse(id, out var guid) ? await store.GetItemAsync(guid, ct).ConfigureAwait(false) : await store.GetItemBySerialAsync(id, ct).ConfigureAwait(false);

    public static ResourceResource ToResource(InventoryItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var states = ResourceStateMapping.For(item.Status);
        return new ResourceResource(
            item.Id.ToString(), $"{BasePath}/{item.Id}", item.SerialNumber, item.Kind, "PhysicalResource",
            item.SerialNumber, states.ResourceStatus, states.AdministrativeState, states.OperationalState, states.UsageState,
            new ResourceSpecRef(item.ModelCode, $"/api/inventory/models/{Uri.EscapeDataString(item.ModelCode)}", item.ModelCode),
            item.LocationId is { } l ? [new PlaceRef(l.ToString(), item.LocationCode, "StockLocation")] : [],
            item.CustomerId is { } c ? [new RelatedPartyRef(c.ToString(), $"/tmf-api/customerManagement/v4/customer/{c}", "Customer")] : [],
            item.PairedDeviceId is { } p ? [new ResourceRelationship("pairedWith", new ResourceRef(p.ToString(), $"{BasePath}/{p}", item.PairedSerialNumber))] : [],
            [
                new Characteristic("lifecycleStatus", item.Status),
                new Characteristic("activationState", item.ActivationState),
                .. item.CasId is { } cas ? new[] { new Characteristic("casId", cas) } : [],
            ],
            item.UpdatedAt);
    }
}

public sealed record ResourcePatch(
    string? ResourceStatus,
    string? AdministrativeState,
    string? OperationalState,
    string? UsageState,
    IReadOnlyList<PlaceRefIn>? Place,
    IReadOnlyList<NoteIn>? Note);

public sealed record PlaceRefIn(string? Id);

public sealed record NoteIn(string? Text);

public sealed record ResourceResource(
    string Id,
    string Href,
    string Name,
    string Category,
    [property: JsonPropertyName("@type")] string Type,
    string SerialNumber,
    string ResourceStatus,
    string AdministrativeState,
    string OperationalState,
    string UsageState,
    ResourceSpecRef ResourceSpecification,
    IReadOnlyList<PlaceRef> Place,
    IReadOnlyList<RelatedPartyRef> RelatedParty,
    IReadOnlyList<ResourceRelationship> ResourceRelationship,
    IReadOnlyList<Characteristic> ResourceCharacteristic,
    DateTimeOffset LastUpdate);

public sealed record ResourceSpecRef(string Id, string Href, string Name);

public sealed record PlaceRef(string Id, string? Name, [property: JsonPropertyName("@referredType")] string ReferredType);

public sealed record RelatedPartyRef(string Id, string Href, string Role);

public sealed record ResourceRelationship(string RelationshipType, ResourceRef Resource);

public sealed record ResourceRef(string Id, string Href, string? Name);

public sealed record Characteristic(string Name, string Value);
