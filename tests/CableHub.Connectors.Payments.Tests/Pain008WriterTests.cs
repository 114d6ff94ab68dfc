using System.Globalization;
using System.Xml.Linq;
using CableHub.Connectors.Iso20022.Pain008;
using CableHub.Core;
using CableHub.Core.Ports;

namespace CableHub.Connectors.Payments.Tests;

public sealed class Pain008WriterTests
{
    private static readonly XNamespace Ns = Pain008Writer.Namespace;
    private static readonly DateTimeOffset Created = new(2025, 3, 1, 9, 30, 0, TimeSpan.FromHours(5.5));

    private static (XDocument Doc, DirectDebitFileSummary Summary) Write(DirectDebitBatch batch)
    {
        var stream = new MemoryStream();
        var summary = new Pain008Writer().Write(batch, stream);
        stream.Position = 0;
        return (XDocument.Load(stream), summary);
    }

    [Fact]
    public void Group_header_totals_and_one_block_per_date_and_sequence()
    {
        var (doc, summary) = Write(Pain008Example.Create(Created));

        var header = doc.Root!.Element(Ns + "CstmrDrctDbtInitn")!.Element(Ns + "GrpHdr")!;
        header.Element(Ns + "MsgId")!.Value.ShouldBe("CH-DD-20250301040000");
        header.Element(Ns + "CreDtTm")!.Value.ShouldBe("2025-03-01T04:00:00Z");
        header.Element(Ns + "NbOfTxs")!.Value.ShouldBe("4");
        header.Element(Ns + "CtrlSum")!.Value.ShouldBe("2147.49");
        summary.ControlSum.ShouldBe(2147.49m);

        var blocks = doc.Descendants(Ns + "PmtInf").ToList();
        blocks.Select(b => b.Element(Ns + "PmtTpInf")!.Element(Ns + "SeqTp")!.Value).ShouldBe(["FRST", "RCUR", "OOFF"]);
        blocks.Select(b => b.Element(Ns + "PmtInfId")!.Value).ShouldBe(["CH-DD-20250301040000-P1", "CH-DD-20250301040000-P2", "CH-DD-20250301040000-P3"]);
        summary.PaymentInformationIds.ShouldBe(blocks.Select(b => b.Element(Ns + "PmtInfId")!.Value));
        blocks[1].Element(Ns + "NbOfTxs")!.Value.ShouldBe("2");
        blocks[1].Element(Ns + "CtrlSum")!.Value.ShouldBe("798.00");
        blocks.ShouldAllBe(b => b.Element(Ns + "ReqdColltnDt")!.Value == "2025-03-08");
        blocks[0].Descendants(Ns + "LclInstrm").Single().Value.ShouldBe("CORE");
        blocks[0].Descendants(Ns + "CdtrSchmeId").Single().Descendants(Ns + "Id").Last().Value.ShouldBe("DE98ZZZ09999999999");

        var recurring = blocks[1].Elements(Ns + "DrctDbtTxInf").ToList();
        recurring[0].Descendants(Ns + "EndToEndId").Single().Value.ShouldBe("INV-2025-000001");
        recurring[0].Element(Ns + "InstdAmt")!.Value.ShouldBe("499.00");
        recurring[0].Element(Ns + "InstdAmt")!.Attribute("Ccy")!.Value.ShouldBe("EUR");
        recurring[0].Descendants(Ns + "MndtId").Single().Value.ShouldBe("MND-000001");
        recurring[0].Descendants(Ns + "Ustrd").Single().Value.ShouldBe("Cable TV invoice INV-2025-000001");
        recurring[1].Element(Ns + "DbtrAgt")!.Descendants(Ns + "Id").Single().Value.ShouldBe("NOTPROVIDED");
        var reference = recurring[1].Descendants(Ns + "CdtrRefInf").Single();
        reference.Descendants(Ns + "Cd").Single().Value.ShouldBe("SCOR");
        BankIdentifiers.CreditorReferenceProblem(reference.Element(Ns + "Ref")!.Value).ShouldBeNull();
    }

