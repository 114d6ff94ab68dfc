using System.Globalization;
using System.Text;

namespace CableHub.Connectors.Edi.X12;

/// <summary>Envelope values for X12 output (850, 997, generated 856s). Control numbers are passed in by the caller.</summary>
public sealed record X12EnvelopeOptions(
    string SenderQualifier,
    string SenderId,
    string ReceiverQualifier,
    string ReceiverId,
    long InterchangeControlNumber,
    long GroupControlNumber,
    DateTimeOffset Timestamp)
{
    /// <summary>GS02; defaults to <see cref="SenderId"/>.</summary>
    public string? ApplicationSenderCode { get; init; }

    /// <summary>GS03; defaults to <see cref="ReceiverId"/>.</summary>
    public string? ApplicationReceiverCode { get; init; }

    /// <summary>ST02 of the (first) transaction set; formatted with at least 4 digits.</summary>
    public long TransactionControlNumber { get; init; } = 1;

    /// <summary>ISA12; must be 00402 or later when <see cref="X12Delimiters.Repetition"/> is set.</summary>
    public string InterchangeVersion { get; init; } = "00401";

    /// <summary>GS08.</summary>
    public string GroupVersion { get; init; } = "004010";

    /// <summary>ISA15: P production, T test.</summary>
    public char UsageIndicator { get; init; } = 'P';

    /// <summary>ISA14.</summary>
    public bool AcknowledgmentRequested { get; init; }

    public X12Delimiters Delimiters { get; init; } = X12Delimiters.Default4010;

    /// <summary>Written after every segment terminator ("" for one long line, "\n" or "\r\n" for one segment per line).</summary>
    public string LineEnding { get; init; } = "\n";
}

