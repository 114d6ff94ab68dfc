using System.Globalization;
using CableHub.Connectors.Edi.PurchaseOrders;
using static CableHub.Connectors.Edi.X12.X12SegmentIds;

namespace CableHub.Connectors.Edi.X12;

/// <summary>What <see cref="X12Reader.Read"/> stopped at.</summary>
public enum X12ReadEvent
{
    None,
    InterchangeStart,
    GroupStart,

    /// <summary>A transaction set is complete (SE read, or its trailer found missing): <see cref="X12Reader.Transaction"/>.</summary>
    Transaction,
    GroupEnd,
    InterchangeEnd,
}

/// <summary>
/// Streaming, envelope-validating X12 reader: pulls segments from <see cref="X12SegmentReader"/>, checks the
/// ISA/GS/ST … SE/GE/IEA structure (ISA13 = IEA02, GS06 = GE02, ST02 = SE02, SE01 segment count, GE01 transaction
/// count, IEA01 group count, unique ST02 in a group), builds each transaction set's content (856 ship notice,
/// 850 purchase order, or generic segments) and reports one event at a time. Only the transaction being read is
/// held in memory. Errors throw (<see cref="EdiErrorMode.Throw"/>) or are attached to their interchange, group or
/// transaction (<see cref="EdiErrorMode.Collect"/>).
/// </summary>
public sealed class X12Reader : IDisposable
{
    private readonly X12SegmentReader _tokenizer;
    private readonly X12ReaderOptions _options;
    private readonly Queue<Pending> _pending = new();
    private readonly X12TransactionContext _context;
    private State _state = State.None;
    private bool _finished;

    // Interchange
    private X12InterchangeHeader? _interchange;
    private long _interchangeSegment;
    private long _interchangeOffset;
    private int _groupCount;
    private List<EdiError> _interchangeErrors = [];

    // Group
    private X12FunctionalGroupHeader? _group;
    private long _groupSegment;
    private long _groupOffset;
    private int _transactionCount;
    private List<EdiError> _groupErrors = [];
    private readonly HashSet<string> _controlNumbers = new(StringComparer.Ordinal);

    // Transaction
    private string _setId = "";
    private string _setControl = "";
    private string? _setReference;
    private long _setSegment;
    private long _setOffset;
    private X12TransactionBuilder? _builder;
    private bool _skipping;

    public X12Reader(Stream stream, X12ReaderOptions? options = null)
    {
        _options = options ?? X12ReaderOptions.Default;
        _tokenizer = new X12SegmentReader(stream, _options);
        _context = new X12TransactionContext(_tokenizer, _options);
    }

    private enum State
    {
        None,
        Interchange,
        Group,
        Transaction,
    }

    public X12ReadEvent Event { get; private set; }

    /// <summary>Header of the current (or just ended) interchange.</summary>
    public X12InterchangeHeader? Interchange { get; private set; }

    /// <summary>Header of the current (or just ended) functional group.</summary>
    public X12FunctionalGroupHeader? Group { get; private set; }

    /// <summary>The transaction set just completed (event <see cref="X12ReadEvent.Transaction"/>).</summary>
    public X12Transaction? Transaction { get; private set; }

    /// <summary>For GroupEnd / InterchangeEnd: the errors of that group / interchange (collect mode).</summary>
    public IReadOnlyList<EdiError> Errors { get; private set; } = [];

    /// <summary>For GroupEnd / InterchangeEnd: GE01 / IEA01 as declared (null when the trailer is missing or not numeric).</summary>
    public int? DeclaredCount { get; private set; }

    /// <summary>Segment number and byte offset of the header (ISA/GS) of the structure the event is about.</summary>
    public long EventSegmentNumber { get; private set; }

    public long EventByteOffset { get; private set; }

    public X12Delimiters Delimiters => _tokenizer.Delimiters;

    public long SegmentsRead => _tokenizer.SegmentNumber;

    public long BytesRead => _tokenizer.BytesConsumed;

