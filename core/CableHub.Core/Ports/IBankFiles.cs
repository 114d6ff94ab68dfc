using System.Globalization;

namespace CableHub.Core.Ports;

/// <summary>
/// Writes a direct-debit initiation file for the operator's bank (ISO 20022 pain.008). The batch is checked first
/// (IBAN check digits, lengths, positive amounts…): a bad batch throws <see cref="DirectDebitBatchException"/>
/// naming every bad field, and nothing is written.
/// </summary>
public interface IDirectDebitFileWriter
{
    /// <summary>"pain.008.001.02".</summary>
    string Format { get; }

    DirectDebitFileSummary Write(DirectDebitBatch batch, Stream output);
}

/// <summary>
/// Reads bank-to-customer cash-management files (ISO 20022 camt.054 debit/credit notifications; camt.053 statements
/// and camt.052 reports share the entry structure) entry by entry, streaming: a file of any size is read in constant
/// memory. Reading applies nothing. A file that is not one, or is broken, throws <see cref="BankFileFormatException"/>
/// (file:line:column, element path, reason) — possibly after some entries were returned: apply a file only after it
/// was read to the end (e.g. read once to check, or collect, then apply in one transaction).
/// </summary>
public interface IBankNotificationReader
{
    IEnumerable<BankEntry> ReadEntries(Stream input, string sourceName);
}

/// <summary>A direct-debit batch: one creditor (the operator), collections grouped by the writer into payment
/// information blocks per collection date and sequence type.</summary>
/// <param name="MessageId">Unique per file (≤ 35 characters); the bank rejects a repeated one.</param>
/// <param name="CreatedAt">Creation time written into the file (take it from the <see cref="TimeProvider"/>).</param>
public sealed record DirectDebitBatch(
    string MessageId,
    DateTimeOffset CreatedAt,
    DirectDebitCreditor Creditor,
    IReadOnlyList<DirectDebitCollection> Collections)
{
    /// <summary>SEPA scheme: CORE (consumers) or B2B.</summary>
    public DirectDebitScheme Scheme { get; init; } = DirectDebitScheme.Core;

    /// <summary>Booked as one sum on the creditor's account (true) or one booking per collection.</summary>
    public bool BatchBooking { get; init; } = true;
}

/// <param name="Name">The operator's name as the bank knows it (≤ 70 characters under SEPA, ≤ 140 in the schema).</param>
/// <param name="Iban">The account the money is collected to.</param>
/// <param name="Bic">The creditor's bank (BIC); null writes "NOTPROVIDED" (allowed under SEPA IBAN-only).</param>
/// <param name="CreditorSchemeId">The SEPA creditor identifier (e.g. DE98ZZZ09999999999).</param>
public sealed record DirectDebitCreditor(string Name, string Iban, string? Bic, string CreditorSchemeId);

/// <summary>One collection from one debtor.</summary>
/// <param name="EndToEndId">Our reference (≤ 35 characters) that comes back in the bank's camt.054 — e.g. the invoice
/// number or a payment id: it is what matches the bank notification to the invoice.</param>
/// <param name="Amount">Positive, at most two decimals.</param>
/// <param name="CollectionDate">Requested collection (due) date.</param>
/// <param name="DebtorName">The subscriber's name as on the mandate (personal data: only in the file).</param>
public sealed record DirectDebitCollection(
    string EndToEndId,
    Money Amount,
    DateOnly CollectionDate,
    DirectDebitSequence Sequence,
    DirectDebitMandate Mandate,
    string DebtorName,
    string DebtorIban)
{
    public string? DebtorBic { get; init; }

    /// <summary>Free text shown on the debtor's statement (≤ 140 characters).</summary>
    public string? RemittanceText { get; init; }

    /// <summary>A structured creditor reference (ISO 11649 "RF…", type SCOR) instead of or besides the text.</summary>
    public string? CreditorReference { get; init; }
}

/// <summary>The debtor's mandate: its id (≤ 35) and the date it was signed.</summary>
public sealed record DirectDebitMandate(string MandateId, DateOnly SignedOn);

/// <summary>SEPA sequence: first / recurring / one-off / final collection under a mandate.</summary>
public enum DirectDebitSequence
{
    First,
    Recurring,
    OneOff,
    Final,
}

public enum DirectDebitScheme
{
    Core,
    B2B,
}

/// <summary>What was written: totals as in the group header, and the payment information ids per block.</summary>
public sealed record DirectDebitFileSummary(string MessageId, int NumberOfTransactions, decimal ControlSum, IReadOnlyList<string> PaymentInformationIds);

/// <summary>A batch that cannot be written; <see cref="Problems"/> names each field ("collections[3].debtorIban: …").</summary>
public sealed class DirectDebitBatchException : Exception
{
    public DirectDebitBatchException()
        : this([])
    {
    }

    public DirectDebitBatchException(string message)
        : this([message])
    {
    }

    public DirectDebitBatchException(string message, Exception inner)
        : base(message, inner)
    {
        Problems = [message];
    }

    public DirectDebitBatchException(IReadOnlyList<string> problems)
        : base(problems.Count == 0 ? "invalid direct-debit batch" : $"invalid direct-debit batch: {string.Join("; ", problems)}")
    {
        Problems = problems;
    }

    public IReadOnlyList<string> Problems { get; }
}

