using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using CableHub.Connectors.Iso20022.Camt;
using CableHub.Connectors.Iso20022.Pain008;
using CableHub.Connectors.Iso20022.Validation;
using CableHub.Core.Ports;

namespace CableHub.Connectors.Iso20022;

/// <summary>
/// Bodies of the <c>payments</c> CLI verbs for bank files, ready for the host to wire. They read and write files
/// only — nothing is applied to any database. Bad input gives ONE line on <c>error</c> naming the place
/// (file:line:column: element path: reason) and a non-zero exit; never a stack trace.
/// </summary>
public static class BankFileCommand
{
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// <c>payments camt054 FILE [--json]</c> (and <c>camt053</c>): reads the whole file first (so a broken file prints
    /// no partial result), then prints
    /// <c>{"entries":[{"amount","currency","creditDebit","bookingDate","transactions":[{"amount","endToEndId","remittance"}]}]}</c>
    /// — amounts as JSON numbers with the file's decimals kept (1500.00 stays 1500.00), <c>creditDebit</c> CRDT|DBIT,
    /// <c>bookingDate</c> YYYY-MM-DD as written (null for an unbooked entry), a transaction's <c>amount</c> null when the
    /// file gives none, <c>remittance</c> the free-text lines then the structured creditor references joined by "; "
    /// (null when none). Exit 0; 1 bad file; 2 cannot read.
    /// </summary>
    public static int ReadNotification(string path, BankMessageKind kind, bool json, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var verb = kind == BankMessageKind.Statement ? "camt053" : "camt054";
        var options = kind == BankMessageKind.Statement ? CamtReaderOptions.StatementsOnly : CamtReaderOptions.NotificationsOnly;
        return Guard($"payments {verb}", path, error, () =>
        {
            if (!json)
            {
                WriteSummary(new CamtReader(options).ReadFile(path).ToList(), output);
                return 0;
            }

            // streamed into a temporary file (constant memory for any file size), printed only once the whole bank
            // file was read: a broken file prints no partial JSON
            var temp = Path.GetTempFileName();
            try
            {
                using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
                {
                    WriteJson(new CamtReader(options).ReadFile(path), file);
                }

                using var reader = new StreamReader(temp, System.Text.Encoding.UTF8);
                var buffer = new char[64 * 1024];
                int read;
                while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
                {
                    output.Write(buffer, 0, read);
                }

                output.WriteLine();
            }
            finally
            {
                File.Delete(temp);
            }

            return 0;
        });
    }

    /// <summary>The JSON document of <see cref="ReadNotification"/>.</summary>
    public static string ToJson(IEnumerable<BankEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        using var buffer = new MemoryStream();
        WriteJson(entries, buffer);
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Writes the JSON document of <see cref="ReadNotification"/> as the entries arrive.</summary>
    public static void WriteJson(IEnumerable<BankEntry> entries, Stream target)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(target);
        using (var w = new Utf8JsonWriter(target, JsonOptions))
        {
            w.WriteStartObject();
            w.WriteStartArray("entries");
            foreach (var e in entries)
            {
                w.WriteStartObject();
                w.WriteNumber("amount", e.Amount.Amount);
                w.WriteString("currency", e.Amount.Currency);
                w.WriteString("creditDebit", e.CreditDebit == CreditDebit.Credit ? "CRDT" : "DBIT");
                if (e.BookingDate is { } booked)
                {
                    w.WriteString("bookingDate", booked.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                }
                else
                {
                    w.WriteNull("bookingDate");
                }

                w.WriteStartArray("transactions");
                foreach (var t in e.Transactions)
                {
                    w.WriteStartObject();
                    if (t.Amount is { } amount)
                    {
                        w.WriteNumber("amount", amount.Amount);
                    }
                    else
                    {
                        w.WriteNull("amount");
                    }

                    w.WriteString("endToEndId", t.EndToEndId);
                    w.WriteString("remittance", t.Remittance.Text);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
                if (w.BytesPending > 64 * 1024)
                {
                    w.Flush();
                }
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }
    }

    /// <summary><c>payments pain008 --example --out FILE</c>: writes the sample batch, validates it against the official
    /// XSD, prints the totals. Exit 0, or 1 when the written file does not validate (the issues printed).</summary>
    public static int WriteExample(string outPath, DateTimeOffset now, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(outPath);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        return Guard("payments pain008", outPath, error, () =>
        {
            var batch = Pain008Example.Create(now);
            DirectDebitFileSummary summary;
            using (var file = File.Create(outPath))
            {
                summary = new Pain008Writer().Write(batch, file);
            }

            var issues = Iso20022Schemas.ValidateFile(outPath);
            foreach (var issue in issues)
            {
                error.WriteLine($"payments pain008: {issue}");
            }

            if (issues.Count > 0)
            {
                return 1;
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{outPath}: pain.008.001.02 {summary.MessageId}, {summary.NumberOfTransactions} collections, control sum {summary.ControlSum:0.00}, payment information blocks {string.Join(", ", summary.PaymentInformationIds)}; valid against pain.008.001.02.xsd"));
            return 0;
        });
    }

    /// <summary><c>payments validate FILE</c>: XSD validation against the carried official schema of the file's
    /// namespace. Exit 0 valid, 1 invalid (one line per issue).</summary>
    public static int Validate(string path, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        return Guard("payments validate", path, error, () =>
        {
            var issues = Iso20022Schemas.ValidateFile(path);
            foreach (var issue in issues)
            {
                error.WriteLine($"payments validate: {issue}");
            }

            if (issues.Count == 0)
            {
                output.WriteLine($"{path}: valid");
            }

            return issues.Count == 0 ? 0 : 1;
        });
    }

    private static void WriteSummary(IReadOnlyList<BankEntry> entries, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        if (entries.Count == 0)
        {
            output.WriteLine("no entries");
            return;
        }

        var first = entries[0].Message;
        output.WriteLine($"{first.MessageDefinition} message {first.MessageId}: {entries.Count} entr{(entries.Count == 1 ? "y" : "ies")}");
        foreach (var e in entries)
        {
            output.WriteLine(string.Create(c, $"  {(e.CreditDebit == CreditDebit.Credit ? "CRDT" : "DBIT")} {e.Amount.Amount} {e.Amount.Currency} booked {e.BookingDate?.ToString("yyyy-MM-dd", c) ?? "-"} ({e.StatusCode}) account {e.AccountIban ?? e.AccountOtherId ?? "-"}: {e.Transactions.Count} transaction(s)"));
            foreach (var t in e.Transactions)
            {
                output.WriteLine(string.Create(c, $"    {t.Amount?.Amount.ToString(c) ?? "-"} {t.Amount?.Currency} e2e {t.EndToEndId ?? "-"} remittance {t.Remittance.Text ?? "-"}"));
            }
        }
    }

    private static int Guard(string verb, string path, TextWriter error, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (BankFileFormatException ex)
        {
            error.WriteLine($"{verb}: {OneLine(ex.Message)}");
            return 1;
        }
        catch (DirectDebitBatchException ex)
        {
            error.WriteLine($"{verb}: {OneLine(ex.Message)}");
            return 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{verb}: {path}: cannot read or write the file: {OneLine(ex.Message)}");
            return 2;
        }
#pragma warning disable CA1031 // the CLI promise is "a clear error, never a stack trace"
        catch (Exception ex)
#pragma warning restore CA1031
        {
            error.WriteLine($"{verb}: {path}: internal error ({ex.GetType().Name}): {OneLine(ex.Message)}");
            return 3;
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
