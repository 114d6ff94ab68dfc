using System.Text.Json;
using CableHub.Connectors.Iso20022;
using CableHub.Connectors.Iso20022.Camt;
using CableHub.Core;
using CableHub.Core.Ports;
using static CableHub.Connectors.Payments.Tests.TestFiles;

namespace CableHub.Connectors.Payments.Tests;

/// <summary>The bank samples (camt.054 001.02, .04, .08; PostFinance's published files) read with the values the files hold.</summary>
public sealed class CamtSampleTests
{
    [Fact]
    public void Camt054_v02_debit_entry_with_three_transactions_without_amounts()
    {
        var entries = ReadIso(Camt054V02);

        var e = entries.ShouldHaveSingleItem();
        e.Message.MessageDefinition.ShouldBe("camt.054.001.02");
        e.Message.Kind.ShouldBe(BankMessageKind.DebitCreditNotification);
        e.Message.MessageId.ShouldBe("AAAASESS-FP-ACCR001");
        e.Message.CreatedAt.ShouldBe(new DateTimeOffset(2007, 10, 18, 11, 30, 0, TimeSpan.Zero));
        e.Amount.ShouldBe(new Money(200000m, "SEK"));
        e.CreditDebit.ShouldBe(CreditDebit.Debit);
        e.Status.ShouldBe(BankEntryStatus.Booked);
        e.BookingDate.ShouldBe(new DateOnly(2007, 10, 18)); // from <BookgDt><DtTm>2007-10-18T13:15:00+01:00
        e.ValueDate.ShouldBe(new DateOnly(2007, 10, 18));
        e.AccountIban.ShouldBeNull();
        e.AccountOtherId.ShouldBe("CH2801234000123456789");
        e.BankTransactionCode.ShouldBe("PMNT/ICDT/DMCT");
        e.AccountServicerReference.ShouldBe("AAAASESS-FP-ACCR001");

        e.Transactions.Count.ShouldBe(3);
        e.Transactions.ShouldAllBe(t => t.Amount == null && t.EndToEndId == "MUELL/FINP/RA12345" && t.DebtorName == "MUELLER");
        e.Transactions[0].Remittance.Unstructured.ShouldBe(["Unstructured Remittance Information V1"]);
        e.Transactions[0].Remittance.CreditorReferences.ShouldBe([new BankCreditorReference("ISR Reference", "ISR ref number V1")]);
        e.Transactions[1].Remittance.Unstructured.ShouldBeEmpty();
        e.Transactions[1].Remittance.Text.ShouldBe("ISR ref number V2");
        e.Transactions[2].Remittance.Unstructured.ShouldBe(["Unstructured Remittance Information V3 block 1", "Unstructured Remittance Information V3 block 2"]);
        e.Transactions[2].Remittance.CreditorReferences.ShouldBe(
            [new BankCreditorReference("SCOR", "Ref number V3 block 1"), new BankCreditorReference("SCOR", "Ref number V3 block 2")]);
        e.Transactions[2].Location.ElementPath.ShouldBe("/Document/BkToCstmrDbtCdtNtfctn/Ntfctn[1]/Ntry[1]/NtryDtls/TxDtls[3]");
    }

    [Theory]
    [InlineData(Camt054V04, "camt.054.001.04")]
    [InlineData(Camt054V08, "camt.054.001.08")]
    public void Camt054_v04_and_v08_carry_the_same_business_content_through_one_mapping(string file, string definition)
    {
        var e = ReadIso(file).ShouldHaveSingleItem();

        e.Message.MessageDefinition.ShouldBe(definition);
        e.Amount.ShouldBe(new Money(200000m, "SEK"));
        e.CreditDebit.ShouldBe(CreditDebit.Debit);
        e.StatusCode.ShouldBe("BOOK"); // v04 <Sts>BOOK</Sts>, v08 <Sts><Cd>BOOK</Cd></Sts>
        e.BookingDate.ShouldBe(new DateOnly(2007, 10, 18));
        e.AccountIban.ShouldBe("CH2801234000123456789");
        e.Transactions.Select(t => t.Amount).ShouldBe([new Money(3.1m, "CHF"), new Money(3.2m, "CHF"), new Money(3.2m, "CHF")]);
        e.Transactions.ShouldAllBe(t => t.CreditDebit == CreditDebit.Credit);
        e.Transactions.Select(t => t.EndToEndId).ShouldBe(["UXC06170000006PI00001EE00001", "UXC06170000006PI00001EE00002", "UXC06170000006PI00001EE00002"]);
        e.Transactions[0].InstructionId.ShouldBe("UXC06170000006PI00001II00001");
        e.Transactions[0].PaymentInformationId.ShouldBe("UXC06170000006PI00001");
        e.Transactions[0].DebtorName.ShouldBe("UNIFITS GmbH"); // v08: RltdPties/Dbtr/Pty/Nm
        e.Transactions[0].CreditorAccount.ShouldBe("CH4112345003131313131");
        e.Transactions[0].Remittance.Text.ShouldBe("Unstructured Remittance Information V1; ISR ref number V1");
        e.Transactions[2].Remittance.CreditorReferences.Select(r => r.Type).ShouldBe(["SCOR", "SCOR"]);
    }

