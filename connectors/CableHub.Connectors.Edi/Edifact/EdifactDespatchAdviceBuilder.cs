using System.Globalization;

namespace CableHub.Connectors.Edi.Edifact;

/// <summary>Builds an <see cref="EdifactDespatchAdvice"/> from DESADV segments, checking the CPS hierarchy and CNT.</summary>
internal sealed class EdifactDespatchAdviceBuilder : EdifactMessageBuilder
{
    private readonly List<EdifactDate> _dates = [];
    private readonly List<EdifactReference> _references = [];
    private readonly List<EdifactParty> _parties = [];
    private readonly List<EdifactTransport> _transports = [];
    private readonly List<LevelBuilder> _levels = [];
    private readonly Dictionary<string, int> _levelIndex = new(StringComparer.Ordinal);
    private readonly List<EdifactGenericSegment> _other = [];
    private LevelBuilder? _level;
    private LineBuilder? _line;
    private bool _first = true;
    private string? _nameCode;
    private string _number = "";
    private string? _function;
    private int _lineCount;

    public override void Add(EdifactSegment segment, EdifactMessageContext context)
    {
        var tag = segment.TagString;
        if (_first)
        {
            _first = false;
            if (tag != "BGM")
            {
                context.Error("BGM (beginning of message) must follow UNH", null, EdiErrorLevel.Segment, "BGM");
            }
        }

        switch (tag)
        {
            case "BGM":
                _nameCode = segment.GetStringOrNull(1);
                _number = segment.GetString(2);
                _function = segment.GetStringOrNull(3);
                if (_number.Length == 0)
                {
                    context.Error("BGM02 document number is missing", 2);
                }

                break;
            case "DTM":
                var date = new EdifactDate(segment.GetString(1, 1), segment.GetStringOrNull(1, 2), segment.GetStringOrNull(1, 3));
                if (_line is not null)
                {
                    _line.Other.Add(ToGeneric(segment));
                }
                else
                {
                    _dates.Add(date);
                }

                break;
            case "RFF":
                var reference = new EdifactReference(segment.GetString(1, 1), segment.GetStringOrNull(1, 2));
                (_line?.References ?? _references).Add(reference);
                break;
            case "NAD":
                _parties.Add(new EdifactParty(segment.GetString(1), segment.GetStringOrNull(2, 1), segment.GetStringOrNull(2, 3),
                    segment.GetStringOrNull(4, 1) ?? segment.GetStringOrNull(3, 1)));
                break;
            case "TDT":
                _transports.Add(new EdifactTransport(segment.GetStringOrNull(1), segment.GetStringOrNull(2), segment.GetStringOrNull(3, 1),
                    segment.GetStringOrNull(5, 1), segment.GetStringOrNull(5, 4)));
                break;
            case "CPS":
                ReadCps(segment, context);
                break;
            case "PAC":
                if (_level is null)
                {
                    context.Error("PAC before any CPS", null, EdiErrorLevel.Segment);
                    break;
                }

                _level.Packages.Add(new EdifactPackage(Number(segment, 1, 1, context), segment.GetStringOrNull(3, 1)));
                break;
            case "PCI":
                break;
            case "GIN":
                ReadGin(segment, context);
                break;
            case "LIN":
                ReadLin(segment, context);
                break;
            case "PIA" when _line is not null:
                for (var e = 2; e <= Math.Min(segment.ElementCount, 6); e++)
                {
                    if (segment.Has(e, 1))
                    {
                        _line.AdditionalIds.Add(new EdifactProductId(segment.GetString(1), segment.GetString(e, 1), segment.GetStringOrNull(e, 2)));
                    }
                }

                break;
            case "QTY" when _line is not null:
                if (!segment.Has(1, 2))
                {
                    context.Error("QTY01 quantity (C186 component 2) is missing", 1);
                }

                _line.Quantities.Add(new EdifactQuantity(segment.GetString(1, 1), Number(segment, 1, 2, context), segment.GetStringOrNull(1, 3)));
                break;
            case "IMD" when _line is not null:
                _line.Description ??= segment.GetStringOrNull(3, 4);
                break;
            case "CNT":
                ReadCnt(segment, context);
                break;
            default:
                if (context.Options.KeepMessageContent)
                {
                    (_line?.Other ?? _other).Add(ToGeneric(segment));
                }

                break;
        }
    }

