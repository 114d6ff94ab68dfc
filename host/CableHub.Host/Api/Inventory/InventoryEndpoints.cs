using CableHub.Core.Inventory;
using CableHub.Host.Inventory;

namespace CableHub.Host.Api.Inventory;

/// <summary>
/// Warehouse, technician and purchasing endpoints under <c>/api/inventory</c>: models, locations, stock levels,
/// device movements and pairing, reorder points and low-stock alerts, purchase orders (create, send as 850,
/// cancel, from alerts), receipts with their discrepancies, CSV imports and exports.
/// </summary>
public static class InventoryEndpoints
{
    public const string BasePath = "/api/inventory";

    public static RouteGroupBuilder MapInventory(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup(BasePath).WithTags("Inventory");
        g.MapGet("/models", async (InventoryStore s, CancellationToken ct) => Results.Ok(await s.ListModelsAsync(ct).ConfigureAwait(false)));
        g.MapPut("/models/{code}", PutModelAsync);
        g.MapGet("/models/{code}", async (string code, InventoryStore s, CancellationToken ct) =>
            await s.GetModelAsync(code, ct).ConfigureAwait(false) is { } m ? Results.Ok(m) : Problems.NotFound($"model '{code}'"));
        g.MapGet("/suppliers", async (InventoryStore s, CancellationToken ct) => Results.Ok(await s.ListSuppliersAsync(ct).ConfigureAwait(false)));
        g.MapPut("/suppliers/{code}", PutSupplierAsync);
        g.MapGet("/locations", async (string? kind, InventoryStore s, CancellationToken ct) => Results.Ok(await s.ListLocationsAsync(kind, ct).ConfigureAwait(false)));
        g.MapPut("/locations/{code}", PutLocationAsync);
        g.MapGet("/stock-levels", StockLevelsAsync);
        g.MapGet("/devices/{id}/movements", MovementsAsync);
        g.MapGet("/devices/{id}/pairings", PairingsAsync);
        g.MapPost("/devices/{id}/move", MoveAsync);
        g.MapPost("/pairings", PairAsync);
        g.MapDelete("/pairings/{stbSerial}", UnpairAsync);
        g.MapPost("/pairings/{stbSerial}/replace-card", ReplaceCardAsync);
        g.MapGet("/reorder-points", async (ReorderStore s, CancellationToken ct) => Results.Ok(await s.ListReorderPointsAsync(ct).ConfigureAwait(false)));
        g.MapPut("/reorder-points", PutReorderPointAsync);
        g.MapGet("/alerts", async (string? status, ReorderStore s, CancellationToken ct) => Results.Ok(await s.ListAlertsAsync(status, ct).ConfigureAwait(false)));
        g.MapPost("/alerts/check", async (ReorderStore s, CancellationToken ct) => Results.Ok(await s.CheckAsync(ct).ConfigureAwait(false)));
        g.MapGet("/purchase-orders", async (string? status, int? offset, int? limit, PurchaseOrderStore s, CancellationToken ct) =>
            Results.Ok(await s.ListAsync(status, null, offset ?? 0, limit ?? 100, ct).ConfigureAwait(false)));
        g.MapGet("/purchase-orders/{id}", GetOrderAsync);
        g.MapPost("/purchase-orders", CreateOrderAsync);
        g.MapPost("/purchase-orders/from-alerts", FromAlertsAsync);
        g.MapPost("/purchase-orders/{id}/send", SendOrderAsync);
        g.MapPost("/purchase-orders/{id}/cancel", CancelOrderAsync);
        g.MapGet("/purchase-orders/{id}/receipts", async (Guid id, ReceiptStore s, CancellationToken ct) => Results.Ok(await s.ListAsync(id, null, 0, 500, ct).ConfigureAwait(false)));
        g.MapGet("/receipts", async (Guid? purchaseOrderId, Guid? ediFileId, int? offset, int? limit, ReceiptStore s, CancellationToken ct) =>
            Results.Ok(await s.ListAsync(purchaseOrderId, ediFileId, offset ?? 0, limit ?? 100, ct).ConfigureAwait(false)));
        g.MapGet("/receipts/{id:guid}", async (Guid id, ReceiptStore s, CancellationToken ct) =>
            await s.GetAsync(id, ct).ConfigureAwait(false) is { } r ? Results.Ok(r) : Problems.NotFound($"receipt '{id}'"));
        g.MapPost("/imports/devices", ImportDevicesAsync);
        g.MapPost("/imports/stock-take", ImportStockTakeAsync);
        g.MapGet("/exports/devices.csv", ExportDevicesAsync);
        g.MapGet("/exports/stock-levels.csv", ExportStockLevelsAsync);
        return g;
    }

