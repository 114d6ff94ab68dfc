using CableHub.Connectors.Iso20022;
using CableHub.Core.Ports;
using static CableHub.Connectors.Payments.Tests.CamtSampleTests;
using static CableHub.Connectors.Payments.Tests.TestFiles;

namespace CableHub.Connectors.Payments.Tests;

/// <summary>Files that are not camt.054, or are broken: one line naming file:line:column, element path and reason.</summary>
public sealed class CamtMalformedTests
{
    private static BankFileFormatException Fails(string xml, string name = "bad.xml") =>
        Should.Throw<BankFileFormatException>(() => ReadXml(xml, name));

    [Fact]
    public void Not_xml_at_all()
    {
        var error = Fails("""{"entries": []}""", "notes.json");

        error.Message.ShouldBe("notes.json:1:1: /: not well-formed XML: Data at the root level is invalid.");
        error.Location.Line.ShouldBe(1);
    }

    [Fact]
    public void Empty_file()
    {
        var error = Fails("", "empty.xml");

        error.Message.ShouldStartWith("empty.xml:");
        error.Reason.ShouldContain("Root element is missing");
    }

    [Fact]
    public void A_pain008_is_not_a_notification()
    {
        var error = Should.Throw<BankFileFormatException>(() => new Iso20022.Camt.CamtReader().ReadFile(Iso(SwissPain008)).ToList());

        error.Reason.ShouldBe("root element <Document> with namespace \"http://www.six-interbank-clearing.com/de/pain.008.001.02.ch.03.xsd\" is not a camt.052 account report or a camt.053 statement or a camt.054 debit/credit notification (expected <Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.NN\">)");
        error.Location.ElementPath.ShouldBe("/Document");
        error.Message.ShouldStartWith(Iso(SwissPain008) + ":2:2: /Document: ");

        var iso = Fails("""<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"><CstmrDrctDbtInitn/></Document>""", "dd.xml");
        iso.Message.ShouldBe("dd.xml:1:23: /Document: pain.008.001.02 is a pain.008 direct debit initiation, not a camt.052 account report or a camt.053 statement or a camt.054 debit/credit notification");
    }

    [Fact]
    public void A_version_outside_02_to_08_is_refused_by_name()
    {
        var error = Fails(Camt("09", ""));

        error.Message.ShouldBe("bad.xml:2:2: /Document: camt.054.001.09 is not supported: this reader handles camt.054.001.02 to camt.054.001.08");
    }

    [Fact]
    public void A_foreign_root_element_is_named()
    {
        var error = Fails("<html><body>Bank statement</body></html>", "page.html");

        error.Message.ShouldBe("page.html:1:2: /html: root element <html> with no namespace is not a camt.052 account report or a camt.053 statement or a camt.054 debit/credit notification (expected <Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.NN\">)");
    }

    [Fact]
    public void A_bad_amount_names_its_line_and_element_path()
    {
        var xml = Camt("04", """
            <Ntry><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry>
            <Ntry><Amt Ccy="EUR">12,50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry>
            """);

        var error = Fails(xml);

        error.Location.ElementPath.ShouldBe("/Document/BkToCstmrDbtCdtNtfctn/Ntfctn[1]/Ntry[2]/Amt");
        error.Location.Line.ShouldBe(9);
        error.Message.ShouldBe("bad.xml:9:8: /Document/BkToCstmrDbtCdtNtfctn/Ntfctn[1]/Ntry[2]/Amt: amount \"12,50\" is not a decimal number (digits and one '.', no sign)");
    }

    [Theory]
    [InlineData("""<Ntry><Amt>10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>""", "Ntry[1]/Amt: Ccy attribute (currency) is missing")]
    [InlineData("""<Ntry><Amt Ccy="eur">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>""", "Ntry[1]/Amt: Ccy \"eur\" is not an ISO 4217 currency code")]
    [InlineData("""<Ntry><Amt Ccy="EUR">-10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>""", "Ntry[1]/Amt: amount \"-10.00\" is not a decimal number (digits and one '.', no sign)")]
    [InlineData("""<Ntry><CdtDbtInd>CRDT</CdtDbtInd></Ntry>""", "Ntry[1]: Amt (entry amount) is missing")]
    [InlineData("""<Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>CREDIT</CdtDbtInd></Ntry>""", "Ntry[1]/CdtDbtInd: CdtDbtInd \"CREDIT\" is neither CRDT nor DBIT")]
    [InlineData("""<Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>01.03.2025</Dt></BookgDt></Ntry>""", "Ntry[1]/BookgDt/Dt: \"01.03.2025\" is not an ISO date (YYYY-MM-DD)")]
    [InlineData("""<Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><NtryDtls><TxDtls><Amt Ccy="EUR">x</Amt></TxDtls></NtryDtls></Ntry>""", "Ntry[1]/NtryDtls/TxDtls/Amt: amount \"x\" is not a decimal number (digits and one '.', no sign)")]
    public void Mapped_fields_are_checked_with_their_place(string entry, string expectedTail)
    {
        var error = Fails(Camt("08", entry));

        error.Message.ShouldStartWith("bad.xml:8:");
        error.Message.ShouldEndWith(expectedTail);
        error.Message.ShouldContain(": /Document/BkToCstmrDbtCdtNtfctn/Ntfctn[1]/Ntry[1]");
    }

