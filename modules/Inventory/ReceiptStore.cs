using Dapper;
using Npgsql;

namespace CableHub.Inventory;

/// <summary>Receipt discrepancy kinds as stored (snake_case of the reconciler's kinds, plus the inventory's own).</summary>
public static class ReceiptDiscrepancyKinds
{
    public const string Short = "short";
    public const string Over = "over";
    public const string UnknownSerial = "unknown_serial";
    public const string WrongModel = "wrong_model";
    public const string DuplicateSerial = "duplicate_serial";
    public const string SerialCountMismatch = "serial_count_mismatch";
    public const string UnknownPurchaseOrder = "unknown_purchase_order";
    public const string PurchaseOrderNotOpen = "purchase_order_not_open";
}

public static class ReceiptStatus
{
    public const string Clean = "clean";
    public const string Discrepancies = "discrepancies";
    public const string Unmatched = "unmatched";
}

/// <summary>What the inventory expects on a purchase order, to reconcile a ship notice against.</summary>
public sealed record PurchaseOrderExpectationData(PurchaseOrderInfo Order, IReadOnlyList<ExpectedLine> Lines)
{
    /// <summary>Devices already registered for this order as ordered / in transit (announced serials).</summary>
    public IReadOnlyList<(string SerialNumber, string ModelCode)> AnnouncedSerials { get; init; } = [];
}

/// <summary>A PO line with the codes the supplier may use for the model (supplier part, our code, GTIN).</summary>
public sealed record ExpectedLine(int LineNumber, string ModelCode, string? SupplierPart, string? Gtin, bool Serialized, int Quantity, int ReceivedQuantity);

/// <summary>A receipt to record, already reconciled (by the EDI side) against its purchase order.</summary>
public sealed record ReceiptToApply(
    Guid? PurchaseOrderId,
    string? PurchaseOrderNumber,
    string ShipmentId,
    string SourceFormat,
    Guid LocationId,
    IReadOnlyList<ReceiptLineToApply> Lines,
    IReadOnlyList<ReceiptDiscrepancyRecord> Discrepancies,
    IReadOnlyList<ReceivedSerial> Serials);

public sealed record ReceiptLineToApply(int LineNumber, string ModelCode, int Ordered, int PreviouslyReceived, int Shipped, string Status);

public sealed record ReceiptDiscrepancyRecord(string Kind, string Message, string? ModelCode, string? SerialNumber, string? Sscc, int? Quantity);

/// <summary>A serial number received for one of our models.</summary>
public sealed record ReceivedSerial(string SerialNumber, string ModelCode);

public sealed record ReceiptInfo(
    Guid Id,
    Guid? EdiFileId,
    Guid? PurchaseOrderId,
    string? PurchaseOrderNumber,
    string ShipmentId,
    string SourceFormat,
    Guid? LocationId,
    string Status,
    int SerialsReceived,
    DateTimeOffset ReceivedAt)
{
    public IReadOnlyList<ReceiptLineToApply> Lines { get; init; } = [];

    public IReadOnlyList<ReceiptDiscrepancyRecord> Discrepancies { get; init; } = [];
}