    private static async Task<IResult> PutModelAsync(string code, HttpContext http, InventoryStore store, CancellationToken ct)
    {
        var (body, problem) = await InventoryApi.ReadAsync<ModelIn>(http, ct).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        if (string.IsNullOrWhiteSpace(body.Kind) || !EquipmentKind.All.Contains(body.Kind, StringComparer.Ordinal))
        {
            return InventoryApi.Invalid("kind", $"must be one of {string.Join(", ", EquipmentKind.All)}");
        }

        if (string.IsNullOrWhiteSpace(body.Name))
        {
            return InventoryApi.Invalid("name", "is required");
        }

        Guid? supplier = null;
        if (body.Supplier is { Length: > 0 } supplierCode)
        {
            supplier = (await store.ListSuppliersAsync(ct).ConfigureAwait(false)).FirstOrDefault(s => s.Code == supplierCode)?.Id;
            if (supplier is null)
            {
                return InventoryApi.Invalid("supplier", $"supplier '{supplierCode}' does not exist");
            }
        }

        if (body.UnitPrice is < 0)
        {
            return InventoryApi.Invalid("unitPrice", "must not be negative");
        }

        return await InventoryApi.RunAsync(async () => Results.Ok(await store.UpsertModelAsync(new EquipmentModel(code, body.Kind, body.Name, body.Manufacturer ?? "", body.Serialized ?? true,
            supplier, body.SupplierPart, body.Gtin, body.UnitPrice ?? 0, body.Currency ?? "INR", body.Unit ?? "EA"), ct).ConfigureAwait(false))).ConfigureAwait(false);
    }

    private static async Task<IResult> PutSupplierAsync(string code, HttpContext http, InventoryStore store, CancellationToken ct)
    {
        var (body, problem) = await InventoryApi.ReadAsync<SupplierIn>(http, ct).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        if (string.IsNullOrWhiteSpace(body.X12Id) || body.X12Id.Length > 15)
        {
            return InventoryApi.Invalid("x12Id", "is required, at most 15 characters (ISA06/ISA08)");
        }

        if (body.Currency is not { Length: 3 })
        {
            return InventoryApi.Invalid("currency", "must be an ISO 4217 code such as INR");
        }

        var existing = (await store.ListSuppliersAsync(ct).ConfigureAwait(false)).FirstOrDefault(s => s.Code == code);
        return await InventoryApi.RunAsync(async () => Results.Ok(await store.UpsertSupplierAsync(new Supplier(existing?.Id ?? Guid.CreateVersion7(), code, body.Name ?? code,
            body.X12Qualifier ?? "ZZ", body.X12Id, body.EdifactId, body.Currency), ct).ConfigureAwait(false))).ConfigureAwait(false);
    }

    private static async Task<IResult> PutLocationAsync(string code, HttpContext http, InventoryStore store, CancellationToken ct)
    {
        var (body, problem) = await InventoryApi.ReadAsync<LocationIn>(http, ct).ConfigureAwait(false);
        return body is null
            ? problem!
            : await InventoryApi.RunAsync(async () => Results.Ok(await store.UpsertLocationAsync(code, body.Name ?? code, body.Kind ?? "", body.CustomerId, ct).ConfigureAwait(false)), "kind").ConfigureAwait(false);
    }

    private static async Task<IResult> StockLevelsAsync(string? model, string? location, InventoryStore store, CancellationToken ct)
    {
        Guid? locationId = null;
        if (location is not null)
        {
            locationId = (await store.FindLocationAsync(location, ct).ConfigureAwait(false))?.Id;
            if (locationId is null)
            {
                return InventoryApi.Invalid("location", $"location '{location}' does not exist");
            }
        }

        return Results.Ok(await store.GetStockLevelsAsync(model, locationId, ct).ConfigureAwait(false));
    }

    private static async Task<InventoryItem?> FindDeviceAsync(string id, InventoryStore store, CancellationToken ct) =>
        Guid.TryParse(id, out var guid) ? await store.GetItemAsync(guid, ct).ConfigureAwait(false) : await store.GetItemBySerialAsync(id, ct).ConfigureAwait(false);

