using System.CommandLine;
using System.Globalization;
using CableHub.Billing;
using CableHub.Billing.Payments;
using CableHub.Connectors.Iso20022;
using CableHub.Core.Errors;
using CableHub.Connectors.Stripe.Simulator;
using CableHub.Core.Ports;

namespace CableHub.Host.Cli;

/// <summary>
/// <c>payments camt054 FILE [--json]</c> / <c>camt053</c>: read a bank notification / statement WITHOUT applying it
/// (JSON shape and amount format: <see cref="BankFileCommand.ReadNotification"/>; a file that is not one: one line
/// naming file:line:col, element path and reason, exit 1). <c>payments pain008 --example --out FILE</c>: a sample
/// direct-debit batch, XSD-validated (no database); <c>payments pain008 [--due-by D] [--collection-date D] --out FILE</c>: billing's
/// batch of due open invoices of mandated accounts (<see cref="DirectDebits"/>); <c>payments mandate …</c>: record a mandate.
/// <c>payments validate FILE</c>: ISO 20022 XSD check. <c>payments stripe-simulator</c>: the local Stripe API simulator on a port until Ctrl-C.
/// </summary>
public static class PaymentsCommand
{
    private static string Actor => "cli:" + Environment.UserName;

    public static Command Build()
    {
        var command = new Command("payments", "Payment files and gateways: read camt.054/053, write pain.008, validate, run the Stripe simulator");
        command.Subcommands.Add(Camt("camt054", BankMessageKind.DebitCreditNotification, "Read an ISO 20022 camt.054 bank notification (001.02–001.08) without applying it"));
        command.Subcommands.Add(Camt("camt053", BankMessageKind.Statement, "Read an ISO 20022 camt.053 statement (001.02–001.08) without applying it"));
        command.Subcommands.Add(Pain008());
        command.Subcommands.Add(Mandate());
        command.Subcommands.Add(Validate());
        command.Subcommands.Add(Simulator());
        return command;
    }

    private static Command Camt(string name, BankMessageKind kind, string description)
    {
        var file = new Argument<string>("file") { Description = "the bank file" };
        var json = new Option<bool>("--json") { Description = "print {\"entries\":[…]} (amounts as JSON numbers with the file's decimals)" };
        var command = new Command(name, description) { file, json };
        command.SetAction(parse => BankFileCommand.ReadNotification(parse.GetValue(file)!, kind, parse.GetValue(json), Console.Out, Console.Error));
        return command;
    }

    private static Command Pain008()
    {
        var example = new Option<bool>("--example") { Description = "write the sample batch (fictional operator and subscribers); no database" };
        var output = new Option<string>("--out", "-o") { Description = "file to write", Required = true };
        var dueBy = new Option<string?>("--due-by") { Description = "collect open invoices of mandated accounts due on or before this local date (YYYY-MM-DD; default today)" };
        var on = new Option<string?>("--collection-date") { Description = "requested collection date (YYYY-MM-DD; default today + 2 days)" };
        var command = new Command("pain008", "Write an ISO 20022 pain.008.001.02 direct-debit batch: from billing's due invoices of mandated accounts (recorded: never collected twice), or the --example") { example, output, dueBy, on };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(example))
            {
                return BankFileCommand.WriteExample(parse.GetValue(output)!, TimeProvider.System.GetUtcNow(), Console.Out, Console.Error);
            }

            await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
            var options = db.Services.GetRequiredService<BillingOptions>();
            var today = options.LocalDate(TimeProvider.System.GetUtcNow());
            if (!TryDate(parse.GetValue(dueBy), "--due-by", today, out var due) || !TryDate(parse.GetValue(on), "--collection-date", today.AddDays(2), out var collectionDate))
            {
                return 2;
            }

