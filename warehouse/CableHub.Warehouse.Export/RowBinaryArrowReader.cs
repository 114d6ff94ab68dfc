using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace CableHub.Warehouse.Export;

/// <summary>
/// Reads ClickHouse's <c>RowBinaryWithNamesAndTypes</c> output and hands it on as Arrow record batches of at most
/// <c>batchRows</c> rows, so memory stays at one batch whatever the result's size. RowBinary is what every ClickHouse
/// streams row by row — the embedded engine (chDB) builds an <c>ArrowStream</c> result whole before its first byte,
/// a server streams both — so the exporter reads this and builds the Arrow arrays itself.
/// </summary>
/// <remarks>
/// Types (after <see cref="WarehouseExporter"/> normalised the query): Bool, (U)Int8–64, Float32/64, String,
/// FixedString (as text, trailing zero bytes removed), Decimal up to 38 digits (Decimal128), Date32, DateTime64 (Arrow
/// timestamp: s, ms, µs or ns by precision; the zone of the type, else the server's), Nothing (always NULL), Nullable
/// and LowCardinality of these, and Array of these (Arrow list). The decoding runs synchronously on a pool thread per
/// batch; the body is read through a 64 KiB buffer.
/// </remarks>
internal sealed class RowBinaryArrowReader
{
    private readonly Input _input;
    private readonly int _batchRows;
    private readonly Column[] _columns;

    private RowBinaryArrowReader(Input input, int batchRows, Column[] columns, Schema schema)
    {
        _input = input;
        _batchRows = batchRows;
        _columns = columns;
        Schema = schema;
    }

    public Schema Schema { get; }

    /// <summary>Reads the header (names and types) and prepares one builder per column.</summary>
    public static async Task<RowBinaryArrowReader> OpenAsync(Stream body, string serverTimeZone, int batchRows, CancellationToken ct)
    {
        var input = new Input(body);
        return await Task.Run(() => input.Guard(() =>
        {
            var count = checked((int)input.ReadVarUInt());
            var names = new string[count];
            for (var i = 0; i < count; i++)
            {
                names[i] = input.ReadString();
            }

            var columns = new Column[count];
            var fields = new List<Field>(count);
            for (var i = 0; i < count; i++)
            {
                var type = input.ReadString();
                columns[i] = Column.For(names[i], type, serverTimeZone);
                fields.Add(new Field(names[i], columns[i].Type, columns[i].Nullable));
            }

            return new RowBinaryArrowReader(input, batchRows, columns, new Schema(fields, null));
        }), ct).ConfigureAwait(false);
    }

    /// <summary>The next batch, or null at the end of the result.</summary>
    public Task<RecordBatch?> ReadNextRecordBatchAsync(CancellationToken ct) => Task.Run(() => _input.Guard(() => ReadBatch(ct)), ct);

