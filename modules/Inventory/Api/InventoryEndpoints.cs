using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using CableHub.Inventory.Edi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace CableHub.Inventory.Api;

/// <summary>
/// Warehouse, technician and purchasing endpoints under <c>/api/inventory</c>: models, locations, stock levels,
/// device movements and pairing, reorder points and low-stock alerts, purchase orders (create, send as 850,
/// cancel, from alerts), receipts with their discrepancies, CSV imports and exports. Errors are answered by the one
/// problem mapping (400 bad request, 404 unknown, 409 lifecycle or state conflict, 422 inventory rule).
/// </summary>
public static class InventoryEndpoints
{
    public const string BasePath = "/api/inventory";

    internal static void Map(IEndpointRouteBuilder app)
    {
        var read = app.MapModuleGroup(BasePath, "Inventory").RequireAccess(HubPolicies.InventoryRead);
        var write = app.MapModuleGroup(BasePath, "Inventory").RequireAccess(HubPolicies.InventoryWrite);
        read.MapGet("/models", async (InventoryStore s, CancellationToken ct) => TypedResults.Ok(await s.ListModelsAsync(ct).ConfigureAwait(false)));
        write.MapPut("/models/{code}", PutModelAsync);
        read.MapGet("/models/{code}", async (string code, InventoryStore s, CancellationToken ct) =>
            TypedResults.Ok(await s.GetModelAsync(code, ct).ConfigureAwait(false) ?? throw new NotFoundException($"model '{code}'")));
        read.MapGet("/suppliers", async (InventoryStore s, CancellationToken ct) => TypedResults.Ok(await s.ListSuppliersAsync(ct).ConfigureAwait(false)));
        write.MapPut("/suppliers/{code}", PutSupplierAsync);
        read.MapGet("/locations", async (string? kind, InventoryStore s, CancellationToken ct) => TypedResults.Ok(await s.ListLocationsAsync(kind, ct).ConfigureAwait(false)));
        write.MapPut("/locations/{code}", PutLocationAsync);
        read.MapGet("/stock-levels", StockLevelsAsync);
        read.MapGet("/devices/{id}/movements", async (string id, InventoryStore store, CancellationToken ct) =>
            TypedResults.Ok(await store.GetMovementsAsync((await DeviceAsync(id, store, ct).ConfigureAwait(false)).Id, ct).ConfigureAwait(false)));
        read.MapGet("/devices/{id}/pairings", async (string id, InventoryStore store, CancellationToken ct) =>
            TypedResults.Ok(await store.GetPairingHistoryAsync((await DeviceAsync(id, store, ct).ConfigureAwait(false)).Id, ct).ConfigureAwait(false)));
        write.MapPost("/devices/{id}/move", MoveAsync);
        write.MapPost("/pairings", PairAsync);
        write.MapDelete("/pairings/{stbSerial}", UnpairAsync);
        write.MapPost("/pairings/{stbSerial}/replace-card", ReplaceCardAsync);
        read.MapGet("/reorder-points", async (ReorderStore s, CancellationToken ct) => TypedResults.Ok(await s.ListReorderPointsAsync(ct).ConfigureAwait(false)));
        write.MapPut("/reorder-points", PutReorderPointAsync);
        read.MapGet("/alerts", async (string? status, ReorderStore s, CancellationToken ct) => TypedResults.Ok(await s.ListAlertsAsync(status, ct).ConfigureAwait(false)));
        write.MapPost("/alerts/check", async (ReorderStore s, CancellationToken ct) => TypedResults.Ok(await s.CheckAsync(ct).ConfigureAwait(false)));
        read.MapGet("/purchase-orders", async (HttpContext http, string? status, PurchaseOrderStore s, CancellationToken ct) =>
        {
            var page = PageRequest.From(http);
            return TypedResults.Ok(await s.ListAsync(status, null, page.Offset, page.Limit, ct).ConfigureAwait(false));
        });
        read.MapGet("/purchase-orders/{id}", async (Guid id, PurchaseOrderStore orders, CancellationToken ct) =>
            TypedResults.Ok(await orders.GetAsync(id, ct).ConfigureAwait(false) ?? throw new NotFoundException($"purchase order '{id}'")));
        write.MapPost("/purchase-orders", CreateOrderAsync);
        write.MapPost("/purchase-orders/from-alerts", FromAlertsAsync);
        write.MapPost("/purchase-orders/{id}/send", SendOrderAsync);
        write.MapPost("/purchase-orders/{id}/cancel", CancelOrderAsync);
        read.MapGet("/purchase-orders/{id}/receipts", async (Guid id, ReceiptStore s, CancellationToken ct) => TypedResults.Ok(await s.ListAsync(id, null, 0, 500, ct).ConfigureAwait(false)));
        read.MapGet("/receipts", async (HttpContext http, Guid? purchaseOrderId, Guid? ediFileId, ReceiptStore s, CancellationToken ct) =>
        {
            var page = PageRequest.From(http);
            return TypedResults.Ok(await s.ListAsync(purchaseOrderId, ediFileId, page.Offset, page.Limit, ct).ConfigureAwait(false));
        });
        read.MapGet("/receipts/{id:guid}", async (Guid id, ReceiptStore s, CancellationToken ct) =>
            TypedResults.Ok(await s.GetAsync(id, ct).ConfigureAwait(false) ?? throw new NotFoundException($"receipt '{id}'")));
        write.MapPost("/imports/devices", ImportDevicesAsync);
        write.MapPost("/imports/stock-take", ImportStockTakeAsync);
        read.MapGet("/exports/devices.csv", ExportDevicesAsync);
        read.MapGet("/exports/stock-levels.csv", ExportStockLevelsAsync);
    }

