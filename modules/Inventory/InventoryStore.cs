using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace CableHub.Inventory;

/// <summary>
/// Equipment models, suppliers, locations and serial-level items: lifecycle changes (validated, every one
/// recorded as a movement with who and why), moves between locations, STB↔card pairing, stock levels.
/// </summary>
public sealed class InventoryStore(NpgsqlDataSource dataSource)
{
    internal const string ItemColumns = """
        d.id, d.serial_number, d.kind, d.model_code, d.cas_id, d.status, d.activation_state, d.location_id, l.code AS location_code,
        d.paired_device_id, p.serial_number AS paired_serial_number, d.customer_id, d.purchase_order_id, d.receipt_id, d.created_at, d.updated_at
        """;

    internal const string ItemFrom = "hub.device d LEFT JOIN hub.stock_location l ON l.id = d.location_id LEFT JOIN hub.device p ON p.id = d.paired_device_id";

    private const string ModelColumns = "code, kind, name, manufacturer, serialized, supplier_id, supplier_part, gtin, unit_price, currency, unit";
    private const string SupplierColumns = "id, code, name, x12_qualifier, x12_id, edifact_id, currency";
    private const string LocationColumns = "id, code, name, kind, customer_id, active";

    public NpgsqlDataSource DataSource => dataSource;

    // ----------------------------------------------------------------------------------------------- suppliers

