using CableHub.Core.Api;
using System.Text.Json;
using CableHub.Core.Contracts;
using CableHub.Core.Orders;
using CableHub.Sagas.Messaging;

namespace CableHub.Host.Api.ProductOrdering;

/// <summary>TMF622 Product Ordering: place an order for a new customer and follow its state.</summary>
public static class ProductOrderEndpoints
{
    public const string BasePath = "/tmf-api/productOrderingManagement/v4/productOrder";

    public static RouteGroupBuilder MapProductOrdering(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(BasePath).WithTags("TMF622 Product Ordering");
        group.MapPost("", CreateAsync);
        group.MapGet("/{id}", GetAsync);
        return group;
    }

    /// <summary>
    /// Validates the order, then in ONE PostgreSQL transaction records customer, billing account and
    /// order (state acknowledged) and enlists <see cref="ProductOrderAcknowledged"/> in Wolverine's
    /// durable outbox, so onboarding starts if and only if the order was stored.
    /// </summary>
    private static async Task<IResult> CreateAsync(
        HttpContext http,
        ProductOrderValidator validator,
        ProductOrderStore orders,
        HubOutbox outbox,
        TimeProvider clock,
        CancellationToken ct)
    {
        ProductOrderCreate? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync<ProductOrderCreate>(http.Request.Body, JsonSerializerOptions.Web, ct).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return Problems.MalformedJson(ex);
        }

        if (request is null)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["$"] = ["the body must be a productOrder object, not null"] });
        }

        var correlationId = CorrelationId.Get(http);
        var (command, errors) = await validator.ValidateAsync(request, correlationId, ct).ConfigureAwait(false);
        if (command is null)
        {
            return Problems.Validation(errors, "The product order is invalid");
        }

        PlacedProductOrder placed;
        await using (var tx = await outbox.BeginAsync(correlationId, ct).ConfigureAwait(false))
        {
            placed = await orders.PlaceAsync(command, tx.Connection, tx.Transaction, ct).ConfigureAwait(false);
            if (!placed.AlreadyExisted)
            {
                await tx.PublishAsync(new ProductOrderAcknowledged(placed.OrderId, placed.CustomerId, placed.BillingAccountId, command.PlanId, clock.GetUtcNow())).ConfigureAwait(false);
            }

            await tx.CommitAsync(ct).ConfigureAwait(false);
        }

        var order = await orders.GetAsync(placed.OrderId, ct).ConfigureAwait(false);
        var resource = ToResource(order!);
        return placed.AlreadyExisted ? Results.Ok(resource) : Results.Created(resource.Href, resource);
    }

    private static async Task<IResult> GetAsync(string id, ProductOrderStore orders, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var orderId))
        {
            return Problems.NotFound($"productOrder '{id}'");
        }

        var order = await orders.GetAsync(orderId, ct).ConfigureAwait(false);
        return order is null ? Problems.NotFound($"productOrder '{id}'") : Results.Ok(ToResource(order));
    }

    private static ProductOrderResource ToResource(ProductOrder order) => new(
        order.Id.ToString(),
        $"{BasePath}/{order.Id}",
        order.ExternalId,
        order.State,
        order.StateReason,
        order.RequestedAt,
        order.CompletedAt,
        [new ChannelRef(null, order.Channel)],
        [new RelatedPartyRef(order.CustomerId.ToString(), $"/tmf-api/customerManagement/v4/customer/{order.CustomerId}", "Customer", "Customer")],
        order.BillingAccountId is { } account ? new BillingAccountOut(account.ToString(), $"/tmf-api/accountManagement/v4/billingAccount/{account}") : null,
        order.Items.Select(i => new ProductOrderItemResource(i.ItemId, i.Action, i.Quantity, i.State,
            new ProductOfferingRef(i.PlanId.ToString(), $"/tmf-api/productCatalogManagement/v4/productOffering/{i.PlanId}", null))).ToList(),
        order.History.Select(h => new StateChange(h.State, h.Reason, h.At)).ToList());
}
