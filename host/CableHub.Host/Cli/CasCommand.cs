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
        command.Subcommands.Add(LogVerb());
        return command;
    }

    /// <summary>
    /// <c>cas log [--customer C] [--device D] [--from T] [--to T] [--format csv,xlsx,pdf --out DIR]</c>: the CAS command log
    /// (every command the sagas sent, with outcome and timestamps); with <c>--out</c> a signed export recorded in the audit log.
    /// </summary>
    private static Command LogVerb()
    {
        var customer = new Option<string?>("--customer") { Description = "the boxes this subscriber held, while they held them (customer number or id)" };
        var device = new Option<string?>("--device") { Description = "this box (id, serial number or CAS id)" };
        var from = new Option<DateTimeOffset?>("--from") { Description = "commands started at or after this instant" };
        var to = new Option<DateTimeOffset?>("--to") { Description = "commands started before this instant" };
        var format = new Option<string>("--format") { Description = "with --out: csv | xlsx | pdf, or several", DefaultValueFactory = _ => "csv" };
        var output = new Option<string?>("--out") { Description = "write a signed export into this directory (recorded in the audit log)" };
        var json = new Option<bool>("--json") { Description = "print the commands as JSON" };
        var log = new Command("log", "The CAS command log: every activation / deactivation / product command with its result and timestamps")
        {
            customer, device, from, to, format, output, json,
        };
        log.TreatUnmatchedTokensAsErrors = false;
        log.SetAction(async (parse, ct) =>
        {
            await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
            var services = db.Services;
            var commandLog = new CasCommandLog(db.DataSource, services.GetRequiredService<Customers.Contracts.ICustomerDirectory>(),
                services.GetRequiredService<Inventory.Contracts.IDeviceDirectory>());
            IReadOnlyList<CasCommandRecord> records;
            try
            {
                records = await commandLog.ListAsync(parse.GetValue(customer), parse.GetValue(device), parse.GetValue(from), parse.GetValue(to), ct).ConfigureAwait(false);
            }
            catch (Core.Errors.NotFoundException ex)
            {
                await Console.Error.WriteLineAsync($"cas log: {ex.Message}").ConfigureAwait(false);
                return 2;
            }

            if (parse.GetValue(output) is { } directory)
            {
                var options = ReportCommand.Options(db.Configuration, db.Settings);
                var reporter = new Compliance.Reports.ComplianceReporter("", options, new Compliance.Reports.Signing.ExportSigner(options.SigningKeyPath),
                    new Audit.AuditLog(db.DataSource), TimeProvider.System, db.Loggers.CreateLogger("Reports"));
                var document = CasLogDocument(records, options.ReportingTimeZone, parse.GetValue(customer), parse.GetValue(device), parse.GetValue(from), parse.GetValue(to));
                var files = await reporter.ExportAsync([document], Compliance.Reports.ComplianceReporter.ParseFormats(parse.GetValue(format)!), Path.GetFullPath(directory),
                    "cli:" + Environment.UserName, ct: ct).ConfigureAwait(false);
                foreach (var f in files)
                {
                    AnsiConsole.MarkupLineInterpolated($"{f.Path}  sha256 {f.Manifest.Sha256}");
                }
            }
            else if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(records, JsonSerializerOptions.Web));
            }
            else
            {
                foreach (var r in records)
                {
                    Console.WriteLine($"{r.StartedAt:O} {r.FinishedAt?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "-",-33} {r.Command,-10} {r.Outcome ?? "pending",-11} {r.DeviceId} {r.CasDeviceId ?? "-"} {string.Join(' ', r.Products)} {r.IdempotencyKey} {r.Reason}");
                }
            }

            Console.WriteLine($"{records.Count} command(s)");
            return 0;
        });
        return log;
    }

    private static Compliance.Reports.ReportDocument CasLogDocument(IReadOnlyList<CasCommandRecord> records, string timeZone, string? customer, string? device,
        DateTimeOffset? from, DateTimeOffset? to)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        DateTimeOffset? Local(DateTimeOffset? t) => t is { } v ? TimeZoneInfo.ConvertTime(v, zone) : null;
        var asOf = records.Count == 0 ? (to ?? DateTimeOffset.UtcNow) : records.Max(r => r.FinishedAt ?? r.StartedAt);
        var parameters = new Dictionary<string, string>
        {
            ["customer"] = customer ?? "",
            ["device"] = device ?? "",
            ["from_utc"] = from?.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "",
            ["to_utc"] = to?.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "",
            ["time_zone"] = timeZone,
        };
        return new Compliance.Reports.ReportDocument
        {
            Report = Compliance.Reports.ReportKind.CasCommands,
            FileStem = "cas-commands" + (customer is null ? "" : "-" + customer) + (device is null ? "" : "-" + device),
            Title = "CAS command log",
            Notes = ["Every command the hub sent to the conditional-access system, with its outcome and timestamps (sagas.cas_call, sagas.lifecycle_cas_op)."],
            Columns =
            [
                new("started", Compliance.Reports.ColumnKind.Instant), new("finished", Compliance.Reports.ColumnKind.Instant),
                new("command", Compliance.Reports.ColumnKind.Text), new("outcome", Compliance.Reports.ColumnKind.Text),
                new("device_id", Compliance.Reports.ColumnKind.Text), new("cas_device_id", Compliance.Reports.ColumnKind.Text),
                new("products", Compliance.Reports.ColumnKind.Text), new("compensation", Compliance.Reports.ColumnKind.Boolean),
                new("attempts", Compliance.Reports.ColumnKind.Integer), new("source", Compliance.Reports.ColumnKind.Text),
                new("idempotency_key", Compliance.Reports.ColumnKind.Text), new("reason", Compliance.Reports.ColumnKind.Text),
            ],
            Rows = [.. records.Select(r => new object?[]
            {
                Local(r.StartedAt), Local(r.FinishedAt), r.Command, r.Outcome, r.DeviceId.ToString(), r.CasDeviceId, string.Join(' ', r.Products),
                r.Compensation, (long)r.Attempts, r.Source, r.IdempotencyKey, r.Reason,
            })],
            AsOf = asOf,
            Parameters = parameters,
        };
    }
}
