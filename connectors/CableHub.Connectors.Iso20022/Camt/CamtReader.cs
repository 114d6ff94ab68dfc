using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using CableHub.Core;
using CableHub.Core.Ports;

namespace CableHub.Connectors.Iso20022.Camt;

/// <summary>Which bank-to-customer messages a <see cref="CamtReader"/> takes; others are refused with a clear error.</summary>
public sealed record CamtReaderOptions
{
    /// <summary>Only camt.054 debit/credit notifications (what <c>payments camt054</c> reads).</summary>
    public static readonly CamtReaderOptions NotificationsOnly = new() { Accept = new HashSet<BankMessageKind> { BankMessageKind.DebitCreditNotification } };

    /// <summary>Only camt.053 statements.</summary>
    public static readonly CamtReaderOptions StatementsOnly = new() { Accept = new HashSet<BankMessageKind> { BankMessageKind.Statement } };

    public IReadOnlySet<BankMessageKind> Accept { get; init; } = new HashSet<BankMessageKind>
    {
        BankMessageKind.DebitCreditNotification,
        BankMessageKind.Statement,
        BankMessageKind.AccountReport,
    };
}

/// <summary>
/// Streaming reader of ISO 20022 bank-to-customer messages — camt.054 (debit/credit notification), camt.053
/// (statement), camt.052 (account report) — versions 001.02 to 001.08, driven by the document's namespace and mapped
/// by ONE mapping (the entry structure is shared; version differences — <c>Sts</c> as text or <c>Sts/Cd</c>,
/// transaction amount in <c>Amt</c> or only in <c>AmtDtls</c>, parties as <c>Dbtr/Nm</c> or <c>Dbtr/Pty/Nm</c> — are
/// absorbed where they occur). Reads with <see cref="XmlReader"/>, one entry at a time (constant memory), DTDs
/// prohibited. Lenient on what it does not use, strict on what it maps: a missing amount, a bad decimal, an unknown
/// credit/debit code is a <see cref="BankFileFormatException"/> naming file:line:column, element path and reason.
/// </summary>
public sealed partial class CamtReader : IBankNotificationReader
{
    private readonly CamtReaderOptions options;

    public CamtReader(CamtReaderOptions? options = null)
    {
        this.options = options ?? new CamtReaderOptions();
    }

    public IEnumerable<BankEntry> ReadEntries(Stream input, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(sourceName);
        return Iterate(input, sourceName);
    }

