using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using CableHub.Core.Messaging;
using CableHub.Subscriptions.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace CableHub.Subscriptions.Api;

/// <summary>
/// The technician's (or customer service's) way to replace a faulty box: <c>POST /api/v1/subscriptions/{id}/deviceSwap</c> checks
/// the subscription and the box named, then asks the lifecycle saga (<see cref="SubscriptionDeviceSwapRequested"/> through the
/// outbox) to reserve a replacement from stock, move the entitlements on the CAS, deactivate the faulty box and mark it for return.
/// 202 with the swap's id; the product (TMF637) shows the new box as its realizing resource once done. The same <c>requestId</c>
/// again starts nothing new.
/// </summary>
public static class DeviceSwapEndpoints
{
    public const string BasePath = "/api/v1/subscriptions";

    internal static IEndpointRouteBuilder Map(IEndpointRouteBuilder app)
    {
        var group = app.MapModuleGroup(BasePath, "Subscriber lifecycle").RequireStaff(StaffRoles.Technician, StaffRoles.CustomerService);
        group.MapPost("/{id}/deviceSwap", SwapAsync);
        return app;
    }

    [JsonBody<DeviceSwapBody>]
    private static async Task<Accepted<DeviceSwapAccepted>> SwapAsync(string id, HttpContext http, ISubscriptionLifecycle subscriptions, IEventTransactions transactions,
        TimeProvider clock, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<DeviceSwapBody>(http, ct).ConfigureAwait(false);
        var errors = new RequestErrors();
        if (body.FaultyDeviceId is null)
        {
            errors.Add("faultyDeviceId", "is required: the id of the box found faulty (the product's realizingResource)");
        }

        if (body.Reason is { Length: > 200 })
        {
            errors.Add("reason", "is at most 200 characters");
        }

        errors.ThrowIfAny();
        if (!Guid.TryParse(id, out var subscriptionId) || await subscriptions.GetAsync(subscriptionId, ct).ConfigureAwait(false) is not { } sub)
        {
            throw new NotFoundException($"product '{id}'", "id", "PRODUCT-NOT-FOUND");
        }

        if (sub.Status != SubscriptionStatus.Active)
        {
            throw new StateConflictException("PRODUCT-NOT-ACTIVE", $"product '{id}' is {sub.Status}: only an active product's box is swapped", "id");
        }

        if (sub.DeviceId != body.FaultyDeviceId)
        {
            throw new StateConflictException("DEVICE-NOT-OF-PRODUCT", $"box '{body.FaultyDeviceId}' is not the box of product '{id}' ({sub.DeviceId})", "faultyDeviceId");
        }

        var requestId = body.RequestId ?? Guid.CreateVersion7();
        var reason = string.IsNullOrWhiteSpace(body.Reason) ? "faulty" : body.Reason.Trim();
        await using (var tx = await transactions.BeginAsync(CorrelationId.Get(http), ct).ConfigureAwait(false))
        {
            await tx.PublishAsync(new SubscriptionDeviceSwapRequested(requestId, sub.Id, body.FaultyDeviceId!.Value, reason, HubPrincipal.Actor(http), clock.GetUtcNow()))
                .ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }

        var product = $"{ProductInventoryEndpoints.BasePath}/{sub.Id}";
        return TypedResults.Accepted(product, new DeviceSwapAccepted(requestId, sub.Id, body.FaultyDeviceId!.Value, reason, "acknowledged", product));
    }
}

/// <param name="FaultyDeviceId">the box found faulty (must be the product's box)</param>
/// <param name="Reason">why (kept with the return of the box; default <c>faulty</c>)</param>
/// <param name="RequestId">the caller's id of the request: the same id again starts no second swap</param>
public sealed record DeviceSwapBody(Guid? FaultyDeviceId, string? Reason, Guid? RequestId);

public sealed record DeviceSwapAccepted(Guid Id, Guid SubscriptionId, Guid FaultyDeviceId, string Reason, string State, string ProductHref);