    /// <summary>Advances to the next event; false at the end of the input.</summary>
    public bool Read()
    {
        while (_pending.Count == 0)
        {
            if (_finished)
            {
                Event = X12ReadEvent.None;
                return false;
            }

            if (!_tokenizer.Read())
            {
                _finished = true;
                AtEndOfInput();
                continue;
            }

            Process();
        }

        var next = _pending.Dequeue();
        Event = next.Event;
        Errors = next.Errors ?? [];
        DeclaredCount = next.Declared;
        EventSegmentNumber = next.SegmentNumber;
        EventByteOffset = next.ByteOffset;
        if (next.Interchange is not null)
        {
            Interchange = next.Interchange;
        }

        if (next.Group is not null)
        {
            Group = next.Group;
        }

        Transaction = next.Transaction;
        return true;
    }

    public void Dispose() => _tokenizer.Dispose();

    private void Process()
    {
        var segment = _tokenizer.Current;
        var key = segment.IdKey;
        if (_state == State.None && key != ISA)
        {
            throw new EdiParseException(Here($"segment {segment.IdString} after IEA: a new interchange must start with ISA", EdiErrorLevel.Interchange));
        }

        switch (key)
        {
            case ISA:
                StartInterchange(segment);
                return;
            case GS:
                StartGroup(segment);
                return;
            case ST:
                StartTransaction(segment);
                return;
            case SE:
                EndTransaction(segment);
                return;
            case GE:
                EndGroup(segment);
                return;
            case IEA:
                EndInterchange(segment);
                return;
        }

        if (_state == State.Transaction)
        {
            _context.Position++;
            _builder!.Add(key, segment, _context);
            return;
        }

        if (_skipping)
        {
            return;
        }

        var id = segment.IdString;
        if (_state == State.Group)
        {
            GroupError("", $"segment {id} is outside a transaction set (ST missing)");
            _skipping = true;
        }
        else if (_state == State.Interchange)
        {
            InterchangeError($"segment {id} is outside a functional group (GS missing)");
            _skipping = true;
        }
    }

    private void StartInterchange(X12Segment isa)
    {
        if (_state != State.None)
        {
            CloseOpen("ISA");
        }

        var header = new X12InterchangeHeader(
            isa.GetTrimmed(1), isa.GetTrimmed(3), isa.GetTrimmed(5), isa.GetTrimmed(6), isa.GetTrimmed(7), isa.GetTrimmed(8),
            isa.GetTrimmed(9), isa.GetTrimmed(10), isa.GetTrimmed(11), isa.GetTrimmed(12), isa.GetTrimmed(13), isa.GetTrimmed(14),
            isa.GetTrimmed(15), _tokenizer.Delimiters);
        _interchange = header;
        _interchangeSegment = _tokenizer.SegmentNumber;
        _interchangeOffset = _tokenizer.SegmentOffset;
        _interchangeErrors = [];
        _groupCount = 0;
        _state = State.Interchange;
        _skipping = false;
        if (!IsDigits(header.ControlNumber))
        {
            InterchangeError($"ISA13 interchange control number '{header.ControlNumber}' is not a number", 13);
        }

        Enqueue(new Pending(X12ReadEvent.InterchangeStart) { Interchange = header, SegmentNumber = _interchangeSegment, ByteOffset = _interchangeOffset });
    }

    private void StartGroup(X12Segment gs)
    {
        if (_state == State.Transaction)
        {
            CloseTransaction("GS");
        }

        if (_state == State.Group)
        {
            CloseGroup("GS");
        }

        var header = new X12FunctionalGroupHeader(gs.GetString(1), gs.GetString(2), gs.GetString(3), gs.GetString(4), gs.GetString(5),
            gs.GetString(6), gs.GetString(7), gs.GetString(8));
        _group = header;
        _groupSegment = _tokenizer.SegmentNumber;
        _groupOffset = _tokenizer.SegmentOffset;
        _groupErrors = [];
        _transactionCount = 0;
        _controlNumbers.Clear();
        _state = State.Group;
        _skipping = false;
        if (header.FunctionalIdCode.Length == 0)
        {
            GroupError("", "GS01 functional identifier code is missing", 1);
        }

        if (!IsDigits(header.ControlNumber))
        {
            GroupError("6", $"GS06 group control number '{header.ControlNumber}' is not a number", 6);
        }

        Enqueue(new Pending(X12ReadEvent.GroupStart) { Group = header, SegmentNumber = _groupSegment, ByteOffset = _groupOffset });
    }

