using Dapper;
using Npgsql;

namespace CableHub.Inventory;

/// <summary>A row-level problem of an imported file: its line, the column, and the reason.</summary>
public sealed record ImportError(int LineNumber, string Field, string Message)
{
    public override string ToString() => $"line {LineNumber}, {Field}: {Message}";
}

/// <summary>One device of a bulk device list (a line of a legacy back-office file).</summary>
public sealed record DeviceImportRow(int LineNumber, string SerialNumber, string ModelCode, string Status, string? LocationCode)
{
    public string? CasId { get; init; }

    public string? PairedSerialNumber { get; init; }
}

/// <summary>One counted line of a stock take: a serial number (serialised models) or a model and quantity.</summary>
public sealed record StockTakeRow(int LineNumber, string? SerialNumber, string? ModelCode, int Quantity);

public sealed record DeviceImportResult(int Created, int Paired, IReadOnlyList<ImportError> Errors)
{
    public bool Succeeded => Errors.Count == 0;
}

public sealed record StockTakeResult(Guid? StockTakeId, int Counted, int Confirmed, int MovedHere, int Missing, int QuantitiesAdjusted, IReadOnlyList<string> MissingSerials, IReadOnlyList<ImportError> Errors)
{
    public bool Succeeded => Errors.Count == 0;
}

/// <summary>
/// Imports of legacy back-office files: bulk device lists and stock takes. Every row is validated first (against
/// the file itself and the database); with any error nothing is applied and all errors are returned with their
/// line numbers; otherwise everything is applied in one transaction.
/// </summary>
public sealed class InventoryImportStore(NpgsqlDataSource dataSource)
{
    private static readonly string[] MovableStatuses = [DeviceStatus.InStock, DeviceStatus.Returned, DeviceStatus.Refurbishing, DeviceStatus.Rma, DeviceStatus.Reserved, DeviceStatus.InTransit, DeviceStatus.Ordered];

    /// <summary>Creates the devices of a bulk list (with their pairings). <paramref name="earlierErrors"/> (e.g. from CSV parsing) also prevent applying.</summary>
    public async Task<DeviceImportResult> ImportDevicesAsync(IReadOnlyList<DeviceImportRow> rows, InventoryActor actor, IReadOnlyList<ImportError>? earlierErrors = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(actor);
        var errors = new List<ImportError>(earlierErrors ?? []);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);

        var models = (await conn.QueryAsync<(string Code, string Kind, bool Serialized)>(new CommandDefinition("SELECT code, kind, serialized FROM hub.equipment_model", transaction: tx, cancellationToken: ct)).ConfigureAwait(false))
            .ToDictionary(m => m.Code, StringComparer.Ordinal);
        var locations = (await conn.QueryAsync<(string Code, Guid Id)>(new CommandDefinition("SELECT code, id FROM hub.stock_location", transaction: tx, cancellationToken: ct)).ConfigureAwait(false))
            .ToDictionary(l => l.Code, l => l.Id, StringComparer.OrdinalIgnoreCase);
        var serials = rows.Select(r => r.SerialNumber).Where(s => !string.IsNullOrWhiteSpace(s)).Concat(rows.Select(r => r.PairedSerialNumber).OfType<string>()).Distinct(StringComparer.Ordinal).ToArray();
        var existing = (await conn.QueryAsync<(string Serial, string Kind, Guid? Paired)>(new CommandDefinition(
            "SELECT serial_number, kind, paired_device_id FROM hub.device WHERE serial_number = ANY(@serials)", new { serials }, tx, cancellationToken: ct)).ConfigureAwait(false))
            .ToDictionary(d => d.Serial, StringComparer.Ordinal);
        var casIds = rows.Select(r => r.CasId).OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        var existingCas = (await conn.QueryAsync<string>(new CommandDefinition("SELECT cas_id FROM hub.device WHERE cas_id = ANY(@casIds)", new { casIds }, tx, cancellationToken: ct)).ConfigureAwait(false))
            .ToHashSet(StringComparer.Ordinal);

        var seenSerial = new Dictionary<string, int>(StringComparer.Ordinal);
        var seenCas = new Dictionary<string, int>(StringComparer.Ordinal);
        var pairedBy = new Dictionary<string, int>(StringComparer.Ordinal);
        var kindInFile = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (string.IsNullOrWhiteSpace(row.SerialNumber))
            {
                errors.Add(new(row.LineNumber, "serial_number", "is required"));
            }
            else if (!seenSerial.TryAdd(row.SerialNumber, row.LineNumber))
            {
                errors.Add(new(row.LineNumber, "serial_number", $"{row.SerialNumber} is already on line {seenSerial[row.SerialNumber]}"));
            }
            else if (existing.ContainsKey(row.SerialNumber))
            {
                errors.Add(new(row.LineNumber, "serial_number", $"device {row.SerialNumber} already exists"));
            }

