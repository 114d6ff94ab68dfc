using System.Globalization;
using CableHub.Connectors.Edi.X12;
using EdiPurchaseOrder = CableHub.Connectors.Edi.PurchaseOrders.PurchaseOrder;

namespace CableHub.Connectors.Edi.Simulator;

/// <summary>How the simulated supplier ships an order (by default: exactly what was ordered, one carton per line).</summary>
public sealed record SupplierShipment
{
    /// <summary>Units left out per PO line number (a short shipment).</summary>
    public IReadOnlyDictionary<string, int> ShortBy { get; init; } = new Dictionary<string, int>();

    /// <summary>Extra units per PO line number (an over shipment).</summary>
    public IReadOnlyDictionary<string, int> OverBy { get; init; } = new Dictionary<string, int>();

    /// <summary>An extra carton of a model that was not ordered (supplier code, units).</summary>
    public (string ModelCode, int Quantity)? WrongModel { get; init; }

    /// <summary>Serial numbers to ship instead of generated ones, per PO line number (e.g. unknown or duplicate serials).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Serials { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Lines shipped without serial numbers (non-serialised models such as cable).</summary>
    public IReadOnlySet<string> Unserialized { get; init; } = new HashSet<string>();

    public string SerialPrefix { get; init; } = "SN";

    public X12Delimiters Delimiters { get; init; } = X12Delimiters.Default4010;

    public long InterchangeControlNumber { get; init; } = 1;

    public string ShipmentId { get; init; } = "SHP0001";
}

/// <summary>
/// A supplier's EDI system, simulated for tests and the demo: reads our 850 and answers with an 856 ship notice
/// (shipment → order → one pack per line with an SSCC → item with LIN VP/BP, SN1, REF*SN serials).
/// </summary>
public static class SupplierSimulator
{
    public static EdiPurchaseOrder ReadPurchaseOrder(byte[] x850)
    {
        var document = X12Parser.Parse(x850);
        return document.Transactions.Select(t => t.PurchaseOrder).OfType<EdiPurchaseOrder>().Single();
    }

    /// <summary>The 856 the supplier sends for <paramref name="x850"/> (its ISA sender/receiver swapped).</summary>
    public static byte[] ShipNoticeFor(byte[] x850, SupplierShipment? shipment = null)
    {
        ArgumentNullException.ThrowIfNull(x850);
        shipment ??= new SupplierShipment();
        var document = X12Parser.Parse(x850);
        var interchange = document.Interchanges.Single();
        var order = document.Transactions.Select(t => t.PurchaseOrder).OfType<EdiPurchaseOrder>().Single();
        var h = interchange.Header;
        var envelope = new X12EnvelopeOptions(h.ReceiverQualifier, h.ReceiverId.Trim(), h.SenderQualifier, h.SenderId.Trim(), shipment.InterchangeControlNumber, shipment.InterchangeControlNumber,
            new DateTimeOffset(2024, 1, 15, 10, 30, 0, TimeSpan.Zero))
        {
            Delimiters = shipment.Delimiters,
            InterchangeVersion = shipment.Delimiters.Repetition is null ? "00401" : "00501",
            GroupVersion = shipment.Delimiters.Repetition is null ? "004010" : "005010",
        };

        using var output = new MemoryStream();
        using (var w = new X12SegmentWriter(output, shipment.Delimiters, shipment.Delimiters.Segment is '\n' or '\r' ? "" : "\n"))
        {
            w.WriteInterchangeHeader(envelope, "SH");
            w.StartCounting();
            w.Write("ST", "856", "0001");
            w.Write("BSN", "00", shipment.ShipmentId, "20240115", "1030", "0001");
            var hl = 0;
            var quantityTotal = 0m;
            var c = CultureInfo.InvariantCulture;
            w.Write("HL", (++hl).ToString(c), "", "S");
            w.Write("TD5", "", "2", "SIMC", "", "SIMULATED CARRIER");
            w.Write("REF", "BM", "BOL-" + shipment.ShipmentId);
            w.Write("DTM", "011", "20240115");
            var orderHl = ++hl;
            w.Write("HL", orderHl.ToString(c), "1", "O");
            w.Write("PRF", order.Number);
            long serial = 0;
            long carton = 0;

            void Pack(string lineNumber, string modelCode, string? buyerPart, int quantity, IReadOnlyList<string>? serials)
            {
                var pack = ++hl;
                w.Write("HL", pack.ToString(c), orderHl.ToString(c), "P");
                w.Write("MAN", "GM", Sscc.Create("0" + "0812345" + (++carton).ToString("D9", c)));
                w.Write("HL", (++hl).ToString(c), pack.ToString(c), "I");
                if (buyerPart is null)
                {
                    w.Write("LIN", lineNumber, "VP", modelCode);
                }
                else
                {
                    w.Write("LIN", lineNumber, "VP", modelCode, "BP", buyerPart);
                }

                w.Write("SN1", "", quantity.ToString(c), "EA");
                quantityTotal += quantity;
                foreach (var s in serials ?? [])
                {
                    w.Write("REF", "SN", s);
                }
            }

            foreach (var line in order.Lines)
            {
                var quantity = (int)line.Quantity - shipment.ShortBy.GetValueOrDefault(line.LineNumber) + shipment.OverBy.GetValueOrDefault(line.LineNumber);
                if (quantity <= 0)
                {
                    continue;
                }

                IReadOnlyList<string>? serials = null;
                if (!shipment.Unserialized.Contains(line.LineNumber))
                {
                    serials = shipment.Serials.TryGetValue(line.LineNumber, out var given)
                        ? given
                        : Enumerable.Range(0, quantity).Select(_ => string.Create(c, $"{shipment.SerialPrefix}{order.Number}{++serial:D6}")).ToList();
                }

                Pack(line.LineNumber, line.ModelCode, line.BuyerPartNumber, quantity, serials);
            }

            if (shipment.WrongModel is { } wrong)
            {
                Pack((order.Lines.Count + 1).ToString(c), wrong.ModelCode, null, wrong.Quantity,
                    Enumerable.Range(0, wrong.Quantity).Select(_ => string.Create(c, $"{shipment.SerialPrefix}X{order.Number}{++serial:D6}")).ToList());
            }

            w.Write("CTT", hl.ToString(c), X12SegmentWriter.Decimal(quantityTotal));
            w.Write("SE", (w.Count + 1).ToString(c), "0001");
            w.WriteInterchangeTrailer(envelope, 1);
        }

        return output.ToArray();
    }
}
