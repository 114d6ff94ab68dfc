using CableHub.Connectors.Edi.Receipts;
using CableHub.Connectors.Edi.ShipNotices;
using CableHub.Connectors.Edi.X12;

namespace CableHub.Connectors.Edi.Tests;

public sealed class ReceiptReconcilerTests
{
    private static ShipNoticeItem Item(string model, decimal quantity, params string[] serials) =>
        new(null, model, quantity, "EA", [new ItemIdentifier(ItemIdentifierKind.SupplierPart, "VP", model)], serials);

    private static ShipNotice Notice(params (string Po, string? Sscc, ShipNoticeItem[] Items)[] packages) =>
        new("X12 856", "SHP1", "SUPPLIER", null, null, null,
            packages.GroupBy(p => p.Po).Select(g => new ShipNoticeOrder(g.Key, g.Select(p => new ShipNoticePackage(p.Sscc, true, null, p.Items)).ToList())).ToList());

    [Fact]
    public void A_complete_shipment_is_received_with_no_discrepancy()
    {
        var po = new PurchaseOrderExpectation("PO1", [new PurchaseOrderLineExpectation("STB4K100", 2) { ExpectedSerials = ["A1", "A2"] }]);

        var report = ReceiptReconciler.Reconcile(po, Notice(("PO1", "S1", [Item("STB4K100", 2, "A1", "A2")])));

        report.IsClean.ShouldBeTrue();
        report.Lines.Single().ShouldBe(report.Lines.Single() with { Status = ReceiptLineStatus.Received, Shipped = 2 });
        report.Lines.Single().SerialNumbers.ShouldBe(["A1", "A2"]);
    }

    [Fact]
    public void Short_and_over_lines_are_reported_with_the_missing_and_excess_quantities()
    {
        var po = new PurchaseOrderExpectation("PO1", [
            new PurchaseOrderLineExpectation("STB4K100", 10),
            new PurchaseOrderLineExpectation("CMDOCSIS31", 5) { AlreadyReceivedQuantity = 2 },
            new PurchaseOrderLineExpectation("RMTIR5", 3),
        ]);

        var report = ReceiptReconciler.Reconcile(po, Notice(("PO1", null, [Item("STB4K100", 7), Item("CMDOCSIS31", 4)])));

        report.Lines.Select(l => (l.ModelCode, l.Status, l.Outstanding)).ShouldBe([
            ("STB4K100", ReceiptLineStatus.Short, 3m), ("CMDOCSIS31", ReceiptLineStatus.Over, -1m), ("RMTIR5", ReceiptLineStatus.Short, 3m),
        ]);
        report.Discrepancies.Select(d => (d.Kind, d.ModelCode, d.Quantity)).ShouldBe([
            (ReceiptDiscrepancyKind.Short, "STB4K100", (decimal?)3m),
            (ReceiptDiscrepancyKind.Over, "CMDOCSIS31", 1m),
            (ReceiptDiscrepancyKind.Short, "RMTIR5", 3m),
        ]);
        report.Discrepancies[1].Message.ShouldBe("PO PO1: model CMDOCSIS31 is over by 1 (ordered 5, received 6)");
    }

    [Fact]
    public void Unknown_and_duplicate_serials_and_wrong_models_are_reported()
    {
        var po = new PurchaseOrderExpectation("PO1", [new PurchaseOrderLineExpectation("STB4K100", 4) { ExpectedSerials = ["A1", "A2", "A3", "A4"] }])
        {
            AlreadyReceivedSerials = ["A4"],
        };

        var report = ReceiptReconciler.Reconcile(po, Notice(
            ("PO1", "S1", [Item("STB4K100", 2, "A1", "X9")]),
            ("PO1", "S2", [Item("STB4K100", 2, "A1", "A4"), Item("ONTGPON10", 1, "Z1")])));

        report.Discrepancies.Select(d => (d.Kind, d.SerialNumber ?? d.ModelCode, d.Sscc)).ShouldBe([
            (ReceiptDiscrepancyKind.UnknownSerial, "X9", "S1"),
            (ReceiptDiscrepancyKind.DuplicateSerial, "A1", "S2"),
            (ReceiptDiscrepancyKind.DuplicateSerial, "A4", "S2"),
            (ReceiptDiscrepancyKind.WrongModel, "ONTGPON10", "S2"),
        ]);
        report.Discrepancies[3].Message.ShouldBe("PO PO1: model ONTGPON10 (1 EA in package S2) is not on the purchase order");
        report.Lines.Single().Status.ShouldBe(ReceiptLineStatus.Received);
        report.Lines.Single().SerialNumbers.ShouldBe(["A1", "X9"]);
    }

