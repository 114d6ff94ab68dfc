using System.Globalization;
using static CableHub.Connectors.Edi.X12.X12SegmentIds;

namespace CableHub.Connectors.Edi.X12;

/// <summary>Builds an <see cref="X12ShipNotice"/> (856) segment by segment, checking the HL hierarchy and the CTT totals.</summary>
internal sealed class X12ShipNoticeBuilder : X12TransactionBuilder
{
    private readonly List<LevelBuilder> _levels = [];
    private readonly Dictionary<string, int> _levelIndex = new(StringComparer.Ordinal);
    private readonly List<X12Date> _dates = [];
    private readonly List<X12GenericSegment> _other = [];
    private LevelBuilder? _current;
    private bool _first = true;
    private bool _sawBsn;
    private bool _afterCtt;
    private string _purpose = "";
    private string _shipmentId = "";
    private string? _date;
    private string? _time;
    private string? _structure;
    private X12TransactionTotals? _totals;
    private decimal _itemQuantityTotal;
    private decimal _allQuantityTotal;
    private int _itemLevels;

    public override void Add(int key, in X12Segment segment, X12TransactionContext context)
    {
        if (_first)
        {
            _first = false;
            if (key != BSN)
            {
                context.MissingSegment("BSN", "BSN (beginning segment for ship notice) must follow ST");
            }
        }

        switch (key)
        {
            case BSN:
                ReadBsn(segment, context);
                return;
            case HL:
                ReadHl(segment, context);
                return;
            case CTT:
                ReadCtt(segment, context);
                return;
        }

        var level = _current;
        if (level is null || _afterCtt)
        {
            if (key == DTM && level is null)
            {
                _dates.Add(ReadDtm(segment, context));
            }
            else if (context.Options.KeepTransactionContent)
            {
                _other.Add(X12GenericBuilder.ToGeneric(segment, context));
            }

            return;
        }

        switch (key)
        {
            case REF:
                ReadRef(segment, context, level);
                break;
            case LIN:
                ReadLin(segment, context, level);
                break;
            case SN1:
                ReadSn1(segment, context, level);
                break;
            case MAN:
                ReadMan(segment, context, level);
                break;
            case PRF:
                level.PurchaseOrder = new X12PurchaseOrderReference(context.Pooled(segment[1]), segment.GetStringOrNull(2), segment.GetStringOrNull(3), segment.GetStringOrNull(4));
                if (!segment.Has(1))
                {
                    context.ElementError(1, "1", "PRF01 purchase order number is missing");
                }

                break;
            case DTM:
                (level.Dates ??= []).Add(ReadDtm(segment, context));
                break;
            case TD1:
                (level.Packaging ??= []).Add(new X12Packaging(
                    context.ShortOrNull(segment[1]), Number(segment, 2, context), context.ShortOrNull(segment[6]), Number(segment, 7, context), context.ShortOrNull(segment[8]))
                {
                    Volume = Number(segment, 9, context),
                    VolumeUnit = context.ShortOrNull(segment[10]),
                });
                break;
            case TD5:
                (level.Carriers ??= []).Add(new X12Carrier(
                    segment.GetStringOrNull(1), segment.GetStringOrNull(2), segment.GetStringOrNull(3), segment.GetStringOrNull(4), segment.GetStringOrNull(5)));
                break;
            case N1:
                (level.Parties ??= []).Add(new PartyBuilder(segment.GetString(1), segment.GetStringOrNull(2), segment.GetStringOrNull(3), segment.GetStringOrNull(4)));
                break;
            case N3 when level.Parties is { Count: > 0 }:
                level.Parties[^1].AddressLines.Add(segment.GetString(1));
                if (segment.Has(2))
                {
                    level.Parties[^1].AddressLines.Add(segment.GetString(2));
                }

                break;
            case N4 when level.Parties is { Count: > 0 }:
                var party = level.Parties[^1];
                party.City = segment.GetStringOrNull(1);
                party.State = segment.GetStringOrNull(2);
                party.PostalCode = segment.GetStringOrNull(3);
                party.Country = segment.GetStringOrNull(4);
                break;
            case PID:
                level.Description ??= segment.GetStringOrNull(5);
                if (context.Options.KeepTransactionContent)
                {
                    (level.Other ??= []).Add(X12GenericBuilder.ToGeneric(segment, context));
                }

                break;
            default:
                if (context.Options.KeepTransactionContent)
                {
                    (level.Other ??= []).Add(X12GenericBuilder.ToGeneric(segment, context));
                }

                break;
        }
    }

