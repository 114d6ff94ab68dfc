using System.CommandLine;
using CableHub.Connectors.Iso20022;
using CableHub.Connectors.Stripe.Simulator;
using CableHub.Core.Ports;

namespace CableHub.Host.Cli;

/// <summary>
/// <c>payments camt054 FILE [--json]</c> / <c>camt053</c>: read a bank notification / statement WITHOUT applying it
/// (JSON shape and amount format: <see cref="BankFileCommand.ReadNotification"/>; a file that is not one: one line
/// naming file:line:col, element path and reason, exit 1). <c>payments pain008 --example --out FILE</c>: a sample
/// direct-debit batch, XSD-validated. <c>payments validate FILE</c>: ISO 20022 XSD check. <c>payments
/// stripe-simulator</c>: the local Stripe API simulator on a port until Ctrl-C. No database is touched.
/// </summary>
public static class PaymentsCommand
{
    public static Command Build()
    {
        var command = new Command("payments", "Payment files and gateways: read camt.054/053, write pain.008, validate, run the Stripe simulator");
        command.Subcommands.Add(Camt("camt054", BankMessageKind.DebitCreditNotification, "Read an ISO 20022 camt.054 bank notification (001.02–001.08) without applying it"));
        command.Subcommands.Add(Camt("camt053", BankMessageKind.Statement, "Read an ISO 20022 camt.053 statement (001.02–001.08) without applying it"));
        command.Subcommands.Add(Pain008());
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
        var example = new Option<bool>("--example") { Description = "write the sample batch (fictional operator and subscribers)" };
        var output = new Option<string>("--out", "-o") { Description = "file to write", Required = true };
        var command = new Command("pain008", "Write an ISO 20022 pain.008.001.02 direct-debit batch and validate it against the official XSD") { example, output };
        command.SetAction(parse =>
        {
            if (!parse.GetValue(example))
            {
                Console.Error.WriteLine("payments pain008: only --example is available from the CLI (batches come from billing)");
                return 2;
            }

            return BankFileCommand.WriteExample(parse.GetValue(output)!, TimeProvider.System.GetUtcNow(), Console.Out, Console.Error);
        });
        return command;
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
