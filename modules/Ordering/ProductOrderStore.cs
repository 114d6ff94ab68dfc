using CableHub.Core.Persistence;
using CableHub.Customers.Contracts;
using CableHub.Ordering.Contracts;
using Dapper;
using Npgsql;

namespace CableHub.Ordering;

/// <summary>Product orders, their items and state history.</summary>
public sealed class ProductOrderStore(NpgsqlDataSource dataSource, ICustomerRegistry customers, TimeProvider clock) : IProductOrderLifecycle
{
    /// <summary>
    /// Records the customer, a billing account and the order (state acknowledged) in the caller's
    /// transaction. An order whose external id was seen before is not placed again: the existing one
    /// is returned with <see cref="PlacedProductOrder.AlreadyExisted"/> set.
    /// </summary>
    public async Task<PlacedProductOrder> PlaceAsync(PlaceProductOrder order, NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (order.ExternalId is { } externalId)
        {
            var existing = await conn.QuerySingleOrDefaultAsync<(Guid Id, Guid CustomerId, Guid? BillingAccountId)?>(new CommandDefinition(
                "SELECT id, customer_id, billing_account_id FROM hub.product_order WHERE external_id = @externalId",
                new { externalId }, tx, cancellationToken: ct)).ConfigureAwait(false);
            if (existing is { } e)
            {
                return new PlacedProductOrder(e.Id, e.CustomerId, e.BillingAccountId ?? Guid.Empty, AlreadyExisted: true);
            }
        }

        var registered = await customers.RegisterAsync(
            new RegisterCustomer(order.Customer, order.Currency, order.PaymentMethod, order.BillCycleDay), new DbSession(conn, tx), ct).ConfigureAwait(false);
        var (customerId, accountId) = (registered.CustomerId, registered.BillingAccountId);
        var orderId = Ids.New(clock);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.product_order (id, external_id, state, customer_id, billing_account_id, channel, correlation_id, placed_by)
            VALUES (@orderId, @externalId, 'acknowledged', @customerId, @accountId, @channel, @correlationId, @placedBy);
            INSERT INTO hub.product_order_item (order_id, item_id, action, plan_id, quantity, state)
            VALUES (@orderId, @itemId, 'add', @planId, 1, 'acknowledged');
            INSERT INTO hub.product_order_state_change (order_id, state) VALUES (@orderId, 'acknowledged');
            """,
            new { orderId, order.ExternalId, customerId, accountId, order.Channel, order.CorrelationId, order.ItemId, order.PlanId, order.PlacedBy }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return new PlacedProductOrder(orderId, customerId, accountId, AlreadyExisted: false);
    }

    /// <summary>
    /// Records a change order for an existing subscription (state acknowledged) in the caller's transaction; a known external id
    /// returns the existing order with <see cref="PlacedProductOrder.AlreadyExisted"/> set.
    /// </summary>
    public async Task<PlacedProductOrder> PlaceChangeAsync(PlaceChangeOrder order, NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (order.ExternalId is { } externalId)
        {
            var existing = await conn.QuerySingleOrDefaultAsync<(Guid Id, Guid CustomerId, Guid? BillingAccountId)?>(new CommandDefinition(
                "SELECT id, customer_id, billing_account_id FROM hub.product_order WHERE external_id = @externalId",
                new { externalId }, tx, cancellationToken: ct)).ConfigureAwait(false);
            if (existing is { } e)
            {
                return new PlacedProductOrder(e.Id, e.CustomerId, e.BillingAccountId ?? Guid.Empty, AlreadyExisted: true);
            }
        }

        var orderId = Ids.New(clock);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.product_order (id, external_id, state, customer_id, billing_account_id, channel, correlation_id, kind, requested_start_at)
            VALUES (@orderId, @ExternalId, 'acknowledged', @CustomerId, @BillingAccountId, @Channel, @CorrelationId, 'change', @RequestedStartAt);
            INSERT INTO hub.product_order_item (order_id, item_id, action, plan_id, quantity, state, subscription_id, offering_kind, offering_id, target_status, reason)
            VALUES (@orderId, @ItemId, @TmfAction, @PlanId, 1, 'acknowledged', @SubscriptionId, @OfferingKind, @OfferingId, @TargetStatus, @Reason);
            INSERT INTO hub.product_order_state_change (order_id, state) VALUES (@orderId, 'acknowledged');
            """,
            new
            {
                orderId, order.ExternalId, order.CustomerId, order.BillingAccountId, order.Channel, order.CorrelationId, order.RequestedStartAt, order.ItemId,
                order.TmfAction, order.PlanId, order.SubscriptionId, order.OfferingKind, order.OfferingId, order.TargetStatus, order.Reason,
            }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return new PlacedProductOrder(orderId, order.CustomerId, order.BillingAccountId, AlreadyExisted: false);
    }

