using System.Buffers.Text;
using System.Text;

namespace CableHub.Connectors.Edi.Edifact;

/// <summary>
/// View of the current EDIFACT segment in the reader's buffer (valid until the next read). Position 0 is the tag;
/// data elements are 1-based (UNT02 → position 2), components 1-based. Raw spans keep release characters;
/// the string getters remove them ("ACME?+CO" → "ACME+CO").
/// </summary>
public readonly ref struct EdifactSegment
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly ReadOnlySpan<int> _starts;
    private readonly Encoding _encoding;
    private readonly byte _component;
    private readonly int _release;

    internal EdifactSegment(ReadOnlySpan<byte> data, ReadOnlySpan<int> starts, Encoding encoding, byte component, int release)
    {
        _data = data;
        _starts = starts;
        _encoding = encoding;
        _component = component;
        _release = release;
    }

    public ReadOnlySpan<byte> Raw => _data;

    public ReadOnlySpan<byte> Tag => this[0];

    /// <summary>The tag as text; escaped (\r, \xNN) when it is not printable ASCII, as after a broken terminator.</summary>
    public string TagString => EdiText.Id(Tag, _encoding);

    public int ElementCount => _starts.Length - 2;

    public ReadOnlySpan<byte> this[int position] =>
        (uint)position <= (uint)ElementCount ? _data[_starts[position]..(_starts[position + 1] - 1)] : default;

    public bool Has(int position) => !this[position].IsEmpty;

    public bool Has(int position, int component) => !GetComponent(position, component).IsEmpty;

    /// <summary>Raw component (release characters kept); the whole element when it has no component separator.</summary>
    public ReadOnlySpan<byte> GetComponent(int position, int component)
    {
        var value = this[position];
        var index = 1;
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var b = value[i];
            if (b == _release)
            {
                i++;
                continue;
            }

            if (b == _component)
            {
                if (index == component)
                {
                    return value[start..i];
                }

                index++;
                start = i + 1;
            }
        }

        return index == component ? value[start..] : default;
    }

    /// <summary>Number of components in the element (0 when empty).</summary>
    public int ComponentCount(int position)
    {
        var value = this[position];
        if (value.IsEmpty)
        {
            return 0;
        }

        var count = 1;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == _release)
            {
                i++;
            }
            else if (value[i] == _component)
            {
                count++;
            }
        }

        return count;
    }

    public string GetString(int position, int component = 1) => Decode(GetComponent(position, component));

    public string? GetStringOrNull(int position, int component = 1)
    {
        var value = GetComponent(position, component);
        return value.IsEmpty ? null : Decode(value);
    }

    public bool TryGetInt64(int position, int component, out long value)
    {
        var span = GetComponent(position, component);
        return Utf8Parser.TryParse(span, out value, out var consumed) && consumed == span.Length && span.Length > 0;
    }

    /// <summary>Numeric component; EDIFACT allows ',' as the decimal mark as well as '.'.</summary>
    public bool TryGetDecimal(int position, int component, out decimal value)
    {
        var span = GetComponent(position, component);
        if (span.IndexOf((byte)',') >= 0)
        {
            Span<byte> copy = stackalloc byte[Math.Min(span.Length, 64)];
            if (span.Length > 64)
            {
                value = 0;
                return false;
            }

            span.CopyTo(copy);
            copy.Replace((byte)',', (byte)'.');
            return Utf8Parser.TryParse(copy, out value, out var used) && used == copy.Length;
        }

        return Utf8Parser.TryParse(span, out value, out var consumed) && consumed == span.Length && span.Length > 0;
    }

    public override string ToString() => _encoding.GetString(_data);

    private string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return "";
        }

        if (_release < 0 || bytes.IndexOf((byte)_release) < 0)
        {
            return _encoding.GetString(bytes);
        }

        var buffer = bytes.Length <= 256 ? stackalloc byte[bytes.Length] : new byte[bytes.Length];
        var length = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == _release && i + 1 < bytes.Length)
            {
                i++;
            }

            buffer[length++] = bytes[i];
        }

        return _encoding.GetString(buffer[..length]);
    }
}
