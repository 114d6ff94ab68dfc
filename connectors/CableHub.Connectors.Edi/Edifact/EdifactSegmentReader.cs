using System.Buffers;
using System.Globalization;
using System.Text;
using CableHub.Connectors.Edi.X12;

namespace CableHub.Connectors.Edi.Edifact;

/// <summary>
/// Streaming EDIFACT segment tokenizer over a <see cref="Stream"/> with one pooled buffer. Service characters come
/// from UNA (reported as segment 1) or the defaults; a segment ends at the first terminator not escaped by the
/// release character; CR/LF/spaces/tabs between segments and a UTF-8 byte-order mark are skipped.
/// </summary>
public sealed class EdifactSegmentReader : IDisposable
{
    private readonly EdifactReaderOptions _options;
    private readonly StreamWindow _in;
    private int[] _starts = new int[64];
    private int _startCount;
    private bool _started;
    private int _segStart;
    private int _segLength;
    private byte _element = (byte)'+';
    private byte _component = (byte)':';
    private byte _terminator = (byte)'\'';
    private int _release = '?';

    public EdifactSegmentReader(Stream stream, EdifactReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _options = options ?? EdifactReaderOptions.Default;
        _in = new StreamWindow(stream, _options.BufferSize);
        Delimiters = EdifactDelimiters.Default;
    }

    public EdifactDelimiters Delimiters { get; private set; }

    /// <summary>True when the input began with a UNA service string advice.</summary>
    public bool HasServiceStringAdvice { get; private set; }

    public long SegmentNumber { get; private set; }

    public long SegmentOffset { get; private set; }

    public long BytesConsumed => _in.Offset + _in.Pos;

    public EdifactSegment Current =>
        new(_in.Buffer.AsSpan(_segStart, _segLength), _starts.AsSpan(0, _startCount), _options.TextEncoding, _component, _release);

    public bool Read()
    {
        if (!_started)
        {
            _started = true;
            if (Start())
            {
                return true;
            }
        }

        while (true)
        {
            while (_in.Pos < _in.End && _in.Buffer[_in.Pos] is (byte)'\n' or (byte)'\r' or (byte)' ' or (byte)'\t')
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
        FindSegment();
        Split();
        return true;
    }

    public void Dispose() => _in.Dispose();

    /// <summary>Handles BOM and UNA; true when UNA was read as the first segment.</summary>
    private bool Start()
    {
        _in.EnsureAvailable(16);
        if (_in.End - _in.Pos >= 3 && _in.Buffer[_in.Pos] == 0xEF && _in.Buffer[_in.Pos + 1] == 0xBB && _in.Buffer[_in.Pos + 2] == 0xBF)
        {
            _in.Pos += 3;
        }

        while (true)
        {
            while (_in.Pos < _in.End && _in.Buffer[_in.Pos] is (byte)'\n' or (byte)'\r' or (byte)' ' or (byte)'\t')
            {
                _in.Pos++;
            }

            if (_in.Pos < _in.End || !_in.Fill())
            {
                break;
            }
        }

        _in.EnsureAvailable(9);
        var span = _in.Buffer.AsSpan(_in.Pos, _in.End - _in.Pos);
        if (span.IsEmpty)
        {
            throw Fatal("not an EDIFACT interchange: the input is empty");
        }

        if (span.StartsWith("UNA"u8))
        {
            if (span.Length < 9)
            {
                throw Fatal("not an EDIFACT interchange: UNA service string advice is truncated (it needs 6 characters after UNA)");
            }

            var release = span[6] == (byte)' ' ? -1 : span[6];
            var repetition = span[7] == (byte)' ' ? (char?)null : (char)span[7];
            var delimiters = new EdifactDelimiters((char)span[3], (char)span[4], (char)span[5], release < 0 ? null : (char)release, repetition, (char)span[8]);
            var distinct = new HashSet<byte> { span[3], span[4], span[8] };
            if (distinct.Count != 3 || (release >= 0 && !distinct.Add((byte)release)))
            {
                throw Fatal($"UNA declares unusable service characters (they must be distinct): \"{X12SegmentReader.Preview(span[..9], 9)}\"");
            }

            Delimiters = delimiters;
            _component = span[3];
            _element = span[4];
            _release = release;
            _terminator = span[8];
            HasServiceStringAdvice = true;
            SegmentNumber = 1;
            SegmentOffset = _in.Offset + _in.Pos;
            _segStart = _in.Pos;
            _segLength = 3;
            _starts[0] = 0;
            _starts[1] = 4;
            _startCount = 2;
            _in.Pos += 9;
            return true;
        }

        if (!span.StartsWith("UNB"u8))
        {
            var hint = span.StartsWith("ISA"u8) ? " (the input is an X12 interchange)" : "";
            throw Fatal(string.Create(CultureInfo.InvariantCulture,
                $"not an EDIFACT interchange: expected \"UNA\" or \"UNB\" at byte {_in.Offset + _in.Pos} but found \"{X12SegmentReader.Preview(span, 24)}\"{hint}"));
        }

        return false;
    }

    private void FindSegment()
    {
        var searched = 0;
        while (true)
        {
            var span = _in.Buffer.AsSpan(_in.Pos + searched, _in.End - _in.Pos - searched);
            var index = _release < 0 ? span.IndexOf(_terminator) : span.IndexOfAny(_terminator, (byte)_release);
            if (index >= 0 && span[index] == _terminator)
            {
                _segStart = _in.Pos;
                _segLength = searched + index;
                _in.Pos += _segLength + 1;
                return;
            }

            if (index >= 0 && index + 1 < span.Length)
            {
                // Release character: the next byte is data, whatever it is.
                searched += index + 2;
                continue;
            }

            searched = index >= 0 ? searched + index : _in.End - _in.Pos;
            if (searched > _options.MaxSegmentLength)
            {
                throw SegmentError(string.Create(CultureInfo.InvariantCulture, $"no segment terminator '{(char)_terminator}' within {_options.MaxSegmentLength} bytes"));
            }

            if (!_in.Fill())
            {
                throw SegmentError($"missing segment terminator '{(char)_terminator}' at the end of input");
            }
        }
    }

    private void Split()
    {
        var data = _in.Buffer.AsSpan(_segStart, _segLength);
        var starts = _starts;
        var count = 0;
        starts[count++] = 0;
        for (var i = 0; i < data.Length; i++)
        {
            var b = data[i];
            if (b == _release)
            {
                i++;
            }
            else if (b == _element)
            {
                if (count + 2 > starts.Length)
                {
                    Array.Resize(ref _starts, starts.Length * 2);
                    starts = _starts;
                }

                starts[count++] = i + 1;
            }
        }

        starts[count++] = data.Length + 1;
        _startCount = count;
    }

    private static EdiParseException Fatal(string reason) => new(new EdiError(0, 0, "", null, reason, EdiErrorLevel.Interchange));

    private EdiParseException SegmentError(string reason)
    {
        var span = _in.Buffer.AsSpan(_in.Pos, _in.End - _in.Pos);
        var idEnd = span.IndexOf(_element);
        var id = X12SegmentReader.Preview(span[..(idEnd < 0 ? Math.Min(span.Length, 3) : Math.Min(idEnd, 8))], 8);
        return new EdiParseException(new EdiError(SegmentNumber, SegmentOffset, id, null, reason, EdiErrorLevel.Interchange));
    }
}
