using System.Xml;
using CableHub.Core.Ports;

namespace CableHub.Connectors.Iso20022.Camt;

/// <summary>
/// A small element tree for one bounded part of a bank file (a group header, an account, one entry), read from the
/// streaming <see cref="XmlReader"/> with its line/column and element path, so every mapping error can name its place.
/// Only elements and their text are kept (attributes by local name); comments and whitespace are dropped.
/// </summary>
internal sealed class XNodeLite
{
    private static readonly IReadOnlyList<XNodeLite> NoChildren = [];
    private readonly XNodeLite? parent;
    private readonly string? fixedPath;
    private readonly int index;
    private List<XNodeLite>? children;
    private Dictionary<string, string>? attributes;
    private Dictionary<string, int>? nameCounts;

    private XNodeLite(string name, XNodeLite? parent, string? fixedPath, int index, int line, int column)
    {
        Name = name;
        this.parent = parent;
        this.fixedPath = fixedPath;
        this.index = index;
        Line = line;
        Column = column;
    }

    public string Name { get; }

    /// <summary>"/Document/BkToCstmrDbtCdtNtfctn/Ntfctn[1]/Ntry[2]/Amt": an index only where the name repeats among
    /// siblings (computed on demand: paths are for error messages).</summary>
    public string Path
    {
        get
        {
            if (parent is null)
            {
                return fixedPath!;
            }

            var repeats = parent.nameCounts is not null && parent.nameCounts.TryGetValue(Name, out var count) && count > 1;
            return repeats
                ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{parent.Path}/{Name}[{index}]")
                : $"{parent.Path}/{Name}";
        }
    }

    public int Line { get; }

    public int Column { get; }

    public string Text { get; private set; } = "";

    public IReadOnlyList<XNodeLite> Children => children ?? NoChildren;

    public string? Attribute(string localName) => attributes is not null && attributes.TryGetValue(localName, out var v) ? v : null;

    public XNodeLite? Child(string name)
    {
        if (children is null)
        {
            return null;
        }

        foreach (var c in children)
        {
            if (string.Equals(c.Name, name, StringComparison.Ordinal))
            {
                return c;
            }
        }

        return null;
    }

    public IEnumerable<XNodeLite> ChildrenNamed(string name) => Children.Where(c => string.Equals(c.Name, name, StringComparison.Ordinal));

    /// <summary>The node at a relative path of child names ("Refs/EndToEndId"), the first match at each step.</summary>
    public XNodeLite? At(string relativePath)
    {
        var node = this;
        foreach (var step in relativePath.Split('/'))
        {
            node = node.Child(step);
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>Trimmed text at a relative path, or null when the element is absent or empty.</summary>
    public string? TextAt(string relativePath)
    {
        var text = At(relativePath)?.Text.Trim();
        return string.IsNullOrEmpty(text) ? null : text;
    }

    public BankFileLocation Location(string sourceName) => new(sourceName, Line, Column, Path);

    /// <summary>
    /// Reads the element the reader is positioned on (and everything inside it); leaves the reader on the node after
    /// its end tag. <paramref name="path"/> is this element's path.
    /// </summary>
    public static XNodeLite Read(XmlReader reader, string path) => Read(reader, null, path, 0);

    private static XNodeLite Read(XmlReader reader, XNodeLite? parent, string? path, int index)
    {
        var info = (IXmlLineInfo)reader;
        var node = new XNodeLite(reader.LocalName, parent, path, index, info.LineNumber, info.LinePosition);
        if (reader.HasAttributes)
        {
            node.attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            while (reader.MoveToNextAttribute())
            {
                if (!string.Equals(reader.Prefix, "xmlns", StringComparison.Ordinal) && !string.Equals(reader.LocalName, "xmlns", StringComparison.Ordinal))
                {
                    node.attributes[reader.LocalName] = reader.Value;
                }
            }

            reader.MoveToElement();
        }

        if (reader.IsEmptyElement)
        {
            reader.Read();
            return node;
        }

        reader.Read();
        System.Text.StringBuilder? text = null;
        while (reader.NodeType != XmlNodeType.EndElement)
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    node.nameCounts ??= new Dictionary<string, int>(StringComparer.Ordinal);
                    var name = reader.LocalName;
                    var n = node.nameCounts.TryGetValue(name, out var count) ? count + 1 : 1;
                    node.nameCounts[name] = n;
                    node.children ??= [];
                    node.children.Add(Read(reader, node, null, n));
                    break;
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                case XmlNodeType.SignificantWhitespace:
                case XmlNodeType.Whitespace:
                    (text ??= new System.Text.StringBuilder()).Append(reader.Value);
                    reader.Read();
                    break;
                default:
                    reader.Read();
                    break;
            }
        }

        reader.Read(); // past the end tag
        node.Text = text?.ToString() ?? "";
        return node;
    }
}
