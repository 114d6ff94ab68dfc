using System.Globalization;
using CableHub.Connectors.Edi.Receipts;
using CableHub.Connectors.Edi.ShipNotices;

namespace CableHub.Inventory.Edi;

/// <summary>Between the EDI connector's neutral receipt model and the inventory's receipts.</summary>
public static class ReceiptMapping
{
    /// <summary>
    /// What the reconciler expects of a purchase order: each line under the supplier's part number (our model code
    /// and the GTIN match too), quantities already received, the serials announced for the order (ordered / in
    /// transit devices: any other serial of that model is unknown), and serials that already exist (duplicates).
    /// </summary>
    public static PurchaseOrderExpectation ToExpectation(PurchaseOrderExpectationData data, IReadOnlySet<string> existingSerials)
    {
        ArgumentNullException.ThrowIfNull(data);
        var lines = data.Lines.Select(l =>
        {
            var announced = data.AnnouncedSerials.Where(s => s.ModelCode == l.ModelCode).Select(s => s.SerialNumber).ToList();
            return new PurchaseOrderLineExpectation(l.SupplierPart ?? l.ModelCode, l.Quantity)
            {
                AlreadyReceivedQuantity = l.ReceivedQuantity,
                AlternateCodes = new[] { l.ModelCode, l.Gtin }.OfType<string>().ToList(),
                ExpectedSerials = announced.Count > 0 ? announced : null,
            };
        }).ToList();
        return new PurchaseOrderExpectation(data.Order.Number, lines) { AlreadyReceivedSerials = existingSerials.ToList() };
    }

    /// <summary>The reconciler's report as a receipt to record: lines by PO line, discrepancies, serials of serialised models.</summary>
    public static ReceiptToApply ToReceipt(PurchaseOrderExpectationData data, ReceiptReport report, ShipNotice notice)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(notice);
        var lines = new List<ReceiptLineToApply>();
        var serials = new List<ReceivedSerial>();
        var discrepancies = report.Discrepancies.Select(d => new ReceiptDiscrepancyRecord(
            Kind(d.Kind), d.Message, OurModel(data, d.ModelCode), d.SerialNumber, d.Sscc, d.Quantity is { } q ? (int)decimal.Round(q) : null)).ToList();
        for (var i = 0; i < report.Lines.Count; i++)
        {
            var line = report.Lines[i];
            var po = data.Lines[i];
            lines.Add(new ReceiptLineToApply(po.LineNumber, po.ModelCode, Int(line.Ordered), Int(line.PreviouslyReceived), Int(line.Shipped), line.Status.ToString().ToLowerInvariant()));
            if (po.Serialized)
            {
                serials.AddRange(line.SerialNumbers.Select(s => new ReceivedSerial(s, po.ModelCode)));
                if (line.Shipped > line.SerialNumbers.Count && !report.Discrepancies.Any(d => d.Kind is ReceiptDiscrepancyKind.SerialCountMismatch or ReceiptDiscrepancyKind.DuplicateSerial && OurModel(data, d.ModelCode) == po.ModelCode))
                {
                    var missing = Int(line.Shipped) - line.SerialNumbers.Count;
                    discrepancies.Add(new ReceiptDiscrepancyRecord(ReceiptDiscrepancyKinds.SerialCountMismatch,
                        string.Create(CultureInfo.InvariantCulture, $"PO {data.Order.Number}: model {po.ModelCode} ships {Int(line.Shipped)} units but only {line.SerialNumbers.Count} serial numbers; {missing} serialised unit(s) cannot be put in stock"),
                        po.ModelCode, null, null, missing));
                }
            }
        }

        if (!PurchaseOrderStatus.IsOpen(data.Order.Status) && data.Order.Status != PurchaseOrderStatus.Received)
        {
            discrepancies.Insert(0, new ReceiptDiscrepancyRecord(ReceiptDiscrepancyKinds.PurchaseOrderNotOpen,
                $"PO {data.Order.Number} is {data.Order.Status}; ship notice {notice.ShipmentId} was not expected against it", null, null, null, null));
        }

        return new ReceiptToApply(data.Order.Id, data.Order.Number, notice.ShipmentId, notice.SourceFormat, data.Order.ShipToLocationId, lines, discrepancies, serials);
    }

    /// <summary>An order of the notice that names no known purchase order: a receipt with only its discrepancy.</summary>
    public static ReceiptToApply Unmatched(ShipNotice notice, ShipNoticeOrder order, Guid locationId)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentNullException.ThrowIfNull(order);
        var quantity = order.Packages.Sum(p => p.Items.Sum(i => i.Quantity ?? i.SerialNumbers.Count));
        var message = string.Create(CultureInfo.InvariantCulture,
            $"ship notice {notice.ShipmentId} ships {quantity:0.####} units against purchase order {order.PurchaseOrderNumber ?? "(none given)"}, which does not exist; nothing was put in stock");
        return new ReceiptToApply(null, order.PurchaseOrderNumber, notice.ShipmentId, notice.SourceFormat, locationId, [],
            [new ReceiptDiscrepancyRecord(ReceiptDiscrepancyKinds.UnknownPurchaseOrder, message, null, null, null, Int(quantity))], []);
    }

    public static string Kind(ReceiptDiscrepancyKind kind) => kind switch
    {
        ReceiptDiscrepancyKind.Short => ReceiptDiscrepancyKinds.Short,
        ReceiptDiscrepancyKind.Over => ReceiptDiscrepancyKinds.Over,
        ReceiptDiscrepancyKind.UnknownSerial => ReceiptDiscrepancyKinds.UnknownSerial,
        ReceiptDiscrepancyKind.WrongModel => ReceiptDiscrepancyKinds.WrongModel,
        ReceiptDiscrepancyKind.DuplicateSerial => ReceiptDiscrepancyKinds.DuplicateSerial,
        ReceiptDiscrepancyKind.SerialCountMismatch => ReceiptDiscrepancyKinds.SerialCountMismatch,
        ReceiptDiscrepancyKind.UnknownPurchaseOrder => ReceiptDiscrepancyKinds.UnknownPurchaseOrder,
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>Our model code for the supplier's code the reconciler reports (unchanged when it is not on the order: wrong model).</summary>
    private static string? OurModel(PurchaseOrderExpectationData data, string? code) =>
        code is null ? null : data.Lines.FirstOrDefault(l => string.Equals(l.SupplierPart ?? l.ModelCode, code, StringComparison.OrdinalIgnoreCase))?.ModelCode ?? code;

    private static int Int(decimal value) => (int)decimal.Round(value, MidpointRounding.AwayFromZero);
}
