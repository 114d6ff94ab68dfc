using System.Buffers.Text;
using System.Text;

namespace CableHub.Connectors.Edi.X12;

/// <summary>
/// A view of the current segment inside the reader's buffer: valid only until the next read.
/// Position 0 is the segment id; data elements are 1-based as in X12 names (SE02 → position 2).
/// Missing trailing elements read as empty.
/// </summary>
public readonly ref struct X12Segment
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly ReadOnlySpan<int> _starts;
    private readonly Encoding _encoding;
    private readonly byte _component;
    private readonly int _repetition;

    internal X12Segment(ReadOnlySpan<byte> data, ReadOnlySpan<int> starts, Encoding encoding, byte component, int repetition)
    {
        _data = data;
        _starts = starts;
        _encoding = encoding;
        _component = component;
        _repetition = repetition;
    }

    /// <summary>The segment's bytes without its terminator.</summary>
    public ReadOnlySpan<byte> Raw => _data;

    public ReadOnlySpan<byte> Id => this[0];

    /// <summary>Segment id packed into an int (2 or 3 ASCII bytes), -1 for other lengths.</summary>
    public int IdKey => X12SegmentIds.Key(Id);

    /// <summary>The segment id as text; escaped (\r, \xNN) when it is not printable ASCII, as after a broken terminator.</summary>
    public string IdString => EdiText.Id(Id, _encoding);

    /// <summary>Number of data elements present (the id not counted).</summary>
    public int ElementCount => _starts.Length - 2;

    public ReadOnlySpan<byte> this[int position] =>
        (uint)position <= (uint)ElementCount ? _data[_starts[position]..(_starts[position + 1] - 1)] : default;

    public bool Has(int position) => !this[position].IsEmpty;

    public string GetString(int position) => Decode(this[position]);

    public string? GetStringOrNull(int position)
    {
        var value = this[position];
        return value.IsEmpty ? null : Decode(value);
    }

    /// <summary>Element text with surrounding spaces removed (ISA fields are space-padded).</summary>
    public string GetTrimmed(int position) => Decode(this[position].Trim((byte)' '));

    /// <summary>Component <paramref name="component"/> (1-based) of a composite element; the whole element when it has no component separator.</summary>
    public ReadOnlySpan<byte> GetComponent(int position, int component)
    {
        var value = this[position];
        for (var i = 1; ; i++)
        {
            var next = value.IndexOf(_component);
            if (i == component)
            {
                return next < 0 ? value : value[..next];
            }

            if (next < 0)
            {
                return default;
            }

            value = value[(next + 1)..];
        }
    }

    public string? GetComponentStringOrNull(int position, int component)
    {
        var value = GetComponent(position, component);
        return value.IsEmpty ? null : Decode(value);
    }

    /// <summary>The repetitions of an element (X12 00402+ repetition separator), or the element itself.</summary>
    public IReadOnlyList<string> GetRepetitions(int position)
    {
        var value = this[position];
        if (value.IsEmpty)
        {
            return [];
        }

        if (_repetition < 0)
        {
            return [Decode(value)];
        }

        var list = new List<string>();
        foreach (var range in value.Split((byte)_repetition))
        {
            list.Add(Decode(value[range]));
        }

        return list;
    }

    public bool TryGetInt64(int position, out long value) =>
        Utf8Parser.TryParse(this[position], out value, out var consumed) && consumed == this[position].Length;

    public bool TryGetDecimal(int position, out decimal value)
    {
        var span = this[position];
        if (span.Length is > 0 and <= 18)
        {
            // Fast path for the common case, plain digits (quantities, counts).
            long whole = 0;
            var digits = true;
            foreach (var b in span)
            {
                var d = b - (byte)'0';
                if ((uint)d > 9)
                {
                    digits = false;
                    break;
                }

                whole = (whole * 10) + d;
            }

            if (digits)
            {
                value = whole;
                return true;
            }
        }

        return Utf8Parser.TryParse(span, out value, out var consumed) && consumed == span.Length && span.Length > 0;
    }

    public decimal? GetDecimalOrNull(int position) => TryGetDecimal(position, out var value) ? value : null;

    /// <summary>The segment as text, elements joined by the element separator.</summary>
    public override string ToString() => Decode(_data);

    private string Decode(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? "" : _encoding.GetString(bytes);
}
