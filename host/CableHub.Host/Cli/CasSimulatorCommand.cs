using System.CommandLine;
using CableHub.Connectors.Cas.Simulator;
using Spectre.Console;

namespace CableHub.Host.Cli;

/// <summary>
/// <c>cas-sim down --for 120 | up | status | register BOX[=CARD]…</c>: the simulated CAS head-end's switches, on the
/// hub's database (schema cas_sim), so they reach a simulator running inside the hub as well as one behind its HTTP server.
/// </summary>
public static class CasSimulatorCommand
{
    public static Command Build()
    {
        var command = new Command("cas-sim", "Switches of the simulated CAS head-end (outage, registration)");
        var seconds = new Option<int?>("--for") { Description = "seconds the head-end stays down (omit: until `cas-sim up`)" };
        var reason = new Option<string?>("--reason") { Description = "why (logged)" };
        var down = new Command("down", "Take the simulated CAS down: every command and query fails as unavailable") { seconds, reason };
        down.TreatUnmatchedTokensAsErrors = false;
        down.SetAction((parse, ct) => RunAsync(parse, async cas =>
        {
            var duration = parse.GetValue(seconds) is int s and > 0 ? TimeSpan.FromSeconds(s) : (TimeSpan?)null;
            await cas.DownAsync(duration, parse.GetValue(reason) ?? "cas-sim down", ct).ConfigureAwait(false);
            AnsiConsole.MarkupLine($"[red]simulated CAS down[/] until {Markup.Escape((await cas.DownUntilAsync(ct).ConfigureAwait(false))?.ToString("O") ?? "?")}");
        }, ct));
        var up = new Command("up", "Bring the simulated CAS back");
        up.TreatUnmatchedTokensAsErrors = false;
        up.SetAction((parse, ct) => RunAsync(parse, async cas =>
        {
            await cas.UpAsync(ct).ConfigureAwait(false);
            AnsiConsole.MarkupLine("[green]simulated CAS up[/]");
        }, ct));
        var status = new Command("status", "Is the simulated CAS down, and until when");
        status.TreatUnmatchedTokensAsErrors = false;
        status.SetAction((parse, ct) => RunAsync(parse, async cas =>
        {
            var until = await cas.DownUntilAsync(ct).ConfigureAwait(false);
            AnsiConsole.MarkupLine(until is { } u ? $"[red]down[/] until {u:O}" : "[green]up[/]");
        }, ct));
        var boxes = new Argument<string[]>("boxes") { Description = "BOX or BOX=CARD (the vendor's device import)", Arity = ArgumentArity.OneOrMore };
        var register = new Command("register", "Register boxes (and their cards) in the simulated CAS") { boxes };
        register.TreatUnmatchedTokensAsErrors = false;
        register.SetAction((parse, ct) => RunAsync(parse, async cas =>
        {
            var list = parse.GetValue(boxes)!.Select(b => b.Split('=', 2) is [var box, var card] ? new CasDeviceRegistration(box, card) : new CasDeviceRegistration(b)).ToList();
            AnsiConsole.MarkupLine($"{await cas.RegisterDevicesAsync(list, ct).ConfigureAwait(false)} of {list.Count} boxes newly registered");
        }, ct));
        command.Subcommands.Add(down);
        command.Subcommands.Add(up);
        command.Subcommands.Add(status);
        command.Subcommands.Add(register);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, Func<SimulatedConditionalAccessSystem, Task> action, CancellationToken ct)
    {
        await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
        await using var cas = new SimulatedConditionalAccessSystem(new CasSimulatorOptions { ConnectionString = db.Infrastructure.PostgresConnectionString, ControlRefresh = TimeSpan.Zero },
            db.Loggers.CreateLogger<SimulatedConditionalAccessSystem>());
        await action(cas).ConfigureAwait(false);
        return 0;
    }
}
