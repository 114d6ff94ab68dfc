using System.Globalization;
using System.Text;
using CableHub.Connectors.Edi.X12;

namespace CableHub.Connectors.Edi.PurchaseOrders;

/// <summary>Writes a <see cref="PurchaseOrder"/> as an X12 850 interchange (ISA/GS/ST/BEG/CUR/DTM/N1/PO1/PID/CTT/SE/GE/IEA).</summary>
public static class X12PurchaseOrderWriter
{
    public static void Write(PurchaseOrder order, X12EnvelopeOptions envelope, Stream output)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(envelope);
        Validate(order);
        using var writer = new X12SegmentWriter(output, envelope.Delimiters, envelope.LineEnding);
        writer.WriteInterchangeHeader(envelope, "PO");
        writer.StartCounting();
        var control = X12SegmentWriter.ControlNumber(envelope.TransactionControlNumber);
        writer.Write("ST", "850", control);
        writer.Write("BEG", order.Purpose, order.OrderType, order.Number, null, order.OrderDate.ToString("yyyyMMdd", CultureInfo.InvariantCulture));
        if (order.Currency.Length > 0)
        {
            writer.Write("CUR", "BY", order.Currency);
        }

        if (order.RequestedDeliveryDate is { } delivery)
        {
            writer.Write("DTM", "002", delivery.ToString("yyyyMMdd", CultureInfo.InvariantCulture));
        }

        foreach (var party in order.Parties)
        {
            writer.Write("N1", party.Role, party.Name, party.IdQualifier, party.Id);
            for (var i = 0; i < party.AddressLines.Count; i += 2)
            {
                writer.Write("N3", party.AddressLines[i], i + 1 < party.AddressLines.Count ? party.AddressLines[i + 1] : null);
            }

            if (party.City is not null || party.State is not null || party.PostalCode is not null || party.Country is not null)
            {
                writer.Write("N4", party.City, party.State, party.PostalCode, party.Country);
            }
        }

        var total = 0m;
        foreach (var line in order.Lines)
        {
            total += line.Quantity;
            List<string?> elements = [line.LineNumber, X12SegmentWriter.Decimal(line.Quantity), line.Unit, X12SegmentWriter.Decimal(line.UnitPrice), null, "VP", line.ModelCode];
            if (line.BuyerPartNumber is not null)
            {
                elements.AddRange(["BP", line.BuyerPartNumber]);
            }

            if (line.Gtin is not null)
            {
                elements.AddRange(["UP", line.Gtin]);
            }

            writer.Write("PO1", [.. elements]);
            if (line.Description is not null)
            {
                writer.Write("PID", "F", null, null, null, line.Description);
            }
        }

        writer.Write("CTT", order.Lines.Count.ToString(CultureInfo.InvariantCulture), X12SegmentWriter.Decimal(total));
        writer.Write("SE", (writer.Count + 1).ToString(CultureInfo.InvariantCulture), control);
        writer.WriteInterchangeTrailer(envelope, 1);
    }

    public static byte[] ToBytes(PurchaseOrder order, X12EnvelopeOptions envelope)
    {
        using var stream = new MemoryStream();
        Write(order, envelope, stream);
        return stream.ToArray();
    }

    public static string ToText(PurchaseOrder order, X12EnvelopeOptions envelope) => Encoding.UTF8.GetString(ToBytes(order, envelope));

    private static void Validate(PurchaseOrder order)
    {
        if (string.IsNullOrWhiteSpace(order.Number))
        {
            throw new ArgumentException("the purchase order has no number");
        }

        if (order.Lines.Count == 0)
        {
            throw new ArgumentException($"purchase order {order.Number} has no lines");
        }

        foreach (var line in order.Lines)
        {
            if (string.IsNullOrWhiteSpace(line.ModelCode))
            {
                throw new ArgumentException($"purchase order {order.Number} line {line.LineNumber} has no model code");
            }

            if (line.Quantity <= 0)
            {
                throw new ArgumentException($"purchase order {order.Number} line {line.LineNumber} has quantity {line.Quantity}; it must be positive");
            }

            if (line.UnitPrice < 0)
            {
                throw new ArgumentException($"purchase order {order.Number} line {line.LineNumber} has a negative unit price");
            }
        }
    }
}