    public override X12Transaction Complete(X12Transaction transaction, X12TransactionContext context)
    {
        if (_first)
        {
            context.MissingSegment("BSN", "the 856 has no BSN segment (it is empty)");
        }

        if (_levels.Count == 0)
        {
            context.MissingSegment("HL", "the 856 has no HL (hierarchical level) segment");
        }

        if (!context.Options.KeepTransactionContent)
        {
            return transaction;
        }

        var levels = new X12HierarchicalLevel[_levels.Count];
        for (var i = 0; i < levels.Length; i++)
        {
            levels[i] = _levels[i].Build();
        }

        var notice = new X12ShipNotice(_purpose, _shipmentId, _date, _time, _structure, _dates, levels, _totals, _other);
        return transaction with { ShipNotice = notice };
    }

    private void ReadBsn(in X12Segment segment, X12TransactionContext context)
    {
        if (_sawBsn)
        {
            context.SegmentError("5", "BSN appears more than once");
            return;
        }

        _sawBsn = true;
        _purpose = segment.GetString(1);
        _shipmentId = segment.GetString(2);
        _date = segment.GetStringOrNull(3);
        _time = segment.GetStringOrNull(4);
        _structure = segment.GetStringOrNull(5);
        if (_shipmentId.Length == 0)
        {
            context.ElementError(2, "1", "BSN02 shipment identification is missing");
        }
    }

    private void ReadHl(in X12Segment segment, X12TransactionContext context)
    {
        if (_afterCtt)
        {
            context.SegmentError("7", "HL after CTT: the totals segment must close the hierarchy");
        }

        var id = context.Pooled(segment[1]);
        var parentId = context.PooledOrNull(segment[2]);
        var code = context.Short(segment[3]);
        var parentIndex = -1;
        if (id.Length == 0)
        {
            context.ElementError(1, "1", "HL01 hierarchical id is missing");
        }
        else if (_levelIndex.TryGetValue(id, out var existing))
        {
            context.ElementError(1, "7", string.Create(CultureInfo.InvariantCulture,
                $"HL01 id {id} is used twice (first HL{id} at segment {_levels[existing].SegmentNumber})"), id);
        }

        if (parentId is not null)
        {
            if (!_levelIndex.TryGetValue(parentId, out parentIndex))
            {
                parentIndex = -1;
                context.ElementError(2, "7", parentId == id
                    ? $"HL02 parent id {parentId} is the level's own id"
                    : $"HL02 parent id {parentId} does not match any earlier HL01 (unknown parent)", parentId);
            }
        }

        if (code.Length == 0)
        {
            context.ElementError(3, "1", "HL03 hierarchical level code is missing");
        }

        var level = new LevelBuilder(id, parentIndex >= 0 ? parentId : null, code, segment.GetStringOrNull(4),
            parentIndex >= 0 ? _levels[parentIndex].Depth + 1 : 0, context.SegmentNumber);
        if (id.Length > 0)
        {
            _levelIndex.TryAdd(id, _levels.Count);
        }

        _levels.Add(level);
        _current = level;
        if (code == X12LevelCodes.Item)
        {
            _itemLevels++;
        }
    }

    private void ReadCtt(in X12Segment segment, X12TransactionContext context)
    {
        _afterCtt = true;
        long? count = null;
        if (segment.Has(1))
        {
            if (segment.TryGetInt64(1, out var c))
            {
                count = c;
            }
            else
            {
                context.ElementError(1, "6", $"CTT01 number of line items '{segment.GetString(1)}' is not a number", segment.GetString(1));
            }
        }

        var hash = Number(segment, 2, context);
        _totals = new X12TransactionTotals(count, hash);
        if (count is { } n && n != _levels.Count && n != _itemLevels)
        {
            context.ElementError(1, "7", string.Create(CultureInfo.InvariantCulture,
                $"CTT01 count {n} does not match the {_levels.Count} HL segments ({_itemLevels} item levels) of the transaction"), segment.GetString(1));
        }

        if (hash is { } h && !HashMatches(h, _itemQuantityTotal) && !HashMatches(h, _allQuantityTotal))
        {
            context.ElementError(2, "7", string.Create(CultureInfo.InvariantCulture,
                $"CTT02 hash total {h} does not match the sum of SN102 quantities ({_itemQuantityTotal} on item levels, {_allQuantityTotal} on all levels)"), segment.GetString(2));
        }
    }