    [JsonBody<ModelIn>]
    private static async Task<Ok<EquipmentModel>> PutModelAsync(string code, HttpContext http, InventoryStore store, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<ModelIn>(http, ct).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(body.Kind) || !EquipmentKind.All.Contains(body.Kind, StringComparer.Ordinal))
        {
            throw new RequestInvalidException("kind", $"must be one of {string.Join(", ", EquipmentKind.All)}");
        }

        if (string.IsNullOrWhiteSpace(body.Name))
        {
            throw new RequestInvalidException("name", "is required");
        }

        Guid? supplier = null;
        if (body.Supplier is { Length: > 0 } supplierCode)
        {
            supplier = (await store.ListSuppliersAsync(ct).ConfigureAwait(false)).FirstOrDefault(s => s.Code == supplierCode)?.Id
                ?? throw new RequestInvalidException("supplier", $"supplier '{supplierCode}' does not exist");
        }

        if (body.UnitPrice is < 0)
        {
            throw new RequestInvalidException("unitPrice", "must not be negative");
        }

        return TypedResults.Ok(await InventoryApi.AtAsync("$", () => store.UpsertModelAsync(new EquipmentModel(code, body.Kind, body.Name, body.Manufacturer ?? "", body.Serialized ?? true,
            supplier, body.SupplierPart, body.Gtin, body.UnitPrice ?? 0, body.Currency ?? "INR", body.Unit ?? "EA"), ct)).ConfigureAwait(false));
    }

    [JsonBody<SupplierIn>]
    private static async Task<Ok<Supplier>> PutSupplierAsync(string code, HttpContext http, InventoryStore store, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<SupplierIn>(http, ct).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(body.X12Id) || body.X12Id.Length > 15)
        {
            throw new RequestInvalidException("x12Id", "is required, at most 15 characters (ISA06/ISA08)");
        }

        if (body.Currency is not { Length: 3 })
        {
            throw new RequestInvalidException("currency", "must be an ISO 4217 code such as INR");
        }

        var existing = (await store.ListSuppliersAsync(ct).ConfigureAwait(false)).FirstOrDefault(s => s.Code == code);
        return TypedResults.Ok(await InventoryApi.AtAsync("$", () => store.UpsertSupplierAsync(new Supplier(existing?.Id ?? Guid.CreateVersion7(), code, body.Name ?? code,
            body.X12Qualifier ?? "ZZ", body.X12Id, body.EdifactId, body.Currency), ct)).ConfigureAwait(false));
    }

    [JsonBody<LocationIn>]
    private static async Task<Ok<StockLocation>> PutLocationAsync(string code, HttpContext http, InventoryStore store, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<LocationIn>(http, ct).ConfigureAwait(false);
        return TypedResults.Ok(await InventoryApi.AtAsync("kind", () => store.UpsertLocationAsync(code, body.Name ?? code, body.Kind ?? "", body.CustomerId, ct)).ConfigureAwait(false));
    }

    private static async Task<Ok<IReadOnlyList<StockLevel>>> StockLevelsAsync(string? model, string? location, InventoryStore store, CancellationToken ct)
    {
        Guid? locationId = null;
        if (location is not null)
        {
            locationId = (await store.FindLocationAsync(location, ct).ConfigureAwait(false))?.Id
                ?? throw new RequestInvalidException("location", $"location '{location}' does not exist");
        }

        return TypedResults.Ok(await store.GetStockLevelsAsync(model, locationId, ct).ConfigureAwait(false));
    }

    private static async Task<InventoryItem> DeviceAsync(string id, InventoryStore store, CancellationToken ct) =>
        await (Guid.TryParse(id, out var guid) ? store.GetItemAsync(guid, ct) : store.GetItemBySerialAsync(id, ct)).ConfigureAwait(false)
        ?? throw new NotFoundException($"device '{id}'");

    [JsonBody<MoveIn>]
    private static async Task<Ok<ResourceResource>> MoveAsync(string id, HttpContext http, InventoryStore store, CancellationToken ct)
    {
        var device = await DeviceAsync(id, store, ct).ConfigureAwait(false);
        var body = await ApiRequest.ReadJsonAsync<MoveIn>(http, ct).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(body.ToLocation) || await store.FindLocationAsync(body.ToLocation, ct).ConfigureAwait(false) is not { } location)
        {
            throw new RequestInvalidException("toLocation", $"location '{body.ToLocation}' does not exist");
        }

        if (string.IsNullOrWhiteSpace(body.Reason))
        {
            throw new RequestInvalidException("reason", "say why the device moves");
        }

        return TypedResults.Ok(ResourceInventoryEndpoints.ToResource(await InventoryApi.AtAsync("toLocation",
            () => store.MoveAsync(device.Id, location.Id, new InventoryActor(HubPrincipal.Actor(http), body.Reason), ct)).ConfigureAwait(false)));
    }

    [JsonBody<PairIn>]
    private static async Task<Ok<ResourceResource>> PairAsync(HttpContext http, InventoryStore store, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<PairIn>(http, ct).ConfigureAwait(false);
        var errors = new RequestErrors();
        if (string.IsNullOrWhiteSpace(body.StbSerialNumber))
        {
            errors.Add("stbSerialNumber", "is required");
        }

        if (string.IsNullOrWhiteSpace(body.CardSerialNumber))
        {
            errors.Add("cardSerialNumber", "is required");
        }

        errors.ThrowIfAny();
        await InventoryApi.AtAsync("cardSerialNumber", async () =>
        {
            await store.PairAsync(body.StbSerialNumber!, body.CardSerialNumber!, new InventoryActor(HubPrincipal.Actor(http), body.Reason ?? "paired"), ct).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        return TypedResults.Ok(ResourceInventoryEndpoints.ToResource((await store.GetItemBySerialAsync(body.StbSerialNumber!, ct).ConfigureAwait(false))!));
    }

    private static async Task<Ok<UnpairedResource>> UnpairAsync(string stbSerial, string? reason, HttpContext http, InventoryStore store, CancellationToken ct)
    {
        var card = await InventoryApi.AtAsync("stbSerial", () => store.UnpairAsync(stbSerial, new InventoryActor(HubPrincipal.Actor(http), reason ?? "unpaired"), ct)).ConfigureAwait(false);
        return TypedResults.Ok(new UnpairedResource(stbSerial, card));
    }

    [JsonBody<ReplaceCardIn>]
    private static async Task<Ok<ResourceResource>> ReplaceCardAsync(string stbSerial, HttpContext http, InventoryStore store, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<ReplaceCardIn>(http, ct).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(body.NewCardSerialNumber))
        {
            throw new RequestInvalidException("newCardSerialNumber", "is required");
        }

        if (body.OldCardStatus is { } s && !DeviceLifecycle.IsStatus(s))
        {
            throw new RequestInvalidException("oldCardStatus", $"'{s}' is not one of {string.Join(", ", DeviceLifecycle.Statuses)}");
        }

        await InventoryApi.AtAsync("newCardSerialNumber", async () =>
        {
            await store.ReplaceCardAsync(stbSerial, body.NewCardSerialNumber, body.OldCardStatus, new InventoryActor(HubPrincipal.Actor(http), body.Reason ?? "card replaced"), ct).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        return TypedResults.Ok(ResourceInventoryEndpoints.ToResource((await store.GetItemBySerialAsync(stbSerial, ct).ConfigureAwait(false))!));
    }

    [JsonBody<ReorderPointIn>]
    private static async Task<Ok<ReorderPoint>> PutReorderPointAsync(HttpContext http, InventoryStore store, ReorderStore reorder, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<ReorderPointIn>(http, ct).ConfigureAwait(false);
        if (await store.FindLocationAsync(body.Location ?? "", ct).ConfigureAwait(false) is not { } location)
        {
            throw new RequestInvalidException("location", $"location '{body.Location}' does not exist");
        }

        if (body.MinQuantity is not >= 0)
        {
            throw new RequestInvalidException("minQuantity", "is required, 0 or more");
        }

        if (body.ReorderQuantity is not > 0)
        {
            throw new RequestInvalidException("reorderQuantity", "is required, 1 or more");
        }

        return TypedResults.Ok(await InventoryApi.AtAsync("model",
            () => reorder.SetReorderPointAsync(body.Model ?? "", location.Id, body.MinQuantity.Value, body.ReorderQuantity.Value, ct)).ConfigureAwait(false));
    }

    [JsonBody<PurchaseOrderIn>]
    private static async Task<Created<PurchaseOrderInfo>> CreateOrderAsync(HttpContext http, InventoryStore store, PurchaseOrderStore orders, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<PurchaseOrderIn>(http, ct).ConfigureAwait(false);
        var supplier = (await store.ListSuppliersAsync(ct).ConfigureAwait(false)).FirstOrDefault(s => s.Code == body.Supplier || s.Id.ToString() == body.Supplier)
            ?? throw new RequestInvalidException("supplier", $"supplier '{body.Supplier}' does not exist");
        if (await store.FindLocationAsync(body.ShipTo ?? "", ct).ConfigureAwait(false) is not { } location)
        {
            throw new RequestInvalidException("shipTo", $"location '{body.ShipTo}' does not exist");
        }

        if (body.Lines is not { Count: > 0 } lines)
        {
            throw new RequestInvalidException("lines", "at least one line (model, quantity) is required");
        }

        for (var i = 0; i < lines.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i].Model))
            {
                throw new RequestInvalidException($"lines[{i}].model", "is required");
            }

            if (lines[i].Quantity is not > 0)
            {
                throw new RequestInvalidException($"lines[{i}].quantity", "must be a positive whole number");
            }
        }

        var po = await InventoryApi.AtAsync("lines", () => orders.CreateAsync(
            new NewPurchaseOrder(supplier.Id, location.Id, lines.Select(l => new NewPurchaseOrderLine(l.Model!, l.Quantity!.Value) { UnitPrice = l.UnitPrice }).ToList())
            {
                RequestedDelivery = body.RequestedDelivery,
            }, new InventoryActor(HubPrincipal.Actor(http), "purchase order"), ct)).ConfigureAwait(false);
        return TypedResults.Created($"{BasePath}/purchase-orders/{po.Id}", po);
    }

    private static async Task<Ok<FromAlertsResource>> FromAlertsAsync(HttpContext http, PurchaseOrderStore orders, CancellationToken ct)
    {
        var (created, skipped) = await orders.CreateFromOpenAlertsAsync(new InventoryActor(HubPrincipal.Actor(http), "low stock"), ct).ConfigureAwait(false);
        return TypedResults.Ok(new FromAlertsResource(created, skipped));
    }

    private static async Task<Ok<SentResource>> SendOrderAsync(Guid id, HttpContext http, PurchaseOrderSender sender, PurchaseOrderStore orders, CancellationToken ct)
    {
        var file = await InventoryApi.AtAsync("status", () => sender.SendAsync(id, new InventoryActor(HubPrincipal.Actor(http), "sent to supplier"), ct)).ConfigureAwait(false);
        return TypedResults.Ok(new SentResource(await orders.GetAsync(id, ct).ConfigureAwait(false), $"/api/edi/outbound/{file}"));
    }

    private static async Task<Ok<PurchaseOrderInfo>> CancelOrderAsync(Guid id, string? reason, HttpContext http, PurchaseOrderStore orders, CancellationToken ct) =>
        TypedResults.Ok(await InventoryApi.AtAsync("status", () => orders.CancelAsync(id, new InventoryActor(HubPrincipal.Actor(http), reason ?? "cancelled"), ct)).ConfigureAwait(false));

    [RawBody("text/csv")]
    private static async Task<Ok<DeviceImportResult>> ImportDevicesAsync(HttpContext http, InventoryImportStore imports, CancellationToken ct)
    {
        var (rows, errors) = await ReadCsvAsync(http, InventoryCsv.ReadDevices, ct).ConfigureAwait(false);
        var result = await imports.ImportDevicesAsync(rows, new InventoryActor(HubPrincipal.Actor(http), "device list import"), errors, ct).ConfigureAwait(false);
        return result.Succeeded ? TypedResults.Ok(result) : throw LineErrors(result.Errors, "The device list was not imported");
    }

    [RawBody("text/csv")]
    private static async Task<Ok<StockTakeResult>> ImportStockTakeAsync(string? location, HttpContext http, InventoryStore store, InventoryImportStore imports, CancellationToken ct)
    {
        if (await store.FindLocationAsync(location ?? "", ct).ConfigureAwait(false) is not { } place)
        {
            throw new RequestInvalidException("location", $"location '{location}' does not exist (query parameter ?location=CODE)");
        }

        var (rows, errors) = await ReadCsvAsync(http, InventoryCsv.ReadStockTake, ct).ConfigureAwait(false);
        var result = await imports.ApplyStockTakeAsync(place.Id, "upload", rows, new InventoryActor(HubPrincipal.Actor(http), "stock take"), errors, ct).ConfigureAwait(false);
        return result.Succeeded ? TypedResults.Ok(result) : throw LineErrors(result.Errors, "The stock take was not applied");
    }

    private static async Task<(IReadOnlyList<T> Rows, IReadOnlyList<ImportError> Errors)> ReadCsvAsync<T>(HttpContext http, Func<Stream, (IReadOnlyList<T>, IReadOnlyList<ImportError>)> read, CancellationToken ct)
    {
        // CsvHelper's reader is synchronous here: buffer the upload first (Kestrel forbids synchronous body reads).
        var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, ct).ConfigureAwait(false);
        buffer.Position = 0;
        return read(buffer);
    }

    /// <summary>CSV errors by line (400; nothing was changed).</summary>
    private static RequestInvalidException LineErrors(IReadOnlyList<ImportError> errors, string title) =>
        new(errors.Select(e => new DomainError("", $"{e.Field}: {e.Message}", $"line {e.LineNumber}")).ToList(), title + "; nothing was changed");

    private static async Task<FileContentHttpResult> ExportDevicesAsync(string? location, string? status, InventoryStore store, InventoryImportStore imports, CancellationToken ct)
    {
        Guid? locationId = location is null ? null : (await store.FindLocationAsync(location, ct).ConfigureAwait(false))?.Id;
        if (location is not null && locationId is null)
        {
            throw new RequestInvalidException("location", $"location '{location}' does not exist");
        }

        var rows = await imports.ExportDevicesAsync(locationId, status, ct).ConfigureAwait(false);
        var output = new MemoryStream();
        InventoryCsv.WriteDevices(output, rows);
        return TypedResults.File(output.ToArray(), "text/csv", "devices.csv");
    }

    private static async Task<FileContentHttpResult> ExportStockLevelsAsync(InventoryStore store, CancellationToken ct)
    {
        var output = new MemoryStream();
        InventoryCsv.WriteStockLevels(output, await store.GetStockLevelsAsync(null, null, ct).ConfigureAwait(false));
        return TypedResults.File(output.ToArray(), "text/csv", "stock-levels.csv");
    }
}

