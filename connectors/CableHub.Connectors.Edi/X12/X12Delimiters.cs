using System.Globalization;

namespace CableHub.Connectors.Edi.X12;

/// <summary>
/// The four X12 delimiters of an interchange, as read from its ISA segment: element separator (the byte after
/// "ISA"), repetition separator (ISA11 from version 00402 on; <c>null</c> when ISA11 is the "U" standards id),
/// component separator (ISA16) and segment terminator (the byte after ISA16). Each is one byte
/// (a char in 0x01–0xFF; bytes above 0x7F are written and read as that single raw byte).
/// </summary>
public readonly record struct X12Delimiters(char Element, char Component, char Segment, char? Repetition)
{
    /// <summary>'*', '>', '~', no repetition separator (version 00401).</summary>
    public static X12Delimiters Default4010 { get; } = new('*', '>', '~', null);

    /// <summary>'*', ':', '~', '^' (version 00501).</summary>
    public static X12Delimiters Default5010 { get; } = new('*', ':', '~', '^');

    /// <summary>Throws <see cref="ArgumentException"/> unless the delimiters are single bytes, distinct, and not letters or digits.</summary>
    public void Validate()
    {
        Check(Element, nameof(Element));
        Check(Component, nameof(Component));
        Check(Segment, nameof(Segment));
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
        string.Create(CultureInfo.InvariantCulture, $"element {Show(Element)}, component {Show(Component)}, segment {Show(Segment)}, repetition {(Repetition is { } r ? Show(r) : "none")}");

    internal static string Show(char c) => c is >= ' ' and <= '~' ? $"'{c}'" : string.Create(CultureInfo.InvariantCulture, $"0x{(int)c:X2}");

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
