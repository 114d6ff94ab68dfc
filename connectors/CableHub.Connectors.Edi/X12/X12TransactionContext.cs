using System.Globalization;

namespace CableHub.Connectors.Edi.X12;

/// <summary>
/// What a transaction-set builder sees besides the segment: the options, where the current segment is, and
/// where to report errors. In <see cref="EdiErrorMode.Throw"/> an error throws at once; in Collect it is recorded.
/// </summary>
internal sealed class X12TransactionContext
{
    private readonly X12SegmentReader _tokenizer;
    private readonly Dictionary<int, string> _shortStrings = [];
    private readonly HashSet<string> _pool = new(StringComparer.Ordinal);
    private string _segmentId = "";
    private long _segmentIdNumber = -1;

    private readonly int[] _serialQualifierKeys;
    private readonly bool _longSerialQualifiers;

    public X12TransactionContext(X12SegmentReader tokenizer, X12ReaderOptions options)
    {
        _tokenizer = tokenizer;
        Options = options;
        var encoded = options.SerialNumberQualifiers.Select(q => options.TextEncoding.GetBytes(q)).ToList();
        _serialQualifierKeys = encoded.Where(b => b.Length is > 0 and <= 3).Select(b => ShortKey(b)).ToArray();
        _longSerialQualifiers = encoded.Any(b => b.Length is 0 or > 3);
    }

    public X12ReaderOptions Options { get; }

    public List<EdiError> Errors { get; } = [];

    public List<EdiError> Warnings { get; } = [];

    /// <summary>Position of the current segment in the transaction set (ST = 1).</summary>
    public int Position { get; set; }

    public long SegmentNumber => _tokenizer.SegmentNumber;

    /// <summary>Set once the input is exhausted: errors are then located at the end of input.</summary>
    public bool AtEndOfInput { get; set; }

    public void Reset()
    {
        Errors.Clear();
        Warnings.Clear();
        Position = 0;
    }

    /// <summary>Whether a REF01 value is one of <see cref="X12ReaderOptions.SerialNumberQualifiers"/> (no allocation for short codes).</summary>
    public bool IsSerialQualifier(ReadOnlySpan<byte> value)
    {
        if (value.Length is > 0 and <= 3)
        {
            return Array.IndexOf(_serialQualifierKeys, ShortKey(value)) >= 0;
        }

        return _longSerialQualifiers && Options.SerialNumberQualifiers.Contains(Options.TextEncoding.GetString(value));
    }

    /// <summary>Text of a short code element (qualifiers, units): cached so hot paths do not allocate.</summary>
    public string Short(ReadOnlySpan<byte> value)
    {
        if (value.Length is 0 or > 3)
        {
            return value.IsEmpty ? "" : Options.TextEncoding.GetString(value);
        }

        var key = ShortKey(value);
        if (!_shortStrings.TryGetValue(key, out var text))
        {
            text = Options.TextEncoding.GetString(value);
            if (_shortStrings.Count < 4096)
            {
                _shortStrings[key] = text;
            }
        }

        return text;
    }

    public string? ShortOrNull(ReadOnlySpan<byte> value) => value.IsEmpty ? null : Short(value);

    /// <summary>
    /// Text of a value that repeats across segments (ids, model codes, PO numbers): looked up in a bounded pool
    /// by its characters, so repeated values do not allocate. Unique values (serial numbers) should not use it.
    /// </summary>
    public string Pooled(ReadOnlySpan<byte> value)
    {
        if (value.Length <= 3)
        {
            return Short(value);
        }

        if (value.Length > 64 || !System.Text.Ascii.IsValid(value))
        {
            return Options.TextEncoding.GetString(value);
        }

        Span<char> chars = stackalloc char[value.Length];
        System.Text.Ascii.ToUtf16(value, chars, out _);
        var lookup = _pool.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(chars, out var text))
        {
            return text;
        }

        text = new string(chars);
        if (_pool.Count < 8192)
        {
            _pool.Add(text);
        }

