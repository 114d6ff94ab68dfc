using System.Text.Json;
using CableHub.Connectors.Iso20022;
using CableHub.Core.Ports;
using static CableHub.Connectors.Payments.Tests.TestFiles;

namespace CableHub.Connectors.Payments.Tests;

/// <summary>The bodies of the <c>payments</c> CLI verbs.</summary>
public sealed class BankFileCommandTests
{
    [Theory]
    [InlineData(Camt054V02, 1, 3)]
    [InlineData(Camt054V04, 1, 3)]
    [InlineData(Camt054V08, 1, 3)]
    [InlineData(PostFinance6Tx, 1, 6)]
    [InlineData(PostFinanceQrr, 1, 2)]
    public void Camt054_json_of_every_bank_sample(string file, int entries, int transactions)
    {
        var output = new StringWriter();
        var errors = new StringWriter();

        var exit = BankFileCommand.ReadNotification(Iso(file), BankMessageKind.DebitCreditNotification, json: true, output, errors);

        exit.ShouldBe(0, errors.ToString());
        errors.ToString().ShouldBeEmpty();
        var text = output.ToString();
        text.TrimEnd('\n').ShouldNotContain("\n"); // one JSON line
        using var doc = JsonDocument.Parse(text);
        var list = doc.RootElement.GetProperty("entries");
        list.GetArrayLength().ShouldBe(entries);
        list[0].GetProperty("transactions").GetArrayLength().ShouldBe(transactions);
    }

    [Fact]
    public void Pain008_example_is_written_and_validated()
    {
        var dir = TempDirectory();
        var path = Path.Combine(dir, "dd.xml");
        var output = new StringWriter();
        var errors = new StringWriter();

        var exit = BankFileCommand.WriteExample(path, new DateTimeOffset(2025, 3, 1, 9, 30, 0, TimeSpan.Zero), output, errors);

        exit.ShouldBe(0, errors.ToString());
        output.ToString().ShouldContain("4 collections, control sum 2147.49");
        output.ToString().ShouldContain("valid against pain.008.001.02.xsd");
        BankFileCommand.Validate(path, new StringWriter(), new StringWriter()).ShouldBe(0);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Validate_reports_each_issue_with_its_line()
    {
        var dir = TempDirectory();
        var path = Path.Combine(dir, "bad.xml");
        File.WriteAllText(path, File.ReadAllText(Iso(PostFinanceQrr)).Replace("<CdtDbtInd>CRDT</CdtDbtInd>", "<CdtDbtInd>CREDIT</CdtDbtInd>", StringComparison.Ordinal));
        var errors = new StringWriter();

        BankFileCommand.Validate(path, new StringWriter(), errors).ShouldBe(1);

        var lines = errors.ToString().TrimEnd('\n').Split('\n');
        lines.Length.ShouldBe(3); // the entry and both transactions
        lines[0].ShouldStartWith($"payments validate: {path}:34:24: ");
        lines[0].ShouldContain("CdtDbtInd");
        Directory.Delete(dir, true);
    }
}
