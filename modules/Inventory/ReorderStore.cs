using Dapper;
using Npgsql;

namespace CableHub.Inventory;

/// <summary>
/// Reorder points per model and warehouse, and the low-stock check: a durable alert (<c>hub.stock_alert</c>, one
/// unresolved per model and location) plus an event (<c>hub.inventory_event</c>) when stock falls below the
/// minimum; the alert is resolved when stock is back.
/// </summary>
public sealed class ReorderStore(NpgsqlDataSource dataSource, TimeProvider clock)
{
    private const string AlertColumns = """
        a.id, a.model_code, a.location_id, l.code AS location_code, a.status, a.in_stock, a.min_quantity, a.purchase_order_id, a.raised_at, a.resolved_at
        """;

    private const long CheckLockKey = 0x52_65_6F_72_64_65_72; // "Reorder"

    public async Task<ReorderPoint> SetReorderPointAsync(string modelCode, Guid locationId, int minQuantity, int reorderQuantity, CancellationToken ct = default)
    {
        if (minQuantity < 0)
        {
            throw new InventoryRequestException($"minimum quantity {minQuantity} must not be negative");
        }

        if (reorderQuantity <= 0)
        {
            throw new InventoryRequestException($"reorder quantity {reorderQuantity} must be positive");
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM hub.equipment_model WHERE code = @modelCode)", new { modelCode }, cancellationToken: ct)).ConfigureAwait(false))
        {
            throw new InventoryNotFoundException($"model {modelCode} does not exist");
        }

        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM hub.stock_location WHERE id = @locationId)", new { locationId }, cancellationToken: ct)).ConfigureAwait(false))
        {
            throw new InventoryNotFoundException($"location {locationId} does not exist");
        }

        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.reorder_point (model_code, location_id, min_quantity, reorder_quantity) VALUES (@modelCode, @locationId, @minQuantity, @reorderQuantity)
            ON CONFLICT (model_code, location_id) DO UPDATE SET min_quantity = excluded.min_quantity, reorder_quantity = excluded.reorder_quantity, updated_at = now()
            """, new { modelCode, locationId, minQuantity, reorderQuantity }, cancellationToken: ct)).ConfigureAwait(false);
        return (await ListReorderPointsAsync(ct).ConfigureAwait(false)).Single(r => r.ModelCode == modelCode && r.LocationId == locationId);
    }

    public async Task<IReadOnlyList<ReorderPoint>> ListReorderPointsAsync(CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<ReorderPoint>(new CommandDefinition(
            """
            SELECT r.model_code, r.location_id, l.code AS location_code, r.min_quantity, r.reorder_quantity
            FROM hub.reorder_point r JOIN hub.stock_location l ON l.id = r.location_id ORDER BY l.code, r.model_code
            """, cancellationToken: ct)).ConfigureAwait(false)).AsList();
    }

    public async Task<IReadOnlyList<StockAlert>> ListAlertsAsync(string? status = null, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<StockAlert>(new CommandDefinition(
            $"""
            SELECT {AlertColumns} FROM hub.stock_alert a JOIN hub.stock_location l ON l.id = a.location_id
            WHERE (@status::text IS NULL OR a.status = @status) ORDER BY a.raised_at DESC
            """, new { status }, cancellationToken: ct)).ConfigureAwait(false)).AsList();
    }

    /// <summary>
    /// Compares stock with every reorder point: raises an alert (and a <c>LowStockDetected</c> event) where stock
    /// is below the minimum and none is unresolved yet; resolves unresolved alerts whose stock is back (event
    /// <c>StockRecovered</c>). Concurrent checks are serialised.
    /// </summary>
    public async Task<ReorderCheckResult> CheckAsync(CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key)", new { key = CheckLockKey }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var points = (await conn.QueryAsync<(string ModelCode, Guid LocationId, int MinQuantity, int InStock, Guid? AlertId)>(new CommandDefinition(
            """
            SELECT r.model_code, r.location_id, r.min_quantity, coalesce(s.in_stock, 0), a.id
            FROM hub.reorder_point r
            LEFT JOIN hub.stock_level s ON s.model_code = r.model_code AND s.location_id = r.location_id
            LEFT JOIN hub.stock_alert a ON a.model_code = r.model_code AND a.location_id = r.location_id AND a.status <> 'resolved'
            """, transaction: tx, cancellationToken: ct)).ConfigureAwait(false)).AsList();
        var raised = new List<Guid>();
        var resolved = new List<Guid>();
        foreach (var p in points)
        {
            if (p.InStock < p.MinQuantity && p.AlertId is null)
            {
                var id = Guid.CreateVersion7();
                await conn.ExecuteAsync(new CommandDefinition(
                    """
                    INSERT INTO hub.stock_alert (id, model_code, location_id, status, in_stock, min_quantity, raised_at)
                    VALUES (@id, @ModelCode, @LocationId, 'open', @InStock, @MinQuantity, @now)
                    """, new { id, p.ModelCode, p.LocationId, p.InStock, p.MinQuantity, now }, tx, cancellationToken: ct)).ConfigureAwait(false);
                await InventorySession.RecordEventAsync(conn, tx, "LowStockDetected", id.ToString(),
                    new { alertId = id, modelCode = p.ModelCode, locationId = p.LocationId, inStock = p.InStock, minQuantity = p.MinQuantity }, ct).ConfigureAwait(false);
                raised.Add(id);
            }
            else if (p.InStock >= p.MinQuantity && p.AlertId is { } alertId)
            {
                await conn.ExecuteAsync(new CommandDefinition(
                    "UPDATE hub.stock_alert SET status = 'resolved', resolved_at = @now, in_stock = @InStock WHERE id = @alertId",
                    new { alertId, now, p.InStock }, tx, cancellationToken: ct)).ConfigureAwait(false);
                await InventorySession.RecordEventAsync(conn, tx, "StockRecovered", alertId.ToString(),
                    new { alertId, modelCode = p.ModelCode, locationId = p.LocationId, inStock = p.InStock, minQuantity = p.MinQuantity }, ct).ConfigureAwait(false);
                resolved.Add(alertId);
            }
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
        var all = await ListAlertsAsync(null, ct).ConfigureAwait(false);
        return new ReorderCheckResult(
            all.Where(a => raised.Contains(a.Id)).ToList(),
            all.Where(a => resolved.Contains(a.Id)).ToList(),
            all.Where(a => a.Status != StockAlertStatus.Resolved && !raised.Contains(a.Id)).ToList());
    }
}