        return text;
    }

    public string? PooledOrNull(ReadOnlySpan<byte> value) => value.IsEmpty ? null : Pooled(value);

    private static int ShortKey(ReadOnlySpan<byte> value) => value.Length switch
    {
        1 => value[0],
        2 => (value[0] << 8) | value[1],
        _ => (value[0] << 16) | (value[1] << 8) | value[2],
    } | (value.Length << 24);

    public void ElementError(int element, string code, string reason, string? badValue = null) =>
        Report(EdiErrorLevel.Element, code, reason, element, badValue);

    public void SegmentError(string code, string reason) => Report(EdiErrorLevel.Segment, code, reason, null, null);

    /// <summary>A mandatory segment is missing: reported with the missing segment's id at the current position.</summary>
    public void MissingSegment(string missingId, string reason)
    {
        var error = Located(missingId, reason, EdiErrorLevel.Segment, "3", null);
        Add(error);
    }

    /// <summary>An error that rejects the whole transaction set (AK5), located at the element it is about (SE01 → 1) when there is one.</summary>
    public void TransactionError(string code, string reason, int? element = null) => Report(EdiErrorLevel.Transaction, code, reason, element, null);

    public void Warning(string reason, int? element = null, string? badValue = null) =>
        Warnings.Add(new EdiError(_tokenizer.SegmentNumber, _tokenizer.SegmentOffset, CurrentId(), element, reason, EdiErrorLevel.Warning)
        {
            PositionInTransaction = Position,
            BadValue = badValue,
        });

    public static string Name(string segmentId, int element) => string.Create(CultureInfo.InvariantCulture, $"{segmentId}{element:00}");

    private void Report(EdiErrorLevel level, string code, string reason, int? element, string? badValue) =>
        Add(Located(CurrentIdOrEnd(), reason, level, code, element) with { BadValue = badValue });

    private EdiError Located(string segmentId, string reason, EdiErrorLevel level, string? code, int? element) =>
        (AtEndOfInput
            ? new EdiError(_tokenizer.SegmentNumber + 1, _tokenizer.BytesConsumed, "", element, reason, level, code)
            : new EdiError(_tokenizer.SegmentNumber, _tokenizer.SegmentOffset, segmentId, element, reason, level, code))
        with { PositionInTransaction = Position };

    private string CurrentIdOrEnd() => AtEndOfInput ? "" : CurrentId();

    private void Add(EdiError error)
    {
        if (Options.ErrorMode == EdiErrorMode.Throw)
        {
            throw new EdiParseException(error);
        }

        Errors.Add(error);
    }

    private string CurrentId()
    {
        if (_segmentIdNumber != _tokenizer.SegmentNumber)
        {
            _segmentId = _tokenizer.Current.IdString;
            _segmentIdNumber = _tokenizer.SegmentNumber;
        }

        return _segmentId;
    }
}

/// <summary>Builds the content of one transaction set from its segments (ST and SE excluded).</summary>
internal abstract class X12TransactionBuilder
{
    public abstract void Add(int key, in X12Segment segment, X12TransactionContext context);

    /// <summary>Called at SE (or when the transaction ends without one): final checks, then the content is attached.</summary>
    public abstract X12Transaction Complete(X12Transaction transaction, X12TransactionContext context);
}

/// <summary>Any transaction set without a dedicated model: its segments kept as text.</summary>
internal sealed class X12GenericBuilder : X12TransactionBuilder
{
    private readonly List<X12GenericSegment> _segments = [];

    public override void Add(int key, in X12Segment segment, X12TransactionContext context)
    {
        if (context.Options.KeepTransactionContent)
        {
            _segments.Add(ToGeneric(segment, context));
        }
    }

    public override X12Transaction Complete(X12Transaction transaction, X12TransactionContext context) =>
        context.Options.KeepTransactionContent ? transaction with { Segments = _segments } : transaction;

    public static X12GenericSegment ToGeneric(in X12Segment segment, X12TransactionContext context)
    {
        var elements = new string[segment.ElementCount];
        for (var i = 0; i < elements.Length; i++)
        {
            elements[i] = segment.GetString(i + 1);
        }

        return new X12GenericSegment(context.Short(segment.Id), elements);
    }
}