    /// <summary>Reads a file; the entries are streamed while the file stays open.</summary>
    public IEnumerable<BankEntry> ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return IterateFile(path);
    }

    private IEnumerable<BankEntry> IterateFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan);
        foreach (var entry in Iterate(stream, path))
        {
            yield return entry;
        }
    }

    private IEnumerable<BankEntry> Iterate(Stream input, string sourceName)
    {
        using var parser = new Parser(input, sourceName, options);
        while (parser.Next() is { } entry)
        {
            yield return entry;
        }
    }

    /// <summary>"urn:iso:std:iso:20022:tech:xsd:camt.054.001.04" → ("camt", "054", "001", "04").</summary>
    [GeneratedRegex(@"^urn:iso:std:iso:20022:tech:xsd:([a-z]{4})\.(\d{3})\.(\d{3})\.(\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoNamespace();

    [GeneratedRegex(@"\s*Line \d+, position \d+\.\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex XmlExceptionPosition();

    [GeneratedRegex("^[A-Z]{3}$", RegexOptions.CultureInvariant)]
    private static partial Regex CurrencyCode();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDate();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDateTime();

    private static string MessageName(string area, string number) => $"{area}.{number}" switch
    {
        "camt.052" => "camt.052 account report",
        "camt.053" => "camt.053 statement",
        "camt.054" => "camt.054 debit/credit notification",
        "pain.001" => "pain.001 credit transfer initiation",
        "pain.002" => "pain.002 payment status report",
        "pain.008" => "pain.008 direct debit initiation",
        "pacs.008" => "pacs.008 interbank credit transfer",
        _ => $"{area}.{number} message",
    };

    private static string Wanted(IReadOnlySet<BankMessageKind> kinds) =>
        string.Join(" or ", kinds.OrderBy(k => k).Select(k => k switch
        {
            BankMessageKind.DebitCreditNotification => "a camt.054 debit/credit notification",
            BankMessageKind.Statement => "a camt.053 statement",
            _ => "a camt.052 account report",
        }));

    private sealed class Parser : IDisposable
    {
        private const int MinVersion = 2;
        private const int MaxVersion = 8;

        private readonly XmlReader reader;
        private readonly string source;
        private readonly CamtReaderOptions options;
        private State state = State.Start;
        private string currentPath = "/";
        private string messagePath = "";
        private string containerName = "";
        private string containerPath = "";
        private int containerCount;
        private int entryCount;
        private BankMessage? message;
        private BankMessageKind kind;
        private string definition = "";
        private string? notificationId;
        private string? accountIban;
        private string? accountOther;

        public Parser(Stream input, string source, CamtReaderOptions options)
        {
            this.source = source;
            this.options = options;
            reader = XmlReader.Create(input, new XmlReaderSettings
            {
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                IgnoreComments = true,
                IgnoreWhitespace = true,
                IgnoreProcessingInstructions = true,
                CloseInput = false,
            });
        }

        private enum State
        {
            Start,
            InMessage,
            InContainer,
            Done,
        }

        public void Dispose() => reader.Dispose();

        public BankEntry? Next()
        {
            try
            {
                return Advance();
            }
            catch (XmlException ex)
            {
                var reason = XmlExceptionPosition().Replace(ex.Message, "");
                throw new BankFileFormatException(new BankFileLocation(source, ex.LineNumber, ex.LinePosition, currentPath), $"not well-formed XML: {reason}", ex);
            }
        }

        private BankEntry? Advance()
        {
            while (true)
            {
                switch (state)
                {
                    case State.Start:
                        ReadRoot();
                        state = State.InMessage;
                        break;
                    case State.InMessage:
                        if (reader.NodeType == XmlNodeType.EndElement || reader.EOF)
                        {
                            if (message is null)
                            {
                                throw Fail(messagePath, "GrpHdr (group header) is missing");
                            }

                            if (containerCount == 0)
                            {
                                throw Fail(messagePath, $"no {ContainerName(kind)} in the message");
                            }

                            state = State.Done;
                            currentPath = messagePath;
                            reader.Read();
                            while (reader.Read())
                            {
                                // reading to the end proves the rest of the file is well-formed
                            }

                            return null;
                        }

                        EnterMessageChild();
                        break;
                    case State.InContainer:
                        if (reader.NodeType == XmlNodeType.EndElement)
                        {
                            reader.Read();
                            state = State.InMessage;
                            currentPath = messagePath;
                            break;
                        }

                        if (ReadContainerChild() is { } entry)
                        {
                            return entry;
                        }

                        break;
                    default:
                        return null;
                }
            }
        }

        private void ReadRoot()
        {
            currentPath = "/";
            reader.MoveToContent();
            var line = Line;
            var column = Column;
            if (reader.NodeType != XmlNodeType.Element)
            {
                throw new BankFileFormatException(new BankFileLocation(source, line, column, "/"), "no root element: not an XML document");
            }

            var ns = reader.NamespaceURI;
            var name = reader.LocalName;
            currentPath = $"/{name}";
            var match = IsoNamespace().Match(ns);
            if (!match.Success)
            {
                var what = ns.Length == 0 ? "no namespace" : $"namespace \"{ns}\"";
                var example = options.Accept.Contains(BankMessageKind.DebitCreditNotification) ? "camt.054" : options.Accept.Contains(BankMessageKind.Statement) ? "camt.053" : "camt.052";
                throw FailHere($"root element <{name}> with {what} is not {Wanted(options.Accept)} (expected <Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:{example}.001.NN\">)");
            }

            var area = match.Groups[1].Value;
            var number = match.Groups[2].Value;
            var variant = match.Groups[3].Value;
            var version = int.Parse(match.Groups[4].Value, CultureInfo.InvariantCulture);
            definition = $"{area}.{number}.{variant}.{match.Groups[4].Value}";
            BankMessageKind? found = $"{area}.{number}" switch
            {
                "camt.054" => BankMessageKind.DebitCreditNotification,
                "camt.053" => BankMessageKind.Statement,
                "camt.052" => BankMessageKind.AccountReport,
                _ => null,
            };
            if (found is null || !options.Accept.Contains(found.Value))
            {
                throw FailHere($"{definition} is a {MessageName(area, number)}, not {Wanted(options.Accept)}");
            }

            kind = found.Value;
            if (variant != "001" || version < MinVersion || version > MaxVersion)
            {
                throw FailHere($"{definition} is not supported: this reader handles {area}.{number}.001.02 to {area}.{number}.001.08");
            }

            if (!string.Equals(name, "Document", StringComparison.Ordinal))
            {
                throw FailHere($"root element is <{name}>, expected <Document>");
            }

            // into Document: its one child is the message element
            if (reader.IsEmptyElement)
            {
                throw FailHere("empty <Document>");
            }

            reader.Read();
            var expected = MessageElement(kind);
            if (reader.NodeType != XmlNodeType.Element || !string.Equals(reader.LocalName, expected, StringComparison.Ordinal))
            {
                var got = reader.NodeType == XmlNodeType.Element ? $"<{reader.LocalName}>" : "nothing";
                throw FailHere($"expected <{expected}> as the message element of {definition}, found {got}");
            }

            messagePath = $"/Document/{expected}";
            currentPath = messagePath;
            if (reader.IsEmptyElement)
            {
                throw FailHere($"empty <{expected}>");
            }

            containerName = ContainerName(kind);
            reader.Read();
        }

        private void EnterMessageChild()
        {
            if (reader.NodeType != XmlNodeType.Element)
            {
                reader.Read();
                return;
            }

            var name = reader.LocalName;
            if (string.Equals(name, "GrpHdr", StringComparison.Ordinal))
            {
                currentPath = $"{messagePath}/GrpHdr";
                var header = XNodeLite.Read(reader, currentPath);
                var msgId = header.TextAt("MsgId") ?? throw Fail(header, "MsgId (message id) is missing");
                message = new BankMessage(kind, definition, msgId, ParseDateTime(header.At("CreDtTm")));
                return;
            }

            if (string.Equals(name, containerName, StringComparison.Ordinal))
            {
                if (message is null)
                {
                    throw FailHere("GrpHdr (group header) must come before the first " + containerName);
                }

                containerCount++;
                entryCount = 0;
                notificationId = null;
                accountIban = null;
                accountOther = null;
                containerPath = string.Create(CultureInfo.InvariantCulture, $"{messagePath}/{containerName}[{containerCount}]");
                currentPath = containerPath;
                if (reader.IsEmptyElement)
                {
                    throw FailHere($"empty <{containerName}>");
                }

                reader.Read();
                state = State.InContainer;
                return;
            }

            if (string.Equals(name, "SplmtryData", StringComparison.Ordinal))
            {
                reader.Skip();
                return;
            }

            throw FailHere($"unexpected element <{name}> in <{MessageElement(kind)}> (expected GrpHdr, {containerName}, SplmtryData)");
        }

        private BankEntry? ReadContainerChild()
        {
            if (reader.NodeType != XmlNodeType.Element)
            {
                reader.Read();
                return null;
            }

            var name = reader.LocalName;
            switch (name)
            {
                case "Ntry":
                    entryCount++;
                    currentPath = string.Create(CultureInfo.InvariantCulture, $"{containerPath}/Ntry[{entryCount}]");
                    var node = XNodeLite.Read(reader, currentPath);
                    var entry = MapEntry(node);
                    currentPath = containerPath;
                    return entry;
                case "Id":
                    currentPath = $"{containerPath}/Id";
                    notificationId = XNodeLite.Read(reader, currentPath).Text.Trim();
                    break;
                case "Acct":
                    currentPath = $"{containerPath}/Acct";
                    var acct = XNodeLite.Read(reader, currentPath);
                    accountIban = acct.TextAt("Id/IBAN");
                    accountOther = acct.TextAt("Id/Othr/Id");
                    break;
                default:
                    currentPath = $"{containerPath}/{name}";
                    reader.Skip();
                    break;
            }

            currentPath = containerPath;
            return null;
        }

        private BankEntry MapEntry(XNodeLite ntry)
        {
            var amountNode = ntry.Child("Amt") ?? throw Fail(ntry, "Amt (entry amount) is missing");
            var amount = ReadAmount(amountNode);
            var cdtDbt = ReadCreditDebit(ntry.Child("CdtDbtInd") ?? throw Fail(ntry, "CdtDbtInd (CRDT/DBIT) is missing"));
            var statusNode = ntry.Child("Sts");
            var statusCode = statusNode is null ? "" : (statusNode.TextAt("Cd") ?? statusNode.TextAt("Prtry") ?? statusNode.Text.Trim());
            var status = statusCode switch
            {
                "BOOK" => BankEntryStatus.Booked,
                "PDNG" => BankEntryStatus.Pending,
                "INFO" => BankEntryStatus.Information,
                _ => BankEntryStatus.Other,
            };
            var reversal = ntry.TextAt("RvslInd") is { } rv && (rv == "true" || rv == "1");

            var txNodes = ntry.ChildrenNamed("NtryDtls").SelectMany(d => d.ChildrenNamed("TxDtls")).ToList();
            var batchCount = ntry.ChildrenNamed("NtryDtls").Select(d => d.TextAt("Btch/NbOfTxs")).FirstOrDefault(t => t is not null);
            var single = txNodes.Count == 1 && (batchCount is null || batchCount == "1");
            var transactions = new List<BankTransaction>(txNodes.Count);
            foreach (var tx in txNodes)
            {
                transactions.Add(MapTransaction(tx, single ? amount : null, cdtDbt));
            }

            return new BankEntry(
                message!,
                notificationId,
                accountIban,
                accountOther,
                amount,
                cdtDbt,
                status,
                ReadDate(ntry.Child("BookgDt")),
                ReadDate(ntry.Child("ValDt")),
                transactions,
                ntry.Location(source))
            {
                StatusCode = statusCode,
                Reversal = reversal,
                EntryReference = ntry.TextAt("NtryRef"),
                AccountServicerReference = ntry.TextAt("AcctSvcrRef"),
                BankTransactionCode = TransactionCode(ntry.Child("BkTxCd")),
                AdditionalInfo = ntry.TextAt("AddtlNtryInf"),
            };
        }

        private BankTransaction MapTransaction(XNodeLite tx, Money? entryAmount, CreditDebit entryCreditDebit)
        {
            var amountNode = tx.Child("Amt") ?? tx.At("AmtDtls/TxAmt/Amt") ?? tx.At("AmtDtls/InstdAmt/Amt");
            Money? amount = amountNode is null ? entryAmount : ReadAmount(amountNode);
            var cdtDbtNode = tx.Child("CdtDbtInd");
            var cdtDbt = cdtDbtNode is null ? entryCreditDebit : ReadCreditDebit(cdtDbtNode);

            var unstructured = new List<string>();
            var references = new List<BankCreditorReference>();
            foreach (var rmt in tx.ChildrenNamed("RmtInf"))
            {
                foreach (var line in rmt.ChildrenNamed("Ustrd"))
                {
                    var text = line.Text.Trim();
                    if (text.Length > 0)
                    {
                        unstructured.Add(text);
                    }
                }

                foreach (var strd in rmt.ChildrenNamed("Strd"))
                {
                    foreach (var cri in strd.ChildrenNamed("CdtrRefInf"))
                    {
                        var reference = cri.TextAt("Ref");
                        if (reference is null)
                        {
                            continue;
                        }

                        var type = cri.TextAt("Tp/CdOrPrtry/Cd") ?? cri.TextAt("Tp/CdOrPrtry/Prtry");
                        references.Add(new BankCreditorReference(type, reference));
                    }
                }
            }

            var remittance = unstructured.Count == 0 && references.Count == 0 ? BankRemittance.None : new BankRemittance(unstructured, references);
            return new BankTransaction(amount, cdtDbt, tx.TextAt("Refs/EndToEndId"), remittance, tx.Location(source))
            {
                InstructionId = tx.TextAt("Refs/InstrId"),
                PaymentInformationId = tx.TextAt("Refs/PmtInfId"),
                MandateId = tx.TextAt("Refs/MndtId"),
                AccountServicerReference = tx.TextAt("Refs/AcctSvcrRef"),
                DebtorName = tx.TextAt("RltdPties/Dbtr/Nm") ?? tx.TextAt("RltdPties/Dbtr/Pty/Nm"),
                DebtorAccount = tx.TextAt("RltdPties/DbtrAcct/Id/IBAN") ?? tx.TextAt("RltdPties/DbtrAcct/Id/Othr/Id"),
                CreditorName = tx.TextAt("RltdPties/Cdtr/Nm") ?? tx.TextAt("RltdPties/Cdtr/Pty/Nm"),
                CreditorAccount = tx.TextAt("RltdPties/CdtrAcct/Id/IBAN") ?? tx.TextAt("RltdPties/CdtrAcct/Id/Othr/Id"),
                ReturnReason = tx.TextAt("RtrInf/Rsn/Cd") ?? tx.TextAt("RtrInf/Rsn/Prtry"),
            };
        }

        private Money ReadAmount(XNodeLite node)
        {
            var text = node.Text.Trim();
            if (text.Length == 0)
            {
                throw Fail(node, "amount is empty");
            }

            if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                throw Fail(node, $"amount \"{Clip(text)}\" is not a decimal number (digits and one '.', no sign)");
            }

            var ccy = node.Attribute("Ccy");
            if (ccy is null)
            {
                throw Fail(node, "Ccy attribute (currency) is missing");
            }

            if (!CurrencyCode().IsMatch(ccy))
            {
                throw Fail(node, $"Ccy \"{Clip(ccy)}\" is not an ISO 4217 currency code");
            }

            return new Money(value, ccy);
        }

        private CreditDebit ReadCreditDebit(XNodeLite node) => node.Text.Trim() switch
        {
            "CRDT" => CreditDebit.Credit,
            "DBIT" => CreditDebit.Debit,
            var other => throw Fail(node, $"CdtDbtInd \"{Clip(other)}\" is neither CRDT nor DBIT"),
        };

        private DateOnly? ReadDate(XNodeLite? node)
        {
            if (node is null)
            {
                return null;
            }

            var inner = node.Child("Dt") ?? node.Child("DtTm");
            if (inner is null)
            {
                return null;
            }

            var text = inner.Text.Trim();
            var isDate = string.Equals(inner.Name, "Dt", StringComparison.Ordinal);
            var ok = isDate ? IsoDate().IsMatch(text) : ParseDateTime(inner) is not null;
            if (!ok || !DateOnly.TryParseExact(text[..Math.Min(10, text.Length)], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                throw Fail(inner, isDate ? $"\"{Clip(text)}\" is not an ISO date (YYYY-MM-DD)" : $"\"{Clip(text)}\" is not an ISO date-time");
            }

            // the date as the bank wrote it (a DtTm's own local date, not shifted to UTC)
            return date;
        }

        private static DateTimeOffset? ParseDateTime(XNodeLite? node)
        {
            var text = node?.Text.Trim();
            if (string.IsNullOrEmpty(text) || !IsoDateTime().IsMatch(text))
            {
                return null;
            }

            // ISO date-times without a zone are the bank's local time; without knowing the zone they are read as UTC.
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
                ? value
                : null;
        }

        private static string? TransactionCode(XNodeLite? bkTxCd)
        {
            if (bkTxCd is null)
            {
                return null;
            }

            var domain = bkTxCd.TextAt("Domn/Cd");
            if (domain is not null)
            {
                var family = bkTxCd.TextAt("Domn/Fmly/Cd");
                var sub = bkTxCd.TextAt("Domn/Fmly/SubFmlyCd");
                return string.Join('/', new[] { domain, family, sub }.Where(p => p is not null));
            }

            return bkTxCd.TextAt("Prtry/Cd");
        }

        private static string MessageElement(BankMessageKind kind) => kind switch
        {
            BankMessageKind.DebitCreditNotification => "BkToCstmrDbtCdtNtfctn",
            BankMessageKind.Statement => "BkToCstmrStmt",
            _ => "BkToCstmrAcctRpt",
        };

        private static string ContainerName(BankMessageKind kind) => kind switch
        {
            BankMessageKind.DebitCreditNotification => "Ntfctn",
            BankMessageKind.Statement => "Stmt",
            _ => "Rpt",
        };

        private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";

        private int Line => ((IXmlLineInfo)reader).LineNumber;

        private int Column => ((IXmlLineInfo)reader).LinePosition;

        private BankFileFormatException FailHere(string reason) => new(new BankFileLocation(source, Line, Column, currentPath), reason);

        private BankFileFormatException Fail(string path, string reason) => new(new BankFileLocation(source, Line, Column, path), reason);

        private BankFileFormatException Fail(XNodeLite node, string reason) => new(node.Location(source), reason);
    }
}