    public override EdifactMessage Complete(EdifactMessage message, EdifactMessageContext context)
    {
        if (_first)
        {
            context.Error("the DESADV has no BGM segment (it is empty)", null, EdiErrorLevel.Segment, "BGM");
        }

        if (!context.Options.KeepMessageContent)
        {
            return message;
        }

        var advice = new EdifactDespatchAdvice(_nameCode, _number, _function, _dates, _references, _parties, _transports,
            _levels.ConvertAll(l => l.Build()), _other);
        return message with { DespatchAdvice = advice };
    }

    private void ReadCps(EdifactSegment segment, EdifactMessageContext context)
    {
        var id = segment.GetString(1);
        var parent = segment.GetStringOrNull(2);
        var depth = 0;
        if (id.Length == 0)
        {
            context.Error("CPS01 hierarchical id is missing", 1);
        }
        else if (_levelIndex.ContainsKey(id))
        {
            context.Error($"CPS01 id {id} is used twice", 1);
        }

        if (parent is not null)
        {
            if (_levelIndex.TryGetValue(parent, out var parentIndex))
            {
                depth = _levels[parentIndex].Depth + 1;
            }
            else
            {
                context.Error($"CPS02 parent id {parent} does not match any earlier CPS01 (unknown parent)", 2);
                parent = null;
            }
        }

        _level = new LevelBuilder(id, parent, segment.GetStringOrNull(3), depth, context.SegmentNumber);
        _levelIndex.TryAdd(id, _levels.Count);
        _levels.Add(_level);
        _line = null;
    }

    private void ReadLin(EdifactSegment segment, EdifactMessageContext context)
    {
        _lineCount++;
        if (_level is null)
        {
            context.Error("LIN before any CPS: DESADV lines belong to a packing level", null, EdiErrorLevel.Segment);
            _level = new LevelBuilder("", null, null, 0, context.SegmentNumber);
            _levels.Add(_level);
        }

        _line = new LineBuilder(segment.GetStringOrNull(1), segment.GetStringOrNull(3, 1), segment.GetStringOrNull(3, 2), context.SegmentNumber);
        _level.Lines.Add(_line);
    }

    private void ReadGin(EdifactSegment segment, EdifactMessageContext context)
    {
        var qualifier = segment.GetString(1);
        if (qualifier.Length == 0)
        {
            context.Error("GIN01 identity number qualifier is missing", 1);
        }

        for (var e = 2; e <= Math.Min(segment.ElementCount, 6); e++)
        {
            var first = segment.GetStringOrNull(e, 1);
            if (first is null)
            {
                continue;
            }

            var last = segment.GetStringOrNull(e, 2);
            if (qualifier == "BJ")
            {
                CheckSscc(first, e, context);
                if (last is not null)
                {
                    CheckSscc(last, e, context);
                }

                var target = _line?.Ssccs ?? _level?.Ssccs;
                if (target is null)
                {
                    context.Error("GIN+BJ before any CPS", e);
                    continue;
                }

                target.Add(first);
                if (last is not null)
                {
                    target.Add(last);
                }

                continue;
            }

            var values = last is null ? [first] : ExpandRange(first, last, e, context);
            if (_line is not null && qualifier == "BN")
            {
                _line.Serials.AddRange(values);
            }
            else if (_line is not null && qualifier == "BX")
            {
                _line.Batches.AddRange(values);
            }
            else if (_level is not null)
            {
                _level.OtherIdentities.AddRange(values.Select(v => new EdifactReference(qualifier, v)));
            }
        }
    }

    private void ReadCnt(EdifactSegment segment, EdifactMessageContext context)
    {
        if (segment.GetString(1, 1) != "2")
        {
            return;
        }

        if (!segment.TryGetInt64(1, 2, out var count))
        {
            context.Error($"CNT01 control value '{segment.GetString(1, 2)}' is not a number", 1);
        }
        else if (count != _lineCount)
        {
            context.Error(string.Create(CultureInfo.InvariantCulture, $"CNT+2 number of line items {count} does not match the {_lineCount} LIN segments"), 1);
        }
    }