    [Fact]
    public void Serial_counts_that_differ_from_the_quantity_and_alternate_codes()
    {
        var po = new PurchaseOrderExpectation("PO1", [new PurchaseOrderLineExpectation("STB4K100", 3) { AlternateCodes = ["081234450000"] }]);
        var item = new ShipNoticeItem(null, "SUPPLIER-CODE", 3, "EA", [new ItemIdentifier(ItemIdentifierKind.Gtin, "UP", "081234450000")], ["A1", "A2"]);

        var report = ReceiptReconciler.Reconcile(po, Notice(("PO1", null, [item])));

        report.Lines.Single().Shipped.ShouldBe(3);
        report.Discrepancies.Single().Kind.ShouldBe(ReceiptDiscrepancyKind.SerialCountMismatch);
        report.Discrepancies.Single().Message.ShouldBe("PO PO1: model STB4K100 ships 3 units with 2 serial numbers");
    }

    [Fact]
    public void Orders_for_unexpected_purchase_orders_are_listed()
    {
        var po = new PurchaseOrderExpectation("PO1", [new PurchaseOrderLineExpectation("STB4K100", 1)]);

        var result = ReceiptReconciler.Reconcile([po], Notice(("PO1", null, [Item("STB4K100", 1)]), ("PO9", null, [Item("STB4K100", 5)])));

        result.Reports.Single().IsClean.ShouldBeTrue();
        var unmatched = result.UnmatchedOrders.Single();
        (unmatched.Kind, unmatched.PurchaseOrderNumber, unmatched.Quantity).ShouldBe((ReceiptDiscrepancyKind.UnknownPurchaseOrder, "PO9", (decimal?)5m));
    }

    [Fact]
    public void The_crossdock_856_is_received_against_its_two_purchase_orders()
    {
        var transaction = X12Parser.Parse(Fixture.Bytes(Fixture.Crossdock)).Transactions.Single();
        var notice = ShipNoticeMapper.FromX12(transaction);
        PurchaseOrderExpectation[] orders =
        [
            new("POREF00", [new("0000000000642", 12), new("0000000000831", 12), new("0000000000283", 24), new("0000000000999", 6)]),
            new("POREF01", [new("0000000000642", 12)]),
        ];

        var result = ReceiptReconciler.Reconcile(orders, notice);

        result.UnmatchedOrders.ShouldBeEmpty();
        var first = result.Reports[0];
        first.Lines.Select(l => (l.ModelCode, l.Status)).ShouldBe([
            ("0000000000642", ReceiptLineStatus.Received), ("0000000000831", ReceiptLineStatus.Received),
            ("0000000000283", ReceiptLineStatus.Short), ("0000000000999", ReceiptLineStatus.Short),
        ]);
        first.Discrepancies.Select(d => d.Kind).ShouldBe([ReceiptDiscrepancyKind.WrongModel, ReceiptDiscrepancyKind.Short, ReceiptDiscrepancyKind.Short]);
        first.Discrepancies[0].Message.ShouldBe("PO POREF00: model 0000000000203 (12 EA in package 000715670002152391) is not on the purchase order");
        result.Reports[1].IsClean.ShouldBeTrue();
    }
}
