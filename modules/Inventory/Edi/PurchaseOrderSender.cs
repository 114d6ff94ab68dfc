using System.Globalization;
using CableHub.Connectors.Edi.PurchaseOrders;
using CableHub.Connectors.Edi.X12;
using Dapper;
using Npgsql;
using EdiPurchaseOrder = CableHub.Connectors.Edi.PurchaseOrders.PurchaseOrder;
using Microsoft.Extensions.Logging;

namespace CableHub.Inventory.Edi;

/// <summary>
/// Sends a draft purchase order to its supplier as an X12 850: control numbers from PostgreSQL sequences, the 850
/// kept in <c>hub.edi_outbound</c> and the order marked sent in ONE transaction; then written to the outbox folder.
/// </summary>
public sealed class PurchaseOrderSender(NpgsqlDataSource dataSource, EdiOptions options, TimeProvider clock, ILogger<PurchaseOrderSender> logger)
{
    /// <summary>Returns the outbound file id of the 850.</summary>
    public async Task<Guid> SendAsync(Guid purchaseOrderId, InventoryActor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        Guid fileId;
        await using (var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false))
        {
            await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
            await conn.ExecuteAsync(new CommandDefinition("SELECT 1 FROM hub.purchase_order WHERE id = @purchaseOrderId FOR UPDATE", new { purchaseOrderId }, tx, cancellationToken: ct)).ConfigureAwait(false);
            var po = await PurchaseOrderStore.LoadAsync(conn, tx, purchaseOrderId, ct).ConfigureAwait(false)
                ?? throw new InventoryNotFoundException($"purchase order {purchaseOrderId} does not exist");
            if (po.Status != PurchaseOrderStatus.Draft)
            {
                throw new InventoryConflictException($"purchase order {po.Number} is {po.Status}; only a draft can be sent");
            }

            var supplier = await conn.QuerySingleAsync<Supplier>(new CommandDefinition(
                "SELECT id, code, name, x12_qualifier, x12_id, edifact_id, currency FROM hub.supplier WHERE id = @id", new { id = po.SupplierId }, tx, cancellationToken: ct)).ConfigureAwait(false);
            var location = await conn.QuerySingleAsync<(string Code, string Name)>(new CommandDefinition(
                "SELECT code, name FROM hub.stock_location WHERE id = @id", new { id = po.ShipToLocationId }, tx, cancellationToken: ct)).ConfigureAwait(false);
            var models = (await conn.QueryAsync<EquipmentModel>(new CommandDefinition(
                "SELECT code, kind, name, manufacturer, serialized, supplier_id, supplier_part, gtin, unit_price, currency, unit FROM hub.equipment_model WHERE code = ANY(@codes)",
                new { codes = po.Lines.Select(l => l.ModelCode).ToArray() }, tx, cancellationToken: ct)).ConfigureAwait(false)).ToDictionary(m => m.Code, StringComparer.Ordinal);
            var (isa, gs) = await EdiFileStore.NextControlNumbersAsync(conn, tx, ct).ConfigureAwait(false);
            var envelope = new X12EnvelopeOptions(options.X12Qualifier, options.X12Id, supplier.X12Qualifier, supplier.X12Id, isa, gs, clock.GetUtcNow())
            {
                UsageIndicator = options.UsageIndicator,
                AcknowledgmentRequested = false,
            };
            var bytes = X12PurchaseOrderWriter.ToBytes(ToEdi(po, supplier, location, models, options, envelope.Delimiters), envelope);
            var name = string.Create(CultureInfo.InvariantCulture, $"850_{EdiIntake.Safe(supplier.Code)}_{po.Number}_{isa:D9}.x12");
            fileId = await EdiFileStore.AddOutboundAsync(conn, tx, "850", supplier.Id, po.Id, null, isa, name, bytes, ct).ConfigureAwait(false);
            await PurchaseOrderStore.TransitionAsync(conn, tx, po.Id, PurchaseOrderStatus.Sent, actor, ct).ConfigureAwait(false);
            await InventorySession.RecordEventAsync(conn, tx, "PurchaseOrderSent", po.Id.ToString(),
                new { purchaseOrderId = po.Id, po.Number, supplier = supplier.Code, interchangeControlNumber = isa, file = name }, ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            logger.LogInformation("Purchase order {Number} sent to {Supplier} as 850 {File}", po.Number, supplier.Code, name);
        }

        try
        {
            await new EdiFileStore(dataSource).ExportPendingAsync(options.OutboxDirectory, ct).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            logger.LogWarning(ex, "Could not write the EDI outbox folder {Folder}; will retry", options.OutboxDirectory);
        }

        return fileId;
    }

    /// <summary>The inventory's purchase order in the connector's neutral shape (supplier part as VP, our code as BP).</summary>
    public static EdiPurchaseOrder ToEdi(PurchaseOrderInfo po, Supplier supplier, (string Code, string Name) shipTo, IReadOnlyDictionary<string, EquipmentModel> models, EdiOptions options, X12Delimiters delimiters)
    {
        ArgumentNullException.ThrowIfNull(po);
        ArgumentNullException.ThrowIfNull(supplier);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(options);
        string Clean(string value) => new(value.Select(c => c == delimiters.Element || c == delimiters.Segment || c == delimiters.Component || c == delimiters.Repetition ? ' ' : c).ToArray());
        var lines = po.Lines.Select(l =>
        {
            var model = models[l.ModelCode];
            return new PurchaseOrderLine(l.LineNumber.ToString(CultureInfo.InvariantCulture), Clean(model.SupplierPart ?? model.Code), l.Quantity, model.Unit, l.UnitPrice)
            {
                BuyerPartNumber = Clean(model.Code),
                Gtin = model.Gtin,
                Description = Clean(model.Name),
            };
        }).ToList();
        return new EdiPurchaseOrder(po.Number, po.OrderDate, po.Currency,
            [
                new PurchaseOrderParty("BY", Clean(options.BuyerName)) { IdQualifier = "92", Id = Clean(options.X12Id) },
                new PurchaseOrderParty("ST", Clean(shipTo.Name)) { IdQualifier = "92", Id = Clean(shipTo.Code) },
                new PurchaseOrderParty("VN", Clean(supplier.Name)) { IdQualifier = "92", Id = Clean(supplier.Code) },
            ],
            lines)
        {
            RequestedDeliveryDate = po.RequestedDelivery,
        };
    }
}
