using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;

namespace CableHub.Connectors.Edi.X12;

/// <summary>
/// The four X12 delimiters of an interchange, as read from its ISA segment: element separator (the byte after
/// "ISA"), repetition separator (ISA11 from version 00402 on; <c>null</c> when ISA11 is the "U" standards id),
/// component separator (ISA16) and segment terminator (what follows ISA16). Element, component and repetition
/// separators are one byte (a char in 0x01–0xFF; bytes above 0x7F are written and read as that single raw byte).
/// The segment terminator may also be one multi-byte UTF-8 character (e.g. U+2026 '…', as some Windows tools save
/// it): a char above U+00FF, or any non-ASCII char with <see cref="Utf8Segment"/>, stands for its UTF-8 bytes.
/// </summary>
public readonly record struct X12Delimiters(char Element, char Component, char Segment, char? Repetition)
{
    /// <summary>'*', '>', '~', no repetition separator (version 00401).</summary>
    public static X12Delimiters Default4010 { get; } = new('*', '>', '~', null);

    /// <summary>'*', ':', '~', '^' (version 00501).</summary>
    public static X12Delimiters Default5010 { get; } = new('*', ':', '~', '^');

    /// <summary>The segment terminator is written as the UTF-8 encoding of <see cref="Segment"/> (always so above U+00FF).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Utf8Segment { get; init; }

    /// <summary>The bytes that end a segment: one raw byte, or the UTF-8 encoding of a multi-byte terminator.</summary>
    [JsonIgnore]
    public byte[] SegmentBytes => Segment > '\u00FF' || (Utf8Segment && Segment > '\u007F') ? Encoding.UTF8.GetBytes([Segment]) : [(byte)Segment];

    /// <summary>Throws <see cref="ArgumentException"/> unless the delimiters are single bytes (the terminator: or one UTF-8 character), distinct, and not letters or digits.</summary>
    public void Validate()
    {
        Check(Element, nameof(Element));
        Check(Component, nameof(Component));
        if (Segment <= '\u00FF')
        {
            Check(Segment, nameof(Segment));
        }
        else if (char.IsSurrogate(Segment) || char.IsLetterOrDigit(Segment) || char.IsWhiteSpace(Segment))
        {
            throw new ArgumentException($"X12 {nameof(Segment)} delimiter {Show(Segment)} must be a character that is not a letter, digit, space or surrogate");
        }

        if (Repetition is { } r)
        {
            Check(r, nameof(Repetition));
        }

        var all = Repetition is { } rep ? new[] { Element, Component, Segment, rep } : [Element, Component, Segment];
        if (all.Distinct().Count() != all.Length)
        {
            throw new ArgumentException($"X12 delimiters must be distinct: {this}");
        }
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"element {Show(Element)}, component {Show(Component)}, segment {SegmentText}, repetition {(Repetition is { } r ? Show(r) : "none")}");

    /// <summary>A delimiter for a message: printable ASCII quoted, a raw byte as 0xNN, a decoded character as U+NNNN — never raw bytes.</summary>
    internal static string Show(char c) =>
        c is >= ' ' and <= '~' ? $"'{c}'"
        : c <= '\u00FF' ? string.Create(CultureInfo.InvariantCulture, $"0x{(int)c:X2}")
        : string.Create(CultureInfo.InvariantCulture, $"U+{(int)c:X4} (UTF-8 {Hex(Encoding.UTF8.GetBytes([c]))})");

    /// <summary>The segment terminator for a message (see <see cref="Show"/>).</summary>
    internal string SegmentText =>
        Utf8Segment && Segment is > '\u007F' and <= '\u00FF'
            ? string.Create(CultureInfo.InvariantCulture, $"U+{(int)Segment:X4} (UTF-8 {Hex(SegmentBytes)})")
            : Show(Segment);

    private static string Hex(byte[] bytes) => string.Join(' ', bytes.Select(b => b.ToString("X2", CultureInfo.InvariantCulture)));

    private static void Check(char c, string name)
    {
        if (c == '\0' || c > '\u00FF')
        {
            throw new ArgumentException($"X12 {name} delimiter {Show(c)} must be a single byte (0x01-0xFF)");
        }

        if (char.IsAsciiLetterOrDigit(c))
        {
            throw new ArgumentException($"X12 {name} delimiter {Show(c)} must not be a letter or digit");
        }
    }
}