            try
            {
                var run = await db.Services.GetRequiredService<DirectDebits>().CollectAsync(due, collectionDate, Path.GetFullPath(parse.GetValue(output)!), Actor, ct).ConfigureAwait(false);
                foreach (var skipped in run.Skipped)
                {
                    Console.WriteLine($"skipped {skipped}");
                }

                Console.WriteLine(run.BatchId is null
                    ? $"nothing to collect: no open {run.Currency} invoice of a mandated account is due by {due:yyyy-MM-dd} (or all are collection-pending)"
                    : $"{run.MessageId}: {run.Collections} collection(s), {run.ControlSum.ToString("0.00", CultureInfo.InvariantCulture)} {run.Currency} on {run.CollectionDate:yyyy-MM-dd} → {parse.GetValue(output)} (sha256 {run.FileSha256})");
                return 0;
            }
            catch (DomainException e)
            {
                Console.Error.WriteLine($"payments pain008: {e.Title}: {string.Join("; ", e.Errors.Select(x => x.ToString()))}");
                return 1;
            }
        });
        return command;
    }

    private static Command Mandate()
    {
        var account = new Option<Guid>("--account") { Description = "billing account id", Required = true };
        var mandateId = new Option<string>("--mandate-id") { Description = "the unique mandate reference the subscriber signed", Required = true };
        var name = new Option<string>("--name") { Description = "account holder as on the mandate", Required = true };
        var iban = new Option<string>("--iban") { Description = "debtor IBAN (stored encrypted)", Required = true };
        var bic = new Option<string?>("--bic") { Description = "debtor BIC (optional under SEPA)" };
        var signed = new Option<string>("--signed") { Description = "signature date (YYYY-MM-DD)", Required = true };
        var command = new Command("mandate", "Record a SEPA direct-debit mandate for a billing account (IBAN checked and encrypted at rest)") { account, mandateId, name, iban, bic, signed };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            if (!DateOnly.TryParseExact(parse.GetValue(signed), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var signedOn))
            {
                Console.Error.WriteLine($"--signed: '{parse.GetValue(signed)}' is not a date (YYYY-MM-DD)");
                return 2;
            }

            await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
            try
            {
                var m = await db.Services.GetRequiredService<DirectDebits>().AddMandateAsync(
                    new NewMandate(parse.GetValue(account), parse.GetValue(mandateId)!, parse.GetValue(name)!, parse.GetValue(iban)!, parse.GetValue(bic), signedOn), Actor, ct)
                    .ConfigureAwait(false);
                Console.WriteLine($"mandate {m.MandateId} recorded for billing account {m.BillingAccountId} (IBAN …{m.IbanLast4}, signed {m.SignedOn:yyyy-MM-dd}, next {m.NextSequence})");
                return 0;
            }
            catch (DomainException e)
            {
                Console.Error.WriteLine($"payments mandate: {e.Title}: {string.Join("; ", e.Errors.Select(x => x.ToString()))}");
                return 1;
            }
        });
        return command;
    }

    private static bool TryDate(string? text, string option, DateOnly fallback, out DateOnly date)
    {
        if (text is null)
        {
            date = fallback;
            return true;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
        {
            return true;
        }

        Console.Error.WriteLine($"{option}: '{text}' is not a date (YYYY-MM-DD)");
        return false;
    }

    private static Command Validate()
    {
        var file = new Argument<string>("file") { Description = "a pain.008.001.02 or camt.054.001.02/.04/.08 file" };
        var command = new Command("validate", "Validate an ISO 20022 file against the official XSD of its namespace") { file };
        command.SetAction(parse => BankFileCommand.Validate(parse.GetValue(file)!, Console.Out, Console.Error));
        return command;
    }

    private static Command Simulator()
    {
        var port = new Option<int>("--port") { Description = "loopback port (0 = any free)", DefaultValueFactory = _ => 12111 };
        var webhookUrl = new Option<string?>("--webhook-url") { Description = "where to POST signed webhook events" };
        var secret = new Option<string>("--webhook-secret") { Description = "signing secret", DefaultValueFactory = _ => "whsec_cablehub_simulator" };
        var command = new Command("stripe-simulator", "Run the local Stripe API simulator (PaymentIntents, refunds, signed webhooks) until Ctrl-C") { port, webhookUrl, secret };
        command.SetAction(async (parse, ct) =>
        {
            var url = parse.GetValue(webhookUrl);
            await using var simulator = await StripeSimulator.StartAsync(new StripeSimulatorOptions
            {
                Url = $"http://127.0.0.1:{parse.GetValue(port)}",
                WebhookUrl = string.IsNullOrEmpty(url) ? null : new Uri(url),
                WebhookSecret = parse.GetValue(secret)!,
            }, null, ct).ConfigureAwait(false);
            Console.WriteLine($"Stripe API simulator on {simulator.BaseAddress} (API key: any sk_test_…; webhooks: {url ?? "none"}); Ctrl-C stops it");
            try
            {
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            return 0;
        });
        return command;
    }
}
