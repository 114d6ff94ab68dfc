using System.Globalization;

namespace CableHub.Connectors.Edi.Edifact;

/// <summary>
/// EDIFACT service characters, from the UNA service string advice ("UNA:+.? '") or the defaults:
/// component ':', element '+', decimal mark '.', release '?', repetition (syntax 4, the reserved position) and
/// segment terminator '\''. A space in the release or repetition position means "none".
/// </summary>
public readonly record struct EdifactDelimiters(char Component, char Element, char DecimalMark, char? Release, char? Repetition, char Segment)
{
    public static EdifactDelimiters Default { get; } = new(':', '+', '.', '?', null, '\'');

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"component '{Component}', element '{Element}', decimal '{DecimalMark}', release {(Release is { } r ? $"'{r}'" : "none")}, segment '{Segment}'");

    /// <summary>The six characters following "UNA".</summary>
    public string ToServiceString() => string.Concat(Component, Element, DecimalMark, Release ?? ' ', Repetition ?? ' ', Segment);
}
