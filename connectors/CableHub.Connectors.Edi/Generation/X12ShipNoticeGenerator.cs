using System.Buffers.Text;
using System.Globalization;
using System.Text;
using CableHub.Connectors.Edi.X12;

namespace CableHub.Connectors.Edi.Generation;

/// <summary>Shape of generated 856 interchanges (sizes, delimiters, layout).</summary>
public sealed record X12ShipNoticeGeneratorOptions
{
    public X12Delimiters Delimiters { get; init; } = X12Delimiters.Default4010;

    /// <summary>Written after each segment terminator: "", "\n" or "\r\n".</summary>
    public string LineEnding { get; init; } = "\n";

    /// <summary>Written before each segment once per HL depth (indentation), e.g. "  ".</summary>
    public string Indent { get; init; } = "";

    public bool ByteOrderMark { get; init; }

    /// <summary>Generate transaction sets until the output reaches this many bytes (null: <see cref="Transactions"/>).</summary>
    public long? TargetBytes { get; init; }

    public int Transactions { get; init; } = 1;

    public int OrdersPerShipment { get; init; } = 2;

    public int PackagesPerOrder { get; init; } = 3;

    public int ItemsPerPackage { get; init; } = 2;

    /// <summary>REF serial numbers per item (the item quantity then equals this); 0 = unserialized items with random quantities.</summary>
    public int SerialsPerItem { get; init; } = 10;

    /// <summary>P levels nested inside each other per package (1 = flat); the items hang under the innermost.</summary>
    public int PackNestingDepth { get; init; } = 1;

    /// <summary>Every n-th package gets an SSCC with a wrong check digit (0 = never).</summary>
    public int BadSsccEvery { get; init; }

    public string SerialQualifier { get; init; } = "SN";

    public int Seed { get; init; } = 1;

    /// <summary>Supplier model codes used for items (letters and digits only, so no delimiter can clash).</summary>
    public IReadOnlyList<string> ModelCodes { get; init; } = ["STB4K100", "STBHD200", "CMDOCSIS31", "ONTGPON10", "RMTIR5"];

    public string PurchaseOrderPrefix { get; init; } = "PO";

    public long InterchangeControlNumber { get; init; } = 1;
}

/// <summary>Counts of what was generated, updated while generating (final once the output is complete).</summary>
public sealed class X12GeneratorStatistics
{
    public long Bytes { get; internal set; }

    public int Transactions { get; internal set; }

    public long Segments { get; internal set; }

    public long HierarchicalLevels { get; internal set; }

    public long Orders { get; internal set; }

    public long Packages { get; internal set; }

    public long Items { get; internal set; }

    public long SerialNumbers { get; internal set; }

    public decimal Quantity { get; internal set; }

    public int MaxDepth { get; internal set; }
}

/// <summary>
/// Generates realistic X12 856 interchanges of any size: shipment → orders (PRF) → packs (MAN*GM valid SSCC-18,
/// optionally nested) → items (LIN VP/UP, SN1, REF serial numbers), with CTT totals and correct envelope counts.
/// Output goes to a stream, a byte array, or a lazily produced non-seekable stream that never holds more than one
/// transaction set (for streaming tests of hundreds of megabytes).
/// </summary>
public sealed class X12ShipNoticeGenerator
{
    private readonly X12ShipNoticeGeneratorOptions _options;
    private readonly Random _random;
    private readonly byte[] _lineEnding;
    private readonly byte[] _indent;
    private readonly string[] _gtins;
    private readonly byte _element;
    private readonly byte _terminator;
    private Phase _phase = Phase.Header;
    private long _serial;
    private long _package;
    private int _poNumber;

    public X12ShipNoticeGenerator(X12ShipNoticeGeneratorOptions? options = null)
    {
        _options = options ?? new X12ShipNoticeGeneratorOptions();
        _options.Delimiters.Validate();
        if (_options.Delimiters.SegmentBytes.Length != 1)
        {
            throw new ArgumentException($"the generator writes single-byte segment terminators, not {_options.Delimiters}");
        }

        if (_options.ModelCodes.Count == 0 || _options.ModelCodes.Any(m => m.Length == 0 || !m.All(char.IsAsciiLetterOrDigit)))
        {
            throw new ArgumentException("model codes must be non-empty letters and digits");
        }

        if (_options.LineEnding is not ("" or "\n" or "\r\n" or "\r") || !_options.Indent.All(c => c is ' ' or '\t'))
        {
            throw new ArgumentException("line ending must be \"\", \\n, \\r\\n or \\r and indentation spaces or tabs");
        }

        _random = new Random(_options.Seed);
        _lineEnding = Encoding.ASCII.GetBytes(_options.LineEnding);
        _indent = Encoding.ASCII.GetBytes(_options.Indent);
        _element = (byte)_options.Delimiters.Element;
        _terminator = (byte)_options.Delimiters.Segment;
        _gtins = _options.ModelCodes.Select((_, i) =>
        {
            var body = "08123" + (45000 + i).ToString("D6", CultureInfo.InvariantCulture);
            return body + (char)('0' + Sscc.CheckDigit(body));
        }).ToArray();
    }