    [Fact]
    public void A_truncated_file_names_the_place_it_breaks_and_the_element_being_read()
    {
        var text = File.ReadAllText(Iso(PostFinance6Tx));
        var cut = text[..text.IndexOf("EndToEndId-001-03-04", StringComparison.Ordinal)];

        var error = Fails(cut, "cut.xml");

        error.Message.ShouldStartWith("cut.xml:263:");
        error.Location.ElementPath.ShouldBe("/Document/BkToCstmrDbtCdtNtfctn/Ntfctn[1]/Ntry[1]");
        error.Reason.ShouldStartWith("not well-formed XML: Unexpected end of file");
    }

    [Fact]
    public void A_mismatched_tag_in_a_later_entry_is_reported_after_the_good_entries()
    {
        var xml = Camt("04", """
            <Ntry><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>
            <Ntry><Amt Ccy="EUR">11.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Nty>
            """);
        var seen = new List<BankEntry>();

        var error = Should.Throw<BankFileFormatException>(() =>
        {
            foreach (var e in new Iso20022.Camt.CamtReader().ReadEntries(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(xml)), "tags.xml"))
            {
                seen.Add(e);
            }
        });

        seen.Count.ShouldBe(1); // streaming: the caller sees the good entry, then the error — apply only after the end
        error.Message.ShouldStartWith("tags.xml:9:");
        error.Location.ElementPath.ShouldBe("/Document/BkToCstmrDbtCdtNtfctn/Ntfctn[1]/Ntry[2]");
        error.Reason.ShouldContain("'Ntry' start tag on line 9");
    }

    [Fact]
    public void Dtds_are_refused()
    {
        var xml = """<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.04"/>""";

        var error = Fails(xml);

        error.Reason.ShouldContain("DTD");
    }

    [Fact]
    public void Errors_are_one_line()
    {
        var error = Fails(Camt("04", "<Ntry><Amt Ccy=\"EUR\">1</Amt><CdtDbtInd>X</CdtDbtInd></Ntry>"));

        error.Message.ShouldNotContain("\n");
        error.Message.ShouldNotContain("\r");
    }

    [Fact]
    public void The_cli_body_prints_one_error_line_and_exits_non_zero_for_a_file_that_is_not_camt054()
    {
        var output = new StringWriter();
        var errors = new StringWriter();

        var exit = BankFileCommand.ReadNotification(Iso(SwissPain008), BankMessageKind.DebitCreditNotification, json: true, output, errors);

        exit.ShouldBe(1);
        output.ToString().ShouldBeEmpty();
        var lines = errors.ToString().TrimEnd('\n').Split('\n');
        lines.ShouldHaveSingleItem().ShouldStartWith($"payments camt054: {Iso(SwissPain008)}:2:2: /Document: ");

        var missing = new StringWriter();
        BankFileCommand.ReadNotification("/nonexistent/x.xml", BankMessageKind.DebitCreditNotification, true, output, missing).ShouldBe(2);
        missing.ToString().ShouldStartWith("payments camt054: /nonexistent/x.xml: cannot read or write the file:");
    }

    [Fact]
    public void The_cli_body_prints_nothing_on_stdout_when_a_later_entry_is_broken()
    {
        var dir = TempDirectory();
        var path = Path.Combine(dir, "late-error.xml");
        File.WriteAllText(path, Camt("04", """
            <Ntry><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>
            <Ntry><Amt Ccy="EUR">oops</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>
            """));
        var output = new StringWriter();
        var errors = new StringWriter();

        BankFileCommand.ReadNotification(path, BankMessageKind.DebitCreditNotification, true, output, errors).ShouldBe(1);

        output.ToString().ShouldBeEmpty();
        errors.ToString().ShouldContain("Ntry[2]/Amt: amount \"oops\"");
        Directory.Delete(dir, true);
    }
}
