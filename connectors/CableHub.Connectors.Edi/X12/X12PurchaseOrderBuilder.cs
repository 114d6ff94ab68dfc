using System.Globalization;
using CableHub.Connectors.Edi.PurchaseOrders;
using static CableHub.Connectors.Edi.X12.X12SegmentIds;

namespace CableHub.Connectors.Edi.X12;

/// <summary>Reads an 850 (BEG, CUR, DTM, N1/N3/N4, PO1/PID, CTT) back into a <see cref="PurchaseOrder"/>.</summary>
internal sealed class X12PurchaseOrderBuilder : X12TransactionBuilder
{
    private readonly List<PurchaseOrderParty> _parties = [];
    private readonly List<PurchaseOrderLine> _lines = [];
    private bool _first = true;
    private string? _number;
    private DateOnly _date;
    private string _purpose = "";
    private string _type = "";
    private string _currency = "";
    private DateOnly? _delivery;
    private decimal _quantityTotal;

    public override void Add(int key, in X12Segment segment, X12TransactionContext context)
    {
        if (_first)
        {
            _first = false;
            if (key != BEG)
            {
                context.MissingSegment("BEG", "BEG (beginning segment for purchase order) must follow ST");
            }
        }

        switch (key)
        {
            case BEG:
                _purpose = segment.GetString(1);
                _type = segment.GetString(2);
                _number = segment.GetString(3);
                if (_number.Length == 0)
                {
                    context.ElementError(3, "1", "BEG03 purchase order number is missing");
                }

                _date = Date(segment, 5, context) ?? default;
                break;
            case CUR:
                _currency = segment.GetString(2);
                break;
            case DTM when segment.GetString(1) == "002":
                _delivery = Date(segment, 2, context);
                break;
            case N1:
                _parties.Add(new PurchaseOrderParty(segment.GetString(1), segment.GetString(2))
                {
                    IdQualifier = segment.GetStringOrNull(3),
                    Id = segment.GetStringOrNull(4),
                });
                break;
            case N3 when _parties.Count > 0:
                var lines = _parties[^1].AddressLines.ToList();
                lines.Add(segment.GetString(1));
                if (segment.Has(2))
                {
                    lines.Add(segment.GetString(2));
                }

                _parties[^1] = _parties[^1] with { AddressLines = lines };
                break;
            case N4 when _parties.Count > 0:
                _parties[^1] = _parties[^1] with
                {
                    City = segment.GetStringOrNull(1),
                    State = segment.GetStringOrNull(2),
                    PostalCode = segment.GetStringOrNull(3),
                    Country = segment.GetStringOrNull(4),
                };
                break;
            case PO1:
                ReadLine(segment, context);
                break;
            case PID when _lines.Count > 0:
                _lines[^1] = _lines[^1] with { Description = segment.GetStringOrNull(5) };
                break;
            case CTT:
                if (!segment.TryGetInt64(1, out var count) || count != _lines.Count)
                {
                    context.ElementError(1, "7", string.Create(CultureInfo.InvariantCulture,
                        $"CTT01 line count '{segment.GetString(1)}' does not match the {_lines.Count} PO1 segments"), segment.GetString(1));
                }

                if (segment.Has(2) && (!segment.TryGetDecimal(2, out var hash) || hash != _quantityTotal))
                {
                    context.ElementError(2, "7", string.Create(CultureInfo.InvariantCulture,
                        $"CTT02 hash total '{segment.GetString(2)}' does not match the sum of PO102 quantities {_quantityTotal}"), segment.GetString(2));
                }

                break;
        }
    }

    public override X12Transaction Complete(X12Transaction transaction, X12TransactionContext context)
    {
        if (_first)
        {
            context.MissingSegment("BEG", "the 850 has no BEG segment (it is empty)");
        }

        if (!context.Options.KeepTransactionContent || _number is null)
        {
            return transaction;
        }

        return transaction with
        {
            PurchaseOrder = new PurchaseOrder(_number, _date, _currency, _parties, _lines)
            {
                Purpose = _purpose,
                OrderType = _type,
                RequestedDeliveryDate = _delivery,
            },
        };
    }

    private void ReadLine(in X12Segment segment, X12TransactionContext context)
    {
        if (!segment.TryGetDecimal(2, out var quantity))
        {
            context.ElementError(2, segment.Has(2) ? "6" : "1", $"PO102 quantity '{segment.GetString(2)}' is not a number", segment.GetString(2));
        }

        if (!segment.TryGetDecimal(4, out var price) && segment.Has(4))
        {
            context.ElementError(4, "6", $"PO104 unit price '{segment.GetString(4)}' is not a number", segment.GetString(4));
        }

        string? model = null, buyer = null, gtin = null;
        for (var p = 6; p < segment.ElementCount; p += 2)
        {
            var value = segment.GetStringOrNull(p + 1);
            switch (segment.GetString(p))
            {
                case "VP" or "VN":
                    model ??= value;
                    break;
                case "BP" or "IN":
                    buyer ??= value;
                    break;
                case "UP" or "EN" or "UK":
                    gtin ??= value;
                    break;
            }
        }

        if (model is null)
        {
            context.ElementError(6, "2", "PO1 has no VP (vendor part number) product id: the model code is required");
            model = "";
        }

        _quantityTotal += quantity;
        _lines.Add(new PurchaseOrderLine(segment.GetString(1), model, quantity, segment.GetString(3), price)
        {
            BuyerPartNumber = buyer,
            Gtin = gtin,
        });
    }

    private static DateOnly? Date(in X12Segment segment, int position, X12TransactionContext context)
    {
        var text = segment.GetString(position);
        if (DateOnly.TryParseExact(text, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        context.ElementError(position, "8", $"{X12TransactionContext.Name(segment.IdString, position)} '{text}' is not a date (CCYYMMDD)", text);
        return null;
    }
}
