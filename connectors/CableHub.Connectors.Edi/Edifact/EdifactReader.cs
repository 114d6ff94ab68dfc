using System.Globalization;

namespace CableHub.Connectors.Edi.Edifact;

public enum EdifactReadEvent
{
    None,
    InterchangeStart,

    /// <summary>A message is complete (UNT read, or found missing): <see cref="EdifactReader.Message"/>.</summary>
    Message,
    InterchangeEnd,
}

/// <summary>
/// Streaming, envelope-validating EDIFACT reader: UNA/UNB … UNZ with optional UNG … UNE groups and UNH … UNT
/// messages. Checks UNZ01 (message or group count) and UNZ02 = UNB05, UNE01 and UNE02 = UNG05, UNT01 (segments
/// from UNH to UNT) and UNT02 = UNH01. DESADV messages are built into <see cref="EdifactDespatchAdvice"/>.
/// </summary>
public sealed class EdifactReader : IDisposable
{
    private readonly EdifactSegmentReader _tokenizer;
    private readonly EdifactReaderOptions _options;
    private readonly EdifactMessageContext _context;
    private readonly Queue<(EdifactReadEvent Event, EdifactMessage? Message, IReadOnlyList<EdiError>? Errors, int? Declared)> _pending = new();
    private bool _finished;
    private bool _inInterchange;
    private bool _inGroup;
    private bool _inMessage;
    private bool _sawUnb;

    private EdifactInterchangeHeader? _header;
    private List<EdiError> _interchangeErrors = [];
    private long _interchangeSegment;
    private long _interchangeOffset;
    private int _messageCount;
    private int _groupCount;
    private int _groupMessageCount;
    private string? _groupReference;

    private string _reference = "";
    private string _type = "";
    private string _version = "";
    private string _release = "";
    private string _agency = "";
    private string? _association;
    private long _messageSegment;
    private long _messageOffset;
    private EdifactMessageBuilder? _builder;

    public EdifactReader(Stream stream, EdifactReaderOptions? options = null)
    {
        _options = options ?? EdifactReaderOptions.Default;
        _tokenizer = new EdifactSegmentReader(stream, _options);
        _context = new EdifactMessageContext(_tokenizer, _options);
    }

    public EdifactReadEvent Event { get; private set; }

    public EdifactInterchangeHeader? Interchange => _header;

    public EdifactMessage? Message { get; private set; }

    /// <summary>For InterchangeEnd: the interchange's errors.</summary>
    public IReadOnlyList<EdiError> Errors { get; private set; } = [];

    /// <summary>For InterchangeEnd: UNZ01 as declared.</summary>
    public int? DeclaredCount { get; private set; }

    public long InterchangeSegmentNumber => _interchangeSegment;

    public long InterchangeByteOffset => _interchangeOffset;

    public long SegmentsRead => _tokenizer.SegmentNumber;

    public bool Read()
    {
        while (_pending.Count == 0)
        {
            if (_finished)
            {
                Event = EdifactReadEvent.None;
                return false;
            }

            if (!_tokenizer.Read())
            {
                _finished = true;
                AtEnd();
                continue;
            }

            Process();
        }

        var next = _pending.Dequeue();
        Event = next.Event;
        Message = next.Message;
        Errors = next.Errors ?? [];
        DeclaredCount = next.Declared;
        return true;
    }

    public void Dispose() => _tokenizer.Dispose();

    private void Process()
    {
        var segment = _tokenizer.Current;
        var tag = segment.TagString;
        if (!_sawUnb && tag != "UNA" && tag != "UNB")
        {
            throw new EdiParseException(Here($"{tag} before UNB: an EDIFACT interchange starts with UNB (after an optional UNA)", EdiErrorLevel.Interchange));
        }

        switch (tag)
        {
            case "UNA":
                return;
            case "UNB":
                StartInterchange(segment);
                return;
            case "UNG":
                if (_inMessage)
                {
                    CloseMessage("UNG");
                }

                _inGroup = true;
                _groupCount++;
                _groupMessageCount = 0;
                _groupReference = segment.GetString(5);
                return;
            case "UNE":
                if (_inMessage)
                {
                    CloseMessage("UNE");
                }

                EndGroup(segment);
                return;
            case "UNH":
                StartMessage(segment);
                return;
            case "UNT":
                EndMessage(segment);
                return;
            case "UNZ":
                EndInterchange(segment);
                return;
        }

        if (_inMessage)
        {
            _context.Position++;
            _builder!.Add(segment, _context);
            return;
        }

        InterchangeError($"segment {tag} is outside a message (UNH missing)");
    }