    // Hash totals may be truncated to their rightmost digits.
    private static bool HashMatches(decimal hash, decimal total)
    {
        if (hash == total)
        {
            return true;
        }

        if (decimal.Truncate(hash) != hash || decimal.Truncate(total) != total || hash < 0)
        {
            return false;
        }

        var digits = hash == 0 ? 1 : (int)Math.Floor(Math.Log10((double)hash)) + 1;
        var modulus = (decimal)Math.Pow(10, Math.Max(digits, 10));
        return Math.Abs(total) % modulus == hash;
    }

    private static X12Date ReadDtm(in X12Segment segment, X12TransactionContext context)
    {
        if (!segment.Has(1))
        {
            context.ElementError(1, "1", "DTM01 date/time qualifier is missing");
        }

        return new X12Date(context.Short(segment[1]), segment.GetStringOrNull(2), segment.GetStringOrNull(3));
    }

    private static void ReadRef(in X12Segment segment, X12TransactionContext context, LevelBuilder level)
    {
        if (context.IsSerialQualifier(segment[1]))
        {
            var position = segment.Has(2) ? 2 : 3;
            if (!segment.Has(position))
            {
                context.ElementError(2, "2", $"REF*{context.Short(segment[1])} serial number has neither REF02 nor REF03");
                return;
            }

            if (context.Options.KeepTransactionContent)
            {
                (level.Serials ??= new List<string>(16)).Add(segment.GetString(position));
            }

            return;
        }

        var qualifier = context.Short(segment[1]);
        if (qualifier.Length == 0)
        {
            context.ElementError(1, "1", "REF01 reference qualifier is missing");
        }

        (level.References ??= []).Add(new X12Reference(qualifier, segment.GetStringOrNull(2), segment.GetStringOrNull(3)));
    }

    private static void ReadLin(in X12Segment segment, X12TransactionContext context, LevelBuilder level)
    {
        if (level.Item is not null)
        {
            context.SegmentError("5", "second LIN in one HL level");
            return;
        }

        var ids = new List<X12ProductId>((segment.ElementCount - 1) / 2);
        for (var p = 2; p <= segment.ElementCount; p += 2)
        {
            if (!segment.Has(p) && !segment.Has(p + 1))
            {
                continue;
            }

            if (!segment.Has(p) || !segment.Has(p + 1))
            {
                context.ElementError(segment.Has(p) ? p + 1 : p, "2", string.Create(CultureInfo.InvariantCulture,
                    $"LIN{p:00}/LIN{p + 1:00} product id qualifier and value must both be present"));
                continue;
            }

            var qualifier = context.Short(segment[p]);
            var value = qualifier == "SN" ? segment.GetString(p + 1) : context.Pooled(segment[p + 1]);
            ids.Add(new X12ProductId(qualifier, value));
            if (qualifier == "SN")
            {
                (level.Serials ??= []).Add(value);
            }
        }

        if (ids.Count == 0)
        {
            context.ElementError(2, "1", "LIN has no product id (LIN02/LIN03)");
        }

        level.Item = new X12ItemIdentification(context.PooledOrNull(segment[1]), ids);
    }

    private void ReadSn1(in X12Segment segment, X12TransactionContext context, LevelBuilder level)
    {
        var quantity = Number(segment, 2, context);
        if (!segment.Has(2))
        {
            context.ElementError(2, "1", "SN102 number of units shipped is missing");
        }

        if (!segment.Has(3))
        {
            context.ElementError(3, "1", "SN103 unit of measure is missing");
        }

        level.Quantity = new X12ItemQuantity(context.PooledOrNull(segment[1]), quantity, context.ShortOrNull(segment[3]),
            Number(segment, 4, context), Number(segment, 5, context), context.ShortOrNull(segment[6]));
        if (quantity is { } q)
        {
            _allQuantityTotal += q;
            if (level.Code == X12LevelCodes.Item)
            {
                _itemQuantityTotal += q;
            }
        }
    }

