using System.Globalization;
using System.Text;
using System.Xml;
using CableHub.Core.Ports;

namespace CableHub.Connectors.Iso20022.Pain008;

/// <summary>
/// Writes ISO 20022 pain.008.001.02 (CustomerDirectDebitInitiationV02) as SEPA banks take it: one payment
/// information block (<c>PmtInf</c>) per collection date and sequence type, service level SEPA, local instrument
/// CORE or B2B, charge bearer SLEV, the creditor scheme id, and per collection the end-to-end id, amount, mandate,
/// debtor agent (BIC or NOTPROVIDED), debtor, IBAN and remittance. The batch is checked before anything is written
/// (every problem reported at once, with the field path). Output is UTF-8 without BOM, streamed with
/// <see cref="XmlWriter"/>; the file validates against the official XSD (tests check with .NET and xmllint).
/// </summary>
public sealed class Pain008Writer : IDirectDebitFileWriter
{
    public const string Namespace = "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02";

    private const decimal MaxAmount = 999_999_999.99m;

    public string Format => "pain.008.001.02";

    public DirectDebitFileSummary Write(DirectDebitBatch batch, Stream output)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(output);
        var problems = Check(batch);
        if (problems.Count > 0)
        {
            throw new DirectDebitBatchException(problems);
        }

        var c = CultureInfo.InvariantCulture;
        var blocks = batch.Collections
            .Select((collection, index) => (collection, index))
            .GroupBy(x => (x.collection.CollectionDate, x.collection.Sequence))
            .OrderBy(g => g.Key.CollectionDate).ThenBy(g => g.Key.Sequence)
            .Select((g, i) => (Id: PaymentInformationId(batch.MessageId, i + 1), g.Key.CollectionDate, g.Key.Sequence, Items: g.Select(x => x.collection).ToList()))
            .ToList();
        var controlSum = batch.Collections.Sum(x => x.Amount.Amount);