            if (!models.TryGetValue(row.ModelCode ?? "", out var model))
            {
                errors.Add(new(row.LineNumber, "model_code", $"model '{row.ModelCode}' does not exist"));
            }
            else if (!model.Serialized)
            {
                errors.Add(new(row.LineNumber, "model_code", $"model {row.ModelCode} is not serialised (counted by quantity)"));
            }
            else if (!string.IsNullOrWhiteSpace(row.SerialNumber))
            {
                kindInFile[row.SerialNumber] = model.Kind;
            }

            if (!DeviceLifecycle.IsStatus(row.Status))
            {
                errors.Add(new(row.LineNumber, "status", $"'{row.Status}' is not a device status ({string.Join(", ", DeviceLifecycle.Statuses)})"));
            }

            if (!string.IsNullOrWhiteSpace(row.LocationCode) && !locations.ContainsKey(row.LocationCode))
            {
                errors.Add(new(row.LineNumber, "location", $"location '{row.LocationCode}' does not exist"));
            }
            else if (string.IsNullOrWhiteSpace(row.LocationCode) && row.Status is DeviceStatus.InStock or DeviceStatus.Reserved)
            {
                errors.Add(new(row.LineNumber, "location", $"a device {row.Status} needs a location"));
            }

            if (row.CasId is { } cas)
            {
                if (!seenCas.TryAdd(cas, row.LineNumber))
                {
                    errors.Add(new(row.LineNumber, "cas_id", $"{cas} is already on line {seenCas[cas]}"));
                }
                else if (existingCas.Contains(cas))
                {
                    errors.Add(new(row.LineNumber, "cas_id", $"CAS id {cas} already belongs to another device"));
                }
            }

