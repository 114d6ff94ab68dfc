using System.CommandLine;
using System.Text.Json;
using CableHub.Host.Composition;
using CableHub.Host.Infrastructure;
using CableHub.Sagas.Lifecycle;
using Spectre.Console;

namespace CableHub.Host.Cli;

/// <summary>
/// <c>cas reconcile [--dry-run] [--json]</c>: compares the hub's entitlements with what the CAS holds (the configured adapter:
/// the simulated head-end or the vendor's API), records every difference with its age in <c>sagas.cas_drift</c> and repairs it by
/// re-sending (not with <c>--dry-run</c>). Exit 0 when the CAS agrees (or every difference was repaired), 1 otherwise.
/// </summary>
public static class CasCommand
{
    public static Command Build()
    {
        var command = new Command("cas", "The conditional-access system as the hub sees it");
        var dryRun = new Option<bool>("--dry-run") { Description = "find and record the differences, repair nothing" };
        var json = new Option<bool>("--json") { Description = "print the result as JSON" };
        var reconcile = new Command("reconcile", "Compare the hub's entitlements with the CAS, record every difference with its age, repair drift by re-sending")
        {
            dryRun, json,
        };
        reconcile.TreatUnmatchedTokensAsErrors = false;
        reconcile.SetAction(async (parse, ct) =>
        {
            await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
            await using var services = HubComposition.CliServices(db.DataSource, db.Settings, db.Configuration, db.Loggers, configure: s =>
            {
                Messaging.AddCas(s, db.Settings, db.Infrastructure.PostgresConnectionString);
                s.AddHttpClient();
                s.AddSingleton<CasReconciler>();
            });
            var simulator = services.GetService<Connectors.Cas.Simulator.SimulatedConditionalAccessSystem>();
            if (simulator is not null)
            {
                await simulator.EnsureSchemaAsync(ct).ConfigureAwait(false);
            }

            var result = await services.GetRequiredService<CasReconciler>().RunAsync("verb", repair: !parse.GetValue(dryRun), ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(result, JsonSerializerOptions.Web));
            }
            else
            {
                AnsiConsole.MarkupLine($"run {result.RunId}: {result.DevicesChecked} boxes checked, [bold]{result.Differences}[/] differences, {result.Repaired} repaired, "
                    + $"{result.RepairFailed} not repaired, {result.SkippedBusy} boxes skipped (a change is working on them)");
                foreach (var d in result.Drift.Take(50))
                {
                    AnsiConsole.MarkupLine(Markup.Escape($"  {d.Kind,-15} {d.CasDeviceId} {d.ProductId ?? "-"}  age {d.Age:d\\.hh\\:mm\\:ss}  {d.RepairOutcome}"));
                }
            }

            return result.Differences == result.Repaired ? 0 : 1;
        });
        command.Subcommands.Add(reconcile);
        return command;
    }
}