        using (var w = XmlWriter.Create(output, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, CloseOutput = false }))
        {
            w.WriteStartDocument();
            w.WriteStartElement("Document", Namespace);
            w.WriteStartElement("CstmrDrctDbtInitn", Namespace);

            w.WriteStartElement("GrpHdr", Namespace);
            w.WriteElementString("MsgId", Namespace, batch.MessageId);
            w.WriteElementString("CreDtTm", Namespace, batch.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", c));
            w.WriteElementString("NbOfTxs", Namespace, batch.Collections.Count.ToString(c));
            w.WriteElementString("CtrlSum", Namespace, Amount(controlSum));
            w.WriteStartElement("InitgPty", Namespace);
            w.WriteElementString("Nm", Namespace, batch.Creditor.Name);
            w.WriteEndElement();
            w.WriteEndElement(); // GrpHdr

            foreach (var block in blocks)
            {
                WriteBlock(w, batch, block.Id, block.CollectionDate, block.Sequence, block.Items);
            }

            w.WriteEndElement(); // CstmrDrctDbtInitn
            w.WriteEndElement(); // Document
            w.WriteEndDocument();
        }

        return new DirectDebitFileSummary(batch.MessageId, batch.Collections.Count, controlSum, blocks.Select(b => b.Id).ToList());
    }

    /// <summary>Every problem of the batch, each naming its field ("collections[2].debtorIban: …"); empty when fine.</summary>
    public static IReadOnlyList<string> Check(DirectDebitBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var problems = new List<string>();
        void Add(string field, string? problem)
        {
            if (problem is not null)
            {
                problems.Add($"{field}: {problem}");
            }
        }

        Add("messageId", BankIdentifiers.SepaIdProblem(batch.MessageId));
        var creditor = batch.Creditor;
        if (creditor is null)
        {
            problems.Add("creditor: is missing");
        }
        else
        {
            Add("creditor.name", TextProblem(creditor.Name, 140));
            Add("creditor.iban", BankIdentifiers.IbanProblem(creditor.Iban));
            Add("creditor.bic", BankIdentifiers.BicProblem(creditor.Bic));
            Add("creditor.creditorSchemeId", BankIdentifiers.SepaIdProblem(creditor.CreditorSchemeId));
        }

        if (batch.Collections is null || batch.Collections.Count == 0)
        {
            problems.Add("collections: a batch needs at least one collection");
            return problems;
        }

        var endToEndIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < batch.Collections.Count; i++)
        {
            var x = batch.Collections[i];
            var f = string.Create(CultureInfo.InvariantCulture, $"collections[{i}]");
            if (x is null)
            {
                problems.Add($"{f}: is missing");
                continue;
            }

            Add($"{f}.endToEndId", BankIdentifiers.SepaIdProblem(x.EndToEndId));
            if (!string.IsNullOrEmpty(x.EndToEndId) && !endToEndIds.Add(x.EndToEndId))
            {
                problems.Add($"{f}.endToEndId: \"{x.EndToEndId}\" is used twice in the batch (it is what matches the bank's answer)");
            }

            Add($"{f}.amount", AmountProblem(x.Amount.Amount, x.Amount.Currency));
            Add($"{f}.mandate.mandateId", x.Mandate is null ? "is missing" : BankIdentifiers.SepaIdProblem(x.Mandate.MandateId));
            if (x.Mandate is not null && x.Mandate.SignedOn > x.CollectionDate)
            {
                problems.Add($"{f}.mandate.signedOn: {x.Mandate.SignedOn:yyyy-MM-dd} is after the collection date {x.CollectionDate:yyyy-MM-dd}");
            }

            Add($"{f}.debtorName", TextProblem(x.DebtorName, 140));
            Add($"{f}.debtorIban", BankIdentifiers.IbanProblem(x.DebtorIban));
            Add($"{f}.debtorBic", BankIdentifiers.BicProblem(x.DebtorBic));
            if (x.RemittanceText is not null && x.CreditorReference is not null)
            {
                problems.Add($"{f}: give remittanceText or creditorReference, not both (SEPA allows one)");
            }

            if (x.RemittanceText is not null)
            {
                Add($"{f}.remittanceText", TextProblem(x.RemittanceText, 140));
            }

            if (x.CreditorReference is not null)
            {
                Add($"{f}.creditorReference", BankIdentifiers.CreditorReferenceProblem(x.CreditorReference));
            }
        }

        return problems;
    }

    private static void WriteBlock(XmlWriter w, DirectDebitBatch batch, string id, DateOnly date, DirectDebitSequence sequence, List<DirectDebitCollection> items)
    {
        var c = CultureInfo.InvariantCulture;
        w.WriteStartElement("PmtInf", Namespace);
        w.WriteElementString("PmtInfId", Namespace, id);
        w.WriteElementString("PmtMtd", Namespace, "DD");
        w.WriteElementString("BtchBookg", Namespace, batch.BatchBooking ? "true" : "false");
        w.WriteElementString("NbOfTxs", Namespace, items.Count.ToString(c));
        w.WriteElementString("CtrlSum", Namespace, Amount(items.Sum(x => x.Amount.Amount)));
        w.WriteStartElement("PmtTpInf", Namespace);
        w.WriteStartElement("SvcLvl", Namespace);
        w.WriteElementString("Cd", Namespace, "SEPA");
        w.WriteEndElement();
        w.WriteStartElement("LclInstrm", Namespace);
        w.WriteElementString("Cd", Namespace, batch.Scheme == DirectDebitScheme.B2B ? "B2B" : "CORE");
        w.WriteEndElement();
        w.WriteElementString("SeqTp", Namespace, sequence switch
        {
            DirectDebitSequence.First => "FRST",
            DirectDebitSequence.Recurring => "RCUR",
            DirectDebitSequence.Final => "FNAL",
            _ => "OOFF",
        });
        w.WriteEndElement(); // PmtTpInf
        w.WriteElementString("ReqdColltnDt", Namespace, date.ToString("yyyy-MM-dd", c));
        WriteParty(w, "Cdtr", batch.Creditor.Name);
        WriteAccount(w, "CdtrAcct", batch.Creditor.Iban);
        WriteAgent(w, "CdtrAgt", batch.Creditor.Bic);
        w.WriteElementString("ChrgBr", Namespace, "SLEV");
        w.WriteStartElement("CdtrSchmeId", Namespace);
        w.WriteStartElement("Id", Namespace);
        w.WriteStartElement("PrvtId", Namespace);
        w.WriteStartElement("Othr", Namespace);
        w.WriteElementString("Id", Namespace, batch.Creditor.CreditorSchemeId);
        w.WriteStartElement("SchmeNm", Namespace);
        w.WriteElementString("Prtry", Namespace, "SEPA");
        w.WriteEndElement();
        w.WriteEndElement(); // Othr
        w.WriteEndElement(); // PrvtId
        w.WriteEndElement(); // Id
        w.WriteEndElement(); // CdtrSchmeId

        foreach (var x in items)
        {
            w.WriteStartElement("DrctDbtTxInf", Namespace);
            w.WriteStartElement("PmtId", Namespace);
            w.WriteElementString("EndToEndId", Namespace, x.EndToEndId);
            w.WriteEndElement();
            w.WriteStartElement("InstdAmt", Namespace);
            w.WriteAttributeString("Ccy", x.Amount.Currency);
            w.WriteString(Amount(x.Amount.Amount));
            w.WriteEndElement();
            w.WriteStartElement("DrctDbtTx", Namespace);
            w.WriteStartElement("MndtRltdInf", Namespace);
            w.WriteElementString("MndtId", Namespace, x.Mandate.MandateId);
            w.WriteElementString("DtOfSgntr", Namespace, x.Mandate.SignedOn.ToString("yyyy-MM-dd", c));
            w.WriteEndElement();
            w.WriteEndElement(); // DrctDbtTx
            WriteAgent(w, "DbtrAgt", x.DebtorBic);
            WriteParty(w, "Dbtr", x.DebtorName);
            WriteAccount(w, "DbtrAcct", x.DebtorIban);
            if (x.RemittanceText is not null || x.CreditorReference is not null)
            {
                w.WriteStartElement("RmtInf", Namespace);
                if (x.RemittanceText is not null)
                {
                    w.WriteElementString("Ustrd", Namespace, x.RemittanceText);
                }
                else
                {
                    w.WriteStartElement("Strd", Namespace);
                    w.WriteStartElement("CdtrRefInf", Namespace);
                    w.WriteStartElement("Tp", Namespace);
                    w.WriteStartElement("CdOrPrtry", Namespace);
                    w.WriteElementString("Cd", Namespace, "SCOR");
                    w.WriteEndElement();
                    w.WriteEndElement(); // Tp
                    w.WriteElementString("Ref", Namespace, x.CreditorReference);
                    w.WriteEndElement(); // CdtrRefInf
                    w.WriteEndElement(); // Strd
                }

                w.WriteEndElement(); // RmtInf
            }

            w.WriteEndElement(); // DrctDbtTxInf
        }

        w.WriteEndElement(); // PmtInf
    }

    private static void WriteParty(XmlWriter w, string element, string name)
    {
        w.WriteStartElement(element, Namespace);
        w.WriteElementString("Nm", Namespace, name);
        w.WriteEndElement();
    }

    private static void WriteAccount(XmlWriter w, string element, string iban)
    {
        w.WriteStartElement(element, Namespace);
        w.WriteStartElement("Id", Namespace);
        w.WriteElementString("IBAN", Namespace, iban);
        w.WriteEndElement();
        w.WriteEndElement();
    }

    private static void WriteAgent(XmlWriter w, string element, string? bic)
    {
        w.WriteStartElement(element, Namespace);
        w.WriteStartElement("FinInstnId", Namespace);
        if (string.IsNullOrEmpty(bic))
        {
            w.WriteStartElement("Othr", Namespace);
            w.WriteElementString("Id", Namespace, "NOTPROVIDED");
            w.WriteEndElement();
        }
        else
        {
            w.WriteElementString("BIC", Namespace, bic);
        }

        w.WriteEndElement();
        w.WriteEndElement();
    }

    private static string PaymentInformationId(string messageId, int block)
    {
        var suffix = string.Create(CultureInfo.InvariantCulture, $"-P{block}");
        var head = messageId.Length + suffix.Length <= 35 ? messageId : messageId[..(35 - suffix.Length)];
        return head + suffix;
    }

    private static string Amount(decimal value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    private static string? AmountProblem(decimal amount, string? currency)
    {
        if (string.IsNullOrEmpty(currency) || currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
        {
            return $"currency \"{currency}\" is not an ISO 4217 code";
        }

        if (amount <= 0)
        {
            return $"{amount.ToString(CultureInfo.InvariantCulture)} {currency} is not positive";
        }

        if (amount > MaxAmount)
        {
            return $"{amount.ToString(CultureInfo.InvariantCulture)} {currency} is above {MaxAmount.ToString(CultureInfo.InvariantCulture)}";
        }

        return decimal.Round(amount, 2) != amount
            ? $"{amount.ToString(CultureInfo.InvariantCulture)} {currency} has more than 2 decimals (never rounded silently)"
            : null;
    }

    private static string? TextProblem(string? text, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "is missing";
        }

        if (text.Length > maxLength)
        {
            return $"is longer than {maxLength} characters";
        }

        foreach (var ch in text)
        {
            if (char.IsControl(ch) || !XmlConvert.IsXmlChar(ch) && !char.IsSurrogate(ch))
            {
                return "contains control characters";
            }
        }

        return null;
    }
}