    private List<string> ExpandRange(string first, string last, int element, EdifactMessageContext context)
    {
        // first and last share a prefix and end in digit runs of the same length: PREFIX0001:PREFIX0100.
        var digits = 0;
        while (digits < first.Length && char.IsAsciiDigit(first[^(digits + 1)]))
        {
            digits++;
        }

        var prefix = first[..^digits];
        if (digits == 0 || digits > 18 || last.Length != first.Length || !last.StartsWith(prefix, StringComparison.Ordinal) ||
            !last[prefix.Length..].All(char.IsAsciiDigit))
        {
            context.Error($"GIN identity range {first}:{last} cannot be expanded (it needs a common prefix and numeric suffixes of one length)", element);
            return [first, last];
        }

        var from = long.Parse(first[prefix.Length..], CultureInfo.InvariantCulture);
        var to = long.Parse(last[prefix.Length..], CultureInfo.InvariantCulture);
        if (to < from || to - from >= context.Options.MaxSerialRange)
        {
            context.Error(string.Create(CultureInfo.InvariantCulture,
                $"GIN identity range {first}:{last} is reversed or longer than {context.Options.MaxSerialRange}"), element);
            return [first, last];
        }

        var format = new string('0', digits);
        var values = new List<string>((int)(to - from + 1));
        for (var n = from; n <= to; n++)
        {
            values.Add(prefix + n.ToString(format, CultureInfo.InvariantCulture));
        }

        return values;
    }

    private static void CheckSscc(string value, int element, EdifactMessageContext context)
    {
        var status = Sscc.Check(value, out var sscc, out var expected);
        if (status == Sscc.Status.NotAnSscc)
        {
            context.Warning($"GIN+BJ '{value}' is not an SSCC-18", element, value);
        }
        else if (status == Sscc.Status.BadCheckDigit)
        {
            context.Warning(string.Create(CultureInfo.InvariantCulture, $"GIN+BJ SSCC {sscc} has check digit {sscc![17]}, expected {expected}"), element, value);
        }
    }

    private static decimal? Number(EdifactSegment segment, int element, int component, EdifactMessageContext context)
    {
        if (!segment.Has(element, component))
        {
            return null;
        }

        if (segment.TryGetDecimal(element, component, out var value))
        {
            return value;
        }

        context.Error(string.Create(CultureInfo.InvariantCulture,
            $"{segment.TagString}{element:00} component {component} '{segment.GetString(element, component)}' is not a number"), element);
        return null;
    }

    private sealed class LevelBuilder(string id, string? parent, string? code, int depth, long segmentNumber)
    {
        public int Depth => depth;

        public List<EdifactPackage> Packages { get; } = [];

        public List<string> Ssccs { get; } = [];

        public List<EdifactReference> OtherIdentities { get; } = [];

        public List<LineBuilder> Lines { get; } = [];

        public EdifactPackageLevel Build() => new(id, parent, code, depth, segmentNumber)
        {
            Packages = Packages,
            Ssccs = Ssccs,
            OtherIdentities = OtherIdentities,
            Lines = Lines.ConvertAll(l => l.Build()),
        };
    }

    private sealed class LineBuilder(string? number, string? item, string? type, long segmentNumber)
    {
        public List<EdifactProductId> AdditionalIds { get; } = [];

        public List<EdifactQuantity> Quantities { get; } = [];

        public List<EdifactReference> References { get; } = [];

        public List<string> Serials { get; } = [];

        public List<string> Ssccs { get; } = [];

        public List<string> Batches { get; } = [];

        public List<EdifactGenericSegment> Other { get; } = [];

        public string? Description { get; set; }

        public EdifactLineItem Build() => new(number, item, type, segmentNumber)
        {
            AdditionalIds = AdditionalIds,
            Quantities = Quantities,
            References = References,
            Description = Description,
            SerialNumbers = Serials,
            Ssccs = Ssccs,
            BatchNumbers = Batches,
            OtherSegments = Other,
        };
    }
}
