using System.Globalization;
using System.Reflection;
using System.Xml;
using System.Xml.Schema;

namespace CableHub.Connectors.Iso20022.Validation;

/// <summary>One schema-validation problem: line, column, message.</summary>
public sealed record SchemaIssue(string SourceName, int Line, int Column, string Message)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{SourceName}:{Line}:{Column}: {Message}");
}

/// <summary>
/// The official ISO 20022 message schemas the project carries (see <c>Schemas/PROVENANCE.txt</c>): pain.008.001.02,
/// camt.054.001.02, .04 and .08. <see cref="Validate(Stream, string)"/> checks a document against the schema of its
/// root namespace with .NET's <see cref="XmlSchemaSet"/>; a namespace without a schema here is itself an issue (never
/// "valid" by omission). <see cref="ExtractTo"/> writes the .xsd files for other validators (xmllint).
/// </summary>
public static class Iso20022Schemas
{
    private const string ResourcePrefix = "CableHub.Connectors.Iso20022.Schemas.";
    private static readonly Lazy<XmlSchemaSet> Set = new(Compile);

    /// <summary>Schema file name per target namespace.</summary>
    public static IReadOnlyDictionary<string, string> Files { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"] = "pain.008.001.02.xsd",
        ["urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"] = "camt.054.001.02.xsd",
        ["urn:iso:std:iso:20022:tech:xsd:camt.054.001.04"] = "camt.054.001.04.xsd",
        ["urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"] = "camt.054.001.08.xsd",
    };

    /// <summary>The compiled schema set (all carried schemas; thread-safe for validation once compiled).</summary>
    public static XmlSchemaSet SchemaSet => Set.Value;

    /// <summary>Validate a document; an empty list means valid against the schema of its namespace.</summary>
    public static IReadOnlyList<SchemaIssue> Validate(Stream input, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(input);
        var issues = new List<SchemaIssue>();
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            ValidationType = ValidationType.Schema,
            Schemas = SchemaSet,
            ValidationFlags = XmlSchemaValidationFlags.ReportValidationWarnings,
            CloseInput = false,
        };
        settings.ValidationEventHandler += (_, e) =>
            issues.Add(new SchemaIssue(sourceName, e.Exception?.LineNumber ?? 0, e.Exception?.LinePosition ?? 0, e.Message));
        try
        {
            using var reader = XmlReader.Create(input, settings);
            var rootSeen = false;
            while (reader.Read())
            {
                if (!rootSeen && reader.NodeType == XmlNodeType.Element)
                {
                    rootSeen = true;
                    if (!Files.ContainsKey(reader.NamespaceURI))
                    {
                        var info = (IXmlLineInfo)reader;
                        issues.Add(new SchemaIssue(sourceName, info.LineNumber, info.LinePosition,
                            $"no schema for namespace \"{reader.NamespaceURI}\" (carried: {string.Join(", ", Files.Values)})"));
                    }
                }
            }
        }
        catch (XmlException ex)
        {
            issues.Add(new SchemaIssue(sourceName, ex.LineNumber, ex.LinePosition, "not well-formed XML: " + ex.Message));
        }

        return issues;
    }

    public static IReadOnlyList<SchemaIssue> ValidateFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Validate(stream, path);
    }

    /// <summary>Write the carried .xsd files into <paramref name="directory"/>; returns namespace → file path.</summary>
    public static IReadOnlyDictionary<string, string> ExtractTo(string directory)
    {
        Directory.CreateDirectory(directory);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (ns, file) in Files)
        {
            var path = Path.Combine(directory, file);
            using (var source = Open(file))
            using (var target = File.Create(path))
            {
                source.CopyTo(target);
            }

            result[ns] = path;
        }

        return result;
    }

    /// <summary>The bytes of one carried schema, as copied from upstream.</summary>
    public static Stream Open(string fileName) =>
        Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourcePrefix + fileName)
        ?? throw new InvalidOperationException($"schema {fileName} is not embedded");

    private static XmlSchemaSet Compile()
    {
        var set = new XmlSchemaSet { XmlResolver = null };
        foreach (var file in Files.Values)
        {
            using var stream = Open(file);
            using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            set.Add(null, reader);
        }

        set.Compile();
        return set;
    }
}