    private void StartInterchange(EdifactSegment unb)
    {
        if (_inInterchange)
        {
            if (_inMessage)
            {
                CloseMessage("UNB");
            }

            InterchangeError($"UNZ missing: interchange {_header!.ControlReference} is not closed before UNB");
            EmitEnd(null);
        }

        _sawUnb = true;
        _inInterchange = true;
        _interchangeErrors = [];
        _messageCount = 0;
        _groupCount = 0;
        _inGroup = false;
        _interchangeSegment = _tokenizer.SegmentNumber;
        _interchangeOffset = _tokenizer.SegmentOffset;
        _header = new EdifactInterchangeHeader(unb.GetString(1, 1), unb.GetString(1, 2), unb.GetString(2, 1), unb.GetStringOrNull(2, 2),
            unb.GetString(3, 1), unb.GetStringOrNull(3, 2), unb.GetString(4, 1), unb.GetString(4, 2), unb.GetString(5),
            unb.GetStringOrNull(7), unb.GetStringOrNull(11), _tokenizer.Delimiters);
        if (_header.ControlReference.Length == 0)
        {
            InterchangeError("UNB05 interchange control reference is missing", 5);
        }

        if (_header.SenderId.Length == 0 || _header.RecipientId.Length == 0)
        {
            InterchangeError("UNB02/UNB03 sender and recipient are required", _header.SenderId.Length == 0 ? 2 : 3);
        }

        _pending.Enqueue((EdifactReadEvent.InterchangeStart, null, null, null));
    }

    private void StartMessage(EdifactSegment unh)
    {
        if (_inMessage)
        {
            CloseMessage("UNH");
        }

        if (!_inInterchange)
        {
            throw new EdiParseException(Here("UNH outside an interchange (UNB missing)", EdiErrorLevel.Interchange));
        }

        _inMessage = true;
        _messageCount++;
        _groupMessageCount++;
        _reference = unh.GetString(1);
        _type = unh.GetString(2, 1);
        _version = unh.GetString(2, 2);
        _release = unh.GetString(2, 3);
        _agency = unh.GetString(2, 4);
        _association = unh.GetStringOrNull(2, 5);
        _messageSegment = _tokenizer.SegmentNumber;
        _messageOffset = _tokenizer.SegmentOffset;
        _context.Reset();
        _context.Position = 1;
        _builder = _type == "DESADV" ? new EdifactDespatchAdviceBuilder() : new EdifactGenericBuilder();
        if (_reference.Length == 0)
        {
            _context.Error("UNH01 message reference number is missing", 1, EdiErrorLevel.Transaction);
        }

        if (_type.Length == 0)
        {
            _context.Error("UNH02 message type is missing", 2, EdiErrorLevel.Transaction);
        }
    }

    private void EndMessage(EdifactSegment unt)
    {
        if (!_inMessage)
        {
            InterchangeError("UNT without a matching UNH");
            return;
        }

        _context.Position++;
        if (!unt.TryGetInt64(1, 1, out var count))
        {
            _context.Error($"UNT01 segment count '{unt.GetString(1)}' is not a number", 1, EdiErrorLevel.Transaction);
        }
        else if (count != _context.Position)
        {
            _context.Error(string.Create(CultureInfo.InvariantCulture, $"UNT01 segment count {count} does not match the {_context.Position} segments from UNH to UNT"),
                1, EdiErrorLevel.Transaction);
        }

        var reference = unt.GetString(2);
        if (!string.Equals(reference, _reference, StringComparison.Ordinal))
        {
            _context.Error($"UNT02 message reference {reference} does not match UNH01 {_reference}", 2, EdiErrorLevel.Transaction);
        }

        FinishMessage();
    }

    private void CloseMessage(string arriving)
    {
        _context.Error($"UNT missing: message {_reference} (segment {_messageSegment}) is not closed before {arriving}", null, EdiErrorLevel.Transaction);
        FinishMessage();
    }

    private void FinishMessage()
    {
        var message = new EdifactMessage(_reference, _type, _version, _release, _agency, _association, _context.Position, _messageSegment, _messageOffset, [], [])
        {
            GroupReference = _inGroup ? _groupReference : null,
        };
        message = _builder!.Complete(message, _context);
        message = message with { Errors = _context.Errors.ToArray(), Warnings = _context.Warnings.ToArray() };
        _builder = null;
        _inMessage = false;
        _pending.Enqueue((EdifactReadEvent.Message, message, null, null));
    }

    private void EndGroup(EdifactSegment une)
    {
        if (!_inGroup)
        {
            InterchangeError("UNE without a matching UNG");
            return;
        }

        if (!une.TryGetInt64(1, 1, out var count) || count != _groupMessageCount)
        {
            InterchangeError(string.Create(CultureInfo.InvariantCulture,
                $"UNE01 message count '{une.GetString(1)}' does not match the {_groupMessageCount} messages in group {_groupReference}"), 1);
        }

        if (!string.Equals(une.GetString(2), _groupReference, StringComparison.Ordinal))
        {
            InterchangeError($"UNE02 group reference {une.GetString(2)} does not match UNG05 {_groupReference}", 2);
        }

        _inGroup = false;
    }