    private static async Task<IResult> MovementsAsync(string id, InventoryStore store, CancellationToken ct) =>
        await FindDeviceAsync(id, store, ct).ConfigureAwait(false) is { } d
            ? Results.Ok(await store.GetMovementsAsync(d.Id, ct).ConfigureAwait(false))
            : Problems.NotFound($"device '{id}'");

    private static async Task<IResult> PairingsAsync(string id, InventoryStore store, CancellationToken ct) =>
        await FindDeviceAsync(id, store, ct).ConfigureAwait(false) is { } d
            ? Results.Ok(await store.GetPairingHistoryAsync(d.Id, ct).ConfigureAwait(false))
            : Problems.NotFound($"device '{id}'");

    private static async Task<IResult> MoveAsync(string id, HttpContext http, InventoryStore store, CancellationToken ct)
    {
        var device = await FindDeviceAsync(id, store, ct).ConfigureAwait(false);
        if (device is null)
        {
            return Problems.NotFound($"device '{id}'");
        }

        var (body, problem) = await InventoryApi.ReadAsync<MoveIn>(http, ct).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        if (string.IsNullOrWhiteSpace(body.ToLocation) || await store.FindLocationAsync(body.ToLocation, ct).ConfigureAwait(false) is not { } location)
        {
            return InventoryApi.Invalid("toLocation", $"location '{body.ToLocation}' does not exist");
        }

        if (string.IsNullOrWhiteSpace(body.Reason))
        {
            return InventoryApi.Invalid("reason", "say why the device moves");
        }

        return await InventoryApi.RunAsync(async () => Results.Ok(ResourceInventoryEndpoints.ToResource(
            await store.MoveAsync(device.Id, location.Id, new InventoryActor(InventoryApi.Actor(http), body.Reason), ct).ConfigureAwait(false))), "toLocation").ConfigureAwait(false);
    }

    private static async Task<IResult> PairAsync(HttpContext http, InventoryStore store, CancellationToken ct)
    {
        var (body, problem) = await InventoryApi.ReadAsync<PairIn>(http, ct).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        if (string.IsNullOrWhiteSpace(body.StbSerialNumber))
        {
            return InventoryApi.Invalid("stbSerialNumber", "is required");
        }

        if (string.IsNullOrWhiteSpace(body.CardSerialNumber))
        {
            return InventoryApi.Invalid("cardSerialNumber", "is required");
        }

        return await InventoryApi.RunAsync(async () =>
        {
            await store.PairAsync(body.StbSerialNumber, body.CardSerialNumber, new InventoryActor(InventoryApi.Actor(http), body.Reason ?? "paired"), ct).ConfigureAwait(false);
            return Results.Ok(ResourceInventoryEndpoints.ToResource((await store.GetItemBySerialAsync(body.StbSerialNumber, ct).ConfigureAwait(false))!));
        }, "cardSerialNumber").ConfigureAwait(false);
    }

    private static Task<IResult> UnpairAsync(string stbSerial, string? reason, HttpContext http, InventoryStore store, CancellationToken ct) =>
        InventoryApi.RunAsync(async () =>
        {
            var card = await store.UnpairAsync(stbSerial, new InventoryActor(InventoryApi.Actor(http), reason ?? "unpaired"), ct).ConfigureAwait(false);
            return Results.Ok(new { stbSerialNumber = stbSerial, unpairedCard = card });
        }, "stbSerial");

    private static async Task<IResult> ReplaceCardAsync(string stbSerial, HttpContext http, InventoryStore store, CancellationToken ct)
    {
        var (body, problem) = await InventoryApi.ReadAsync<ReplaceCardIn>(http, ct).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        if (string.IsNullOrWhiteSpace(body.NewCardSerialNumber))
        {
            return InventoryApi.Invalid("newCardSerialNumber", "is required");
        }

        if (body.OldCardStatus is { } s && !DeviceLifecycle.IsStatus(s))
        {
            return InventoryApi.Invalid("oldCardStatus", $"'{s}' is not one of {string.Join(", ", DeviceLifecycle.Statuses)}");
        }

        return await InventoryApi.RunAsync(async () =>
        {
            await store.ReplaceCardAsync(stbSerial, body.NewCardSerialNumber, body.OldCardStatus, new InventoryActor(InventoryApi.Actor(http), body.Reason ?? "card replaced"), ct).ConfigureAwait(false);
            return Results.Ok(ResourceInventoryEndpoints.ToResource((await store.GetItemBySerialAsync(stbSerial, ct).ConfigureAwait(false))!));
        }, "newCardSerialNumber").ConfigureAwait(false);
    }

