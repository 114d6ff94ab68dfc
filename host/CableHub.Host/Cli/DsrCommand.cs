using System.CommandLine;
using System.Text.Json;
using CableHub.Audit;
using CableHub.Customers;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace CableHub.Host.Cli;

/// <summary>
/// Data-subject requests for compliance officers: <c>dsr list</c>, <c>dsr open</c>, <c>dsr export</c> (an access request's
/// JSON + PDF, signed, recorded in the audit log), <c>dsr erase</c> (an erasure request: crypto-shredding, then closed) and
/// <c>dsr rekey</c> (customers written under the master key moved under their own data key). Actor: <c>cli:&lt;os user&gt;</c>.
/// </summary>
public static class DsrCommand
{
    private static string Actor => "cli:" + Environment.UserName;

    public static Command Build()
    {
        var command = new Command("dsr", "Data-subject requests: access exports, erasure by crypto-shredding, the request log");
        var json = new Option<bool>("--json") { Description = "print the result as JSON" };
        var request = new Option<Guid>("--request") { Description = "the data-subject request (id)", Required = true };

        var overdue = new Option<bool>("--overdue") { Description = "only open requests past their deadline" };
        var list = new Command("list", "The request log, open requests first by deadline") { overdue, json };
        list.TreatUnmatchedTokensAsErrors = false;
        list.SetAction(async (parse, ct) =>
        {
            await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
            var rows = await db.Services.GetRequiredService<DataSubjectRequests>().ListAsync(parse.GetValue(overdue), null, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(rows, JsonSerializerOptions.Web));
                return 0;
            }

            foreach (var r in rows)
            {
                Console.WriteLine($"{r.Id} {r.Kind,-13} {r.Status,-9} customer {r.CustomerId} received {r.ReceivedAt:yyyy-MM-dd} due {r.DueAt:yyyy-MM-dd} {r.Outcome}");
            }

            Console.WriteLine($"{rows.Count} request(s)");
            return 0;
        });

        var customer = new Option<Guid>("--customer") { Description = "the customer (id)", Required = true };
        var kind = new Option<string>("--kind") { Description = "access, erasure, rectification or objection", Required = true };
        var open = new Command("open", "Log a request received now (due in one calendar month)") { customer, kind, json };
        open.TreatUnmatchedTokensAsErrors = false;
        open.SetAction(async (parse, ct) =>
        {
            await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
            var opened = await db.Services.GetRequiredService<DataSubjectRequests>().OpenAsync(parse.GetValue(customer), parse.GetValue(kind)!, Actor, null, ct).ConfigureAwait(false);
            Console.WriteLine(parse.GetValue(json) ? JsonSerializer.Serialize(opened, JsonSerializerOptions.Web) : $"opened {opened.Id} ({opened.Kind}), due {opened.DueAt:O}");
            return 0;
        });

        var export = new Command("export", "Write an access request's export (JSON + PDF under <DataDirectory>/exports/data-subject-requests/<id>/), signed and audited") { request, json };
        export.TreatUnmatchedTokensAsErrors = false;
        export.SetAction(async (parse, ct) =>
        {
            await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
            var result = await db.Services.GetRequiredService<DataSubjectRequestActions>().ExportAsync(parse.GetValue(request), Actor, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(result, JsonSerializerOptions.Web));
                return 0;
            }

            AnsiConsole.MarkupLineInterpolated($"[green]exported[/] {result.Sections} sections, {result.Records} records for customer {result.CustomerId}");
            foreach (var f in result.Files)
            {
                Console.WriteLine($"{f.Path} ({f.Bytes:N0} bytes, sha256 {f.Sha256}; manifest {f.ManifestPath})");
            }

            return 0;
        });

        var erase = new Command("erase", "Carry out an erasure request: destroy the customer's data key, overwrite their personal fields, close the request") { request, json };
        erase.TreatUnmatchedTokensAsErrors = false;
        erase.SetAction(async (parse, ct) =>
        {
            await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
            var result = await db.Services.GetRequiredService<DataSubjectRequestActions>().EraseAsync(parse.GetValue(request), Actor, ct).ConfigureAwait(false);
            Console.WriteLine(parse.GetValue(json) ? JsonSerializer.Serialize(result, JsonSerializerOptions.Web) : $"{result.Request.Status}: {result.Request.Outcome}");
            return 0;
        });

        var set = new Option<string[]>("--set") { Description = "a correction FIELD=VALUE (givenName, familyName, birthDate, email, phone); repeat for several", Required = true, AllowMultipleArgumentsPerToken = false };
        var rectify = new Command("rectify", "Carry out a rectification request: correct the named personal fields (kept encrypted; audited without values), close the request") { request, set, json };
        rectify.TreatUnmatchedTokensAsErrors = false;
        rectify.SetAction(async (parse, ct) =>
        {
            var corrections = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in parse.GetValue(set) ?? [])
            {
                var at = pair.IndexOf('=', StringComparison.Ordinal);
                if (at <= 0)
                {
                    await Console.Error.WriteLineAsync($"dsr rectify: --set '{pair}' is not FIELD=VALUE").ConfigureAwait(false);
                    return 2;
                }

                corrections[pair[..at].Trim()] = pair[(at + 1)..];
            }

            await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
            var result = await db.Services.GetRequiredService<DataSubjectRequestActions>().RectifyAsync(parse.GetValue(request), corrections, Actor, ct).ConfigureAwait(false);
            Console.WriteLine(parse.GetValue(json) ? JsonSerializer.Serialize(result, JsonSerializerOptions.Web) : $"{result.Request.Status}: {result.Request.Outcome}");
            return 0;
        });

        var batch = new Option<int>("--batch") { Description = "customers per transaction", DefaultValueFactory = _ => 500 };
        var rekey = new Command("rekey", "Move customers written under the master key (format 1: before customer keys, the demo seed) under their own data key") { batch };
        rekey.TreatUnmatchedTokensAsErrors = false;
        rekey.SetAction(async (parse, ct) =>
        {
            await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
            var progress = new Progress<int>(n => Console.Error.WriteLine($"{n:N0} customers rekeyed"));
            var result = await db.Services.GetRequiredService<CustomerRekey>().RunAsync(Math.Max(1, parse.GetValue(batch)), progress, ct).ConfigureAwait(false);
            Console.WriteLine($"{result.Customers:N0} customers and {result.ContactMedia:N0} contact media moved under their own data key");
            if (result.Unreadable.Count > 0)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]{result.Unreadable.Count} customer(s) left as they are: their fields do not decrypt with the master key[/] (first: {string.Join(", ", result.Unreadable.Take(5))})");
            }

            return 0;
        });

        command.Subcommands.Add(list);
        command.Subcommands.Add(open);
        command.Subcommands.Add(export);
        command.Subcommands.Add(erase);
        command.Subcommands.Add(rectify);
        command.Subcommands.Add(rekey);
        return command;
    }
}