    private RecordBatch? ReadBatch(CancellationToken ct)
    {
        var rows = 0;
        while (rows < _batchRows && !_input.AtEnd())
        {
            if ((rows & 0xFFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            foreach (var column in _columns)
            {
                column.ReadValue(_input);
            }

            rows++;
        }

        return rows == 0 ? null : new RecordBatch(Schema, _columns.Select(c => c.Build()), rows);
    }

    /// <summary>One column's decoder and Arrow builder; <see cref="Build"/> hands out the array and starts a new one.</summary>
    private abstract class Column
    {
        private ArrowBuffer.BitmapBuilder _validity = new();

        public required IArrowType Type { get; init; }

        public bool Nullable { get; init; }

        protected int Length => _validity.Length;

        public static Column For(string name, string type, string serverTimeZone)
        {
            var nullable = false;
            var inner = type.Trim();
            while (true)
            {
                if (Unwrap(ref inner, "Nullable("))
                {
                    nullable = true;
                }
                else if (!Unwrap(ref inner, "LowCardinality("))
                {
                    break;
                }
            }

            Column column = inner switch
            {
                "Bool" => new BoolColumn { Type = BooleanType.Default, Nullable = nullable },
                "Int8" => new Fixed<sbyte>(1) { Type = Int8Type.Default, Nullable = nullable },
                "Int16" => new Fixed<short>(2) { Type = Int16Type.Default, Nullable = nullable },
                "Int32" => new Fixed<int>(4) { Type = Int32Type.Default, Nullable = nullable },
                "Int64" => new Fixed<long>(8) { Type = Int64Type.Default, Nullable = nullable },
                "UInt8" => new Fixed<byte>(1) { Type = UInt8Type.Default, Nullable = nullable },
                "UInt16" => new Fixed<ushort>(2) { Type = UInt16Type.Default, Nullable = nullable },
                "UInt32" => new Fixed<uint>(4) { Type = UInt32Type.Default, Nullable = nullable },
                "UInt64" => new Fixed<ulong>(8) { Type = UInt64Type.Default, Nullable = nullable },
                "Float32" => new Fixed<float>(4) { Type = FloatType.Default, Nullable = nullable },
                "Float64" => new Fixed<double>(8) { Type = DoubleType.Default, Nullable = nullable },
                "Date32" => new Fixed<int>(4) { Type = Date32Type.Default, Nullable = nullable },
                "String" => new StringColumn(fixedLength: 0) { Type = StringType.Default, Nullable = nullable },
                "Nothing" => new NothingColumn { Type = StringType.Default, Nullable = true },
                _ when inner.StartsWith("FixedString(", StringComparison.Ordinal) =>
                    new StringColumn(int.Parse(Arguments(inner)[0], CultureInfo.InvariantCulture)) { Type = StringType.Default, Nullable = nullable },
                _ when inner.StartsWith("Decimal(", StringComparison.Ordinal) => Decimal(inner, nullable),
                _ when inner.StartsWith("DateTime64(", StringComparison.Ordinal) => Timestamp(inner, serverTimeZone, nullable),
                _ when inner.StartsWith("Array(", StringComparison.Ordinal) => List(name, inner, serverTimeZone, nullable),
                _ => throw new NotSupportedException($"column {name}: ClickHouse type {type} is not one the exporter decodes"),
            };
            return column;
        }

        private static bool Unwrap(ref string type, string wrapper)
        {
            if (type.StartsWith(wrapper, StringComparison.Ordinal) && type.EndsWith(')'))
            {
                type = type[wrapper.Length..^1].Trim();
                return true;
            }

            return false;
        }

        /// <summary>Top-level arguments of <c>Name(a, b, ...)</c>, quotes removed.</summary>
        internal static List<string> Arguments(string type)
        {
            var body = type[(type.IndexOf('(', StringComparison.Ordinal) + 1)..^1];
            var parts = new List<string>();
            var depth = 0;
            var quoted = false;
            var start = 0;
            for (var i = 0; i < body.Length; i++)
            {
                var c = body[i];
                if (quoted)
                {
                    if (c == '\\')
                    {
                        i++;
                    }
                    else if (c == '\'')
                    {
                        quoted = false;
                    }
                }
                else if (c == '\'')
                {
                    quoted = true;
                }
                else if (c == '(')
                {
                    depth++;
                }
                else if (c == ')')
                {
                    depth--;
                }
                else if (c == ',' && depth == 0)
                {
                    parts.Add(body[start..i].Trim());
                    start = i + 1;
                }
            }

            parts.Add(body[start..].Trim());
            return [.. parts.Select(p => p.Length >= 2 && p[0] == '\'' && p[^1] == '\'' ? p[1..^1] : p)];
        }

        private static Column Decimal(string type, bool nullable)
        {
            var args = Arguments(type);
            var precision = int.Parse(args[0], CultureInfo.InvariantCulture);
            var scale = int.Parse(args[1], CultureInfo.InvariantCulture);
            if (precision > 38)
            {
                throw new NotSupportedException($"Decimal({precision}, {scale}) is wider than Arrow's Decimal128; the exporter sends it as text");
            }

            return new DecimalColumn(precision <= 9 ? 4 : precision <= 18 ? 8 : 16) { Type = new Decimal128Type(precision, scale), Nullable = nullable };
        }

        private static Column Timestamp(string type, string serverTimeZone, bool nullable)
        {
            var args = Arguments(type);
            var precision = int.Parse(args[0], CultureInfo.InvariantCulture);
            var zone = args.Count > 1 ? args[1] : serverTimeZone;
            var (unit, digits) = precision switch
            {
                0 => (TimeUnit.Second, 0),
                <= 3 => (TimeUnit.Millisecond, 3),
                <= 6 => (TimeUnit.Microsecond, 6),
                _ => (TimeUnit.Nanosecond, 9),
            };
            var factor = 1L;
            for (var i = precision; i < digits; i++)
            {
                factor *= 10;
            }

            return new TimestampColumn(factor) { Type = new TimestampType(unit, zone), Nullable = nullable };
        }

        private static Column List(string name, string type, string serverTimeZone, bool nullable)
        {
            var element = For(name, type["Array(".Length..^1], serverTimeZone);
            return new ListColumn(element) { Type = new ListType(new Field("item", element.Type, element.Nullable)), Nullable = nullable };
        }

        /// <summary>One value, with its NULL flag when the column is Nullable.</summary>
        public void ReadValue(Input input)
        {
            if (Nullable && input.ReadByte() != 0)
            {
                _validity.Append(false);
                AppendDefault();
                return;
            }

            _validity.Append(true);
            Read(input);
        }

        protected abstract void Read(Input input);

        protected abstract void AppendDefault();

        protected abstract ArrowBuffer[] TakeBuffers(ArrowBuffer validity, out ArrayData[]? children);

        public IArrowArray Build() => ArrowArrayFactory.BuildArray(BuildData());

        public ArrayData BuildData()
        {
            var length = _validity.Length;
            var nulls = _validity.UnsetBitCount;
            var validity = nulls == 0 ? ArrowBuffer.Empty : _validity.Build();
            _validity = new ArrowBuffer.BitmapBuilder();
            var buffers = TakeBuffers(validity, out var children);
            return new ArrayData(Type, length, nulls, 0, buffers, children);
        }
    }

    private sealed class Fixed<T>(int size) : Column
        where T : struct
    {
        private ArrowBuffer.Builder<T> _values = new();

        protected override void Read(Input input)
        {
            var bytes = input.Take(size);
            _values.Append(System.Runtime.InteropServices.MemoryMarshal.Read<T>(bytes));
        }

        protected override void AppendDefault() => _values.Append(default(T));

        protected override ArrowBuffer[] TakeBuffers(ArrowBuffer validity, out ArrayData[]? children)
        {
            children = null;
            var values = _values.Build();
            _values = new ArrowBuffer.Builder<T>();
            return [validity, values];
        }
    }

    private sealed class TimestampColumn(long factor) : Column
    {
        private ArrowBuffer.Builder<long> _values = new();

        protected override void Read(Input input) => _values.Append(BinaryPrimitives.ReadInt64LittleEndian(input.Take(8)) * factor);

        protected override void AppendDefault() => _values.Append(0);

        protected override ArrowBuffer[] TakeBuffers(ArrowBuffer validity, out ArrayData[]? children)
        {
            children = null;
            var values = _values.Build();
            _values = new ArrowBuffer.Builder<long>();
            return [validity, values];
        }
    }

    private sealed class BoolColumn : Column
    {
        private ArrowBuffer.BitmapBuilder _values = new();

        protected override void Read(Input input) => _values.Append(input.ReadByte() != 0);

        protected override void AppendDefault() => _values.Append(false);

        protected override ArrowBuffer[] TakeBuffers(ArrowBuffer validity, out ArrayData[]? children)
        {
            children = null;
            var values = _values.Build();
            _values = new ArrowBuffer.BitmapBuilder();
            return [validity, values];
        }
    }

    /// <summary>Decimal32/64/128 → 16-byte little-endian two's complement (Arrow's Decimal128 layout).</summary>
    private sealed class DecimalColumn(int size) : Column
    {
        private ArrowBuffer.Builder<byte> _values = new();

        protected override void Read(Input input)
        {
            Span<byte> wide = stackalloc byte[16];
            var raw = input.Take(size);
            raw.CopyTo(wide);
            wide[size..].Fill((raw[size - 1] & 0x80) != 0 ? (byte)0xFF : (byte)0);
            _values.Append(wide);
        }

        protected override void AppendDefault()
        {
            Span<byte> zero = stackalloc byte[16];
            zero.Clear();
            _values.Append(zero);
        }

        protected override ArrowBuffer[] TakeBuffers(ArrowBuffer validity, out ArrayData[]? children)
        {
            children = null;
            var values = _values.Build();
            _values = new ArrowBuffer.Builder<byte>();
            return [validity, values];
        }
    }

    /// <summary>String (length-prefixed UTF-8) or FixedString(N) (trailing zero bytes removed) → Arrow utf8.</summary>
    private sealed class StringColumn : Column
    {
        private readonly int _fixedLength;
        private ArrowBuffer.Builder<int> _offsets = new();
        private ArrowBuffer.Builder<byte> _bytes = new();

        public StringColumn(int fixedLength)
        {
            _fixedLength = fixedLength;
            _offsets.Append(0);
        }

        protected override void Read(Input input)
        {
            ReadOnlySpan<byte> value;
            if (_fixedLength > 0)
            {
                value = input.Take(_fixedLength);
                value = value[..(value.LastIndexOfAnyExcept((byte)0) + 1)];
            }
            else
            {
                value = input.Take(checked((int)input.ReadVarUInt()));
            }

            _bytes.Append(value);
            _offsets.Append(_bytes.Length);
        }

        protected override void AppendDefault() => _offsets.Append(_bytes.Length);

        protected override ArrowBuffer[] TakeBuffers(ArrowBuffer validity, out ArrayData[]? children)
        {
            children = null;
            var offsets = _offsets.Build();
            var bytes = _bytes.Build();
            _offsets = new ArrowBuffer.Builder<int>();
            _offsets.Append(0);
            _bytes = new ArrowBuffer.Builder<byte>();
            return [validity, offsets, bytes];
        }
    }

    /// <summary>Nullable(Nothing): every value is NULL (RowBinary sends only the flag).</summary>
    private sealed class NothingColumn : Column
    {
        private ArrowBuffer.Builder<int> _offsets = new();

        public NothingColumn() => _offsets.Append(0);

        protected override void Read(Input input) => throw new InvalidDataException("a Nothing column holds only NULLs");

        protected override void AppendDefault() => _offsets.Append(0);

        protected override ArrowBuffer[] TakeBuffers(ArrowBuffer validity, out ArrayData[]? children)
        {
            children = null;
            var offsets = _offsets.Build();
            _offsets = new ArrowBuffer.Builder<int>();
            _offsets.Append(0);
            return [validity, offsets, ArrowBuffer.Empty];
        }
    }

    /// <summary>Array(T) → Arrow list of the element column.</summary>
    private sealed class ListColumn : Column
    {
        private readonly Column _element;
        private ArrowBuffer.Builder<int> _offsets = new();
        private int _elements;

        public ListColumn(Column element)
        {
            _element = element;
            _offsets.Append(0);
        }

        protected override void Read(Input input)
        {
            var count = checked((int)input.ReadVarUInt());
            for (var i = 0; i < count; i++)
            {
                _element.ReadValue(input);
            }

            _elements += count;
            _offsets.Append(_elements);
        }

        protected override void AppendDefault() => _offsets.Append(_elements);

        protected override ArrowBuffer[] TakeBuffers(ArrowBuffer validity, out ArrayData[]? children)
        {
            children = [_element.BuildData()];
            var offsets = _offsets.Build();
            _offsets = new ArrowBuffer.Builder<int>();
            _offsets.Append(0);
            _elements = 0;
            return [validity, offsets];
        }
    }

    /// <summary>
    /// The response body through a buffer. A body cut short by ClickHouse's in-band exception block (an error after the
    /// result started) is reported with ClickHouse's message.
    /// </summary>
    internal sealed class Input(Stream stream)
    {
        private static readonly byte[] ExceptionMarker = "__exception__"u8.ToArray();
        private const int TailBytes = 16 << 10;
        private readonly byte[] _tail = new byte[TailBytes];
        private byte[] _buffer = new byte[1 << 16];
        private int _tailLength;
        private int _position;
        private int _end;

        public bool AtEnd() => _position == _end && Fill(1, allowEnd: true) == 0;

        public byte ReadByte()
        {
            if (_position == _end)
            {
                Fill(1, allowEnd: false);
            }

            return _buffer[_position++];
        }

        public ReadOnlySpan<byte> Take(int count)
        {
            if (_end - _position < count)
            {
                Fill(count, allowEnd: false);
            }

            var span = _buffer.AsSpan(_position, count);
            _position += count;
            return span;
        }

        public ulong ReadVarUInt()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = ReadByte();
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return value;
                }
            }

            throw new InvalidDataException("a length in the result is longer than 10 bytes");
        }