    private enum Phase
    {
        Header,
        Transactions,
        Trailer,
        Done,
    }

    public X12GeneratorStatistics Statistics { get; } = new();

    public void WriteTo(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var chunk = new Chunk();
        while (Next(chunk))
        {
            output.Write(chunk.Span);
            chunk.Clear();
        }
    }

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        WriteTo(stream);
        return stream.ToArray();
    }

    /// <summary>A non-seekable stream that produces the interchange as it is read.</summary>
    public Stream OpenStream() => new GeneratedStream(this);

    /// <summary>Produces the next piece of output (envelope header, one transaction set, or the trailer); false when done.</summary>
    private bool Next(Chunk chunk)
    {
        chunk.Generator = this;
        switch (_phase)
        {
            case Phase.Header:
                WriteHeader(chunk);
                _phase = Phase.Transactions;
                break;
            case Phase.Transactions:
                WriteTransaction(chunk);
                var more = _options.TargetBytes is { } target
                    ? Statistics.Bytes + chunk.Length < target - 40
                    : Statistics.Transactions < _options.Transactions;
                if (!more)
                {
                    _phase = Phase.Trailer;
                }

                break;
            case Phase.Trailer:
                var segments = Statistics.Segments;
                chunk.Segment(0, "GE").Element(Statistics.Transactions).Element(1).End();
                chunk.Segment(0, "IEA").Element(1).Element(_options.InterchangeControlNumber.ToString("D9", CultureInfo.InvariantCulture)).End();
                Statistics.Segments = segments + 2;
                _phase = Phase.Done;
                break;
            default:
                return false;
        }

        Statistics.Bytes += chunk.Length;
        return true;
    }

    private void WriteHeader(Chunk chunk)
    {
        chunk.Generator = this;
        if (_options.ByteOrderMark)
        {
            chunk.Raw([0xEF, 0xBB, 0xBF]);
        }

        var d = _options.Delimiters;
        var repetition = d.Repetition;
        var isa = string.Join(d.Element,
            "ISA", "00", new string(' ', 10), "00", new string(' ', 10), "ZZ", "CABLEHUBSUPPLY".PadRight(15), "ZZ", "CABLEHUB".PadRight(15),
            "240115", "1030", repetition?.ToString() ?? "U", repetition is null ? "00401" : "00501",
            _options.InterchangeControlNumber.ToString("D9", CultureInfo.InvariantCulture), "0", "T", d.Component.ToString());
        chunk.Raw(Encoding.Latin1.GetBytes(isa));
        chunk.EndRaw(0);
        chunk.Segment(0, "GS").Element("SH").Element("CABLEHUBSUPPLY").Element("CABLEHUB").Element("20240115").Element("1030").Element(1).Element("X")
            .Element(repetition is null ? "004010" : "005010").End();
        Statistics.Segments += 2;
    }

    private void WriteTransaction(Chunk chunk)
    {
        chunk.Generator = this;
        var o = _options;
        var number = ++Statistics.Transactions;
        var control = number.ToString("D4", CultureInfo.InvariantCulture);
        var start = chunk.Segments;
        chunk.Segment(0, "ST").Element("856").Element(control).End();
        chunk.Segment(0, "BSN").Element("00").Element("SHP" + number.ToString("D8", CultureInfo.InvariantCulture)).Element("20240115").Element("1030").Element("0001").End();
        chunk.Segment(0, "DTM").Element("011").Element("20240115").End();
        var hl = 0;
        var items = 0L;
        decimal quantityTotal = 0;
        chunk.Segment(0, "HL").Element(++hl).Element("").Element("S").Element(1).End();
        chunk.Segment(1, "TD1").Element("CTN").Element(o.OrdersPerShipment * o.PackagesPerOrder).Element("").Element("").Element("").Element("G")
            .Element(12 * o.OrdersPerShipment * o.PackagesPerOrder).Element("LB").End();
        chunk.Segment(1, "TD5").Element("").Element("2").Element("UPSN").Element("").Element("UPS GROUND").End();
        chunk.Segment(1, "REF").Element("BM").Element("BOL" + number.ToString("D8", CultureInfo.InvariantCulture)).End();
        chunk.Segment(1, "DTM").Element("017").Element("20240118").End();
        chunk.Segment(1, "N1").Element("SF").Element("CABLEHUB SUPPLY INC").Element("92").Element("SUP001").End();
        chunk.Segment(1, "N1").Element("ST").Element("CABLEHUB WAREHOUSE").Element("92").Element("WH01").End();
        Statistics.MaxDepth = Math.Max(Statistics.MaxDepth, 0);
        for (var order = 0; order < o.OrdersPerShipment; order++)
        {
            var orderId = ++hl;
            chunk.Segment(1, "HL").Element(orderId).Element(1).Element("O").Element(1).End();
            chunk.Segment(2, "PRF").Element(o.PurchaseOrderPrefix + (++_poNumber).ToString("D7", CultureInfo.InvariantCulture)).End();
            Statistics.Orders++;
            for (var p = 0; p < o.PackagesPerOrder; p++)
            {
                var parent = orderId;
                var depth = 1;
                for (var nest = 0; nest < Math.Max(1, o.PackNestingDepth); nest++)
                {
                    var packId = ++hl;
                    depth++;
                    chunk.Segment(depth, "HL").Element(packId).Element(parent).Element("P").Element(1).End();
                    chunk.Segment(depth + 1, "MAN").Element("GM").Element(NextSscc()).End();
                    parent = packId;
                    Statistics.Packages++;
                }

                Statistics.MaxDepth = Math.Max(Statistics.MaxDepth, depth + 1);
                for (var i = 0; i < o.ItemsPerPackage; i++)
                {
                    var model = _random.Next(o.ModelCodes.Count);
                    var quantity = o.SerialsPerItem > 0 ? o.SerialsPerItem : _random.Next(1, 50);
                    chunk.Segment(depth + 1, "HL").Element(++hl).Element(parent).Element("I").Element(0).End();
                    chunk.Segment(depth + 2, "LIN").Element(i + 1).Element("VP").Element(o.ModelCodes[model]).Element("UP").Element(_gtins[model]).End();
                    chunk.Segment(depth + 2, "SN1").Element("").Element(quantity).Element("EA").End();
                    for (var s = 0; s < o.SerialsPerItem; s++)
                    {
                        chunk.Segment(depth + 2, "REF").Element(o.SerialQualifier).Serial(++_serial).End();
                    }

                    items++;
                    quantityTotal += quantity;
                    Statistics.SerialNumbers += o.SerialsPerItem;
                }
            }
        }

        chunk.Segment(0, "CTT").Element(hl).Element((long)quantityTotal).End();
        var count = chunk.Segments - start + 1;
        chunk.Segment(0, "SE").Element(count).Element(control).End();
        Statistics.Segments += count;
        Statistics.HierarchicalLevels += hl;
        Statistics.Items += items;
        Statistics.Quantity += quantityTotal;
    }

    private string NextSscc()
    {
        var body = "0" + "0614141" + (++_package).ToString("D9", CultureInfo.InvariantCulture);
        var sscc = Sscc.Create(body);
        if (_options.BadSsccEvery > 0 && _package % _options.BadSsccEvery == 0)
        {
            sscc = body + (char)('0' + ((sscc[17] - '0' + 1) % 10));
        }

        return sscc;
    }

    /// <summary>A growable byte buffer with an X12 segment builder over it.</summary>
    private sealed class Chunk
    {
        private byte[] _buffer = new byte[64 * 1024];

        public X12ShipNoticeGenerator Generator { get; set; } = null!;

        public int Length { get; private set; }

        public long Segments { get; private set; }

        public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

        public void Clear() => Length = 0;

        public void Raw(ReadOnlySpan<byte> bytes)
        {
            Ensure(bytes.Length);
            bytes.CopyTo(_buffer.AsSpan(Length));
            Length += bytes.Length;
        }

        public void EndRaw(int depth)
        {
            _ = depth;
            Ensure(1 + Generator._lineEnding.Length);
            _buffer[Length++] = Generator._terminator;
            Raw(Generator._lineEnding);
            Segments++;
        }

        public Chunk Segment(int depth, string id)
        {
            for (var i = 0; i < depth && Generator._indent.Length > 0; i++)
            {
                Raw(Generator._indent);
            }

            Ensure(id.Length);
            foreach (var c in id)
            {
                _buffer[Length++] = (byte)c;
            }

            return this;
        }

        public Chunk Element(string value)
        {
            Ensure(value.Length + 1);
            _buffer[Length++] = Generator._element;
            foreach (var c in value)
            {
                _buffer[Length++] = (byte)c;
            }

            return this;
        }

        public Chunk Element(long value)
        {
            Ensure(21);
            _buffer[Length++] = Generator._element;
            Utf8Formatter.TryFormat(value, _buffer.AsSpan(Length), out var written);
            Length += written;
            return this;
        }

        public Chunk Serial(long value)
        {
            Ensure(16);
            _buffer[Length++] = Generator._element;
            _buffer[Length++] = (byte)'C';
            _buffer[Length++] = (byte)'H';
            Utf8Formatter.TryFormat(value, _buffer.AsSpan(Length), out var written, new System.Buffers.StandardFormat('D', 10));
            Length += written;
            return this;
        }

        public void End() => EndRaw(0);

        private void Ensure(int more)
        {
            if (Length + more > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + more));
            }
        }
    }

    /// <summary>Read-only, non-seekable stream pulling chunks from the generator.</summary>
    private sealed class GeneratedStream(X12ShipNoticeGenerator generator) : Stream
    {
        private readonly Chunk _chunk = new();
        private int _offset;
        private bool _done;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            while (_offset >= _chunk.Length)
            {
                if (_done)
                {
                    return 0;
                }

                _chunk.Clear();
                _offset = 0;
                if (!generator.Next(_chunk))
                {
                    _done = true;
                    return 0;
                }
            }

            var n = Math.Min(buffer.Length, _chunk.Length - _offset);
            _chunk.Span.Slice(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
