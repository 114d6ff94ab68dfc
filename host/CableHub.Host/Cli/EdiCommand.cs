using System.CommandLine;
using CableHub.Connectors.Edi;
using CableHub.Inventory;
using CableHub.Inventory.Edi;

namespace CableHub.Host.Cli;

/// <summary>
/// <c>edi parse FILE [--json] [--lenient-isa]</c>: the parsed document (summary or JSON), or one clear error line
/// (segment number, reason) and a non-zero exit — never a stack trace. <c>edi import FILE…</c>: through the same
/// intake as the inbox (kept, processed once, quarantined with the reason).
/// </summary>
public static class EdiCommand
{
    public static Command Build()
    {
        var command = new Command("edi", "Supplier EDI files (X12 856/850/997, EDIFACT DESADV)");
        command.Subcommands.Add(Parse());
        command.Subcommands.Add(Import());
        return command;
    }

    private static Command Parse()
    {
        var file = new Argument<string>("file") { Description = "an X12 or EDIFACT file" };
        var json = new Option<bool>("--json") { Description = "print the whole parsed document as JSON" };
        var lenient = new Option<bool>("--lenient-isa") { Description = "accept an ISA whose elements are not padded to their fixed widths" };
        var command = new Command("parse", "Parse an EDI file and print it (exit 1 with the segment and reason when it is bad)") { file, json, lenient };
        command.SetAction(parse => EdiParseCommand.Run(new EdiParseCommandOptions(parse.GetValue(file)!) { Json = parse.GetValue(json), LenientIsa = parse.GetValue(lenient) }, Console.Out, Console.Error));
        return command;
    }

    private static Command Import()
    {
        var files = new Argument<string[]>("files") { Description = "EDI files to take in", Arity = ArgumentArity.OneOrMore };
        var command = new Command("import", "Take EDI files in as the inbox does: receipts, quarantine, duplicates (exit 1 when any was quarantined)") { files };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            // A variadic argument also collects the --Section:Key=value configuration overrides: split them off.
            var tokens = parse.GetValue(files)!;
            await using var cli = await InventoryCli.TryOpenAsync("edi import", parse, ct, tokens.Where(t => t.StartsWith("--", StringComparison.Ordinal))).ConfigureAwait(false);
            if (cli is null)
            {
                return 3;
            }

            var intake = cli.Intake();
            var exit = 0;
            foreach (var path in tokens.Where(t => !t.StartsWith("--", StringComparison.Ordinal)))
            {
                if (!File.Exists(path))
                {
                    await Console.Error.WriteLineAsync($"edi import: {path}: no such file").ConfigureAwait(false);
                    exit = 2;
                    continue;
                }

                var result = await intake.IngestFileAsync(path, "cli", ct).ConfigureAwait(false);
                switch (result.Outcome)
                {
                    case EdiIntakeOutcome.Processed:
                        Console.WriteLine($"{path}: processed ({result.File.Format}, {result.File.ShipNotices} ship notice(s), {result.ReceiptIds.Count} receipt(s)) file {result.File.Id}");
                        foreach (var id in result.ReceiptIds)
                        {
                            Console.WriteLine($"  receipt {id}");
                        }

                        break;
                    case EdiIntakeOutcome.Duplicate:
                        Console.WriteLine($"{path}: duplicate, not applied again: {result.Reason}");
                        break;
                    default:
                        await Console.Error.WriteLineAsync($"edi import: {path}: quarantined: {result.Reason}").ConfigureAwait(false);
                        exit = Math.Max(exit, 1);
                        break;
                }
            }

            return exit;
        });
        return command;
    }
}