            if (row.PairedSerialNumber is { } paired)
            {
                if (!pairedBy.TryAdd(paired, row.LineNumber))
                {
                    errors.Add(new(row.LineNumber, "paired_serial_number", $"{paired} is already paired on line {pairedBy[paired]}"));
                }
                else if (pairedBy.ContainsKey(row.SerialNumber ?? ""))
                {
                    errors.Add(new(row.LineNumber, "paired_serial_number", $"{row.SerialNumber} is named as the partner on line {pairedBy[row.SerialNumber!]}; give each pair once"));
                }
            }
        }

        // Pairing partners: in the file or in the database, of the opposite kind, not yet paired.
        foreach (var row in rows.Where(r => r.PairedSerialNumber is not null))
        {
            var paired = row.PairedSerialNumber!;
            var partnerKind = kindInFile.TryGetValue(paired, out var k) ? k : existing.TryGetValue(paired, out var e) ? e.Kind : null;
            if (partnerKind is null)
            {
                errors.Add(new(row.LineNumber, "paired_serial_number", $"device {paired} is neither in the file nor known"));
                continue;
            }

            if (!seenSerial.ContainsKey(paired) && existing.TryGetValue(paired, out var known) && known.Paired is not null)
            {
                errors.Add(new(row.LineNumber, "paired_serial_number", $"device {paired} is already paired"));
            }

            var kind = kindInFile.GetValueOrDefault(row.SerialNumber ?? "");
            if (!((kind == DeviceKind.Stb && partnerKind == DeviceKind.SmartCard) || (kind == DeviceKind.SmartCard && partnerKind == DeviceKind.Stb)))
            {
                errors.Add(new(row.LineNumber, "paired_serial_number", $"a {kind ?? "device"} cannot be paired with a {partnerKind}; pairs are a set-top box and a smart card"));
            }
        }

        if (errors.Count > 0)
        {
            return new DeviceImportResult(0, 0, errors.OrderBy(e => e.LineNumber).ToList());
        }

        await InventorySession.SetAsync(conn, tx, actor, ct).ConfigureAwait(false);
        var created = await InventoryStore.CreateItemsAsync(conn, tx,
            rows.Select(r => new NewItem(r.SerialNumber, r.ModelCode, r.Status, r.LocationCode is null ? null : locations[r.LocationCode]) { CasId = r.CasId }).ToList(),
            models.ToDictionary(m => m.Key, m => m.Value.Kind, StringComparer.Ordinal), ct).ConfigureAwait(false);
        var pairs = rows.Where(r => r.PairedSerialNumber is not null)
            .Select(r => kindInFile[r.SerialNumber] == DeviceKind.Stb ? (Stb: r.SerialNumber, Card: r.PairedSerialNumber!) : (Stb: r.PairedSerialNumber!, Card: r.SerialNumber))
            .ToList();
        if (pairs.Count > 0)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                WITH p AS (
                    SELECT s.id AS stb_id, c.id AS card_id FROM unnest(@stbs, @cards) AS x(stb, card)
                    JOIN hub.device s ON s.serial_number = x.stb JOIN hub.device c ON c.serial_number = x.card),
                u1 AS (UPDATE hub.device d SET paired_device_id = p.card_id FROM p WHERE d.id = p.stb_id),
                u2 AS (UPDATE hub.device d SET paired_device_id = p.stb_id FROM p WHERE d.id = p.card_id)
                INSERT INTO hub.device_pairing (stb_id, card_id, action, actor, reason) SELECT stb_id, card_id, 'paired', @actor, @reason FROM p
                """, new { stbs = pairs.Select(p => p.Stb).ToArray(), cards = pairs.Select(p => p.Card).ToArray(), actor = actor.Actor, reason = actor.Reason }, tx, cancellationToken: ct)).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
        return new DeviceImportResult(created, pairs.Count, []);
    }

    /// <summary>
    /// Applies a stock take of one location: counted devices that the system has elsewhere move here; counted
    /// devices already here are confirmed; devices the system has here in stock that nobody counted are reported
    /// missing (left unchanged, for people to look into); non-serialised quantities are set to the count.
    /// </summary>
    public async Task<StockTakeResult> ApplyStockTakeAsync(Guid locationId, string sourceName, IReadOnlyList<StockTakeRow> rows, InventoryActor actor, IReadOnlyList<ImportError>? earlierErrors = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(actor);
        var errors = new List<ImportError>(earlierErrors ?? []);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM hub.stock_location WHERE id = @locationId)", new { locationId }, tx, cancellationToken: ct)).ConfigureAwait(false))
        {
            throw new InventoryNotFoundException($"location {locationId} does not exist");
        }

        var models = (await conn.QueryAsync<(string Code, bool Serialized)>(new CommandDefinition("SELECT code, serialized FROM hub.equipment_model", transaction: tx, cancellationToken: ct)).ConfigureAwait(false))
            .ToDictionary(m => m.Code, m => m.Serialized, StringComparer.Ordinal);
        var serials = rows.Select(r => r.SerialNumber).OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        var devices = (await conn.QueryAsync<(Guid Id, string Serial, string Model, string Status, Guid? LocationId)>(new CommandDefinition(
            "SELECT id, serial_number, model_code, status, location_id FROM hub.device WHERE serial_number = ANY(@serials) FOR UPDATE",
            new { serials }, tx, cancellationToken: ct)).ConfigureAwait(false)).ToDictionary(d => d.Serial, StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var seenModel = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (row.SerialNumber is { } serial)
            {
                if (!seen.TryAdd(serial, row.LineNumber))
                {
                    errors.Add(new(row.LineNumber, "serial_number", $"{serial} was already counted on line {seen[serial]}"));
                }
                else if (!devices.TryGetValue(serial, out var device))
                {
                    errors.Add(new(row.LineNumber, "serial_number", $"device {serial} is not known; add it with a device list import first"));
                }
                else
                {
                    if (row.ModelCode is { } m && m != device.Model)
                    {
                        errors.Add(new(row.LineNumber, "model_code", $"device {serial} is a {device.Model}, not a {m}"));
                    }

                    if (!MovableStatuses.Contains(device.Status, StringComparer.Ordinal))
                    {
                        errors.Add(new(row.LineNumber, "serial_number", $"device {serial} is {device.Status}; it cannot be counted in stock"));
                    }
                }

                if (row.Quantity != 1)
                {
                    errors.Add(new(row.LineNumber, "quantity", $"a serial number counts 1, not {row.Quantity}"));
                }
            }
            else if (row.ModelCode is not { } model)
            {
                errors.Add(new(row.LineNumber, "serial_number", "each line needs a serial number, or a model and a quantity"));
            }
            else if (!models.TryGetValue(model, out var serialized))
            {
                errors.Add(new(row.LineNumber, "model_code", $"model '{model}' does not exist"));
            }
            else if (serialized)
            {
                errors.Add(new(row.LineNumber, "serial_number", $"model {model} is serialised: count each device by its serial number"));
            }
            else if (row.Quantity < 0)
            {
                errors.Add(new(row.LineNumber, "quantity", $"{row.Quantity} must not be negative"));
            }
            else if (!seenModel.TryAdd(model, row.LineNumber))
            {
                errors.Add(new(row.LineNumber, "model_code", $"model {model} was already counted on line {seenModel[model]}"));
            }
        }

        if (errors.Count > 0)
        {
            return new StockTakeResult(null, 0, 0, 0, 0, 0, [], errors.OrderBy(e => e.LineNumber).ToList());
        }

        var id = Guid.CreateVersion7();
        var reference = $"stock take {id}";
        await InventorySession.SetAsync(conn, tx, actor with { Reference = reference }, ct).ConfigureAwait(false);
        var lines = new List<(int Line, string? Serial, string Model, int Quantity, string Outcome)>();
        var moveIds = new List<Guid>();
        foreach (var row in rows.Where(r => r.SerialNumber is not null))
        {
            var device = devices[row.SerialNumber!];
            var here = device.LocationId == locationId;
            lines.Add((row.LineNumber, device.Serial, device.Model, 1, here ? "confirmed" : "moved_here"));
            if (!here)
            {
                moveIds.Add(device.Id);
            }
        }

        if (moveIds.Count > 0)
        {
            await conn.ExecuteAsync(new CommandDefinition("UPDATE hub.device SET location_id = @locationId, updated_at = now() WHERE id = ANY(@ids)",
                new { locationId, ids = moveIds.ToArray() }, tx, cancellationToken: ct)).ConfigureAwait(false);
        }

        var missing = (await conn.QueryAsync<(string Serial, string Model)>(new CommandDefinition(
            "SELECT serial_number, model_code FROM hub.device WHERE location_id = @locationId AND status = 'in_stock' AND NOT (serial_number = ANY(@serials)) ORDER BY serial_number",
            new { locationId, serials }, tx, cancellationToken: ct)).ConfigureAwait(false)).AsList();
        lines.AddRange(missing.Select(m => (0, (string?)m.Serial, m.Model, 1, "missing")));

        var adjusted = 0;
        foreach (var row in rows.Where(r => r.SerialNumber is null))
        {
            var current = await conn.QuerySingleOrDefaultAsync<int?>(new CommandDefinition(
                "SELECT quantity FROM hub.stock_quantity WHERE model_code = @model AND location_id = @locationId", new { model = row.ModelCode, locationId }, tx, cancellationToken: ct)).ConfigureAwait(false) ?? 0;
            if (current != row.Quantity)
            {
                await InventoryStore.AdjustQuantityAsync(conn, tx, row.ModelCode!, locationId, row.Quantity - current, actor with { Reference = reference }, ct).ConfigureAwait(false);
                adjusted++;
            }

            lines.Add((row.LineNumber, null, row.ModelCode!, row.Quantity, current == row.Quantity ? "confirmed" : "quantity_adjusted"));
        }

        var counted = rows.Count;
        var confirmed = lines.Count(l => l.Outcome == "confirmed");
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.stock_take (id, location_id, source_name, actor, counted, confirmed, moved_here, missing)
            VALUES (@id, @locationId, @sourceName, @actor, @counted, @confirmed, @movedHere, @missing)
            """, new { id, locationId, sourceName, actor = actor.Actor, counted, confirmed, movedHere = moveIds.Count, missing = missing.Count }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.stock_take_line (stock_take_id, line_number, serial_number, model_code, quantity, outcome)
            SELECT @id, * FROM unnest(@lines, @serials, @models, @quantities, @outcomes)
            """,
            new
            {
                id,
                lines = lines.Select(l => l.Line).ToArray(),
                serials = lines.Select(l => l.Serial).ToArray(),
                models = lines.Select(l => l.Model).ToArray(),
                quantities = lines.Select(l => l.Quantity).ToArray(),
                outcomes = lines.Select(l => l.Outcome).ToArray(),
            }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await InventorySession.RecordEventAsync(conn, tx, "StockTakeApplied", id.ToString(),
            new { stockTakeId = id, locationId, counted, confirmed, movedHere = moveIds.Count, missing = missing.Count, adjusted }, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return new StockTakeResult(id, counted, confirmed, moveIds.Count, missing.Count, adjusted, missing.Select(m => m.Serial).ToList(), []);
    }

    /// <summary>Devices for export (a bulk device list), optionally of one location / status.</summary>
    public async Task<IReadOnlyList<DeviceImportRow>> ExportDevicesAsync(Guid? locationId = null, string? status = null, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<(string Serial, string Model, string Status, string? Location, string? Cas, string? Paired)>(new CommandDefinition(
            """
            SELECT d.serial_number, d.model_code, d.status, l.code, d.cas_id, CASE WHEN d.kind = 'stb' THEN p.serial_number END
            FROM hub.device d LEFT JOIN hub.stock_location l ON l.id = d.location_id LEFT JOIN hub.device p ON p.id = d.paired_device_id
            WHERE (@locationId::uuid IS NULL OR d.location_id = @locationId) AND (@status::text IS NULL OR d.status = @status)
            ORDER BY d.serial_number
            """, new { locationId, status }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select((r, i) => new DeviceImportRow(i + 2, r.Serial, r.Model, r.Status, r.Location) { CasId = r.Cas, PairedSerialNumber = r.Paired }).ToList();
    }
}
