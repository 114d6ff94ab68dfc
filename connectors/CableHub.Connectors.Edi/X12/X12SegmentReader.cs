using System.Buffers;
using System.Globalization;
using System.Text;

namespace CableHub.Connectors.Edi.X12;

/// <summary>
/// Streaming X12 segment tokenizer. Reads a <see cref="Stream"/> through one pooled buffer (never the whole
/// input): finds each segment by its terminator, splits elements by recording their offsets, and hands out a
/// <see cref="X12Segment"/> view over the buffer. Delimiters come from each ISA (element separator = byte 4,
/// ISA11 repetition separator from version 00402, ISA16 component separator, the next byte = segment terminator).
/// A UTF-8 byte-order mark and CR/LF/spaces/tabs between segments are skipped.
/// </summary>
public sealed class X12SegmentReader : IDisposable
{
    // Widths of ISA01..ISA16 in the fixed-width ISA.
    private static readonly int[] IsaWidths = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1];
    private const int IsaLength = 106; // including the segment terminator

    private readonly X12ReaderOptions _options;
    private readonly StreamWindow _in;
    private int[] _starts = new int[64];
    private int _startCount;
    private bool _started;
    private int _segStart;
    private int _segLength;
    private byte _element;
    private byte _componentByte;
    private byte _terminator; // the (first) byte of the segment terminator
    private byte[] _terminatorBytes = [];
    private int _repetition = -1;
    private int _isaEnd = -1; // when the current segment is an ISA: index of its terminator

    public X12SegmentReader(Stream stream, X12ReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _options = options ?? X12ReaderOptions.Default;
        _in = new StreamWindow(stream, _options.BufferSize);
    }

    /// <summary>Delimiters of the current interchange (set when an ISA is read).</summary>
    public X12Delimiters Delimiters { get; private set; }

    /// <summary>Ordinal of the current segment in the input (1-based).</summary>
    public long SegmentNumber { get; private set; }

    /// <summary>Byte offset of the current segment's first byte in the input.</summary>
    public long SegmentOffset { get; private set; }

    /// <summary>Bytes consumed so far (including the current segment and its terminator).</summary>
    public long BytesConsumed => _in.Offset + _in.Pos;

    /// <summary>The current segment; valid until the next <see cref="Read"/>.</summary>
    public X12Segment Current =>
        new(_in.Buffer.AsSpan(_segStart, _segLength), _starts.AsSpan(0, _startCount), _options.TextEncoding, _componentByte, _repetition);

    /// <summary>Advances to the next segment; false at the end of the input.</summary>
    public bool Read()
    {
        if (!_started)
        {
            _started = true;
            Start();
        }

        while (true)
        {
            // Skip CR/LF/space/tab between segments.
            while (_in.Pos < _in.End && IsInterSegmentSpace(_in.Buffer[_in.Pos]))
            {
                _in.Pos++;
            }

            if (_in.Pos < _in.End)
            {
                break;
            }

            if (!_in.Fill())
            {
                return false;
            }
        }

        SegmentNumber++;
        SegmentOffset = _in.Offset + _in.Pos;

        if (_in.Buffer[_in.Pos] == (byte)'I' && StartsIsa())
        {
            ReadIsa();
        }
        else if (SegmentNumber == 1)
        {
            throw NotX12(_in.Pos);
        }
        else if (_terminatorBytes.Length == 1)
        {
            FindSegment();
        }
        else
        {
            FindMultiByteSegment();
        }

        Split();
        return true;
    }

    public void Dispose() => _in.Dispose();

    internal EdiError ErrorHere(string reason, int? element = null) =>
        new(SegmentNumber, SegmentOffset, SegmentNumber == 0 ? "" : _options.TextEncoding.GetString(Current.Id), element, reason, EdiErrorLevel.Interchange);

    private static bool IsInterSegmentSpace(byte b) => b is (byte)'\n' or (byte)'\r' or (byte)' ' or (byte)'\t';

    private void Start()
    {
        _in.EnsureAvailable(4);
        if (_in.End - _in.Pos >= 3 && _in.Buffer[_in.Pos] == 0xEF && _in.Buffer[_in.Pos + 1] == 0xBB && _in.Buffer[_in.Pos + 2] == 0xBF)
        {
            _in.Pos += 3;
        }
        else if (_in.End - _in.Pos >= 2 && ((_in.Buffer[_in.Pos] == 0xFF && _in.Buffer[_in.Pos + 1] == 0xFE) || (_in.Buffer[_in.Pos] == 0xFE && _in.Buffer[_in.Pos + 1] == 0xFF)))
        {
            throw Fatal(0, "not an X12 interchange: the input is UTF-16 encoded (byte-order mark " +
                string.Create(CultureInfo.InvariantCulture, $"{_in.Buffer[_in.Pos]:X2} {_in.Buffer[_in.Pos + 1]:X2}") + "); X12 must be ASCII or UTF-8");
        }

        while (true)
        {
            while (_in.Pos < _in.End && IsInterSegmentSpace(_in.Buffer[_in.Pos]))
            {
                _in.Pos++;
            }

            if (_in.Pos < _in.End || !_in.Fill())
            {
                break;
            }
        }

        if (_in.Pos >= _in.End)
        {
            throw Fatal(_in.Offset + _in.Pos, "not an X12 interchange: the input is empty");
        }
    }

    private bool StartsIsa()
    {
        _in.EnsureAvailable(4);
        return _in.End - _in.Pos >= 4 && _in.Buffer[_in.Pos + 1] == (byte)'S' && _in.Buffer[_in.Pos + 2] == (byte)'A' && !char.IsAsciiLetterOrDigit((char)_in.Buffer[_in.Pos + 3]);
    }

    private void ReadIsa()
    {
        _in.EnsureAvailable(_options.StrictIsaWidth ? IsaLength + 3 : 512); // + the rest of a multi-byte terminator
        var span = _in.Buffer.AsSpan(_in.Pos, _in.End - _in.Pos);
        var element = span[3];
        if (element is (byte)' ' or (byte)'\r' or (byte)'\n' || char.IsAsciiLetterOrDigit((char)element))
        {
            throw IsaError($"ISA element separator {X12Delimiters.Show((char)element)} (byte 4 of ISA) is not usable as a delimiter");
        }

        // Find the 16 element separators.
        Span<int> seps = stackalloc int[16];
        var found = 0;
        for (var i = 3; i < span.Length && found < 16; i++)
        {
            if (span[i] == element)
            {
                seps[found++] = i;
            }
            else if (span[i] is (byte)'\n' or (byte)'\r' && found < 15)
            {
                break;
            }
        }

        if (found < 16)
        {
            throw IsaError(_in.Eof && span.Length < IsaLength
                ? string.Create(CultureInfo.InvariantCulture, $"ISA is truncated: {span.Length} bytes before the end of input, an ISA has {IsaLength}")
                : string.Create(CultureInfo.InvariantCulture, $"ISA has {found + 1} elements before its end, expected 16 separated by {X12Delimiters.Show((char)element)}"));
        }

        if (_options.StrictIsaWidth)
        {
            var expected = 3;
            for (var e = 0; e < 16; e++)
            {
                if (seps[e] != expected)
                {
                    var width = e == 0 ? 0 : seps[e] - seps[e - 1] - 1;
                    var name = string.Create(CultureInfo.InvariantCulture, $"ISA{e:00}");
                    throw IsaError(string.Create(CultureInfo.InvariantCulture,
                        $"ISA is not fixed-width: {name} is {width} characters long, expected {IsaWidths[e - 1]} (an ISA is exactly {IsaLength} bytes)"),
                        e);
                }

                expected += IsaWidths[e] + 1;
            }
        }

        var isa16 = seps[15] + 1;
        if (isa16 + 1 >= span.Length)
        {
            throw IsaError("ISA is truncated: no component separator (ISA16) and segment terminator before the end of input");
        }

        var component = span[isa16];
        var terminator = span[isa16 + 1];
        var terminatorLength = 1;
        var segmentChar = (char)terminator;
        if (terminator >= 0xC2)
        {
            // A multi-byte UTF-8 character (e.g. U+2026 '…' from a Windows tool) is the terminator as a whole; a byte
            // that does not start a valid sequence stays a single raw byte (e.g. 0x85, '…' in Windows-1252).
            if (Rune.DecodeFromUtf8(span[(isa16 + 1)..], out var rune, out var consumed) == OperationStatus.Done && consumed > 1)
            {
                if (!rune.IsBmp)
                {
                    throw IsaError(string.Create(CultureInfo.InvariantCulture,
                        $"the segment terminator after ISA16 is U+{rune.Value:X} (bytes {EdiText.Escape(span.Slice(isa16 + 1, consumed))}), outside the Basic Multilingual Plane: X12 delimiters are single characters"), 16);
                }

                terminatorLength = consumed;
                segmentChar = (char)rune.Value;
            }
            else if (span.Length > isa16 + 2 && span[isa16 + 2] is >= 0x80 and <= 0xBF)
            {
                // A lead byte followed by continuation bytes that do not make a character: a damaged multi-byte
                // terminator (a single-byte one would be followed by the next segment, never by 0x80-0xBF).
                var cut = 2;
                while (isa16 + 1 + cut < span.Length && cut < 4 && span[isa16 + 1 + cut] is >= 0x80 and <= 0xBF)
                {
                    cut++;
                }

                throw IsaError($"the segment terminator after ISA16 is a broken UTF-8 character: bytes {EdiText.Escape(span.Slice(isa16 + 1, Math.Min(cut + 1, span.Length - isa16 - 1)))} " +
                    "do not make one (a non-ASCII terminator such as '…' damaged when the file was converted?)", 16);
            }
        }

        if (char.IsAsciiLetterOrDigit((char)terminator) || terminator == (byte)' ')
        {
            throw IsaError($"ISA16 must be one character followed by the segment terminator, found {X12Delimiters.Show((char)component)}{X12Delimiters.Show((char)terminator)}" +
                (_options.StrictIsaWidth ? "" : " (ISA16 longer than one character?)"), 16);
        }

        // ISA11: repetition separator from 00402 on, otherwise the standards identifier ("U").
        var isa11 = span[seps[10] + 1];
        var versionSpan = span[(seps[11] + 1)..seps[12]].Trim((byte)' ');
        int repetition = -1;
        if (!char.IsAsciiLetterOrDigit((char)isa11) && isa11 != (byte)' ' &&
            (versionSpan.SequenceCompareTo("00402"u8) >= 0 || versionSpan.Length != 5))
        {
            repetition = isa11;
        }

        var delimiters = new X12Delimiters((char)element, (char)component, segmentChar, repetition < 0 ? null : (char)repetition) { Utf8Segment = terminatorLength > 1 };
        try
        {
            delimiters.Validate();
        }
        catch (ArgumentException ex)
        {
            throw IsaError("ISA declares unusable delimiters: " + ex.Message);
        }

        Delimiters = delimiters;
        _element = element;
        _componentByte = component;
        _terminator = terminator;
        _terminatorBytes = span.Slice(isa16 + 1, terminatorLength).ToArray();
        _repetition = repetition;

        _segStart = _in.Pos;
        _segLength = isa16 + 1;
        _in.Pos += isa16 + 1 + terminatorLength;
        _isaEnd = _segStart + _segLength;
    }

    private void FindSegment()
    {
        var searched = 0; // bytes after _in.Pos already searched without finding the terminator
        while (true)
        {
            var index = _in.Buffer.AsSpan(_in.Pos + searched, _in.End - _in.Pos - searched).IndexOf(_terminator);
            if (index >= 0)
            {
                _segStart = _in.Pos;
                _segLength = searched + index;
                _in.Pos += _segLength + 1;
                break;
            }

            searched = _in.End - _in.Pos;
            if (searched > _options.MaxSegmentLength)
            {
                throw SegmentError(string.Create(CultureInfo.InvariantCulture,
                    $"no segment terminator {Delimiters.SegmentText} within {_options.MaxSegmentLength} bytes"));
            }

            if (!_in.Fill())
            {
                // End of input inside a segment: accepted only when the terminator is a line break.
                if (_terminator is (byte)'\n' or (byte)'\r')
                {
                    _segStart = _in.Pos;
                    _segLength = _in.End - _in.Pos;
                    _in.Pos = _in.End;
                    break;
                }

                throw SegmentError(string.Create(CultureInfo.InvariantCulture,
                    $"missing segment terminator {Delimiters.SegmentText} at the end of input"));
            }
        }

        // A CR before an LF terminator belongs to the line break, not to the last element.
        if (_terminator == (byte)'\n' && _segLength > 0 && _in.Buffer[_segStart + _segLength - 1] == (byte)'\r')
        {
            _segLength--;
        }
    }

    /// <summary><see cref="FindSegment"/> for a terminator of several bytes (a multi-byte UTF-8 character).</summary>
    private void FindMultiByteSegment()
    {
        var terminator = _terminatorBytes;
        var searched = 0;
        while (true)
        {
            var index = _in.Buffer.AsSpan(_in.Pos + searched, _in.End - _in.Pos - searched).IndexOf(terminator);
            if (index >= 0)
            {
                _segStart = _in.Pos;
                _segLength = searched + index;
                _in.Pos += _segLength + terminator.Length;
                return;
            }

            // Search again from where a terminator cut by the end of the window may start.
            searched = Math.Max(0, _in.End - _in.Pos - (terminator.Length - 1));
            if (searched > _options.MaxSegmentLength)
            {
                throw SegmentError(string.Create(CultureInfo.InvariantCulture,
                    $"no segment terminator {Delimiters.SegmentText} within {_options.MaxSegmentLength} bytes"));
            }

            if (!_in.Fill())
            {
                throw SegmentError($"missing segment terminator {Delimiters.SegmentText} at the end of input");
            }
        }
    }

    private void Split()
    {
        var data = _in.Buffer.AsSpan(_segStart, _segLength);
        var starts = _starts;
        var count = 0;
        starts[count++] = 0;
        var element = _element;
        var offset = 0;
        while (true)
        {
            var next = data[offset..].IndexOf(element);
            if (next < 0)
            {
                break;
            }

            offset += next + 1;
            if (count + 2 > starts.Length)
            {
                Array.Resize(ref _starts, starts.Length * 2);
                starts = _starts;
            }

            starts[count++] = offset;
        }

        starts[count++] = data.Length + 1;
        _startCount = count;
    }

    private EdiParseException NotX12(int at)
    {
        var span = _in.Buffer.AsSpan(at, Math.Min(_in.End - at, 32));
        if (span.StartsWith("UNA"u8) || span.StartsWith("UNB"u8))
        {
            return Fatal(_in.Offset + at, $"not an X12 interchange: the input starts with {Encoding.ASCII.GetString(span[..3])}, which is an EDIFACT interchange");
        }

        return Fatal(_in.Offset + at, string.Create(CultureInfo.InvariantCulture,
            $"not an X12 interchange: expected \"ISA\" at byte {_in.Offset + at} but found \"{Preview(span, 24)}\""));
    }

    private EdiParseException IsaError(string reason, int? element = null) =>
        new(new EdiError(SegmentNumber, SegmentOffset, "ISA", element, reason, EdiErrorLevel.Interchange));

    /// <summary>An error about the input as a whole (not X12 at all): the message is the reason alone.</summary>
    private static EdiParseException Fatal(long offset, string reason) =>
        new(new EdiError(0, offset, "", null, reason, EdiErrorLevel.Interchange));

    /// <summary>An error about the segment starting at <see cref="SegmentOffset"/> that could not be delimited.</summary>
    private EdiParseException SegmentError(string reason)
    {
        var span = _in.Buffer.AsSpan(_in.Pos, _in.End - _in.Pos);
        var idEnd = span.IndexOf(_element);
        var id = Preview(span[..(idEnd < 0 ? Math.Min(span.Length, 3) : Math.Min(idEnd, 8))], 8);
        return new EdiParseException(new EdiError(SegmentNumber, SegmentOffset, id, null, reason, EdiErrorLevel.Interchange));
    }

    /// <summary>Input bytes for a message inside double quotes, escaped (never raw).</summary>
    internal static string Preview(ReadOnlySpan<byte> bytes, int max) => EdiText.Escape(bytes, max, quote: '"');
}
