using System.Globalization;
using CableHub.Connectors.Edi.ShipNotices;

namespace CableHub.Connectors.Edi.Receipts;

/// <summary>
/// Reconciles a ship notice against purchase orders — a pure function: no I/O, same inputs give the same report.
/// Items are matched to PO lines by model code (any of the item's identifiers against the line's model code and
/// alternate codes, case-insensitive); quantities are summed per line; serial numbers are checked for duplicates
/// (within the notice and against earlier receipts), for being announced (when the line lists expected serials)
/// and against the item quantity.
/// </summary>
public static class ReceiptReconciler
{
    public static ReceiptReport Reconcile(PurchaseOrderExpectation order, ShipNotice notice)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(notice);
        var items = notice.Orders
            .Where(o => SameCode(o.PurchaseOrderNumber, order.PurchaseOrderNumber))
            .SelectMany(o => o.Packages.SelectMany(p => p.Items.Select(i => (Package: p, Item: i))));
        return Reconcile(order, notice.ShipmentId, items);
    }

    /// <summary>Reconciles against several purchase orders; orders of the notice that match none are reported as unknown.</summary>
    public static ShipNoticeReconciliation Reconcile(IEnumerable<PurchaseOrderExpectation> orders, ShipNotice notice)
    {
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(notice);
        var list = orders.ToList();
        var reports = list.Select(o => Reconcile(o, notice)).ToList();
        var unmatched = notice.Orders
            .Where(o => !list.Any(e => SameCode(o.PurchaseOrderNumber, e.PurchaseOrderNumber)))
            .Select(o => new ReceiptDiscrepancy(ReceiptDiscrepancyKind.UnknownPurchaseOrder,
                $"ship notice {notice.ShipmentId} ships {o.Packages.Sum(p => p.Items.Sum(i => i.Quantity ?? 0)).ToString(CultureInfo.InvariantCulture)} units " +
                $"against purchase order {o.PurchaseOrderNumber ?? "(none given)"}, which is not expected")
            {
                PurchaseOrderNumber = o.PurchaseOrderNumber,
                Quantity = o.Packages.Sum(p => p.Items.Sum(i => i.Quantity ?? 0)),
            })
            .ToList();
        return new ShipNoticeReconciliation(reports, unmatched);
    }

    private static ReceiptReport Reconcile(PurchaseOrderExpectation order, string shipmentId, IEnumerable<(ShipNoticePackage Package, ShipNoticeItem Item)> items)
    {
        var po = order.PurchaseOrderNumber;
        var lines = order.Lines.Select(l => new LineState(l)).ToList();
        var discrepancies = new List<ReceiptDiscrepancy>();
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var earlier = new HashSet<string>(order.AlreadyReceivedSerials.Select(s => s.Trim()), StringComparer.OrdinalIgnoreCase);

        foreach (var (package, item) in items)
        {
            var quantity = item.Quantity ?? item.SerialNumbers.Count;
            var line = Match(lines, item, quantity);
            if (line is null)
            {
                discrepancies.Add(new ReceiptDiscrepancy(ReceiptDiscrepancyKind.WrongModel,
                    $"PO {po}: model {Show(item)} ({Qty(quantity)} {item.Unit ?? "units"}{InPackage(package)}) is not on the purchase order")
                {
                    PurchaseOrderNumber = po,
                    ModelCode = item.ModelCode,
                    Sscc = package.Sscc,
                    Quantity = quantity,
                });
                continue;
            }

            line.Shipped += quantity;
            if (item.SerialNumbers.Count > 0 && item.SerialNumbers.Count != quantity)
            {
                discrepancies.Add(new ReceiptDiscrepancy(ReceiptDiscrepancyKind.SerialCountMismatch,
                    $"PO {po}: model {line.Expectation.ModelCode}{InPackage(package)} ships {Qty(quantity)} units with {item.SerialNumbers.Count} serial numbers")
                {
                    PurchaseOrderNumber = po,
                    ModelCode = line.Expectation.ModelCode,
                    Sscc = package.Sscc,
                    Quantity = quantity,
                });
            }

            foreach (var raw in item.SerialNumbers)
            {
                var serial = raw.Trim();
                if (earlier.Contains(serial))
                {
                    discrepancies.Add(Serial(ReceiptDiscrepancyKind.DuplicateSerial, po, line, package, serial,
                        $"PO {po}: serial {serial} (model {line.Expectation.ModelCode}) was already received on an earlier receipt"));
                    continue;
                }

                if (!seen.TryAdd(serial, line.Expectation.ModelCode))
                {
                    discrepancies.Add(Serial(ReceiptDiscrepancyKind.DuplicateSerial, po, line, package, serial,
                        $"PO {po}: serial {serial} appears more than once in ship notice {shipmentId}"));
                    continue;
                }

                if (line.ExpectedSerials is { } expected && !expected.Contains(serial))
                {
                    discrepancies.Add(Serial(ReceiptDiscrepancyKind.UnknownSerial, po, line, package, serial,
                        $"PO {po}: serial {serial} is not among the serial numbers expected for model {line.Expectation.ModelCode}"));
                }

                line.Serials.Add(serial);
            }
        }

        var receiptLines = new List<ReceiptLine>(lines.Count);
        foreach (var line in lines)
        {
            var e = line.Expectation;
            var total = e.AlreadyReceivedQuantity + line.Shipped;
            var status = total == e.OrderedQuantity ? ReceiptLineStatus.Received : total < e.OrderedQuantity ? ReceiptLineStatus.Short : ReceiptLineStatus.Over;
            receiptLines.Add(new ReceiptLine(e.ModelCode, e.OrderedQuantity, e.AlreadyReceivedQuantity, line.Shipped, status, line.Serials));
            if (status == ReceiptLineStatus.Short)
            {
                discrepancies.Add(new ReceiptDiscrepancy(ReceiptDiscrepancyKind.Short,
                    $"PO {po}: model {e.ModelCode} is short by {Qty(e.OrderedQuantity - total)} (ordered {Qty(e.OrderedQuantity)}, received {Qty(total)})")
                {
                    PurchaseOrderNumber = po,
                    ModelCode = e.ModelCode,
                    Quantity = e.OrderedQuantity - total,
                });
            }
            else if (status == ReceiptLineStatus.Over)
            {
                discrepancies.Add(new ReceiptDiscrepancy(ReceiptDiscrepancyKind.Over,
                    $"PO {po}: model {e.ModelCode} is over by {Qty(total - e.OrderedQuantity)} (ordered {Qty(e.OrderedQuantity)}, received {Qty(total)})")
                {
                    PurchaseOrderNumber = po,
                    ModelCode = e.ModelCode,
                    Quantity = total - e.OrderedQuantity,
                });
            }
        }

        return new ReceiptReport(po, shipmentId, receiptLines, discrepancies);
    }

    /// <summary>The first matching line that still has room, else the first matching line.</summary>
    private static LineState? Match(List<LineState> lines, ShipNoticeItem item, decimal quantity)
    {
        LineState? first = null;
        foreach (var line in lines)
        {
            if (!line.Matches(item))
            {
                continue;
            }

            first ??= line;
            if (line.Expectation.AlreadyReceivedQuantity + line.Shipped + quantity <= line.Expectation.OrderedQuantity)
            {
                return line;
            }
        }

        return first;
    }

    private static ReceiptDiscrepancy Serial(ReceiptDiscrepancyKind kind, string po, LineState line, ShipNoticePackage package, string serial, string message) =>
        new(kind, message)
        {
            PurchaseOrderNumber = po,
            ModelCode = line.Expectation.ModelCode,
            SerialNumber = serial,
            Sscc = package.Sscc,
        };

    private static bool SameCode(string? a, string? b) =>
        a is not null && b is not null && string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);

    private static string Show(ShipNoticeItem item) => item.ModelCode.Length > 0 ? item.ModelCode : string.Join('/', item.Identifiers.Select(i => i.Value));

    private static string InPackage(ShipNoticePackage package) => package.Sscc is null ? "" : $" in package {package.Sscc}";

    private static string Qty(decimal value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private sealed class LineState(PurchaseOrderLineExpectation expectation)
    {
        private readonly string[] _codes = [expectation.ModelCode.Trim(), .. expectation.AlternateCodes.Select(c => c.Trim())];

        public PurchaseOrderLineExpectation Expectation { get; } = expectation;

        public HashSet<string>? ExpectedSerials { get; } =
            expectation.ExpectedSerials is { Count: > 0 } s ? new HashSet<string>(s.Select(x => x.Trim()), StringComparer.OrdinalIgnoreCase) : null;

        public decimal Shipped { get; set; }

        public List<string> Serials { get; } = [];

        public bool Matches(ShipNoticeItem item)
        {
            foreach (var id in item.Identifiers)
            {
                if (id.Kind != ItemIdentifierKind.SerialNumber && _codes.Contains(id.Value.Trim(), StringComparer.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return item.Identifiers.Count == 0 && _codes.Contains(item.ModelCode.Trim(), StringComparer.OrdinalIgnoreCase);
        }
    }
}