    private static async Task<IResult> PutReorderPointAsync(HttpContext http, InventoryStore store, ReorderStore reorder, CancellationToken ct)
    {
        var (body, problem) = await InventoryApi.ReadAsync<ReorderPointIn>(http, ct).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        if (await store.FindLocationAsync(body.Location ?? "", ct).ConfigureAwait(false) is not { } location)
        {
            return InventoryApi.Invalid("location", $"location '{body.Location}' does not exist");
        }

        if (body.MinQuantity is not >= 0)
        {
            return InventoryApi.Invalid("minQuantity", "is required, 0 or more");
        }

        if (body.ReorderQuantity is not > 0)
        {
            return InventoryApi.Invalid("reorderQuantity", "is required, 1 or more");
        }

        return await InventoryApi.RunAsync(async () => Results.Ok(await reorder.SetReorderPointAsync(body.Model ?? "", location.Id, body.MinQuantity.Value, body.ReorderQuantity.Value, ct).ConfigureAwait(false)), "model").ConfigureAwait(false);
    }

    private static async Task<IResult> GetOrderAsync(Guid id, PurchaseOrderStore orders, CancellationToken ct) =>
        await orders.GetAsync(id, ct).ConfigureAwait(false) is { } po ? Results.Ok(po) : Problems.NotFound($"purchase order '{id}'");