    [Fact]
    public void A_bad_batch_names_every_problem_and_writes_nothing()
    {
        var good = Pain008Example.Create(Created);
        var x = good.Collections[0];
        var batch = good with
        {
            Creditor = good.Creditor with { Iban = "DE89370400440532013001", Bic = "COBA" },
            Collections =
            [
                x with { Amount = new Money(10.005m, "EUR") },
                x with { EndToEndId = good.Collections[1].EndToEndId, Amount = new Money(-5m, "EUR"), DebtorIban = "GB82 WEST 1234 5698 7654 32" },
                good.Collections[1] with { Mandate = new DirectDebitMandate("MND//1", new DateOnly(2030, 1, 1)), DebtorName = "" },
                x with { EndToEndId = "INV-X", RemittanceText = "text", CreditorReference = "RF18539007547035" },
            ],
        };
        var stream = new MemoryStream();

        var error = Should.Throw<DirectDebitBatchException>(() => new Pain008Writer().Write(batch, stream));

        stream.Length.ShouldBe(0);
        error.Problems.ShouldBe(
        [
            "creditor.iban: IBAN \"DE89370400440532013001\" has wrong check digits",
            "creditor.bic: \"COBA\" is not a BIC (8 or 11 characters, ISO 9362)",
            "collections[0].amount: 10.005 EUR has more than 2 decimals (never rounded silently)",
            "collections[1].amount: -5 EUR is not positive",
            "collections[1].debtorIban: \"GB82 WEST 1234 5698 7654 32\" is not an IBAN (2 letters, 2 check digits, up to 30 letters/digits, no spaces)",
            "collections[2].endToEndId: \"INV-2025-000002\" is used twice in the batch (it is what matches the bank's answer)",
            "collections[2].mandate.mandateId: \"MND//1\" must not start or end with '/' nor contain \"//\"",
            "collections[2].mandate.signedOn: 2030-01-01 is after the collection date 2025-03-08",
            "collections[2].debtorName: is missing",
            "collections[3]: give remittanceText or creditorReference, not both (SEPA allows one)",
            "collections[3].creditorReference: ISO 11649 reference \"RF18539007547035\" has wrong check digits",
        ]);
    }

    [Fact]
    public void An_empty_batch_is_refused()
    {
        var batch = Pain008Example.Create(Created) with { Collections = [] };

        Should.Throw<DirectDebitBatchException>(() => new Pain008Writer().Write(batch, new MemoryStream()))
            .Problems.ShouldBe(["collections: a batch needs at least one collection"]);
    }

    [Theory]
    [InlineData("DE89370400440532013000", true)]
    [InlineData("GB82WEST12345698765432", true)]
    [InlineData("CH2909000000250094239", true)]
    [InlineData("GB82WEST12345698765433", false)]
    [InlineData("de89370400440532013000", false)]
    public void Iban_check_digits(string iban, bool valid) =>
        (BankIdentifiers.IbanProblem(iban) is null).ShouldBe(valid);

    [Fact]
    public void Made_ibans_and_references_pass_their_own_checks()
    {
        BankIdentifiers.MakeIban("DE", "370400440532013000").ShouldBe("DE89370400440532013000");
        BankIdentifiers.MakeCreditorReference("539007547034").ShouldBe("RF18539007547034"); // the ISO 11649 example
        for (var i = 0; i < 200; i++)
        {
            var bban = (100500000000000000L + (i * 7919L)).ToString(CultureInfo.InvariantCulture);
            BankIdentifiers.IbanProblem(BankIdentifiers.MakeIban("DE", bban)).ShouldBeNull();
            BankIdentifiers.CreditorReferenceProblem(BankIdentifiers.MakeCreditorReference($"INV{i:000000}")).ShouldBeNull();
        }
    }

    [Fact]
    public void A_b2b_batch_and_long_message_ids_stay_within_the_schema()
    {
        var batch = Pain008Example.Create(Created) with { MessageId = new string('M', 35), Scheme = DirectDebitScheme.B2B, BatchBooking = false };

        var (doc, summary) = Write(batch);

        summary.PaymentInformationIds.ShouldAllBe(id => id.Length <= 35);
        summary.PaymentInformationIds.Distinct().Count().ShouldBe(3);
        doc.Descendants(Ns + "LclInstrm").ShouldAllBe(e => e.Value == "B2B");
        doc.Descendants(Ns + "BtchBookg").ShouldAllBe(e => e.Value == "false");
    }
}