/// <summary>
/// Receipts of ship notices: the receipt, its lines and discrepancies, the received devices (in stock at the
/// receiving warehouse, each creation a recorded movement), the purchase order's received quantities and state —
/// all in the caller's transaction, so nothing is half-applied.
/// </summary>
public sealed class ReceiptStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, edi_file_id, purchase_order_id, purchase_order_number, shipment_id, source_format, location_id, status, serials_received, received_at";

    /// <summary>Purchase orders by number with what is still expected (PO numbers that do not exist are left out).</summary>
    public static async Task<IReadOnlyList<PurchaseOrderExpectationData>> GetExpectationsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IEnumerable<string> numbers, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conn);
        var ids = await conn.QueryAsync<Guid>(new CommandDefinition(
            "SELECT id FROM hub.purchase_order WHERE number = ANY(@numbers) ORDER BY number FOR UPDATE",
            new { numbers = numbers.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n.Trim()).Distinct(StringComparer.Ordinal).ToArray() }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var result = new List<PurchaseOrderExpectationData>();
        foreach (var id in ids)
        {
            var order = (await PurchaseOrderStore.LoadAsync(conn, tx, id, ct).ConfigureAwait(false))!;
            var lines = await conn.QueryAsync<ExpectedLine>(new CommandDefinition(
                """
                SELECT pl.line_number, pl.model_code, m.supplier_part, m.gtin, m.serialized, pl.quantity, pl.received_quantity
                FROM hub.purchase_order_line pl JOIN hub.equipment_model m ON m.code = pl.model_code
                WHERE pl.purchase_order_id = @id ORDER BY pl.line_number
                """, new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
            var announced = await conn.QueryAsync<(string, string)>(new CommandDefinition(
                "SELECT serial_number, model_code FROM hub.device WHERE purchase_order_id = @id AND status IN ('ordered', 'in_transit')",
                new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
            result.Add(new PurchaseOrderExpectationData(order, lines.AsList()) { AnnouncedSerials = announced.AsList() });
        }

        return result;
    }

    /// <summary>Which of <paramref name="serials"/> already exist as devices (other than those announced for the order).</summary>
    public static async Task<IReadOnlySet<string>> ExistingSerialsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyCollection<string> serials, Guid? announcedFor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conn);
        ArgumentNullException.ThrowIfNull(serials);
        if (serials.Count == 0)
        {
            return new HashSet<string>();
        }

        var found = await conn.QueryAsync<string>(new CommandDefinition(
            """
            SELECT serial_number FROM hub.device
            WHERE serial_number = ANY(@serials) AND NOT (purchase_order_id IS NOT DISTINCT FROM @announcedFor AND status IN ('ordered', 'in_transit'))
            """, new { serials = serials.ToArray(), announcedFor }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return new HashSet<string>(found, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Records the receipt in the caller's transaction: receipt, lines, discrepancies; the received serials become
    /// devices in stock at the receipt's location (announced ones move from ordered / in transit); non-serialised
    /// lines add quantity; the order's received quantities and state follow. Returns the receipt id.
    /// </summary>
    public static async Task<Guid> ApplyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, ReceiptToApply receipt, Guid? ediFileId, InventoryActor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conn);
        ArgumentNullException.ThrowIfNull(receipt);
        ArgumentNullException.ThrowIfNull(actor);
        var id = Guid.CreateVersion7();
        var reference = $"receipt {id} ({receipt.ShipmentId})";
        await InventorySession.SetAsync(conn, tx, actor with { Reference = reference }, ct).ConfigureAwait(false);

        var discrepancies = receipt.Discrepancies.ToList();
        var status = receipt.PurchaseOrderId is null ? ReceiptStatus.Unmatched : discrepancies.Count == 0 ? ReceiptStatus.Clean : ReceiptStatus.Discrepancies;
        var models = (await conn.QueryAsync<(string Code, string Kind, bool Serialized)>(new CommandDefinition(
            "SELECT code, kind, serialized FROM hub.equipment_model", transaction: tx, cancellationToken: ct)).ConfigureAwait(false))
            .ToDictionary(m => m.Code, StringComparer.Ordinal);

        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.receipt (id, edi_file_id, purchase_order_id, purchase_order_number, shipment_id, source_format, location_id, status, serials_received)
            VALUES (@id, @ediFileId, @PurchaseOrderId, @PurchaseOrderNumber, @ShipmentId, @SourceFormat, @LocationId, @status, @serials)
            """, new { id, ediFileId, receipt.PurchaseOrderId, receipt.PurchaseOrderNumber, receipt.ShipmentId, receipt.SourceFormat, receipt.LocationId, status, serials = receipt.Serials.Count },
            tx, cancellationToken: ct)).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.receipt_line (receipt_id, line_number, model_code, ordered, previously_received, shipped, status)
            VALUES (@id, @LineNumber, @ModelCode, @Ordered, @PreviouslyReceived, @Shipped, @Status)
            """, receipt.Lines.Select(l => new { id, l.LineNumber, l.ModelCode, l.Ordered, l.PreviouslyReceived, l.Shipped, l.Status }), tx, cancellationToken: ct)).ConfigureAwait(false);
        if (discrepancies.Count > 0)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO hub.receipt_discrepancy (receipt_id, kind, message, model_code, serial_number, sscc, quantity)
                SELECT @id, * FROM unnest(@kinds, @messages, @models, @serials, @ssccs, @quantities)
                """,
                new
                {
                    id,
                    kinds = discrepancies.Select(d => d.Kind).ToArray(),
                    messages = discrepancies.Select(d => d.Message).ToArray(),
                    models = discrepancies.Select(d => d.ModelCode).ToArray(),
                    serials = discrepancies.Select(d => d.SerialNumber).ToArray(),
                    ssccs = discrepancies.Select(d => d.Sscc).ToArray(),
                    quantities = discrepancies.Select(d => d.Quantity).ToArray(),
                }, tx, cancellationToken: ct)).ConfigureAwait(false);
        }

        // Devices: announced ones (ordered / in transit for this PO) arrive; the others are created in stock.
        var announced = receipt.PurchaseOrderId is null
            ? 0
            : await conn.ExecuteAsync(new CommandDefinition(
                """
                UPDATE hub.device SET status = 'in_stock', location_id = @LocationId, receipt_id = @id, updated_at = now()
                WHERE purchase_order_id = @PurchaseOrderId AND status IN ('ordered', 'in_transit') AND serial_number = ANY(@serials)
                """, new { id, receipt.LocationId, receipt.PurchaseOrderId, serials = receipt.Serials.Select(s => s.SerialNumber).ToArray() }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var fresh = receipt.Serials;
        if (announced > 0)
        {
            var arrived = (await conn.QueryAsync<string>(new CommandDefinition("SELECT serial_number FROM hub.device WHERE receipt_id = @id", new { id }, tx, cancellationToken: ct)).ConfigureAwait(false))
                .ToHashSet(StringComparer.Ordinal);
            fresh = fresh.Where(s => !arrived.Contains(s.SerialNumber)).ToList();
        }

        if (fresh.Count > 0)
        {
            await InventoryStore.CreateItemsAsync(conn, tx,
                fresh.Select(s => new NewItem(s.SerialNumber, s.ModelCode, DeviceStatus.InStock, receipt.LocationId) { PurchaseOrderId = receipt.PurchaseOrderId, ReceiptId = id }).ToList(),
                models.ToDictionary(m => m.Key, m => m.Value.Kind, StringComparer.Ordinal), ct).ConfigureAwait(false);
        }

        // Non-serialised models: quantity into stock.
        foreach (var line in receipt.Lines.Where(l => l.Shipped > 0 && models.TryGetValue(l.ModelCode, out var m) && !m.Serialized))
        {
            await InventoryStore.AdjustQuantityAsync(conn, tx, line.ModelCode, receipt.LocationId, line.Shipped, actor with { Reference = reference }, ct).ConfigureAwait(false);
        }

        if (receipt.PurchaseOrderId is { } poId)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE hub.purchase_order_line SET received_quantity = received_quantity + @Shipped WHERE purchase_order_id = @poId AND line_number = @LineNumber",
                receipt.Lines.Where(l => l.Shipped != 0).Select(l => new { poId, l.Shipped, l.LineNumber }), tx, cancellationToken: ct)).ConfigureAwait(false);
            var (poStatus, complete, any) = await conn.QuerySingleAsync<(string, bool, bool)>(new CommandDefinition(
                """
                SELECT po.status, bool_and(pl.received_quantity >= pl.quantity), bool_or(pl.received_quantity > 0)
                FROM hub.purchase_order po JOIN hub.purchase_order_line pl ON pl.purchase_order_id = po.id WHERE po.id = @poId GROUP BY po.status
                """, new { poId }, tx, cancellationToken: ct)).ConfigureAwait(false);
            if (PurchaseOrderStatus.IsOpen(poStatus) && any)
            {
                await PurchaseOrderStore.TransitionAsync(conn, tx, poId, complete ? PurchaseOrderStatus.Received : PurchaseOrderStatus.PartiallyReceived,
                    actor with { Reason = $"ship notice {receipt.ShipmentId}" }, ct).ConfigureAwait(false);
            }
        }

        await InventorySession.RecordEventAsync(conn, tx, "ShipNoticeReceived", id.ToString(), new
        {
            receiptId = id, receipt.PurchaseOrderNumber, receipt.ShipmentId, status, serials = receipt.Serials.Count,
            discrepancies = discrepancies.GroupBy(d => d.Kind).ToDictionary(g => g.Key, g => g.Count()),
        }, ct).ConfigureAwait(false);
        return id;
    }

    public async Task<ReceiptInfo?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var receipt = await conn.QuerySingleOrDefaultAsync<ReceiptInfo>(new CommandDefinition($"SELECT {Columns} FROM hub.receipt WHERE id = @id", new { id }, cancellationToken: ct)).ConfigureAwait(false);
        if (receipt is null)
        {
            return null;
        }

        var lines = await conn.QueryAsync<ReceiptLineToApply>(new CommandDefinition(
            "SELECT line_number, model_code, ordered, previously_received, shipped, status FROM hub.receipt_line WHERE receipt_id = @id ORDER BY line_number", new { id }, cancellationToken: ct)).ConfigureAwait(false);
        var discrepancies = await conn.QueryAsync<ReceiptDiscrepancyRecord>(new CommandDefinition(
            "SELECT kind, message, model_code, serial_number, sscc, quantity FROM hub.receipt_discrepancy WHERE receipt_id = @id ORDER BY id", new { id }, cancellationToken: ct)).ConfigureAwait(false);
        return receipt with { Lines = lines.AsList(), Discrepancies = discrepancies.AsList() };
    }

    public async Task<IReadOnlyList<ReceiptInfo>> ListAsync(Guid? purchaseOrderId = null, Guid? ediFileId = null, int offset = 0, int limit = 100, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var ids = await conn.QueryAsync<Guid>(new CommandDefinition(
            """
            SELECT id FROM hub.receipt WHERE (@purchaseOrderId::uuid IS NULL OR purchase_order_id = @purchaseOrderId) AND (@ediFileId::uuid IS NULL OR edi_file_id = @ediFileId)
            ORDER BY received_at DESC, id DESC OFFSET @offset LIMIT @limit
            """, new { purchaseOrderId, ediFileId, offset = Math.Max(0, offset), limit = Math.Clamp(limit, 0, 500) }, cancellationToken: ct)).ConfigureAwait(false);
        var list = new List<ReceiptInfo>();
        foreach (var id in ids)
        {
            list.Add((await GetAsync(id, ct).ConfigureAwait(false))!);
        }

        return list;
    }
}