    private void EndInterchange(EdifactSegment unz)
    {
        if (_inMessage)
        {
            CloseMessage("UNZ");
        }

        if (_inGroup)
        {
            InterchangeError($"UNE missing: group {_groupReference} is not closed before UNZ");
            _inGroup = false;
        }

        if (!_inInterchange)
        {
            throw new EdiParseException(Here("UNZ without a matching UNB", EdiErrorLevel.Interchange));
        }

        int? declared = null;
        var expected = _groupCount > 0 ? _groupCount : _messageCount;
        if (unz.TryGetInt64(1, 1, out var count))
        {
            declared = (int)Math.Min(count, int.MaxValue);
            if (count != expected)
            {
                InterchangeError(string.Create(CultureInfo.InvariantCulture,
                    $"UNZ01 count {count} does not match the {expected} {(_groupCount > 0 ? "groups" : "messages")} in interchange {_header!.ControlReference}"), 1);
            }
        }
        else
        {
            InterchangeError($"UNZ01 count '{unz.GetString(1)}' is not a number", 1);
        }

        if (!string.Equals(unz.GetString(2), _header!.ControlReference, StringComparison.Ordinal))
        {
            InterchangeError($"UNZ02 control reference {unz.GetString(2)} does not match UNB05 {_header.ControlReference}", 2);
        }

        EmitEnd(declared);
    }

    private void EmitEnd(int? declared)
    {
        _inInterchange = false;
        _pending.Enqueue((EdifactReadEvent.InterchangeEnd, null, _interchangeErrors, declared));
    }

    private void AtEnd()
    {
        if (_inMessage)
        {
            _context.Error($"UNT missing: message {_reference} (segment {_messageSegment}) is not closed at the end of input", null, EdiErrorLevel.Transaction);
            FinishMessage();
        }

        if (_inInterchange)
        {
            InterchangeError($"UNZ missing: interchange {_header!.ControlReference} (segment {_interchangeSegment}) is not closed at the end of input");
            EmitEnd(null);
        }
        else if (!_sawUnb)
        {
            throw new EdiParseException(new EdiError(0, 0, "", null, "not an EDIFACT interchange: no UNB segment", EdiErrorLevel.Interchange));
        }
    }

    private void InterchangeError(string reason, int? element = null)
    {
        var error = Here(reason, EdiErrorLevel.Interchange, element);
        if (_options.ErrorMode == EdiErrorMode.Throw)
        {
            throw new EdiParseException(error);
        }

        _interchangeErrors.Add(error);
    }

    private EdiError Here(string reason, EdiErrorLevel level, int? element = null) =>
        _finished
            ? new EdiError(_tokenizer.SegmentNumber + 1, _tokenizer.BytesConsumed, "", element, reason, level)
            : new EdiError(_tokenizer.SegmentNumber, _tokenizer.SegmentOffset, _tokenizer.Current.TagString, element, reason, level);
}

/// <summary>Entry points: parse a whole EDIFACT input, or stream its messages.</summary>
public static class EdifactParser
{
    public static EdifactDocument Parse(Stream stream, EdifactReaderOptions? options = null)
    {
        using var reader = new EdifactReader(stream, options);
        var interchanges = new List<EdifactInterchange>();
        var messages = new List<EdifactMessage>();
        while (reader.Read())
        {
            switch (reader.Event)
            {
                case EdifactReadEvent.InterchangeStart:
                    messages = [];
                    break;
                case EdifactReadEvent.Message:
                    messages.Add(reader.Message!);
                    break;
                case EdifactReadEvent.InterchangeEnd:
                    interchanges.Add(new EdifactInterchange(reader.Interchange!, messages, reader.DeclaredCount, reader.Errors,
                        reader.InterchangeSegmentNumber, reader.InterchangeByteOffset));
                    break;
            }
        }

        return new EdifactDocument(interchanges);
    }

    public static EdifactDocument Parse(byte[] bytes, EdifactReaderOptions? options = null)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return Parse(stream, options);
    }

    public static EdifactDocument Parse(string text, EdifactReaderOptions? options = null) =>
        Parse(System.Text.Encoding.UTF8.GetBytes(text), options);

    /// <summary>Streams messages one by one together with their interchange header.</summary>
    public static IEnumerable<(EdifactInterchangeHeader Interchange, EdifactMessage Message)> ReadMessages(Stream stream, EdifactReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Iterate(stream, options);

        static IEnumerable<(EdifactInterchangeHeader, EdifactMessage)> Iterate(Stream stream, EdifactReaderOptions? options)
        {
            using var reader = new EdifactReader(stream, options);
            while (reader.Read())
            {
                if (reader.Event == EdifactReadEvent.Message)
                {
                    yield return (reader.Interchange!, reader.Message!);
                }
            }
        }
    }
}