/// <summary>Which bank-to-customer message a file holds.</summary>
public enum BankMessageKind
{
    /// <summary>camt.052 intraday account report.</summary>
    AccountReport,

    /// <summary>camt.053 end-of-day statement.</summary>
    Statement,

    /// <summary>camt.054 debit/credit notification.</summary>
    DebitCreditNotification,
}

/// <summary>The message an entry came from: kind, ISO message id ("camt.054.001.04"), the bank's message id.</summary>
public sealed record BankMessage(BankMessageKind Kind, string MessageDefinition, string MessageId, DateTimeOffset? CreatedAt);

public enum CreditDebit
{
    /// <summary>CRDT: money in.</summary>
    Credit,

    /// <summary>DBIT: money out (e.g. a returned direct debit).</summary>
    Debit,
}

/// <summary>Booked (final), pending, or information only; <see cref="Other"/> keeps a code we do not know.</summary>
public enum BankEntryStatus
{
    Booked,
    Pending,
    Information,
    Other,
}

/// <summary>Where in a bank file something is: file:line:column and the element path.</summary>
public sealed record BankFileLocation(string SourceName, int Line, int Column, string ElementPath)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{SourceName}:{Line}:{Column}: {ElementPath}");
}

/// <summary>
/// One entry (ISO <c>Ntry</c>) of a bank notification/statement: one booking on the operator's account, which may
/// carry several transactions (a batch of collections, a bundled credit).
/// </summary>
public sealed record BankEntry(
    BankMessage Message,
    string? NotificationId,
    string? AccountIban,
    string? AccountOtherId,
    Money Amount,
    CreditDebit CreditDebit,
    BankEntryStatus Status,
    DateOnly? BookingDate,
    DateOnly? ValueDate,
    IReadOnlyList<BankTransaction> Transactions,
    BankFileLocation Location)
{
    /// <summary>The status code as written (BOOK, PDNG, INFO, or another).</summary>
    public string StatusCode { get; init; } = "";

    public bool Reversal { get; init; }

    public string? EntryReference { get; init; }

    public string? AccountServicerReference { get; init; }

    /// <summary>Bank transaction code "domain/family/subfamily" (PMNT/RCDT/AUTT) or the proprietary code.</summary>
    public string? BankTransactionCode { get; init; }

    public string? AdditionalInfo { get; init; }
}

/// <summary>
/// One transaction (ISO <c>TxDtls</c>) inside an entry: the level payments are matched at.
/// <see cref="Amount"/> is null when the file gives none (camt.054.001.02 often does not; a single transaction of an
/// entry takes the entry's amount).
/// </summary>
public sealed record BankTransaction(
    Money? Amount,
    CreditDebit? CreditDebit,
    string? EndToEndId,
    BankRemittance Remittance,
    BankFileLocation Location)
{
    public string? InstructionId { get; init; }

    public string? PaymentInformationId { get; init; }

    public string? MandateId { get; init; }

    public string? AccountServicerReference { get; init; }

    public string? DebtorName { get; init; }

    public string? DebtorAccount { get; init; }

    public string? CreditorName { get; init; }

    public string? CreditorAccount { get; init; }

    /// <summary>For a returned / rejected direct debit: the ISO return reason code (AM04 insufficient funds, MD01 no
    /// mandate, …).</summary>
    public string? ReturnReason { get; init; }

    /// <summary>True when the end-to-end id is the placeholder "NOTPROVIDED" or absent.</summary>
    public bool HasEndToEndId => !string.IsNullOrEmpty(EndToEndId) && !string.Equals(EndToEndId, "NOTPROVIDED", StringComparison.Ordinal);
}

/// <summary>Remittance information: free-text lines (<c>Ustrd</c>) and structured creditor references
/// (<c>Strd/CdtrRefInf</c>: ISO 11649 SCOR "RF…", Swiss QRR, proprietary types).</summary>
public sealed record BankRemittance(IReadOnlyList<string> Unstructured, IReadOnlyList<BankCreditorReference> CreditorReferences)
{
    public static readonly BankRemittance None = new([], []);

    /// <summary>One line for people and the CLI: the free-text lines, then the creditor references, joined by "; ";
    /// null when there is none.</summary>
    public string? Text
    {
        get
        {
            var parts = Unstructured.Concat(CreditorReferences.Select(r => r.Reference)).Where(p => p.Length > 0).ToList();
            return parts.Count == 0 ? null : string.Join("; ", parts);
        }
    }
}

/// <param name="Type">SCOR, QRR, a proprietary type ("ISR Reference"), or null when not given.</param>
public sealed record BankCreditorReference(string? Type, string Reference);

/// <summary>A bank file that is not what it should be, located: "file:line:col: element path: reason".</summary>
public sealed class BankFileFormatException : Exception
{
    public BankFileFormatException()
        : this(new BankFileLocation("", 0, 0, "/"), "not a bank file")
    {
    }

    public BankFileFormatException(string message)
        : this(new BankFileLocation("", 0, 0, "/"), message)
    {
    }

    public BankFileFormatException(string message, Exception inner)
        : base(message, inner)
    {
        Location = new BankFileLocation("", 0, 0, "/");
        Reason = message;
    }

    public BankFileFormatException(BankFileLocation location, string reason, Exception? inner = null)
        : base($"{location}: {reason}", inner)
    {
        Location = location;
        Reason = reason;
    }

    public BankFileLocation Location { get; }

    public string Reason { get; }
}