public sealed record UnpairedResource(string StbSerialNumber, string? UnpairedCard);

public sealed record FromAlertsResource(IReadOnlyList<PurchaseOrderInfo> Created, IReadOnlyList<StockAlert> Skipped);

public sealed record SentResource(PurchaseOrderInfo? PurchaseOrder, string EdiFile);

public sealed record ModelIn(string? Kind, string? Name, string? Manufacturer, bool? Serialized, string? Supplier, string? SupplierPart, string? Gtin, decimal? UnitPrice, string? Currency, string? Unit);

public sealed record SupplierIn(string? Name, string? X12Qualifier, string? X12Id, string? EdifactId, string? Currency);

public sealed record LocationIn(string? Name, string? Kind, Guid? CustomerId);

public sealed record MoveIn(string? ToLocation, string? Reason);

public sealed record PairIn(string? StbSerialNumber, string? CardSerialNumber, string? Reason);

public sealed record ReplaceCardIn(string? NewCardSerialNumber, string? OldCardStatus, string? Reason);

public sealed record ReorderPointIn(string? Model, string? Location, int? MinQuantity, int? ReorderQuantity);

public sealed record PurchaseOrderIn(string? Supplier, string? ShipTo, DateOnly? RequestedDelivery, IReadOnlyList<PurchaseOrderLineIn>? Lines);

public sealed record PurchaseOrderLineIn(string? Model, int? Quantity, decimal? UnitPrice);