    public async Task<Supplier> UpsertSupplierAsync(Supplier supplier, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(supplier);
        Require(supplier.Code, "supplier code");
        Require(supplier.X12Id, "supplier X12 id");
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleAsync<Supplier>(new CommandDefinition(
            $"""
            INSERT INTO hub.supplier (id, code, name, x12_qualifier, x12_id, edifact_id, currency)
            VALUES (@Id, @Code, @Name, @X12Qualifier, @X12Id, @EdifactId, @Currency)
            ON CONFLICT (code) DO UPDATE SET name = excluded.name, x12_qualifier = excluded.x12_qualifier, x12_id = excluded.x12_id,
                edifact_id = excluded.edifact_id, currency = excluded.currency
            RETURNING {SupplierColumns}
            """, supplier, cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<Supplier>> ListSuppliersAsync(CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<Supplier>(new CommandDefinition($"SELECT {SupplierColumns} FROM hub.supplier ORDER BY code", cancellationToken: ct)).ConfigureAwait(false)).AsList();
    }

    public async Task<Supplier?> GetSupplierAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleOrDefaultAsync<Supplier>(new CommandDefinition($"SELECT {SupplierColumns} FROM hub.supplier WHERE id = @id", new { id }, cancellationToken: ct)).ConfigureAwait(false);
    }

    // ----------------------------------------------------------------------------------------------- models

    public async Task<EquipmentModel> UpsertModelAsync(EquipmentModel model, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        Require(model.Code, "model code");
        if (!EquipmentKind.All.Contains(model.Kind, StringComparer.Ordinal))
        {
            throw new InventoryRequestException($"model {model.Code}: kind '{model.Kind}' is not one of {string.Join(", ", EquipmentKind.All)}");
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleAsync<EquipmentModel>(new CommandDefinition(
            $"""
            INSERT INTO hub.equipment_model (code, kind, name, manufacturer, serialized, supplier_id, supplier_part, gtin, unit_price, currency, unit)
            VALUES (@Code, @Kind, @Name, @Manufacturer, @Serialized, @SupplierId, @SupplierPart, @Gtin, @UnitPrice, @Currency, @Unit)
            ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, name = excluded.name, manufacturer = excluded.manufacturer,
                serialized = excluded.serialized, supplier_id = excluded.supplier_id, supplier_part = excluded.supplier_part,
                gtin = excluded.gtin, unit_price = excluded.unit_price, currency = excluded.currency, unit = excluded.unit
            RETURNING {ModelColumns}
            """, model, cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<EquipmentModel>> ListModelsAsync(CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<EquipmentModel>(new CommandDefinition($"SELECT {ModelColumns} FROM hub.equipment_model ORDER BY code", cancellationToken: ct)).ConfigureAwait(false)).AsList();
    }

    public async Task<EquipmentModel?> GetModelAsync(string code, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleOrDefaultAsync<EquipmentModel>(new CommandDefinition($"SELECT {ModelColumns} FROM hub.equipment_model WHERE code = @code", new { code }, cancellationToken: ct)).ConfigureAwait(false);
    }

    // ----------------------------------------------------------------------------------------------- locations

    public async Task<StockLocation> UpsertLocationAsync(string code, string name, string kind, Guid? customerId = null, CancellationToken ct = default)
    {
        Require(code, "location code");
        if (!LocationKind.All.Contains(kind, StringComparer.Ordinal))
        {
            throw new InventoryRequestException($"location {code}: kind '{kind}' is not one of {string.Join(", ", LocationKind.All)}");
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleAsync<StockLocation>(new CommandDefinition(
            $"""
            INSERT INTO hub.stock_location (id, code, name, kind, customer_id) VALUES (@id, @code, @name, @kind, @customerId)
            ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, customer_id = excluded.customer_id
            RETURNING {LocationColumns}
            """, new { id = Guid.NewGuid(), code, name, kind, customerId }, cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StockLocation>> ListLocationsAsync(string? kind = null, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<StockLocation>(new CommandDefinition(
            $"SELECT {LocationColumns} FROM hub.stock_location WHERE (@kind::text IS NULL OR kind = @kind) ORDER BY code", new { kind }, cancellationToken: ct)).ConfigureAwait(false)).AsList();
    }

    public async Task<StockLocation?> GetLocationAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleOrDefaultAsync<StockLocation>(new CommandDefinition($"SELECT {LocationColumns} FROM hub.stock_location WHERE id = @id", new { id }, cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<StockLocation?> FindLocationAsync(string idOrCode, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var id = Guid.TryParse(idOrCode, out var g) ? g : (Guid?)null;
        return await conn.QuerySingleOrDefaultAsync<StockLocation>(new CommandDefinition(
            $"SELECT {LocationColumns} FROM hub.stock_location WHERE id = @id OR code = @idOrCode LIMIT 1", new { id, idOrCode }, cancellationToken: ct)).ConfigureAwait(false);
    }

    // ----------------------------------------------------------------------------------------------- items

    public async Task<InventoryItem?> GetItemAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await GetItemAsync(conn, null, id, forUpdate: false, ct).ConfigureAwait(false);
    }

    public async Task<InventoryItem?> GetItemBySerialAsync(string serialNumber, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleOrDefaultAsync<InventoryItem>(new CommandDefinition(
            $"SELECT {ItemColumns} FROM {ItemFrom} WHERE d.serial_number = @serialNumber", new { serialNumber }, cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<ItemPage> QueryItemsAsync(ItemQuery query, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        const string where = """
            WHERE (@Kind::text IS NULL OR d.kind = @Kind) AND (@ModelCode::text IS NULL OR d.model_code = @ModelCode)
              AND (@Status::text IS NULL OR d.status = @Status) AND (@Statuses::text[] IS NULL OR d.status = ANY(@Statuses)) AND (@LocationId::uuid IS NULL OR d.location_id = @LocationId)
              AND (@SerialNumber::text IS NULL OR d.serial_number = @SerialNumber) AND (@CustomerId::uuid IS NULL OR d.customer_id = @CustomerId)
            """;
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var total = await conn.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT count(*) FROM hub.device d {where}", query, cancellationToken: ct)).ConfigureAwait(false);
        var items = await conn.QueryAsync<InventoryItem>(new CommandDefinition(
            $"SELECT {ItemColumns} FROM {ItemFrom} {where} ORDER BY d.serial_number OFFSET @Offset LIMIT @Limit",
            query with { Limit = Math.Clamp(query.Limit, 0, 1000), Offset = Math.Max(0, query.Offset) }, cancellationToken: ct)).ConfigureAwait(false);
        return new ItemPage(items.AsList(), total);
    }

    /// <summary>
    /// Changes the lifecycle status of an item (and its location when <paramref name="toLocationId"/> is given).
    /// Throws <see cref="InvalidTransitionException"/> naming the item, from and to when the change is not allowed.
    /// Leaving a customer (back to stock, refurbishing, RMA, scrap) clears the reservation and the customer;
    /// leaving <c>installed</c> deactivates the item.
    /// </summary>
    public async Task<InventoryItem> ChangeStatusAsync(Guid id, string toStatus, Guid? toLocationId, InventoryActor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var item = await ChangeStatusAsync(conn, tx, id, toStatus, toLocationId, actor, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return item;
    }

    public static async Task<InventoryItem> ChangeStatusAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, string toStatus, Guid? toLocationId, InventoryActor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conn);
        ArgumentNullException.ThrowIfNull(actor);
        var item = await GetItemAsync(conn, tx, id, forUpdate: true, ct).ConfigureAwait(false)
            ?? throw new InventoryNotFoundException($"device {id} does not exist");
        if (item.Status == toStatus && (toLocationId is null || toLocationId == item.LocationId))
        {
            return item;
        }

        if (item.Status != toStatus)
        {
            DeviceLifecycle.EnsureCanMove(item.SerialNumber, item.Status, toStatus);
        }

        if (toLocationId is { } location && !await LocationExistsAsync(conn, tx, location, ct).ConfigureAwait(false))
        {
            throw new InventoryNotFoundException($"location {location} does not exist");
        }

        await InventorySession.SetAsync(conn, tx, actor, ct).ConfigureAwait(false);
        var leavesCustomer = toStatus is DeviceStatus.InStock or DeviceStatus.Refurbishing or DeviceStatus.Rma or DeviceStatus.Scrapped or DeviceStatus.InTransit;
        try
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                UPDATE hub.device SET status = @toStatus, location_id = coalesce(@toLocationId, location_id),
                    reserved_for = CASE WHEN @leavesCustomer THEN NULL ELSE reserved_for END,
                    customer_id = CASE WHEN @leavesCustomer THEN NULL ELSE customer_id END,
                    activation_state = CASE WHEN status = 'installed' AND @toStatus <> 'installed' THEN 'inactive' ELSE activation_state END,
                    updated_at = now()
                WHERE id = @id
                """, new { id, toStatus, toLocationId, leavesCustomer }, tx, cancellationToken: ct)).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (InventorySession.IsLifecycleViolation(ex))
        {
            throw new InvalidTransitionException(item.SerialNumber, item.Status, toStatus, DeviceLifecycle.NextStatuses(item.Status));
        }

        return (await GetItemAsync(conn, tx, id, forUpdate: false, ct).ConfigureAwait(false))!;
    }

    /// <summary>Moves an item to another location without changing its status (warehouse → van, van → warehouse…).</summary>
    public async Task<InventoryItem> MoveAsync(Guid id, Guid toLocationId, InventoryActor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var item = await GetItemAsync(conn, tx, id, forUpdate: true, ct).ConfigureAwait(false)
            ?? throw new InventoryNotFoundException($"device {id} does not exist");
        if (item.Status is DeviceStatus.Installed or DeviceStatus.Scrapped)
        {
            throw new InventoryConflictException($"device {item.SerialNumber} is {item.Status} and cannot be moved between locations");
        }

        if (!await LocationExistsAsync(conn, tx, toLocationId, ct).ConfigureAwait(false))
        {
            throw new InventoryNotFoundException($"location {toLocationId} does not exist");
        }

        await InventorySession.SetAsync(conn, tx, actor, ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition("UPDATE hub.device SET location_id = @toLocationId, updated_at = now() WHERE id = @id", new { id, toLocationId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var moved = (await GetItemAsync(conn, tx, id, forUpdate: false, ct).ConfigureAwait(false))!;
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return moved;
    }

    public async Task<IReadOnlyList<StockMovement>> GetMovementsAsync(Guid deviceId, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<StockMovement>(new CommandDefinition(
            """
            SELECT id, device_id, model_code, quantity, from_location_id, to_location_id, from_status, to_status, actor, reason, reference, at
            FROM hub.stock_movement WHERE device_id = @deviceId ORDER BY id
            """, new { deviceId }, cancellationToken: ct)).ConfigureAwait(false)).AsList();
    }

    /// <summary>Creates devices in bulk (binary COPY); the movement trigger records each creation with the session's actor.</summary>
    public static async Task<int> CreateItemsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyCollection<NewItem> items, IReadOnlyDictionary<string, string> kindByModel, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conn);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(kindByModel);
        _ = tx;
        await using var writer = await conn.BeginBinaryImportAsync(
            "COPY hub.device (id, serial_number, kind, model_code, cas_id, status, location_id, purchase_order_id, receipt_id) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false);
        foreach (var item in items)
        {
            await writer.StartRowAsync(ct).ConfigureAwait(false);
            await writer.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid, ct).ConfigureAwait(false);
            await writer.WriteAsync(item.SerialNumber, NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await writer.WriteAsync(kindByModel[item.ModelCode], NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await writer.WriteAsync(item.ModelCode, NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await WriteNullableAsync(writer, item.CasId, NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await writer.WriteAsync(item.Status, NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await WriteNullableAsync(writer, item.LocationId, NpgsqlDbType.Uuid, ct).ConfigureAwait(false);
            await WriteNullableAsync(writer, item.PurchaseOrderId, NpgsqlDbType.Uuid, ct).ConfigureAwait(false);
            await WriteNullableAsync(writer, item.ReceiptId, NpgsqlDbType.Uuid, ct).ConfigureAwait(false);
        }

        return (int)await writer.CompleteAsync(ct).ConfigureAwait(false);
    }

    // ----------------------------------------------------------------------------------------------- pairing

    /// <summary>Pairs a set-top box with a smart card (both must be free and usable).</summary>
    public async Task PairAsync(string stbSerial, string cardSerial, InventoryActor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var (stb, card) = await LockPairAsync(conn, tx, stbSerial, cardSerial, ct).ConfigureAwait(false);
        if (stb.PairedDeviceId == card.Id && card.PairedDeviceId == stb.Id)
        {
            return;
        }

        EnsureFree(stb);
        EnsureFree(card);
        await LinkAsync(conn, tx, stb, card, actor, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Unpairs the box from its card. Returns the card's serial (null when it had none).</summary>
    public async Task<string?> UnpairAsync(string stbSerial, InventoryActor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var stb = await LockBySerialAsync(conn, tx, stbSerial, DeviceKind.Stb, ct).ConfigureAwait(false);
        if (stb.PairedDeviceId is not { } cardId)
        {
            return null;
        }

        var card = (await GetItemAsync(conn, tx, cardId, forUpdate: true, ct).ConfigureAwait(false))!;
        await UnlinkAsync(conn, tx, stb, card, actor, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return card.SerialNumber;
    }

    /// <summary>
    /// Replaces the card of a box: the old card is unpaired and goes to <paramref name="oldCardStatus"/> (default:
    /// returned when it was installed, else unchanged); the new card is paired and, when the box is installed,
    /// follows it to the customer (installed).
    /// </summary>
    public async Task ReplaceCardAsync(string stbSerial, string newCardSerial, string? oldCardStatus, InventoryActor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var (stb, card) = await LockPairAsync(conn, tx, stbSerial, newCardSerial, ct).ConfigureAwait(false);
        if (stb.PairedDeviceId is not { } oldId)
        {
            throw new InventoryRuleException($"set-top box {stb.SerialNumber} has no card to replace; pair it instead");
        }

        if (oldId == card.Id)
        {
            throw new InventoryConflictException($"card {card.SerialNumber} is already the card of set-top box {stb.SerialNumber}");
        }

        EnsureFree(card);
        var old = (await GetItemAsync(conn, tx, oldId, forUpdate: true, ct).ConfigureAwait(false))!;
        await UnlinkAsync(conn, tx, stb, old, actor, ct).ConfigureAwait(false);
        var oldTarget = oldCardStatus ?? (old.Status == DeviceStatus.Installed ? DeviceStatus.Returned : null);
        if (oldTarget is not null && oldTarget != old.Status)
        {
            await ChangeStatusAsync(conn, tx, old.Id, oldTarget, null, actor, ct).ConfigureAwait(false);
        }

        if (stb.Status == DeviceStatus.Installed && card.Status != DeviceStatus.Installed)
        {
            await ChangeStatusAsync(conn, tx, card.Id, DeviceStatus.Installed, stb.LocationId, actor, ct).ConfigureAwait(false);
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE hub.device SET customer_id = @customer, activation_state = @state WHERE id = @id",
                new { customer = stb.CustomerId, state = stb.ActivationState, id = card.Id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        }

        stb = (await GetItemAsync(conn, tx, stb.Id, forUpdate: false, ct).ConfigureAwait(false))!;
        card = (await GetItemAsync(conn, tx, card.Id, forUpdate: false, ct).ConfigureAwait(false))!;
        await LinkAsync(conn, tx, stb, card, actor, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<PairingEvent>> GetPairingHistoryAsync(Guid deviceId, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<PairingEvent>(new CommandDefinition(
            "SELECT id, stb_id, card_id, action, actor, reason, at FROM hub.device_pairing WHERE stb_id = @deviceId OR card_id = @deviceId ORDER BY id",
            new { deviceId }, cancellationToken: ct)).ConfigureAwait(false)).AsList();
    }

    // ----------------------------------------------------------------------------------------------- stock

    public async Task<IReadOnlyList<StockLevel>> GetStockLevelsAsync(string? modelCode = null, Guid? locationId = null, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<StockLevel>(new CommandDefinition(
            """
            SELECT s.model_code, s.location_id, l.code AS location_code, s.in_stock, s.reserved, s.in_transit, s.returned, s.refurbishing, s.rma
            FROM hub.stock_level s JOIN hub.stock_location l ON l.id = s.location_id
            WHERE (@modelCode::text IS NULL OR s.model_code = @modelCode) AND (@locationId::uuid IS NULL OR s.location_id = @locationId)
            ORDER BY l.code, s.model_code
            """, new { modelCode, locationId }, cancellationToken: ct)).ConfigureAwait(false)).AsList();
    }

    /// <summary>Adds (or with a negative delta removes) quantity of a non-serialised model at a location, recorded as a movement.</summary>
    public async Task<int> AdjustQuantityAsync(string modelCode, Guid locationId, int delta, InventoryActor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var model = await conn.QuerySingleOrDefaultAsync<bool?>(new CommandDefinition("SELECT serialized FROM hub.equipment_model WHERE code = @modelCode", new { modelCode }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (model is null)
        {
            throw new InventoryNotFoundException($"model {modelCode} does not exist");
        }

        if (model.Value)
        {
            throw new InventoryRuleException($"model {modelCode} is serialised: its stock is counted by device, not adjusted by quantity");
        }

        var quantity = await AdjustQuantityAsync(conn, tx, modelCode, locationId, delta, actor, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return quantity;
    }

    internal static async Task<int> AdjustQuantityAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string modelCode, Guid locationId, int delta, InventoryActor actor, CancellationToken ct)
    {
        var current = await conn.QuerySingleOrDefaultAsync<int?>(new CommandDefinition(
            "SELECT quantity FROM hub.stock_quantity WHERE model_code = @modelCode AND location_id = @locationId FOR UPDATE", new { modelCode, locationId }, tx, cancellationToken: ct)).ConfigureAwait(false) ?? 0;
        if (current + delta < 0)
        {
            throw new InventoryRuleException($"model {modelCode}: cannot remove {-delta}, only {current} in stock at location {locationId}");
        }

        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.stock_quantity (model_code, location_id, quantity) VALUES (@modelCode, @locationId, @quantity)
            ON CONFLICT (model_code, location_id) DO UPDATE SET quantity = excluded.quantity, updated_at = now();
            INSERT INTO hub.stock_movement (model_code, quantity, from_location_id, to_location_id, actor, reason, reference)
            VALUES (@modelCode, @abs, CASE WHEN @delta < 0 THEN @locationId END, CASE WHEN @delta > 0 THEN @locationId END, @actor, @reason, @reference);
            """, new { modelCode, locationId, quantity = current + delta, delta, abs = Math.Abs(delta), actor = actor.Actor, reason = actor.Reason, reference = actor.Reference }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return current + delta;
    }

    // ----------------------------------------------------------------------------------------------- helpers

    internal static Task<InventoryItem?> GetItemAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id, bool forUpdate, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<InventoryItem>(new CommandDefinition(
            $"SELECT {ItemColumns} FROM {ItemFrom} WHERE d.id = @id{(forUpdate ? " FOR UPDATE OF d" : "")}", new { id }, tx, cancellationToken: ct));

    private static async Task<bool> LocationExistsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, CancellationToken ct) =>
        await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM hub.stock_location WHERE id = @id)", new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);

    private static async Task<InventoryItem> LockBySerialAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string serial, string kind, CancellationToken ct)
    {
        var item = await conn.QuerySingleOrDefaultAsync<InventoryItem>(new CommandDefinition(
            $"SELECT {ItemColumns} FROM {ItemFrom} WHERE d.serial_number = @serial FOR UPDATE OF d", new { serial }, tx, cancellationToken: ct)).ConfigureAwait(false)
            ?? throw new InventoryNotFoundException($"device {serial} does not exist");
        if (item.Kind != kind)
        {
            throw new InventoryRuleException($"device {serial} is a {item.Kind}, not a {kind}");
        }

        return item;
    }

    private static async Task<(InventoryItem Stb, InventoryItem Card)> LockPairAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string stbSerial, string cardSerial, CancellationToken ct)
    {
        // Lock in a fixed order (by serial) so two pairing operations cannot deadlock.
        if (string.CompareOrdinal(stbSerial, cardSerial) <= 0)
        {
            var s = await LockBySerialAsync(conn, tx, stbSerial, DeviceKind.Stb, ct).ConfigureAwait(false);
            return (s, await LockBySerialAsync(conn, tx, cardSerial, DeviceKind.SmartCard, ct).ConfigureAwait(false));
        }

        var c = await LockBySerialAsync(conn, tx, cardSerial, DeviceKind.SmartCard, ct).ConfigureAwait(false);
        return (await LockBySerialAsync(conn, tx, stbSerial, DeviceKind.Stb, ct).ConfigureAwait(false), c);
    }

    private static void EnsureFree(InventoryItem item)
    {
        if (item.PairedDeviceId is not null)
        {
            throw new InventoryConflictException($"{Describe(item)} {item.SerialNumber} is already paired with {item.PairedSerialNumber}");
        }

        if (item.Status is DeviceStatus.Scrapped or DeviceStatus.Rma or DeviceStatus.Refurbishing)
        {
            throw new InventoryConflictException($"{Describe(item)} {item.SerialNumber} is {item.Status} and cannot be paired");
        }
    }

    private static string Describe(InventoryItem item) => item.Kind == DeviceKind.Stb ? "set-top box" : "card";

    private static async Task LinkAsync(NpgsqlConnection conn, NpgsqlTransaction tx, InventoryItem stb, InventoryItem card, InventoryActor actor, CancellationToken ct) =>
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.device SET paired_device_id = @cardId, updated_at = now() WHERE id = @stbId;
            UPDATE hub.device SET paired_device_id = @stbId, updated_at = now() WHERE id = @cardId;
            INSERT INTO hub.device_pairing (stb_id, card_id, action, actor, reason) VALUES (@stbId, @cardId, 'paired', @actor, @reason);
            """, new { stbId = stb.Id, cardId = card.Id, actor = actor.Actor, reason = actor.Reason }, tx, cancellationToken: ct)).ConfigureAwait(false);

    private static async Task UnlinkAsync(NpgsqlConnection conn, NpgsqlTransaction tx, InventoryItem stb, InventoryItem card, InventoryActor actor, CancellationToken ct) =>
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.device SET paired_device_id = NULL, updated_at = now() WHERE id = @stbId;
            UPDATE hub.device SET paired_device_id = NULL, updated_at = now() WHERE id = @cardId AND paired_device_id = @stbId;
            INSERT INTO hub.device_pairing (stb_id, card_id, action, actor, reason) VALUES (@stbId, @cardId, 'unpaired', @actor, @reason);
            """, new { stbId = stb.Id, cardId = card.Id, actor = actor.Actor, reason = actor.Reason }, tx, cancellationToken: ct)).ConfigureAwait(false);

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter writer, T? value, NpgsqlDbType type, CancellationToken ct) =>
        value is null ? writer.WriteNullAsync(ct) : writer.WriteAsync(value, type, ct);

    private static void Require(string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InventoryRequestException($"{what} is required");
        }
    }
}
