namespace CableHub.Connectors.Xmltv;

/// <summary>
/// One thing read from an XMLTV file, in file order: the <c>&lt;tv&gt;</c> element's attributes
/// (<see cref="XmltvDocument"/>), a <see cref="XmltvChannel"/>, a <see cref="XmltvProgramme"/> or an
/// <see cref="XmltvIssue"/> about the file.
/// </summary>
public abstract record XmltvItem
{
    /// <summary>1-based line of the element's start tag in the source (0 when not from a file).</summary>
    [System.Text.Json.Serialization.JsonPropertyOrder(-1)]
    public int LineNumber { get; init; }
}

/// <summary>A text in a language: <c>&lt;title lang="fr"&gt;…&lt;/title&gt;</c>.</summary>
/// <param name="Value">The trimmed text.</param>
/// <param name="Lang">The <c>lang</c> attribute as written: null when absent, possibly empty.</param>
public sealed record XmltvText(string Value, string? Lang = null)
{
    public override string ToString() => Lang is null ? Value : $"{Value} [{Lang}]";
}

/// <summary><c>&lt;icon src width height/&gt;</c>.</summary>
public sealed record XmltvIcon(string Src, int? Width = null, int? Height = null);

/// <summary><c>&lt;url system="imdb"&gt;…&lt;/url&gt;</c>.</summary>
public sealed record XmltvUrl(string Value, string? System = null);

/// <summary><c>&lt;image type size orient system&gt;url&lt;/image&gt;</c> of a programme or a credited person.</summary>
public sealed record XmltvImage(string Url, string? Type = null, int? Size = null, string? Orient = null, string? System = null);

/// <summary>The tv element's attributes and what the reader found about the bytes.</summary>
public sealed record XmltvDocument : XmltvItem
{
    /// <summary>Name of the encoding the text was decoded with (from the BOM or the XML declaration).</summary>
    public required string Encoding { get; init; }

    public bool HasByteOrderMark { get; init; }

    /// <summary>The input was gzip-compressed (decompressed on the fly).</summary>
    public bool Gzip { get; init; }

    /// <summary><c>tv@date</c> as written.</summary>
    public string? DateText { get; init; }

    /// <summary><c>tv@date</c> parsed (XMLTV format, or a US/invariant-culture date seen in the wild), else null.</summary>
    public DateTimeOffset? Date { get; init; }

    public string? SourceInfoUrl { get; init; }
    public string? SourceInfoName { get; init; }
    public string? SourceDataUrl { get; init; }
    public string? GeneratorInfoName { get; init; }
    public string? GeneratorInfoUrl { get; init; }

    /// <summary>Every attribute of <c>&lt;tv&gt;</c> as written, including non-standard ones.</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
}

/// <summary><c>&lt;channel id&gt;</c>.</summary>
public sealed record XmltvChannel : XmltvItem
{
    public required string Id { get; init; }
    public IReadOnlyList<XmltvText> DisplayNames { get; init; } = [];
    public IReadOnlyList<XmltvIcon> Icons { get; init; } = [];
    public IReadOnlyList<XmltvUrl> Urls { get; init; } = [];

    /// <summary>The first display name, or the id when there is none.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Name => DisplayNames.Count > 0 ? DisplayNames[0].Value : Id;
}
