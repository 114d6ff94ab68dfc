using System.Globalization;
using Dapper;
using Npgsql;

namespace CableHub.Inventory;

/// <summary>Purchase orders to equipment suppliers: drafts (by hand or from low-stock alerts), the state machine, history.</summary>
public sealed class PurchaseOrderStore(NpgsqlDataSource dataSource, TimeProvider clock)
{
    private const string Columns = """
        po.id, po.number, po.supplier_id, s.code AS supplier_code, po.ship_to_location_id, l.code AS ship_to_location_code, po.status,
        po.currency, po.order_date, po.requested_delivery, po.created_by, po.created_at, po.sent_at
        """;

    private const string From = "hub.purchase_order po JOIN hub.supplier s ON s.id = po.supplier_id JOIN hub.stock_location l ON l.id = po.ship_to_location_id";

    /// <summary>Creates a draft purchase order. Lines are checked: models exist, belong to the supplier (when they name one), quantities positive.</summary>
    public async Task<PurchaseOrderInfo> CreateAsync(NewPurchaseOrder order, InventoryActor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(actor);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var id = await CreateAsync(conn, tx, order, actor, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return (await GetAsync(id, ct).ConfigureAwait(false))!;
    }

    internal async Task<Guid> CreateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, NewPurchaseOrder order, InventoryActor actor, CancellationToken ct)
    {
        if (order.Lines.Count == 0)
        {
            throw new InventoryRequestException("a purchase order needs at least one line");
        }

        var supplier = await conn.QuerySingleOrDefaultAsync<(Guid Id, string Code, string Currency)?>(new CommandDefinition(
            "SELECT id, code, currency FROM hub.supplier WHERE id = @id", new { id = order.SupplierId }, tx, cancellationToken: ct)).ConfigureAwait(false)
            ?? throw new InventoryNotFoundException($"supplier {order.SupplierId} does not exist");
        var location = await conn.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT kind FROM hub.stock_location WHERE id = @id", new { id = order.ShipToLocationId }, tx, cancellationToken: ct)).ConfigureAwait(false)
            ?? throw new InventoryNotFoundException($"location {order.ShipToLocationId} does not exist");
        if (location != LocationKind.Warehouse)
        {
            throw new InventoryRuleException($"purchase orders ship to a warehouse; location {order.ShipToLocationId} is a {location}");
        }

        var models = (await conn.QueryAsync<(string Code, Guid? SupplierId, decimal UnitPrice)>(new CommandDefinition(
            "SELECT code, supplier_id, unit_price FROM hub.equipment_model WHERE code = ANY(@codes)",
            new { codes = order.Lines.Select(l => l.ModelCode).Distinct().ToArray() }, tx, cancellationToken: ct)).ConfigureAwait(false))
            .ToDictionary(m => m.Code, StringComparer.Ordinal);
        for (var i = 0; i < order.Lines.Count; i++)
        {
            var line = order.Lines[i];
            if (!models.TryGetValue(line.ModelCode, out var model))
            {
                throw new InventoryNotFoundException($"line {i + 1}: model {line.ModelCode} does not exist");
            }

            if (model.SupplierId is { } s && s != supplier.Id)
            {
                throw new InventoryRuleException($"line {i + 1}: model {line.ModelCode} is not bought from supplier {supplier.Code}");
            }

            if (line.Quantity <= 0)
            {
                throw new InventoryRequestException($"line {i + 1}: quantity {line.Quantity} must be positive");
            }

            if (line.UnitPrice is < 0)
            {
                throw new InventoryRequestException($"line {i + 1}: unit price must not be negative");
            }
        }

        var id = Guid.CreateVersion7();
        var number = "PO" + (await conn.ExecuteScalarAsync<long>(new CommandDefinition("SELECT nextval('hub.purchase_order_number_seq')", transaction: tx, cancellationToken: ct)).ConfigureAwait(false))
            .ToString("D6", CultureInfo.InvariantCulture);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.purchase_order (id, number, supplier_id, ship_to_location_id, status, currency, order_date, requested_delivery, created_by)
            VALUES (@id, @number, @supplierId, @locationId, 'draft', @currency, @orderDate, @requestedDelivery, @actor);
            INSERT INTO hub.purchase_order_state_change (purchase_order_id, status, actor, reason) VALUES (@id, 'draft', @actor, @reason);
            """,
            new
            {
                id, number, supplierId = supplier.Id, locationId = order.ShipToLocationId, currency = supplier.Currency,
                orderDate = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime), requestedDelivery = order.RequestedDelivery,
                actor = actor.Actor, reason = actor.Reason,
            }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO hub.purchase_order_line (purchase_order_id, line_number, model_code, quantity, unit_price) VALUES (@id, @lineNumber, @modelCode, @quantity, @unitPrice)",
            order.Lines.Select((l, i) => new { id, lineNumber = i + 1, modelCode = l.ModelCode, quantity = l.Quantity, unitPrice = l.UnitPrice ?? models[l.ModelCode].UnitPrice }),
            tx, cancellationToken: ct)).ConfigureAwait(false);
        return id;
    }

    public async Task<PurchaseOrderInfo?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await LoadAsync(conn, null, id, ct).ConfigureAwait(false);
    }

    public async Task<PurchaseOrderInfo?> GetByNumberAsync(string number, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var id = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition("SELECT id FROM hub.purchase_order WHERE number = @number", new { number }, cancellationToken: ct)).ConfigureAwait(false);
        return id is null ? null : await LoadAsync(conn, null, id.Value, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<PurchaseOrderInfo>> ListAsync(string? status = null, Guid? supplierId = null, int offset = 0, int limit = 100, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var ids = await conn.QueryAsync<Guid>(new CommandDefinition(
            """
            SELECT id FROM hub.purchase_order WHERE (@status::text IS NULL OR status = @status) AND (@supplierId::uuid IS NULL OR supplier_id = @supplierId)
            ORDER BY created_at DESC, number DESC OFFSET @offset LIMIT @limit
            """, new { status, supplierId, offset = Math.Max(0, offset), limit = Math.Clamp(limit, 0, 500) }, cancellationToken: ct)).ConfigureAwait(false);
        var list = new List<PurchaseOrderInfo>();
        foreach (var id in ids)
        {
            list.Add((await LoadAsync(conn, null, id, ct).ConfigureAwait(false))!);
        }

        return list;
    }

    public static async Task<PurchaseOrderInfo?> LoadAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id, CancellationToken ct = default)
    {
        var po = await conn.QuerySingleOrDefaultAsync<PurchaseOrderInfo>(new CommandDefinition($"SELECT {Columns} FROM {From} WHERE po.id = @id", new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (po is null)
        {
            return null;
        }

        var lines = await conn.QueryAsync<PurchaseOrderLineInfo>(new CommandDefinition(
            "SELECT line_number, model_code, quantity, unit_price, received_quantity FROM hub.purchase_order_line WHERE purchase_order_id = @id ORDER BY line_number",
            new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var history = await conn.QueryAsync<PurchaseOrderStateChange>(new CommandDefinition(
            "SELECT status, actor, reason, at FROM hub.purchase_order_state_change WHERE purchase_order_id = @id ORDER BY id",
            new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return po with { Lines = lines.AsList(), History = history.AsList() };
    }

    /// <summary>Moves the order to <paramref name="to"/> (state machine checked) and records who and why.</summary>
    public static async Task TransitionAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, string to, InventoryActor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conn);
        ArgumentNullException.ThrowIfNull(actor);
        var current = await conn.QuerySingleOrDefaultAsync<(string Number, string Status)?>(new CommandDefinition(
            "SELECT number, status FROM hub.purchase_order WHERE id = @id FOR UPDATE", new { id }, tx, cancellationToken: ct)).ConfigureAwait(false)
            ?? throw new InventoryNotFoundException($"purchase order {id} does not exist");
        if (current.Status == to && to != PurchaseOrderStatus.PartiallyReceived)
        {
            return;
        }

        if (!PurchaseOrderStatus.CanMove(current.Status, to))
        {
            throw new InventoryConflictException($"purchase order {current.Number} cannot go from {current.Status} to {to}");
        }

        if (current.Status == to)
        {
            return;
        }

        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.purchase_order SET status = @to, updated_at = now(), sent_at = CASE WHEN @to = 'sent' THEN now() ELSE sent_at END WHERE id = @id;
            INSERT INTO hub.purchase_order_state_change (purchase_order_id, status, actor, reason) VALUES (@id, @to, @actor, @reason);
            """, new { id, to, actor = actor.Actor, reason = actor.Reason }, tx, cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<PurchaseOrderInfo> CancelAsync(Guid id, InventoryActor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await TransitionAsync(conn, tx, id, PurchaseOrderStatus.Cancelled, actor, ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE hub.stock_alert SET status = 'open', purchase_order_id = NULL WHERE purchase_order_id = @id AND status = 'ordered'", new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return (await GetAsync(id, ct).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Turns open low-stock alerts into draft purchase orders: one per supplier and warehouse, one line per model
    /// with the reorder quantity. The alerts become <c>ordered</c> and point at their order. Alerts of models with
    /// no supplier stay open (returned in <c>Skipped</c>).
    /// </summary>
    public async Task<(IReadOnlyList<PurchaseOrderInfo> Created, IReadOnlyList<StockAlert> Skipped)> CreateFromOpenAlertsAsync(InventoryActor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var alerts = (await conn.QueryAsync<(Guid Id, string ModelCode, Guid LocationId, Guid? SupplierId, int ReorderQuantity, int MinQuantity, int InStock)>(new CommandDefinition(
            """
            SELECT a.id, a.model_code, a.location_id, m.supplier_id, coalesce(r.reorder_quantity, greatest(a.min_quantity - a.in_stock, 1)), a.min_quantity, a.in_stock
            FROM hub.stock_alert a
            JOIN hub.equipment_model m ON m.code = a.model_code
            LEFT JOIN hub.reorder_point r ON r.model_code = a.model_code AND r.location_id = a.location_id
            WHERE a.status = 'open'
            ORDER BY a.raised_at
            FOR UPDATE OF a
            """, transaction: tx, cancellationToken: ct)).ConfigureAwait(false)).AsList();
        var created = new List<Guid>();
        var skipped = new List<Guid>();
        foreach (var group in alerts.GroupBy(a => (a.SupplierId, a.LocationId)))
        {
            if (group.Key.SupplierId is not { } supplierId)
            {
                skipped.AddRange(group.Select(a => a.Id));
                continue;
            }

            var lines = group.GroupBy(a => a.ModelCode).Select(g => new NewPurchaseOrderLine(g.Key, g.Sum(a => a.ReorderQuantity))).ToList();
            var poId = await CreateAsync(conn, tx, new NewPurchaseOrder(supplierId, group.Key.LocationId, lines), actor, ct).ConfigureAwait(false);
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE hub.stock_alert SET status = 'ordered', purchase_order_id = @poId WHERE id = ANY(@ids)",
                new { poId, ids = group.Select(a => a.Id).ToArray() }, tx, cancellationToken: ct)).ConfigureAwait(false);
            created.Add(poId);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
        var orders = new List<PurchaseOrderInfo>();
        foreach (var id in created)
        {
            orders.Add((await GetAsync(id, ct).ConfigureAwait(false))!);
        }

        var reorder = new ReorderStore(dataSource, clock);
        var skippedAlerts = (await reorder.ListAlertsAsync(null, ct).ConfigureAwait(false)).Where(a => skipped.Contains(a.Id)).ToList();
        return (orders, skippedAlerts);
    }
}