    private static async Task<IResult> CreateOrderAsync(HttpContext http, InventoryStore store, PurchaseOrderStore orders, CancellationToken ct)
    {
        var (body, problem) = await InventoryApi.ReadAsync<PurchaseOrderIn>(http, ct).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        var supplier = (await store.ListSuppliersAsync(ct).ConfigureAwait(false)).FirstOrDefault(s => s.Code == body.Supplier || s.Id.ToString() == body.Supplier);
        if (supplier is null)
        {
            return InventoryApi.Invalid("supplier", $"supplier '{body.Supplier}' does not exist");
        }

        if (await store.FindLocationAsync(body.ShipTo ?? "", ct).ConfigureAwait(false) is not { } location)
        {
            return InventoryApi.Invalid("shipTo", $"location '{body.ShipTo}' does not exist");
        }

        if (body.Lines is not { Count: > 0 } lines)
        {
            return InventoryApi.Invalid("lines", "at least one line (model, quantity) is required");
        }

        for (var i = 0; i < lines.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i].Model))
            {
                return InventoryApi.Invalid($"lines[{i}].model", "is required");
            }

            if (lines[i].Quantity is not > 0)
            {
                return InventoryApi.Invalid($"lines[{i}].quantity", "must be a positive whole number");
            }
        }

        return await InventoryApi.RunAsync(async () =>
        {
            var po = await orders.CreateAsync(new NewPurchaseOrder(supplier.Id, location.Id, lines.Select(l => new NewPurchaseOrderLine(l.Model!, l.Quantity!.Value) { UnitPrice = l.UnitPrice }).ToList())
            {
                RequestedDelivery = body.RequestedDelivery,
            }, new InventoryActor(InventoryApi.Actor(http), "purchase order"), ct).ConfigureAwait(false);
            return Results.Created($"{BasePath}/purchase-orders/{po.Id}", po);
        }, "lines").ConfigureAwait(false);
    }

    private static Task<IResult> FromAlertsAsync(HttpContext http, PurchaseOrderStore orders, CancellationToken ct) =>
        InventoryApi.RunAsync(async () =>
        {
            var (created, skipped) = await orders.CreateFromOpenAlertsAsync(new InventoryActor(InventoryApi.Actor(http), "low stock"), ct).ConfigureAwait(false);
            return Results.Ok(new { created, skipped });
        });

    private static Task<IResult> SendOrderAsync(Guid id, HttpContext http, PurchaseOrderSender sender, PurchaseOrderStore orders, CancellationToken ct) =>
        InventoryApi.RunAsync(async () =>
        {
            var file = await sender.SendAsync(id, new InventoryActor(InventoryApi.Actor(http), "sent to supplier"), ct).ConfigureAwait(false);
            return Results.Ok(new { purchaseOrder = await orders.GetAsync(id, ct).ConfigureAwait(false), ediFile = $"/api/edi/outbound/{file}" });
        }, "status");

    private static Task<IResult> CancelOrderAsync(Guid id, string? reason, HttpContext http, PurchaseOrderStore orders, CancellationToken ct) =>
        InventoryApi.RunAsync(async () => Results.Ok(await orders.CancelAsync(id, new InventoryActor(InventoryApi.Actor(http), reason ?? "cancelled"), ct).ConfigureAwait(false)), "status");

    private static async Task<IResult> ImportDevicesAsync(HttpContext http, InventoryImportStore imports, CancellationToken ct)
    {
        var (rows, errors) = await ReadCsvAsync(http, InventoryCsv.ReadDevices, ct).ConfigureAwait(false);
        var result = await imports.ImportDevicesAsync(rows, new InventoryActor(InventoryApi.Actor(http), "device list import"), errors, ct).ConfigureAwait(false);
        return result.Succeeded ? Results.Ok(result) : LineErrors(result.Errors, "The device list was not imported");
    }

    private static async Task<IResult> ImportStockTakeAsync(string? location, HttpContext http, InventoryStore store, InventoryImportStore imports, CancellationToken ct)
    {
        if (await store.FindLocationAsync(location ?? "", ct).ConfigureAwait(false) is not { } place)
        {
            return InventoryApi.Invalid("location", $"location '{location}' does not exist (query parameter ?location=CODE)");
        }

        var (rows, errors) = await ReadCsvAsync(http, InventoryCsv.ReadStockTake, ct).ConfigureAwait(false);
        var result = await imports.ApplyStockTakeAsync(place.Id, "upload", rows, new InventoryActor(InventoryApi.Actor(http), "stock take"), errors, ct).ConfigureAwait(false);
        return result.Succeeded ? Results.Ok(result) : LineErrors(result.Errors, "The stock take was not applied");
    }

    private static async Task<(IReadOnlyList<T> Rows, IReadOnlyList<ImportError> Errors)> ReadCsvAsync<T>(HttpContext http, Func<Stream, (IReadOnlyList<T>, IReadOnlyList<ImportError>)> read, CancellationToken ct)
    {
        // CsvHelper's reader is synchronous here: buffer the upload first (Kestrel forbids synchronous body reads).
        var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, ct).ConfigureAwait(false);
        buffer.Position = 0;
        return read(buffer);
    }

    private static IResult LineErrors(IReadOnlyList<ImportError> errors, string title) =>
        Problems.Validation(errors.GroupBy(e => $"line {e.LineNumber}").ToDictionary(g => g.Key, g => g.Select(e => $"{e.Field}: {e.Message}").ToArray()), title + "; nothing was changed");

    private static async Task<IResult> ExportDevicesAsync(string? location, string? status, InventoryStore store, InventoryImportStore imports, CancellationToken ct)
    {
        Guid? locationId = location is null ? null : (await store.FindLocationAsync(location, ct).ConfigureAwait(false))?.Id;
        if (location is not null && locationId is null)
        {
            return InventoryApi.Invalid("location", $"location '{location}' does not exist");
        }

        var rows = await imports.ExportDevicesAsync(locationId, status, ct).ConfigureAwait(false);
        var output = new MemoryStream();
        InventoryCsv.WriteDevices(output, rows);
        return Results.File(output.ToArray(), "text/csv", "devices.csv");
    }

    private static async Task<IResult> ExportStockLevelsAsync(InventoryStore store, CancellationToken ct)
    {
        var output = new MemoryStream();
        InventoryCsv.WriteStockLevels(output, await store.GetStockLevelsAsync(null, null, ct).ConfigureAwait(false));
        return Results.File(output.ToArray(), "text/csv", "stock-levels.csv");
    }
}

public sealed record ModelIn(string? Kind, string? Name, string? Manufacturer, bool? Serialized, string? Supplier, string? SupplierPart, string? Gtin, decimal? UnitPrice, string? Currency, string? Unit);

public sealed record SupplierIn(string? Name, string? X12Qualifier, string? X12Id, string? EdifactId, string? Currency);

public sealed record LocationIn(string? Name, string? Kind, Guid? CustomerId);

public sealed record MoveIn(string? ToLocation, string? Reason);

public sealed record PairIn(string? StbSerialNumber, string? CardSerialNumber, string? Reason);

public sealed record ReplaceCardIn(string? NewCardSerialNumber, string? OldCardStatus, string? Reason);

public sealed record ReorderPointIn(string? Model, string? Location, int? MinQuantity, int? ReorderQuantity);

public sealed record PurchaseOrderIn(string? Supplier, string? ShipTo, DateOnly? RequestedDelivery, IReadOnlyList<PurchaseOrderLineIn>? Lines);

public sealed record PurchaseOrderLineIn(string? Model, int? Quantity, decimal? UnitPrice);