/// <summary>
/// Writes X12 segments to a stream with the given delimiters: values are checked not to contain any delimiter
/// (composites are not written by this project),
/// trailing empty elements are dropped, and the number of segments written since <see cref="StartCounting"/> is kept for SE01.
/// </summary>
public sealed class X12SegmentWriter : IDisposable
{
    private static readonly int[] IsaWidths = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1];
    private readonly Stream _output;
    private readonly X12Delimiters _delimiters;
    private readonly Encoding _encoding;
    private readonly byte[] _lineEnding;
    private readonly byte[] _terminator;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _length;

    public X12SegmentWriter(Stream output, X12Delimiters delimiters, string lineEnding = "\n", Encoding? encoding = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        delimiters.Validate();
        _output = output;
        _delimiters = delimiters;
        _encoding = encoding ?? Encoding.UTF8;
        _lineEnding = Encoding.ASCII.GetBytes(lineEnding ?? "");
        _terminator = delimiters.SegmentBytes;
    }

    /// <summary>Segments written since the last <see cref="StartCounting"/>.</summary>
    public int Count { get; private set; }

    public long BytesWritten { get; private set; }

    public void StartCounting() => Count = 0;

    /// <summary>Writes one segment; null or empty trailing elements are omitted.</summary>
    public void Write(string id, params ReadOnlySpan<string?> elements)
    {
        var last = elements.Length - 1;
        while (last >= 0 && string.IsNullOrEmpty(elements[last]))
        {
            last--;
        }

        WriteText(id, id, 0);
        for (var i = 0; i <= last; i++)
        {
            WriteByte((byte)_delimiters.Element);
            WriteText(elements[i] ?? "", id, i + 1);
        }

        EndSegment();
    }

    /// <summary>Writes the fixed-width ISA and the GS of a one-group interchange.</summary>
    public void WriteInterchangeHeader(X12EnvelopeOptions envelope, string functionalIdCode)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (envelope.Delimiters.Repetition is not null && string.CompareOrdinal(envelope.InterchangeVersion, "00402") < 0)
        {
            throw new ArgumentException($"a repetition separator needs ISA12 version 00402 or later, not {envelope.InterchangeVersion}");
        }

        var t = envelope.Timestamp;
        string[] isa =
        [
            "00", "", "00", "", envelope.SenderQualifier, envelope.SenderId, envelope.ReceiverQualifier, envelope.ReceiverId,
            t.ToString("yyMMdd", CultureInfo.InvariantCulture), t.ToString("HHmm", CultureInfo.InvariantCulture),
            envelope.Delimiters.Repetition?.ToString() ?? "U", envelope.InterchangeVersion,
            envelope.InterchangeControlNumber.ToString("D9", CultureInfo.InvariantCulture), envelope.AcknowledgmentRequested ? "1" : "0",
            envelope.UsageIndicator.ToString(), envelope.Delimiters.Component.ToString(),
        ];
        WriteText("ISA", "ISA", 0);
        for (var i = 0; i < isa.Length; i++)
        {
            var value = isa[i];
            if (value.Length > IsaWidths[i])
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"ISA{i + 1:00} '{value}' is longer than {IsaWidths[i]} characters"));
            }

            WriteByte((byte)_delimiters.Element);
            if (i == 15)
            {
                WriteByte((byte)_delimiters.Component);
            }
            else
            {
                WriteText(value.PadRight(IsaWidths[i]), "ISA", i + 1, allowRepetition: i == 10);
            }
        }

        EndSegment();
        Write("GS", functionalIdCode, envelope.ApplicationSenderCode ?? envelope.SenderId, envelope.ApplicationReceiverCode ?? envelope.ReceiverId,
            t.ToString("yyyyMMdd", CultureInfo.InvariantCulture), t.ToString("HHmm", CultureInfo.InvariantCulture),
            envelope.GroupControlNumber.ToString(CultureInfo.InvariantCulture), "X", envelope.GroupVersion);
    }

    public void WriteInterchangeTrailer(X12EnvelopeOptions envelope, int transactionCount)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        Write("GE", transactionCount.ToString(CultureInfo.InvariantCulture), envelope.GroupControlNumber.ToString(CultureInfo.InvariantCulture));
        Write("IEA", "1", envelope.InterchangeControlNumber.ToString("D9", CultureInfo.InvariantCulture));
    }

    public static string ControlNumber(long value) => value.ToString("D4", CultureInfo.InvariantCulture);

    public static string Decimal(decimal value) => value.ToString("0.##########", CultureInfo.InvariantCulture);

    public void Flush()
    {
        if (_length > 0)
        {
            _output.Write(_buffer, 0, _length);
            _length = 0;
        }

        _output.Flush();
    }

    public void Dispose() => Flush();

    private void EndSegment()
    {
        foreach (var b in _terminator)
        {
            WriteByte(b);
        }

        foreach (var b in _lineEnding)
        {
            WriteByte(b);
        }

        Count++;
    }

    private void WriteText(string value, string id, int position, bool allowRepetition = false)
    {
        Check(value, id, position, allowRepetition);
        var max = _encoding.GetMaxByteCount(value.Length);
        if (_buffer.Length - _length < max)
        {
            _output.Write(_buffer, 0, _length);
            _length = 0;
        }

        if (max > _buffer.Length)
        {
            var bytes = _encoding.GetBytes(value);
            _output.Write(bytes);
            BytesWritten += bytes.Length;
            return;
        }

        var written = _encoding.GetBytes(value, _buffer.AsSpan(_length));
        _length += written;
        BytesWritten += written;
    }

    private void WriteByte(byte b)
    {
        if (_length == _buffer.Length)
        {
            _output.Write(_buffer, 0, _length);
            _length = 0;
        }

        _buffer[_length++] = b;
        BytesWritten++;
    }

    private void Check(string value, string id, int position, bool allowRepetition)
    {
        foreach (var c in value)
        {
            if (c == _delimiters.Element || c == _delimiters.Segment || c == _delimiters.Component ||
                (!allowRepetition && _delimiters.Repetition == c))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"{id}{position:00} value '{value}' contains the delimiter {X12Delimiters.Show(c)}"));
            }
        }
    }
}