    private static void ReadMan(in X12Segment segment, X12TransactionContext context, LevelBuilder level)
    {
        var qualifier = context.Short(segment[1]);
        var number = segment.GetString(2);
        if (number.Length == 0)
        {
            context.ElementError(2, "1", "MAN02 marks and numbers is missing");
        }

        var marks = new X12Marks(qualifier, number, segment.GetStringOrNull(3));
        if (qualifier == "GM" && number.Length > 0)
        {
            var status = Sscc.Check(number, out var sscc, out var expected);
            marks = marks with { Sscc = sscc, SsccValid = status == Sscc.Status.Valid };
            if (status == Sscc.Status.NotAnSscc)
            {
                context.Warning($"MAN02 '{number}' is not an SSCC-18 (18 digits, or 20 with the 00 application identifier)", 2, number);
            }
            else if (status == Sscc.Status.BadCheckDigit)
            {
                context.Warning(string.Create(CultureInfo.InvariantCulture,
                    $"MAN02 SSCC {sscc} has check digit {sscc![17]}, expected {expected}"), 2, number);
            }
        }

        (level.Marks ??= []).Add(marks);
    }

    private static decimal? Number(in X12Segment segment, int position, X12TransactionContext context)
    {
        if (!segment.Has(position))
        {
            return null;
        }

        if (segment.TryGetDecimal(position, out var value))
        {
            return value;
        }

        var id = context.Short(segment.Id);
        context.ElementError(position, "6", $"{X12TransactionContext.Name(id, position)} '{segment.GetString(position)}' is not a number", segment.GetString(position));
        return null;
    }

    private sealed class PartyBuilder(string code, string? name, string? qualifier, string? id)
    {
        public List<string> AddressLines { get; } = [];

        public string? City { get; set; }

        public string? State { get; set; }

        public string? PostalCode { get; set; }

        public string? Country { get; set; }

        public X12Party Build() => new(code, name, qualifier, id)
        {
            AddressLines = AddressLines,
            City = City,
            State = State,
            PostalCode = PostalCode,
            Country = Country,
        };
    }

    private sealed class LevelBuilder(string id, string? parentId, string code, string? childCode, int depth, long segmentNumber)
    {
        public string Code => code;

        public int Depth => depth;

        public long SegmentNumber => segmentNumber;

        public List<X12Reference>? References { get; set; }

        public List<string>? Serials { get; set; }

        public List<X12Date>? Dates { get; set; }

        public X12PurchaseOrderReference? PurchaseOrder { get; set; }

        public List<X12Marks>? Marks { get; set; }

        public X12ItemIdentification? Item { get; set; }

        public X12ItemQuantity? Quantity { get; set; }

        public string? Description { get; set; }

        public List<X12Packaging>? Packaging { get; set; }

        public List<X12Carrier>? Carriers { get; set; }

        public List<PartyBuilder>? Parties { get; set; }

        public List<X12GenericSegment>? Other { get; set; }

        public X12HierarchicalLevel Build() => new(id, parentId, code, childCode, depth, segmentNumber)
        {
            References = (IReadOnlyList<X12Reference>?)References ?? [],
            SerialNumbers = (IReadOnlyList<string>?)Serials ?? [],
            Dates = (IReadOnlyList<X12Date>?)Dates ?? [],
            PurchaseOrder = PurchaseOrder,
            Marks = (IReadOnlyList<X12Marks>?)Marks ?? [],
            Item = Item,
            Quantity = Quantity,
            Description = Description,
            Packaging = (IReadOnlyList<X12Packaging>?)Packaging ?? [],
            Carriers = (IReadOnlyList<X12Carrier>?)Carriers ?? [],
            Parties = Parties is null ? [] : Parties.ConvertAll(p => p.Build()),
            OtherSegments = (IReadOnlyList<X12GenericSegment>?)Other ?? [],
        };
    }
}
