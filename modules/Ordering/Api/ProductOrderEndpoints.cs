using CableHub.Core.Api;
using CableHub.Core.Api.Access;
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

    /// <summary>TMF622 task resource that cancels an order not yet carried out.</summary>
    public const string CancelPath = "/tmf-api/productOrderingManagement/v4/cancelProductOrder";

    internal static IEndpointRouteBuilder Map(IEndpointRouteBuilder app)
    {
        var place = app.MapModuleGroup(BasePath, "TMF622 Product Ordering").RequireAccess(HubPolicies.OrdersPlace);
        place.MapPost("", CreateAsync);
        var list = app.MapModuleGroup(BasePath, "TMF622 Product Ordering").RequireAccess(HubPolicies.OrdersRead);
        list.MapGet("", ListAsync).WithFieldSelection();
        var read = app.MapModuleGroup(BasePath, "TMF622 Product Ordering").RequireOwnerOrStaff(HubPolicies.OrdersRead, "id", OwnedKinds.ProductOrder);
        read.MapGet("/{id}", GetAsync);
        var cancel = app.MapModuleGroup(CancelPath, "TMF622 Product Ordering").RequireAccess(HubPolicies.OrdersPlace);
        cancel.MapPost("", CancelAsync);
        return app;
    }

    /// <summary>
    /// Orders, newest first (a subscriber sees only their own): <c>?state=completed,failed</c>, <c>?orderDate.gt=</c> / <c>?orderDate.lt=</c> (ISO 8601),
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

        var (gt, lt) = (ApiRequest.Instant(http, "orderDate.gt", errors), ApiRequest.Instant(http, "orderDate.lt", errors));
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
        if (HubPrincipal.KindOf(http.User) == HubClaims.Subscriber)
        {
            // A subscriber lists their own orders only: another customer's id is answered like one without orders.
            var own = HubPrincipal.CustomerIdOf(http.User);
            if (customerId is { } asked && asked != own)
            {
                return TypedResults.Ok(new Page<ProductOrderResource>([], 0).WriteHeaders(http.Response));
            }

            customerId = own ?? Guid.Empty;
        }

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
        HttpContext http, ProductOrderValidator validator, ProductOrderChangeValidator changes, ProductOrderStore orders, IEventTransactions transactions, TimeProvider clock,
        CancellationToken ct)
    {
        var request = await ApiRequest.ReadJsonAsync<ProductOrderCreate>(http, ct, "the body must be a productOrder object, not null").ConfigureAwait(false);
        var correlationId = CorrelationId.Get(http);
        if (ProductOrderChangeValidator.IsChangeOrder(request))
        {
            return await CreateChangeAsync(request, correlationId, changes, orders, transactions, clock, ct).ConfigureAwait(false);
        }

        var (command, errors) = await validator.ValidateAsync(request, correlationId, ct).ConfigureAwait(false);
        if (command is null)
        {
            throw new RequestInvalidException(errors.SelectMany(kv => kv.Value.Select(m => new DomainError("", m, kv.Key))).ToList(), "The product order is invalid");
        }

        command = command with { PlacedBy = HubPrincipal.Actor(http) };
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

    /// <summary>
    /// A change order for an existing subscription (plan change, add-on, suspension / restore, disconnect): validated, then in ONE
    /// transaction the order (acknowledged) and <see cref="SubscriptionChangeOrdered"/> in the outbox; the lifecycle saga carries it
    /// out now or at its effective time.
    /// </summary>
    private static async Task<Results<Created<ProductOrderResource>, Ok<ProductOrderResource>>> CreateChangeAsync(ProductOrderCreate request, string correlationId,
        ProductOrderChangeValidator changes, ProductOrderStore orders, IEventTransactions transactions, TimeProvider clock, CancellationToken ct)
    {
        var command = await changes.ValidateAsync(request, correlationId, ct).ConfigureAwait(false);
        PlacedProductOrder placed;
        await using (var tx = await transactions.BeginAsync(correlationId, ct).ConfigureAwait(false))
        {
            placed = await orders.PlaceChangeAsync(command, tx.Connection, tx.Transaction, ct).ConfigureAwait(false);
            if (!placed.AlreadyExisted)
            {
                await tx.PublishAsync(new SubscriptionChangeOrdered(placed.OrderId, command.CustomerId, command.SubscriptionId, command.ChangeAction, command.OfferingKind,
                    command.OfferingId, command.Reason, command.AtNextCycle, command.RequestedStartAt, clock.GetUtcNow())).ConfigureAwait(false);
            }

            await tx.CommitAsync(ct).ConfigureAwait(false);
        }

        var resource = ToResource((await orders.GetAsync(placed.OrderId, ct).ConfigureAwait(false))!);
        return placed.AlreadyExisted ? TypedResults.Ok(resource) : TypedResults.Created(resource.Href, resource);
    }

    /// <summary>
    /// TMF622 cancelProductOrder: an order still acknowledged or pending (a change waiting for the next cycle) is cancelled in one
    /// transaction with <see cref="ProductOrderCancelled"/> in the outbox (the saga stops); 404 unknown order; 409 once the order is
    /// being carried out or final.
    /// </summary>
    private static async Task<Created<CancelProductOrderResource>> CancelAsync(HttpContext http, ProductOrderStore orders, IEventTransactions transactions,
        TimeProvider clock, CancellationToken ct)
    {
        var request = await ApiRequest.ReadJsonAsync<CancelProductOrderCreate>(http, ct, "the body must be a cancelProductOrder object, not null").ConfigureAwait(false);
        if (!Guid.TryParse(request.ProductOrder?.Id, out var orderId))
        {
            throw new RequestInvalidException("productOrder.id", "is required: the id of the product order to cancel");
        }

        var reason = string.IsNullOrWhiteSpace(request.CancellationReason) ? null : request.CancellationReason.Trim();
        var now = clock.GetUtcNow();
        await using (var tx = await transactions.BeginAsync(CorrelationId.Get(http), ct).ConfigureAwait(false))
        {
            var (cancelled, before) = await orders.CancelAsync(orderId, reason, tx.Connection, tx.Transaction, ct).ConfigureAwait(false);
            if (before is null)
            {
                throw new NotFoundException($"productOrder '{orderId}'", "productOrder.id");
            }

            if (!cancelled)
            {
                throw new StateConflictException("ORDER-NOT-CANCELLABLE", $"productOrder '{orderId}' is {before}; only an acknowledged or pending order can be cancelled", "productOrder.id");
            }

            await tx.PublishAsync(new ProductOrderCancelled(orderId, reason, now)).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }

        var id = Ids.New(clock).ToString();
        return TypedResults.Created($"{CancelPath}/{id}", new CancelProductOrderResource(id, $"{CancelPath}/{id}", "done", reason, now,
            new ProductOrderRefIn(orderId.ToString(), $"{BasePath}/{orderId}")));
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
            (i.PlanId ?? i.OfferingId) is { } offering ? new ProductOfferingRef(offering.ToString(), $"/tmf-api/productCatalogManagement/v4/productOffering/{offering}", i.OfferingKind) : null,
            i.SubscriptionId is { } product ? new ProductRef(product.ToString(), $"/tmf-api/productInventory/v4/product/{product}", i.TargetStatus, i.Reason) : null)).ToList(),
        order.History.Select(h => new StateChange(h.State, h.Reason, h.At)).ToList(),
        order.RequestedStartAt);
}
