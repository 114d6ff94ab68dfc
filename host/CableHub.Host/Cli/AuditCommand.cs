using System.CommandLine;
using System.Text.Json;
using CableHub.Audit;
using Spectre.Console;

namespace CableHub.Host.Cli;

/// <summary>
/// <c>audit verify</c>: seals the audit log's committed rows into the hash chain, then recomputes every hash and link and
/// names the first broken one (exit 1), else prints the chain's length and head (exit 0). <c>audit log</c>: the rows of a
/// customer, a table and row key, an actor and/or a time range.
/// </summary>
public static class AuditCommand
{
    public static Command Build()
    {
        var command = new Command("audit", "The hash-chained audit log of changes and exports");
        var json = new Option<bool>("--json") { Description = "print the result as JSON" };
        var verify = new Command("verify", "Seal the committed rows, then check every row's hash and link; names the first broken link") { json };
        verify.TreatUnmatchedTokensAsErrors = false;
        verify.SetAction(async (parse, ct) =>
        {
            await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
            var log = new AuditLog(db.DataSource);
            var sealedNow = await log.SealAsync(ct).ConfigureAwait(false);
            var result = await log.VerifyAsync(ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(result, JsonSerializerOptions.Web));
            }
            else if (result.FirstBroken is { } broken)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]BROKEN[/] first broken link: {broken.ToString()}");
            }
            else
            {
                AnsiConsole.MarkupLineInterpolated($"[green]intact[/] {result.SealedRows:N0} rows in the chain ({sealedNow:N0} sealed now), head {result.LastChainSeq} {result.LastHash ?? "-"}");
            }

            return result.Intact ? 0 : 1;
        });

        var customer = new Option<Guid?>("--customer") { Description = "rows of this customer (id)" };
        var table = new Option<string?>("--table") { Description = "rows of this audited table (e.g. subscription, catalog_price)" };
        var key = new Option<string?>("--key") { Description = "with --table: the row's primary key" };
        var actor = new Option<string?>("--actor") { Description = "rows of this actor (e.g. staff:alice)" };
        var from = new Option<DateTimeOffset?>("--from") { Description = "from this instant (inclusive)" };
        var to = new Option<DateTimeOffset?>("--to") { Description = "to this instant (exclusive)" };
        var limit = new Option<int>("--limit") { Description = "at most this many rows", DefaultValueFactory = _ => 1000 };
        var list = new Command("log", "List audit rows by customer, table and key, actor, time range") { customer, table, key, actor, from, to, limit, json };
        list.TreatUnmatchedTokensAsErrors = false;
        list.SetAction(async (parse, ct) =>
        {
            await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
            var rows = await new AuditLog(db.DataSource).ListAsync(new AuditQuery(parse.GetValue(customer), parse.GetValue(table), parse.GetValue(key),
                parse.GetValue(actor), parse.GetValue(from), parse.GetValue(to), parse.GetValue(limit)), ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(rows, JsonSerializerOptions.Web));
                return 0;
            }

            foreach (var r in rows)
            {
                Console.WriteLine($"{r.Id,8} {r.At:yyyy-MM-ddTHH:mm:ss.fffZ} {r.Actor,-28} {r.Action,-8} {r.TableName ?? "-"} {r.RowKey ?? "-"} {r.After ?? r.Detail ?? r.Before}");
            }

            Console.WriteLine($"{rows.Count} row(s)");
            return 0;
        });
        command.Subcommands.Add(verify);
        command.Subcommands.Add(list);
        return command;
    }
}
