using CableHub.Core.Api;
using CableHub.Core.Messaging;
using CableHub.Customers.Contracts;
using CableHub.Ordering.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace CableHub.Ordering.Api;

/// <summary>TMF622 Product Ordering: place an order for a new customer and follow its state.</summary>
public static class ProductOrderEndpoints
{
    public const string BasePath = ProductOrderStateChangeEvent.BasePath;

    internal static IEndpointRouteBuilder Map(IEndpointRouteBuilder app)
    {
        var group = app.MapModuleGroup(BasePath, "TMF622 Product Ordering");
        group.MapPost("", CreateAsync);
        group.MapGet("", ListAsync).WithFieldSelection().RequireRole(Roles.CustomerService);
        group.MapGet("/{id}", GetAsync);
        return app;
    }

    /// <summary>
    /// Orders, newest first: <c>?state=completed,failed</c>, <c>?orderDate.gt=</c> / <c>?orderDate.lt=</c> (ISO 8601),
    /// <c>?relatedParty.id=</c> (customer id), <c>?externalId=</c>, <c>?offset=&amp;limit=</c> (X-Total-Count, X-Result-Count).
    /// </summary>
    [Paged]
    [QueryParameter("state", "Only orders in one of these states (comma-separated: acknowledged, inProgress, completed, failed, ...)")]
    [QueryParameter("orderDate.gt", "Only orders placed after this instant (ISO 8601)", "date-time")]
    [QueryParameter("orderDate.lt", "Only orders placed before this instant (ISO 8601)", "date-time")]
    [QueryParameter("relatedParty.id", "Only the orders of this customer (id)")]
    [QueryParameter("externalId", "Only the order with this external id")]
    private static async Task<Ok<IReadOnlyList<ProductOrderResource>>> ListAsync(HttpContext http, ProductOrderStore orders, CancellationToken ct)
    {
        var page = PageRequest.From(http);
        var errors = new RequestErrors();
        var states = ApiRequest.List(http, "state");
        foreach (var state in states ?? [])
        {
            if (!ProductOrderState.All.Contains(state, StringComparer.Ordinal))
            {
                errors.Add("state", $"'{state}' is not one of {string.Join(", ", ProductOrderState.All)}");
            }
        }

        DateTimeOffset? Instant(string name)
        {
            try
            {
                return ApiRequest.Instant(http, name);
            }
            catch (RequestInvalidException ex)
            {
                foreach (var error in ex.Errors)
                {
                    errors.Add(name, error.Message);
                }

                return null;
            }
        }

        var (gt, lt) = (Instant("orderDate.gt"), Instant("orderDate.lt"));
        Guid? customerId = null;
        if (ApiRequest.Query(http, "relatedParty.id") is { } party)
        {
            if (Guid.TryParse(party, out var parsed))
            {
                customerId = parsed;
            }
            else
            {
                errors.Add("relatedParty.id", $"'{party}' is not a customer id");
            }
        }

        errors.ThrowIfAny();
        var found = await orders.ListAsync(new ProductOrderQuery(states, gt, lt, customerId, ApiRequest.Query(http, "externalId"), page), ct).ConfigureAwait(false);
        return TypedResults.Ok(new Page<ProductOrderResource>(found.Items.Select(ToResource).ToList(), found.Total).WriteHeaders(http.Response));
    }

    /// <summary>
    /// Validates the order (400 naming each JSON path), then in ONE PostgreSQL transaction records customer, billing account
    /// and order (state acknowledged) and enlists <see cref="ProductOrderAcknowledged"/> in the outbox, so onboarding starts
    /// if and only if the order was stored. 201 for a new order; 200 with the existing order for a known <c>externalId</c>.
    /// </summary>
    [JsonBody<ProductOrderCreate>]
    private static async Task<Results<Created<ProductOrderResource>, Ok<ProductOrderResource>>> CreateAsync(
        HttpContext http, ProductOrderValidator validator, ProductOrderStore orders, IEventTransactions transactions, TimeProvider clock, CancellationToken ct)
    {
        var request = await ApiRequest.ReadJsonAsync<ProductOrderCreate>(http, ct, "the body must be a productOrder object, not null").ConfigureAwait(false);
        var correlationId = CorrelationId.Get(http);
        var (command, errors) = await validator.ValidateAsync(request, correlationId, ct).ConfigureAwait(false);
        if (command is null)
        {
            throw new RequestInvalidException(errors.SelectMany(kv => kv.Value.Select(m => new DomainError("", m, kv.Key))).ToList(), "The product order is invalid");
        }

        PlacedProductOrder placed;
        await using (var tx = await transactions.BeginAsync(correlationId, ct).ConfigureAwait(false))
        {
            placed = await orders.PlaceAsync(command, tx.Connection, tx.Transaction, ct).ConfigureAwait(false);
            if (!placed.AlreadyExisted)
            {
                await tx.PublishAsync(new ProductOrderAcknowledged(placed.OrderId, placed.CustomerId, placed.BillingAccountId, command.PlanId, clock.GetUtcNow())).ConfigureAwait(false);
            }

            await tx.CommitAsync(ct).ConfigureAwait(false);
        }

        var resource = ToResource((await orders.GetAsync(placed.OrderId, ct).ConfigureAwait(false))!);
        return placed.AlreadyExisted ? TypedResults.Ok(resource) : TypedResults.Created(resource.Href, resource);
    }

    private static async Task<Ok<ProductOrderResource>> GetAsync(string id, ProductOrderStore orders, CancellationToken ct) =>
        Guid.TryParse(id, out var orderId) && await orders.GetAsync(orderId, ct).ConfigureAwait(false) is { } order
            ? TypedResults.Ok(ToResource(order))
            : throw new NotFoundException($"productOrder '{id}'");

    private static ProductOrderResource ToResource(ProductOrder order) => new(
        order.Id.ToString(),
        $"{BasePath}/{order.Id}",
        order.ExternalId,
        order.State,
        order.StateReason,
        order.RequestedAt,
        order.CompletedAt,
        [new ChannelRef(null, order.Channel)],
        [new RelatedPartyRef(order.CustomerId.ToString(), CustomerHrefs.Customer(order.CustomerId), "Customer", "Customer")],
        order.BillingAccountId is { } account ? new BillingAccountOut(account.ToString(), CustomerHrefs.BillingAccount(account)) : null,
        order.Items.Select(i => new ProductOrderItemResource(i.ItemId, i.Action, i.Quantity, i.State,
            new ProductOfferingRef(i.PlanId.ToString(), $"/tmf-api/productCatalogManagement/v4/productOffering/{i.PlanId}", null))).ToList(),
        order.History.Select(h => new StateChange(h.State, h.Reason, h.At)).ToList());
}