    /// <summary>
    /// TMF622 cancelProductOrder: an order not yet being carried out (acknowledged, or pending until its effective time) becomes
    /// cancelled in the caller's transaction. Returns whether it was cancelled and the state it was in.
    /// </summary>
    public async Task<(bool Cancelled, string? StateBefore)> CancelAsync(Guid orderId, string? reason, NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct = default)
    {
        var state = await conn.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT state FROM hub.product_order WHERE id = @orderId FOR UPDATE", new { orderId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (state is not (ProductOrderState.Acknowledged or ProductOrderState.Pending))
        {
            return (false, state);
        }

        return (await SetStateAsync(orderId, ProductOrderState.Cancelled, reason ?? "cancelled by request", conn, tx, ct).ConfigureAwait(false), state);
    }

    /// <summary>
    /// Moves the order (and its items) to <paramref name="state"/> and records the change. Returns false and
    /// changes nothing when the order is already in that state or in a final state (idempotent under redelivery).
    /// </summary>
    public static async Task<bool> SetStateAsync(Guid orderId, string state, string? reason, NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct = default)
    {
        var changed = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.product_order
            SET state = @state, state_reason = @reason, updated_at = now(),
                completed_at = CASE WHEN @state IN ('completed', 'failed', 'cancelled', 'rejected', 'partial') THEN now() ELSE completed_at END
            WHERE id = @orderId AND state <> @state AND state NOT IN ('completed', 'failed', 'cancelled', 'rejected', 'partial')
            """, new { orderId, state, reason }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (changed == 0)
        {
            return false;
        }

        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.product_order_item SET state = @state WHERE order_id = @orderId;
            INSERT INTO hub.product_order_state_change (order_id, state, reason) VALUES (@orderId, @state, @reason);
            """, new { orderId, state, reason }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return true;
    }

