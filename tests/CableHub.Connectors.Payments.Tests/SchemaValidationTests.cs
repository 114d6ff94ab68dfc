using System.Xml.Linq;
using CableHub.Connectors.Iso20022.Pain008;
using CableHub.Connectors.Iso20022.Validation;
using static CableHub.Connectors.Payments.Tests.TestFiles;

namespace CableHub.Connectors.Payments.Tests;

/// <summary>
/// The official XSDs judge the bank samples and the pain.008 the project writes — with .NET's XmlSchemaSet and with
/// Debian's xmllint, which must agree (valid files and broken ones alike).
/// </summary>
public sealed class SchemaValidationTests : IDisposable
{
    private readonly string dir = TempDirectory();
    private readonly IReadOnlyDictionary<string, string> schemas;

    public SchemaValidationTests()
    {
        schemas = Iso20022Schemas.ExtractTo(Path.Combine(dir, "xsd"));
    }

    public void Dispose() => Directory.Delete(dir, true);

    private string SchemaFor(string documentPath) =>
        schemas[XDocument.Load(documentPath).Root!.Name.NamespaceName];

    [Theory]
    [InlineData(Camt054V02)]
    [InlineData(Camt054V04)]
    [InlineData(Camt054V08)]
    [InlineData(PostFinance6Tx)]
    [InlineData(PostFinanceQrr)]
    public void Bank_samples_are_valid_for_dotnet_and_xmllint(string file)
    {
        var path = Iso(file);

        Iso20022Schemas.ValidateFile(path).ShouldBeEmpty();
        var (exit, errors) = XmlLint(SchemaFor(path), path);
        exit.ShouldBe(0, errors);
        errors.ShouldContain("validates");
    }

    [Fact]
    public void The_written_pain008_is_valid_for_dotnet_and_xmllint()
    {
        var path = Path.Combine(dir, "dd.xml");
        using (var file = File.Create(path))
        {
            new Pain008Writer().Write(Pain008Example.Create(new DateTimeOffset(2025, 3, 1, 9, 30, 0, TimeSpan.Zero)), file);
        }

        Iso20022Schemas.ValidateFile(path).ShouldBeEmpty();
        var (exit, errors) = XmlLint(schemas[Pain008Writer.Namespace], path);
        exit.ShouldBe(0, errors);
    }

    [Theory]
    [InlineData("<SeqTp>RCUR</SeqTp>", "<SeqTp>WEEKLY</SeqTp>", "SeqTp")]
    [InlineData("<PmtMtd>DD</PmtMtd>", "<PmtMtd>TRF</PmtMtd>", "PmtMtd")]
    [InlineData("<ChrgBr>SLEV</ChrgBr>", "", "ChrgBr")] // an optional element removed: still valid, for both
    [InlineData("<CtrlSum>2147.49</CtrlSum>", "<CtrlSum>2147,49</CtrlSum>", "CtrlSum")]
    public void A_broken_pain008_is_invalid_for_both(string from, string to, string element)
    {
        var good = Path.Combine(dir, "good.xml");
        using (var file = File.Create(good))
        {
            new Pain008Writer().Write(Pain008Example.Create(new DateTimeOffset(2025, 3, 1, 9, 30, 0, TimeSpan.Zero)), file);
        }

        var text = File.ReadAllText(good);
        text.ShouldContain(from);
        var bad = Path.Combine(dir, $"bad-{element}.xml");
        File.WriteAllText(bad, ReplaceFirst(text, from, to));

        var dotnet = Iso20022Schemas.ValidateFile(bad);
        var (exit, errors) = XmlLint(schemas[Pain008Writer.Namespace], bad);

        if (to.Length == 0)
        {
            // ChrgBr is optional: removing it keeps the file valid — and both validators must say so.
            dotnet.ShouldBeEmpty();
            exit.ShouldBe(0, errors);
        }
        else
        {
            dotnet.ShouldNotBeEmpty();
            dotnet[0].Line.ShouldBeGreaterThan(0);
            exit.ShouldBe(3, errors); // xmllint: 3 = the document does not validate
            errors.ShouldContain(element);
        }
    }

    [Fact]
    public void A_camt054_sample_with_its_amount_removed_is_invalid_for_both()
    {
        var text = File.ReadAllText(Iso(PostFinanceQrr));
        var bad = Path.Combine(dir, "no-amount.xml");
        File.WriteAllText(bad, ReplaceFirst(text, "<Amt Ccy=\"CHF\">1692.22</Amt>", ""));

        var dotnet = Iso20022Schemas.ValidateFile(bad);
        var (exit, errors) = XmlLint(SchemaFor(bad), bad);

        // both stop at the same place: line 34, the CdtDbtInd where the Amt was expected
        dotnet.ShouldNotBeEmpty();
        dotnet[0].Line.ShouldBe(34);
        exit.ShouldBe(3, errors);
        errors.ShouldContain(":34: element CdtDbtInd");
    }

    [Fact]
    public void The_Swiss_pain008_variant_is_not_valid_against_the_ISO_schema_for_either()
    {
        var path = Iso(SwissPain008);

        var dotnet = Iso20022Schemas.ValidateFile(path);
        var (exit, errors) = XmlLint(schemas[Pain008Writer.Namespace], path);

        dotnet.ShouldNotBeEmpty();
        dotnet.ShouldContain(i => i.Message.Contains("no schema for namespace \"http://www.six-interbank-clearing.com/de/pain.008.001.02.ch.03.xsd\"", StringComparison.Ordinal));
        exit.ShouldNotBe(0);
        errors.ShouldContain("No matching global declaration available for the validation root");
    }

    [Fact]
    public void The_carried_schemas_are_the_upstream_bytes()
    {
        // sha256 from Schemas/PROVENANCE.txt (the ISO 20022 schemas as published).
        var expected = new Dictionary<string, string>
        {
            ["pain.008.001.02.xsd"] = "7ed71e9b36f9b65e131284e5bcc8b4d8d1b0633ddc2fe2d35b0f89e7c6bf8f1f",
            ["camt.054.001.02.xsd"] = "8bb91f1d645277487b4262538c9064161e8feb48ceb8b0c680716fd07c32da01",
            ["camt.054.001.04.xsd"] = "1bb115c106bd7ee4fac82520b477ee8ea40a8686a9111ff182e33a14ae0014d2",
            ["camt.054.001.08.xsd"] = "2b392a1f7e70e70902fd0d803ff85989613bd1cae351663240b0bb9243be2c28",
        };

        foreach (var (file, sha) in expected)
        {
            using var stream = Iso20022Schemas.Open(file);
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream)).ShouldBe(sha, file);
        }
    }

    private static string ReplaceFirst(string text, string from, string to)
    {
        var at = text.IndexOf(from, StringComparison.Ordinal);
        return text[..at] + to + text[(at + from.Length)..];
    }
}