    [Fact]
    public void PostFinance_credit_of_six_transactions_adds_up_and_keeps_ids_and_remittance()
    {
        var e = ReadIso(PostFinance6Tx).ShouldHaveSingleItem();

        e.Amount.ShouldBe(new Money(1500.00m, "CHF"));
        e.CreditDebit.ShouldBe(CreditDebit.Credit);
        e.BookingDate.ShouldBe(new DateOnly(2020, 6, 17));
        e.AccountIban.ShouldBe("CH2909000000250094239");
        e.Message.MessageId.ShouldBe("2019042475204228731867");
        e.BankTransactionCode.ShouldBe("PMNT/RCDT/AUTT");
        e.Transactions.Count.ShouldBe(6);
        e.Transactions.Select(t => t.Amount!.Value.Amount).ShouldBe([400.00m, 350.00m, 450.00m, 150.00m, 50.00m, 100.00m]);
        e.Transactions.Sum(t => t.Amount!.Value.Amount).ShouldBe(e.Amount.Amount);
        e.Transactions.Select(t => t.EndToEndId).ShouldBe(Enumerable.Range(1, 6).Select(i => $"EndToEndId-001-03-0{i}"));
        e.Transactions.Select(t => t.Remittance.Text).ShouldBe(["Kontouebertrag", "Kontouebertrag", "Kontouebertrag", "Rg.-Nr. 001", "Rg.-Nr. 1234567890", "Rg.-Nr. 987654321"]);
        e.Transactions[0].DebtorName.ShouldBe("Bernasconi Maria");
        e.Transactions[0].DebtorAccount.ShouldBe("CH5109000000250092291");
        e.Transactions[0].Location.Line.ShouldBe(53); // <TxDtls> of the first transaction
    }

    [Fact]
    public void PostFinance_QR_bill_credit_reads_structured_references_and_non_ascii_text()
    {
        var e = ReadIso(PostFinanceQrr).ShouldHaveSingleItem();

        e.Amount.ShouldBe(new Money(1692.22m, "CHF"));
        e.EntryReference.ShouldBe("CH7730000001250094239");
        e.Reversal.ShouldBeFalse();
        e.AdditionalInfo!.ShouldContain("SAMMELGUTSCHRIFT FÜR KONTO");
        e.Transactions.Select(t => t.Amount!.Value.Amount).ShouldBe([778.29m, 913.93m]);
        e.Transactions.Sum(t => t.Amount!.Value.Amount).ShouldBe(1692.22m);
        e.Transactions[0].EndToEndId.ShouldBe("1006265-aic5dL-75dzf3jk9-cf2d5e9");
        e.Transactions[0].HasEndToEndId.ShouldBeTrue();
        e.Transactions[1].EndToEndId.ShouldBeNull();
        e.Transactions[1].HasEndToEndId.ShouldBeFalse();
        e.Transactions[0].Remittance.CreditorReferences.ShouldBe([new BankCreditorReference("QRR", "539115429773825311971477453")]);
        e.Transactions[1].Remittance.Text.ShouldBe("662437765447746478179744715");
    }

    [Fact]
    public void Json_has_exactly_the_documented_shape_and_keeps_decimal_places()
    {
        var json = BankFileCommand.ToJson(ReadIso(PostFinance6Tx));

        using var doc = JsonDocument.Parse(json);
        doc.RootElement.EnumerateObject().Select(p => p.Name).ShouldBe(["entries"]);
        var entry = doc.RootElement.GetProperty("entries").EnumerateArray().ShouldHaveSingleItem();
        entry.EnumerateObject().Select(p => p.Name).ShouldBe(["amount", "currency", "creditDebit", "bookingDate", "transactions"]);
        entry.GetProperty("amount").ValueKind.ShouldBe(JsonValueKind.Number);
        entry.GetProperty("amount").GetRawText().ShouldBe("1500.00");
        entry.GetProperty("currency").GetString().ShouldBe("CHF");
        entry.GetProperty("creditDebit").GetString().ShouldBe("CRDT");
        entry.GetProperty("bookingDate").GetString().ShouldBe("2020-06-17");
        var tx = entry.GetProperty("transactions").EnumerateArray().ToList();
        tx.Count.ShouldBe(6);
        tx[0].EnumerateObject().Select(p => p.Name).ShouldBe(["amount", "endToEndId", "remittance"]);
        tx[0].GetProperty("amount").GetRawText().ShouldBe("400.00");
        tx[0].GetProperty("endToEndId").GetString().ShouldBe("EndToEndId-001-03-01");
        tx[0].GetProperty("remittance").GetString().ShouldBe("Kontouebertrag");
    }