    private void StartTransaction(X12Segment st)
    {
        if (_state == State.Transaction)
        {
            CloseTransaction("ST");
        }

        if (_state != State.Group)
        {
            InterchangeError("ST is outside a functional group (GS missing)");
            _skipping = true;
            return;
        }

        _skipping = false;
        _transactionCount++;
        _setId = st.GetString(1);
        _setControl = st.GetString(2);
        _setReference = st.GetStringOrNull(3);
        _setSegment = _tokenizer.SegmentNumber;
        _setOffset = _tokenizer.SegmentOffset;
        _state = State.Transaction;
        _context.Reset();
        _context.Position = 1;
        _builder = _setId switch
        {
            "856" => new X12ShipNoticeBuilder(),
            "850" => new X12PurchaseOrderBuilder(),
            _ => new X12GenericBuilder(),
        };

        if (_setId.Length != 3 || !IsDigits(_setId))
        {
            _context.TransactionError("6", $"ST01 transaction set identifier '{_setId}' is missing or invalid", 1);
        }

        if (_setControl.Length is < 4 or > 9)
        {
            _context.TransactionError("7", $"ST02 transaction set control number '{_setControl}' must be 4 to 9 characters", 2);
        }
        else if (!_controlNumbers.Add(_setControl))
        {
            _context.TransactionError("23", $"ST02 control number {_setControl} is not unique within functional group {_group?.ControlNumber}", 2);
        }
    }

    private void EndTransaction(X12Segment se)
    {
        if (_state != State.Transaction)
        {
            if (_state == State.Group)
            {
                GroupError("", "SE without a matching ST");
            }
            else
            {
                InterchangeError("SE without a matching ST");
            }

            return;
        }

        _context.Position++;
        var count = se.GetString(1);
        var control = se.GetString(2);
        if (!se.TryGetInt64(1, out var declared))
        {
            _context.TransactionError("4", $"SE01 segment count '{count}' is not a number", 1);
        }
        else if (declared != _context.Position)
        {
            _context.TransactionError("4", string.Create(CultureInfo.InvariantCulture,
                $"SE01 segment count {declared} does not match the {_context.Position} segments from ST to SE"), 1);
        }

        if (!string.Equals(control, _setControl, StringComparison.Ordinal))
        {
            _context.TransactionError("3", $"SE02 control number {control} does not match ST02 {_setControl}", 2);
        }

        FinishTransaction();
    }

    private void FinishTransaction()
    {
        var transaction = new X12Transaction(_setId, _setControl, _setReference, _context.Position, _setSegment, _setOffset, [], []);
        transaction = _builder!.Complete(transaction, _context);
        transaction = transaction with { Errors = _context.Errors.ToArray(), Warnings = _context.Warnings.ToArray() };
        _builder = null;
        _state = State.Group;
        Enqueue(new Pending(X12ReadEvent.Transaction) { Transaction = transaction, SegmentNumber = _setSegment, ByteOffset = _setOffset });
    }

    private void EndGroup(X12Segment ge)
    {
        if (_state == State.Transaction)
        {
            CloseTransaction("GE");
        }

        if (_state != State.Group)
        {
            InterchangeError("GE without a matching GS");
            return;
        }

        int? declared = null;
        if (ge.TryGetInt64(1, out var count))
        {
            declared = (int)Math.Min(count, int.MaxValue);
            if (count != _transactionCount)
            {
                GroupError("5", string.Create(CultureInfo.InvariantCulture,
                    $"GE01 transaction set count {count} does not match the {_transactionCount} transaction sets in group {_group!.ControlNumber}"), 1);
            }
        }
        else
        {
            GroupError("5", $"GE01 transaction set count '{ge.GetString(1)}' is not a number", 1);
        }

        var control = ge.GetString(2);
        if (!SameControlNumber(control, _group!.ControlNumber))
        {
            GroupError("4", $"GE02 control number {control} does not match GS06 {_group.ControlNumber}", 2);
        }

        EmitGroupEnd(declared);
    }

