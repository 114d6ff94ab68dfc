
namespace CableHub.Connectors.Edi.Edifact;

/// <summary>Options, position and error reporting for a message builder (throws at once in Throw mode).</summary>
internal sealed class EdifactMessageContext(EdifactSegmentReader tokenizer, EdifactReaderOptions options)
{
    public EdifactReaderOptions Options { get; } = options;

    public List<EdiError> Errors { get; } = [];

    public List<EdiError> Warnings { get; } = [];

    public int Position { get; set; }

    public long SegmentNumber => tokenizer.SegmentNumber;

    public void Reset()
    {
        Errors.Clear();
        Warnings.Clear();
        Position = 0;
    }

    public void Error(string reason, int? element = null, EdiErrorLevel level = EdiErrorLevel.Element, string? segmentId = null)
    {
        var error = new EdiError(tokenizer.SegmentNumber, tokenizer.SegmentOffset, segmentId ?? tokenizer.Current.TagString, element, reason,
            element is null && level == EdiErrorLevel.Element ? EdiErrorLevel.Segment : level)
        {
            PositionInTransaction = Position,
        };
        if (Options.ErrorMode == EdiErrorMode.Throw)
        {
            throw new EdiParseException(error);
        }

        Errors.Add(error);
    }

    public void Warning(string reason, int? element = null, string? badValue = null) =>
        Warnings.Add(new EdiError(tokenizer.SegmentNumber, tokenizer.SegmentOffset, tokenizer.Current.TagString, element, reason, EdiErrorLevel.Warning)
        {
            PositionInTransaction = Position,
            BadValue = badValue,
        });
}

internal abstract class EdifactMessageBuilder
{
    public abstract void Add(EdifactSegment segment, EdifactMessageContext context);

    public abstract EdifactMessage Complete(EdifactMessage message, EdifactMessageContext context);

    public static EdifactGenericSegment ToGeneric(EdifactSegment segment)
    {
        var elements = new IReadOnlyList<string>[segment.ElementCount];
        for (var e = 1; e <= segment.ElementCount; e++)
        {
            var count = Math.Max(1, segment.ComponentCount(e));
            var components = new string[count];
            for (var c = 1; c <= count; c++)
            {
                components[c - 1] = segment.GetString(e, c);
            }

            elements[e - 1] = components;
        }

        return new EdifactGenericSegment(segment.TagString, elements);
    }
}

internal sealed class EdifactGenericBuilder : EdifactMessageBuilder
{
    private readonly List<EdifactGenericSegment> _segments = [];

    public override void Add(EdifactSegment segment, EdifactMessageContext context)
    {
        if (context.Options.KeepMessageContent)
        {
            _segments.Add(ToGeneric(segment));
        }
    }

    public override EdifactMessage Complete(EdifactMessage message, EdifactMessageContext context) =>
        context.Options.KeepMessageContent ? message with { Segments = _segments } : message;
}