    [Fact]
    public void Json_writes_null_for_absent_transaction_amounts_and_ids()
    {
        using var v02 = JsonDocument.Parse(BankFileCommand.ToJson(ReadIso(Camt054V02)));
        var tx = v02.RootElement.GetProperty("entries")[0].GetProperty("transactions")[0];
        tx.GetProperty("amount").ValueKind.ShouldBe(JsonValueKind.Null);
        v02.RootElement.GetProperty("entries")[0].GetProperty("amount").GetRawText().ShouldBe("200000");
        v02.RootElement.GetProperty("entries")[0].GetProperty("creditDebit").GetString().ShouldBe("DBIT");

        using var qrr = JsonDocument.Parse(BankFileCommand.ToJson(ReadIso(PostFinanceQrr)));
        qrr.RootElement.GetProperty("entries")[0].GetProperty("transactions")[1].GetProperty("endToEndId").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Theory]
    [InlineData("03")]
    [InlineData("05")]
    [InlineData("06")]
    [InlineData("07")]
    public void Versions_between_the_samples_are_read_by_namespace_with_the_same_mapping(string version)
    {
        // No bank sample of 001.03/.05/.06/.07 is at hand: the .04 sample under their namespaces (the entry
        // structure used is the same in these versions) must read exactly like the original.
        var original = File.ReadAllText(Iso(PostFinance6Tx));
        var renamed = original.Replace("camt.054.001.04", $"camt.054.001.{version}", StringComparison.Ordinal);

        var entries = ReadXml(renamed);

        var e = entries.ShouldHaveSingleItem();
        e.Message.MessageDefinition.ShouldBe($"camt.054.001.{version}");
        BankFileCommand.ToJson(entries).ShouldBe(BankFileCommand.ToJson(ReadIso(PostFinance6Tx)));
    }

    [Fact]
    public void A_single_transaction_without_its_own_amount_takes_the_entry_amount()
    {
        var xml = Camt("02", """
            <Ntry><Amt Ccy="EUR">42.10</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2025-03-01</Dt></BookgDt>
              <NtryDtls><TxDtls><Refs><EndToEndId>INV-1</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>
            """);

        var tx = ReadXml(xml).ShouldHaveSingleItem().Transactions.ShouldHaveSingleItem();

        tx.Amount.ShouldBe(new Money(42.10m, "EUR"));
        tx.EndToEndId.ShouldBe("INV-1");
    }

    [Fact]
    public void Statements_camt053_are_read_by_the_same_mapping_and_refused_where_a_notification_is_expected()
    {
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
              <BkToCstmrStmt>
                <GrpHdr><MsgId>STMT-1</MsgId><CreDtTm>2025-03-01T06:00:00</CreDtTm></GrpHdr>
                <Stmt>
                  <Id>S1</Id>
                  <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
                  <Ntry><Amt Ccy="EUR">499.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2025-02-28</Dt></BookgDt>
                    <NtryDtls><TxDtls><Refs><EndToEndId>INV-2025-000001</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy="EUR">499.00</Amt></TxAmt></AmtDtls>
                    <RmtInf><Ustrd>Cable TV invoice INV-2025-000001</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
                </Stmt>
              </BkToCstmrStmt>
            </Document>
            """;

        var e = ReadXml(xml, options: CamtReaderOptions.StatementsOnly).ShouldHaveSingleItem();
        e.Message.Kind.ShouldBe(BankMessageKind.Statement);
        e.NotificationId.ShouldBe("S1");
        e.AccountIban.ShouldBe("DE89370400440532013000");
        e.Transactions.ShouldHaveSingleItem().Amount.ShouldBe(new Money(499.00m, "EUR"));

        var error = Should.Throw<BankFileFormatException>(() => ReadXml(xml, "stmt.xml", CamtReaderOptions.NotificationsOnly));
        error.Message.ShouldBe("stmt.xml:2:2: /Document: camt.053.001.02 is a camt.053 statement, not a camt.054 debit/credit notification");
    }

    /// <summary>A minimal camt.054 of the given version around the given entries.</summary>
    internal static string Camt(string version, string entries) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.{version}">
          <BkToCstmrDbtCdtNtfctn>
            <GrpHdr><MsgId>M1</MsgId><CreDtTm>2025-03-01T06:00:00Z</CreDtTm></GrpHdr>
            <Ntfctn>
              <Id>N1</Id>
              <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
              {entries}
            </Ntfctn>
          </BkToCstmrDbtCdtNtfctn>
        </Document>
        """;
}