    private void EmitGroupEnd(int? declared)
    {
        _groupCount++;
        _state = State.Interchange;
        _skipping = false;
        Enqueue(new Pending(X12ReadEvent.GroupEnd) { Errors = _groupErrors, Declared = declared, Group = _group, SegmentNumber = _groupSegment, ByteOffset = _groupOffset });
    }

    private void EndInterchange(X12Segment iea)
    {
        if (_state == State.Transaction)
        {
            CloseTransaction("IEA");
        }

        if (_state == State.Group)
        {
            CloseGroup("IEA");
        }

        if (_state != State.Interchange)
        {
            throw new EdiParseException(Here("IEA without a matching ISA", EdiErrorLevel.Interchange));
        }

        int? declared = null;
        if (iea.TryGetInt64(1, out var count))
        {
            declared = (int)Math.Min(count, int.MaxValue);
            if (count != _groupCount)
            {
                InterchangeError(string.Create(CultureInfo.InvariantCulture,
                    $"IEA01 functional group count {count} does not match the {_groupCount} groups in interchange {_interchange!.ControlNumber}"), 1);
            }
        }
        else
        {
            InterchangeError($"IEA01 functional group count '{iea.GetString(1)}' is not a number", 1);
        }

        var control = iea.GetString(2);
        if (!SameControlNumber(control, _interchange!.ControlNumber))
        {
            InterchangeError($"IEA02 control number {control} does not match ISA13 {_interchange.ControlNumber}", 2);
        }

        EmitInterchangeEnd(declared);
    }

    private void EmitInterchangeEnd(int? declared)
    {
        _state = State.None;
        _skipping = false;
        Enqueue(new Pending(X12ReadEvent.InterchangeEnd)
        {
            Errors = _interchangeErrors, Declared = declared, Interchange = _interchange, SegmentNumber = _interchangeSegment, ByteOffset = _interchangeOffset,
        });
    }

    /// <summary>A header or trailer arrived while structures were still open: close them with "trailer missing" errors.</summary>
    private void CloseOpen(string arriving)
    {
        if (_state == State.Transaction)
        {
            CloseTransaction(arriving);
        }

        if (_state == State.Group)
        {
            CloseGroup(arriving);
        }

        if (_state == State.Interchange)
        {
            InterchangeError($"IEA missing: interchange {_interchange!.ControlNumber} (segment {_interchangeSegment}) is not closed before {arriving}");
            EmitInterchangeEnd(null);
        }
    }

    private void CloseTransaction(string arriving)
    {
        _context.TransactionError("2", $"SE missing: transaction set {_setId} {_setControl} (segment {_setSegment}) is not closed before {arriving}");
        FinishTransaction();
    }

    private void CloseGroup(string arriving)
    {
        GroupError("3", $"GE missing: functional group {_group!.ControlNumber} (segment {_groupSegment}) is not closed before {arriving}");
        EmitGroupEnd(null);
    }

    private void AtEndOfInput()
    {
        if (_state == State.None)
        {
            return;
        }

        _context.AtEndOfInput = true;
        if (_state == State.Transaction)
        {
            _context.TransactionError("2", $"SE missing: transaction set {_setId} {_setControl} (segment {_setSegment}) is not closed at the end of input");
            FinishTransaction();
        }

        if (_state == State.Group)
        {
            GroupError("3", $"GE missing: functional group {_group!.ControlNumber} (segment {_groupSegment}) is not closed at the end of input");
            EmitGroupEnd(null);
        }

        InterchangeError($"IEA missing: interchange {_interchange!.ControlNumber} (segment {_interchangeSegment}) is not closed at the end of input");
        EmitInterchangeEnd(null);
    }

    private void GroupError(string code, string reason, int? element = null) =>
        Record(_groupErrors, Here(reason, EdiErrorLevel.Group, element, code.Length == 0 ? null : code));

    private void InterchangeError(string reason, int? element = null) =>
        Record(_interchangeErrors, Here(reason, EdiErrorLevel.Interchange, element));

    private void Record(List<EdiError> list, EdiError error)
    {
        if (_options.ErrorMode == EdiErrorMode.Throw)
        {
            throw new EdiParseException(error);
        }

        list.Add(error);
    }