    public async Task<bool> SetStateAsync(Guid orderId, string state, string? reason, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var changed = await SetStateAsync(orderId, state, reason, conn, tx, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return changed;
    }

    public Task<string?> LockStateAsync(Guid orderId, DbSession session, CancellationToken ct) =>
        session.Connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT state FROM hub.product_order WHERE id = @orderId FOR UPDATE", new { orderId }, session.Transaction, cancellationToken: ct));

    public Task<string?> StateAsync(Guid orderId, DbSession session, CancellationToken ct) =>
        session.Connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT state FROM hub.product_order WHERE id = @orderId", new { orderId }, session.Transaction, cancellationToken: ct));

    Task<bool> IProductOrderLifecycle.SetStateAsync(Guid orderId, string state, string? reason, DbSession session, CancellationToken ct) =>
        SetStateAsync(orderId, state, reason, session.Connection, session.Transaction, ct);

    public async Task<ProductOrder?> GetAsync(Guid orderId, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        using var grid = await conn.QueryMultipleAsync(new CommandDefinition(
            """
            SELECT id, external_id, state, state_reason, customer_id, billing_account_id, channel, correlation_id, requested_at, completed_at, kind, requested_start_at
            FROM hub.product_order WHERE id = @orderId;
            SELECT item_id, action, plan_id, quantity, state, subscription_id, offering_kind, offering_id, target_status, reason
            FROM hub.product_order_item WHERE order_id = @orderId ORDER BY item_id;
            SELECT state, reason, at FROM hub.product_order_state_change WHERE order_id = @orderId ORDER BY id;
            """, new { orderId }, cancellationToken: ct)).ConfigureAwait(false);
        var head = await grid.ReadSingleOrDefaultAsync<OrderRow>().ConfigureAwait(false);
        if (head is null)
        {
            return null;
        }

        var items = (await grid.ReadAsync<ItemRow>().ConfigureAwait(false)).Select(i => new ProductOrderItem(i.ItemId, i.Action, i.PlanId, i.Quantity, i.State)
        {
            SubscriptionId = i.SubscriptionId, OfferingKind = i.OfferingKind, OfferingId = i.OfferingId, TargetStatus = i.TargetStatus, Reason = i.Reason,
        }).ToList();
        var history = (await grid.ReadAsync<ProductOrderStateChange>().ConfigureAwait(false)).ToList();
        return new ProductOrder(head.Id, head.ExternalId, head.State, head.StateReason, head.CustomerId, head.BillingAccountId, head.Channel,
            head.CorrelationId, head.RequestedAt, head.CompletedAt, items, history) { Kind = head.Kind, RequestedStartAt = head.RequestedStartAt };
    }

    /// <summary>
    /// Orders matching <paramref name="query"/>, newest first, paged in SQL; items and state history of the page in one round trip.
    /// </summary>
    public async Task<CableHub.Core.Api.Page<ProductOrder>> ListAsync(ProductOrderQuery query, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        const string where =
            """
             WHERE (@States::text[] IS NULL OR state = ANY(@States))
               AND (@OrderDateGt::timestamptz IS NULL OR requested_at > @OrderDateGt)
               AND (@OrderDateLt::timestamptz IS NULL OR requested_at < @OrderDateLt)
               AND (@CustomerId::uuid IS NULL OR customer_id = @CustomerId)
               AND (@ExternalId::text IS NULL OR external_id = @ExternalId)
            """;
        var args = new
        {
            States = query.States?.ToArray(),
            query.OrderDateGt,
            query.OrderDateLt,
            query.CustomerId,
            query.ExternalId,
            query.Page.Offset,
            query.Page.Limit,
        };
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var total = await conn.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM hub.product_order" + where, args, cancellationToken: ct)).ConfigureAwait(false);
        var heads = (await conn.QueryAsync<OrderRow>(new CommandDefinition(
            """
            SELECT id, external_id, state, state_reason, customer_id, billing_account_id, channel, correlation_id, requested_at, completed_at, kind, requested_start_at
            FROM hub.product_order
            """ + where + " ORDER BY requested_at DESC, id DESC OFFSET @Offset LIMIT @Limit", args, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        if (heads.Count == 0)
        {
            return new CableHub.Core.Api.Page<ProductOrder>([], total);
        }

        var ids = heads.Select(h => h.Id).ToArray();
        using var grid = await conn.QueryMultipleAsync(new CommandDefinition(
            """
            SELECT order_id, item_id, action, plan_id, quantity, state, subscription_id, offering_kind, offering_id, target_status, reason
            FROM hub.product_order_item WHERE order_id = ANY(@ids) ORDER BY order_id, item_id;
            SELECT order_id, state, reason, at FROM hub.product_order_state_change WHERE order_id = ANY(@ids) ORDER BY id;
            """, new { ids }, cancellationToken: ct)).ConfigureAwait(false);
        var items = (await grid.ReadAsync<ListedItemRow>().ConfigureAwait(false)).ToLookup(i => i.OrderId);
        var history = (await grid.ReadAsync<ChangeRow>().ConfigureAwait(false)).ToLookup(c => c.OrderId);
        return new CableHub.Core.Api.Page<ProductOrder>(heads.Select(h => new ProductOrder(h.Id, h.ExternalId, h.State, h.StateReason, h.CustomerId,
            h.BillingAccountId, h.Channel, h.CorrelationId, h.RequestedAt, h.CompletedAt,
            items[h.Id].Select(i => new ProductOrderItem(i.ItemId, i.Action, i.PlanId, i.Quantity, i.State)
            {
                SubscriptionId = i.SubscriptionId, OfferingKind = i.OfferingKind, OfferingId = i.OfferingId, TargetStatus = i.TargetStatus, Reason = i.Reason,
            }).ToList(),
            history[h.Id].Select(c => new ProductOrderStateChange(c.State, c.Reason, c.At)).ToList()) { Kind = h.Kind, RequestedStartAt = h.RequestedStartAt }).ToList(), total);
    }

    private sealed record ListedItemRow(Guid OrderId, string ItemId, string Action, Guid? PlanId, int Quantity, string State, Guid? SubscriptionId,
        string? OfferingKind, Guid? OfferingId, string? TargetStatus, string? Reason);

    private sealed record ChangeRow(Guid OrderId, string State, string? Reason, DateTimeOffset At);

    private sealed record OrderRow(Guid Id, string? ExternalId, string State, string? StateReason, Guid CustomerId, Guid? BillingAccountId,
        string Channel, string CorrelationId, DateTimeOffset RequestedAt, DateTimeOffset? CompletedAt, string Kind, DateTimeOffset? RequestedStartAt);

    private sealed record ItemRow(string ItemId, string Action, Guid? PlanId, int Quantity, string State, Guid? SubscriptionId, string? OfferingKind, Guid? OfferingId,
        string? TargetStatus, string? Reason);
}