        public string ReadString() => Encoding.UTF8.GetString(Take(checked((int)ReadVarUInt())));

        /// <summary>Runs a read; a broken body that carries ClickHouse's exception block becomes that error.</summary>
        public T Guard<T>(Func<T> read)
        {
            try
            {
                return read();
            }
            catch (Exception e) when (e is IOException or InvalidDataException or OverflowException or ArgumentOutOfRangeException && InBandError() is not null)
            {
                throw new ClickHouseHttpException(200, InBandError()!);
            }
        }

        private string? InBandError()
        {
            // The block may already have been decoded as rows: search the bytes consumed last too.
            var window = new byte[_tailLength + _end];
            _tail.AsSpan(0, _tailLength).CopyTo(window);
            _buffer.AsSpan(0, _end).CopyTo(window.AsSpan(_tailLength));
            var at = window.AsSpan().IndexOf(ExceptionMarker);
            if (at < 0)
            {
                return null;
            }

            var text = Encoding.UTF8.GetString(window.AsSpan(at));
            var lines = text.Split("\r\n");
            // __exception__ / tag / message ... size tag / __exception__
            return lines.Length > 2 ? lines[2].Trim() : text;
        }

        /// <summary>Keeps the last bytes consumed before they are overwritten (where an in-band error block may have gone).</summary>
        private void KeepTail()
        {
            var consumed = _position;
            if (consumed >= TailBytes)
            {
                _buffer.AsSpan(consumed - TailBytes, TailBytes).CopyTo(_tail);
                _tailLength = TailBytes;
            }
            else if (consumed > 0)
            {
                var keep = Math.Min(_tailLength, TailBytes - consumed);
                _tail.AsSpan(_tailLength - keep, keep).CopyTo(_tail);
                _buffer.AsSpan(0, consumed).CopyTo(_tail.AsSpan(keep));
                _tailLength = keep + consumed;
            }
        }

        /// <summary>Makes <paramref name="count"/> bytes available; returns the bytes available (0 only at a clean end).</summary>
        private int Fill(int count, bool allowEnd)
        {
            var available = _end - _position;
            KeepTail();
            if (count > 1 << 30)
            {
                throw new InvalidDataException($"a value of {count} bytes in the result");
            }

            if (_buffer.Length < count)
            {
                var bigger = new byte[Math.Max(count, _buffer.Length * 2)];
                _buffer.AsSpan(_position, available).CopyTo(bigger);
                _buffer = bigger;
            }
            else if (_position > 0)
            {
                _buffer.AsSpan(_position, available).CopyTo(_buffer);
            }

            _position = 0;
            _end = available;
            while (_end < count)
            {
                var read = stream.Read(_buffer, _end, _buffer.Length - _end);
                if (read == 0)
                {
                    if (allowEnd && _end == 0)
                    {
                        return 0;
                    }

                    throw new IOException($"the result ended in the middle of a value ({_end} of {count} bytes)");
                }

                _end += read;
            }

            return _end;
        }
    }
}