    /// <summary>An error located at the current segment, or at the end of input once the input is exhausted.</summary>
    private EdiError Here(string reason, EdiErrorLevel level, int? element = null, string? code = null) =>
        _finished
            ? new EdiError(_tokenizer.SegmentNumber + 1, _tokenizer.BytesConsumed, "", element, reason, level, code)
            : new EdiError(_tokenizer.SegmentNumber, _tokenizer.SegmentOffset, _tokenizer.Current.IdString, element, reason, level, code);

    private void Enqueue(Pending pending) => _pending.Enqueue(pending);

    private static bool IsDigits(string value) => value.Length > 0 && value.All(char.IsAsciiDigit);

    /// <summary>ISA13/IEA02 and GS06/GE02 are numbers: compare by value (000003438 = 3438), otherwise exactly.</summary>
    private static bool SameControlNumber(string a, string b) =>
        long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var x) && long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var y)
            ? x == y
            : string.Equals(a.Trim(), b.Trim(), StringComparison.Ordinal);

    private sealed record Pending(X12ReadEvent Event)
    {
        public X12InterchangeHeader? Interchange { get; init; }

        public X12FunctionalGroupHeader? Group { get; init; }

        public X12Transaction? Transaction { get; init; }

        public IReadOnlyList<EdiError>? Errors { get; init; }

        public int? Declared { get; init; }

        public long SegmentNumber { get; init; }

        public long ByteOffset { get; init; }
    }
}

/// <summary>A transaction set with the headers of the group and interchange it came in.</summary>
public sealed record X12EnvelopedTransaction(X12InterchangeHeader Interchange, X12FunctionalGroupHeader Group, X12Transaction Transaction);

/// <summary>Entry points: parse a whole X12 input, or stream its transaction sets.</summary>
public static class X12Parser
{
    /// <summary>Reads the whole input into an <see cref="X12Document"/> (interchanges → groups → transactions).</summary>
    public static X12Document Parse(Stream stream, X12ReaderOptions? options = null)
    {
        using var reader = new X12Reader(stream, options);
        var interchanges = new List<X12Interchange>();
        var groups = new List<X12FunctionalGroup>();
        var transactions = new List<X12Transaction>();
        while (reader.Read())
        {
            switch (reader.Event)
            {
                case X12ReadEvent.InterchangeStart:
                    groups = [];
                    break;
                case X12ReadEvent.GroupStart:
                    transactions = [];
                    break;
                case X12ReadEvent.Transaction:
                    transactions.Add(reader.Transaction!);
                    break;
                case X12ReadEvent.GroupEnd:
                    groups.Add(new X12FunctionalGroup(reader.Group!, transactions, reader.DeclaredCount, reader.Errors, reader.EventSegmentNumber, reader.EventByteOffset));
                    break;
                case X12ReadEvent.InterchangeEnd:
                    interchanges.Add(new X12Interchange(reader.Interchange!, groups, reader.DeclaredCount, reader.Errors, reader.EventSegmentNumber, reader.EventByteOffset));
                    break;
            }
        }

        return new X12Document(interchanges);
    }

    public static X12Document Parse(byte[] bytes, X12ReaderOptions? options = null)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return Parse(stream, options);
    }

    public static X12Document ParseFile(string path, X12ReaderOptions? options = null)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        return Parse(stream, options);
    }

    /// <summary>
    /// Streams the transaction sets of the input one by one (only the current one is in memory). Envelope errors
    /// after the last transaction (GE/IEA) surface when the enumeration reaches them: a consumer that must not act
    /// on a partially valid file should collect first and act after the enumeration completed.
    /// </summary>
    public static IEnumerable<X12EnvelopedTransaction> ReadTransactions(Stream stream, X12ReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Iterate(stream, options);

        static IEnumerable<X12EnvelopedTransaction> Iterate(Stream stream, X12ReaderOptions? options)
        {
            using var reader = new X12Reader(stream, options);
            while (reader.Read())
            {
                if (reader.Event == X12ReadEvent.Transaction)
                {
                    yield return new X12EnvelopedTransaction(reader.Interchange!, reader.Group!, reader.Transaction!);
                }
            }
        }
    }
}
